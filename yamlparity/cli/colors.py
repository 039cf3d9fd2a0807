"""Terminal colours: verdicts and tallies in colour where the reader sees colour.

Decided once per stream, in this order (docs/cli.md, "Colours"):
`NO_COLOR` set and not empty: never (no-color.org); `FORCE_COLOR` set and not empty: always
(force-color.org; any value, as Python and pytest read it); `TERM=dumb`: never; under GitHub
Actions (`GITHUB_ACTIONS=true`, whose log shows ANSI colours though it is no terminal): always;
else only on a terminal (a pipe or a file gets plain text).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

RESET = "\033[0m"
VERDICT_CODES = {
    "MATCH": "32",  # green
    "DIFF": "31",  # red
    "FAIL": "33",  # yellow
    "ERROR": "35",  # magenta
    "SKIP": "2",  # dim
    "KNOWN": "36",  # cyan
    "FIXED": "34",  # blue
}
_TALLY_PART = re.compile(r"\b(\d+) (match|diff|fail|error|skip|known|fixed)\b")


def color_enabled(stream: TextIO | None, env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", ""):
        return True
    if env.get("TERM", "") == "dumb":
        return False
    if env.get("GITHUB_ACTIONS", "") == "true":
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class Palette:
    """Wraps text in ANSI colours when `enabled`; returns it unchanged otherwise."""

    enabled: bool = False

    def paint(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}{RESET}" if self.enabled and text else text

    def bold(self, text: str) -> str:
        return self.paint("1", text)

    def dim(self, text: str) -> str:
        return self.paint("2", text)

    def verdict(self, verdict: str, text: str | None = None) -> str:
        """`text` (the verdict itself by default) in the verdict's colour."""
        shown = verdict if text is None else text
        code = VERDICT_CODES.get(verdict)
        return self.paint(f"1;{code}" if code and code != "2" else "2", shown)

    def tally(self, line: str) -> str:
        """`4 match / 1 diff`: each non-zero count in its verdict's colour."""
        if not self.enabled:
            return line

        def colour(match: re.Match[str]) -> str:
            count, word = match.group(1), match.group(2)
            if count == "0":
                return match.group(0)
            return self.verdict(word.upper(), match.group(0))

        return _TALLY_PART.sub(colour, line)


def palette_for(stream: TextIO | None) -> Palette:
    """The palette for text printed to `stream` (stdout when None)."""
    return Palette(color_enabled(sys.stdout if stream is None else stream))
