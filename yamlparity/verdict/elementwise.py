"""Large JSON outputs compared one slice of their big array at a time, never parsed whole.

Why: a 20 MB body parses to ~150 MB of Python objects (dicts, `Number`s), so holding one
parsed tree per target is already above the memory budget (10x the body). Most large outputs
are one big array, at the top or inside the top object (`{"rows": [...], "next": ..}`,
`{"data": {"items": [...]}}`). Here every target's text is scanned in step: arrays that are
members of the top object or of objects near it (the "spines") are read a slice of `SLICE`
elements at a time, everything else is parsed whole (the "skeleton"); each slice
is normalized, compared with the same slice of every other target, and dropped, keeping only
elements that differ. The result is, per target, the normalized document with every element
that agreed on all targets replaced by null: the regular comparator then finds exactly the
differences (and paths) it would find on the whole documents.

Rules are split by where their paths go (`split`): `.rows[].ts` applies to each element,
`.rows[3].x` to element 3, `.. | .ts?` to the skeleton and to every element, `.meta` to the
skeleton. A rule that could see a spine whole (`.rows |= sort_by(.id)`, `del(.rows[-1])`, a
`select`) makes the output `Unsupported` and the caller compares whole trees as before; so do
unusual documents (duplicate keys, bad JSON: the whole-tree path gives the exact error) and
spines compared as sets or by key. Nothing here changes a verdict; tests check it against the
whole-tree path.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from yamlparity.core import boundedre
from yamlparity.core.depth import MAX_DEPTH, deeper_than
from yamlparity.core.jsonvalue import _DECODER, JSON
from yamlparity.rules.normalize import Program
from yamlparity.rules.ops import (
    Alt,
    Assign,
    Change,
    CPath,
    Ctx,
    Delete,
    Each,
    Identity,
    Index,
    Key,
    Mask,
    Recurse,
    RuleStats,
    Scrub,
    Seq,
    Update,
    numbers_matches,
)

SLICE = 1024  # elements of a spine normalized and compared together

__all__ = ["SLICE", "Spine", "Unsupported", "compare_documents"]


class Unsupported(Exception):
    """This output or rule needs the whole parsed tree; the caller compares whole trees."""


# --------------------------------------------------------------------------------------------
# Rules split by where their paths go
# --------------------------------------------------------------------------------------------

_PathOp = Delete | Update | Assign | Mask | Scrub


def _path_ops(program: Program) -> list[_PathOp]:
    """The rule as a list of path operations, or Unsupported (a `select`, a bare builtin...)."""
    ops = program.op.ops if isinstance(program.op, Seq) else (program.op,)
    out: list[_PathOp] = []
    for op in ops:
        if isinstance(op, Identity):
            continue
        if not isinstance(op, Delete | Update | Assign | Mask | Scrub):
            raise Unsupported(f"rule {program.text!r} transforms the whole output")
        out.append(op)
    return out


@dataclass(frozen=True)
class _Split:
    """One path operation's paths, sorted by where they go for one spine."""

    op: _PathOp
    each: tuple[Alt, ...] = ()  # applied to a slice: they start with `[]`
    indexed: tuple[tuple[int, Alt], ...] = ()  # (element index, steps below it)
    everywhere: tuple[Alt, ...] = ()  # `.. | .key?`: the slice is searched as it is
    all_strings: bool = False  # `scrub` without paths

    def for_slice(self, start: int, length: int) -> _PathOp | None:
        """The operation to run on the slice of elements [start, start + length)."""
        if self.all_strings:
            return self.op
        hits = tuple(
            (Index(index - start), *rest)
            for index, rest in self.indexed
            if start <= index < start + length
        )
        alts = self.each + hits + self.everywhere
        return replace(self.op, paths=alts) if alts else None


def _everywhere(alt: Alt) -> bool:
    """`.. | .key? ...`: finds nothing on an array itself, so it splits cleanly."""
    return (
        len(alt) >= 2
        and isinstance(alt[0], Recurse)
        and isinstance(alt[1], Key)
        and alt[1].optional
    )


def _element_step(op: _PathOp, step: object, rest: Alt, split: dict[str, list[Any]]) -> None:
    """File `spine STEP REST` (STEP right below the spine) under each/indexed, or refuse."""
    removes_element = not rest and isinstance(op, Delete | Assign)
    if removes_element:  # deleting or creating elements renumbers the ones after them
        raise Unsupported("a rule deletes or creates elements of a large array")
    if isinstance(step, Each):
        split["each"].append((step, *rest))
    elif isinstance(step, Index) and step.index >= 0 and not isinstance(op, Assign):
        split["indexed"].append((step.index, rest))
    else:
        raise Unsupported("a rule reaches a large array other than through [] or [n]")


