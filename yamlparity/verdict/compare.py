"""Exact comparison of one facet across targets, and the structural differences between them.

Values are those of `yamlparity.core.jsonvalue` (None, bool, Number, str, list, dict). Inside that
domain Python's `==` is exact (Number compares by type and literal; no int or float ever
appears), so `a == b` is used as a C-speed shortcut: options only ever loosen equality, hence
exactly equal subtrees can never hold a difference. Any other Python type raises TypeError.

Paths are jq-style (`.attempts[0].span_id`, `.["odd key"]`, root `.`), plus two forms of ours:
- keyed arrays (`key: id`): `.rows[?id==7]`, `.rows[?id=="7"]` (the key value as compact
  JSON; an odd key name is quoted: `[?"odd key"==1]`); when several elements share a key value
  they are matched in order of occurrence and the n-th (n >= 2) is written `.rows[?id==7 #2]`;
- unordered arrays (`set`, `multiset`): `.items[]`, one difference per element found on one
  side only, with the note `only in X`.

Options resolve per concrete path: for each field, the most specific pattern of
`settings.paths` that matches a prefix of the path and sets it wins (deeper beats shallower,
concrete beats `[]` at the same depth, later beats earlier), else the global setting. `numbers`
and `tolerance` are decided together by the same pattern; a tolerance implies `numbers: value`.
`key` applies to the array at exactly its path; `arrays` and `numbers` to the path and below.
In keyed and unordered arrays, a pattern naming a concrete index matches the index an element
has in its own array.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import MAX_EMAX, MIN_EMIN, Decimal, InvalidOperation, localcontext
from functools import lru_cache
from typing import Final, cast

from yamlparity.core import jsonvalue as jv
from yamlparity.core.depth import ensure_room
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.results.records import Difference
from yamlparity.spec.model import ArrayMode, CompareSettings, NumberMode, PathOptions

__all__ = [
    "MAX_DIFFERENCES",
    "MAX_TEXT_LINES",
    "Alignment",
    "agreeing_pairs",
    "agreement_classes",
    "align_lines",
    "comparable_line",
    "diff_json",
    "diff_text",
    "equal",
    "scalar_equal",
    "split_lines",
    "text_equal",
]

MAX_DIFFERENCES: Final = 1000  # per facet; then one `…` difference says how many more
MAX_TEXT_LINES: Final = 50  # differing lines shown per pair of targets in a text facet
ELLIPSIS_PATH: Final = "…"


# ---------------------------------------------------------------------------------------------
# Options


@dataclass(frozen=True, slots=True)
class _Opts:
    """The options in force at one node."""

    arrays: ArrayMode = "ordered"
    numbers: NumberMode = "literal"
    tolerance: tuple[Decimal | None, Decimal | None] | None = None  # (abs, rel)
    key: str | None = None  # only for the array at exactly this node


def _as_decimal(number: float | int | None) -> Decimal | None:
    # repr keeps what the spec wrote (0.01 stays 0.01, not 0.01000000000000000020816...).
    return None if number is None else Decimal(repr(number))


def _has_tolerance(p: PathOptions) -> bool:
    return p.tolerance_abs is not None or p.tolerance_rel is not None


def _apply(opts: _Opts, p: PathOptions) -> _Opts:
    """`opts` overridden by the fields `p` sets."""
    numbers, tolerance = opts.numbers, opts.tolerance
    if _has_tolerance(p):
        numbers = p.numbers or "value"
        tolerance = (_as_decimal(p.tolerance_abs), _as_decimal(p.tolerance_rel))
    elif p.numbers is not None:
        numbers, tolerance = p.numbers, None
    return _Opts(
        arrays=p.arrays or opts.arrays,
        numbers=numbers,
        tolerance=tolerance,
        key=p.key if p.key is not None else opts.key,
    )


def _apply_all(opts: _Opts, done: Iterable[PathOptions]) -> _Opts:
    # Same depth: patterns with more `[]` are less specific, so they are applied first.
    for p in sorted(done, key=lambda p: -sum(c is None for c in p.path)):
        opts = _apply(opts, p)
    return opts


class _Ctx:
    """Options at a node plus the path patterns still partly matched on the way down."""

    __slots__ = ("_concrete", "_generic", "depth", "live", "opts")

    def __init__(self, opts: _Opts, live: tuple[PathOptions, ...], depth: int) -> None:
        self.opts = opts
        self.live = live
        self.depth = depth
        # Steps some live pattern names at this depth; any other step gets the same child.
        self._concrete = frozenset((type(c), c) for p in live if (c := p.path[depth]) is not None)
        self._generic: _Ctx | None = None

    def child(self, step: str | int) -> _Ctx:
        if (type(step), step) in self._concrete:
            return self._make_child(step)
        if self._generic is None:
            self._generic = self._make_child(None)
        return self._generic

    def _make_child(self, step: str | int | None) -> _Ctx:
        """The child at `step`; None stands for a step no pattern names."""
        done: list[PathOptions] = []
        live: list[PathOptions] = []
        for p in self.live:
            comp = p.path[self.depth]
            if comp is None or (type(comp) is type(step) and comp == step):
                (done if len(p.path) == self.depth + 1 else live).append(p)
        opts = replace(self.opts, key=None) if self.opts.key is not None else self.opts
        return _Ctx(_apply_all(opts, done), tuple(live), self.depth + 1)

    @property
    def plain(self) -> bool:
        """Exact equality is the rule here and everywhere below."""
        o = self.opts
        return (
            not self.live
            and o.numbers == "literal"
            and o.arrays == "ordered"
            and o.key is None
            and o.tolerance is None
        )

    @property
    def tolerant(self) -> bool:
        """A tolerance applies here or may apply below (so no hashable form exists)."""
        return self.opts.tolerance is not None or any(_has_tolerance(p) for p in self.live)


@lru_cache(maxsize=64)
def _root(settings: CompareSettings) -> _Ctx:
    opts = _Opts(arrays=settings.arrays, numbers=settings.numbers)
    opts = _apply_all(opts, [p for p in settings.paths if not p.path])
    return _Ctx(opts, tuple(p for p in settings.paths if p.path), 0)


_AnyOrder = Callable[[tuple[str | int, ...]], bool] | None
# The settings last asked about and their answer: asked for every target of every case, and
# the lru_cache's key is the settings' hash, which a frozen dataclass computes anew each time
# (~1 us, over every field).
_last_any_order: tuple[CompareSettings, _AnyOrder] | None = None


def any_order_arrays(settings: CompareSettings) -> _AnyOrder:
    """Whether the array at a path is compared in any order (`set`, `multiset`, or matched by
    `key`); None when every array is compared in order."""
    global _last_any_order
    last = _last_any_order
    if last is not None and last[0] is settings:
        return last[1]
    found = _any_order_arrays(settings)
    _last_any_order = (settings, found)  # one assignment: another thread sees old or new
    return found


@lru_cache(maxsize=64)
def _any_order_arrays(settings: CompareSettings) -> _AnyOrder:
    if settings.arrays == "ordered" and all(
        p.arrays in (None, "ordered") and p.key is None for p in settings.paths
    ):
        return None
    root = _root(settings)

    def at(path: tuple[str | int, ...]) -> bool:
        ctx = root
        for step in path:
            ctx = ctx.child(step)
        return ctx.opts.arrays != "ordered" or ctx.opts.key is not None

    return at


def _scalar_opts(opts: PathOptions | CompareSettings | None) -> _Opts:
    if opts is None:
        return _Opts()
    if isinstance(opts, CompareSettings):
        return _root(opts).opts
    return _apply(_Opts(), opts)


def _ensure_recursion_room() -> None:
    # Set when yamlparity is imported (core.depth); again here for values built elsewhere
    # (a caller that lowered the limit since). Never raised lazily by the first comparison.
    ensure_room()


# ---------------------------------------------------------------------------------------------
# Scalars


_KIND: Final[dict[type, str]] = {
    type(None): "null",
    bool: "boolean",
    Number: "number",
    str: "string",
    list: "array",
    dict: "object",
}


def _kind(value: JSON) -> str:
    kind = _KIND.get(type(value))
    return kind if kind is not None else jv.type_name(value)


def _decimal(n: Number) -> Decimal | None:
    try:
        d = Decimal(n.literal)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _numbers_equal(a: Number, b: Number, opts: _Opts) -> bool:
    if a.literal == b.literal:
        return True
    if opts.numbers == "literal" and opts.tolerance is None:
        return False
    da, db = _decimal(a), _decimal(b)
    if da is None or db is None:
        return False
    if da == db:  # Decimal comparison is exact whatever the context precision
        return True
    return opts.tolerance is not None and _within(da, db, opts.tolerance)


def _within(da: Decimal, db: Decimal, tolerance: tuple[Decimal | None, Decimal | None]) -> bool:
    """|a-b| <= abs or |a-b| <= rel*max(|a|,|b|), computed without losing digits."""
    tol_abs, tol_rel = tolerance
    # Enough precision for an exact difference (capped: beyond it rounding cannot matter).
    span = max(da.adjusted(), db.adjusted()) - min(_exponent(da), _exponent(db)) + 3
    with localcontext() as ctx:
        ctx.prec = max(28, min(span, 5000))
        ctx.Emax, ctx.Emin = MAX_EMAX, MIN_EMIN  # literals like 1e999999999 must not overflow
        gap = abs(da - db)
        if tol_abs is not None and gap <= tol_abs:
            return True
        return tol_rel is not None and gap <= tol_rel * max(abs(da), abs(db))


def _exponent(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return exp if isinstance(exp, int) else 0


def scalar_equal(a: JSON, b: JSON, opts: PathOptions | CompareSettings | None = None) -> bool:
    """Two scalars equal under `opts` (numbers mode and tolerance); types never mix."""
    if _kind(a) != _kind(b):
        return False
    if type(a) is Number and type(b) is Number:
        return _numbers_equal(a, b, _scalar_opts(opts))
    return a == b  # same JSON type, so Python equality is exact here


def _decimal_key(n: Number) -> str:
    """Exact canonical text of a number's value: `1`, `1.0` and `1e0` all give `1e0`."""
    d = _decimal(n)
    if d is None:
        return n.literal
    sign, digit_tuple, exp = d.as_tuple()
    assert isinstance(exp, int)
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        return "0"  # -0 and 0 have the same value
    stripped = digits.rstrip("0")
    exp += len(digits) - len(stripped)
    return ("-" if sign else "") + stripped + "e" + str(exp)


