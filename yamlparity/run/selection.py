"""What a run runs: every case, or a selection (`-k`, `--last-failed`, `--shard K/N`), and in
which order (`--failed-first`).

A selection is computed from case names alone (no fixture row is read), in the same way on every
runner, so N runners given `--shard 1/N` ... `--shard N/N` hold every selected case exactly once
without talking to each other (run/shard.py). A run that holds only some cases says which in its
results (`SpecResult.selection`: "shard 2/4: 37 of 150 cases"), so its report is never mistaken
for a full one.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from yamlparity.results.history import History
from yamlparity.results.merge import Part, combine
from yamlparity.results.records import CaseResult, CaseResults, SpecResult, TargetInfo
from yamlparity.run.engine import Listener, RunOptions, now_utc, run_spec
from yamlparity.run.shard import Shard, balance, hash_shard
from yamlparity.spec.align import as_data as align_data
from yamlparity.spec.model import Spec
from yamlparity.spec.select import compile_selection


@dataclass(frozen=True)
class Criteria:
    """The selection options of one run (each None when not given)."""

    keyword: str | None = None  # -k EXPR
    last_failed: History | None = None
    last_failed_from: str = ""  # the paths given, for the description
    failed_first: History | None = None
    shard: Shard | None = None
    durations: History | None = None  # with `shard`: split by measured time

    @property
    def filters(self) -> list[str]:
        """The filters applied before any split, as the report names them; every shard of a
        split applies the same ones."""
        found = [f"-k {shlex.quote(self.keyword)}"] if self.keyword else []
        if self.last_failed is not None:
            found.append(f"last failed in {self.last_failed_from}")
        return found

    @property
    def split(self) -> str:
        """How the cases are split between shards: what every shard must agree on."""
        if self.durations is not None:
            return f"durations {self.durations.durations_digest()}"
        return "hash"


@dataclass
class SpecSelection:
    """One spec's share of the run: the positions (in `spec.cases`) and names of the cases this
    runner runs, in spec order; `selected`: the cases every shard together runs."""

    spec: Spec
    positions: array[int]
    names: list[str]
    selected: int
    description: str  # "" when the run holds every case of the spec
    first: frozenset[str] = field(default_factory=frozenset)  # --failed-first: run these first
    # --last-failed: the spec's failed cases, none of which it holds any more (renamed or
    # removed); it then runs in full, as pytest's --lf does when its failures are gone.
    gone: tuple[str, ...] = ()
    # With --shard: a hash of the cases every shard together runs (`selected` of them), so
    # `merge` compares what each shard selected, not how its options were spelled.
    selected_sha256: str = ""

    @property
    def count(self) -> int:
        return len(self.positions)


def describe(filters: Sequence[str], count: int, total: int) -> str:
    """`-k 'x', shard 2/4: 37 of 150 cases`; empty without filters (every case)."""
    if not filters:
        return ""
    return f"{', '.join(filters)}: {count} of {total} case{'' if total == 1 else 's'}"


def select(specs: Sequence[Spec], criteria: Criteria) -> list[SpecSelection]:
    """Each spec's selection, in the order of `specs`."""
    matcher = compile_selection(criteria.keyword) if criteria.keyword else None
    chosen: list[tuple[Spec, array[int], list[str]]] = []
    gone: dict[str, tuple[str, ...]] = {}
    for spec in specs:
        failed = criteria.last_failed.failed(spec.name) if criteria.last_failed else None
        if failed and failed.isdisjoint(spec.cases.names()):
            gone[spec.name] = tuple(sorted(failed))
            failed = None  # every case: a failure renamed away must not pass unseen
        positions: array[int] = array("Q")
        names: list[str] = []
        for position, name in enumerate(spec.cases.names()):
            if (matcher is None or matcher(name)) and (failed is None or name in failed):
                positions.append(position)
                names.append(name)
        chosen.append((spec, positions, names))
    shard = criteria.shard
    balanced = None
    if shard is not None and criteria.durations is not None:
        balanced = balance(
            [(spec.name, names) for spec, _, names in chosen],
            criteria.durations.durations,
            shard.total,
        )
    filters = criteria.filters + ([f"shard {shard}"] if shard else [])
    out = []
    for number, (spec, positions, names) in enumerate(chosen):
        selected = len(names)
        digest = selected_digest(names) if shard is not None else ""
        if shard is not None:
            shards = balanced[number] if balanced is not None else None
            keep = [
                i
                for i, name in enumerate(names)
                if (shards[i] if shards is not None else hash_shard(spec.name, name, shard.total))
                == shard.index
            ]
            positions = array("Q", (positions[i] for i in keep))
            names = [names[i] for i in keep]
        first = criteria.failed_first.failed(spec.name) if criteria.failed_first else frozenset()
        description = describe(filters, len(names), len(spec.cases))
        out.append(
            SpecSelection(
                spec,
                positions,
                names,
                selected,
                description,
                first,
                gone.get(spec.name, ()),
                digest,
            )
        )
    return out


