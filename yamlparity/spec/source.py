"""Safe YAML 1.2 (core schema) loading that keeps a line/column mark for every key and value.

PyYAML only composes the node graph here (no constructor runs); values are built from nodes by
this module, so no tag can instantiate anything and every number keeps its literal text.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias, TypeVar, cast

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from yamlparity.core.errors import Location, SpecError
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.spec.spelling import value_position

__all__ = [
    "Document",
    "KeyPath",
    "NodeMark",
    "SourceText",
    "file_errors",
    "format_key_path",
    "load_yaml",
    "read_text",
]

KeyPath: TypeAlias = tuple[str | int, ...]
_N = TypeVar("_N", bound=Node)

# Expanded size (nodes after alias expansion) above which a file is refused: aliases are
# shared when built, but validation walks the expanded tree ("billion laughs" protection).
MAX_EXPANDED_NODES = 200_000
# Bytes a spec (or an included file, or a report template) may hold. Composing YAML runs at
# ~100 KB/s here (~250 KB/s through libyaml's parser), and MAX_EXPANDED_NODES values fit in
# about 2 MB: a larger file is refused
# before it is parsed (a 100 MB spec took 298 s and 7.2 GB before). Cases in bulk belong in
# a fixture file (`cases_from:`), which streams.
MAX_SPEC_BYTES = 4 * 1024 * 1024
# Digits of an integer written in hex or octal once in decimal: Python refuses to print longer
# ints (sys.get_int_max_str_digits); decimal literals keep their text and have no such bound.
MAX_INT_DIGITS = 4300

_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT = (_TAG + t for t in ("str", "null", "bool", "int", "float"))
_SEQ, _MAP, _MERGE = _TAG + "seq", _TAG + "map", _TAG + "merge"
_CORE_TAGS = {_STR, _NULL, _BOOL, _INT, _FLOAT, _SEQ, _MAP, _MERGE}

_INT_DEC = re.compile(r"[-+]?[0-9]+")
_INT_OCT = re.compile(r"0o[0-7]+")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF_NAN = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


@dataclass(frozen=True)
class SourceText:
    """A file's text, and the name errors show for it."""

    display: str
    path: Path
    lines: tuple[str, ...]

    def line(self, number: int) -> str | None:
        """The text of a 1-based line, if it exists."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return None

    def error(
        self,
        message: str,
        line: int = 0,
        column: int = 0,
        hint: str | None = None,
        key_path: str | None = None,
    ) -> SpecError:
        """A SpecError pointing into this file (1-based line and column; 0: unknown)."""
        return SpecError(
            message,
            Location(self.display, line, column),
            hint,
            key_path=key_path or None,
            source_line=self.line(line) if line else None,
        )


@dataclass(frozen=True)
class NodeMark:
    """Where a value (and the key that holds it) was written."""

    source: SourceText
    line: int
    column: int
    key_line: int = 0
    key_column: int = 0
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"
    single_line: bool = True

    @property
    def location(self) -> Location:
        return Location(self.source.display, self.line, self.column)


@dataclass
class Document:
    """A YAML file's top-level mapping, with a mark for every key path."""

    value: dict[str, JSON]
    source: SourceText
    marks: dict[KeyPath, NodeMark] = field(default_factory=dict)

    def mark(self, path: KeyPath) -> NodeMark:
        """The mark of `path`, or of its nearest ancestor that has one."""
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path) or NodeMark(self.source, 0, 0)

    def error(
        self,
        path: KeyPath,
        message: str,
        hint: str | None = None,
        *,
        at_key: bool = False,
        value_offset: tuple[str, int] | None = None,
    ) -> SpecError:
        """A SpecError at the value (or key) written at `path`; with `value_offset` (the
        scalar's value, an index into it), at that character where the file spells it."""
        mark = self.mark(path)
        line, column = mark.line, mark.column
        if at_key and mark.key_line:
            line, column = mark.key_line, mark.key_column
        elif value_offset is not None and path in self.marks and line:
            value, index = value_offset
            lines = mark.source.lines
            line, column = value_position(lines, line, column, mark.style, value, index)
        return mark.source.error(message, line, column, hint, format_key_path(path))