def _key(value: JSON, ctx: _Ctx) -> str:
    """A string equal for two values iff they are equal under the options (no tolerance)."""
    if type(value) is Number:
        if ctx.opts.numbers == "literal" and ctx.opts.tolerance is None:
            return value.literal
        # `#` keeps value-mode keys apart from literal ones (a literal never starts with #).
        return "#" + _decimal_key(value)
    if type(value) is str or ctx.plain:
        return jv.canonical(value)
    kind = _kind(value)
    if kind == "object":
        assert isinstance(value, dict)
        parts = (jv.dumps(k) + ":" + _key(value[k], ctx.child(k)) for k in sorted(value))
        return "{" + ",".join(parts) + "}"
    if kind == "array":
        assert isinstance(value, list)
        return _array_key(value, ctx)
    return jv.canonical(value)


def _array_key(value: list[JSON], ctx: _Ctx) -> str:
    key = ctx.opts.key
    if key is not None and _keyable(value, key):
        ids = _ids(value, key, ctx)
        seen: Counter[str] = Counter()
        ranked: list[tuple[str, int, str]] = []
        for i, (ident, elem) in enumerate(zip(ids, value, strict=True)):
            ranked.append((ident, seen[ident], _key(elem, ctx.child(i))))
            seen[ident] += 1
        return "K[" + ",".join(k for _, _, k in sorted(ranked)) + "]"
    keys = [_key(elem, ctx.child(i)) for i, elem in enumerate(value)]
    if ctx.opts.arrays == "set":
        return "S[" + ",".join(sorted(set(keys))) + "]"
    if ctx.opts.arrays == "multiset":
        return "M[" + ",".join(sorted(keys)) + "]"
    return "[" + ",".join(keys) + "]"


def _keyable(array: list[JSON], key: str) -> bool:
    return all(type(e) is dict and key in e for e in array)


def _unkeyed_note(a: list[JSON], b: list[JSON], key: str, arrays: str) -> _Unkeyed:
    """Why a keyed array was compared without its key: the first element lacking it."""
    for side, array in enumerate((a, b)):
        for index, elem in enumerate(array):
            if not (type(elem) is dict and key in elem):
                return _Unkeyed(key, arrays, side, index, type(elem) is dict)
    raise AssertionError("every element has the key")  # the caller saw one lacking it


def _ids(array: list[JSON], key: str, ctx: _Ctx) -> list[str]:
    """The key value of each element, as option-aware keys."""
    out: list[str] = []
    for i, elem in enumerate(array):
        assert isinstance(elem, dict)
        out.append(_key(elem[key], ctx.child(i).child(key)))
    return out


NFC_NOTE = "same text after Unicode NFC normalization (composed vs decomposed)"
KEY_NFC_NOTE = "key: " + NFC_NOTE


def _string_note(values: list[str], decoded: bool = False) -> str:
    """Why texts that differ look alike (never for equal ones: a target lacking the value
    is what differs then). `decoded`: texts decoded from bytes (`output: text`, stderr),
    whose U+DC80-U+DCFF are the bytes that were not UTF-8."""
    if len(set(values)) > 1 and len({unicodedata.normalize("NFC", v) for v in values}) == 1:
        return NFC_NOTE
    distinct = list(dict.fromkeys(values))
    if len(distinct) != 2:
        return ""
    return _letters_note(distinct[0], distinct[1], decoded)