def selected_digest(names: Sequence[str]) -> str:
    """`sha256:` of the selected case names, in spec order."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(json.dumps(name).encode() + b"\n")
    return "sha256:" + digest.hexdigest()


# ---------------------------------------------------------------- running a selection


Runner = Callable[..., SpecResult]  # run_spec's signature


def execute(
    chosen: SpecSelection,
    options: RunOptions,
    listener: Listener | None = None,
    *,
    on_first: Callable[[SpecResult, int], None] | None = None,
    runner: Runner = run_spec,
) -> SpecResult:
    """Run one spec's selection. No case: nothing starts (no service, no helper build), and
    the result lists the targets as declared. With `first` cases (--failed-first), they run
    first, `on_first(result, remaining)` hears how they went, then the others run; the result
    holds both in spec order, as one run would."""
    spec = chosen.spec
    if chosen.count == 0:
        result = declared_result(spec)
    else:
        first = chosen.first.intersection(chosen.names)
        if first and len(first) < chosen.count:
            result = _first_then_rest(chosen, first, options, listener, on_first, runner)
        else:
            wanted = frozenset(chosen.names)
            everything = chosen.count == len(spec.cases)
            select = None if everything else wanted.__contains__
            result = runner(spec, replace(options, select=select), listener=listener)
    result.selection = chosen.description
    return result


def _first_then_rest(
    chosen: SpecSelection,
    first: frozenset[str],
    options: RunOptions,
    listener: Listener | None,
    on_first: Callable[[SpecResult, int], None] | None,
    runner: Runner,
) -> SpecResult:
    spec = chosen.spec
    rest = frozenset(chosen.names) - first
    phased = _Phases(listener, chosen.count) if listener is not None else None
    early = runner(spec, replace(options, select=first.__contains__), listener=phased)
    parts = [Part(early, _positions(chosen, first, len(early.cases)), "last failed first")]
    stopped = early.interrupted or options.stop.is_set()
    if on_first is not None:
        on_first(early, 0 if stopped else len(rest))
    if not stopped:
        if phased is not None:
            phased.offset = len(early.cases)
        later = runner(spec, replace(options, select=rest.__contains__), listener=phased)
        parts.append(Part(later, _positions(chosen, rest, len(later.cases)), "the others"))
        stopped = later.interrupted
    head = replace(early, cases=[])
    return combine(head, parts, interrupted=stopped)


def _positions(chosen: SpecSelection, names: frozenset[str], ran: int) -> list[int]:
    """The positions of `names` in spec order; a run that stopped early holds the first `ran`."""
    found = [p for p, n in zip(chosen.positions, chosen.names, strict=True) if n in names]
    return found[:ran]


class _Phases:
    """One spec, run in two phases, shown as one: one start, and a count that goes on."""

    def __init__(self, inner: Listener, total: int) -> None:
        self.inner, self.total, self.offset = inner, total, 0
        self.started = False

    def spec_started(self, spec: Spec, total: int) -> None:
        if not self.started:
            self.started = True
            self.inner.spec_started(spec, self.total)

    def case_finished(self, spec: Spec, result: CaseResult, done: int, total: int) -> None:
        self.inner.case_finished(spec, result, self.offset + done, self.total)

    def cases_corrected(self, spec: Spec, message: str) -> None:
        self.inner.cases_corrected(spec, message)


def declared_targets(spec: Spec) -> list[TargetInfo]:
    """The targets as the spec declares them (nothing started: no port chosen, no build)."""
    infos = []
    for name, target in spec.targets.items():
        if target.kind == "http":
            how = target.url
        elif target.kind == "recorded":
            how = f"{target.source.display}: {target.source.provenance()}"
        else:
            how = target.run if isinstance(target.run, str) else " ".join(target.run)
        infos.append(TargetInfo(name=name, kind=target.kind, description=how))
    return infos


def declared_result(spec: Spec) -> SpecResult:
    """A run of no case: the spec and its declared targets."""
    store = CaseResults(tuple(spec.targets), spec.compare.facets)
    store.finish()
    now = now_utc()
    return SpecResult(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        file=str(spec.file),
        kind=spec.kind,
        targets=declared_targets(spec),
        cases=store,
        started=now,
        finished=now,
        facets=spec.compare.facets,
        align=align_data(spec.align),
    )
