"""Every output of one run: markdown (the template), HTML, JSON results and JUnit XML.

Each spec's files share the report path's stem: `reports/x.md`, `x.html`, `x.json`,
`x.junit.xml`; long outputs go to `reports/<spec>/…` and a `--report-dir` gets `index.md`.
Every file is written atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yamlparity.core.atomic import atomic_writer, write_atomic
from yamlparity.core.errors import UsageError, YamlparityError
from yamlparity.report.render import (
    Attachments,
    TemplateChoice,
    render,
    render_index,
    render_to,
    tally_line,
)
from yamlparity.results.records import SpecResult

FORMATS = ("md", "html", "json", "junit")
SUFFIXES = {"md": ".md", "html": ".html", "json": ".json", "junit": ".junit.xml"}
INDEX_NAME = "index"


def parse_formats(values: str | Iterable[str]) -> tuple[str, ...]:
    """`md,html` or ["md", "html"] -> ("md", "html"), in the order given, without repeats."""
    items = values.split(",") if isinstance(values, str) else list(values)
    chosen: list[str] = []
    for item in (str(v).strip().lower() for v in items):
        if item not in FORMATS:
            raise UsageError(f"unknown format {item!r}: choose from {', '.join(FORMATS)}")
        if item not in chosen:
            chosen.append(item)
    if not chosen:
        raise UsageError(f"no format given: choose from {', '.join(FORMATS)}")
    return tuple(chosen)


def paths_for(report_path: Path, formats: Sequence[str]) -> dict[str, Path]:
    stem = report_path.with_suffix("") if report_path.suffix == ".md" else report_path
    return {
        fmt: report_path if fmt == "md" else stem.with_name(stem.name + SUFFIXES[fmt])
        for fmt in formats
    }


@dataclass
class Written:
    """What one spec's run produced, for the summary line and the index."""

    result: SpecResult
    paths: dict[str, Path]
    extra: list[Path] = field(default_factory=list)  # full outputs beside the report
    # Artefacts that could not be written: (file, why); the others were written all the same.
    failures: list[tuple[Path, Exception]] = field(default_factory=list)

    @property
    def primary(self) -> Path:
        return next(iter(self.paths.values()))


def write_spec(
    result: SpecResult,
    report_path: Path,
    formats: Sequence[str],
    choice: TemplateChoice,
    *,
    baseline: str | None = None,
) -> Written:
    """Every output of one spec's run. The results come first (JSON, then JUnit), then the
    full outputs beside the report, then the reports: a template that fails, a full disk or
    a refused file costs that one artefact, never the others. What could not be written is
    in `Written.failures`, each naming its file."""
    from yamlparity.report.formats import files, junit, results_json

    paths = paths_for(report_path, formats)
    folder = report_path.parent
    out = Written(result, paths)

    def attempt(path: Path, write: Callable[[], object]) -> None:
        try:
            write()
        except (OSError, YamlparityError) as exc:
            out.failures.append((path, exc))

    if "json" in paths:
        attempt(paths["json"], lambda: write_atomic(paths["json"], results_json.dumps(result)))
    if "junit" in paths:
        attempt(paths["junit"], lambda: write_atomic(paths["junit"], junit.dumps([result])))
    attached = Attachments()

    def attach() -> None:
        nonlocal attached
        attached, out.extra = files.write_attachments(result, files.main_facet(result), folder)

    attempt(folder / files.safe_component(result.name), attach)
    options: dict[str, Any] = {"attachments": attached, "baseline": baseline}
    if "md" in paths:

        def markdown() -> None:
            with atomic_writer(paths["md"]) as write:
                render_to(write, result, choice, report_path=str(paths["md"]), **options)

        attempt(paths["md"], markdown)
    if "html" in paths:

        def page() -> None:
            from yamlparity.report.formats import html  # markdown-it: imported by HTML runs only

            safe_md = render(result, choice, report_path=str(paths["html"]), html=True, **options)
            write_atomic(paths["html"], html.page(safe_md, result.title, choice))

        attempt(paths["html"], page)
    return out


def index_entry(written: Written, folder: Path, fmt: str) -> dict[str, Any]:
    result = written.result
    report = written.paths.get(fmt, written.primary)
    return {
        "name": result.name,
        "title": result.title,
        "report": report.resolve().relative_to(folder.resolve()).as_posix()
        if report.resolve().is_relative_to(folder.resolve())
        else str(report.resolve()),
        "tally": result.tally(),
        "tally_line": tally_line(result.tally()),
        "total": len(result.cases),
        "passed": not result.failing,
    }


def write_index(
    folder: Path, written: Sequence[Written], formats: Sequence[str], choice: TemplateChoice
) -> Path:
    """index.md (and index.html with html) linking each spec's report with its tally."""
    from yamlparity.report.formats import html, junit

    target = folder / f"{INDEX_NAME}.md"
    if "md" in formats or "html" not in formats:
        entries = [index_entry(w, folder, "md") for w in written]
        write_atomic(target, render_index(entries, choice))
    if "html" in formats:
        entries = [index_entry(w, folder, "html") for w in written]
        page = html.page(render_index(entries, choice, html=True), "Parity reports", choice)
        write_atomic(folder / f"{INDEX_NAME}.html", page)
        if "md" not in formats:
            target = folder / f"{INDEX_NAME}.html"
    if "junit" in formats:
        # One file for CI systems that take a single report path.
        write_atomic(folder / "junit.xml", junit.dumps([w.result for w in written]))
    return target
