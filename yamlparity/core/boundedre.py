"""Regular expressions from specs, run against target output with a time bound.

A spec's regex (`scrub`, `expect: matches`, a service's `ready.log`) meets text a target
wrote: `(a+)+$` against a long run of `a`s backtracks for hours with Python's `re`. These
patterns run on the `regex` module, which keeps `re`'s syntax and semantics and stops a match
after a timeout. Time is budgeted per block (`budget()`: one rule applied to one output, one
expectation): every match inside it shares what is left, so a million small strings cannot
add up to a million timeouts. A match past the budget raises RegexTimeout.

Why not RE2 (linear time, `google-re2`): it refuses look-arounds and back-references that
valid specs use, and logs parse errors to stderr; measured: `regex` stopped `(a+)+$` on
5,000 `a`s within 1.3 s of a 0.5 s timeout (the overshoot is its check interval).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from re import _constants, _parser  # type: ignore[attr-defined, unused-ignore]
from typing import Any

__all__ = ["BoundedPattern", "RegexTimeout", "budget", "compile", "error", "linear"]

# The most one match may take: a base, and time in proportion to the text (a linear regex
# scans ~50 MB/s here; this allows 1 MB/s, so only backtracking comes near it).
CALL_SECONDS = 0.2
CALL_SECONDS_PER_CHAR = 1e-6
# A block's budget (one rule over one output): measured, a scrub over 300k short strings
# takes ~3 s here with timeouts on; these leave such work several times that.
BASE_SECONDS = 2.0
PER_CALL_SECONDS = 50e-6
PER_CHAR_SECONDS = 1e-6


class error(ValueError):
    """A pattern that does not compile: `msg`, and `pos` (0-based) in the pattern. Checked
    with `re` first, so the message and position are the ones `re` users know."""

    def __init__(self, msg: str, pos: int | None) -> None:
        super().__init__(msg if pos is None else f"{msg} at position {pos}")
        self.msg = msg
        self.pos = pos


_local = threading.local()


class RegexTimeout(ValueError):
    """A spec regex ran past its time budget (catastrophic backtracking)."""


@dataclass
class _Budget:
    """Time allowed to the regex matches of one block: a base, plus a little per call and
    per character, so a large output gets time in proportion and a hostile one is still
    stopped within seconds per megabyte, not hours."""

    started: float
    spent: float = 0.0
    calls: int = 0
    chars: int = 0

    def allowed(self) -> float:
        return BASE_SECONDS + self.calls * PER_CALL_SECONDS + self.chars * PER_CHAR_SECONDS


@contextmanager
def budget() -> Iterator[None]:
    """Every match in the block shares one budget; nested blocks keep the outer one."""
    outer = getattr(_local, "budget", None)
    if outer is None:
        _local.budget = _Budget(time.monotonic())
    try:
        yield
    finally:
        if outer is None:
            _local.budget = None


def _timeout_for(pattern: str, text: str) -> float:
    """The timeout of the next call, and the budget check before it."""
    per_call = CALL_SECONDS + len(text) * CALL_SECONDS_PER_CHAR
    spent = getattr(_local, "budget", None)
    if spent is None:
        return per_call  # outside any block: each match is bounded on its own
    spent.calls += 1
    spent.chars += len(text)
    left: float = spent.allowed() - spent.spent
    if left <= 0:
        raise _timeout(pattern)
    return min(per_call, left)


def _charge(started: float) -> None:
    spent = getattr(_local, "budget", None)
    if spent is not None:
        spent.spent += time.monotonic() - started


def _timeout(pattern: str) -> RegexTimeout:
    shown = pattern if len(pattern) <= 60 else pattern[:57] + "..."
    return RegexTimeout(
        f"regex {shown!r} ran past its time bound on this output (nested repetition such "
        "as (a+)+ backtracks without end; make the pattern unambiguous)"
    )


class BoundedPattern:
    """A compiled spec regex whose matches respect the current budget. A pattern without
    unbounded repetition (`uuid`, `[0-9]{4}-[0-9]{2}`) runs in linear time: it runs on `re`
    with no timeout, which costs nothing per call (a timeout costs ~10 us per call)."""

    __slots__ = ("_bounded", "_compiled", "_fast", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        import regex  # here, not at the top: ~8 ms of every run's start-up, for spec regexes

        try:
            self._fast = re.compile(pattern)
            self._compiled = regex.compile(pattern)
        except (re.error, regex.error) as exc:
            raise error(str(exc.msg), exc.pos) from None
        self._bounded = linear(pattern)

    def sub(self, repl: Callable[[Any], str] | str, text: str) -> str:
        if self._bounded:
            return self._fast.sub(repl, text)
        # Most strings hold no match: a search is ~4x cheaper than a sub with a timeout.
        if self.search(text) is None:
            return text
        started = time.monotonic()
        try:
            result: str = self._compiled.sub(repl, text, timeout=_timeout_for(self.pattern, text))
        except TimeoutError:
            raise _timeout(self.pattern) from None
        finally:
            _charge(started)
        return result

    def search(self, text: str) -> Any:
        if self._bounded:
            return self._fast.search(text)
        started = time.monotonic()
        try:
            return self._compiled.search(text, timeout=_timeout_for(self.pattern, text))
        except TimeoutError:
            raise _timeout(self.pattern) from None
        finally:
            _charge(started)

    def __repr__(self) -> str:
        return f"BoundedPattern({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BoundedPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)


_BOUNDED_WORK = 10_000  # the most steps nested bounded repeats may multiply to


def linear(pattern: str) -> bool:
    """Whether `pattern` matches in time linear in the text: no back-reference, nested
    bounded repeats multiplying to a small number, and no unbounded repeat (`*`, `+`, `{n,}`)
    but, at most, one of a single character class at the very end (`[0-9]+`, `\\s*`): an
    attempt that reaches it succeeds and consumes the run, so no run is scanned twice."""
    try:
        items = list(_parser.parse(pattern))
    except re.error:
        return False
    if items and _single_char_tail(items[-1]):
        items = items[:-1]
    return _work(items) is not None


_SINGLE = frozenset({"LITERAL", "NOT_LITERAL", "IN", "ANY", "CATEGORY"})


def _single_char_tail(item: tuple[Any, Any]) -> bool:
    op, av = item
    if str(op) not in ("MAX_REPEAT", "POSSESSIVE_REPEAT"):
        return False
    body = list(av[2])
    return len(body) == 1 and str(body[0][0]) in _SINGLE


def _work(items: list[Any]) -> int | None:
    """The most a sequence of parsed items can multiply work by; None when unbounded."""
    most = 1
    for op, av in items:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            _low, high, body = av
            if high == _constants.MAXREPEAT:
                return None
            inner = _work(list(body))
            if inner is None or high * inner > _BOUNDED_WORK:
                return None
            most = max(most, high * inner)
        elif name in ("GROUPREF", "GROUPREF_EXISTS"):
            return None
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            inner = _work(list(av[-1]))
            if inner is None:
                return None
            most = max(most, inner)
        elif name == "BRANCH":
            for branch in av[1]:
                inner = _work(list(branch))
                if inner is None:
                    return None
                most = max(most, inner)
        elif name in ("ASSERT", "ASSERT_NOT"):
            inner = _work(list(av[1]))
            if inner is None:
                return None
            most = max(most, inner)
    return most


def compile(pattern: str) -> BoundedPattern:
    """Compile a spec regex; raises `error` (regex.error) with `.msg` and `.pos` like re's."""
    return BoundedPattern(pattern)
