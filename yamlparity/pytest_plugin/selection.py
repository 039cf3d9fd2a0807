"""How pytest chose a spec's cases, in the words a report and the run history use.

A pytest session narrows a spec's cases in three ways: while collecting (node ids on the command
line; `--lf` drops passed cases of a file it was not given by name), by deselection (`-k`, `-m`,
`--lf`, `--sw`, `--deselect`, or a plugin) and by stopping before the end (`-x`, `--maxfail`,
Ctrl-C). Each spec's report and history line say
which of these left cases out, as `yamlparity run -k` says its filter: `pytest -k 'coupon':
2 of 16 cases`. A spec whose every case ran is a full run, whatever options were given.

The description always starts with `pytest` and has two words side by side, so it is never a
`-k` expression: `yamlparity history` tells it from the bare expression `run -k` records.
No pytest import: the controller of an xdist session builds it from what workers sent.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_NODE_IDS = 3  # node ids named in a description; more are counted
UNNAMED = "pytest's selection"  # cases left out, but by nothing the description can name
STOPPED = "stopped early"


@dataclass(frozen=True)
class Counts:
    """One spec's cases at each step of the session."""

    total: int  # in the spec
    collected: int  # items pytest collected (node ids on the command line narrow this)
    selected: int  # items left after deselection
    shown: int  # cases whose outcome pytest reported

    @property
    def partial(self) -> bool:
        return self.shown < self.total


@dataclass(frozen=True)
class Narrowing:
    """What the session was asked to narrow the cases by: the same in every process of it."""

    args: tuple[str, ...] = ()  # pytest's positional arguments (node ids among them)
    keyword: str = ""  # -k
    markexpr: str = ""  # -m
    last_failed: bool = False  # --lf
    stepwise: bool = False  # --sw
    deselect: bool = False  # --deselect
    start: str = "."  # where pytest was started: arguments are relative to it

    @classmethod
    def of(cls, config: Any) -> Narrowing:
        """From a pytest.Config (typed loosely: this module never imports pytest)."""
        option = config.getoption
        return cls(
            args=tuple(str(arg) for arg in config.args),
            keyword=str(option("keyword", "") or ""),
            markexpr=str(option("markexpr", "") or ""),
            last_failed=bool(option("lf", False)),
            stepwise=bool(option("stepwise", False)),
            deselect=bool(option("deselect", None)),
            start=str(config.invocation_params.dir),
        )

    def node_ids(self, spec_file: str) -> list[str]:
        """The node ids given for cases of `spec_file`, as typed."""
        wanted = _absolute(self.start, spec_file)
        return [
            arg
            for arg in self.args
            if "::" in arg and _absolute(self.start, arg.split("::", 1)[0]) == wanted
        ]

    def deselecting(self) -> list[str]:
        """The options given that deselect cases, as typed on the command line."""
        found = [f"-k {shlex.quote(self.keyword)}"] if self.keyword else []
        if self.markexpr:
            found.append(f"-m {shlex.quote(self.markexpr)}")
        found += [flag for flag, given in self._flags() if given]
        return found

    def _flags(self) -> Sequence[tuple[str, bool]]:
        return (("--lf", self.last_failed), ("--sw", self.stepwise), ("--deselect", self.deselect))


def chosen(narrowing: Narrowing, spec_file: str, counts: Counts) -> str | None:
    """`pytest -k 'coupon' --lf, stopped early`: what left cases of the spec out; None when
    every case ran."""
    if not counts.partial:
        return None
    words: list[str] = []
    if counts.collected < counts.total:
        words += _node_id_words(narrowing.node_ids(spec_file))
    if counts.selected < counts.collected:
        words += narrowing.deselecting()
    elif counts.collected < counts.total and narrowing.last_failed:
        # --lf drops a file's passed cases while collecting it (unless the file was named).
        words.append("--lf")
    left_out = counts.selected < counts.total
    head = f"pytest {' '.join(words)}" if words else (UNNAMED if left_out else "")
    if counts.shown < counts.selected:
        return f"{head}, {STOPPED}" if head else f"pytest {STOPPED}"
    return head or UNNAMED


def _node_id_words(ids: list[str]) -> list[str]:
    if len(ids) > MAX_NODE_IDS:
        return [f"{len(ids)} node ids"]
    return [shlex.quote(node) for node in ids]


def _absolute(start: str, path: str) -> str:
    return os.path.normcase(os.path.abspath(Path(start, path)))
