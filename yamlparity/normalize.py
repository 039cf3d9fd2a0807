"""The normalization rule language: a small jq subset plus `mask`/`scrub`, evaluated exactly.

Why not libjq (the PyPI `jq` package): it rounds 9007199254740993 to ...992 and prints `1.0` as
`1`, so a rule would change the very values a parity probe must compare. This evaluator works
on `jsonvalue` values (numbers keep their literal text) and never compares with Python `==`
across types. Rules compile once (`compile_rule`) and apply many times (`apply`); applying
copies only the containers on the way to what changes, so it stays linear on large documents.
The grammar and every form are documented in docs/rules.md.
"""

from __future__ import annotations

import copy
import difflib
import enum
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from decimal import InvalidOperation
from typing import Literal, NoReturn

from yamlparity.errors import RuleError
from yamlparity.jsonvalue import JSON, Number, canonical, format_path, sort_key, type_name
from yamlparity.model import PathPattern

__all__ = [
    "Change",
    "Program",
    "RuleStats",
    "apply",
    "compile_rule",
    "parse_path",
]

CPath = tuple[str | int, ...]  # a concrete path: keys and non-negative indices


class _Absent(enum.Enum):
    """A value that is not there (a missing key), distinct from JSON null."""

    MISSING = 0


_MISSING = _Absent.MISSING
Node = JSON | _Absent

# --------------------------------------------------------------------------------------------
# Stats: what a rule changed, for the rule audit
# --------------------------------------------------------------------------------------------

Action = Literal["deleted", "replaced", "created", "selected", "skipped"]


@dataclass(frozen=True)
class Change:
    """One thing a rule did (or declined to do: `skipped`, with a reason) at a concrete path."""

    action: Action
    path: CPath
    old: JSON = None  # the value before (None for `created`)
    new: JSON = None  # the value after (None for `deleted` and `skipped`)
    reason: str | None = None

    @property
    def path_text(self) -> str:
        return format_path(self.path)

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
class _Ctx:
    """Per-apply state: where stats go, and scrub numbering (one table per scrub rule)."""

    stats: RuleStats | None
    numbering: dict[int, dict[str, int]] = field(default_factory=dict)

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
        if len(stats.samples) >= stats.max_samples:  # past the cap: count, build nothing
            stats.counts[action] = stats.counts.get(action, 0) + 1
        else:
            stats.record(Change(action, path, _json(old), _json(new), reason))


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
class _Key:
    name: str
    optional: bool = False


@dataclass(frozen=True)
class _Index:
    index: int
    optional: bool = False


@dataclass(frozen=True)
class _Each:
    optional: bool = False


@dataclass(frozen=True)
class _Recurse:
    optional: bool = True  # `..` never fails


_Step = _Key | _Index | _Each | _Recurse
_Alt = tuple[_Step, ...]  # one path: steps applied in order
_Paths = tuple[_Alt, ...]  # several paths (`.a, .b`)

# "existing": only what is there; "get": jq's `.a` on a missing key gives null;
# "create": like get, and says where `PATH = v` must create containers.
_Mode = Literal["existing", "get", "create"]
_Found = list[tuple[CPath, Node]]
_Miss = list[tuple[CPath, str]]


def _find(value: Node, steps: _Alt, mode: _Mode, misses: _Miss | None = None) -> _Found:
    """Every concrete path (with its value) that `steps` reaches, in jq's output order."""
    frontier: _Found = [((), value)]
    for step in steps:
        out: _Found = []
        for path, node in frontier:
            _expand(step, path, node, mode, out, misses)
        frontier = out
    return frontier


def _expand(
    step: _Step, path: CPath, node: Node, mode: _Mode, out: _Found, misses: _Miss | None
) -> None:
    absent = node is None or node is _MISSING
    if isinstance(step, _Recurse):
        _descendants(path, node, out)
    elif isinstance(step, _Each):
        if isinstance(node, dict):
            out.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            out.extend(((*path, i), v) for i, v in enumerate(node))
        elif not absent:
            _miss(step, path, misses, f"cannot iterate over {_kind(node)}")
    elif isinstance(step, _Key):
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
    step: _Index, path: CPath, node: Node, mode: _Mode, out: _Found, misses: _Miss | None
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


def _miss(step: _Step, path: CPath, misses: _Miss | None, reason: str) -> None:
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


def _delete(node: JSON, trie: _Trie, path: CPath, ctx: _Ctx) -> JSON:
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


def _rewrite(node: Node, trie: _Trie, path: CPath, fn: _Fn, create: bool, descend: bool) -> Node:
    """Apply `fn` at marked paths (parent before children, as jq's `|=`), copying on write."""
    if trie.mark:
        node = fn(node, path)
        if not descend:
            return node
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
                items.extend([None] * (key - len(items)))  # jq pads with nulls
                items.append(_json(_rewrite(_MISSING, child, (*path, key), fn, create, descend)))
        return items
    return node


