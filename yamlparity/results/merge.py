"""One spec's results put together from parts: the shards of a sharded run, or the two phases
of `--failed-first`. Parts hold disjoint cases; the whole lists them in spec order, as a single
run would have, and a selected case that no part holds is an ERROR that says why: a case is
never dropped in silence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from yamlparity.core.errors import UsageError
from yamlparity.core.jsonvalue import RawJson
from yamlparity.results.records import (
    CaseResult,
    CaseResults,
    SpecResult,
    TargetInfo,
    TargetOutcome,
)

# A shard's results file carries the text of outputs shown as they arrived (`RawJson`, for
# outputs over 1 MB): in the document they are JSON like any value and would come back parsed.
RawFacets = dict[str, dict[str, dict[str, str]]]  # case -> target -> facet -> text


@dataclass
class Part:
    """Some cases of a spec: `positions[i]` is where `result.cases[i]` stands in the spec."""

    result: SpecResult
    positions: Sequence[int]
    label: str = ""  # "shard 2/4", for messages


@dataclass(frozen=True)
class Missing:
    """A selected case that no part holds, and why."""

    position: int
    name: str
    reason: str


def combine(
    head: SpecResult,
    parts: Sequence[Part],
    *,
    missing: Iterable[Missing] = (),
    interrupted: bool | None = None,
) -> SpecResult:
    """`head` (the spec's name, title, file, targets... and no cases) with every part's cases
    and the missing ones, in spec order. Targets are described as the first part that ran cases
    saw them, except that a target unavailable in any part is shown as unavailable (its cases
    there are ERROR or SKIP, and the report must say why). `interrupted`: None means "if any
    part was". A position held twice is refused (the parts were not a split of one run)."""
    ran = [part for part in parts if len(part.result.cases)]
    gaps = list(missing)
    order = [
        (position, index, at)
        for index, part in enumerate(ran)
        for at, position in enumerate(_checked(part))
    ]
    order += [(gap.position, -1, at) for at, gap in enumerate(gaps)]
    order.sort()
    _refuse_repeats(order, ran, gaps)
    targets = _targets(head.targets, [part.result for part in ran])
    names = tuple(t.name for t in targets)
    store = CaseResults(names, head.facets)
    for _, index, at in order:
        if index < 0:
            store.append(_not_run(gaps[at], names))
        else:
            store.append(ran[index].result.cases[at])
    store.finish()
    started = [p.result.started for p in ran if p.result.started]
    finished = [p.result.finished for p in ran if p.result.finished]
    # What the spec said about itself beyond the head (e.g. rules marked intended) is the same
    # in every part: the first one that ran says it.
    base = ran[0].result if ran else head
    base = replace(
        base, name=head.name, title=head.title, selection=head.selection, error=head.error
    )
    return replace(
        base,
        targets=targets,
        cases=store,
        started=min(started) if started else head.started,
        finished=max(finished) if finished else head.finished,
        interrupted=any(p.result.interrupted for p in ran) if interrupted is None else interrupted,
    )


def _checked(part: Part) -> Sequence[int]:
    if len(part.positions) != len(part.result.cases):
        raise UsageError(
            f"{part.label or part.result.name}: {len(part.result.cases)} case results but "
            f"{len(part.positions)} case positions"
        )
    return part.positions


def _refuse_repeats(
    order: list[tuple[int, int, int]], ran: Sequence[Part], missing: Sequence[Missing]
) -> None:
    for (position, index, at), (again, other, other_at) in pairwise(order):
        if position == again:
            first = _where(ran, missing, index, at)
            second = _where(ran, missing, other, other_at)
            raise UsageError(
                f"case {first[0]!r} of spec {ran[0].result.name if ran else '?'} is in "
                f"{first[1]} and in {second[1]}: these are not the shards of one split"
            )


def _where(ran: Sequence[Part], missing: Sequence[Missing], index: int, at: int) -> tuple[str, str]:
    if index < 0:
        return missing[at].name, "the cases not run"
    part = ran[index]
    return part.result.cases[at].name, part.label or "a part"


def _targets(declared: Sequence[TargetInfo], ran: Sequence[SpecResult]) -> list[TargetInfo]:
    if not ran:
        return list(declared)
    chosen = {t.name: t for t in ran[0].targets}
    for result in ran[1:]:
        for target in result.targets:
            if target.unavailable and not chosen[target.name].unavailable:
                chosen[target.name] = target
    order = [t.name for t in declared] or list(chosen)
    return [chosen[name] for name in order if name in chosen]


def _not_run(gap: Missing, targets: Sequence[str]) -> CaseResult:
    outcomes = {name: TargetOutcome(target=name) for name in targets}
    return CaseResult(name=gap.name, verdict="ERROR", outcomes=outcomes, reason=gap.reason)


# ---------------------------------------------------------------- outputs shown as they arrived


def raw_facets(result: SpecResult) -> RawFacets:
    """The texts of a result's `RawJson` facets (see RawFacets)."""
    found: RawFacets = {}
    cases = result.cases
    full = cases.full.values() if isinstance(cases, CaseResults) else cases
    for case in full:
        for target, outcome in case.outcomes.items():
            for facet, value in outcome.facets.items():
                if isinstance(value, RawJson):
                    found.setdefault(case.name, {}).setdefault(target, {})[facet] = value.text
    return found


def restore_raw(result: SpecResult, raw: RawFacets) -> None:
    """Put back the `RawJson` facets `raw_facets` saved, in a result read from its file."""
    if not raw:
        return
    for case in result.cases:
        for target, facets in raw.get(case.name, {}).items():
            outcome = case.outcomes.get(target)
            if outcome is None:
                continue
            for facet, text in facets.items():
                if facet in outcome.facets:
                    outcome.facets[facet] = RawJson(text)  # type: ignore[assignment]
