"""Per-path statistics across cases (Diffy's per-field view): which paths differ, how often.

Computed on demand from the case results of one spec run; it reads `Difference`s only, so it
works on MATCH-trimmed results and costs one pass over the differences.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from yamlparity.core.jsonvalue import canonical
from yamlparity.results.records import CaseResult, Difference, not_plain

MAX_SAMPLES = 5


@dataclass
class PathStat:
    """One index-free path (`.attempts[].span_id`) and the cases where it differs."""

    facet: str
    path: str
    cases: int = 0
    targets: list[str] = field(default_factory=list)  # targets that disagreed there
    samples: list[str] = field(default_factory=list)  # up to MAX_SAMPLES case names
    verdicts: dict[str, int] = field(default_factory=dict)  # DIFF / KNOWN counts


def index_free(path: str) -> str:
    """`.a[3].b[?id==7].c` -> `.a[].b[].c`; quoted keys (`.["x[1]"]`) are kept as they are."""
    out: list[str] = []
    i = 0
    while i < len(path):
        char = path[i]
        if char != "[":
            out.append(char)
            i += 1
            continue
        end = bracket_end(path, i)
        end = len(path) - 1 if end < 0 else end  # unbalanced: the rest is the bracket
        inner = path[i + 1 : end]
        out.append(path[i : end + 1] if inner.startswith('"') else "[]")
        i = end + 1
    return "".join(out)


def overlaps(a: str, b: str) -> bool:
    """Two index-free paths meet: equal, one under the other, or one is the root."""
    return a == b or a == "." or b == "." or under(a, b) or under(b, a)


def under(child: str, parent: str) -> bool:
    """`.a[].b` is under `.a` and `.a[]`; `.ab` is not under `.a`."""
    return len(child) > len(parent) and child.startswith(parent) and child[len(parent)] in ".["


def bracket_end(path: str, start: int) -> int:
    """Index of the `]` closing the bracket at `start`, skipping JSON strings inside it; -1
    when it is never closed."""
    depth = 0
    in_string = False
    i = start
    while i < len(path):
        char = path[i]
        if in_string:
            if char == "\\":
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def disagreeing(diff: Difference) -> list[str]:
    """Targets that differ from the most common value at this path (all of them on a tie)."""
    counts: dict[str, list[str]] = {}
    for target, value in diff.values.items():
        counts.setdefault(canonical(value), []).append(target)
    groups = sorted(counts.values(), key=len, reverse=True)
    if diff.missing:
        groups.append(list(diff.missing))
        groups.sort(key=len, reverse=True)
    if len(groups) > 1 and len(groups[0]) > len(groups[1]):
        return sorted(name for group in groups[1:] for name in group)
    return sorted(name for group in groups for name in group)


def path_stats(cases: Iterable[CaseResult]) -> list[PathStat]:
    """Most frequent first; a path counts once per case however many elements differ there."""
    stats: dict[tuple[str, str], PathStat] = {}
    for case in not_plain(cases):  # a plain MATCH has no difference
        seen: set[tuple[str, str]] = set()
        for diff in case.differences:
            key = (diff.facet, index_free(diff.path))
            stat = stats.setdefault(key, PathStat(facet=key[0], path=key[1]))
            stat.targets = sorted(set(stat.targets) | set(disagreeing(diff)))
            if key in seen:
                continue
            seen.add(key)
            stat.cases += 1
            stat.verdicts[case.verdict] = stat.verdicts.get(case.verdict, 0) + 1
            if len(stat.samples) < MAX_SAMPLES:
                stat.samples.append(case.name)
    return sorted(stats.values(), key=_order)


_LINE_PATH = re.compile(r"(after )?line (\d+)")


def line_position(path: str) -> tuple[int, int] | None:
    """Where a text difference sits in its output: `line 10` -> (10, 0); `after line 10` (lines
    only some targets have, between line 10 and 11) -> (10, 1); not a line path -> None."""
    match = _LINE_PATH.fullmatch(path)
    if match is None:
        return None
    return int(match.group(2)), 1 if match.group(1) else 0


def _order(stat: PathStat) -> tuple[Any, ...]:
    """JSON paths most frequent first; the lines of a text output in the order they are read
    (`line 2` before `line 10`, `after line 10` before `line 11`), its summary last."""
    position = line_position(stat.path)
    if position is None and stat.path != "…":
        return (0, -stat.cases, stat.facet, stat.path)
    return (1, stat.facet, position or (sys.maxsize, 0))