def format_key_path(path: KeyPath) -> str:
    """`targets.rust.timeout`, `cases[3].name`."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


@contextmanager
def file_errors(display: str) -> Iterator[None]:
    """An OSError reading a spec-side file, as the SpecError a user reads."""
    try:
        yield
    except FileNotFoundError:
        raise SpecError(f"file not found: {display}", Location(display)) from None
    except IsADirectoryError:
        raise SpecError(f"not a file: {display}", Location(display)) from None
    except OSError as exc:
        raise SpecError(f"cannot read {display}: {exc.strerror}", Location(display)) from None


def read_text(path: Path, display: str) -> SourceText:
    """Read a UTF-8 file (a BOM is dropped) or raise SpecError."""
    with file_errors(display), open(path, "rb") as handle:
        data = handle.read(MAX_SPEC_BYTES + 1)
    if len(data) > MAX_SPEC_BYTES:
        with file_errors(display):
            size = os.path.getsize(path)
        raise SpecError(
            f"the file is {_megabytes(size)}; a spec may be at most {_megabytes(MAX_SPEC_BYTES)}",
            Location(display),
            "put cases in a fixture file (`cases_from:`), which is read as it streams",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        start = before.rfind(b"\n") + 1
        column = len(before[start:].decode("utf-8", "replace")) + 1
        end = data.find(b"\n", exc.start)
        shown = data[start : len(data) if end < 0 else end].decode("utf-8", "replace")
        raise SpecError(
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02X})",
            Location(display, line, column),
            "save the file as UTF-8",
            source_line=shown,
        ) from None
    text = text.removeprefix("\ufeff")
    return SourceText(display, path, tuple(text.split("\n")))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


class _CoreResolver(BaseResolver):
    """The YAML 1.2 core schema: `yes`/`no`/`on`/`off` stay strings, `1_000` and `1:20` too."""


for _tag, _pattern in (
    (_NULL, r"null|Null|NULL|~|"),
    (_BOOL, r"true|True|TRUE|false|False|FALSE"),
    (_INT, r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"),
    (_FLOAT, _FLOAT_RE.pattern + "|" + _INF_NAN.pattern),
    (_MERGE, r"<<"),
):
    _CoreResolver.add_implicit_resolver(_tag, re.compile(f"^(?:{_pattern})$"), None)


class _TooManyNodes(Exception):
    def __init__(self, node: Node) -> None:
        self.node = node


class _Counting(Composer):
    """Composes nodes only; no constructor, so no tag can build a Python object. Counts the
    nodes it composes, so a file with too many values fails as soon as it passes the limit
    (and says so), not minutes later."""

    composed = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        node = super().compose_node(parent, index)
        self.composed += 1
        if self.composed > MAX_EXPANDED_NODES and node is not None:
            raise _TooManyNodes(node)
        return node


class _Loader(_Counting, Reader, Scanner, Parser, _CoreResolver):
    """PyYAML's own reader, scanner and parser: what every error is worded by."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _CoreResolver.__init__(self)


_CParser: Any = None  # libyaml's parser, in PyYAML's wheels; without it, _Loader alone
with contextlib.suppress(ImportError):  # PyYAML built without libyaml
    from yaml import cyaml

    _CParser = getattr(cyaml, "CParser", None)


class _FastLoader(_Counting, _CParser or Parser, _CoreResolver):  # type: ignore[misc]
    """libyaml's scanner and parser (~7x faster than PyYAML's: 0.25 against 1.7 ms for a
    1 KB spec, 0.8 against 2.0 s for a 200 KB one) under the same composer, so nesting and
    the node count are bounded as with _Loader, and the same nodes come out, marks included
    (tests/unit/spec/test_yaml_fast_path.py)."""

    def __init__(self, stream: str) -> None:
        _CParser.__init__(self, stream)
        Composer.__init__(self)
        _CoreResolver.__init__(self)
        self.flow = 0  # flow collections ([...], {...}) the node being composed is inside

    def compose_sequence_node(self, anchor: Any) -> SequenceNode:
        return self._collection(super().compose_sequence_node, anchor)

    def compose_mapping_node(self, anchor: Any) -> MappingNode:
        return self._collection(super().compose_mapping_node, anchor)

    def _collection(self, compose: Callable[[Any], _N], anchor: Any) -> _N:
        flow = 1 if self.peek_event().flow_style else 0
        self.flow += flow
        try:
            return compose(anchor)
        finally:
            self.flow -= flow

    def compose_scalar_node(self, anchor: Any) -> ScalarNode:
        event = self.peek_event()
        if self.flow and event.value == "" and not event.style:
            # A value left empty in a flow collection (`{a: }`): libyaml marks it where the
            # next token begins, PyYAML right after the `:`. Its error would point elsewhere.
            raise _OtherMarks
        node: ScalarNode = super().compose_scalar_node(anchor)
        if node.style == "":
            node.style = None  # a plain scalar, as PyYAML's own parser marks it
        return node


