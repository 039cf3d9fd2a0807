"""Every output of one run: markdown (the template), HTML, JSON results and JUnit XML.

Each spec's files share the report path's stem: `reports/x.md`, `x.html`, `x.json`,
`x.junit.xml`; long outputs go to `reports/<spec>/…` and a `--report-dir` gets `index.md`.
Every file is written atomically.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from yamlparity.core.atomic import atomic_writer, write_atomic
from yamlparity.core.errors import UsageError, YamlparityError
from yamlparity.report.history import Recording, record_run
from yamlparity.report.render import (
    Attachments,
    TemplateChoice,
    calibration_beside,
    render_index,
    render_to,
    tally_line,
)
from yamlparity.results.audit import Audit, analysis_context, audit
from yamlparity.results.records import VERDICTS, SpecResult

FORMATS = ("md", "html", "json", "junit")
SUFFIXES = {"md": ".md", "html": ".html", "json": ".json", "junit": ".junit.xml"}
INDEX_NAME = "index"
MANIFEST_NAME = "index.json"  # what the index lists, across runs into one folder


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
    history: list[dict[str, Any]] = field(default_factory=list)  # the trend (history.trend)
    # Artefacts that could not be written: (file, why); the others were written all the same.
    failures: list[tuple[Path, Exception]] = field(default_factory=list)
    audit: Audit | None = None  # the rule audit the reports show (the terminal's lines too)
    fixed_ok: bool = False  # a run with --fixed-ok: FIXED passes in JUnit and the index
    # An interrupted run's cases that never started: JUnit errors, so a gate on it fails.
    not_run: Sequence[str] = ()
    # The spec's cases a selection (-k, --last-failed, a shard) left out: JUnit shows them as
    # skipped, the index row says the selection, so neither reads as a full pass.
    unselected: int = 0

    @property
    def passed(self) -> bool:
        """Whether the run passed this spec, as its exit code does (FIXED with --fixed-ok)."""
        return not failing(self.result, self.fixed_ok)

    @property
    def primary(self) -> Path:
        """The first output written (the summary line and the index link to it): a report
        whose template failed is not named as if it were there."""
        failed = {path for path, _ in self.failures}
        written = (path for path in self.paths.values() if path not in failed)
        return next(written, next(iter(self.paths.values())))


def write_spec(
    result: SpecResult,
    report_path: Path,
    formats: Sequence[str],
    choice: TemplateChoice,
    *,
    baseline: str | None = None,
    recording: Recording | None = None,
    fixed_ok: bool = False,
    not_run: Sequence[str] = (),
    unselected: int = 0,
) -> Written:
    """Every output of one spec's run. The results come first (JSON, then JUnit), then the
    full outputs beside the report, the history, then the reports: a template that fails, a
    full disk or a refused file costs that one artefact, never the others. What could not be
    written is in `Written.failures`, each naming its file. With `recording`, the run is
    appended to the history in the report's folder and the reports show the last runs' trend.
    """
    from yamlparity.report.formats import files, junit, results_json

    paths = paths_for(report_path, formats)
    folder = report_path.parent
    out = Written(result, paths, fixed_ok=fixed_ok, not_run=not_run, unselected=unselected)
    unstarted = {result.name: not_run}
    left_out = {result.name: unselected}

    def attempt(path: Path, write: Callable[[], object]) -> None:
        try:
            write()
        except (OSError, YamlparityError) as exc:
            out.failures.append((path, exc))

    def streamed(path: Path, dump: Callable[[Callable[[str], object]], object]) -> None:
        def write_file() -> None:
            with atomic_writer(path) as write:
                dump(write)

        attempt(path, write_file)
        if out.failures and out.failures[-1][0] == path:
            # An earlier run's file under this name would be read as this run's report.
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    # Machine results first: a template that fails late must not cost the run its results.
    if "json" in paths:
        streamed(paths["json"], lambda write: results_json.write_to(result, write))
    if "junit" in paths:
        streamed(
            paths["junit"],
            lambda write: junit.write_to([result], write, fixed_ok, unstarted, left_out),
        )
    attached = Attachments()

    def attach() -> None:
        nonlocal attached
        attached, out.extra = files.write_attachments(result, files.main_facet(result), folder)

    attempt(folder / files.safe_component(result.name), attach)
    # Computed once for every format (one pass over the cases each time it is built).
    out.audit = audit(result, calibration_beside(result, str(report_path)))
    analysis = analysis_context(result, report=out.audit)
    options: dict[str, Any] = {
        "attachments": attached,
        "baseline": baseline,
        "analysis": analysis,
    }
    if recording is not None:

        def history() -> None:
            options["history"] = record_run(
                result, folder, recording, analysis["path_stats"], fixed_ok=fixed_ok
            )

        attempt(folder, history)
    if "md" in paths:
        streamed(
            paths["md"],
            lambda write: render_to(write, result, choice, report_path=str(paths["md"]), **options),
        )
    if "html" in paths:

        def page() -> None:
            from yamlparity.report.formats import html  # markdown-it: imported by HTML runs only

            def markdown(write: Callable[[str], object]) -> None:
                report_path = str(paths["html"])
                render_to(write, result, choice, report_path=report_path, html=True, **options)

            html.write_page(paths["html"], markdown, result.title, choice)

        attempt(paths["html"], page)
    out.history = list(options.get("history", []))
    return out


def index_entry(written: Written, folder: Path) -> dict[str, Any]:
    """One spec's row of the index, with its report in every format written."""
    result = written.result
    return {
        "name": result.name,
        "title": result.title,
        "reports": {fmt: _relative(path, folder) for fmt, path in written.paths.items()},
        "tally": result.tally(),
        "tally_line": tally_line(result.tally()),
        "total": len(result.cases),
        "passed": written.passed,
        # Which run wrote the reports: a JUnit file of another run is stale (_earlier_suite).
        "started": result.started,
        # Its JUnit file counts FIXED as passed: _earlier_suite counts alike.
        **({"fixed_ok": True} if written.fixed_ok else {}),
        # Its JUnit file holds these too, as errors.
        **({"not_run": len(written.not_run)} if written.not_run else {}),
        # A run of some cases says so in its row: it is no verdict on the others.
        "selection": result.selection,
        **({"unselected": written.unselected} if written.unselected else {}),
    }


