"""Render results with Jinja2 (sandboxed, StrictUndefined). Reads results; never runs anything."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from yamlparity import jsonvalue
from yamlparity.errors import SpecError
from yamlparity.results import VERDICTS, CaseResult, SpecResult

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_TEMPLATE = "report.md.j2"
SHOWN_CHARS = 4000  # longer outputs are cut in the report

FACET_LABELS = {
    "status": "Status",
    "body": "Body",
    "stdout": "Output",
    "stderr": "Stderr",
    "exit_code": "Exit code",
}


def _json(value: Any) -> str:
    if isinstance(value, str):
        return value
    return jsonvalue.dumps(value, indent=2)


def _cut(text: str, limit: int = SHOWN_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit} more characters)"


def _fence(text: str, lang: str = "") -> str:
    """A fenced block that cannot be closed early by backticks inside the text."""
    longest = max((len(run) for run in text.split("\n") if set(run) == {"`"}), default=0)
    ticks = "`" * max(3, longest + 1)
    run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        if run >= len(ticks):
            ticks = "`" * (run + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def _code(text: Any) -> str:
    """Inline code that survives backticks and pipes in table cells."""
    value = str(text).replace("|", "\\|").replace("\n", " ")
    ticks = "``" if "`" in value else "`"
    return f"{ticks}{value}{ticks}" if ticks == "`" else f"{ticks} {value} {ticks}"


def environment(extra_dirs: list[Path] | None = None) -> SandboxedEnvironment:
    dirs = [str(d) for d in (extra_dirs or [])] + [str(PACKAGE_TEMPLATES)]
    env = SandboxedEnvironment(
        loader=FileSystemLoader(dirs),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(json=_json, cut=_cut, fence=_fence, code=_code)
    return env


def _case_context(case: CaseResult, facets: tuple[str, ...]) -> dict[str, Any]:
    return {
        "name": case.name,
        "verdict": case.verdict,
        "reason": case.reason,
        "link": case.link,
        "duration_ms": round(case.duration * 1000, 1),
        "facet_match": dict(case.facet_match),
        "groups": [list(group) for group in case.groups],
        "outcomes": {
            name: {
                "target": name,
                "error": outcome.error,
                "skipped": outcome.skipped,
                "status": outcome.status,
                "exit_code": outcome.exit_code,
                "excerpt": outcome.raw_excerpt,
                "facets": {
                    facet: _json(outcome.facets[facet])
                    for facet in outcome.facets
                    if facet in facets
                },
            }
            for name, outcome in case.outcomes.items()
        },
        "differences": [
            {
                "facet": diff.facet,
                "path": diff.path,
                "values": {
                    t: _json(v) if not isinstance(v, str) else jsonvalue.dumps(v)
                    for t, v in diff.values.items()
                },
                "missing": list(diff.missing),
                "note": diff.note,
            }
            for diff in case.differences
        ],
        "expectation_failures": [
            {"target": f.target, "expectation": f.expectation, "seen": f.seen}
            for f in case.expectation_failures
        ],
    }


def context(result: SpecResult, *, report_path: str | None = None) -> dict[str, Any]:
    """The documented, stable context every template receives (see docs/report-context.md)."""
    tally = result.tally()
    return {
        "spec": {
            "name": result.name,
            "title": result.title,
            "description": result.description,
            "file": result.file,
            "kind": result.kind,
            "facets": list(result.facets),
        },
        "date": result.started,
        "finished": result.finished,
        "interrupted": result.interrupted,
        "targets": [
            {
                "name": t.name,
                "kind": t.kind,
                "description": t.description,
                "unavailable": t.unavailable,
                "log_tail": t.log_tail,
            }
            for t in result.targets
        ],
        "target_names": [t.name for t in result.targets],
        "tally": tally,
        "total": len(result.cases),
        "passed": not result.failing,
        "verdicts": list(VERDICTS),
        "cases": [_case_context(case, result.facets) for case in result.cases],
        "facet_labels": FACET_LABELS,
        "report_path": report_path,
    }


def render(
    result: SpecResult,
    template: Path | None = None,
    *,
    report_path: str | None = None,
) -> str:
    """Render one spec's report; a template error is a SpecError naming the template line."""
    extra = [template.parent] if template else []
    env = environment(extra)
    name = template.name if template else DEFAULT_TEMPLATE
    try:
        return str(env.get_template(name).render(context(result, report_path=report_path)))
    except TemplateError as exc:
        raise _template_error(exc, template) from None


def _template_error(exc: TemplateError, template: Path | None) -> SpecError:
    from yamlparity.errors import Location

    lineno = getattr(exc, "lineno", None) or _traceback_line(exc)
    filename = getattr(exc, "filename", None) or (str(template) if template else DEFAULT_TEMPLATE)
    return SpecError(
        f"report template failed: {exc.message or exc}",
        Location(str(filename), lineno or 0, 1 if lineno else 0),
        hint="see docs/report-context.md for the variables a template receives",
    )


def _traceback_line(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if (
            tb.tb_frame.f_code.co_filename.endswith(".j2")
            or "template" in tb.tb_frame.f_code.co_name
        ):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, then rename: never a half-written report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def tally_line(tally: Mapping[str, int]) -> str:
    parts = [f"{tally['MATCH']} match", f"{tally['DIFF']} diff"]
    parts += [
        f"{tally[v]} {v.lower()}" for v in ("KNOWN", "FIXED", "FAIL", "ERROR", "SKIP") if tally[v]
    ]
    return " / ".join(parts)
