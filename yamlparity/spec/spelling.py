"""Where each character of a YAML scalar's value is written in the file, for error carets.

An error inside a value (a rule, a pattern, a `${VAR}`) knows an index into the parsed string;
the file spells that string with quotes, escapes, folded lines and block indentation. This
module re-reads the scalar's source the way PyYAML's scanner does (the same steps, in the same
order) and keeps, for every character of the value, the place it came from. The result is
trusted only if it rebuilds the value exactly: otherwise (a value changed after parsing, line
breaks PyYAML knows and this does not) the error points at the start of the scalar's content,
which is never a wrong place inside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from yaml.scanner import Scanner

# A value character's spelling: [start, end) indices into the scanned text. A character made by
# folding a line break has start == end: the place right after the text it follows.
_Span = tuple[int, int]

# PyYAML's own escape tables, so the two scans cannot disagree on what an escape means.
_ESCAPES: dict[str, str] = Scanner.ESCAPE_REPLACEMENTS
_HEX_ESCAPES: dict[str, int] = Scanner.ESCAPE_CODES
_END = "\0"  # what peeking past the end of the text gives, as in PyYAML's reader


def value_position(
    lines: Sequence[str], line: int, column: int, style: str | None, value: str, index: int
) -> tuple[int, int]:
    """The 1-based (line, column) where character `index` of a scalar's value is written
    (`index == len(value)`: just after its last character); the scalar is the one whose node
    starts at (`line`, `column`) and has this `style` (None, "'", '"', "|", ">")."""
    # Scan from the scalar's first line on; a CR before LF is a line ending, not text.
    scanner = _Scanner("\n".join(text.removesuffix("\r") for text in lines[line - 1 :]))
    scanner.skip_properties(column - 1)
    spans = scanner.scalar(style, value)
    index = min(max(index, 0), len(value))
    if spans is None:
        at = scanner.content
    elif index < len(spans):
        at = spans[index][0]
    else:
        at = spans[-1][1] if spans else scanner.content
    row = scanner.text.count("\n", 0, at)
    return line + row, at - (scanner.text.rfind("\n", 0, at) + 1) + 1


class _Scanner:
    """PyYAML's scalar scanning steps over one text, recording spans instead of chunks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.content = 0  # where the scalar's content starts: the fallback position
        self.spans: list[_Span] = []
        self.chars: list[str] = []

    def peek(self, ahead: int = 0) -> str:
        at = self.pos + ahead
        return self.text[at] if at < len(self.text) else _END

    @property
    def column(self) -> int:
        return self.pos - (self.text.rfind("\n", 0, self.pos) + 1)

    def emit(self, chars: str, start: int, end: int) -> None:
        for char in chars:
            self.chars.append(char)
            self.spans.append((start, end))

    def copy(self, length: int) -> None:
        """The next `length` characters, as written."""
        for offset in range(length):
            self.emit(self.text[self.pos + offset], self.pos + offset, self.pos + offset + 1)
        self.pos += length

    def skip_properties(self, column: int) -> None:
        """Past an anchor or tag (`&a`, `!!str`), where a node's mark starts, to its content."""
        self.pos = column
        while True:
            if self.peek() in "&!":
                while self.peek() not in " \t\n" + _END:
                    self.pos += 1
            elif self.peek() in " \t\n":
                self.pos += 1
            elif self.peek() == "#" and self.pos > column:
                while self.peek() not in "\n" + _END:
                    self.pos += 1
            else:
                break
        self.content = self.pos

    def scalar(self, style: str | None, value: str) -> list[_Span] | None:
        """The spans of `value`'s characters, or None when the source does not spell it."""
        if style in ("'", '"'):
            if self.peek() != style or not self.quoted(style == '"'):
                return None
        elif style in ("|", ">"):
            if self.peek() != style:
                return None
            return self.block(style == ">", value)
        else:
            # A plain scalar ends where its context says (`: `, ` #`, `,` in a flow, a line
            # indented less): PyYAML has stopped there, so only the value's length matters.
            self.plain(len(value))
            del self.chars[len(value) :], self.spans[len(value) :]
        return self.spans if "".join(self.chars) == value else None

    # -- quoted (Scanner.scan_flow_scalar and the methods it calls)

    def quoted(self, double: bool) -> bool:
        """Scan up to the closing quote; False if the text ends or an escape is unknown."""
        quote = self.peek()
        self.pos += 1
        self.content = self.pos
        while True:
            if not self.quoted_non_spaces(double):
                return False
            if self.peek() == quote:
                return True
            if not self.quoted_spaces():
                return False

    def quoted_non_spaces(self, double: bool) -> bool:
        while True:
            length = 0
            while self.peek(length) not in "'\"\\ \t\n" + _END:
                length += 1
            self.copy(length)
            char = self.peek()
            if not double and char == "'" and self.peek(1) == "'":
                self.emit("'", self.pos, self.pos + 2)
                self.pos += 2
            elif (double and char == "'") or (not double and char in '"\\'):
                self.copy(1)
            elif double and char == "\\":
                if not self.escape():
                    return False
            else:
                return True

    def escape(self) -> bool:
        """One backslash escape; an escaped line break joins the lines with nothing between."""
        start, char = self.pos, self.peek(1)
        if char in _ESCAPES:
            self.pos += 2
            self.emit(_ESCAPES[char], start, self.pos)
        elif char in _HEX_ESCAPES:
            digits = self.text[start + 2 : start + 2 + _HEX_ESCAPES[char]]
            if len(digits) != _HEX_ESCAPES[char] or not _is_code_point(digits):
                return False
            self.pos = start + 2 + len(digits)
            self.emit(chr(int(digits, 16)), start, self.pos)
        elif char == "\n":
            self.pos += 2
            self.quoted_breaks()
        else:
            return False
        return True

    def quoted_spaces(self) -> bool:
        length = 0
        while self.peek(length) in " \t":
            length += 1
        if self.peek(length) == _END:
            return False
        if self.peek(length) != "\n":
            self.copy(length)
            return True
        start = self.pos
        self.pos += length + 1
        if not self.quoted_breaks():
            self.emit(" ", start, start)  # a single line break folds to a space
        return True

    def quoted_breaks(self) -> int:
        """Empty lines inside a quoted scalar, each kept as a line break; how many."""
        count = 0
        while True:
            while self.peek() in " \t":
                self.pos += 1
            if self.peek() != "\n":
                return count
            self.emit("\n", self.pos, self.pos)
            self.pos += 1
            count += 1

    # -- plain (Scanner.scan_plain, scan_plain_spaces)

    def plain(self, length: int) -> None:
        """At least `length` characters of a plain scalar (the text allowing)."""
        while len(self.chars) < length:
            run = 0
            while self.peek(run) not in " \t\n" + _END:
                run += 1
            if not run:
                return
            self.copy(run)
            spaces = 0
            while self.peek(spaces) == " ":
                spaces += 1
            if self.peek(spaces) != "\n":
                self.copy(spaces)
                continue
            start = self.pos
            self.pos += spaces
            breaks: list[int] = []
            while self.peek() in " \n":
                if self.peek() == "\n":
                    breaks.append(self.pos)
                self.pos += 1
            # One line break folds to a space; each one after it (an empty line) is kept.
            if len(breaks) == 1:
                self.emit(" ", start, start)
            for at in breaks[1:]:
                self.emit("\n", at, at)

    # -- block (Scanner.scan_block_scalar and the methods it calls)

    def block(self, folded: bool, value: str) -> list[_Span] | None:
        header = self.pos
        self.pos += 1
        chomping: bool | None = None
        increment = 0
        for _ in range(2):
            if self.peek() in "+-":
                chomping = self.peek() == "+"
                self.pos += 1
            elif self.peek() in "123456789":
                increment = int(self.peek())
                self.pos += 1
        while self.peek() not in "\n" + _END:  # spaces and a comment; PyYAML checked them
            self.pos += 1
        self.pos += 1
        body = self.pos
        self.content = self._first_text(body)
        # An explicit indentation is relative to the enclosing block's, which the mark does
        # not keep: each possible one is tried, and only the right one can rebuild the value
        # (a wrong one changes the spaces the value starts with, or ends it early).
        header_column = header - (self.text.rfind("\n", 0, header) + 1)
        indents = range(increment, header_column + increment + 1) if increment else [0]
        for indent in indents:
            self.pos, self.chars, self.spans = body, [], []
            self.block_body(folded, chomping, indent)
            if "".join(self.chars) == value:
                return self.spans
        return None

    def _first_text(self, start: int) -> int:
        at = start
        while at < len(self.text) and self.text[at] in " \n":
            at += 1
        return at if at < len(self.text) else min(start, len(self.text))

    def block_body(self, folded: bool, chomping: bool | None, indent: int) -> None:
        """The lines of a block scalar indented `indent` (0: found from its first line)."""
        if indent:
            breaks = self.block_breaks(indent)
        else:
            breaks, indent = self.block_indentation()
        line_break: _Span | None = None
        while self.column == indent and self.peek() != _END:
            self.emit_breaks(breaks)
            leading_non_space = self.peek() not in " \t"
            length = 0
            while self.peek(length) not in "\n" + _END:
                length += 1
            self.copy(length)
            line_break = (self.pos, self.pos) if self.peek() == "\n" else None
            self.pos += 1 if line_break else 0
            breaks = self.block_breaks(indent)
            if self.column != indent or self.peek() == _END:
                break
            if folded and line_break and leading_non_space and self.peek() not in " \t":
                if not breaks:
                    self.emit(" ", *line_break)
            elif line_break:
                self.emit("\n", *line_break)
        if chomping is not False and line_break:
            self.emit("\n", *line_break)
        if chomping is True:
            self.emit_breaks(breaks)

    def block_indentation(self) -> tuple[list[int], int]:
        """Empty lines before the first text line, and the indentation that line sets."""
        breaks: list[int] = []
        indent = 0
        while self.peek() in " \n":
            if self.peek() == "\n":
                breaks.append(self.pos)
            self.pos += 1
            indent = max(indent, self.column)
        return breaks, max(indent, 1)

    def block_breaks(self, indent: int) -> list[int]:
        breaks: list[int] = []
        while self.column < indent and self.peek() == " ":
            self.pos += 1
        while self.peek() == "\n":
            breaks.append(self.pos)
            self.pos += 1
            while self.column < indent and self.peek() == " ":
                self.pos += 1
        return breaks

    def emit_breaks(self, breaks: list[int]) -> None:
        for at in breaks:
            self.emit("\n", at, at)


def _is_code_point(digits: str) -> bool:
    """Hex digits of a character (a scan that went astray may meet `\\UFFFFFFFF`)."""
    return all(char in "0123456789abcdefABCDEF" for char in digits) and int(digits, 16) <= 0x10FFFF