def _letters_note(a: str, b: str, decoded: bool = False) -> str:
    """Names the characters when two texts of one length differ in one or two places and
    one of them is not ASCII: `а` (Cyrillic) and `a` (Latin), `ﬁ` and `fi`, `µ` and `μ` look
    alike in a report; their names do not."""
    if len(a) != len(b):
        return ""
    places = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if not 0 < len(places) <= 2 or all(a[i].isascii() and b[i].isascii() for i in places):
        return ""
    first = places[0]
    more = " (and one more)" if len(places) > 1 else ""
    named = f"{_named(a[first], decoded)} vs {_named(b[first], decoded)}"
    return f"character {first + 1} differs: {named}{more}"


_UNNAMED = {
    "Cc": "a control character",
    "Co": "a private-use character",
    "Cs": "a lone surrogate",
    "Cn": "an unassigned code point",
}


def _named(char: str, decoded: bool = False) -> str:
    if decoded and "\udc80" <= char <= "\udcff":
        # A byte that was not UTF-8, kept by `surrogateescape` (shown as \xNN): no character.
        return f"byte 0x{ord(char) - 0xDC00:02X}"
    name = unicodedata.name(char, "")
    if name:
        return f"U+{ord(char):04X} {name}"
    # A newline, a tab, U+E000 have no Unicode name: their category says what they are.
    return f"U+{ord(char):04X}, {_UNNAMED.get(unicodedata.category(char), 'unnamed')}"


@dataclass(frozen=True, slots=True)
class _Unkeyed:
    """A keyed array compared without its key: element `index` of side 0 (the reference) or
    1 (the other target) lacks it (`is_object`: it is an object without the key)."""

    key: str
    arrays: str
    side: int
    index: int
    is_object: bool

    def text(self, ref: str, other: str) -> str:
        shown = self.key if jv.is_identifier(self.key) else jv.dumps(self.key)
        what = f"has no `{shown}`" if self.is_object else "is not an object"
        how = "by position" if self.arrays == "ordered" else f"as a {self.arrays}"
        owner = (ref, other)[self.side]
        return (
            f"`key: {shown}` not used here: element [{self.index}] of {owner} {what}, so the "
            f"array is compared {how}"
        )


# ---------------------------------------------------------------------------------------------
# The walk