class _OtherMarks(Exception):
    """libyaml's marks would differ from PyYAML's for this text."""


# What only PyYAML's own reader reads, found by comparing both on every YAML file here and
# ~450,000 generated ones: where libyaml accepts more (a tab between or after values; `?`
# inside a plain value in `[...]`/`{...}`, as in `{path: /health?x=1}`; `#` right after a
# block scalar's `|`/`>` header or after `%YAML 1.1`; odd tag handles such as `!.!x`), reads
# a value otherwise (`a: !` is "" there, null here: any tag or directive) or marks it
# otherwise (a byte-order mark inside the text; a file that does not end with a line break,
# whose last value libyaml marks on the next line).
_SLOW_ONLY = re.compile("[\t\ufeff?!%]|[|>][-+0-9]*#")


def _libyaml_reads_as_pyyaml(text: str) -> bool:
    return text.endswith("\n") and _SLOW_ONLY.search(text) is None


def load_yaml(source: SourceText, top: type = dict) -> Document:
    """Parse a file whose top level must be a `top` (a mapping; a list for YAML fixtures);
    raise SpecError on anything else."""
    root = _compose(source)
    if root is None:
        hint = (
            "a YAML fixture is a list of rows, one `- {name: ..., input: ...}` each"
            if top is list
            else "a spec is a YAML mapping with targets and cases"
        )
        raise source.error("the file is empty", 1, 1, hint=hint)
    builder = _Builder(source)
    try:
        builder.check_size(root)
        value = builder.build(root)
        if top is list and not isinstance(value, list):
            raise _node_error(
                source, root, f"the top level must be a list of rows, not {_kind(root)}",
                "write one `- {...}` item per row",
            )  # fmt: skip
        if top is dict and not isinstance(value, dict):
            raise _node_error(
                source,
                root,
                f"the top level must be a mapping, not {_kind(root)}",
                "start the file with keys such as `targets:` and `cases:`",
            )
        marks: dict[KeyPath, NodeMark] = {}
        builder.record_marks(root, (), marks, None)
    except RecursionError:
        raise source.error("the YAML is nested too deeply") from None
    # A list only for YAML fixtures (top=list), whose reader knows it: specs get a mapping.
    return Document(cast(dict[str, JSON], value), source, marks)


def _compose(source: SourceText) -> Node | None:
    text = "\n".join(source.lines)
    if _CParser is not None and _libyaml_reads_as_pyyaml(text):
        fast: _FastLoader | None = None
        try:
            fast = _FastLoader(text)  # a lone surrogate cannot even be handed to libyaml
            node: Node | None = fast.get_single_node()
            return node
        except Exception:
            pass  # PyYAML's own parser reads it again, and says what is wrong in its words
        finally:
            if fast is not None:
                fast.dispose()
    return _compose_slowly(source, text)


