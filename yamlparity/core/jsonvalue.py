"""Exact JSON values: numbers keep their literal text, so nothing is rounded or retyped.

Why not plain `json.loads`: it turns `1.0` into a float equal to `1`, and Python's `True == 1`.
Why not libjq: it rounds 9007199254740993 and prints `1.0` as `1`. Here a JSON number is a
`Number` holding the literal exactly as it came off the wire; equality is by type, then text.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

from yamlparity.core import depth

# Before anything parses or a lane starts: see core.depth.
depth.ensure_room()

__all__ = [
    "JSON",
    "JsonDecodeError",
    "JsonTooDeep",
    "LazyArray",
    "Number",
    "RawJson",
    "canonical",
    "dump_to",
    "dumps",
    "duplicate_key_position",
    "format_path",
    "format_step",
    "from_python",
    "is_blank_line",
    "is_identifier",
    "iter_leaves",
    "json_lines",
    "loads",
    "loads_lines",
    "sort_key",
    "to_python",
    "type_name",
]


class Number:
    """A JSON number, kept as its literal text (`1`, `1.0`, `1e2`, 30-digit integers...)."""

    __slots__ = ("literal",)

    def __init__(self, literal: str) -> None:
        self.literal = literal

    def __eq__(self, other: object) -> bool:
        return type(other) is Number and other.literal == self.literal

    def __hash__(self) -> int:
        return hash((Number, self.literal))

    def __repr__(self) -> str:
        return f"Number({self.literal!r})"

    def __str__(self) -> str:
        return self.literal

    @property
    def value(self) -> Decimal:
        """The exact decimal value (`1`, `1.0` and `1e0` have the same value)."""
        return Decimal(self.literal)

    @property
    def is_integer_literal(self) -> bool:
        literal = self.literal  # three `in`s: 95 ns a call here, a generator over ".eE" 160
        return "." not in literal and "e" not in literal and "E" not in literal


JSON: TypeAlias = bool | Number | str | list[Any] | dict[str, Any] | None


class RawJson:
    """A JSON document kept as the text it arrived as (checked valid), shown and written as
    is: a large output compared element by element is never held as one parsed tree."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return type(other) is RawJson and other.text == self.text

    def __hash__(self) -> int:
        return hash((RawJson, self.text))

    def __repr__(self) -> str:
        return f"RawJson({len(self.text)} characters)"


