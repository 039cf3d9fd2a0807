"""pytest's rewritten modules written to its cache once, before xdist's workers start.

pytest rewrites the asserts of every test module, conftest file and plugin package it imports
(here yamlparity and hypothesis too: both are pytest plugins) and caches the result beside the
source, but not under PYTHONDONTWRITEBYTECODE, which CI images set: each xdist worker then
rewrites all of them again while it collects. Measured on 2 cores: 6.3 s of a worker's 8.8 s
of collection CPU, 25 s of the suite's ~390 with 4 workers. A worker reads a cached module
whatever that variable says, so the controller writes the cache once, split over the cores,
before it starts them (~3 s; nothing to do when the cache is current).

This reaches into pytest's assertion-rewriting internals; with a pytest where they differ,
nothing is warmed and the suite only runs as before.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def warm(config: pytest.Config, tests: Path, processes: int) -> None:
    """Write the rewritten form of every module pytest will rewrite, in `processes` forks."""
    try:
        from _pytest.assertion import rewrite
        from _pytest.assertion.rewrite import assertstate_key

        state = config.stash[assertstate_key]
        marked = sorted(getattr(state.hook, "_must_rewrite", ()))
        stale = [f for f in _rewritten_files(tests, marked) if _stale(rewrite, f)]
    except (ImportError, AttributeError, KeyError):
        return
    chunks = [stale[n::processes] for n in range(processes) if stale[n::processes]]
    children = []
    for chunk in chunks:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's work is seen in the cache it writes
            try:
                for path in chunk:
                    _write(rewrite, config, state, path)
            finally:
                os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)


def _rewritten_files(tests: Path, marked: list[str]) -> Iterator[Path]:
    yield from tests.rglob("test_*.py")
    yield from tests.rglob("conftest.py")
    for name in marked:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        origin = Path(spec.origin)
        if spec.submodule_search_locations:
            yield from origin.parent.rglob("*.py")
        else:
            yield origin


def _cached(rewrite: object, path: Path) -> Path:
    tail: str = rewrite.PYC_TAIL  # type: ignore[attr-defined]
    folder: Path = rewrite.get_cache_dir(path)  # type: ignore[attr-defined]
    return folder / (path.name[:-3] + tail)


def _stale(rewrite: object, path: Path) -> bool:
    return rewrite._read_pyc(path, _cached(rewrite, path)) is None  # type: ignore[attr-defined]


def _write(rewrite: object, config: pytest.Config, state: object, path: Path) -> None:
    try:
        stat, code = rewrite._rewrite_test(path, config)  # type: ignore[attr-defined]
    except (OSError, SyntaxError, ValueError):
        return  # pytest reports it where it imports the module
    pyc = _cached(rewrite, path)
    if rewrite.try_makedirs(pyc.parent):  # type: ignore[attr-defined]
        rewrite._write_pyc(state, code, stat, pyc)  # type: ignore[attr-defined]