class _Absent:
    """The path does not exist on that side."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


@dataclass(frozen=True, slots=True)
class _Select:
    """A keyed-array step: the `occurrence`-th element whose `key` has this value."""

    key: str
    value: JSON = field(compare=False)  # for display; `ident` identifies it
    ident: str = ""  # option-aware key of `value`
    occurrence: int = 0


class _Elem:
    """An unordered-array step: `[]`."""

    __slots__ = ()


_ELEM: Final = _Elem()
Step = str | int | _Select | _Elem


@dataclass(slots=True)
class _Rec:
    """One difference between the reference (`left`) and another target (`right`)."""

    steps: tuple[Step, ...]
    left: JSON | _Absent
    right: JSON | _Absent
    elem: str | None = None  # unordered arrays: which element (and which surplus occurrence)


class _Unequal(Exception):
    """Raised at the first difference when only equality is asked."""


class _Walker:
    """Walks two values side by side, collecting records (or stopping at the first)."""

    def __init__(self, limit: int | None = None, first_only: bool = False) -> None:
        self.limit = limit
        self.first_only = first_only
        self.records: list[_Rec] = []
        self.extra = 0  # records past `limit`, counted only
        self.path: list[Step] = []
        # Arrays with a `key:` that some element lacks, compared by position instead: where,
        # and why (a note on the differences below them).
        self.unkeyed: dict[tuple[Step, ...], _Unkeyed] = {}

    def record(self, left: JSON | _Absent, right: JSON | _Absent, elem: str | None = None) -> None:
        if self.first_only:
            raise _Unequal
        if self.limit is not None and len(self.records) >= self.limit:
            self.extra += 1
            return
        self.records.append(_Rec(tuple(self.path), left, right, elem))

    def at(self, step: Step, left: JSON | _Absent, right: JSON | _Absent) -> None:
        """Record a difference one step below the current path."""
        self.path.append(step)
        self.record(left, right)
        self.path.pop()

    def walk(self, a: JSON, b: JSON, ctx: _Ctx) -> None:
        if a is not b and a != b:
            self._differ(a, b, ctx)

    def _differ(self, a: JSON, b: JSON, ctx: _Ctx) -> None:
        """Walk two values already known not to be exactly equal."""
        kind = _kind(a)
        if kind != _kind(b):
            self.record(a, b)  # type differs: never descend
        elif kind == "object":
            assert isinstance(a, dict) and isinstance(b, dict)
            self._object(a, b, ctx)
        elif kind == "array":
            assert isinstance(a, list) and isinstance(b, list)
            self._array(a, b, ctx)
        elif kind == "number":
            assert isinstance(a, Number) and isinstance(b, Number)
            if not _numbers_equal(a, b, ctx.opts):
                self.record(a, b)
        else:
            self.record(a, b)  # strings (by code point) or booleans

    def descend(self, step: Step, a: JSON, b: JSON, ctx: _Ctx) -> None:
        """Walk one step down; callers have checked that `a` and `b` differ exactly."""
        self.path.append(step)
        self._differ(a, b, ctx)
        self.path.pop()

    def _object(self, a: dict[str, JSON], b: dict[str, JSON], ctx: _Ctx) -> None:
        for k, va in a.items():
            if k not in b:
                self.at(k, va, ABSENT)
                continue
            vb = b[k]
            if va is not vb and va != vb:
                self.descend(k, va, vb, ctx.child(k))
        for k, vb in b.items():
            if k not in a:
                self.at(k, ABSENT, vb)

    def _array(self, a: list[JSON], b: list[JSON], ctx: _Ctx) -> None:
        key = ctx.opts.key
        if key is not None and _keyable(a, key) and _keyable(b, key):
            self._keyed(a, b, key, ctx)
            return
        if key is not None:
            self.unkeyed.setdefault(tuple(self.path), _unkeyed_note(a, b, key, ctx.opts.arrays))
        if ctx.opts.arrays == "ordered":
            self._ordered(a, b, ctx)
        elif ctx.tolerant:
            self._unordered_tolerant(a, b, ctx)
        else:
            self._unordered(a, b, ctx)

    def _ordered(self, a: list[JSON], b: list[JSON], ctx: _Ctx) -> None:
        for i, (va, vb) in enumerate(zip(a, b, strict=False)):
            if va is not vb and va != vb:
                self.descend(i, va, vb, ctx.child(i))
        for i in range(len(b), len(a)):
            self.at(i, a[i], ABSENT)
        for i in range(len(a), len(b)):
            self.at(i, ABSENT, b[i])

    def _keyed(self, a: list[JSON], b: list[JSON], key: str, ctx: _Ctx) -> None:
        ids_a, ids_b = _ids(a, key, ctx), _ids(b, key, ctx)
        where_b: dict[str, list[int]] = {}
        for j, ident in enumerate(ids_b):
            where_b.setdefault(ident, []).append(j)
        seen: dict[str, int] = {}
        for i, (ident, va) in enumerate(zip(ids_a, a, strict=True)):
            occurrence = seen.get(ident, 0)
            seen[ident] = occurrence + 1
            assert isinstance(va, dict)
            matches = where_b.get(ident, ())
            if occurrence >= len(matches):
                self.at(_Select(key, va[key], ident, occurrence), va, ABSENT)
                continue
            vb = b[matches[occurrence]]
            if va is not vb and va != vb:
                self.descend(_Select(key, va[key], ident, occurrence), va, vb, ctx.child(i))
        for ident, places in where_b.items():
            for occurrence in range(seen.get(ident, 0), len(places)):
                vb = b[places[occurrence]]
                assert isinstance(vb, dict)
                self.at(_Select(key, vb[key], ident, occurrence), ABSENT, vb)

    def _unordered(self, a: list[JSON], b: list[JSON], ctx: _Ctx) -> None:
        # Equal elements at the same index are in both arrays as they are: only the rest needs
        # a hashable form, the costly part on big arrays.
        same = [i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x is y or x == y]
        paired = set(same)
        groups_a = _group([(i, x) for i, x in enumerate(a) if i not in paired], ctx)
        groups_b = _group([(j, y) for j, y in enumerate(b) if j not in paired], ctx)
        if ctx.opts.arrays == "multiset":
            only_a = {k: v[len(groups_b.get(k, ())) :] for k, v in groups_a.items()}
            only_b = {k: v[len(groups_a.get(k, ())) :] for k, v in groups_b.items()}
        else:
            only_a = {k: v[:1] for k, v in groups_a.items() if k not in groups_b}
            only_b = {k: v[:1] for k, v in groups_b.items() if k not in groups_a}
            if only_a or only_b:
                # A set holds an element paired off above too: look among those that may match.
                both = _paired_keys(a, same, only_a | only_b, ctx)
                only_a = {k: v for k, v in only_a.items() if k not in both}
                only_b = {k: v for k, v in only_b.items() if k not in both}
        self._only(only_a, left=True)
        self._only(only_b, left=False)

    def _only(self, groups: dict[str, list[tuple[int, JSON]]], left: bool) -> None:
        """Record elements present on one side only."""
        self.path.append(_ELEM)
        for ident, elems in groups.items():
            for n, (_, elem) in enumerate(elems):
                tag = f"{ident}#{n}"
                if left:
                    self.record(elem, ABSENT, tag)
                else:
                    self.record(ABSENT, elem, tag)
        self.path.pop()

    def _unordered_tolerant(self, a: list[JSON], b: list[JSON], ctx: _Ctx) -> None:
        # A tolerance is not transitive, so there is no hashable form: a set keeps the elements
        # with no counterpart at all, a multiset pairs them by a maximum matching.
        if ctx.opts.arrays == "multiset":
            only_a, only_b = _match_multiset(a, b, ctx)
        else:
            only_a, only_b = _unpaired_set(a, b, ctx)
        self.path.append(_ELEM)
        for i in only_a:
            self.record(a[i], ABSENT, f"{jv.canonical(a[i])}#{i}")
        for j in only_b:
            self.record(ABSENT, b[j], f"{jv.canonical(b[j])}#{j}")
        self.path.pop()


def _group(items: list[tuple[int, JSON]], ctx: _Ctx) -> dict[str, list[tuple[int, JSON]]]:
    """Elements by option-aware key, in order of occurrence."""
    groups: dict[str, list[tuple[int, JSON]]] = {}
    for i, elem in items:
        groups.setdefault(_key(elem, ctx.child(i)), []).append((i, elem))
    return groups


def _paired_keys(
    array: list[JSON], indices: list[int], wanted: dict[str, list[tuple[int, JSON]]], ctx: _Ctx
) -> set[str]:
    """The keys in `wanted` that some element of `array` at `indices` has."""
    prints = {_fingerprint(e, ctx.child(i)) for group in wanted.values() for i, e in group}
    found: set[str] = set()
    for i in indices:
        child = ctx.child(i)
        if _fingerprint(array[i], child) in prints:
            ident = _key(array[i], child)
            if ident in wanted:
                found.add(ident)
    return found


def _fingerprint(value: JSON, ctx: _Ctx) -> object:
    """Cheap and option-proof: values equal under the options have equal fingerprints."""
    if type(value) is dict:
        return tuple(sorted((k, _shallow(v, ctx.child(k))) for k, v in value.items()))
    return _shallow(value, ctx)


def _shallow(value: JSON, ctx: _Ctx) -> object:
    if type(value) is dict:
        return ("{}", len(value))  # keys compare exactly, so their count is option-proof
    if type(value) is list:
        return "[]"  # set arrays may differ in length
    if type(value) is Number or type(value) is str:
        return _key(value, ctx)
    return value  # None, True, False


def _unpaired_set(a: list[JSON], b: list[JSON], ctx: _Ctx) -> tuple[list[int], list[int]]:
    """Indices of a without any equal element in b, and of b without one in a."""
    only_a = [i for i, x in enumerate(a) if not any(_equal(x, y, ctx.child(i)) for y in b)]
    only_b = [j for j, y in enumerate(b) if not any(_equal(x, y, ctx.child(j)) for x in a)]
    return only_a, only_b


def _match_multiset(a: list[JSON], b: list[JSON], ctx: _Ctx) -> tuple[list[int], list[int]]:
    """Indices of a and of b left over by a maximum matching of the two multisets under the
    options (a maximum bipartite matching: as many pairs of equal elements as there can be,
    so the verdict never depends on element order; pairing each element with the first
    counterpart in reach could strand one: [1.0, 1.1] vs [1.05, 0.95] within 0.1).

    Cost: elements equal under any options share a shape (`_shape`), so pairs are only
    weighed within a shape's bucket; a bucket of numbers under a tolerance is matched by
    sorting (O(n log n), `_match_numbers`); other buckets (containers alike but for numbers)
    start from their exactly equal pairs and weigh each pair of elements at most once, each
    weighing stopping at the first difference (at most n*m per bucket, for n*m look-alike
    containers, and only when a tolerance applies in them)."""
    # One context for every element (no pattern names an index): numbers no tolerance reaches
    # can join the shape too (an `id` beside a tolerant `price` makes buckets of one).
    first = ctx.child(0)
    uniform = all(ctx.child(i) is first for i in range(max(len(a), len(b))))
    elem_ctx = first if uniform else None
    buckets: dict[object, tuple[list[int], list[int]]] = {}
    for i, x in enumerate(a):
        buckets.setdefault(_shape(x, elem_ctx), ([], []))[0].append(i)
    for j, y in enumerate(b):
        buckets.setdefault(_shape(y, elem_ctx), ([], []))[1].append(j)
    only_a: list[int] = []
    only_b: list[int] = []
    for left, right in buckets.values():
        if not left or not right:
            only_a += left
            only_b += right
            continue
        numbers = _match_numbers(a, b, left, right, ctx)
        owner = numbers if numbers is not None else _match_bucket(a, b, left, right, ctx)
        matched = set(owner.values())
        only_a += [i for i in left if i not in matched]
        only_b += [j for j in right if j not in owner]
    return sorted(only_a), sorted(only_b)


def _shape(value: JSON, ctx: _Ctx | None) -> object:
    """Equal for two values equal under the options (tolerances included): keys and strings
    always compare exactly; numbers only when `ctx` (the elements' context) shows that no
    tolerance reaches them, else never by shape."""
    if type(value) is dict:
        return (
            "{}",
            tuple(
                sorted((k, _leaf_shape(v, ctx.child(k) if ctx else None)) for k, v in value.items())
            ),
        )
    return _leaf_shape(value, ctx)


def _leaf_shape(value: JSON, ctx: _Ctx | None) -> object:
    if type(value) is Number:
        return _key(value, ctx) if ctx is not None and ctx.opts.tolerance is None else "n"
    if isinstance(value, dict):
        return ("{}", len(value))
    if isinstance(value, list):
        return "[]"  # set arrays may differ in length
    return (type(value).__name__, value)  # str, bool, None: exact


def _match_numbers(
    a: list[JSON], b: list[JSON], left: list[int], right: list[int], ctx: _Ctx
) -> dict[int, int] | None:
    """A maximum matching of numbers under one tolerance, by sorting: each number's partners
    form an interval around it whose ends grow with it (|a-b| <= abs, or <= rel*max(|a|,|b|)
    with rel < 1), so pairing each number, smallest first, with the smallest free partner
    still in reach is maximum (as for points and intervals). None: not that case."""
    child = ctx.child(left[0])
    tolerance = child.opts.tolerance
    if tolerance is None or (tolerance[1] is not None and tolerance[1] >= 1):
        return None
    if any(ctx.child(i) is not child for i in left + right):
        return None  # a pattern names an index: options differ between elements
    values: dict[tuple[int, int], Decimal] = {}
    for side, indices, array in ((0, left, a), (1, right, b)):
        for i in indices:
            n = array[i]
            d = _decimal(n) if type(n) is Number else None
            if d is None:
                return None
            values[side, i] = d
    # Sorted by value, then literal: which elements are left over depends on values only.
    xs = sorted(left, key=lambda i: (values[0, i], cast(Number, a[i]).literal))
    ys = sorted(right, key=lambda j: (values[1, j], cast(Number, b[j]).literal))
    owner: dict[int, int] = {}
    k = 0
    for i in xs:
        x = values[0, i]
        while k < len(ys) and values[1, ys[k]] < x and not _close(x, values[1, ys[k]], tolerance):
            k += 1  # below this number's reach, so below every later one's
        if k < len(ys) and _close(x, values[1, ys[k]], tolerance):
            owner[ys[k]] = i
            k += 1
    return owner


def _close(x: Decimal, y: Decimal, tolerance: tuple[Decimal | None, Decimal | None]) -> bool:
    return x == y or _within(x, y, tolerance)


def _match_bucket(
    a: list[JSON], b: list[JSON], left: list[int], right: list[int], ctx: _Ctx
) -> dict[int, int]:
    """A maximum matching (right -> left) by augmenting paths (Kuhn), from the exactly
    equal pairs: an augmenting path may still re-pair them, which a tolerance can need
    ([0, 0.1] vs [0.1, 0.2] within 0.1 pairs 0~0.1 and 0.1~0.2)."""
    weighed: dict[tuple[int, int], bool] = {}

    def related(i: int, j: int) -> bool:
        found = weighed.get((i, j))
        if found is None:
            found = weighed[i, j] = _equal(a[i], b[j], ctx.child(i))
        return found

    exact: dict[str, list[int]] = {}
    for j in reversed(right):
        exact.setdefault(jv.canonical(b[j]), []).append(j)
    owner: dict[int, int] = {}
    free: list[int] = []
    for i in left:
        same = exact.get(jv.canonical(a[i]))
        if same:
            owner[same.pop()] = i
        else:
            free.append(i)
    for i in free:
        _augment(i, right, related, owner)
    return owner


def _augment(
    root: int, right: list[int], related: Callable[[int, int], bool], owner: dict[int, int]
) -> bool:
    """Extend the matching `owner` (right -> left) by a path from the free `root`, if any.
    Iterative: a path can be as long as the bucket, deeper than Python's recursion."""
    seen: set[int] = set()
    path: list[tuple[int, Iterator[int]]] = [(root, iter(right))]
    taken: list[int] = []  # the right element each level of the path goes to
    while path:
        i, candidates = path[-1]
        for j in candidates:
            if j in seen or not related(i, j):
                continue
            seen.add(j)
            taken.append(j)
            if j not in owner:
                for (left, _), partner in zip(path, taken, strict=True):
                    owner[partner] = left
                return True
            path.append((owner[j], iter(right)))
            break
        else:
            path.pop()
            if taken:
                taken.pop()
    return False


def _equal(a: JSON, b: JSON, ctx: _Ctx) -> bool:
    if a is b or a == b:
        return True
    try:
        _Walker(first_only=True).walk(a, b, ctx)
    except _Unequal:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Paths


def _format_steps(steps: tuple[Step, ...]) -> str:
    text = "".join(_format_step(s) for s in steps)
    return text if text.startswith(".") else "." + text  # `.`, `.[0]`, `.[]` as jq writes them


def _format_step(step: Step) -> str:
    if isinstance(step, _Elem):
        return "[]"
    if isinstance(step, _Select):
        name = step.key if jv.is_identifier(step.key) else jv.dumps(step.key)
        more = f" #{step.occurrence + 1}" if step.occurrence else ""
        return f"[?{name}=={jv.canonical(step.value)}{more}]"
    return jv.format_step(step)


# Per keyed array (by id, alive for one diff): (key value, occurrence) -> index.
_Places = dict[int, dict[tuple[str, int], int]]


def _resolve(value: JSON, steps: tuple[Step, ...], ctx: _Ctx, cache: _Places) -> JSON | _Absent:
    """The value at `steps` inside `value`, or ABSENT."""
    current: JSON = value
    for step in steps:
        if isinstance(step, str):
            if type(current) is not dict or step not in current:
                return ABSENT
            current, ctx = current[step], ctx.child(step)
        elif isinstance(step, int):
            if type(current) is not list or step >= len(current):
                return ABSENT
            current, ctx = current[step], ctx.child(step)
        elif isinstance(step, _Select):
            if type(current) is not list:
                return ABSENT
            index = _places(current, step.key, ctx, cache).get((step.ident, step.occurrence))
            if index is None:
                return ABSENT
            current, ctx = current[index], ctx.child(index)
        else:
            return ABSENT  # `[]` has no single value
    return current


def _places(array: list[JSON], key: str, ctx: _Ctx, cache: _Places) -> dict[tuple[str, int], int]:
    """Where each (key value, occurrence) sits in a keyed array; computed once per array."""
    found = cache.get(id(array))
    if found is None:
        found = {}
        seen: dict[str, int] = {}
        for i, ident in enumerate(_ids(array, key, ctx) if _keyable(array, key) else ()):
            found[(ident, seen.get(ident, 0))] = i
            seen[ident] = seen.get(ident, 0) + 1
        cache[id(array)] = found
    return found


# ---------------------------------------------------------------------------------------------
# Merging pairwise records into differences


@dataclass
class _Merged:
    steps: tuple[Step, ...]
    elem: str | None
    values: dict[str, JSON] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)


