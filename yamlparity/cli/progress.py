"""What the terminal shows while specs run (the engine's Listener; the CLI owns the streams).

On a terminal: one live line, rewritten in place (`[2/4] float_drift 3/10 · 2 match / 1 diff`).
Elsewhere (a pipe, a file, or CI set): plain lines, one per case that did not pass.
`-q` shows neither; the `[parity]` summary lines are printed by the CLI in every mode.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from yamlparity.cli.colors import Palette
from yamlparity.core.printable import terminal_safe
from yamlparity.results.records import VERDICTS, CaseResult
from yamlparity.spec.model import Spec

PASSING = frozenset({"MATCH", "SKIP", "KNOWN"})
REFRESH_SECONDS = 0.05  # at most ~20 redraws a second: a fast spec must not flood the terminal


def live_terminal(stream: TextIO) -> bool:
    """A live line only on an interactive terminal, and never in CI logs."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool,
        quiet: bool,
        specs: int,
        paint: Palette | None = None,
    ) -> None:
        self.stream = stream
        self.paint = paint or Palette()
        self.live = live and not quiet
        self.plain = not live and not quiet
        self.specs = specs
        self.index = 0
        self.tally: dict[str, int] = {}
        self._drawn = 0.0
        self._width = 0

    # Listener protocol (engine.Listener)
    def spec_started(self, spec: Spec, total: int) -> None:
        self.index += 1
        self.tally = dict.fromkeys(VERDICTS, 0)
        if self.live:
            self._draw(spec.name, 0, total, force=True)

    def case_finished(self, spec: Spec, result: CaseResult, done: int, total: int) -> None:
        self.tally[result.verdict] += 1
        if self.live:
            self._draw(spec.name, done, total, force=done == total)
        elif self.plain and result.verdict not in PASSING:
            reason = f": {terminal_safe(_one_line(result.reason))}" if result.reason else ""
            verdict = self.paint.verdict(result.verdict, f"{result.verdict:<5}")
            self.stream.write(f"  {verdict} {spec.name}/{result.name}{reason}\n")
            if result.failures and result.groups and len(spec.targets) > 2:
                # N-way: one failure must not hide that the others answered, and how.
                from yamlparity.report.render import agreement_text

                self.stream.write(f"        agreement: {agreement_text(result)}\n")
            self.stream.flush()

    def cases_corrected(self, spec: Spec, message: str) -> None:
        # On stderr, as the live line: the summary line on stdout already counts them right.
        self.clear()
        sys.stderr.write(terminal_safe(message) + "\n")
        sys.stderr.flush()

    def clear(self) -> None:
        """Erase the live line before anything else is printed."""
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def _draw(self, name: str, done: int, total: int, *, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < REFRESH_SECONDS:
            return
        self._drawn = now
        counts = " / ".join(f"{n} {v.lower()}" for v, n in self.tally.items() if n)
        line = f"[{self.index}/{self.specs}] {name} {done}/{total}" + (
            f" · {counts}" if counts else ""
        )
        pad = max(0, self._width - len(line))
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._width = len(line)


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
