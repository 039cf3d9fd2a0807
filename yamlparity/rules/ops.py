"""What a compiled normalization rule is and how it runs: the operations (`del`, `|=`, `=`,
`mask`, `scrub`, the builtins), the paths they act on, and the stats of what they changed.

Applying works on `jsonvalue` values and copies only the containers on the way to a change
(copy-on-write through a trie of the matched paths; `.. | .key?` has a one-pass fast path).
Separate from the rule syntax (rulesyntax.py) because running a compiled rule needs nothing of
the text it came from; elementwise.py runs these operations on slices of a large array.
"""

from __future__ import annotations

import copy
import datetime
import enum
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import InvalidOperation
from typing import Any, Literal

from yamlparity.core import boundedre
from yamlparity.core.jsonvalue import JSON, Number, canonical, format_path, sort_key, type_name
from yamlparity.rules.anyorder import AnyOrder as AnyOrder
from yamlparity.rules.anyorder import AnyOrderNumbering

CPath = tuple[str | int, ...]  # a concrete path: keys and non-negative indices
# A comparison path pattern: keys, indices, and None for "every element" (`[]`).
PathPattern = tuple[str | int | None, ...]


class _Absent(enum.Enum):
    """A value that is not there (a missing key), distinct from JSON null."""

    MISSING = 0


_MISSING = _Absent.MISSING
# Nulls an assignment may add to reach an index (`.a[200000000] = 0` would build an array of
# 200 million nulls, 1.6 GB): jq pads without bound; past this it is an error.
MAX_PADDING = 100_000
Node = JSON | _Absent

# --------------------------------------------------------------------------------------------
# Stats: what a rule changed, for the rule audit
# --------------------------------------------------------------------------------------------

Action = Literal["deleted", "replaced", "created", "selected", "skipped"]


@dataclass(frozen=True, init=False)
class Change:
    """One thing a rule did (or declined to do: `skipped`, with a reason) at a concrete path."""

    action: Action
    path: CPath
    old: JSON = None  # the value before (None for `created`)
    new: JSON = None  # the value after (None for `deleted` and `skipped`)
    reason: str | None = None

    def __init__(
        self,
        action: Action,
        path: CPath,
        old: JSON = None,
        new: JSON = None,
        reason: str | None = None,
    ) -> None:
        # The generated __init__ of a frozen dataclass sets each field through
        # object.__setattr__ (~0.8 us a change; a rule records one per value it changes, in
        # every case); the instance's dict is written at once instead. Still frozen after.
        self.__dict__.update(action=action, path=path, old=old, new=new, reason=reason)

    @property
    def path_text(self) -> str:
        return _path_text(self.path)

    def describe(self) -> str:
        """A one-line account, e.g. "skipped .ts: value 'yesterday' is not a timestamp"."""
        if self.action == "skipped":
            return f"skipped {self.path_text}: {self.reason}"
        return f"{self.action} {self.path_text}"


@dataclass
class RuleStats:
    """Counts every change a rule made; keeps the first `max_samples` as `Change` samples."""

    max_samples: int = 100
    counts: dict[str, int] = field(default_factory=dict)
    samples: list[Change] = field(default_factory=list)

    def record(self, change: Change) -> None:
        self.counts[change.action] = self.counts.get(change.action, 0) + 1
        if len(self.samples) < self.max_samples:
            self.samples.append(change)

    @property
    def changed(self) -> int:
        """How many values the rule actually changed (everything but `skipped`)."""
        return sum(n for action, n in self.counts.items() if action != "skipped")

    @property
    def skipped(self) -> int:
        return self.counts.get("skipped", 0)


@dataclass
class Ctx:
    """Per-apply state: where stats go, and scrub numbering (one table per scrub rule)."""

    stats: RuleStats | None
    numbering: dict[int, dict[str, int]] = field(default_factory=dict)
    # Arrays compared in any order: a numbering scrub must not number by their order.
    any_order: AnyOrder | None = None

    def record(
        self,
        action: Action,
        path: CPath,
        old: Node = None,
        new: Node = None,
        reason: str | None = None,
    ) -> None:
        stats = self.stats
        if stats is None:
            return
        # RuleStats.record, inlined (a call a change): count, and keep the change as a sample
        # while there is room (past the cap nothing is built).
        stats.counts[action] = stats.counts.get(action, 0) + 1
        if len(stats.samples) < stats.max_samples:
            stats.samples.append(Change(action, path, _json(old), _json(new), reason))