def _reference(names: list[str], baseline: str | None) -> str:
    # A baseline that produced nothing (skipped, failed) cannot anchor: the first target does.
    return baseline if baseline is not None and baseline in names else names[0]


def _place(m: _Merged, target: str, value: JSON | _Absent) -> None:
    if isinstance(value, _Absent):
        m.missing.add(target)
    else:
        m.values[target] = value


def _merge(ref: str, pairs: list[tuple[str, list[_Rec]]]) -> list[_Merged]:
    """Records of every pair, merged by path (and element, for unordered arrays)."""
    merged: dict[tuple[tuple[Step, ...], str | None], _Merged] = {}
    for other, records in pairs:
        for r in records:
            m = merged.get((r.steps, r.elem))
            if m is None:
                m = merged[(r.steps, r.elem)] = _Merged(r.steps, r.elem)
            _place(m, ref, r.left)
            _place(m, other, r.right)
    return list(merged.values())


def _complete(m: _Merged, ref: str, values: dict[str, JSON], ctx: _Ctx, cache: _Places) -> None:
    """Add the targets no pair reported at m's path: they agree with the reference there."""
    for target in values:
        if target not in m.values and target not in m.missing:
            _place(m, target, _agreeing_value(m, ref, values[target], ctx, cache))


def _agreeing_value(m: _Merged, ref: str, value: JSON, ctx: _Ctx, cache: _Places) -> JSON | _Absent:
    """What a target no pair reported shows at m's path."""
    if m.elem is None:
        return _resolve(value, m.steps, ctx, cache)
    # Its array was compared with the reference's and agreed on this element.
    container = _resolve(value, m.steps[:-1], ctx, cache)
    if type(container) is not list or ref not in m.values:
        return ABSENT
    return m.values[ref]