class JsonDecodeError(ValueError):
    """Not JSON; `line`/`column` are 1-based, `position` 0-based in characters."""

    def __init__(self, message: str, line: int = 0, column: int = 0, position: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.position = position

    def __str__(self) -> str:
        if self.line:
            return f"{self.message} (line {self.line}, column {self.column})"
        return self.message


class JsonTooDeep(JsonDecodeError):
    """Valid or not, nested deeper than yamlparity follows (core.depth.MAX_DEPTH)."""

    def __init__(self, limit: int, row: int = 0) -> None:
        where = f"row {row}: " if row else ""
        super().__init__(f"{where}nested deeper than {limit} levels")
        self.limit, self.row = limit, row


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return value


# A key written twice is an error, not "the last one wins": `{"x":1,"x":2}` means different
# things to different parsers, and would silently equal `{"x":2}`. Measured on 15 MB of
# rows: 0.23 s against 0.18 s without the check.
_DECODER = json.JSONDecoder(
    parse_int=Number,
    parse_float=Number,
    parse_constant=_reject_constant,
    object_pairs_hook=_unique_keys,
)


def loads(data: str | bytes, max_depth: int = depth.MAX_DEPTH + depth.ENVELOPE_DEPTH) -> JSON:
    """Parse one JSON document exactly; raises JsonDecodeError (never anything else), and
    JsonTooDeep when arrays and objects nest deeper than `max_depth` levels: the same
    answer whatever ran before (the recursion limit leaves the parser room for any depth
    up to the bound; beyond it the parser may run out of room or not, so it is checked)."""
    text = _decode_utf8(data) if isinstance(data, bytes) else data
    try:
        value: JSON = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JsonDecodeError(exc.msg, exc.lineno, exc.colno, exc.pos) from None
    except _DuplicateKey as exc:
        raise _duplicate_error(text, str(exc)) from None
    except RecursionError:
        raise JsonTooDeep(max_depth) from None
    except ValueError as exc:
        raise JsonDecodeError(str(exc) or type(exc).__name__) from None
    # Counting brackets is C-speed; only a text with more of them than the bound is walked.
    if text.count("[") + text.count("{") > max_depth and depth.deeper_than(value, max_depth):
        raise JsonTooDeep(max_depth)
    return value


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


def duplicate_key_position(text: str, start: int = 0) -> int | None:
    """Where the first key written twice in one object starts (an error path: a scan)."""
    stack: list[set[str] | None] = []
    last: re.Match[str] | None = None
    for match in _TOKEN.finditer(text, start):
        token = match.group()
        if token[0] == '"':
            last = match
            continue
        if token == "{":
            stack.append(set())
        elif token == "[":
            stack.append(None)
        elif token in "]}":
            if stack:
                stack.pop()
            if not stack:
                return None
        elif token == ":" and last is not None and stack and stack[-1] is not None:
            key = json.loads(last.group())
            if key in stack[-1]:
                return last.start()
            stack[-1].add(key)
        last = None
    return None


def _duplicate_error(text: str, key: str) -> JsonDecodeError:
    message = f"duplicate key {key!r} (parser-dependent meaning)"
    at = duplicate_key_position(text)
    if at is None:
        return JsonDecodeError(message)
    line = text.count("\n", 0, at) + 1
    return JsonDecodeError(message, line, at - (text.rfind("\n", 0, at) + 1) + 1, at)


def json_lines(text: str) -> list[str]:
    """The lines of a JSON Lines text: only `\n` ends a line (a `\r` before it is dropped).

    Not str.splitlines(): it also breaks at U+2028, U+2029, U+0085, \x1c-\x1e, FF and VT,
    which JSON allows raw inside strings (JSON.stringify and json.dumps(ensure_ascii=False)
    write U+2028 as is), so one row would become two halves that are not JSON."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def is_blank_line(line: str) -> bool:
    """Only JSON whitespace (str.strip() would also take U+2028, FF... for blank)."""
    return not line.strip(" \t\r")


def loads_lines(
    data: str | bytes, max_depth: int = depth.MAX_DEPTH + depth.ENVELOPE_DEPTH
) -> list[JSON]:
    """Parse JSON Lines: one document per non-blank line (lines end at `\n` only); each row
    nested at most `max_depth` levels."""
    text = _decode_utf8(data) if isinstance(data, bytes) else data
    rows: list[JSON] = []
    for number, line in enumerate(json_lines(text), start=1):
        if is_blank_line(line):
            continue
        try:
            rows.append(loads(line, max_depth))
        except JsonTooDeep as exc:
            raise JsonTooDeep(exc.limit, number) from None
        except JsonDecodeError as exc:
            raise JsonDecodeError(f"row {number}: {exc.message}", number, exc.column) from None
    return rows


def _decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonDecodeError(f"invalid UTF-8 at byte {exc.start}", position=exc.start) from None


_encode_string = json.encoder.encode_basestring
_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(value: JSON, *, indent: int | None = None, sort_keys: bool = True) -> str:
    """Serialize exactly: numbers as literals, non-ASCII as itself, lone surrogates escaped."""
    chunks: list[str] = []
    _Encoder(chunks, indent, sort_keys, None).encode(value, 0)
    return _escape_surrogates("".join(chunks))


def dump_to(
    value: JSON,
    write: Callable[[str], object],
    *,
    indent: int | None = None,
    sort_keys: bool = True,
) -> int:
    """`dumps` written through `write` in pieces; returns the characters written. A 20 MB
    value never holds its millions of fragment strings at once (~300 MB for 28 MB of text)."""
    chunks: list[str] = []
    written = 0

    def flush() -> None:
        nonlocal written
        text = _escape_surrogates("".join(chunks))
        chunks.clear()
        written += len(text)
        write(text)

    _Encoder(chunks, indent, sort_keys, flush).encode(value, 0)
    flush()
    return written


def _escape_surrogates(out: str) -> str:
    if _SURROGATE.search(out):
        # Lone surrogates (Python and JS let them through) cannot be written as UTF-8: escape.
        out = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    return out


def canonical(value: JSON) -> str:
    """Compact, key-sorted form: two values are exactly equal iff their canonical forms are."""
    return dumps(value, indent=None, sort_keys=True)


_FLUSH_AT = 1 << 16  # fragments held before dump_to writes them out


class LazyArray:
    """A JSON array written item by item (`dump_to`): each item is made by `convert` when it is
    reached and dropped once written, so a document with 100k cases never holds them all."""

    def __init__(self, items: Iterable[Any], convert: Callable[[Any], JSON]) -> None:
        self.items, self.convert = items, convert


class _Encoder:
    """Appends a value's text to `out`. Scalars inside containers are written inline, not by
    a call per leaf (that was most of the cost on large bodies: 5.6 M calls for 20 MB)."""

    def __init__(
        self,
        out: list[str],
        indent: int | None,
        sort_keys: bool,
        flush: Callable[[], None] | None,
    ) -> None:
        self.out, self.indent, self.sort_keys, self.flush = out, indent, sort_keys, flush
        self.colon = ": " if indent is not None else ":"

    def encode(self, value: Any, level: int) -> None:
        kind = type(value)
        if kind is dict:
            self._dict(value, level) if value else self.out.append("{}")
        elif kind is list:
            self._list(value, level) if value else self.out.append("[]")
        elif kind is LazyArray:
            self._lazy(value, level)
        else:
            self.out.append(_scalar(value))

    def _lazy(self, value: LazyArray, level: int) -> None:
        """As `_list` would write the converted items, one at a time."""
        append = self.out.append
        inner, sep, close = _layout(self.indent, level)
        first = True
        for item in value.items:
            append(("[" + inner) if first else sep)
            first = False
            self.encode(value.convert(item), level + 1)
            if self.flush is not None:
                self.flush()
        append((close + "]") if not first else "[]")

    def _dict(self, value: dict[str, Any], level: int) -> None:
        out, append, encode_string = self.out, self.out.append, _encode_string
        inner, sep, close = _layout(self.indent, level)
        items = sorted(value.items()) if self.sort_keys else value.items()
        append("{" + inner)
        colon = self.colon
        first = True
        for key, item in items:
            if first:
                first = False
            else:
                append(sep)
            kind = type(item)
            if kind is str:
                append(encode_string(key) + colon + encode_string(item))
            elif kind is Number:
                append(encode_string(key) + colon + item.literal)
            else:
                append(encode_string(key) + colon)
                self.encode(item, level + 1)
        append(close + "}")
        if self.flush is not None and len(out) >= _FLUSH_AT:
            self.flush()

    def _list(self, value: list[Any], level: int) -> None:
        out, append, encode_string = self.out, self.out.append, _encode_string
        inner, sep, close = _layout(self.indent, level)
        append("[" + inner)
        first = True
        for item in value:
            if first:
                first = False
            else:
                append(sep)
            kind = type(item)
            if kind is str:
                append(encode_string(item))
            elif kind is Number:
                append(item.literal)
            else:
                self.encode(item, level + 1)
        append(close + "]")
        if self.flush is not None and len(out) >= _FLUSH_AT:
            self.flush()


def _scalar(value: Any) -> str:
    if type(value) is str:
        return _encode_string(value)
    if type(value) is Number:
        return value.literal
    if type(value) is RawJson:
        return value.text
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


@functools.lru_cache(maxsize=256)  # one per depth: building the strings per container was ~15%
def _layout(indent: int | None, level: int) -> tuple[str, str, str]:
    if indent is None:
        return "", ",", ""
    pad = "\n" + " " * (indent * (level + 1))
    return pad, "," + pad, "\n" + " " * (indent * level)


def from_python(obj: Any) -> JSON:
    """Turn plain Python data (ints, floats, tuples) into exact JSON values."""
    if obj is None or isinstance(obj, bool | str | Number):
        return obj
    if isinstance(obj, RawJson | LazyArray):
        return obj  # type: ignore[return-value]  # written by dumps: as text, item by item
    if isinstance(obj, int):
        return Number(str(obj))
    if isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            raise ValueError(f"{obj!r} is not representable in JSON")
        return Number(repr(obj))
    if isinstance(obj, Decimal):
        return Number(str(obj))
    if isinstance(obj, dict):
        return {str(k): from_python(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [from_python(v) for v in obj]
    raise TypeError(f"not JSON-like: {type(obj).__name__}")


def to_python(value: JSON) -> Any:
    """Plain Python data for display or libraries: integer literals become int, others float."""
    if type(value) is Number:
        if value.is_integer_literal:
            return int(value.literal)
        return float(value.literal)
    if isinstance(value, dict):
        return {k: to_python(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_python(v) for v in value]
    return value


def type_name(value: JSON) -> str:
    """The JSON type: null, boolean, number, string, array or object."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if type(value) is Number:
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


_RANK = {"null": 0, "boolean": 1, "number": 3, "string": 4, "array": 5, "object": 6}


def sort_key(value: JSON) -> tuple[Any, ...]:
    """jq's total order: null < false < true < numbers < strings < arrays < objects."""
    kind = type_name(value)
    if kind == "boolean":
        return (1, bool(value))
    if kind == "number":
        assert isinstance(value, Number)
        try:
            return (3, value.value, value.literal)
        except InvalidOperation:
            return (3, Decimal(0), value.literal)
    if kind == "string":
        return (4, value)
    if kind == "array":
        assert isinstance(value, list)
        return (5, tuple(sort_key(v) for v in value))
    if kind == "object":
        assert isinstance(value, dict)
        keys = sorted(value)
        return (6, tuple(keys), tuple(sort_key(value[k]) for k in keys))
    return (0,)


def iter_leaves(
    value: JSON, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], JSON]]:
    """Every scalar (and empty container) with its path."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from iter_leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from iter_leaves(item, (*path, index))
    else:
        yield path, value


def format_path(path: tuple[str | int, ...]) -> str:
    """jq-style path text: `.attempts[0].span_id`, `.["odd key"]`, `.[2]`; the root is `.`."""
    text = "".join(format_step(step) for step in path)
    # jq writes a path that starts with an index as `.[0]`, and the root as `.`.
    return text if text.startswith(".") else "." + text


def format_step(step: str | int) -> str:
    """One step of a jq-style path: `.key`, `.["odd key"]` or `[3]`."""
    if isinstance(step, int):
        return f"[{step}]"
    if _IDENT.fullmatch(step):
        return f".{step}"
    return f".[{_encode_string(step)}]"


def is_identifier(key: str) -> bool:
    """A key jq lets you write bare (`.key`)."""
    return _IDENT.fullmatch(key) is not None


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