Spine = tuple[str, ...]  # keys from the top object to a large array; () is a top-level array


def _keys_matched(alt: Alt, spine: Spine) -> int:
    """How many leading steps of `alt` are the keys of `spine`, in order."""
    count = 0
    for step, key in zip(alt, spine, strict=False):
        if not (isinstance(step, Key) and step.name == key):
            break
        count += 1
    return count


def split(op: _PathOp, spine: Spine) -> _Split:
    """Where `op` applies inside the spine's elements; Unsupported if it needs it whole."""
    numbered = numbers_matches(op)
    if isinstance(op, Scrub) and op.paths is None:
        if numbered:
            raise Unsupported("a numbering scrub of every string: the order would differ")
        return _Split(op, all_strings=True)
    assert op.paths is not None
    if numbered:
        _numbering_in_order(op.paths, spine)
    parts: dict[str, list[Any]] = {"each": [], "indexed": [], "everywhere": []}
    for alt in op.paths:
        matched = _keys_matched(alt, spine)
        if _everywhere(alt):
            name = alt[1].name  # type: ignore[union-attr]  # _everywhere: a Key
            if name in spine:  # `(.. | .rows?) |= sort` would sort the skeleton's stand-in
                raise Unsupported(f"a rule reaches the large array {_text(spine)} through ..")
            parts["everywhere"].append(alt)
        elif matched == len(spine) and len(alt) > matched:
            _element_step(op, alt[matched], alt[matched + 1 :], parts)
        elif matched == len(alt):  # the array itself, or an object holding it
            raise Unsupported(f"a rule changes the large array {_text(spine)} as a whole")
        elif not isinstance(alt[matched], Key):
            raise Unsupported(f"a rule iterates an object holding {_text(spine)}")
    return _Split(
        op,
        each=tuple(parts["each"]),
        indexed=tuple(parts["indexed"]),
        everywhere=tuple(parts["everywhere"]),
    )


def _numbering_in_order(paths: tuple[Alt, ...], spine: Spine) -> None:
    """A numbering scrub numbers strings in the order its paths find them in the whole output
    (all of the first path's, then the next...). Slice by slice that order holds when its paths
    stay out of this spine, or when it has one path and that path goes to its elements; else
    Unsupported (a later `del` could then keep different numbers)."""
    entering = [alt for alt in paths if _everywhere(alt) or _keys_matched(alt, spine) == len(spine)]
    if not entering or (len(paths) == 1 and not _everywhere(paths[0])):
        return
    raise Unsupported(f"a numbering scrub meets {_text(spine)} and other places in turn")


def _text(spine: Spine) -> str:
    return "".join(f".{key}" for key in spine) or "."


def skeleton_op(op: _PathOp, spines: set[Spine]) -> _PathOp | None:
    """`op` restricted to the skeleton: paths that do not enter a spine (`..` stays)."""
    if isinstance(op, Scrub) and op.paths is None:
        return op
    assert op.paths is not None
    alts = tuple(
        alt
        for alt in op.paths
        if _everywhere(alt) or not any(_keys_matched(alt, spine) == len(spine) for spine in spines)
    )
    return replace(op, paths=alts) if alts else None


# --------------------------------------------------------------------------------------------
# Running split rules with stats that name places in the whole output
# --------------------------------------------------------------------------------------------


@dataclass
class _RuleRun:
    """One rule on one target: its stats, and the scrub numbering shared by every slice.

    The arrays are read before the rest of the output is complete, so the rest's changes are
    recorded apart (`outside`) and come first among the kept samples (`result`): a rule
    changing 100,000 elements must not push a change at `.id` out of the audit's samples."""

    index: int
    ops: list[_PathOp]
    stats: RuleStats  # the elements'
    outside: RuleStats
    # Scrub numbering tables by id of the scrub (normalize.Scrub.run): one table per scrub of
    # the rule, whatever the slice, as one whole-tree application has.
    numbering: dict[int, dict[str, int]] = field(default_factory=dict)

    def run(
        self,
        op: _PathOp,
        original: _PathOp,
        value: JSON,
        at: CPath,
        shift: tuple[int, int] | None,
    ) -> JSON:
        """Apply `op` (`original` restricted to some paths); `shift` = (position in paths,
        start): slice indices become indices in the whole array in what the stats record."""
        room = max(self.stats.max_samples - len(self.stats.samples), 0)
        local = RuleStats(max_samples=room) if shift else self.outside
        ctx = Ctx(local)
        ctx.numbering = self.numbering
        # The restricted copy is a new object: it numbers into its original's table. (A copy
        # dead since may have had the same id: the entry is set again before every use.)
        self.numbering[id(op)] = self.numbering.setdefault(id(original), {})
        with boundedre.budget():  # spec regexes are time-bounded (core.boundedre)
            value = op.run(value, ctx, at)
        if shift is not None:
            _merge(self.stats, local, shift)
        return value

    def result(self) -> RuleStats:
        """Everything the rule did: counts of both parts, the samples outside first."""
        out = RuleStats(max_samples=self.stats.max_samples)
        for part in (self.outside, self.stats):
            for action, count in part.counts.items():
                out.counts[action] = out.counts.get(action, 0) + count
        out.samples = (self.outside.samples + self.stats.samples)[: out.max_samples]
        return out


