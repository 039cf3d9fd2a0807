"""Markdown to HTML a block at a time, byte for byte what markdown-it gives the whole document.

The markdown of a report over 100k matching cases is ~11 MB; markdown-it's tokens for it,
parsed whole, take ~13 KB per case (measured: 310 MiB peak at 20k cases). Here lines go into
a window; markdown-it parses the window and every top-level block but the last is rendered
and dropped (the last may still grow). Whether a block ends, and how, is decided by
markdown-it itself, so every construct (fences, `<pre>` and `<details>` blocks, lists that
continue past a blank line, lazy lines) is cut only where the parser cut it. The equality
rests on three facts of markdown-it's design, pinned by tests/unit/report/test_html_chunks.py
(a property test over generated documents among them):

- a top-level block's tokens depend only on its own lines and the line that ended it, and the
  HTML of a token list is the HTML of its blocks, one after the other;
- the only state shared across blocks is `env` (link reference definitions): a document that
  defines one raises Unchunkable, and the caller renders it whole;
- a table's rows are independent given its header and delimiter rows, except for a running
  count of missing cells (markdown-it stops a table past 65,536): a long table is cut only at
  rows where that count is back to zero, so each piece, re-parsed with the header and
  delimiter rows, counts from zero as the whole table does there. Its pieces' `<table>`,
  `<thead>` and `</tbody></table>` are rendered once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_block.table import escapedSplit
from markdown_it.token import Token

try:  # the trim markdown-it's table rule applies (4.0 used str.strip)
    from markdown_it.common.utils import mdTrim as _md_trim
except ImportError:  # pragma: no cover - older markdown-it-py

    def _md_trim(string: str) -> str:
        return string.strip()


WINDOW_CHARS = 64 * 1024  # markdown parsed at once: a few hundred table rows


class Unchunkable(Exception):
    """The document has something only whole-document rendering gets right."""


@dataclass
class _Block:
    """One top-level block of a parsed window: tokens[start:stop], source lines [first, end)."""

    start: int
    stop: int
    first: int
    end: int
    kind: str


@dataclass
class _OpenTable:
    """A table whose first rows are written: its header and delimiter lines (re-parsed before
    the rows that follow) and the HTML that closes it."""

    head: list[str]
    close: str


def render_chunked(
    parser: MarkdownIt,
    pieces: Iterable[str],
    write: Callable[[str], object],
    *,
    window: int = WINDOW_CHARS,
) -> None:
    """Write the HTML of the markdown that `pieces` make up, joined, to `write`. Raises
    Unchunkable, possibly after writing some HTML, for a document that must be rendered whole."""
    chunker = _Chunker(parser, write, window)
    for piece in pieces:
        chunker.feed(piece)
    chunker.close()


# A line as markdown-it counts them (its normalize step: `\r\n`, `\r` and `\n` end a line).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")


class _Chunker:
    def __init__(self, parser: MarkdownIt, write: Callable[[str], object], window: int) -> None:
        self.parser, self.write, self.window = parser, write, window
        self.lines: list[str] = []
        self.chars = 0
        self.limit = window
        self.table: _OpenTable | None = None
        self.partial: list[str] = []  # the current line's text so far

    def feed(self, text: str) -> None:
        held_cr = bool(self.partial) and self.partial[-1].endswith("\r")
        if "\n" not in text and "\r" not in text and not held_cr:
            self.partial.append(text)
            return
        text = "".join(self.partial) + text
        # A final `\r` may be the first half of a `\r\n`: it waits for the next piece.
        end = len(text) - 1 if text.endswith("\r") else len(text)
        start = 0
        for match in _LINE.finditer(text, 0, end):
            self._line(match.group())
            start = match.end()
        self.partial = [text[start:]] if start < len(text) else []

    def close(self) -> None:
        if self.partial:
            self._line("".join(self.partial))
        self._flush(final=True)

    def _line(self, line: str) -> None:
        # markdown-it reads `\r\n` and `\r` as `\n` (its normalize step), so this changes
        # nothing it renders; kept with a lone `\r`, a table's header line re-parsed before a
        # blank line (`\n`) made one `\r\n` of the two, and every line after shifted by one.
        if line.endswith("\r\n"):
            line = line[:-2] + "\n"
        elif line.endswith("\r"):
            line = line[:-1] + "\n"
        self.lines.append(line)
        self.chars += len(line)
        if self.chars >= self.limit:
            self._flush(final=False)

    def _flush(self, *, final: bool) -> None:
        head = self.table.head if self.table else []
        source = head + self.lines
        env: dict[str, object] = {}
        tokens = self.parser.parse("".join(source), env)
        if env:  # link reference definitions reach across blocks
            raise Unchunkable("link reference definitions")
        blocks = _blocks(tokens)
        if self.table is not None and (not blocks or blocks[0].kind != "table_open"):
            raise Unchunkable("a continued table did not parse as a table")  # never seen
        done = blocks if final else blocks[:-1]
        for block in done:
            self.write(self._html(tokens, block))
        written = [(block.first, block.end) for block in done]
        keep = len(source)
        if not final and blocks:
            last = blocks[-1]
            keep = last.first
            if last.kind == "table_open" and last.end == len(source):
                keep = self._write_rows(tokens, last, source)
                written.append((last.first, keep))
        _check_dropped(source, written, keep)
        # An open table's header stays in `head`; every other line before `keep` is written.
        self.lines = source[max(keep, len(head)) :]
        self.chars = sum(len(line) for line in self.lines)
        # A block longer than the window is re-parsed as it grows: doubling bounds the work.
        self.limit = max(self.window, 2 * self.chars)

    def _html(self, tokens: Sequence[Token], block: _Block) -> str:
        if self.table is None:
            return _render(self.parser, tokens[block.start : block.stop])
        # The first block is the open table: the rows after those written, and its end.
        close, self.table = self.table.close, None
        body = _find(tokens, block, "tbody_open")
        return close if body is None else _render(self.parser, tokens[body + 1 : block.stop])

    def _write_rows(self, tokens: Sequence[Token], table: _Block, source: list[str]) -> int:
        """Write a table that reaches the window's end up to its last row where the count of
        missing cells is zero; return the first source line still to parse."""
        body = _find(tokens, table, "tbody_open")
        if body is None:
            return table.first
        columns = sum(1 for t in tokens[table.start : body] if t.type == "th_open")
        missing = 0
        line = row = cut = -1  # the source line and the tr_close index of the last row to write
        for index in range(body + 1, table.stop):
            token = tokens[index]
            if token.type == "tr_open":
                assert token.map is not None  # markdown-it maps every row
                line = token.map[0]
                missing += columns - _cells(source[line])
            elif token.type == "tr_close" and missing == 0:
                row, cut = line, index
        if cut < 0:
            return table.first  # not provably cuttable: the table stays whole in the window
        if self.table is None:
            self.write(_render(self.parser, tokens[table.start : cut + 1]))
            # tbody_close and table_close, written when the table ends
            close = _render(self.parser, tokens[table.stop - 2 : table.stop])
            self.table = _OpenTable(source[table.first : table.first + 2], close)
        else:
            self.write(_render(self.parser, tokens[body + 1 : cut + 1]))
        return row + 1


def _blocks(tokens: Sequence[Token]) -> list[_Block]:
    """The top-level blocks: an opening token at level 0 up to its closing one, or one token."""
    blocks: list[_Block] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.level != 0 or token.nesting == -1 or token.map is None:
            raise Unchunkable(f"unexpected top-level token {token.type}")  # never seen
        stop = index + 1
        if token.nesting == 1:
            while not (tokens[stop].level == 0 and tokens[stop].nesting == -1):
                stop += 1
            stop += 1
        blocks.append(_Block(index, stop, token.map[0], token.map[1], token.type))
        index = stop
    return blocks


def _find(tokens: Sequence[Token], block: _Block, kind: str) -> int | None:
    for index in range(block.start, block.stop):
        if tokens[index].type == kind:
            return index
    return None


def _cells(line: str) -> int:
    """How many cells markdown-it's table rule splits a row line into."""
    columns = escapedSplit(_md_trim(line.rstrip("\r\n")))
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    return len(columns)


def _check_dropped(source: Sequence[str], written: Sequence[tuple[int, int]], keep: int) -> None:
    """Lines before `keep` outside every written range must be blank: nothing was lost."""
    inside: set[int] = set()
    for first, end in written:
        inside.update(range(first, end))
    for number in range(min(keep, len(source))):
        if number not in inside and source[number].strip(" \t\r\n"):
            raise Unchunkable("a line outside every block")  # never seen


def _render(parser: MarkdownIt, tokens: Sequence[Token]) -> str:
    return str(parser.renderer.render(tokens, parser.options, {}))
