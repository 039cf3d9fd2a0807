"""What a `yamlparity fuzz` run found, as plain data: the search engine fills it, the report
and the saved fixture file read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from yamlparity.core.jsonvalue import JSON
from yamlparity.results.records import CaseResult, TargetInfo

FindingKind = Literal["diff", "fail", "error"]
Stopped = Literal["examples", "time", "exhausted", "interrupted", "unavailable"]

# Why the search ended, as the report says it.
STOPPED_TEXT: dict[str, str] = {
    "examples": "the example budget (--max-examples) was used",
    "time": "the time budget (--max-time) was used",
    "exhausted": "no new input was left to try (the schema allows few)",
    "interrupted": "interrupted",
    "unavailable": "a target could not start",
}


@dataclass
class Finding:
    """One divergence class (or crash, or failed expectation) and its minimal input."""

    kind: FindingKind
    label: str  # `stdout .values[]: python=frac node=int, same value`
    name: str  # the case name it is saved under
    input: JSON  # the smallest input found that shows it (exact literals)
    result: CaseResult  # that input, run once more after the search: its diff, reproducers
    shrunk: bool  # Hypothesis finished shrinking it (else: the smallest seen when time ran out)
    reproduced: bool  # every rerun after the search showed the same class again
    first_example: int  # the example (1-based) that first showed it
    first_seconds: float  # seconds into the search
    examples: int  # inputs that showed it
    shown_again: int = 0  # reruns after the search that showed it
    reruns: int = 0  # reruns after the search (none when interrupted)
    # "added" / "already saved" / "not reproduced" (a rerun did not show it: not a regression
    # case) / "not reproduced (in the file from an earlier run)" (not added, and the case of
    # its name an earlier run saved is left as it is) / "" (no save file)
    saved: str = ""


@dataclass
class FuzzResult:
    spec: str
    title: str
    file: str
    schema: str
    seed: int
    max_examples: int | None
    max_time: float | None
    targets: list[TargetInfo] = field(default_factory=list)
    examples: int = 0  # inputs sent to every target (repeats are not sent twice)
    searched: int = 0  # of which while searching (the rest: shrinking, replaying, reruns)
    rounds: int = 0  # Hypothesis runs: each one goes on searching past the classes found before
    seconds: float = 0.0
    stopped: Stopped = "examples"
    verdicts: dict[str, int] = field(default_factory=dict)  # per verdict, over the examples
    # In the order first seen; those first seen by one input, by class (kind, facet, path)
    findings: list[Finding] = field(default_factory=list)
    database: str | None = None
    save: str | None = None
    started: str = ""
    # A stream helper wrote more lines than it was sent inputs (its reason): the first search,
    # which did not wait for quiet after each input, was dropped after `examples_before`
    # inputs and the search started again, settling after each input (run/fuzz.py).
    settled: str | None = None
    examples_before: int = 0

    @property
    def first_finding(self) -> Finding | None:
        return min(self.findings, key=lambda f: f.first_example, default=None)

    def of_kind(self, kind: FindingKind) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def not_reproduced(self, kind: FindingKind) -> int:
        """Findings of `kind` that a rerun after the search did not show again."""
        return sum(not f.reproduced for f in self.of_kind(kind))

    def to_dict(self) -> dict[str, Any]:
        """The JSON report's data (exact values: dump with core.jsonvalue)."""
        first = self.first_finding
        return {
            "spec": self.spec,
            "title": self.title,
            "file": self.file,
            "schema": self.schema,
            "seed": self.seed,
            "max_examples": self.max_examples,
            "max_time": self.max_time,
            "started": self.started,
            "targets": [
                {"name": t.name, "kind": t.kind, "description": t.description} for t in self.targets
            ],
            "examples": self.examples,
            "searched": self.searched,
            "rounds": self.rounds,
            "seconds": round(self.seconds, 3),
            "stopped": self.stopped,
            "verdicts": self.verdicts,
            "first_finding": None
            if first is None
            else {"example": first.first_example, "seconds": round(first.first_seconds, 3)},
            "database": self.database,
            "save": self.save,
            "searched_again": None
            if self.settled is None
            else {"reason": self.settled, "examples_dropped": self.examples_before},
            "findings": {
                kind: [_finding_dict(f) for f in self.of_kind(kind)]
                for kind in ("diff", "error", "fail")
            },
        }


def _finding_dict(finding: Finding) -> dict[str, Any]:
    result = finding.result
    return {
        "name": finding.name,
        "label": finding.label,
        "input": finding.input,
        "shrunk": finding.shrunk,
        "reproduced": finding.reproduced,
        "shown_again": finding.shown_again,
        "reruns": finding.reruns,
        "first_example": finding.first_example,
        "first_seconds": round(finding.first_seconds, 3),
        "examples": finding.examples,
        "saved": finding.saved,
        "verdict": result.verdict,
        "reason": result.reason,
        "groups": result.groups,
        "differences": [
            {
                "facet": d.facet,
                "path": d.path,
                "values": d.values,
                "missing": list(d.missing),
                "note": d.note,
            }
            for d in result.differences
        ],
        "expectation_failures": [
            {"target": f.target, "expectation": f.expectation, "seen": f.seen}
            for f in result.expectation_failures
        ],
        "errors": {name: o.error for name, o in result.outcomes.items() if o.error},
        "reproducers": result.reproducers,
    }