def _note(m: _Merged, order: list[str]) -> str:
    shown = [m.values[t] for t in order if t in m.values]
    if m.elem is not None:
        return "only in " + ", ".join(t for t in order if t in m.values)
    kinds = list(dict.fromkeys(_kind(v) for v in shown))
    if len(kinds) > 1:
        return "type differs: " + " vs ".join(kinds)
    if len(shown) < 2:
        return ""
    if kinds == ["number"]:
        numbers = [v for v in shown if isinstance(v, Number)]
        literals = {n.literal for n in numbers}  # one: a target lacking it is what differs
        decimals = {_decimal_key(n) for n in numbers}
        return "same value, different literal" if len(decimals) == 1 < len(literals) else ""
    if kinds == ["string"]:
        return _string_note([v for v in shown if isinstance(v, str)])
    return ""


def _missing_key(m: _Merged) -> str | None:
    """The object key m is at, when some targets lack it."""
    key = m.steps[-1] if m.steps else None
    return key if isinstance(key, str) and m.elem is None and m.missing else None


def _keys_alike(merged: list[_Merged]) -> list[int]:
    """Which of these differences are a key some targets lack, beside a key of the same
    object that is the same text after NFC (`é` in one target, `e\u0301` in another): two
    rows whose paths look alike, each with a target missing. Keys, like values, differ by
    code point; the note says why."""
    spellings: defaultdict[tuple[tuple[Step, ...], str], set[str]] = defaultdict(set)
    for m in merged:
        if (key := _missing_key(m)) is not None:
            spellings[m.steps[:-1], unicodedata.normalize("NFC", key)].add(key)
    return [
        index
        for index, m in enumerate(merged)
        if (key := _missing_key(m)) is not None
        and len(spellings[m.steps[:-1], unicodedata.normalize("NFC", key)]) > 1
    ]


def _to_difference(m: _Merged, order: list[str], facet: str) -> Difference:
    return Difference(
        facet=facet,
        path=_format_steps(m.steps),
        values={t: m.values[t] for t in order if t in m.values},
        missing=tuple(t for t in order if t in m.missing),
        note=_note(m, order),
    )


def _under_unkeyed(steps: tuple[Step, ...], unkeyed: dict[tuple[Step, ...], str]) -> str:
    """The note of the innermost keyed array compared without its key that holds `steps`."""
    for depth in range(len(steps) - 1, -1, -1):
        why = unkeyed.get(steps[:depth])
        if why:
            return why
    return ""


def _overflow(facet: str, hidden: int) -> Difference:
    return Difference(
        facet=facet,
        path=ELLIPSIS_PATH,
        values={},
        note=f"{hidden} more difference{'s' if hidden != 1 else ''} not shown "
        f"(at most {MAX_DIFFERENCES} per facet)",
    )


def _capped(diffs: list[Difference], hidden: int, facet: str) -> list[Difference]:
    if len(diffs) > MAX_DIFFERENCES:
        hidden += len(diffs) - MAX_DIFFERENCES
        diffs = diffs[:MAX_DIFFERENCES]
    if hidden:
        diffs.append(_overflow(facet, hidden))
    return diffs


# ---------------------------------------------------------------------------------------------
# Public API: JSON facets


def diff_json(
    values: dict[str, JSON],
    settings: CompareSettings,
    facet: str,
    baseline: str | None = None,
) -> list[Difference]:
    """The differences among the targets' values of one facet (empty: they all agree).

    Every other target is compared with the reference (`baseline`, else `settings.baseline`,
    else the first target) and the differences are merged by path, with each target's value.
    Under a tolerance without a baseline (3+ targets), the reference is the first target that
    does not agree with every other one: a tolerance is not transitive (1.0 ~ 1.08 ~ 1.16
    within 0.1), so a middle value must not hide that the ends differ. The result is empty
    exactly when every pair of targets agrees, whatever the order they are listed in.
    """
    names = list(values)
    if len(names) < 2:
        return []
    _ensure_recursion_room()
    ctx = _root(settings)
    anchor = baseline if baseline is not None else settings.baseline
    if anchor not in names and len(names) > 2 and ctx.tolerant:
        ref = _first_dissenter(values, ctx)
    else:
        ref = _reference(names, anchor)
    others = [t for t in names if t != ref]
    # Two targets: records map one to one onto differences, so only the shown ones are kept.
    limit = MAX_DIFFERENCES if len(others) == 1 else None
    pairs: list[tuple[str, list[_Rec]]] = []
    hidden = 0
    unkeyed: dict[tuple[Step, ...], str] = {}
    for other in others:
        walker = _Walker(limit=limit)
        walker.walk(values[ref], values[other], ctx)
        pairs.append((other, walker.records))
        hidden += walker.extra
        for where, why in walker.unkeyed.items():
            unkeyed.setdefault(where, why.text(ref, other))
    merged = _merge(ref, pairs)
    shown, hidden = merged[:MAX_DIFFERENCES], hidden + max(0, len(merged) - MAX_DIFFERENCES)
    cache: _Places = {}
    for m in shown:
        _complete(m, ref, values, ctx, cache)
    diffs = [_to_difference(m, names, facet) for m in shown]
    for index in _keys_alike(shown):
        diffs[index] = replace(diffs[index], note=KEY_NFC_NOTE)
    if unkeyed:
        for index, m in enumerate(shown):
            fallback = _under_unkeyed(m.steps, unkeyed)
            if fallback:
                note = diffs[index].note
                diffs[index] = replace(
                    diffs[index], note=f"{note}; {fallback}" if note else fallback
                )
    if hidden:
        diffs.append(_overflow(facet, hidden))
    return diffs