# The audit names every change's path, for every case: the same few paths again and again.
_path_text = functools.lru_cache(maxsize=4096)(format_path)


def _json(node: Node) -> JSON:
    return None if node is _MISSING else node


def _same(a: Node, b: Node) -> bool:
    """Exact sameness (type, then literal text); never Python `==` across types."""
    if a is b:
        return True
    if a is _MISSING or b is _MISSING or type(a) is not type(b):
        return False
    return canonical(a) == canonical(b)


def _fresh(value: JSON) -> JSON:
    """A private copy of a rule's constant, so outputs never share mutable state."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


# --------------------------------------------------------------------------------------------
# Paths: steps, matching against a value, copy-on-write rewriting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    name: str
    optional: bool = False


@dataclass(frozen=True)
class Index:
    index: int
    optional: bool = False


@dataclass(frozen=True)
class Each:
    optional: bool = False


@dataclass(frozen=True)
class Recurse:
    optional: bool = True  # `..` never fails


Step = Key | Index | Each | Recurse
Alt = tuple[Step, ...]  # one path: steps applied in order
Paths = tuple[Alt, ...]  # several paths (`.a, .b`)

# "existing": only what is there; "get": jq's `.a` on a missing key gives null;
# "create": like get, and says where `PATH = v` must create containers.
_Mode = Literal["existing", "get", "create"]
_Found = list[tuple[CPath, Node]]
_Miss = list[tuple[CPath, str]]


def _find(value: Node, steps: Alt, mode: _Mode, misses: _Miss | None = None) -> _Found:
    """Every concrete path (with its value) that `steps` reaches, in jq's output order."""
    frontier: _Found = [((), value)]
    for step in steps:
        out: _Found = []
        for path, node in frontier:
            _expand(step, path, node, mode, out, misses)
        frontier = out
    return frontier


def _expand(
    step: Step, path: CPath, node: Node, mode: _Mode, out: _Found, misses: _Miss | None
) -> None:
    absent = node is None or node is _MISSING
    if isinstance(step, Recurse):
        _descendants(path, node, out)
    elif isinstance(step, Each):
        if isinstance(node, dict):
            out.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            out.extend(((*path, i), v) for i, v in enumerate(node))
        elif not absent:
            _miss(step, path, misses, f"cannot iterate over {_kind(node)}")
    elif isinstance(step, Key):
        if isinstance(node, dict):
            if step.name in node:
                out.append(((*path, step.name), node[step.name]))
            elif mode != "existing":
                out.append(((*path, step.name), _MISSING))
        elif absent:
            if mode != "existing":
                out.append(((*path, step.name), _MISSING))
        else:
            _miss(step, path, misses, f"cannot index {_kind(node)} with {step.name!r}")
    else:
        _expand_index(step, path, node, mode, out, misses)


def _expand_index(
    step: Index, path: CPath, node: Node, mode: _Mode, out: _Found, misses: _Miss | None
) -> None:
    if isinstance(node, list):
        index = step.index + len(node) if step.index < 0 else step.index
        if 0 <= index < len(node):
            out.append(((*path, index), node[index]))
        elif mode == "get" or (mode == "create" and index >= 0):
            out.append(((*path, max(index, 0)), _MISSING))
        elif mode == "create":
            _miss(step, path, misses, f"index {step.index} is out of bounds")
    elif node is None or node is _MISSING:
        if mode == "get" or (mode == "create" and step.index >= 0):
            out.append(((*path, max(step.index, 0)), _MISSING))
    else:
        _miss(step, path, misses, f"cannot index {_kind(node)} with number")


def _kind(node: Node) -> str:
    return "missing" if node is _MISSING else type_name(node)


