"""How deeply nested a JSON value may be: one bound for every step, and the room to reach it.

Parsing (the C scanner), comparing, normalizing and writing a value all recurse once or more
per level, and Python's recursion limit is one number for the whole process. It used to be
raised by the first comparison, so whether a 1,500-deep answer parsed depended on whether
another case had been compared before it (-j, -k, the order of cases). Now the limit and the
stack size of threads are set when yamlparity is imported (before the engine starts a lane),
and a document nested deeper than MAX_DEPTH is refused by name, the same way every time.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Any, Final

__all__ = ["MAX_DEPTH", "deeper_than", "ensure_room"]

MAX_DEPTH: Final = 2_000  # levels of arrays and objects in one output (documented)
# Documents yamlparity writes around an output (a results file, a recording) add a few levels.
ENVELOPE_DEPTH: Final = 64
# Python frames per level in the deepest walk measured (rules, then a multiset's keys: about
# 3); the limit leaves room for that plus the stack below it. Not much more: past ~20,000 an
# endless recursion in a user's report template (Jinja calls through C) overflows the main
# thread's 8 MB stack before RecursionError, hence a bound of 2,000 levels, not more.
_FRAMES_PER_LEVEL: Final = 5
RECURSION_LIMIT: Final = _FRAMES_PER_LEVEL * (MAX_DEPTH + ENVELOPE_DEPTH) + 2_000
# C recursion (the JSON scanner, `==` on nested lists, generators) uses the thread's own stack:
# about 0.4 KB a level at worst measured; platforms differ in their default (musl: 128 KB).
THREAD_STACK: Final = 64 * 1024 * 1024


_stack_set = False


def ensure_room() -> None:
    """Raise the recursion limit and the stack size of threads started from now on to what
    MAX_DEPTH needs (never lowers the limit; a stack size someone chose is kept)."""
    global _stack_set
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    if not _stack_set:
        _stack_set = True
        # threading.stack_size() without an argument would reset it: set, then look at what
        # was there. A platform that cannot set it keeps its default.
        with contextlib.suppress(ValueError, RuntimeError):
            chosen = threading.stack_size(THREAD_STACK)
            if chosen:
                threading.stack_size(chosen)


def deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels (`[1]` is 1 level). Level by
    level, without recursion: ~0.4 s on a 12 MB document, so callers ask only when the text
    holds more than `limit` brackets."""
    level = [value] if type(value) is list or type(value) is dict else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) is list or type(child) is dict
        ]
    return False