def _merge(into: RuleStats, local: RuleStats, shift: tuple[int, int]) -> None:
    position, start = shift
    for action, count in local.counts.items():
        into.counts[action] = into.counts.get(action, 0) + count
    for change in local.samples:
        into.samples.append(_shifted(change, position, start))


def _shifted(change: Change, position: int, start: int) -> Change:
    path = change.path
    if len(path) <= position or not isinstance(path[position], int):
        return change
    index = path[position]
    assert isinstance(index, int)
    return replace(change, path=(*path[:position], index + start, *path[position + 1 :]))


class _TargetRules:
    """Every rule of one target and facet, split per spine on first use."""

    def __init__(self, rules: list[tuple[int, Program]], max_samples: int) -> None:
        self.runs = [
            _RuleRun(
                index,
                _path_ops(program),
                RuleStats(max_samples=max_samples),
                RuleStats(max_samples=max_samples),
            )
            for index, program in rules
        ]
        self._splits: dict[Spine, list[tuple[_RuleRun, list[_Split]]]] = {}

    def prepare(self, spine: Spine) -> None:
        """Split every rule for this spine, as soon as it is found: a rule that cannot apply
        element by element must be refused even if the array turns out empty (the whole
        tree would still record the rule's misses on it)."""
        self._splits[spine] = [(run, [split(op, spine) for op in run.ops]) for run in self.runs]

    def slice(self, spine: Spine, items: list[JSON], start: int) -> list[JSON]:
        """The slice normalized; `start` is its first element's index in the spine."""
        splits = self._splits[spine]
        at: CPath = spine
        value: JSON = items
        for run, parts in splits:
            for part in parts:
                op = part.for_slice(start, len(items))
                if op is not None:
                    value = run.run(op, part.op, value, at, (len(at), start))
        if not isinstance(value, list) or len(value) != len(items):
            raise Unsupported("a rule changed the number of elements of a large array")
        return value

    def skeleton(self, members: dict[str, JSON], spines: set[Spine]) -> dict[str, JSON]:
        """The top-level object (each spine an empty stand-in) normalized."""
        value: JSON = members
        for run in self.runs:
            for op in run.ops:
                part = skeleton_op(op, spines)
                if part is not None:
                    value = run.run(part, op, value, (), None)
        if not isinstance(value, dict) or any(_at(value, spine) != [] for spine in spines):
            raise Unsupported("a rule removed or changed a large array")
        return value


def _at(doc: JSON, path: Spine) -> JSON:
    for key in path:
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


# --------------------------------------------------------------------------------------------
# Scanning: the top level by hand, elements with the C scanner
# --------------------------------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")
_scan = _DECODER.scan_once  # type: ignore[attr-defined]  # the C scanner of json.loads


@dataclass
class _Spine:
    path: Spine


@dataclass
class _Skeleton:
    members: dict[str, JSON]
    spines: set[Spine]


WRAPPER_DEPTH = 3  # objects scanned member by member: the top one and this many levels below
WRAPPER_MEMBERS = 16  # ... and only their first members (a big map is not a wrapper)


# Elements sit at most this deep in a document read here (a spine in wrapper objects).
_ELEMENT_DEPTH = MAX_DEPTH - WRAPPER_DEPTH - 2


def _value(text: str, pos: int) -> tuple[JSON, int]:
    try:
        value, end = _scan(text, pos)
    except Exception:  # bad JSON, a duplicate key, too deep: the whole-tree path says it exactly
        raise Unsupported("not plain JSON") from None
    # The whole-tree path refuses a document nested deeper than MAX_DEPTH; so must this one,
    # or a verdict would depend on the output's size. Brackets are counted at C speed first,
    # and only in a value long enough to hold more of them than the bound.
    if (
        end - pos > _ELEMENT_DEPTH
        and text.count("[", pos, end) + text.count("{", pos, end) > _ELEMENT_DEPTH
        and deeper_than(value, _ELEMENT_DEPTH)
    ):
        raise Unsupported("nested deeper than the whole-tree path allows")
    return value, end