def failing(result: SpecResult, fixed_ok: bool) -> bool:
    """A spec that fails the run: interrupted, or a failing verdict (FIXED not with
    --fixed-ok), as the exit code counts it."""
    return result.fails_run(fixed_ok)


def _relative(path: Path, folder: Path) -> str:
    resolved, base = path.resolve(), folder.resolve()
    return resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else str(resolved)


def _for_format(entry: dict[str, Any], fmt: str) -> dict[str, Any]:
    reports: dict[str, str] = entry["reports"]
    return {**entry, "report": reports.get(fmt) or next(iter(reports.values()))}


def indexed_entries(folder: Path, written: Sequence[Written]) -> list[dict[str, Any]]:
    """This run's specs plus those earlier runs left in the folder (their report still there),
    by name; kept in `index.json` so a run of one spec does not drop the others."""
    entries = {e["name"]: e for e in _read_manifest(folder)}
    entries.update((w.result.name, index_entry(w, folder)) for w in written)
    kept = [
        e
        for _, e in sorted(entries.items())
        if any((folder / report).is_file() for report in e["reports"].values())
    ]
    write_atomic(folder / MANIFEST_NAME, json.dumps({"format": 1, "specs": kept}, indent=1) + "\n")
    return kept


def _read_manifest(folder: Path) -> list[dict[str, Any]]:
    """The index of earlier runs; anything unreadable counts as no index."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text("utf-8"))
        specs = data["specs"] if data.get("format") == 1 else []
        valid = [s for s in specs if isinstance(s, dict) and _valid_entry(s)]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return []
    # A verdict added by a later version counts 0 in an older index, and the other way round.
    return [
        {
            **s,
            "tally": {v: s["tally"].get(v, 0) for v in VERDICTS},
            # An index written before selections were kept: its runs are taken as full.
            "selection": s["selection"] if isinstance(s.get("selection"), str) else "",
        }
        for s in valid
    ]


def _valid_entry(entry: dict[str, Any]) -> bool:
    reports = entry.get("reports")
    return (
        isinstance(entry.get("name"), str)
        and isinstance(reports, dict)
        and bool(reports)
        and all(isinstance(r, str) and ".." not in Path(r).parts for r in reports.values())
        and isinstance(entry.get("tally"), dict)
        and all(isinstance(n, int) for n in entry["tally"].values())
        and isinstance(entry.get("total"), int)
    )


@dataclass(frozen=True)
class Index:
    """The index written: its main file, and how many specs it lists (those of earlier runs
    in the folder too) against how many this run wrote."""

    path: Path
    listed: int
    written: int

    def line(self, shown: str) -> str:
        """The run's last line: `[parity] index: 8 specs (4 from this run) → reports/index.md`."""
        count = f"{self.listed} spec{'' if self.listed == 1 else 's'}"
        if self.listed != self.written:
            count += f" ({self.written} from this run)"
        return f"[parity] index: {count} → {shown}"