# --------------------------------------------------------------------------------------------
# Operations: what a compiled rule is made of
# --------------------------------------------------------------------------------------------


class _Op:
    """One compiled operation; `at` is where its input sits in the applied value (for stats)."""

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
        raise NotImplementedError


def _collect(value: JSON, paths: _Paths, mode: _Mode, ctx: _Ctx, at: CPath) -> list[CPath]:
    found: list[CPath] = []
    misses: _Miss = []
    for alt in paths:
        found.extend(p for p, _ in _find(value, alt, mode, misses))
    for path, reason in misses:
        ctx.record("skipped", (*at, *path), reason=reason)
    return found


@dataclass(frozen=True)
class _Identity(_Op):
    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
        return value


@dataclass(frozen=True)
class _Seq(_Op):
    ops: tuple[_Op, ...]

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
        for op in self.ops:
            value = op.run(value, ctx, at)
            if isinstance(op, _Select):
                at = (*at, *op.path)  # later stats name places in the original value
        return value


@dataclass(frozen=True)
class _Select(_Op):
    steps: _Alt  # keys and indices only: one value

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
        found = _find(value, self.steps, "get")
        result = _json(found[0][1]) if found else None
        ctx.record("selected", (*at, *self.path), value, result)
        return result

    @property
    def path(self) -> CPath:
        return tuple(
            s.name if isinstance(s, _Key) else s.index
            for s in self.steps
            if isinstance(s, _Key | _Index)
        )


@dataclass(frozen=True)
class _Const(_Op):
    value: JSON

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
        if not _same(value, self.value):
            ctx.record("replaced", at, value, self.value)
        return _fresh(self.value)


@dataclass(frozen=True)
class _Delete(_Op):
    paths: _Paths

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
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
class _Update(_Op):
    """`PATH |= F`: F applied where the path exists."""

    paths: _Paths
    op: _Op

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
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


def _snapshot(ctx: _Ctx) -> Callable[[], None]:
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


def _everywhere_key(paths: _Paths, ctx: _Ctx) -> str | None:
    """The KEY of a lone `.. | .KEY?` path; None for anything else.

    Without `?` a miss on a non-object is recorded in stats; only that needs the general path.
    """
    if len(paths) != 1 or len(paths[0]) != 2:
        return None
    recurse, step = paths[0]
    if not isinstance(recurse, _Recurse) or not isinstance(step, _Key):
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


def _del_everywhere(node: JSON, key: str, ctx: _Ctx, at: CPath, trail: list[str | int]) -> JSON:
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
    node: JSON, key: str, op: _Op, ctx: _Ctx, at: CPath, trail: list[str | int]
) -> JSON:
    def update(out: dict[str, JSON], old: JSON, path: CPath) -> None:
        if type(old) in (dict, list) and _holds_key(old, key):
            raise _NestedMatch  # jq's order of updates inside matches: the general path
        out[key] = op.run(old, ctx, path)

    return _rewrite_everywhere(node, key, update, at, trail)


@dataclass(frozen=True)
class _Assign(_Op):
    """`PATH = LITERAL`: as jq, creates missing keys and containers."""

    paths: _Paths
    value: JSON

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
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
class _Mask(_Op):
    paths: _Paths
    text: JSON
    shape: str | None

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
        found = _collect(value, self.paths, "existing", ctx, at)
        if not found:
            return value

        def mask(node: Node, path: CPath) -> Node:
            if self.shape is not None and not _SHAPES[self.shape](node):
                reason = f"value {_excerpt(node)} is not a {self.shape}"
                ctx.record("skipped", (*at, *path), node, reason=reason)
                return node
            if not _same(node, self.text):
                ctx.record("replaced", (*at, *path), node, self.text)
            return _fresh(self.text)

        return _json(_rewrite(value, _trie(found), (), mask, create=False, descend=False))


def _excerpt(node: Node) -> str:
    text = repr(node) if isinstance(node, str) else canonical(_json(node))
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class _Scrub(_Op):
    """Regex replacement in every string (keys untouched); `{n}` numbers distinct matches."""

    paths: _Paths | None
    regex: re.Pattern[str]
    repl: str

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
        numbering = ctx.numbering.setdefault(id(self), {})
        sub = self._substituter(numbering)
        if self.paths is None:
            return _scrub(value, at, sub, ctx)
        found = _collect(value, self.paths, "existing", ctx, at)
        if not found:
            return value

        def scrub(node: Node, path: CPath) -> Node:
            return _scrub(_json(node), (*at, *path), sub, ctx)

        return _json(_rewrite(value, _trie(found), (), scrub, create=False, descend=False))

    def _substituter(self, numbering: dict[str, int]) -> Callable[[str], str]:
        repl = self.repl
        if "{n}" not in repl:
            return lambda text: self.regex.sub(lambda _m: repl, text)

        def number(match: re.Match[str]) -> str:
            n = numbering.setdefault(match.group(0), len(numbering))
            return repl.replace("{n}", str(n))

        return lambda text: self.regex.sub(number, text)