def _miss(step: Step, path: CPath, misses: _Miss | None, reason: str) -> None:
    # `?` (jq's "ignore errors") keeps a mismatch silent; without it the audit hears of it.
    if misses is not None and not step.optional:
        misses.append((path, reason))


def _descendants(path: CPath, node: Node, out: _Found) -> None:
    """`..`: the node and everything below it, pre-order (iterative: deep values are fine)."""
    stack: _Found = [(path, node)]
    while stack:
        here, item = stack.pop()
        out.append((here, item))
        if isinstance(item, dict):
            stack.extend(reversed([((*here, k), v) for k, v in item.items()]))
        elif isinstance(item, list):
            stack.extend(reversed([((*here, i), v) for i, v in enumerate(item)]))


class _Trie:
    """Concrete paths merged into a tree, so each touched container is copied once."""

    __slots__ = ("children", "mark")

    def __init__(self) -> None:
        self.mark = False
        self.children: dict[str | int, _Trie] = {}


def _trie(paths: Iterable[CPath]) -> _Trie:
    root = _Trie()
    for path in paths:
        node = root
        for step in path:
            node = node.children.setdefault(step, _Trie())
        node.mark = True
    return root


def _delete(node: JSON, trie: _Trie, path: CPath, ctx: Ctx) -> JSON:
    """A copy of `node` without the marked paths; indices refer to the original arrays."""
    if isinstance(node, dict):
        out = dict(node)
        for key, child in trie.children.items():
            if not isinstance(key, str) or key not in out:
                continue
            if child.mark:
                ctx.record("deleted", (*path, key), out.pop(key))
            else:
                out[key] = _delete(out[key], child, (*path, key), ctx)
        return out
    if isinstance(node, list):
        items = list(node)
        doomed: set[int] = set()
        for key, child in sorted(_int_children(trie), key=lambda kc: kc[0]):
            if key >= len(items):
                continue
            if child.mark:
                doomed.add(key)
                ctx.record("deleted", (*path, key), items[key])
            else:
                items[key] = _delete(items[key], child, (*path, key), ctx)
        # One filtering pass (not repeated `del`), so deleting many elements stays linear.
        return [item for i, item in enumerate(items) if i not in doomed]
    return node


def _int_children(trie: _Trie) -> list[tuple[int, _Trie]]:
    return [(k, c) for k, c in trie.children.items() if isinstance(k, int)]


_Fn = Callable[[Node, CPath], Node]


# Whether `_rewrite` goes on below a marked path once `fn` ran there: always (`|=`, as jq),
# never (the value there is new), or only when `fn` left it as it was (a shape-checked mask
# that skipped a value: what is inside may still have the shape).
_Descend = bool | Literal["if kept"]


def _rewrite(
    node: Node, trie: _Trie, path: CPath, fn: _Fn, create: bool, descend: _Descend
) -> Node:
    """Apply `fn` at marked paths (parent before children, as jq's `|=`), copying on write."""
    if trie.mark:
        new = fn(node, path)
        if not descend or (descend == "if kept" and new is not node):
            return new
        node = new
    if not trie.children:
        return node
    if create and (node is None or node is _MISSING):
        # `PATH = v` through a missing container creates it, as jq does.
        node = {} if isinstance(next(iter(trie.children)), str) else []
    if isinstance(node, dict):
        out = dict(node)
        for key, child in trie.children.items():
            if isinstance(key, str) and (key in out or create):
                new = _rewrite(out.get(key, _MISSING), child, (*path, key), fn, create, descend)
                if new is not _MISSING:
                    out[key] = new
        return out
    if isinstance(node, list):
        items = list(node)
        for key, child in sorted(_int_children(trie), key=lambda kc: kc[0]):
            if key < len(items):
                items[key] = _json(_rewrite(items[key], child, (*path, key), fn, create, descend))
            elif create:
                if key - len(items) > MAX_PADDING:
                    raise ValueError(
                        f"index {key} would pad an array of {len(items)} with "
                        f"{key - len(items)} nulls (at most {MAX_PADDING})"
                    )
                items.extend([None] * (key - len(items)))  # jq pads with nulls
                items.append(_json(_rewrite(_MISSING, child, (*path, key), fn, create, descend)))
        return items
    return node


