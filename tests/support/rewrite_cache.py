"""pytest's rewritten modules written to its cache once, before xdist's workers start.

pytest rewrites the asserts of every test module, conftest file and module of the packages it
marks (those of the installed pytest plugins: hypothesis, xdist, and yamlparity where its
install lists the package) when it imports them, and caches the result beside the source, but
not under PYTHONDONTWRITEBYTECODE, which CI images set: each xdist worker then rewrites all of
them again while it collects. Measured on 2 cores: 6.3 s of a worker's 8.8 s of collection CPU,
25 s of the suite's ~390 with 4 workers. A worker reads a cached module whatever that variable
says, so the controller writes the cache once, split over the cores, before it starts them
(~2.5 s; ~0.2 s when the cache is current). Writing beside an installed package is what pytest
itself does where the variable is unset; only pytest reads these files.

What could make a cached module differ from the one a worker would rewrite is left to the
worker: a file that warns while it compiles (its warning belongs in the run's summary, and
`-W error` must still fail on it) and a file changed in the last seconds (pytest tells a stale
cache by whole-second mtime and size). This reaches into pytest's assertion-rewriting
internals: where they differ (another pytest) or a fork fails, nothing more is warmed and the
suite runs as it would have.
"""

from __future__ import annotations

import importlib.util
import os
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType
from typing import Any

import pytest

_SETTLED_SECONDS = 2.0  # younger files are left to the workers (see the module docstring)


def warm(config: pytest.Config, tests: Path, processes: int) -> None:
    """Write the rewritten form of every module pytest will rewrite, in `processes` forks."""
    try:
        from _pytest.assertion.rewrite import (
            PYC_TAIL,
            _read_pyc,
            _rewrite_test,
            _write_pyc,
            assertstate_key,
            get_cache_dir,
            try_makedirs,
        )

        state = config.stash[assertstate_key]
        marked = sorted(getattr(state.hook, "_must_rewrite", ()))

        def cached(path: Path) -> Path:
            return Path(get_cache_dir(path)) / (path.name[:-3] + PYC_TAIL)

        def write(path: Path) -> None:
            rewritten = _quiet_rewrite(_rewrite_test, path, config)
            if rewritten is not None and try_makedirs(cached(path).parent):
                _write_pyc(state, rewritten[1], rewritten[0], cached(path))

        settled = time.time() - _SETTLED_SECONDS
        stale = [
            path
            for path in _rewritten_files(tests, marked)
            if path.stat().st_mtime < settled and _read_pyc(path, cached(path)) is None
        ]
    except (ImportError, AttributeError, KeyError, TypeError, OSError):
        return
    _in_forks([stale[n::processes] for n in range(processes) if stale[n::processes]], write)


def _quiet_rewrite(
    rewrite: Callable[[Path, pytest.Config], tuple[os.stat_result, CodeType]],
    path: Path,
    config: pytest.Config,
) -> tuple[os.stat_result, CodeType] | None:
    """The source's stat and rewritten code, or None where compiling it warns or fails (the
    worker then says so)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rewritten = rewrite(path, config)
        except Exception:
            return None
    return None if caught else rewritten


def _in_forks(chunks: list[list[Path]], write: Callable[[Path], Any]) -> None:
    """`write` every path, one forked child per chunk; any failure skips one file only."""
    children = []
    for chunk in chunks:
        try:
            pid = os.fork()
        except (AttributeError, OSError):
            break  # no fork here, or no process to spare: the workers rewrite the rest
        if pid == 0:  # pragma: no cover - the child's work is seen in the cache it writes
            try:
                for path in chunk:
                    try:
                        write(path)
                    except Exception:
                        continue
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