def _scrub(node: JSON, path: CPath, sub: Callable[[str], str], ctx: _Ctx) -> JSON:
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
class _Builtin(_Op):
    """sort, unique, reverse, ascii_downcase, ascii_upcase."""

    name: str

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
        result = _BUILTINS[self.name](value)
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


_BUILTINS: dict[str, Callable[[JSON], Node]] = {
    "sort": _sort,
    "unique": _unique,
    "reverse": _reverse,
    "ascii_downcase": _downcase,
    "ascii_upcase": _upcase,
}


@dataclass(frozen=True)
class _SortBy(_Op):
    paths: _Paths

    def run(self, value: JSON, ctx: _Ctx, at: CPath) -> JSON:
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
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
    r"(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
_UUID_RE = re.compile(_UUID)
_TIMESTAMP_RE = re.compile(_TIMESTAMP)


def _is_epoch(node: Node) -> bool:
    if type(node) is not Number:
        return False
    try:
        return node.value >= 0
    except InvalidOperation:
        return False


_SHAPES: dict[str, Callable[[Node], bool]] = {
    "timestamp": lambda v: (
        (isinstance(v, str) and bool(_TIMESTAMP_RE.fullmatch(v))) or _is_epoch(v)
    ),
    "uuid": lambda v: isinstance(v, str) and bool(_UUID_RE.fullmatch(v)),
    "number": lambda v: type(v) is Number,
    "string": lambda v: isinstance(v, str),
}

# scrub(NAME): a named pattern and its default replacement.
_PATTERNS: dict[str, tuple[str, str]] = {
    "uuid": (_UUID, "<uuid_{n}>"),
    "timestamp": (_TIMESTAMP, "<timestamp_{n}>"),
}

# --------------------------------------------------------------------------------------------
# Lexer
# --------------------------------------------------------------------------------------------

_SUPPORTED_FUNCS = (
    "del",
    "mask",
    "scrub",
    "sort",
    "sort_by",
    "unique",
    "reverse",
    "ascii_downcase",
    "ascii_upcase",
)
_SUPPORTED_TEXT = (
    "del, mask, scrub, sort, sort_by, unique, reverse, ascii_downcase, ascii_upcase, |=, =, |"
)
_LITERAL_NAMES = ("true", "false", "null")
_ARG_NAMES = tuple(sorted(set(_SHAPES) | set(_PATTERNS)))

# jq names we recognise in order to say "unsupported" rather than "unknown".
_JQ_WORDS = """
if then elif else end as def reduce foreach try catch label import include and or not
walk map map_values select recurse recurse_down env builtins input inputs debug stderr
input_filename input_line_number splits split join ltrimstr rtrimstr startswith endswith
test match capture scan sub gsub ascii explode implode tostring tonumber tojson fromjson
type length utf8bytelength keys keys_unsorted values has in inside contains add any all
range floor ceil round sqrt pow log exp log10 min max min_by max_by group_by unique_by
flatten first last nth limit until while repeat paths leaf_paths path getpath setpath
delpaths to_entries from_entries with_entries empty error halt halt_error numbers strings
booleans nulls arrays objects iterables scalars isinfinite isnan isnormal infinite nan
todate fromdate now mktime gmtime localtime strftime strptime dateadd datesub date
fromdateiso8601 todateiso8601 tostream fromstream truncate_stream getpath splits ascii
ltrimstr indices index rindex combinations transpose sort_keys tojson abs toarray pick
have_literal_numbers significand gamma frexp ldexp trim ltrim rtrim getpath limit
"""
_JQ_NAMES = frozenset(_JQ_WORDS.split())

_PUNCT = (
    "?//",
    "//=",
    "|=",
    "+=",
    "-=",
    "*=",
    "/=",
    "%=",
    "==",
    "!=",
    "<=",
    ">=",
    "//",
    "|",
    "=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "<",
    ">",
    ",",
    ";",
    ":",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "?",
)
_UNSUPPORTED_OPS = frozenset(
    (
        "?//",
        "//=",
        "+=",
        "-=",
        "*=",
        "/=",
        "%=",
        "==",
        "!=",
        "<=",
        ">=",
        "//",
        "+",
        "-",
        "*",
        "/",
        "%",
        "<",
        ">",
    )
)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_MAX_DEPTH = 64
_MAX_ALTERNATIVES = 1000


@dataclass(frozen=True)
class _Tok:
    kind: str  # "field", "str", "num", "ident", "var", "format", "..", ".", "eof" or punctuation
    pos: int  # 0-based offset in the rule text
    text: str = ""  # field name, decoded string, number literal, identifier
    offsets: tuple[int, ...] = ()  # strings: source offset of each decoded character