# --------------------------------------------------------------------------------------------
# Operations: what a compiled rule is made of
# --------------------------------------------------------------------------------------------


class Op:
    """One compiled operation; `at` is where its input sits in the applied value (for stats)."""

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        raise NotImplementedError


def _collect(value: JSON, paths: Paths, mode: _Mode, ctx: Ctx, at: CPath) -> list[CPath]:
    found: list[CPath] = []
    misses: _Miss = []
    for alt in paths:
        found.extend(p for p, _ in _find(value, alt, mode, misses))
    for path, reason in misses:
        ctx.record("skipped", (*at, *path), reason=reason)
    return found


@dataclass(frozen=True)
class Identity(Op):
    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        return value


@dataclass(frozen=True)
class Seq(Op):
    ops: tuple[Op, ...]

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        for op in self.ops:
            value = op.run(value, ctx, at)
            if isinstance(op, Select):
                at = (*at, *op.path)  # later stats name places in the original value
        return value


@dataclass(frozen=True)
class Select(Op):
    steps: Alt  # keys and indices only: one value

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        found = _find(value, self.steps, "get")
        result = _json(found[0][1]) if found else None
        if ctx.stats is not None:
            _record_discarded(value, self.steps, ctx, at)
        ctx.record("selected", (*at, *self.path), value, result)
        return result

    @property
    def path(self) -> CPath:
        return tuple(
            s.name if isinstance(s, Key) else s.index
            for s in self.steps
            if isinstance(s, Key | Index)
        )


def _record_discarded(value: JSON, steps: Alt, ctx: Ctx, at: CPath) -> None:
    """What a selection throws away, recorded as `deleted` (as `del` would record it), so
    the audit compares it between targets: `.data` drops `.error` beside `.data`, `.[0]`
    every other element; a value the path cannot go into (a string, for `.data`) goes
    whole. A missing key or index, or null, drops nothing more: the result is null."""
    node, path = value, at
    for step in steps:
        if isinstance(step, Key) and isinstance(node, dict):
            for key, item in node.items():
                if key != step.name:
                    ctx.record("deleted", (*path, key), item)
            if step.name not in node:
                return
            node, path = node[step.name], (*path, step.name)
        elif isinstance(step, Index) and isinstance(node, list):
            index = step.index + len(node) if step.index < 0 else step.index
            for position, item in enumerate(node):
                if position != index:
                    ctx.record("deleted", (*path, position), item)
            if not 0 <= index < len(node):
                return
            node, path = node[index], (*path, index)
        else:
            if node is not None:
                ctx.record("deleted", path, node)
            return


@dataclass(frozen=True)
class Const(Op):
    value: JSON

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        if not _same(value, self.value):
            ctx.record("replaced", at, value, self.value)
        return _fresh(self.value)


@dataclass(frozen=True)
class Delete(Op):
    paths: Paths
    # The keys of `del(.a, .b)` (every path one key of the top object), else None.
    top_keys: tuple[str, ...] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "top_keys", _top_keys(self.paths))

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        keys = self.top_keys
        if keys is not None and type(value) is dict:
            return _delete_top(value, keys, ctx, at)
        key = _everywhere_key(self.paths, ctx)
        if key is not None:
            restore = _snapshot(ctx)
            try:
                return _del_everywhere(value, key, ctx, at, [])
            except RecursionError:  # very deep values: the general path, from a clean slate
                restore()
        found = _collect(value, self.paths, "existing", ctx, at)
        if not found:
            return value
        if () in found:  # jq: del(.) is null
            ctx.record("deleted", at, value)
            return None
        return _delete(value, _trie(found), at, ctx)


@dataclass(frozen=True)
class Update(Op):
    """`PATH |= F`: F applied where the path exists."""

    paths: Paths
    op: Op

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        key = _everywhere_key(self.paths, ctx)
        if key is not None:
            restore = _snapshot(ctx)
            try:
                return _update_everywhere(value, key, self.op, ctx, at, [])
            except (RecursionError, _NestedMatch):  # the general path, from a clean slate
                restore()
        found = _collect(value, self.paths, "existing", ctx, at)
        if not found:
            return value

        def update(node: Node, path: CPath) -> Node:
            return self.op.run(_json(node), ctx, (*at, *path))

        return _json(_rewrite(value, _trie(found), (), update, create=False, descend=True))