def equal(
    a: JSON, b: JSON, settings: CompareSettings, facet: str = "", *, text: bool = False
) -> bool:
    """Equal under the settings (`text`: compare as `output: text`, line by line).

    `facet` is accepted for symmetry with diff_json; options apply to every facet alike.
    """
    if text:
        if not isinstance(a, str) or not isinstance(b, str):
            raise TypeError("text comparison needs two strings")
        return text_equal(a, b, settings)
    _ensure_recursion_room()
    return _equal(a, b, _root(settings))


def agreement_classes(
    values: dict[str, JSON],
    settings: CompareSettings,
    facet: str = "",
    *,
    text: bool = False,
    baseline: str | None = None,
) -> list[list[str]]:
    """Groups of targets whose values are equal under the settings, in first-seen order.

    Without a tolerance equality is transitive: each target is compared with the first member
    of each class. Under CPython this beats hashing a canonical form: `==` on two 18 MB
    documents takes ~0.04 s, jsonvalue.canonical ~0.8 s each.

    Under a tolerance (3+ targets) equality is not transitive, so a group is the targets that
    agree with each other and with exactly the same other targets (the same neighbours): the
    groups never depend on the order of the targets, every two members of a group agree, and
    there is one group only when every pair agrees (when the case MATCHes). With 1.0, 1.08
    and 1.16 within 0.1 that is three groups. With a `baseline` that answered, the case
    MATCHes when every target agrees with it, so its group is it and every target agreeing
    with it; the others are grouped by their neighbours among themselves.
    """
    names = list(values)
    ctx = _root(settings)
    if text or len(names) < 3 or not ctx.tolerant:
        return _classes_by_first_member(values, settings, facet, text)
    _ensure_recursion_room()
    near = _neighbours(values, ctx)
    if baseline in near:
        with_baseline = [name for name in names if name in near[baseline]]
        rest = [name for name in names if name not in near[baseline]]
        groups = [with_baseline, *_same_neighbours(rest, near)]
    else:
        groups = _same_neighbours(names, near)
    return sorted(groups, key=lambda group: names.index(group[0]))


def agreeing_pairs(
    values: dict[str, JSON], settings: CompareSettings
) -> set[frozenset[str]] | None:
    """Under a tolerance with 3+ targets, the pairs of targets whose values agree (agreeing
    is not transitive there, so groups do not say it); None where groups say it already."""
    ctx = _root(settings)
    if len(values) < 3 or not ctx.tolerant:
        return None
    _ensure_recursion_room()
    near = _neighbours(values, ctx)
    return {frozenset((a, b)) for a, others in near.items() for b in others if a != b}


def _classes_by_first_member(
    values: dict[str, JSON], settings: CompareSettings, facet: str, text: bool
) -> list[list[str]]:
    classes: list[list[str]] = []
    for name, value in values.items():
        for group in classes:
            if equal(values[group[0]], value, settings, facet, text=text):
                group.append(name)
                break
        else:
            classes.append([name])
    return classes


def _neighbours(values: dict[str, JSON], ctx: _Ctx) -> dict[str, frozenset[str]]:
    """Per target, the targets (itself included) whose values equal its own: every pair is
    compared once, so the relation does not depend on who is listed first."""
    names = list(values)
    near: dict[str, set[str]] = {name: {name} for name in names}
    for i, x in enumerate(names):
        for y in names[i + 1 :]:
            if _equal(values[x], values[y], ctx):
                near[x].add(y)
                near[y].add(x)
    return {name: frozenset(found) for name, found in near.items()}


def _same_neighbours(names: list[str], near: dict[str, frozenset[str]]) -> list[list[str]]:
    """`names` grouped by their neighbours among `names`."""
    among = frozenset(names)
    groups: dict[frozenset[str], list[str]] = {}
    for name in names:
        groups.setdefault(near[name] & among, []).append(name)
    return list(groups.values())


def _first_dissenter(values: dict[str, JSON], ctx: _Ctx) -> str:
    """The first target that does not agree with every other one (else the first target)."""
    names = list(values)
    near = _neighbours(values, ctx)
    return next((name for name in names if len(near[name]) < len(names)), names[0])


# ---------------------------------------------------------------------------------------------
# Public API: text facets


def split_lines(text: str) -> list[str]:
    """Lines with their endings; only `\\n` ends a line (`\\r\\n` keeps its `\\r`)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _split_ending(line: str) -> tuple[str, str]:
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith("\n"):
        return line[:-1], "\n"
    return line, ""


def comparable_line(line: str, settings: CompareSettings) -> str:
    """The line as compared. `line_endings: ignore` makes `\r\n` and `\n` alike and nothing
    else: a last line without a newline still differs from one with it (`wc -l` counts
    them differently), and a `\r` not followed by `\n` is text, as a line diff sees it."""
    content, ending = _split_ending(line)
    if settings.text_trailing_whitespace == "ignore":
        content = content.rstrip(" \t")
    if settings.text_line_endings == "ignore" and ending:
        ending = "\n"
    return content + ending


def _comparable_lines(text: str, settings: CompareSettings) -> list[str]:
    return [comparable_line(line, settings) for line in split_lines(text)]


def text_equal(a: str, b: str, settings: CompareSettings) -> bool:
    """Equal as `output: text` under the settings' text options."""
    return a == b or _comparable_lines(a, settings) == _comparable_lines(b, settings)


ALIGN_LIMIT: Final = 1_000_000  # line pairs difflib may weigh; beyond, lines pair by position


@dataclass
class Alignment:
    """How one target's lines line up with the reference's."""

    pairs: list[int | None]  # reference line -> this target's line (None: not there)
    inserts: dict[int, list[int]]  # before reference line i -> this target's extra lines


_Opcode = tuple[str, int, int, int, int]