def _unsupported_hint() -> str:
    return f"supported: {_SUPPORTED_TEXT}"


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "#":  # a jq comment runs to the end of the line
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif c == ".":
            i = _lex_dot(text, i, toks)
        elif c == '"':
            tok, i = _lex_string(text, i)
            toks.append(tok)
        elif c.isascii() and c.isdigit():
            match = _NUMBER.match(text, i)
            assert match is not None
            literal = match.group()
            if not _JSON_NUMBER.fullmatch(literal):
                raise RuleError(
                    f"{literal!r} is not a JSON number",
                    i + 1,
                    "write numbers as JSON does: 1, 1.5, 1e3",
                )
            toks.append(_Tok("num", i, literal))
            i = match.end()
        elif (match := _IDENT.match(text, i)) is not None:
            toks.append(_Tok("ident", i, match.group()))
            i = match.end()
        elif c in "$@":
            match = _IDENT.match(text, i + 1)
            name = c + (match.group() if match else "")
            toks.append(_Tok("var" if c == "$" else "format", i, name))
            i += len(name)
        else:
            punct = next((p for p in _PUNCT if text.startswith(p, i)), None)
            if punct is None:
                raise RuleError(f"unexpected character {c!r}", i + 1, _unsupported_hint())
            toks.append(_Tok(punct, i, punct))
            i += len(punct)
    toks.append(_Tok("eof", len(text)))
    return toks


def _lex_dot(text: str, i: int, toks: list[_Tok]) -> int:
    if text.startswith("..", i):
        toks.append(_Tok("..", i, ".."))
        return i + 2
    match = _IDENT.match(text, i + 1)
    if match is not None:
        toks.append(_Tok("field", i, match.group()))
        return match.end()
    toks.append(_Tok(".", i, "."))
    return i + 1


def _lex_string(text: str, start: int) -> tuple[_Tok, int]:
    """A JSON string literal; keeps each character's source offset for regex error columns."""
    chars: list[str] = []
    offsets: list[int] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == '"':
            return _Tok("str", start, "".join(chars), tuple(offsets)), i + 1
        if c != "\\":
            chars.append(c)
            offsets.append(i)
            i += 1
            continue
        char, width = _escape(text, i)
        chars.append(char)
        offsets.append(i)
        i += width
    raise RuleError("unterminated string", start + 1, 'close it with "')


def _escape(text: str, i: int) -> tuple[str, int]:
    """The character an escape at `i` stands for, and how many source characters it takes."""
    kind = text[i + 1 : i + 2]
    if kind in _ESCAPES:
        return _ESCAPES[kind], 2
    if kind == "(":
        raise RuleError("string interpolation \\( is not supported", i + 1, _unsupported_hint())
    if kind == "u":
        code = _hex4(text, i)
        if 0xD800 <= code < 0xDC00 and text.startswith("\\u", i + 6):
            low = _hex4(text, i + 6)
            if 0xDC00 <= low < 0xE000:
                return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), 12
        return chr(code), 6
    raise RuleError(
        f"invalid escape \\{kind}", i + 1, 'JSON escapes: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX'
    )


def _hex4(text: str, i: int) -> int:
    digits = text[i + 2 : i + 6]
    if len(digits) != 4 or any(d not in "0123456789abcdefABCDEF" for d in digits):
        raise RuleError("invalid \\u escape: four hex digits expected", i + 1)
    return int(digits, 16)


# --------------------------------------------------------------------------------------------
# Parser: text -> syntax tree (jq precedence: `|` < `,` < `|=`/`=` < postfix)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PathN:
    pos: int
    steps: _Alt


@dataclass(frozen=True)
class _PipeN:
    pos: int
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _CommaN:
    pos: int
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _ParenN:
    pos: int
    inner: _Node


@dataclass(frozen=True)
class _LitN:
    pos: int
    value: JSON
    offsets: tuple[int, ...] = ()  # a string's source offsets, for regex error columns


@dataclass(frozen=True)
class _CallN:
    pos: int
    name: str
    args: tuple[_Node, ...]
    has_parens: bool
    arg_pos: tuple[int, ...] = ()


@dataclass(frozen=True)
class _AssignN:
    pos: int
    op: str  # "|=" or "="
    op_pos: int
    left: _Node
    right: _Node