# ---- `.. | .key?`: one recursive pass instead of listing every node of the value.
# On a 20 MB body the general path (every node's path, a trie, then the rewrite) takes seconds;
# this pass visits containers only, copies only those on the way to a change, and makes the
# same changes, in the same order (a key before the values beside it, as `..` lists them).


class _NestedMatch(Exception):
    """The key's value itself holds the key: `|=` must follow jq's rules, so the general path."""


def _top_keys(paths: Paths) -> tuple[str, ...] | None:
    if not all(len(alt) == 1 and type(alt[0]) is Key for alt in paths):
        return None
    return tuple(dict.fromkeys(alt[0].name for alt in paths))  # type: ignore[union-attr]


def _delete_top(value: dict[str, JSON], keys: tuple[str, ...], ctx: Ctx, at: CPath) -> JSON:
    """`del(.a, .b)` on an object: what the general path does (same copy, same records in
    the same order), without building paths, a trie and their tuples (measured: a third of
    the per-case cost of `del(.elapsed_ms)` on a small answer)."""
    out: dict[str, JSON] | None = None
    for key in keys:
        if key in value:
            if out is None:
                out = dict(value)
            ctx.record("deleted", (*at, key), out.pop(key))
    return value if out is None else out


def _snapshot(ctx: Ctx) -> Callable[[], None]:
    """Undo for what a fast pass recorded, should it hand over to the general path midway."""
    stats = ctx.stats
    numbering = {k: dict(v) for k, v in ctx.numbering.items()}
    counts = dict(stats.counts) if stats is not None else {}
    samples = len(stats.samples) if stats is not None else 0

    def restore() -> None:
        ctx.numbering.clear()
        ctx.numbering.update(numbering)
        if stats is not None:
            stats.counts = counts
            del stats.samples[samples:]

    return restore


def _everywhere_key(paths: Paths, ctx: Ctx) -> str | None:
    """The KEY of a lone `.. | .KEY?` path; None for anything else.

    Without `?` a miss on a non-object is recorded in stats; only that needs the general path.
    """
    if len(paths) != 1 or len(paths[0]) != 2:
        return None
    recurse, step = paths[0]
    if not isinstance(recurse, Recurse) or not isinstance(step, Key):
        return None
    if not step.optional and ctx.stats is not None:
        return None
    return step.name


# What `.. | .KEY?` does where it finds KEY in an object `out` (a copy the walker owns):
# delete it, or replace its value. `path` is where the value stood.
_KeyAction = Callable[[dict[str, JSON], JSON, CPath], None]


def _rewrite_everywhere(
    node: JSON, key: str, action: _KeyAction, at: CPath, trail: list[str | int]
) -> JSON:
    """One pass over `node` applying `action` at every object holding KEY, copying only the
    containers on the way to a change (the general path builds every path first: ~10x slower
    on large documents)."""
    kind = type(node)
    if kind is dict:
        assert isinstance(node, dict)
        out: dict[str, JSON] | None = None
        if key in node:
            out = dict(node)
            action(out, node[key], (*at, *trail, key))
        for name, item in node.items():
            if name == key or (type(item) is not dict and type(item) is not list):
                continue
            trail.append(name)
            new = _rewrite_everywhere(item, key, action, at, trail)
            trail.pop()
            if new is not item:
                if out is None:
                    out = dict(node)
                out[name] = new
        return node if out is None else out
    if kind is list:
        assert isinstance(node, list)
        items: list[JSON] | None = None
        for index, item in enumerate(node):
            if type(item) is not dict and type(item) is not list:
                continue
            trail.append(index)
            new = _rewrite_everywhere(item, key, action, at, trail)
            trail.pop()
            if new is not item:
                if items is None:
                    items = list(node)
                items[index] = new
        return node if items is None else items
    return node


