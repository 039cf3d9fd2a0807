"""How a target's failure text carries what a helper wrote on stderr before it failed.

A stream helper's failure is `<what happened>; helper stderr tail:\\n<its last lines>`: the
report shows the tail as lines under the target, a case's one-line reason leaves it out.
"""

from __future__ import annotations

STDERR_TAIL = "; helper stderr tail:\n"


def with_stderr_tail(failure: str, tail: str) -> str:
    return failure + (STDERR_TAIL + tail if tail else "")


def split_stderr_tail(failure: str) -> tuple[str, str]:
    """(what happened, the stderr tail or "")."""
    what, _, tail = failure.partition(STDERR_TAIL)
    return what, tail