def _space(text: str, pos: int) -> int:
    end = _SPACE.match(text, pos)
    assert end is not None
    return end.end()


def _expect(text: str, pos: int, char: str) -> int:
    if text.startswith(char, pos):
        return pos + 1
    raise Unsupported("not plain JSON")


# What follows an element: `,` and the space before the next one (group 1 set), or `]`.
_AFTER_ELEMENT = re.compile(r"[ \t\n\r]*(?:(,)[ \t\n\r]*|\])")


@dataclass
class _Lead:
    """The slice the first target read last, offered to the others: a target whose text goes
    on with exactly the same characters (the slice's elements, the space and the `,` or `]`
    after the last one) would parse exactly the same elements, so it takes them as they are.
    The `,` or `]` is part of the text compared: `12` is not the start of `123`. Sharing the
    parsed elements is safe with rules: a rule never changes its input (normalize.apply) and
    runs on every target's slice as before, so each target's stats are its own."""

    key: tuple[Spine, int] | None = None  # the spine and the slice's number in it
    text: str = ""
    items: list[JSON] = field(default_factory=list)
    closed: bool = False  # the slice ends the array


def _elements(
    text: str, pos: int, end: list[int], path: Spine, lead: _Lead
) -> Iterator[list[JSON]]:
    """Slices of the array whose `[` is before `pos`; its end position goes to end[0]
    (a generator's return value does not reach the caller's loop)."""
    pos = _space(text, pos)
    if text.startswith("]", pos):
        end[0] = pos + 1
        return
    after = _AFTER_ELEMENT.match
    number = 0
    while True:
        key = (path, number)
        number += 1
        if lead.key == key and text.startswith(lead.text, pos):
            closed = lead.closed  # read before yielding: the lead moves on meanwhile
            # After a shared `, ` this text may have more space than the lead's before its
            # next element (the lead took all of its own).
            pos = pos + len(lead.text) if closed else _space(text, pos + len(lead.text))
            yield lead.items
            if closed:
                break
            continue
        first = pos
        items: list[JSON] = []
        closed = False
        while len(items) < SLICE:
            value, pos = _value(text, pos)
            items.append(value)
            sep = after(text, pos)
            if sep is None:
                raise Unsupported("not plain JSON")
            pos = sep.end()
            if sep.group(1) is None:
                closed = True
                break
        if lead.key != key:  # the first target to read this slice
            lead.key, lead.text, lead.items, lead.closed = key, text[first:pos], items, closed
        yield items
        if closed:
            break
    end[0] = pos


def _events(text: str, lead: _Lead) -> Iterator[Any]:
    """_Spine, its slices, None; ... then the _Skeleton (or nothing for a top-level array)."""
    end = [0]
    pos = _space(text, 0)
    if text.startswith("[", pos):
        yield _Spine(())
        yield from _elements(text, pos + 1, end, (), lead)
        yield None
        _trailing(text, end[0])
        return
    spines: set[Spine] = set()
    members = yield from _object(text, _expect(text, pos, "{"), (), spines, end, lead)
    _trailing(text, end[0])
    yield _Skeleton(members, spines)


def _object(
    text: str, pos: int, path: Spine, spines: set[Spine], end: list[int], lead: _Lead
) -> Generator[Any, None, dict[str, JSON]]:
    """The object after its `{` at `pos`, member by member: arrays become spines (their
    events go out), objects near the top are scanned the same way, other values parsed.
    Returns the members (spines as []); its end position goes to end[0]."""
    members: dict[str, JSON] = {}
    pos = _space(text, pos)
    if text.startswith("}", pos):
        end[0] = pos + 1
        return members
    while True:
        key, pos = _value(text, pos)
        if not isinstance(key, str) or key in members:
            raise Unsupported("not plain JSON")
        pos = _space(text, _expect(text, _space(text, pos), ":"))
        here = (*path, key)
        if text.startswith("[", pos):
            yield _Spine(here)
            yield from _elements(text, pos + 1, end, here, lead)
            yield None
            pos = end[0]
            members[key] = []
            spines.add(here)
        elif (
            text.startswith("{", pos)
            and len(here) <= WRAPPER_DEPTH
            and (len(members) < WRAPPER_MEMBERS)
        ):
            members[key] = yield from _object(text, pos + 1, here, spines, end, lead)
            pos = end[0]
        else:
            members[key], pos = _value(text, pos)
        pos = _space(text, pos)
        if text.startswith("}", pos):
            end[0] = pos + 1
            return members
        pos = _space(text, _expect(text, pos, ","))