def _compose_slowly(source: SourceText, text: str) -> Node | None:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(source, exc) from None
    except yaml.reader.ReaderError as exc:
        line, column = _position(text, exc.position)
        raise source.error(
            f"character U+{exc.character:04X} is not allowed in YAML",
            line,
            column,
            "remove control characters from the file (write them as escapes in a quoted string)",
        ) from None
    except yaml.YAMLError as exc:
        raise source.error(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise source.error("the YAML is nested too deeply") from None
    except _TooManyNodes as exc:
        raise _node_error(
            source,
            exc.node,
            f"the file holds more than {MAX_EXPANDED_NODES} values",
            "put cases in a fixture file (`cases_from:`), which is read as it streams",
        ) from None
    except ValueError as exc:  # PyYAML's scanner: chr() of an escape beyond U+10FFFF
        line, column = _bad_escape(text)
        raise source.error(
            f"invalid escape in a double-quoted string: {exc}",
            line,
            column,
            "\\U escapes go up to \\U0010FFFF",
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


_BIG_ESCAPE = re.compile(r"\\U([0-9A-Fa-f]{8})")


def _bad_escape(text: str) -> tuple[int, int]:
    """Where the first `\\U` escape beyond Unicode's last code point is (0, 0: not found)."""
    for match in _BIG_ESCAPE.finditer(text):
        if int(match.group(1), 16) > 0x10FFFF:
            return _position(text, match.start())
    return 0, 0


def _position(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _yaml_error(source: SourceText, exc: yaml.MarkedYAMLError) -> SpecError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    text = source.line(line) or ""
    hint = None
    if exc.context_mark is not None and (
        problem == "found unexpected end of stream" or "<stream end>" in problem
    ):
        # Pointing at the end of the file helps nobody: show where the unclosed thing began.
        mark = exc.context_mark
        line, column = mark.line + 1, mark.column + 1
        what = (exc.context or "").removeprefix("while scanning ").removeprefix("while parsing ")
        return source.error(
            f"invalid YAML: {_UNCLOSED.get(what, what)} starting here is never closed",
            line,
            column,
            "close it (a quote, `]` or `}`) on the line where it should end",
        )
    problem = _TOKEN_WORDS.sub(lambda m: _TOKENS[m.group(0)], problem)
    if "\t" in problem or "\\t" in problem or "\t" in text[: max(column, 1)]:
        tab = text.find("\t")
        if tab < 0 or text[:tab].strip(" \t"):
            # PyYAML takes no tab between tokens either (`[a,\tb]`, `key:\tvalue`).
            hint = "the YAML reader (YAML 1.1) takes no tab between values either; use a space"
        else:
            hint = "YAML does not allow tabs for indentation; use spaces"
        problem = problem.replace("character '\\t'", "a tab character")
    elif exc.context and exc.problem and exc.problem.startswith("but "):
        problem = f"{exc.context}, {exc.problem}"
        hint = _YAML_HINTS.get(exc.context)
    elif exc.context and exc.problem:
        hint = _YAML_HINTS.get(exc.context) or f"YAML parser: {exc.context}"
    if "expected a single document" in problem:
        hint = "a spec is one YAML document: remove the `---` and what follows, or split the file"
    quote = _closed_early(text, column)
    if quote is not None and "but found" in problem:
        other, escaped = ("'", '\\"') if quote == '"' else ('"', "''")
        hint = (
            f"a {quote} inside a {quote}...{quote} string ends it: quote the value with {other} "
            f"instead, or write the inner ones as {escaped}"
        )
    return source.error(f"invalid YAML: {problem}", line, column, hint)


def _closed_early(text: str, column: int) -> str | None:
    """The quote character when the error comes right after a quoted string that began on
    this line (`name: "a {{ x | replace(" ", "_") }}"` ends at the second `"`)."""
    before = text[: max(column - 1, 0)].rstrip()
    if not before or before[-1] not in "\"'":
        return None
    quote = before[-1]
    return quote if before.count(quote) >= 2 else None


# PyYAML names tokens by their syntax; a person thinks of what they are.
_TOKENS = {
    "'?'": "a key",
    "'-'": "a list item",
    "<block end>": "the end of the indented block",
    "<block mapping start>": "an indented mapping",
    "<block sequence start>": "an indented list",
    "<scalar>": "a value",
}
_UNCLOSED = {
    "a quoted scalar": "a quoted string",
    "a flow sequence": "a `[` list",
    "a flow mapping": "a `{` mapping",
}
_TOKEN_WORDS = re.compile("|".join(re.escape(t) for t in _TOKENS))
_YAML_HINTS = {
    "while parsing a block collection": "check this line's indentation against the list above it",
    "while parsing a block mapping": "check this line's indentation against the keys above it",
    "while parsing a flow mapping": "a `{...}` mapping holds `key: value` pairs, comma-separated",
    "while parsing a flow sequence": "a `[...]` list holds values separated by commas",
    "while scanning a simple key": "a key needs `: ` after it; quote text that holds a colon",
}


def _node_error(source: SourceText, node: Node, message: str, hint: str | None = None) -> SpecError:
    return source.error(message, node.start_mark.line + 1, node.start_mark.column + 1, hint)


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "a scalar"


class _Builder:
    """Builds JSON values from nodes: each node once (aliases share), merges resolved."""

    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.values: dict[int, JSON] = {}
        self.pairs: dict[int, list[tuple[str, Node, Node]]] = {}
        self.sizes: dict[int, int] = {}

    def check_size(self, root: Node) -> None:
        """Refuse recursive aliases and files whose alias expansion is huge."""
        if self._size(root, set()) > MAX_EXPANDED_NODES:
            raise _node_error(
                self.source,
                root,
                f"the document expands to more than {MAX_EXPANDED_NODES} values through aliases",
                "use fewer nested aliases",
            )

    def _size(self, node: Node, active: set[int]) -> int:
        key = id(node)
        if key in self.sizes:
            return self.sizes[key]
        if key in active:
            raise _node_error(
                self.source,
                node,
                "an alias refers to itself (a recursive structure)",
                "an anchor cannot be used inside its own value; copy the data instead",
            )
        active.add(key)
        total = 1
        for child in self._children(node):
            total = min(total + self._size(child, active), MAX_EXPANDED_NODES + 1)
        active.discard(key)
        self.sizes[key] = total
        return total

    def _children(self, node: Node) -> Iterator[Node]:
        if isinstance(node, SequenceNode):
            yield from node.value
        elif isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                yield key_node
                yield value_node

    def build(self, node: Node) -> JSON:
        key = id(node)
        if key not in self.values:
            self.values[key] = self._build(node)
        return self.values[key]

    def _build(self, node: Node) -> JSON:
        self._check_tag(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if isinstance(node, SequenceNode):
            return [self.build(item) for item in node.value]
        assert isinstance(node, MappingNode)
        return {name: self.build(value) for name, _, value in self.mapping_pairs(node)}

    def _check_tag(self, node: Node) -> None:
        tag = node.tag or ""
        if tag in _CORE_TAGS:
            expected = {_SEQ: SequenceNode, _MAP: MappingNode}.get(tag, ScalarNode)
            if not isinstance(node, expected):
                raise _node_error(
                    self.source, node, f"tag !!{tag[len(_TAG) :]} does not fit {_kind(node)}"
                )
            return
        if tag.startswith(_TAG) and not tag.startswith(_TAG + "python/"):
            raise _node_error(
                self.source,
                node,
                f"tag !!{tag[len(_TAG) :]} is not supported",
                "only the JSON-compatible core tags are allowed: !!str !!int !!float !!bool !!null "
                "!!seq !!map",
            )
        raise _node_error(
            self.source,
            node,
            f"language-specific tags are not allowed ({tag.replace(_TAG, '!!', 1)})",
            "remove the tag; specs hold plain data only",
        )

    def _scalar(self, node: ScalarNode) -> JSON:
        text: str = node.value
        tag = node.tag
        if tag == _STR:
            return text
        if tag == _NULL:
            if text not in ("null", "Null", "NULL", "~", ""):
                raise _node_error(self.source, node, f"{text!r} is not a null")
            return None
        if tag == _BOOL:
            if text.lower() not in ("true", "false"):
                raise _node_error(self.source, node, f"{text!r} is not a boolean")
            return text.lower() == "true"
        if tag == _MERGE:
            raise _node_error(self.source, node, "`<<` (merge) can only be a mapping key")
        literal = self._number(node, text, tag == _INT)
        if tag == _FLOAT and _INT_DEC.fullmatch(literal):
            # An explicit `!!float 1` (or `!!float 0x10`) asks for a float: the JSON literal
            # must say so, or a decoder reads an integer; it gets a fraction, `1.0`.
            literal += ".0"
        return Number(literal)

    def _number(self, node: ScalarNode, text: str, integer: bool) -> str:
        if _INF_NAN.fullmatch(text):
            raise _node_error(
                self.source,
                node,
                f"{text} is not representable in JSON",
                "JSON has no infinity or NaN; use a string or null",
            )
        if _INT_OCT.fullmatch(text) or _INT_HEX.fullmatch(text):
            base = 8 if text[1] == "o" else 16
            value = int(text[2:], base)  # power-of-two bases: no digit limit, linear time
            # Decimal digits, from the bit length (never off by more than one: checked exactly
            # when close), so an int too large to print is refused before printing it.
            if value.bit_length() * 0.30103 > MAX_INT_DIGITS + 1:
                raise _node_error(
                    self.source,
                    node,
                    f"this integer has more than {MAX_INT_DIGITS} digits in decimal",
                    "write it in decimal (decimal literals are kept as written)",
                )
            try:
                return str(value)
            except ValueError:
                raise _node_error(
                    self.source, node, f"this integer has more than {MAX_INT_DIGITS} digits"
                ) from None
        if _INT_DEC.fullmatch(text):
            return _json_integer(text)
        if not integer and _FLOAT_RE.fullmatch(text):
            return _json_float(text)
        raise _node_error(
            self.source, node, f"{text!r} is not {'an integer' if integer else 'a number'}"
        )

    def mapping_pairs(self, node: MappingNode) -> list[tuple[str, Node, Node]]:
        """(key, key node, value node), merges flattened: explicit keys win, earlier merges win."""
        key = id(node)
        if key in self.pairs:
            return self.pairs[key]
        explicit: dict[str, tuple[str, Node, Node]] = {}
        merged: dict[str, tuple[str, Node, Node]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                for name, k, v in self._merge_sources(value_node):
                    merged.setdefault(name, (name, k, v))
                continue
            name = self._key(key_node)
            if name in explicit:
                first = explicit[name][1].start_mark.line + 1
                raise _node_error(
                    self.source,
                    key_node,
                    f"duplicate key {name!r} (first written on line {first})",
                    "a key may appear once in a mapping; remove or rename one",
                )
            explicit[name] = (name, key_node, value_node)
        pairs = [p for n, p in merged.items() if n not in explicit] + list(explicit.values())
        self.pairs[key] = pairs
        return pairs

    def _merge_sources(self, node: Node) -> list[tuple[str, Node, Node]]:
        self._check_tag(node)
        sources = node.value if isinstance(node, SequenceNode) else [node]
        pairs: list[tuple[str, Node, Node]] = []
        for item in sources:
            self._check_tag(item)
            if not isinstance(item, MappingNode):
                raise _node_error(
                    self.source,
                    item,
                    "`<<` needs a mapping (or a list of mappings) to merge",
                    "write `<<: *anchor` where the anchor names a mapping",
                )
            pairs.extend(self.mapping_pairs(item))
        return pairs

    def _key(self, node: Node) -> str:
        self._check_tag(node)
        if not isinstance(node, ScalarNode):
            raise _node_error(
                self.source,
                node,
                f"a mapping key must be a scalar, not {_kind(node)}",
                'keys are names: quote it to make it one, e.g. "[a, b]": 1',
            )
        # Keys are JSON object keys, hence strings: `1: x` and `true: x` keep their text.
        return str(node.value)

    def record_marks(
        self,
        node: Node,
        path: KeyPath,
        marks: dict[KeyPath, NodeMark],
        key_node: Node | None,
    ) -> None:
        """Fill `marks` for `node` and everything below it (the expanded tree is bounded)."""
        start = node.start_mark
        single = node.end_mark.line == start.line
        style = node.style if isinstance(node, ScalarNode) else None
        key_line = key_node.start_mark.line + 1 if key_node is not None else 0
        key_column = key_node.start_mark.column + 1 if key_node is not None else 0
        marks[path] = NodeMark(
            self.source,
            start.line + 1,
            start.column + 1,
            key_line,
            key_column,
            style,
            single,
        )
        if isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self.record_marks(item, (*path, index), marks, None)
        elif isinstance(node, MappingNode):
            for name, k, v in self.mapping_pairs(node):
                self.record_marks(v, (*path, name), marks, k)


def _json_integer(text: str) -> str:
    sign = "-" if text.startswith("-") else ""
    digits = text.lstrip("+-").lstrip("0") or "0"
    return sign + digits


def _json_float(text: str) -> str:
    if _JSON_NUMBER.fullmatch(text):
        return text
    sign = "-" if text.startswith("-") else ""
    body = text.lstrip("+-")
    mantissa, _, exponent = body.partition("e") if "e" in body else body.partition("E")
    whole, dot, fraction = mantissa.partition(".")
    whole = whole.lstrip("0") or "0"
    out = sign + whole
    if dot:
        out += "." + (fraction or "0")
    if exponent:
        out += ("e" if "e" in body else "E") + exponent
    return out


def iter_paths(value: Any, path: KeyPath = ()) -> Iterator[KeyPath]:
    """Every key path in a JSON value (used by tests and the mark table checks)."""
    yield path
    if isinstance(value, dict):
        for name, item in value.items():
            yield from iter_paths(item, (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_paths(item, (*path, index))