_Node = _PathN | _PipeN | _CommaN | _ParenN | _LitN | _CallN | _AssignN


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _lex(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        self.i = min(self.i + 1, len(self.toks) - 1)
        return tok

    def expect(self, kind: str, context: str) -> _Tok:
        if self.tok.kind != kind:
            self.fail_unexpected(f"expected '{kind}' {context}")
        return self.next()

    def fail_unexpected(self, expected: str) -> NoReturn:
        tok = self.tok
        if tok.kind in _UNSUPPORTED_OPS:
            raise RuleError(
                f"unsupported jq operator '{tok.kind}'", tok.pos + 1, _unsupported_hint()
            )
        if tok.kind == "eof":
            raise RuleError(f"unexpected end of rule; {expected}", tok.pos + 1)
        shown = tok.text if tok.kind not in ("str",) else '"' + tok.text + '"'
        if tok.kind == "ident" and tok.text in _JQ_NAMES:
            raise RuleError(
                f"unsupported jq feature '{tok.text}'", tok.pos + 1, _unsupported_hint()
            )
        raise RuleError(f"unexpected '{shown[:30]}'; {expected}", tok.pos + 1)

    def parse(self) -> _Node:
        if self.tok.kind == "eof":
            raise RuleError("empty rule", 1, "write `.` to leave the value as it is")
        node = self.pipe()
        if self.tok.kind != "eof":
            self.fail_unexpected("expected '|' or the end of the rule")
        return node

    def pipe(self) -> _Node:
        left = self.comma()
        if self.tok.kind == "|":
            self.next()
            return _PipeN(left.pos, left, self.pipe())
        return left

    def comma(self) -> _Node:
        items = [self.assign()]
        while self.tok.kind == ",":
            self.next()
            items.append(self.assign())
        return items[0] if len(items) == 1 else _CommaN(items[0].pos, tuple(items))

    def assign(self) -> _Node:
        left = self.postfix()
        if self.tok.kind in ("|=", "="):
            op = self.next()
            right = self.postfix()
            if self.tok.kind in ("|=", "="):
                raise RuleError(
                    f"'{self.tok.kind}' cannot follow another assignment",
                    self.tok.pos + 1,
                    "use parentheses or '|' between rules",
                )
            return _AssignN(left.pos, op.kind, op.pos, left, right)
        return left

    def postfix(self) -> _Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise RuleError("rule nested too deeply", self.tok.pos + 1)
        try:
            node = self.primary()
            if isinstance(node, _PathN | _ParenN):
                node = self.suffixes(node)
            return node
        finally:
            self.depth -= 1

    def primary(self) -> _Node:
        tok = self.tok
        kind = tok.kind
        if kind == ".":
            self.next()
            if self.tok.kind == "str":
                return _PathN(tok.pos, (_Key(self.next().text),))
            return _PathN(tok.pos, ())
        if kind == "field":
            self.next()
            return _PathN(tok.pos, (_Key(tok.text),))
        if kind == "..":
            self.next()
            return _PathN(tok.pos, (_Recurse(),))
        if kind == "(":
            self.next()
            inner = self.pipe()
            self.expect(")", "to close '('")
            return _ParenN(tok.pos, inner)
        if kind in ("str", "num", "-", "[", "{"):
            return self.literal()
        if kind == "ident":
            return self.call()
        if kind == "var":
            raise RuleError(
                f"unsupported jq feature: variables ({tok.text})", tok.pos + 1, _unsupported_hint()
            )
        if kind == "format":
            raise RuleError(
                f"unsupported jq feature: formats ({tok.text})", tok.pos + 1, _unsupported_hint()
            )
        self.fail_unexpected("expected a path (.a), a function (del(...)) or a value")

    def suffixes(self, node: _PathN | _ParenN) -> _Node:
        steps: list[_Step] = []
        while True:
            kind = self.tok.kind
            if kind == "field":
                steps.append(_Key(self.next().text))
            elif kind == "." and self.toks[self.i + 1].kind in ("str", "["):
                self.next()
                if self.tok.kind == "str":
                    steps.append(_Key(self.next().text))
            elif kind == "[":
                steps.append(self.bracket())
            elif kind == "?":
                self.next()
                if steps:
                    steps[-1] = _optional(steps[-1])
                elif isinstance(node, _PathN) and node.steps:
                    node = _PathN(node.pos, (*node.steps[:-1], _optional(node.steps[-1])))
            else:
                break
        if isinstance(node, _PathN):
            return _PathN(node.pos, (*node.steps, *steps))
        return _PipeN(node.pos, node, _PathN(node.pos, tuple(steps))) if steps else node

    def bracket(self) -> _Step:
        open_tok = self.next()
        tok = self.tok
        if tok.kind == "]":
            self.next()
            return _Each()
        if tok.kind == "str":
            step: _Step = _Key(self.next().text)
        elif tok.kind == "num" or (tok.kind == "-" and self.toks[self.i + 1].kind == "num"):
            step = _Index(self.index())
        elif tok.kind == ":":
            raise RuleError("unsupported jq feature: slices", tok.pos + 1, _unsupported_hint())
        else:
            raise RuleError(
                "unsupported index expression",
                tok.pos + 1,
                'inside [ ] write a key ["odd key"], an index [2] or [-1], or []',
            )
        if self.tok.kind == ":":
            raise RuleError("unsupported jq feature: slices", self.tok.pos + 1, _unsupported_hint())
        self.expect("]", f"to close '[' at column {open_tok.pos + 1}")
        return step

    def index(self) -> int:
        sign = "-" if self.tok.kind == "-" else ""
        if sign:
            self.next()
        tok = self.next()
        if any(c in tok.text for c in ".eE"):
            raise RuleError(f"array index must be an integer, not {tok.text}", tok.pos + 1)
        if len(tok.text) > 15:
            raise RuleError("array index too large", tok.pos + 1)
        return int(sign + tok.text)

    def literal(self) -> _LitN:
        tok = self.tok
        if tok.kind == "str":
            self.next()
            return _LitN(tok.pos, tok.text, tok.offsets)
        if tok.kind == "num":
            self.next()
            return _LitN(tok.pos, Number(tok.text))
        if tok.kind == "-":
            if self.toks[self.i + 1].kind != "num":
                raise RuleError("unsupported jq operator '-'", tok.pos + 1, _unsupported_hint())
            self.next()
            return _LitN(tok.pos, Number("-" + self.next().text))
        if tok.kind == "[":
            return self.array()
        return self.object()

    def array(self) -> _LitN:
        start = self.next()
        if self.tok.kind == "]":
            self.next()
            return _LitN(start.pos, [])
        self.depth += 1
        inner = self.pipe()
        self.depth -= 1
        self.expect("]", "to close '['")
        items = inner.items if isinstance(inner, _CommaN) else (inner,)
        return _LitN(start.pos, [_literal_value(item, "an array element") for item in items])

    def object(self) -> _LitN:
        start = self.next()
        out: dict[str, JSON] = {}
        while self.tok.kind != "}":
            key = self.tok
            if key.kind not in ("ident", "str"):
                self.fail_unexpected("expected a key in a literal object")
            self.next()
            if self.tok.kind != ":":
                raise RuleError(
                    "unsupported jq feature: object construction shorthand",
                    key.pos + 1,
                    'write literal objects: {"key": "value"}',
                )
            self.next()
            out[key.text] = _literal_value(self.postfix(), "an object value")
            if self.tok.kind != ",":
                break
            self.next()
        self.expect("}", "to close '{'")
        return _LitN(start.pos, out)

    def call(self) -> _Node:
        tok = self.next()
        name = tok.text
        if name in _LITERAL_NAMES:
            return _LitN(tok.pos, {"true": True, "false": False, "null": None}[name])
        _check_name(name, tok.pos)
        if self.tok.kind != "(":
            return _CallN(tok.pos, name, (), False)
        self.next()
        args: list[_Node] = [self.pipe()]
        while self.tok.kind == ";":
            self.next()
            args.append(self.pipe())
        self.expect(")", f"to close '{name}('")
        return _CallN(tok.pos, name, tuple(args), True, tuple(a.pos for a in args))


def _optional(step: _Step) -> _Step:
    if isinstance(step, _Key):
        return _Key(step.name, True)
    if isinstance(step, _Index):
        return _Index(step.index, True)
    if isinstance(step, _Each):
        return _Each(True)
    return step


def _check_name(name: str, pos: int) -> None:
    if name in _SUPPORTED_FUNCS or name in _ARG_NAMES:
        return
    if name in _JQ_NAMES:
        raise RuleError(f"unsupported jq feature '{name}'", pos + 1, _unsupported_hint())
    known = (*_SUPPORTED_FUNCS, *_ARG_NAMES)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    close = close or [k for k in known if len(name) >= 3 and k.startswith(name)][:1]
    hint = f"did you mean '{close[0]}'?" if close else _unsupported_hint()
    raise RuleError(f"unknown function '{name}'", pos + 1, hint)


def _literal_value(node: _Node, what: str) -> JSON:
    while isinstance(node, _ParenN):
        node = node.inner
    if not isinstance(node, _LitN):
        raise RuleError(
            f"{what} must be a literal JSON value",
            node.pos + 1,
            'e.g. "<x>", 0, null, [1, "a"]; to apply a filter use PATH |= FILTER',
        )
    return node.value


# --------------------------------------------------------------------------------------------
# Compiler: syntax tree -> operations
# --------------------------------------------------------------------------------------------


def _is_path(node: _Node) -> bool:
    if isinstance(node, _PathN):
        return True
    if isinstance(node, _PipeN):
        return _is_path(node.left) and _is_path(node.right)
    if isinstance(node, _CommaN):
        return all(_is_path(item) for item in node.items)
    if isinstance(node, _ParenN):
        return _is_path(node.inner)
    return False


def _paths(node: _Node) -> _Paths:
    """The alternatives a path expression denotes; `A | B` is every a followed by every b."""
    if isinstance(node, _PathN):
        return (node.steps,)
    if isinstance(node, _ParenN):
        return _paths(node.inner)
    if isinstance(node, _CommaN):
        out = tuple(alt for item in node.items for alt in _paths(item))
    elif isinstance(node, _PipeN):
        left, right = _paths(node.left), _paths(node.right)
        if len(left) * len(right) > _MAX_ALTERNATIVES:
            raise RuleError("too many alternative paths", node.pos + 1)
        out = tuple((*a, *b) for a in left for b in right)
    else:
        raise RuleError(
            f"expected a path (like .a, .items[] or ..), not {_describe(node)}",
            _first_non_path(node).pos + 1,
            'paths: .a  .a.b  .["k"]  .a[]  .a[2]  .a[-1]  ..  and pipes of them: .. | .ts?',
        )
    if len(out) > _MAX_ALTERNATIVES:
        raise RuleError("too many alternative paths", node.pos + 1)
    return out


def _first_non_path(node: _Node) -> _Node:
    if isinstance(node, _PipeN | _CommaN | _ParenN):
        parts = (
            (node.left, node.right)
            if isinstance(node, _PipeN)
            else node.items
            if isinstance(node, _CommaN)
            else (node.inner,)
        )
        for part in parts:
            if not _is_path(part):
                return _first_non_path(part)
    return node


def _describe(node: _Node) -> str:
    if isinstance(node, _CallN):
        return f"{node.name}(...)" if node.has_parens else repr(node.name)
    if isinstance(node, _LitN):
        return "a literal value"
    if isinstance(node, _AssignN):
        return f"an assignment ({node.op})"
    return "this"


def _single(alt: _Alt) -> bool:
    return all(isinstance(step, _Key | _Index) for step in alt)


def _op(node: _Node) -> _Op:
    if isinstance(node, _CommaN):
        raise RuleError(
            "',' here gives several outputs; a rule must give one value",
            node.items[1].pos + 1,
            "list several paths inside del(...), mask(...) or (.a, .b) |= ...",
        )
    if _is_path(node):
        return _select(node)
    if isinstance(node, _ParenN):
        return _op(node.inner)
    if isinstance(node, _PipeN):
        return _seq([_op(node.left), _op(node.right)])
    if isinstance(node, _LitN):
        return _Const(node.value)
    if isinstance(node, _AssignN):
        return _assignment(node)
    assert isinstance(node, _CallN)
    return _call(node)


def _seq(ops: list[_Op]) -> _Op:
    flat: list[_Op] = []
    for op in ops:
        if isinstance(op, _Seq):
            flat.extend(op.ops)
        elif not isinstance(op, _Identity):
            flat.append(op)
    if not flat:
        return _Identity()
    return flat[0] if len(flat) == 1 else _Seq(tuple(flat))


def _select(node: _Node) -> _Op:
    alts = _paths(node)
    if len(alts) != 1 or not _single(alts[0]):
        raise RuleError(
            "this path selects several values; a rule must give one value",
            node.pos + 1,
            "to change every match use del(PATH), mask(PATH) or "
            'PATH |= ...; through `..` wrap the path: (.. | .ts?) |= "x"',
        )
    return _Select(alts[0]) if alts[0] else _Identity()


def _assignment(node: _AssignN) -> _Op:
    paths = _paths(node.left)
    if node.op == "|=":
        return _Update(paths, _op(node.right))
    return _Assign(paths, _literal_value(node.right, "the right side of '='"))


def _call(node: _CallN) -> _Op:
    name, args = node.name, node.args
    if name in _BUILTINS:
        _arity(node, 0, 0)
        return _Builtin(name)
    if name == "del":
        _arity(node, 1, 1, "del(.a, .b)")
        return _Delete(_paths(args[0]))
    if name == "sort_by":
        _arity(node, 1, 1, "sort_by(.price)")
        return _SortBy(_paths(args[0]))
    if name == "mask":
        return _mask(node)
    if name == "scrub":
        return _scrub_call(node)
    raise RuleError(
        f"'{name}' is a shape name, not a rule",
        node.pos + 1,
        'shapes go last in mask(.ts; "<ts>"; timestamp) or alone in scrub(uuid)',
    )


def _arity(node: _CallN, low: int, high: int, example: str = "") -> None:
    count = len(node.args)
    if low <= count <= high:
        return
    if high == 0:
        raise RuleError(
            f"{node.name} takes no arguments",
            node.pos + 1,
            "to sort by a key use sort_by(.key)" if node.name == "sort" else None,
        )
    where = node.arg_pos[high] + 1 if count > high else node.pos + 1
    raise RuleError(
        f"{node.name} takes {_count(low, high)}, got {count}",
        where,
        f"e.g. {example}; separate paths with ','" if example else None,
    )


def _count(low: int, high: int) -> str:
    words = "one argument" if high == 1 else f"{high} arguments"
    return words if low == high else f"{low} to {high} arguments"


def _mask(node: _CallN) -> _Op:
    _arity(node, 1, 3, 'mask(.ts; "<ts>"; timestamp)')
    text: JSON = "<masked>"
    if len(node.args) >= 2:
        text = _literal_value(node.args[1], "mask's replacement")
    shape = _name_arg(node, 2, _SHAPES) if len(node.args) == 3 else None
    return _Mask(_paths(node.args[0]), text, shape)


def _name_arg(node: _CallN, index: int, names: Collection[str]) -> str:
    arg = node.args[index]
    if isinstance(arg, _CallN) and not arg.has_parens and arg.name in names:
        return arg.name
    raise RuleError(
        f"expected one of {', '.join(sorted(names))}",
        arg.pos + 1,
        f"{node.name}'s argument {index + 1} names a shape",
    )


def _scrub_call(node: _CallN) -> _Op:
    """scrub(NAME) | scrub(RE; REPL) | scrub(NAME; REPL) | scrub(PATH; ...) of those."""
    _arity(node, 1, 3, 'scrub("[0-9]+"; "<n_{n}>")')
    args = list(node.args)
    paths: _Paths | None = None
    if len(args) >= 2 and _is_path(args[0]):
        paths = _paths(args.pop(0))
    pattern_node = args[0]
    if (
        isinstance(pattern_node, _CallN)
        and not pattern_node.has_parens
        and pattern_node.name in _PATTERNS
    ):
        pattern, repl = _PATTERNS[pattern_node.name]
        regex = re.compile(pattern)
    elif isinstance(pattern_node, _LitN) and isinstance(pattern_node.value, str):
        if len(args) < 2:
            raise RuleError(
                "scrub with a regex needs a replacement",
                node.pos + 1,
                'e.g. scrub("[0-9]+"; "<n_{n}>")',
            )
        regex, repl = _regex(pattern_node), ""
    else:
        raise RuleError(
            "expected a regex string or a pattern name (uuid, timestamp)",
            pattern_node.pos + 1,
            'e.g. scrub(uuid) or scrub("[0-9]+"; "<n>")',
        )
    if len(args) == 2:
        replacement = args[1]
        if not (isinstance(replacement, _LitN) and isinstance(replacement.value, str)):
            raise RuleError("scrub's replacement must be a string", replacement.pos + 1)
        repl = replacement.value
    elif len(args) > 2:
        raise RuleError("scrub takes (PATH; REGEX; REPLACEMENT) at most", node.arg_pos[-1] + 1)
    return _Scrub(paths, regex, repl)


def _regex(node: _LitN) -> re.Pattern[str]:
    assert isinstance(node.value, str)
    pos, offsets = node.pos, node.offsets
    try:
        return re.compile(node.value)
    except re.error as exc:
        # Point into the rule text: map the pattern offset back through the string's escapes.
        where = exc.pos if exc.pos is not None else 0
        column = offsets[where] + 1 if where < len(offsets) else pos + 2 + where
        raise RuleError(
            f"invalid regex: {exc.msg}", column, "scrub uses Python `re` syntax"
        ) from None
    except (OverflowError, RecursionError, ValueError) as exc:
        raise RuleError(f"invalid regex: {exc}", pos + 1) from None


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    """A compiled rule: compile once, apply to many values."""

    text: str
    op: _Op = field(repr=False, compare=False)


def compile_rule(text: str) -> Program:
    """Parse a rule; raises RuleError (1-based column inside `text`, and a hint), nothing else."""
    try:
        return Program(text, _op(_Parser(text).parse()))
    except RecursionError:
        raise RuleError("rule nested too deeply", 1) from None


def apply(program: Program, value: JSON, stats: RuleStats | None = None) -> JSON:
    """A new value with the rule applied; `value` is never mutated (unchanged parts are shared)."""
    return program.op.run(value, _Ctx(stats), ())


def parse_path(text: str) -> PathPattern:
    """A comparison path (`.items`, `.rows[].price`, `.["odd key"]`) as a PathPattern."""
    node = _Parser(text).parse()
    if not _is_path(node):
        raise RuleError(
            "expected a path like .items or .rows[].price", _first_non_path(node).pos + 1
        )
    alts = _paths(node)
    if len(alts) != 1:
        raise RuleError("a comparison path must name one path, not several", node.pos + 1)
    pattern: list[str | int | None] = []
    for step in alts[0]:
        if isinstance(step, _Recurse):
            raise RuleError(
                "'..' is not allowed in a comparison path",
                _col(text, ".."),
                "name the path: .rows[].price",
            )
        if isinstance(step, _Index) and step.index < 0:
            raise RuleError(
                "negative indices are not allowed in a comparison path",
                _col(text, "-"),
                "use [] for any element",
            )
        pattern.append(
            step.name
            if isinstance(step, _Key)
            else step.index
            if isinstance(step, _Index)
            else None
        )
    return tuple(pattern)


def _col(text: str, needle: str) -> int:
    return text.find(needle) + 1 if needle in text else 1
