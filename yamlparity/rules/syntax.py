"""The rule syntax: rule text -> tokens -> syntax tree -> operations (ruleops.py), jq's
grammar for the subset we support, and comparison paths (`parse_path`).

Every mistake is one RuleError with a 1-based column inside the rule text and, where one
helps, a hint (unsupported jq features are named as such; a misspelt function gets a
did-you-mean). Separate from ruleops.py because turning text into operations, and wording what
is wrong with it, is a job of its own that applying a compiled rule never needs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import NoReturn

from yamlparity.core import boundedre
from yamlparity.core.errors import RuleError
from yamlparity.core.jsonvalue import JSON, Number, canonical
from yamlparity.rules.ops import (
    BUILTINS,
    PATTERNS,
    SHAPES,
    Alt,
    Assign,
    Builtin,
    Const,
    Delete,
    Each,
    Identity,
    Index,
    Key,
    Mask,
    Op,
    PathPattern,
    Paths,
    Recurse,
    Scrub,
    Select,
    Seq,
    SortBy,
    Step,
    Update,
)

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
_ARG_NAMES = tuple(sorted(set(SHAPES) | set(PATTERNS)))

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

# Longest first: the lexer takes the first that matches.
_PUNCT = (
    *("?//", "//=", "|=", "+=", "-=", "*=", "/=", "%=", "==", "!=", "<=", ">=", "//"),
    *("|", "=", "+", "-", "*", "/", "%", "<", ">", ",", ";", ":", "(", ")", "[", "]"),
    *("{", "}", "?"),
)
# jq operators the lexer knows so it can name them in an error: everything but what rules use.
_UNSUPPORTED_OPS = frozenset(_PUNCT) - frozenset(
    ["|", "|=", "=", ",", ";", ":", "(", ")", "[", "]", "{", "}", "?"]
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
    steps: Alt


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
                return _PathN(tok.pos, (Key(self.next().text),))
            return _PathN(tok.pos, ())
        if kind == "field":
            self.next()
            return _PathN(tok.pos, (Key(tok.text),))
        if kind == "..":
            self.next()
            return _PathN(tok.pos, (Recurse(),))
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
        steps: list[Step] = []
        while True:
            kind = self.tok.kind
            if kind == "field":
                steps.append(Key(self.next().text))
            elif kind == "." and self.toks[self.i + 1].kind in ("str", "["):
                self.next()
                if self.tok.kind == "str":
                    steps.append(Key(self.next().text))
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

    def bracket(self) -> Step:
        open_tok = self.next()
        tok = self.tok
        if tok.kind == "]":
            self.next()
            return Each()
        if tok.kind == "str":
            step: Step = Key(self.next().text)
        elif tok.kind == "num" or (tok.kind == "-" and self.toks[self.i + 1].kind == "num"):
            step = Index(self.index())
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
            if key.text in out:
                raise RuleError(
                    f"duplicate key {key.text!r} in a literal object",
                    key.pos + 1,
                    "write each key once (which value wins differs from one JSON parser to "
                    "another; outputs with duplicate keys are refused for the same reason)",
                )
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


def _optional(step: Step) -> Step:
    if isinstance(step, Key):
        return Key(step.name, True)
    if isinstance(step, Index):
        return Index(step.index, True)
    if isinstance(step, Each):
        return Each(True)
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


def _paths(node: _Node) -> Paths:
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


def _single(alt: Alt) -> bool:
    return all(isinstance(step, Key | Index) for step in alt)


def _op(node: _Node) -> Op:
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
        return Const(node.value)
    if isinstance(node, _AssignN):
        return _assignment(node)
    assert isinstance(node, _CallN)
    return _call(node)


def _seq(ops: list[Op]) -> Op:
    flat: list[Op] = []
    for op in ops:
        if isinstance(op, Seq):
            flat.extend(op.ops)
        elif not isinstance(op, Identity):
            flat.append(op)
    if not flat:
        return Identity()
    return flat[0] if len(flat) == 1 else Seq(tuple(flat))


def _select(node: _Node) -> Op:
    alts = _paths(node)
    if len(alts) != 1 or not _single(alts[0]):
        raise RuleError(
            "this path selects several values; a rule must give one value",
            node.pos + 1,
            "to change every match use del(PATH), mask(PATH) or "
            'PATH |= ...; through `..` wrap the path: (.. | .ts?) |= "x"',
        )
    return Select(alts[0]) if alts[0] else Identity()


def _assignment(node: _AssignN) -> Op:
    paths = _paths(node.left)
    if node.op == "|=":
        op = _op(node.right)
        if isinstance(op, Const):
            _not_everything(paths, node.pos, f"(.. | .KEY?) |= {canonical(op.value)}")
        return Update(paths, op)
    return Assign(paths, _literal_value(node.right, "the right side of '='"))


def _not_everything(paths: Paths, pos: int, instead: str) -> None:
    """A lone `..` is the whole value first (as in jq): a constant put there, or a `del`,
    leaves every output the same, and every case would match."""
    if any(len(alt) == 1 and isinstance(alt[0], Recurse) for alt in paths):
        raise RuleError(
            "`..` includes the whole value: this rule would make every output the same, and "
            "every case match",
            pos + 1,
            f'name what to change anywhere: {instead}; or give a shape: mask(..; "<id>"; uuid)',
        )


def _call(node: _CallN) -> Op:
    name, args = node.name, node.args
    if name in BUILTINS:
        _arity(node, 0, 0)
        return Builtin(name)
    if name == "del":
        _arity(node, 1, 1, "del(.a, .b)")
        paths = _paths(args[0])
        _not_everything(paths, node.pos, "del(.. | .KEY?)")
        return Delete(paths)
    if name == "sort_by":
        _arity(node, 1, 1, "sort_by(.price)")
        return SortBy(_paths(args[0]))
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


def _mask(node: _CallN) -> Op:
    _arity(node, 1, 3, 'mask(.ts; "<ts>"; timestamp)')
    text: JSON = "<masked>"
    if len(node.args) >= 2:
        text = _literal_value(node.args[1], "mask's replacement")
    shape = _name_arg(node, 2, SHAPES) if len(node.args) == 3 else None
    paths = _paths(node.args[0])
    if shape is None:
        _not_everything(paths, node.pos, f"mask(.. | .KEY?; {canonical(text)})")
    return Mask(paths, text, shape)


def _name_arg(node: _CallN, index: int, names: Collection[str]) -> str:
    arg = node.args[index]
    if isinstance(arg, _CallN) and not arg.has_parens and arg.name in names:
        return arg.name
    raise RuleError(
        f"expected one of {', '.join(sorted(names))}",
        arg.pos + 1,
        f"{node.name}'s argument {index + 1} names a shape",
    )


def _scrub_call(node: _CallN) -> Op:
    """scrub(NAME) | scrub(RE; REPL) | scrub(NAME; REPL) | scrub(PATH; ...) of those."""
    _arity(node, 1, 3, 'scrub("[0-9]+"; "<n_{n}>")')
    args = list(node.args)
    paths: Paths | None = None
    if len(args) >= 2 and _is_path(args[0]):
        paths = _paths(args.pop(0))
    pattern_node = args[0]
    if (
        isinstance(pattern_node, _CallN)
        and not pattern_node.has_parens
        and pattern_node.name in PATTERNS
    ):
        pattern, repl = PATTERNS[pattern_node.name]
        regex = boundedre.compile(pattern)
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
    if repl and regex.search("") is not None:
        # A regex matching nothing at all would put REPL between every two characters.
        raise RuleError(
            f"the regex {regex.pattern!r} matches the empty string: {repl!r} would be put "
            "between every two characters",
            pattern_node.pos + 1,
            'match at least one character: e.g. "[0-9]+" rather than "[0-9]*" (an empty '
            "replacement, as in deleting trailing spaces, may match nothing)",
        )
    return Scrub(paths, regex, repl)


def _regex(node: _LitN) -> boundedre.BoundedPattern:
    assert isinstance(node.value, str)
    pos, offsets = node.pos, node.offsets
    try:
        pattern = boundedre.compile(node.value)
    except boundedre.error as exc:
        # Point into the rule text: map the pattern offset back through the string's escapes.
        where = exc.pos if exc.pos is not None else 0
        column = offsets[where] + 1 if where < len(offsets) else pos + 2 + where
        raise RuleError(
            f"invalid regex: {exc.msg}",
            column,
            "scrub uses Python `re` syntax (run with a time bound)",
        ) from None
    except (OverflowError, RecursionError, ValueError) as exc:
        raise RuleError(f"invalid regex: {exc}", pos + 1) from None
    return pattern


# --------------------------------------------------------------------------------------------
# Entry points: rule text -> operations; comparison path text -> PathPattern
# --------------------------------------------------------------------------------------------


def compile_op(text: str) -> Op:
    """Rule text -> its operations (compile_rule wraps them in a Program); only RuleError."""
    try:
        return _op(_Parser(text).parse())
    except RecursionError:
        raise RuleError("rule nested too deeply", 1) from None


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
        if isinstance(step, Recurse):
            raise RuleError(
                "'..' is not allowed in a comparison path",
                _col(text, ".."),
                "name the path: .rows[].price",
            )
        if isinstance(step, Index) and step.index < 0:
            raise RuleError(
                "negative indices are not allowed in a comparison path",
                _col(text, "-"),
                "use [] for any element",
            )
        pattern.append(
            step.name if isinstance(step, Key) else step.index if isinstance(step, Index) else None
        )
    return tuple(pattern)


def _col(text: str, needle: str) -> int:
    return text.find(needle) + 1 if needle in text else 1