def _opcodes(a: list[str], b: list[str]) -> list[_Opcode]:
    """difflib's opcodes, with the longer text as difflib's `b`: its "popular line" heuristic
    (autojunk) only looks at `b`, and without it a log of one repeated line took seconds."""
    if len(b) >= len(a):
        return list(difflib.SequenceMatcher(None, a, b).get_opcodes())
    swapped = {"insert": "delete", "delete": "insert"}
    return [
        (swapped.get(tag, tag), i1, i2, j1, j2)
        for tag, j1, j2, i1, i2 in difflib.SequenceMatcher(None, b, a).get_opcodes()
    ]


def align_lines(ref: list[str], other: list[str]) -> Alignment:
    """Pair lines as a line diff does, so one inserted line does not shift every later one.
    The common head and tail are paired first (cheap); difflib aligns the rest when that is
    at most ALIGN_LIMIT line pairs, else the rest pairs by position."""
    head = 0
    while head < min(len(ref), len(other)) and ref[head] == other[head]:
        head += 1
    tail = 0
    while tail < min(len(ref), len(other)) - head and ref[-1 - tail] == other[-1 - tail]:
        tail += 1
    alignment = Alignment(pairs=list(range(head)) + [None] * (len(ref) - head), inserts={})
    a, b = ref[head : len(ref) - tail], other[head : len(other) - tail]
    opcodes = (
        _opcodes(a, b) if len(a) * len(b) <= ALIGN_LIMIT else [("replace", 0, len(a), 0, len(b))]
    )
    for _tag, i1, i2, j1, j2 in opcodes:
        common = min(i2 - i1, j2 - j1)  # equal runs, and a replace's lines pair in order
        for k in range(common):
            alignment.pairs[head + i1 + k] = head + j1 + k
        if j2 - j1 > common:
            alignment.inserts[head + i2] = list(range(head + j1 + common, head + j2))
    for k in range(tail):
        alignment.pairs[len(ref) - tail + k] = len(other) - tail + k
    return alignment


def _line_note(lines: list[str]) -> str:
    """Why lines (as compared) differ, when they look alike."""
    if len(set(lines)) < 2:
        return ""  # one line (or equal ones, where another target lacks it): nothing to explain
    split = [_split_ending(line) for line in lines]
    contents = {content for content, _ in split}
    if len(contents) == 1:
        if any(not ending for _, ending in split):
            return "no newline at the end of the text in some targets"
        return "line ending differs"
    if len({c.rstrip("\r") for c in contents}) == 1:
        return "carriage return (\\r) not followed by \\n differs: only \\n ends a line"
    if len({c.rstrip(" \t") for c in contents}) == 1:
        return "trailing whitespace differs"
    return _string_note(lines, decoded=True)


def diff_text(
    values: dict[str, str],
    settings: CompareSettings,
    facet: str,
    baseline: str | None = None,
) -> list[Difference]:
    """Line differences for `output: text` facets, aligned as a line diff is.

    A changed or missing line is `line N` (N in the reference target, with the other targets'
    line numbers in the note when they differ); lines only some targets have are one
    difference `after line N`. At most MAX_TEXT_LINES lines are shown per pair of targets,
    then one summary of how many more differ.
    """
    names = list(values)
    if len(names) < 2:
        return []
    ref = _reference(names, baseline if baseline is not None else settings.baseline)
    text = _Lines(
        raw={t: split_lines(v) for t, v in values.items()},
        cmp={t: _comparable_lines(v, settings) for t, v in values.items()},
    )
    places: dict[str, list[tuple[int, int, int]]] = {}  # (line, 0: inserted before | 1: it, size)
    shown: set[tuple[int, int]] = set()
    for other in (t for t in names if t != ref):
        alignment = text.aligned[other] = align_lines(text.cmp[ref], text.cmp[other])
        places[other] = sorted(
            [(i, 0, len(lines)) for i, lines in alignment.inserts.items()]
            + [
                (i, 1, 1)
                for i, j in enumerate(alignment.pairs)
                if j is None or text.cmp[ref][i] != text.cmp[other][j]
            ]
        )
        budget = MAX_TEXT_LINES
        for i, kind, size in places[other]:
            if budget <= 0:
                break
            shown.add((i, kind))
            if not kind:
                text.limits[other][i] = min(size, budget)
            budget -= size
    diffs = [
        text.line_difference(i, ref, facet) if kind else text.inserted_lines(i, facet)
        for i, kind in sorted(shown)
    ]
    summaries = []
    for other, found in places.items():
        hidden = sum(
            size - text.shown_lines(other, i, kind, size) if (i, kind) in shown else size
            for i, kind, size in found
        )
        if hidden:
            lines = f"{hidden} more differing line{'s' if hidden != 1 else ''}"
            note = f"{lines} between {ref} and {other}"
            summaries.append(Difference(facet, ELLIPSIS_PATH, {}, note=note))
    return _capped(diffs + summaries, 0, facet)


@dataclass
class _Lines:
    """Every target's lines (as written, and as compared) and how they align with the
    reference's; `limits`: how many lines of a target's block inserted before line i show."""

    raw: dict[str, list[str]]
    cmp: dict[str, list[str]]
    aligned: dict[str, Alignment] = field(default_factory=dict)
    limits: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))

    def shown_lines(self, name: str, i: int, kind: int, size: int) -> int:
        return size if kind else min(size, self.limits[name].get(i, MAX_TEXT_LINES))

    def line_difference(self, i: int, ref: str, facet: str) -> Difference:
        written, compared = {ref: self.raw[ref][i]}, [self.cmp[ref][i]]
        elsewhere: list[str] = []
        for name, alignment in self.aligned.items():
            j = alignment.pairs[i]
            if j is not None:
                written[name] = self.raw[name][j]
                compared.append(self.cmp[name][j])
                if j != i:
                    elsewhere.append(f"{name}: line {j + 1}")
        # The note describes lines as compared: with trailing whitespace ignored, "x  \r\n"
        # against "x\n" differs by its line ending.
        note = "; ".join(filter(None, [_line_note(compared), ", ".join(elsewhere)]))
        return Difference(
            facet=facet,
            path=f"line {i + 1}",
            values={name: written[name] for name in self.raw if name in written},
            missing=tuple(name for name in self.raw if name not in written),
            note=note,
        )

    def inserted_lines(self, i: int, facet: str) -> Difference:
        """Lines some targets have before reference line i + 1 (after line i), the reference
        has not: each target's block up to its limit."""
        blocks = {
            name: alignment.inserts[i]
            for name, alignment in self.aligned.items()
            if i in alignment.inserts
        }
        values: dict[str, JSON] = {}
        counts: list[str] = []
        for name, lines in blocks.items():
            limit = self.shown_lines(name, i, 0, len(lines))
            values[name] = "".join(self.raw[name][j] for j in lines[:limit])
            count = f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
            counts.append(count if limit == len(lines) else f"{count} (first {limit} shown)")
        sizes = counts[0] if len(set(counts)) == 1 else "lines"
        return Difference(
            facet=facet,
            path=f"after line {i}",
            values={name: values[name] for name in self.raw if name in values},
            missing=tuple(name for name in self.raw if name not in values),
            note=f"{sizes} only in {', '.join(values)}",
        )