def write_index(
    folder: Path, written: Sequence[Written], formats: Sequence[str], choice: TemplateChoice
) -> Index:
    """index.md (and index.html with html) linking each spec's report with its tally."""
    target = folder / f"{INDEX_NAME}.md"
    every = indexed_entries(folder, written)
    if "md" in formats or "html" not in formats:
        entries = [_for_format(e, "md") for e in every]
        write_atomic(target, render_index(entries, choice))
    if "html" in formats:
        from yamlparity.report.formats import html  # markdown-it: imported by HTML runs only

        entries = [_for_format(e, "html") for e in every]
        page = html.page(render_index(entries, choice, html=True), "Parity reports", choice)
        write_atomic(folder / f"{INDEX_NAME}.html", page)
        if "md" not in formats:
            target = folder / f"{INDEX_NAME}.html"
    if "junit" in formats:
        write_combined_junit(folder, every, written)
    return Index(target, len(every), len(written))


def write_combined_junit(
    folder: Path, entries: Sequence[dict[str, Any]], written: Sequence[Written]
) -> None:
    """junit.xml: one file for CI systems that take a single report path, listing every spec
    the index lists (in its order) — this run's from their results, earlier runs' from their
    own JUnit files — so a later run of one spec never hides another's failures."""
    from yamlparity.report.formats import junit

    ours = {w.result.name: w.result for w in written}
    # One run's specs share its --fixed-ok; earlier runs' suites are copied as they were.
    fixed_ok = any(w.fixed_ok for w in written)
    not_run = {w.result.name: w.not_run for w in written}
    unselected = {w.result.name: w.unselected for w in written}
    # Earlier suites wait in a spool file, not in memory: a spec may have 10^5 cases.
    with tempfile.TemporaryFile() as spool:
        parts = [ours.get(e["name"]) or _earlier_suite(folder, e, spool) for e in entries]
        with atomic_writer(folder / "junit.xml") as write:
            junit.write_to(parts, write, fixed_ok, not_run, unselected)


def _earlier_suite(folder: Path, entry: dict[str, Any], spool: BinaryIO) -> Any:
    """An earlier run's spec: the suite of its JUnit file when that file holds its last run,
    else a stand-in testcase with that run's tally (the file was not written by that run,
    is gone, or was replaced)."""
    from yamlparity.report.formats import junit

    tally = entry["tally"]
    fixed = 0 if entry.get("fixed_ok") is True else tally["FIXED"]
    unstarted = entry.get("not_run") if isinstance(entry.get("not_run"), int) else 0
    left_out = 1 if isinstance(entry.get("unselected"), int) and entry["unselected"] > 0 else 0
    counts = {
        "tests": entry["total"] + unstarted + left_out,
        "failures": tally["DIFF"] + tally["FAIL"] + fixed,
        "errors": tally["ERROR"] + unstarted,
        "skipped": tally["SKIP"] + left_out,
    }
    own = entry["reports"].get("junit")
    started = entry.get("started") if isinstance(entry.get("started"), str) else None
    if own is not None and not Path(own).is_absolute():
        stored = junit.stored_suite(folder / own, entry["name"], counts, started, spool)
        if stored is not None:
            return stored
    # An index written before `passed` was kept: failing as the verdicts count it.
    failed = any(tally[v] for v in ("DIFF", "FAIL", "ERROR", "FIXED"))
    passed = entry["passed"] if isinstance(entry.get("passed"), bool) else not failed
    report = next(iter(entry["reports"].values()))
    summary = f"{tally_line(tally)} (out of {entry['total']})"
    return junit.stand_in(entry["name"], summary, passed, report)
