"""The exception tree: user errors carry a location, a message and a hint."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a spec file (1-based line and column)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


class YamlparityError(Exception):
    """Base of every error yamlparity raises on purpose."""


class SpecError(YamlparityError):
    """A spec (or something it names) is wrong; the run must not start."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        hint: str | None = None,
        *,
        key_path: str | None = None,
        source_line: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.key_path = key_path
        self.source_line = source_line

    def render(self) -> str:
        """Hurl-style: `error: what`, `--> file:line:col`, the line with a caret, a hint."""
        lines = [f"error: {self.message}"]
        if self.location is not None:
            where = str(self.location)
            if self.key_path:
                where += f" (at {self.key_path})"
            lines.append(f"  --> {where}")
            if self.source_line is not None and self.location.column:
                gutter = " " * len(str(self.location.line))
                lines.append(f"{gutter} |")
                lines.append(f"{self.location.line} | {self.source_line}")
                caret_pad = _caret_pad(self.source_line, self.location.column)
                lines.append(f"{gutter} | {caret_pad}^")
        if self.hint:
            lines.append(f"  = hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _caret_pad(line: str, column: int) -> str:
    """Blanks as wide on screen as `line` before `column`: columns count characters, a
    terminal counts cells."""
    before = line[: column - 1]
    return "".join(_blank(char) for char in before) + " " * (column - 1 - len(before))


def _blank(char: str) -> str:
    """A tab stays a tab; a wide character (CJK, most emoji) takes two cells, a combining
    one none."""
    if char == "\t":
        return char
    if unicodedata.combining(char):
        return ""
    return "  " if unicodedata.east_asian_width(char) in ("W", "F") else " "


class SpecErrors(SpecError):
    """Several specs are wrong (a folder of them): every error, in spec order."""

    def __init__(self, errors: list[SpecError]) -> None:
        first = errors[0]
        super().__init__(first.message, first.location, first.hint, key_path=first.key_path)
        self.errors = errors

    def render(self) -> str:
        return "\n\n".join(error.render() for error in self.errors)


class UsageError(YamlparityError):
    """The command line is wrong (exit 2)."""


class RuleError(YamlparityError):
    """A normalization rule does not parse; `column` is 1-based inside the expression."""

    def __init__(self, message: str, column: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.hint = hint