def _del_everywhere(node: JSON, key: str, ctx: Ctx, at: CPath, trail: list[str | int]) -> JSON:
    def delete(out: dict[str, JSON], old: JSON, path: CPath) -> None:
        del out[key]
        if ctx.stats is not None:
            ctx.record("deleted", path, old)

    return _rewrite_everywhere(node, key, delete, at, trail)


def _holds_key(node: JSON, key: str) -> bool:
    """Whether `..` would find KEY anywhere inside `node` (an object holding it, at any depth)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            assert isinstance(item, dict)
            if key in item:
                return True
            stack.extend(item.values())
        elif type(item) is list:
            assert isinstance(item, list)
            stack.extend(item)
    return False


def _update_everywhere(
    node: JSON, key: str, op: Op, ctx: Ctx, at: CPath, trail: list[str | int]
) -> JSON:
    def update(out: dict[str, JSON], old: JSON, path: CPath) -> None:
        if type(old) in (dict, list) and _holds_key(old, key):
            raise _NestedMatch  # jq's order of updates inside matches: the general path
        out[key] = op.run(old, ctx, path)

    return _rewrite_everywhere(node, key, update, at, trail)


@dataclass(frozen=True)
class Assign(Op):
    """`PATH = LITERAL`: as jq, creates missing keys and containers."""

    paths: Paths
    value: JSON

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        found = _collect(value, self.paths, "create", ctx, at)
        if not found:
            return value

        def assign(node: Node, path: CPath) -> Node:
            if node is _MISSING:
                ctx.record("created", (*at, *path), None, self.value)
            elif not _same(node, self.value):
                ctx.record("replaced", (*at, *path), node, self.value)
            return _fresh(self.value)

        return _json(_rewrite(value, _trie(found), (), assign, create=True, descend=False))


@dataclass(frozen=True)
class Mask(Op):
    paths: Paths
    text: JSON
    shape: str | None

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        found = _collect(value, self.paths, "existing", ctx, at)
        if not found:
            return value

        # Through a lone `..` (every value) the shape picks the values to mask: the others are
        # not worth a note. `(.. | .ts?)` names a key: a value there without the shape is.
        searching = any(len(alt) == 1 and isinstance(alt[0], Recurse) for alt in self.paths)

        def mask(node: Node, path: CPath) -> Node:
            if self.shape is not None and not SHAPES[self.shape](node):
                if not searching:
                    reason = f"value {_excerpt(node)} is not a {self.shape}"
                    ctx.record("skipped", (*at, *path), node, reason=reason)
                return node
            if not _same(node, self.text):
                ctx.record("replaced", (*at, *path), node, self.text)
            return _fresh(self.text)

        descend: _Descend = "if kept" if self.shape is not None else False
        return _json(_rewrite(value, _trie(found), (), mask, create=False, descend=descend))


def _excerpt(node: Node) -> str:
    text = repr(node) if isinstance(node, str) else canonical(_json(node))
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Scrub(Op):
    """Regex replacement in every string (keys untouched); `{n}` numbers distinct matches."""

    paths: Paths | None
    regex: boundedre.BoundedPattern  # time-bounded: target text may make a regex backtrack
    repl: str

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        numbering = ctx.numbering.setdefault(id(self), {})
        sub = self._substituter(numbering)
        any_order = ctx.any_order if "{n}" in self.repl else None
        if self.paths is None:
            if any_order is not None:
                _number_in_any_order(self.regex, any_order, value, at, [()], sub, ctx)
            return _scrub(value, at, sub, ctx)
        found = _collect(value, self.paths, "existing", ctx, at)
        if not found:
            return value
        if any_order is not None:
            _number_in_any_order(self.regex, any_order, value, at, found, sub, ctx)

        def scrub(node: Node, path: CPath) -> Node:
            return _scrub(_json(node), (*at, *path), sub, ctx)

        return _json(_rewrite(value, _trie(found), (), scrub, create=False, descend=False))

    def _substituter(self, numbering: dict[str, int]) -> Callable[[str], str]:
        repl = self.repl
        if "{n}" not in repl:
            return lambda text: self.regex.sub(lambda _m: repl, text)

        def number(match: Any) -> str:
            n = numbering.setdefault(match.group(0), len(numbering))
            return repl.replace("{n}", str(n))

        return lambda text: self.regex.sub(number, text)


def numbers_matches(op: object) -> bool:
    """A `scrub` numbering what it finds (`{n}`, and `scrub(uuid)`), anywhere in `op`."""
    if isinstance(op, Scrub) and "{n}" in op.repl:
        return True
    if not is_dataclass(op):
        return False
    for item in (getattr(op, f.name) for f in fields(op)):
        parts = item if isinstance(item, tuple) else (item,)
        if any(isinstance(part, Op) and numbers_matches(part) for part in parts):
            return True
    return False


def _number_in_any_order(
    regex: boundedre.BoundedPattern,
    any_order: AnyOrder,
    value: JSON,
    at: CPath,
    found: Iterable[CPath],
    sub: Callable[[str], str],
    ctx: Ctx,
) -> None:
    """Number the matches first, in the walk of rules/anyorder.py; say so in the audit when
    some array was left partly in the order it came."""
    paths = list(found)
    roots = set(paths)

    def scrubbed(path: CPath) -> bool:
        return any(path[:depth] in roots for depth in range(len(path) + 1))

    walk = AnyOrderNumbering(regex, any_order, value, at, scrubbed)
    try:
        walk.number(paths, sub)
    except RecursionError:
        # Nested deeper than the walk can follow: the matches keep the plain walk's numbers.
        ctx.record("skipped", at, reason="nested too deep to number in an order of its own")
        return
    if walk.bounded:
        ctx.record(
            "skipped",
            at,
            reason="an array compared in any order holds too many rows alike but for their "
            "ids to number them all in an order of their own: some keep the order they came "
            "in, and may show as a difference",
        )


def _scrub(node: JSON, path: CPath, sub: Callable[[str], str], ctx: Ctx) -> JSON:
    """Scrub every string under `node`; unchanged subtrees are returned as they are."""
    if isinstance(node, str):
        new = sub(node)
        if new == node:
            return node
        ctx.record("replaced", path, node, new)
        return new
    if isinstance(node, dict):
        out: dict[str, JSON] | None = None
        # Sorted keys: numbering must not depend on key order, which runtimes do not agree on.
        for key in sorted(node):
            new_item = _scrub(node[key], (*path, key), sub, ctx)
            if new_item is not node[key]:
                out = dict(node) if out is None else out
                out[key] = new_item
        return node if out is None else out
    if isinstance(node, list):
        items: list[JSON] | None = None
        for i, item in enumerate(node):
            new_item = _scrub(item, (*path, i), sub, ctx)
            if new_item is not item:
                items = list(node) if items is None else items
                items[i] = new_item
        return node if items is None else items
    return node


@dataclass(frozen=True)
class Builtin(Op):
    """sort, unique, reverse, ascii_downcase, ascii_upcase."""

    name: str

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        result = BUILTINS[self.name](value)
        if result is _MISSING:
            ctx.record("skipped", at, value, reason=f"cannot {self.name} {type_name(value)}")
            return value
        new = _json(result)
        if not _same(value, new):
            ctx.record("replaced", at, value, new)
        return new


def _sort(value: JSON) -> Node:
    return sorted(value, key=sort_key) if isinstance(value, list) else _MISSING


def _unique(value: JSON) -> Node:
    if not isinstance(value, list):
        return _MISSING
    keyed = sorted(((sort_key(v), v) for v in value), key=lambda kv: kv[0])
    # Equal sort keys mean exactly equal values (the key keeps number literals): 1 and 1.0 stay.
    return [v for i, (k, v) in enumerate(keyed) if i == 0 or keyed[i - 1][0] != k]


def _reverse(value: JSON) -> Node:
    if isinstance(value, list):
        return value[::-1]
    if isinstance(value, str):
        return value[::-1]
    return [] if value is None else _MISSING


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _downcase(value: JSON) -> Node:
    # ASCII only, as jq: str.lower() would also fold "É".
    return value.translate(_LOWER) if isinstance(value, str) else _MISSING


def _upcase(value: JSON) -> Node:
    return value.translate(_UPPER) if isinstance(value, str) else _MISSING


BUILTINS: dict[str, Callable[[JSON], Node]] = {
    "sort": _sort,
    "unique": _unique,
    "reverse": _reverse,
    "ascii_downcase": _downcase,
    "ascii_upcase": _upcase,
}


@dataclass(frozen=True)
class SortBy(Op):
    paths: Paths

    def run(self, value: JSON, ctx: Ctx, at: CPath) -> JSON:
        if not isinstance(value, list):
            ctx.record("skipped", at, value, reason=f"cannot sort_by {type_name(value)}")
            return value
        result = sorted(value, key=self._key)  # stable, as jq
        if not _same(value, result):
            ctx.record("replaced", at, value, result)
        return result

    def _key(self, item: JSON) -> tuple[object, ...]:
        # jq sorts by [f]: the list of everything the key paths give (missing keys give null).
        keys = [_json(v) for alt in self.paths for _, v in _find(item, alt, "get")]
        return sort_key(keys)


# --------------------------------------------------------------------------------------------
# Shapes (for mask) and named patterns (for scrub)
# --------------------------------------------------------------------------------------------

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_TIMESTAMP = (
    # Bounded repeats only (fractions to the picosecond): it then runs in linear time, on
    # `re` with no timeout (core.boundedre.linear).
    r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,12})?)?"
    r"(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
    # An HTTP date (RFC 9110's IMF-fixdate): the `Date`, `Last-Modified`, `Expires` headers.
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT)"
)
_UUID_RE = re.compile(_UUID)
_TIMESTAMP_RE = re.compile(_TIMESTAMP)


_EPOCH_LIMIT = 10**19  # nanoseconds since 1970 reach past the year 2262 below this


def _is_epoch(node: Node) -> bool:
    if type(node) is not Number:
        return False
    try:
        return 0 <= node.value < _EPOCH_LIMIT
    except InvalidOperation:
        return False


def _is_timestamp_text(text: str) -> bool:
    """A timestamp's form, with a date and time that exist (no month 13, no February 30)."""
    if not _TIMESTAMP_RE.fullmatch(text):
        return False
    if not text[:4].isdigit():
        return _http_date_exists(text)
    second = int(text[17:19]) if len(text) > 17 and text[16] == ":" else 0
    try:
        datetime.datetime(
            int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]),
            min(second, 59),  # a leap second, 60, exists
        )  # fmt: skip
    except ValueError:
        return False
    return second <= 60 and _offset_exists(text)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _http_date_exists(text: str) -> bool:
    """`Sun, 06 Nov 1994 08:49:37 GMT`: a day that exists, a time of day, and the day name of
    that date. A server whose day names are one off (a Monday-first table read with a
    Sunday-first index) sends dates that are not: masked as timestamps, they hid it."""
    day, month, year = int(text[5:7]), _MONTHS.index(text[8:11]) + 1, int(text[12:16])
    hour, minute, second = int(text[17:19]), int(text[20:22]), int(text[23:25])
    try:
        date = datetime.datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return False
    return second <= 60 and _WEEKDAYS[date.weekday()] == text[:3]  # 60: a leap second


def _offset_exists(text: str) -> bool:
    """A UTC offset of at most 23:59 (`+25:00` is not one)."""
    found = re.search(r"[+-]([0-9]{2}):?([0-9]{2})?$", text[16:])
    return found is None or (int(found.group(1)) < 24 and int(found.group(2) or 0) < 60)


SHAPES: dict[str, Callable[[Node], bool]] = {
    "timestamp": lambda v: (isinstance(v, str) and _is_timestamp_text(v)) or _is_epoch(v),
    "uuid": lambda v: isinstance(v, str) and bool(_UUID_RE.fullmatch(v)),
    "number": lambda v: type(v) is Number,
    "string": lambda v: isinstance(v, str),
}

# scrub(NAME): a named pattern and its default replacement.
PATTERNS: dict[str, tuple[str, str]] = {
    "uuid": (_UUID, "<uuid_{n}>"),
    "timestamp": (_TIMESTAMP, "<timestamp_{n}>"),
}
