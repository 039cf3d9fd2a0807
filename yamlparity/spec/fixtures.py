"""Fixture files: reading `.json` / `.jsonl` case files a row or an item at a time.

Checked JSON parsing (a key written twice is an error, not "the last one wins"), the items of a
`.json` document with their byte ranges, UTF-8 and byte-order-mark handling, and the line/column
helpers for error messages. Separate from load.py because it is plain file reading with no
knowledge of specs; the spec builder turns what it yields into cases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from yamlparity.core.errors import Location, SpecError
from yamlparity.core.jsonvalue import JSON, JsonDecodeError, Number
from yamlparity.spec.source import file_errors

BOM = b"\xef\xbb\xbf"
_WS = re.compile(r"[ \t\n\r]*")


class DuplicateKey(ValueError):
    def __init__(self, key: str, start: int = 0) -> None:
        super().__init__(key)
        self.key, self.start = key, start


def _checked_object(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise DuplicateKey(key)
    return value


def _reject_constant(name: str) -> JSON:
    raise ValueError(f"{name} is not valid JSON")


# Like jsonvalue's decoder, and a key written twice is an error, not "the last one wins".
_CHECKED = json.JSONDecoder(
    parse_int=Number,
    parse_float=Number,
    parse_constant=_reject_constant,
    object_pairs_hook=_checked_object,
)


def parse_checked(text: str) -> JSON:
    try:
        value: JSON = _CHECKED.decode(text)
    except json.JSONDecodeError as exc:
        raise JsonDecodeError(exc.msg, exc.lineno, exc.colno, exc.pos) from None
    except DuplicateKey:
        raise
    except (ValueError, RecursionError) as exc:
        raise JsonDecodeError(str(exc) or type(exc).__name__) from None
    return value


class JsonItems:
    """The items of a .json fixture (a list of rows, or an object name -> input), one at a
    time: (key or None, start, end, parsed item); errors are JsonDecodeError as json gives them."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.object_form = False
        self.shape_error = False
        self.key_start = 0

    def __iter__(self) -> Iterator[tuple[str | None, int, int, JSON]]:
        body = self.body
        pos = _WS.match(body, 0).end()  # type: ignore[union-attr]
        if pos >= len(body) or body[pos] not in "[{":
            parse_checked(body)  # the document's own error, if it has one
            self.shape_error = True
            return
        self.object_form = body[pos] == "{"
        closer = "}" if self.object_form else "]"
        pos = self._skip(pos + 1)
        if body.startswith(closer, pos):
            self._end(pos + 1)
            return
        while True:
            key: str | None = None
            if self.object_form:
                key, pos = self._key(pos)
            try:
                item, end = _CHECKED.raw_decode(body, pos)
            except json.JSONDecodeError as exc:
                raise JsonDecodeError(exc.msg, exc.lineno, exc.colno, exc.pos) from None
            except DuplicateKey as exc:
                raise DuplicateKey(exc.key, pos) from None
            except (ValueError, RecursionError) as exc:
                raise self._error(str(exc) or type(exc).__name__, pos) from None
            yield key, pos, end, item
            pos = self._skip(end)
            if body.startswith(",", pos):
                pos = self._skip(pos + 1)
                continue
            if body.startswith(closer, pos):
                self._end(pos + 1)
                return
            raise self._error("Expecting ',' delimiter", pos)

    def _key(self, pos: int) -> tuple[str, int]:
        body = self.body
        if not body.startswith('"', pos):
            raise self._error("Expecting property name enclosed in double quotes", pos)
        self.key_start = pos
        try:
            key, pos = json.decoder.scanstring(body, pos + 1)  # type: ignore[attr-defined]
        except json.JSONDecodeError as exc:
            raise JsonDecodeError(exc.msg, exc.lineno, exc.colno, exc.pos) from None
        pos = self._skip(pos)
        if not body.startswith(":", pos):
            raise self._error("Expecting ':' delimiter", pos)
        return cast(str, key), self._skip(pos + 1)

    def _skip(self, pos: int) -> int:
        return _WS.match(self.body, pos).end()  # type: ignore[union-attr]

    def _end(self, pos: int) -> None:
        if self._skip(pos) != len(self.body):
            raise self._error("Extra data", self._skip(pos))

    def _error(self, message: str, pos: int) -> JsonDecodeError:
        line, column = line_column(self.body, pos)
        return JsonDecodeError(message, line, column, pos)


def line_column(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def starts_with_bom(file: Path) -> bool:
    with file.open("rb") as handle:
        return handle.read(len(BOM)) == BOM


def open_fixture(file: Path, display: str) -> BinaryIO:
    """The file for reading, or the SpecError read_text would give."""
    with file_errors(display):
        return file.open("rb")


def decode_line(data: bytes, display: str, line: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        column = len(data[: exc.start].decode("utf-8", "replace")) + 1
        raise SpecError(
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02X})",
            Location(display, line, column),
            "save the file as UTF-8",
            source_line=data.decode("utf-8", "replace"),
        ) from None


def read_line(path: Path, number: int) -> str | None:
    """One line of a fixture file, for an error message (the file is not kept)."""
    try:
        with path.open("rb") as handle:
            for current, data in enumerate(handle, start=1):
                if current == number:
                    text = data.removesuffix(b"\n").decode("utf-8", "replace")
                    return text.removeprefix("\ufeff")
    except OSError:
        return None
    return None