def _trailing(text: str, pos: int) -> None:
    if _space(text, pos) != len(text):
        raise Unsupported("not plain JSON")


# --------------------------------------------------------------------------------------------
# All targets in step
# --------------------------------------------------------------------------------------------


@dataclass
class Documents:
    """Per target, the normalized output with every element equal on all targets set to null
    (what the comparator needs), and what each rule did; `parsed_equal`: equal before rules."""

    sparse: dict[str, JSON]
    stats: dict[str, dict[int, RuleStats]]
    parsed_equal: bool
    spines: set[Spine]


def compare_documents(
    texts: dict[str, str],
    rules: dict[str, list[tuple[int, Program]]],
    max_samples: int,
) -> Documents:
    """Scan every target's text in step; raises Unsupported when whole trees are needed."""
    lead = _Lead()
    streams = {name: _events(text, lead) for name, text in texts.items()}
    target_rules = {name: _TargetRules(rules[name], max_samples) for name in texts}
    spines: dict[str, dict[Spine, list[JSON]]] = {name: {} for name in texts}
    seen: set[Spine] = set()
    parsed_equal = True
    while True:
        events = {name: next(stream, None) for name, stream in streams.items()}
        first = next(iter(events.values()))
        if isinstance(first, _Skeleton) or first is None:
            break
        if not isinstance(first, _Spine) or any(
            not isinstance(e, _Spine) or e.path != first.path for e in events.values()
        ):
            raise Unsupported("the targets' large arrays are not in the same places")
        for rules_of_target in target_rules.values():
            rules_of_target.prepare(first.path)
        kept, same = _compare_spine(streams, target_rules, first.path)
        seen.add(first.path)
        parsed_equal = parsed_equal and same
        for name in texts:
            spines[name][first.path] = kept[name]
    if not all(isinstance(e, _Skeleton) or e is None for e in events.values()) or (
        len({type(e) for e in events.values()}) != 1
    ):
        raise Unsupported("the targets' large arrays are not in the same places")
    if isinstance(first, _Skeleton):  # before the rules' copies are filled in below
        parsed_equal = parsed_equal and all(
            isinstance(e, _Skeleton) and e.members == first.members for e in events.values()
        )
    sparse: dict[str, JSON] = {}
    for name, event in events.items():
        if event is None:  # a top-level array
            sparse[name] = spines[name][()]
            continue
        assert isinstance(event, _Skeleton)
        doc = target_rules[name].skeleton(event.members, event.spines)
        for spine in event.spines:
            holder = _at(doc, spine[:-1])
            assert isinstance(holder, dict)
            holder[spine[-1]] = spines[name][spine]  # the rules' copy: ours to fill in
        sparse[name] = doc
    stats = {
        name: {run.index: run.result() for run in tr.runs} for name, tr in target_rules.items()
    }
    return Documents(sparse, stats, parsed_equal, seen)


def _compare_spine(
    streams: dict[str, Iterator[Any]], target_rules: dict[str, _TargetRules], spine: Spine
) -> tuple[dict[str, list[JSON]], bool]:
    """Every target's elements of one spine: equal ones as null, the others normalized."""
    kept: dict[str, list[JSON]] = {name: [] for name in streams}
    live = dict(streams)
    parsed_equal = True
    start = 0
    while live:
        slices: dict[str, list[JSON]] = {}
        for name in list(live):
            items = next(live[name])
            if items is None:
                del live[name]
            else:
                slices[name] = items
        if not slices:
            break
        if len(slices) != len(streams) or len({len(s) for s in slices.values()}) > 1:
            parsed_equal = False
        elif parsed_equal:
            base = next(iter(slices.values()))
            parsed_equal = all(s == base for s in slices.values())
        normalized = {
            name: target_rules[name].slice(spine, items, start) for name, items in slices.items()
        }
        _keep_differing(normalized, kept, len(streams))
        start += SLICE
    return kept, parsed_equal


def _keep_differing(
    normalized: dict[str, list[JSON]], kept: dict[str, list[JSON]], targets: int
) -> None:
    slices = list(normalized.values())
    if len(slices) == targets and all(s == slices[0] for s in slices[1:]):
        for items in kept.values():
            items.extend([None] * len(slices[0]))
        return
    longest = max(len(items) for items in normalized.values())
    complete = len(normalized) == targets
    for i in range(longest):
        values = [items[i] for items in normalized.values() if i < len(items)]
        agree = complete and len(values) == targets and all(v == values[0] for v in values)
        for name, items in normalized.items():
            if i < len(items):
                kept[name].append(None if agree else items[i])
