"""GitHub Actions from a pytest session: what `yamlparity run` gives there, once per session.

An `::error` annotation per failing case at its file:line:column (report/github.py builds them,
for the CLI too), written at the end of the session by the process that gathers every spec's
results (the only one, or the xdist controller), so a case run on several workers (`--dist
each`) is annotated once; and, when the reports are written, one job summary for the session.
No pytest import: the plugin prints the lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from yamlparity.core.errors import Location
from yamlparity.report.formats import Written
from yamlparity.report.github import Annotations, SummaryNotAppended, append_summary
from yamlparity.report.summary import render_summary, report_link, spec_entry
from yamlparity.results.records import CaseResults, SpecResult

from .reports import Finished
from .runner import Part


def places(spec: Any, parts: Iterable[Part]) -> dict[str, Location]:
    """Each failing case's place in the spec or fixture file, by its (shown) name. Found where
    the spec is loaded and sent with the results, with an absolute path: an xdist controller
    has no spec, and its working directory need not be the worker's."""
    found: dict[str, Location] = {}
    for part in parts:
        for index, case in _not_plain(part.result):
            if case.failing:
                where = spec.cases.location(part.positions[index])
                file = str(Path(where.file).resolve())
                found[case.name] = Location(file, where.line, where.column)
    return found


def _not_plain(result: SpecResult) -> Iterable[tuple[int, Any]]:
    """(index, case) of the cases that are not a plain MATCH: a failing case never is, and the
    compact store rebuilds nothing to list them."""
    cases = result.cases
    if isinstance(cases, CaseResults):
        return sorted(cases.full.items())
    return enumerate(cases)


def annotation_lines(specs: Sequence[Finished], *, fixed_ok: bool) -> list[str]:
    """The workflow commands of the session, spec by spec, in the order of the reports."""
    annotate = Annotations(fixed_ok=fixed_ok)
    lines = [line for spec in specs for line in annotate.for_result(spec.result, spec.parts.places)]
    return [*lines, *annotate.finish()]


def job_summary(written: Sequence[Written]) -> str | None:
    """Append the session's job summary (the one `yamlparity run` writes for a run); a warning
    to show when it could not be written."""
    if not written:
        return None
    entries = [spec_entry(w.result, report_link(w.primary), w.history) for w in written]
    try:
        append_summary(render_summary(entries))
    except SummaryNotAppended as exc:
        return f"warning: {exc}"
    return None
