"""Results as plain data: what the engine hands to reports. No behaviour beyond to_dict()."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, Literal, overload

from yamlparity.core.jsonvalue import JSON, Number, canonical

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
# Marks, in a FIXED case's reason, a `known` entry whose expected failure no longer happens.
FAILURE_GONE = "(expected failure gone)"
# Samples (masked values, skipped values) a rule keeps with their values across the matching
# cases of a run, first by case order; the rule audit shows at most this many. Past it, a
# matching case keeps only where a rule acted and on which targets: memory stays flat however
# many cases a varying field (a timestamp, an elapsed time) is deleted in.
AUDIT_SAMPLES = 5


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
    """A value a rule left alone: a shape-checked `mask(.ts; "<ts>"; timestamp)` on "yesterday",
    a path through the wrong kind of value (`del(.a.b)` where `.a` is an array)."""

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
    # The targets whose values differed, when the values themselves were not kept (see
    # AUDIT_SAMPLES); `values` is then empty.
    differing: tuple[str, ...] = ()


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
    # Facets in `facets` as they arrived, not normalized: a large output compared element by
    # element is never one parsed tree (the differences are still found after the rules).
    as_received: list[str] = field(default_factory=list)


@dataclass
class CaseResult:
    name: str
    verdict: Verdict
    outcomes: dict[str, TargetOutcome]
    differences: list[Difference] = field(default_factory=list)
    facet_match: dict[str, bool] = field(default_factory=dict)  # facet -> all targets agree
    # Agreement classes, N-way: of every target that answered, also when others failed.
    groups: list[list[str]] = field(default_factory=list)
    # Pairs of targets in different groups that agree all the same: only under a tolerance,
    # where agreeing is not transitive (1.0 ~ 1.08 ~ 1.16 within 0.1, but 1.0 ≉ 1.16).
    agreeing: list[list[str]] = field(default_factory=list)
    expectation_failures: list[ExpectationFailure] = field(default_factory=list)
    reason: str = ""  # for ERROR/SKIP: why; for KNOWN/FIXED: the known divergence's reason
    link: str | None = None
    duration: float = 0.0
    tier: Tier | None = None  # set when the targets agree (MATCH, FAIL, FIXED)
    rule_effects: list[RuleEffect] = field(default_factory=list)  # rules that did something
    reproducers: dict[str, str] = field(default_factory=dict)  # target -> shell command
    # Targets that gave no answer -> the kind of failure (`exit 3`, `timeout`), in spec order.
    failures: dict[str, str] = field(default_factory=dict)
    known_errors: list[str] = field(default_factory=list)  # failures a `known:` entry declares

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
    notes: list[str] = field(default_factory=list)  # e.g. a recording's unused cases


_NONE = -(2**31)  # an absent status or exit code in the compact columns
_FULL = -1  # a case kept whole (not a plain MATCH)
_NO_TIER = len(TIERS)


@dataclass
class CaseResults(Sequence[CaseResult]):
    """The cases of a run, in order. A plain MATCH (every target answered alike, nothing to
    show) is stored as a row of columns — ~50 bytes instead of a ~1.7 KB CaseResult — and
    rebuilt when read; every other case is kept whole in `full`.

    A dataclass whose fields are plain data on purpose: `redact.Redactor.deep` copies results
    field by field (names included: they live in `names`, a bytes blob it masks like text).
    Rule effects are shared between cases that had the same ones (`effect_sets`).
    """

    targets: tuple[str, ...]
    facets: tuple[str, ...]
    names: bytes = b""  # every case's name followed by "\n" (names never hold a newline)
    full: dict[int, CaseResult] = field(default_factory=dict)
    effect_sets: list[tuple[RuleEffect, ...]] = field(default_factory=list)
    tiers: array[int] = field(default_factory=lambda: array("b"))  # _FULL, tier index
    durations: array[float] = field(default_factory=lambda: array("d"))  # per target
    statuses: array[int] = field(default_factory=lambda: array("i"))  # per target
    exit_codes: array[int] = field(default_factory=lambda: array("i"))  # per target
    effect_ids: array[int] = field(default_factory=lambda: array("I"))
    _pending: bytearray = field(default_factory=bytearray, init=False, repr=False)
    _ends: array[int] = field(default_factory=lambda: array("Q"), init=False, repr=False)
    _effect_index: dict[tuple[Any, ...], int] = field(default_factory=dict, init=False, repr=False)
    # rule -> (masked, skipped) samples kept with their values in matching cases so far
    _samples: dict[int, tuple[int, int]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        # Rebuilt from the blob: a redacted copy may have names of other lengths.
        end = 0
        for name in self.names.split(b"\n")[:-1]:
            end += len(name) + 1
            self._ends.append(end)

    # -- building (the engine)

    def append(self, case: CaseResult) -> None:
        encoded = case.name.encode("utf-8", "surrogatepass") + b"\n"
        self._pending += encoded
        ends = self._ends
        ends.append((ends[-1] if ends else 0) + len(encoded))
        index = len(self.tiers)
        if self._compact(case):
            self.tiers.append(TIERS.index(case.tier) if case.tier else _NO_TIER)
            outcomes = case.outcomes.values()
            self.durations.extend([o.duration for o in outcomes])
            self.statuses.extend([_NONE if o.status is None else o.status for o in outcomes])
            self.exit_codes.extend(
                [_NONE if o.exit_code is None else o.exit_code for o in outcomes]
            )
            self.effect_ids.append(self._effect_id(case.rule_effects))
            return
        width = len(self.targets)
        self.full[index] = case
        self.tiers.append(_FULL)
        self.durations.extend([0.0] * width)
        self.statuses.extend([_NONE] * width)
        self.exit_codes.extend([_NONE] * width)
        self.effect_ids.append(0)

    def replace(self, index: int, case: CaseResult) -> None:
        """Put `case` in place of the case stored at `index` (the same case, as its name
        says), kept whole: the engine corrects a verdict it learned was wrong after the case
        was stored (answers of a stream helper that wrote more lines than it was sent)."""
        if case.name != self.name(index):
            raise ValueError(f"case {index} is {self.name(index)!r}, not {case.name!r}")
        width = len(self.targets)
        at = index * width
        self.full[index] = case
        self.tiers[index] = _FULL
        self.durations[at : at + width] = array("d", [0.0] * width)
        self.statuses[at : at + width] = array("i", [_NONE] * width)
        self.exit_codes[at : at + width] = array("i", [_NONE] * width)
        self.effect_ids[index] = 0

    def finish(self) -> None:
        """Move appended names into `names` (appending to bytes would copy the blob each time)."""
        if self._pending:
            self.names += bytes(self._pending)
            self._pending.clear()

    def _compact(self, case: CaseResult) -> bool:
        """True when `_rebuild` gives back an equal CaseResult from the columns alone."""
        if case.verdict != "MATCH" or case.differences or case.expectation_failures:
            return False
        if case.reason or case.link is not None or case.reproducers or case.failures:
            return False
        targets = self.targets
        outcomes = case.outcomes
        if tuple(outcomes) != targets or case.groups != [list(targets)]:
            return False
        facet_match = case.facet_match
        if tuple(facet_match) != tuple(self.facets) or not all(facet_match.values()):
            return False
        durations = []
        for o in outcomes.values():
            if o.error is not None or o.skipped is not None or o.facets or o.raw_excerpt:
                return False
            durations.append(o.duration)
        return case.duration == max(durations, default=0.0)

    def _effect_id(self, effects: list[RuleEffect]) -> int:
        """The id of a matching case's effects as stored: their samples' values dropped once
        each rule has AUDIT_SAMPLES of them (counts, paths and targets stay exact). The key
        is read off the effects as they would be once bounded, and the bounded copies are
        made only for a key not seen before: most cases repeat one."""
        keys = []
        drops: list[tuple[bool, bool]] = []
        samples = self._samples
        for effect in effects:
            masked, skipped = samples.get(effect.rule, (0, 0))
            keep_masked, keep_skipped = masked < AUDIT_SAMPLES, skipped < AUDIT_SAMPLES
            samples[effect.rule] = (
                masked + len(effect.masked) if keep_masked else masked,
                skipped + len(effect.skipped_samples) if keep_skipped else skipped,
            )
            drop_masked = not keep_masked and bool(effect.masked)
            drop_skipped = not keep_skipped and bool(effect.skipped_samples)
            drops.append((drop_masked, drop_skipped))
            keys.append(_effect_key(effect, drop_masked, drop_skipped))
        key = tuple(keys)
        found = self._effect_index.get(key)
        if found is None:
            found = self._effect_index[key] = len(self.effect_sets)
            self.effect_sets.append(
                tuple(_bounded(e, *drop) for e, drop in zip(effects, drops, strict=True))
            )
        return found

    # -- reading (reports)

    def __len__(self) -> int:
        return len(self.tiers)

    @overload
    def __getitem__(self, index: int) -> CaseResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[CaseResult]: ...

    def __getitem__(self, index: int | slice) -> CaseResult | list[CaseResult]:
        if isinstance(index, slice):
            return [self._rebuild(i) for i in range(len(self))[index]]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("case index out of range")
        return self._rebuild(index)

    def __iter__(self) -> Iterator[CaseResult]:
        return (self._rebuild(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def name(self, index: int) -> str:
        start, end = (self._ends[index - 1] if index else 0), self._ends[index] - 1
        if end < len(self.names):
            return self.names[start:end].decode("utf-8", "surrogatepass")
        # Still being built: names since the last finish() are in _pending.
        done = len(self.names)
        return self._pending[start - done : end - done].decode("utf-8", "surrogatepass")

    def verdicts(self) -> Iterator[Verdict]:
        for index, tier in enumerate(self.tiers):
            yield self.full[index].verdict if tier == _FULL else "MATCH"

    def tier_codes(self) -> Iterator[Tier | None]:
        for index, tier in enumerate(self.tiers):
            if tier == _FULL:
                yield self.full[index].tier
            else:
                yield TIERS[tier] if tier != _NO_TIER else None

    def _rebuild(self, index: int) -> CaseResult:
        tier = self.tiers[index]
        if tier == _FULL:
            return self.full[index]
        width = len(self.targets)
        at = index * width
        durations = self.durations[at : at + width]
        codes = self.exit_codes[at : at + width]
        statuses = self.statuses[at : at + width]
        # Read ~10 times a case by the reports (one pass each): arrays sliced once, no
        # helper call per column.
        outcomes = {
            name: TargetOutcome(
                target=name,
                duration=durations[n],
                exit_code=None if codes[n] == _NONE else codes[n],
                status=None if statuses[n] == _NONE else statuses[n],
            )
            for n, name in enumerate(self.targets)
        }
        return CaseResult(
            name=self.name(index),
            verdict="MATCH",
            outcomes=outcomes,
            facet_match=dict.fromkeys(self.facets, True),
            groups=[list(self.targets)],
            duration=max(durations, default=0.0),
            tier=TIERS[tier] if tier != _NO_TIER else None,
            rule_effects=list(self.effect_sets[self.effect_ids[index]]),
        )


def not_plain(cases: Iterable[CaseResult]) -> Iterator[CaseResult]:
    """The cases, less the plain MATCHes a CaseResults store keeps as compact rows, in order:
    for a pass to which a plain MATCH adds nothing (it has no difference, no output, no odd
    target and does not fail). The reports make ~10 passes over 100k cases; rebuilding a
    compact row costs ~5 us. Any other sequence: every case."""
    if isinstance(cases, CaseResults):
        return iter(cases.full.values())  # appended in case order
    return iter(cases)


def named_effects(cases: Iterable[CaseResult]) -> Iterator[tuple[str, Sequence[RuleEffect]]]:
    """Each case's name and rule effects, in order, without rebuilding a store's rows."""
    if not isinstance(cases, CaseResults):
        yield from ((case.name, case.rule_effects) for case in cases)
        return
    for index, tier in enumerate(cases.tiers):
        if tier == _FULL:
            case = cases.full[index]
            yield case.name, case.rule_effects
        else:
            yield cases.name(index), cases.effect_sets[cases.effect_ids[index]]


def plain_matches(cases: Sequence[CaseResult]) -> int:
    """How many cases `not_plain` leaves out."""
    return len(cases) - len(cases.full) if isinstance(cases, CaseResults) else 0


def _shallow_copy(effect: RuleEffect) -> RuleEffect:
    """A shallow copy, as replace() made: ~1 us, where copy.copy took ~5 and replace() ~15
    (its pickling protocol, its __init__), once per rule of every matching case."""
    copied: RuleEffect = object.__new__(RuleEffect)
    copied.__dict__.update(effect.__dict__)
    return copied


def _without_values(masked: MaskedValue) -> MaskedValue:
    return MaskedValue(masked.path, {}, masked.missing, (*masked.differing, *masked.values))


def _bounded(effect: RuleEffect, drop_masked: bool, drop_skipped: bool) -> RuleEffect:
    """`effect` as a matching case keeps it: its masked values and skipped samples dropped
    when told (CaseResults._effect_id), else itself."""
    if not (drop_masked or drop_skipped):
        return effect
    effect = _shallow_copy(effect)
    if drop_masked:
        effect.masked = [_without_values(m) for m in effect.masked]
    if drop_skipped:
        effect.skipped_samples = []
    return effect


def _effect_key(
    effect: RuleEffect, drop_masked: bool = False, drop_skipped: bool = False
) -> tuple[Any, ...]:
    """Equal keys: effects that read the same (their JSON values by canonical text), as
    `_bounded(effect, drop_masked, drop_skipped)` would read, without making it."""
    masked: tuple[tuple[Any, ...], ...]
    if drop_masked:
        masked = tuple((m.path, (), m.missing, (*m.differing, *m.values)) for m in effect.masked)
    else:
        masked = tuple(
            (m.path, tuple((t, canonical(v)) for t, v in m.values.items()), m.missing, m.differing)
            for m in effect.masked
        )
    return (
        effect.rule,
        effect.text,
        effect.facet,
        tuple(effect.changed.items()),
        tuple(effect.skipped.items()),
        () if drop_skipped else tuple(effect.skipped_samples),
        masked,
        effect.masked_paths,
    )


@dataclass
class SpecResult:
    name: str
    title: str
    description: str
    file: str
    kind: str
    targets: list[TargetInfo]
    cases: Sequence[CaseResult]
    started: str  # ISO-8601 UTC
    finished: str = ""
    interrupted: bool = False
    facets: tuple[str, ...] = ()
    error: str | None = None
    # Rules marked `intended: "why"` (rule index as text -> why): the audit does not flag them.
    intended_rules: dict[str, str] = field(default_factory=dict)
    # Every rule of the spec (index as text -> its `text` and `facet`): the audit lists those
    # that never changed anything as dead, also in a report written from this file alone.
    rules: dict[str, dict[str, str]] = field(default_factory=dict)
    # Which cases this run holds when it is not all of them (`-k`, `--last-failed`, `--shard`),
    # e.g. "shard 2/4: 37 of 150 cases"; empty for every case. Written only when not empty.
    selection: str = ""
    # A spec mixing command and HTTP targets: how their facets were aligned (spec/align.py).
    align: dict[str, Any] | None = None

    def tally(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
        for verdict in self._verdicts():
            counts[verdict] += 1
        return counts

    def tier_tally(self) -> dict[str, int]:
        """Agreeing cases by how close they were (see `Tier`)."""
        counts: dict[str, int] = dict.fromkeys(TIERS, 0)
        cases = self.cases
        tiers = cases.tier_codes() if isinstance(cases, CaseResults) else (c.tier for c in cases)
        for tier in tiers:
            if tier is not None:
                counts[tier] += 1
        return counts

    def _verdicts(self) -> Iterable[Verdict]:
        # The compact store answers without rebuilding 100k MATCH cases.
        cases = self.cases
        return cases.verdicts() if isinstance(cases, CaseResults) else (c.verdict for c in cases)

    def path_stats(self) -> list[Any]:
        """Differing paths across cases (pathstats.PathStat), computed on demand."""
        from yamlparity.results.pathstats import path_stats

        return path_stats(self.cases)

    @property
    def failing(self) -> bool:
        return self.interrupted or any(v in FAILING for v in self._verdicts())

    def fails_run(self, fixed_ok: bool = False) -> bool:
        """Whether this spec fails the run, as the exit code counts it: interrupted, or a
        failing verdict (FIXED not with --fixed-ok). Reports, JUnit, the index, the job
        summary and the history all read this gate."""
        if self.interrupted:
            return True
        return any(v in FAILING and not (fixed_ok and v == "FIXED") for v in self._verdicts())

    def to_dict(self, cases: bool = True) -> dict[str, Any]:
        """Plain data; `cases=False` leaves `cases` None in its place (see case_dict), for a
        writer that streams them."""
        # Not asdict(self): it would turn a CaseResults store into a dict of its columns.
        data: dict[str, Any] = {
            f.name: ([case_dict(case) for case in self.cases] if cases else None)
            if f.name == "cases"
            else _as_data(getattr(self, f.name))
            for f in fields(self)
            if (f.name != "selection" or self.selection)
            and (f.name != "align" or self.align is not None)
        }
        data["tally"] = self.tally()
        data["tiers"] = self.tier_tally()
        data["path_stats"] = [asdict(stat) for stat in self.path_stats()]
        plain: dict[str, Any] = _plain(data)
        return plain


def case_dict(case: CaseResult, leaf: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """One case as plain data (target values stay exact Numbers); `leaf`, when given, converts
    every other scalar and `str`s every key (results_json: floats and ints to exact Numbers)."""
    plain: dict[str, Any] = plain_data(case, leaf)
    if not plain["agreeing"]:
        del plain["agreeing"]  # only under a tolerance: absent from nearly every case
    return plain


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}
# Values taken as they are, with or without `leaf` (from_python leaves them so too).
_AS_IS = frozenset({str, bool, type(None), Number})


def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names in order (as `fields` gives them); None for other types."""
    try:
        return _FIELD_NAMES[kind]
    except KeyError:
        names = tuple(f.name for f in fields(kind)) if is_dataclass(kind) else None
        _FIELD_NAMES[kind] = names
        return names


def plain_data(value: Any, leaf: Callable[[Any], Any] | None = None) -> Any:
    """`_plain(asdict(value))` in one pass: dataclasses become dicts, tuples lists. asdict
    deep-copies every leaf and _plain copies its result again: most of the time a results file
    of 10,000 cases took to write (bench/README.md); leaves are immutable here, so shared."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict or (kind is not list and kind is not tuple and isinstance(value, dict)):
        if leaf is None:
            return {k: v if type(v) in _AS_IS else plain_data(v) for k, v in value.items()}
        return {str(k): v if type(v) in _AS_IS else plain_data(v, leaf) for k, v in value.items()}
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        return [v if type(v) in _AS_IS else plain_data(v, leaf) for v in value]
    names = _field_names(kind)
    if names is not None:
        data = {}
        for name in names:
            item = getattr(value, name)
            data[name] = item if type(item) in _AS_IS else plain_data(item, leaf)
        return data
    return value if leaf is None else leaf(value)


def _as_data(value: Any) -> Any:
    if isinstance(value, list):
        return [asdict(v) if hasattr(v, "__dataclass_fields__") else v for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value  # Numbers stay exact: serialize with jsonvalue.dumps
