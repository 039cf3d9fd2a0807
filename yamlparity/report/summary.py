"""The CI job summary: one markdown page over every spec of a run (GitHub's
`$GITHUB_STEP_SUMMARY`), rendered from the built-in `summary.md.j2` in the same sandbox as
the reports. Short by design: a tally row per spec with its trend, then the first failing
cases of each spec with their first differing path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from yamlparity._version import __version__
from yamlparity.core.printable import cut_around, shown_json, shown_path
from yamlparity.report.github import workspace_path
from yamlparity.report.render import environment, template_errors
from yamlparity.results.records import VERDICTS, CaseResult, SpecResult

SUMMARY_TEMPLATE = "summary.md.j2"
CASES_PER_SPEC = 15
VALUE_CHARS = 40
SPARKS = "▁▂▃▄▅▆▇█"
# A spec's selection (results' `selection`, run/selection.describe): the run's filters, then
# how many of the spec's cases they hold — `-k 'x', shard 2/4: 37 of 150 cases`.
_SELECTION = re.compile(r"(?P<filters>.+): \d+ of \d+ cases?")
# The shard is the last filter when there is one (a -k expression may hold the same words).
_SHARD = re.compile(r"(?:^|, )shard (?P<shard>\d+/\d+)$")


def sparkline(values: Sequence[int]) -> str:
    """`▁▃█`: each value's height against the largest (all lowest when every value is 0)."""
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[round(v / top * (len(SPARKS) - 1))] for v in values)


def _first_difference(case: CaseResult) -> str:
    if not case.differences:
        return case.reason or (
            f"{case.expectation_failures[0].target}: expected "
            f"{case.expectation_failures[0].expectation}"
            if case.expectation_failures
            else ""
        )
    diff = case.differences[0]
    # Cut together, around the first difference: cut from the start, two values that differ
    # after VALUE_CHARS characters would read the same.
    shown = cut_around(
        {t: shown_json(diff.values[t], diff.path) for t in case.outcomes if t in diff.values},
        VALUE_CHARS,
    )
    values = [
        f"{t} (missing)" if t in diff.missing else f"{t} {shown[t]}"
        for t in case.outcomes
        if t in diff.missing or t in shown
    ]
    more = f" (+{len(case.differences) - 1} more)" if len(case.differences) > 1 else ""
    return f"{diff.facet} {shown_path(diff.path)}: {', '.join(values)}{more}"


def spec_entry(
    result: SpecResult,
    report: str,
    history: Sequence[Mapping[str, Any]],
    passed: bool | None = None,
) -> dict[str, Any]:
    """One spec's row; `passed`: as the run counted it (FIXED passes with --fixed-ok), else
    as its verdicts do."""
    failing = [c for c in result.cases if c.verdict != "MATCH" and c.verdict != "SKIP"]
    # The trend of the runs of the same cases as this one, as `change` is: a `-k` run beside
    # full runs drew as an improvement (`██▃`).
    selected = history[-1].get("select") if history else None
    alike = [int(run["failing"]) for run in history if run.get("select") == selected]
    return {
        "name": result.name,
        "title": result.title,
        "report": report,
        "tally": result.tally(),
        "total": len(result.cases),
        "passed": not result.failing if passed is None else passed,
        "interrupted": result.interrupted,
        "selection": result.selection,
        "trend": sparkline(alike) if len(alike) > 1 else "",
        "change": history[-1]["change"] if history else None,
        "cases": [
            {"name": c.name, "verdict": c.verdict, "detail": _first_difference(c)}
            for c in failing[:CASES_PER_SPEC]
        ],
        "more_cases": max(0, len(failing) - CASES_PER_SPEC),
    }


def run_filters(entries: Sequence[Mapping[str, Any]]) -> str:
    """The filters every spec of the run was given (`-k 'x', shard 1/3`), "" for a run of
    every case. Specs that disagree (results of different runs) give "": no heading may
    claim a selection that some of its rows do not have."""
    found = set()
    for entry in entries:
        match = _SELECTION.fullmatch(str(entry.get("selection") or ""))
        found.add(match.group("filters") if match else "")
    return found.pop() if len(found) == 1 else ""


def render_summary(entries: Sequence[Mapping[str, Any]]) -> str:
    """The job summary of one run. A run that holds only some cases (a shard's job, `-k`,
    `--last-failed`) says so in its heading: a shard's summary read like the whole run's."""
    selection = run_filters(entries)
    shard = _SHARD.search(selection)
    data = {
        "generator": f"yamlparity {__version__}",
        "selection": selection,
        "shard": shard.group("shard") if shard else "",
        "specs": list(entries),
        "verdicts": list(VERDICTS),
        "tally": {v: sum(e["tally"][v] for e in entries) for v in VERDICTS},
        "total": sum(e["total"] for e in entries),
        "passed": all(e["passed"] for e in entries),
    }
    env = environment()
    with template_errors(None, SUMMARY_TEMPLATE):
        return str(env.get_template(SUMMARY_TEMPLATE).render(data))


def report_link(path: Path) -> str:
    """The report's path as the summary names it: relative to the checkout
    ($GITHUB_WORKSPACE, as the annotations name spec files), else to the working directory
    (a run started elsewhere named `r4ci/reports/calc.md`)."""
    return workspace_path(str(path))
