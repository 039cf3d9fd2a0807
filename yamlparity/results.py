"""Results as plain data: what the engine hands to reports. No behaviour beyond to_dict()."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from yamlparity.jsonvalue import JSON

Verdict = Literal["MATCH", "DIFF", "FAIL", "ERROR", "SKIP", "KNOWN", "FIXED"]
VERDICTS: tuple[Verdict, ...] = ("MATCH", "DIFF", "FAIL", "ERROR", "SKIP", "KNOWN", "FIXED")
FAILING: frozenset[str] = frozenset({"DIFF", "FAIL", "ERROR", "FIXED"})
# How close agreeing targets were: byte-equal output, equal once parsed (key order, whitespace,
# escapes), or equal only after the spec's rules and comparison options.
Tier = Literal["identical", "canonical", "normalized"]
TIERS: tuple[Tier, ...] = ("identical", "canonical", "normalized")
# Cases that get a ready-to-run reproducer per target.
REPRODUCED: frozenset[str] = frozenset({"DIFF", "ERROR", "FAIL", "KNOWN", "FIXED"})

MISSING_TEXT = "<missing>"


@dataclass(frozen=True)
class Difference:
    """One place where targets disagree. `values` maps target name to its value there
    (`MISSING_TEXT`-style absence is given as `present=False` in `missing`)."""

    facet: str
    path: str  # jq-style (`.attempts[0].span_id`), or `line 3` for text
    values: dict[str, JSON]
    missing: tuple[str, ...] = ()  # targets where the path does not exist
    note: str = ""  # e.g. "type differs: number vs string"


@dataclass(frozen=True)
class ExpectationFailure:
    target: str
    expectation: str
    seen: str


@dataclass(frozen=True)
class SkippedValue:
    """A value a shape-checked rule left alone (`mask(.ts; "<ts>"; timestamp)` on "yesterday")."""

    target: str
    path: str
    reason: str


@dataclass(frozen=True)
class MaskedValue:
    """A path where the values a rule removed or masked differed between targets.
    `values` maps target -> value before the rule; targets in `missing` had nothing there."""

    path: str
    values: dict[str, JSON]
    missing: tuple[str, ...] = ()


@dataclass
class RuleEffect:
    """What one normalization rule did in one case. Kept for MATCH cases too (counts plus a few
    samples): the rule audit needs every case, and the engine drops MATCH outputs."""

    rule: int  # index in spec.rules
    text: str
    facet: str
    changed: dict[str, int] = field(default_factory=dict)  # target -> values changed
    skipped: dict[str, int] = field(default_factory=dict)  # target -> values left by a shape
    skipped_samples: list[SkippedValue] = field(default_factory=list)
    masked: list[MaskedValue] = field(default_factory=list)  # a few samples
    masked_paths: int = 0  # how many paths had differing values (samples are capped)


@dataclass
class TargetOutcome:
    """One target's side of a case, after gates and normalization."""

    target: str
    error: str | None = None  # the gate or the target failed; the excerpt is in `raw_excerpt`
    skipped: str | None = None
    facets: dict[str, JSON] = field(default_factory=dict)  # normalized, compared facets
    raw_excerpt: str = ""  # first 200 characters of what came out, for errors
    duration: float = 0.0
    exit_code: int | None = None
    status: int | None = None


@dataclass
class CaseResult:
    name: str
    verdict: Verdict
    outcomes: dict[str, TargetOutcome]
    differences: list[Difference] = field(default_factory=list)
    facet_match: dict[str, bool] = field(default_factory=dict)  # facet -> all targets agree
    groups: list[list[str]] = field(default_factory=list)  # agreement classes, N-way
    expectation_failures: list[ExpectationFailure] = field(default_factory=list)
    reason: str = ""  # for ERROR/SKIP: why; for KNOWN/FIXED: the known divergence's reason
    link: str | None = None
    duration: float = 0.0
    tier: Tier | None = None  # set when the targets agree (MATCH, FAIL, FIXED)
    rule_effects: list[RuleEffect] = field(default_factory=list)  # rules that did something
    reproducers: dict[str, str] = field(default_factory=dict)  # target -> shell command

    @property
    def failing(self) -> bool:
        return self.verdict in FAILING


@dataclass
class TargetInfo:
    name: str
    kind: str
    description: str  # resolved command or URL
    unavailable: str | None = None
    log_tail: str = ""


@dataclass
class SpecResult:
    name: str
    title: str
    description: str
    file: str
    kind: str
    targets: list[TargetInfo]
    cases: list[CaseResult]
    started: str  # ISO-8601 UTC
    finished: str = ""
    interrupted: bool = False
    facets: tuple[str, ...] = ()
    error: str | None = None

    def tally(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
        for case in self.cases:
            counts[case.verdict] += 1
        return counts

    def tier_tally(self) -> dict[str, int]:
        """Agreeing cases by how close they were (see `Tier`)."""
        counts: dict[str, int] = dict.fromkeys(TIERS, 0)
        for case in self.cases:
            if case.tier is not None:
                counts[case.tier] += 1
        return counts

    def path_stats(self) -> list[Any]:
        """Differing paths across cases (pathstats.PathStat), computed on demand."""
        from yamlparity.pathstats import path_stats

        return path_stats(self.cases)

    @property
    def failing(self) -> bool:
        return self.interrupted or any(case.failing for case in self.cases)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tally"] = self.tally()
        data["tiers"] = self.tier_tally()
        data["path_stats"] = [asdict(stat) for stat in self.path_stats()]
        plain: dict[str, Any] = _plain(data)
        return plain


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value  # Numbers stay exact: serialize with jsonvalue.dumps
