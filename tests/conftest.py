"""Fixtures every suite shares: no process left behind, the real CLI, free loopback ports.

Processes started through tests.support.cli carry a marker in their environment, so the leak
check finds whatever they spawned, whatever its name or parent.
"""

from __future__ import annotations

import atexit
import compileall
import gc
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.support import cli as support_cli
from tests.support import longest, rewrite_cache
from tests.support.paths import ROOT

PACKAGE = ROOT / "yamlparity"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core (at most four more than the cores). Many tests wait on
    real processes and servers (a 3 s helper, a readiness probe, a timeout) while another
    worker can use the core: measured on 2 cores, 4 workers ran the suite in 105 s (twice)
    against 110-121 s for 3. Each worker collects the suite and keeps two pre-imported
    processes: on a big machine, cores beyond that add little."""
    cores = _cores()
    return max(2, min(2 * cores, cores + 4))


def _cores() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores or 1


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C reaches the programs the tests start, as it does from a terminal. A suite started
    as a background job (`cmd &` in a script, some CI runners) has SIGINT ignored, and an
    ignored signal stays ignored across exec: every interpreter a test starts would then
    ignore the SIGINT the test sends it (seen: the pytest plugin's interrupt test ran its
    case to the 60 s timeout). A handler here is reset to the default in each child."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # workers inherit the controller's PATH
        _python3_without_pyenv_shim()


def _python3_without_pyenv_shim() -> None:
    """`python3` on PATH, for the programs the tests start, is the interpreter itself when PATH
    found pyenv's shim: a bash script that works out which version to run each time it starts,
    ~48 ms of CPU a start against ~8 ms for `python3 -S -c pass` itself (measured on the 2-core
    machine the suite is timed on), and the specs of the examples and of the recording tests
    start `python3` ~130 times a run. The shim is asked once which interpreter it runs (as the
    tests' folders would: no .python-version file is read from a temporary folder); a
    two-line script of this session's, first on PATH, runs it as the shim's `exec` would.
    Where `python3` is no pyenv shim (a real interpreter, a distribution's link), nothing
    changes."""
    found = shutil.which("python3")
    if found is None or "/shims/" not in found:
        return
    try:
        with open(found, "rb") as script:
            if b"pyenv" not in script.read(4096):
                return
        ask = [found, "-c", "import sys; print(sys.executable)"]
        ran = subprocess.run(
            ask, capture_output=True, text=True, timeout=60, cwd=tempfile.gettempdir()
        )
    except (OSError, subprocess.SubprocessError):
        return
    python = ran.stdout.strip()
    if ran.returncode != 0 or not os.path.isabs(python) or not os.access(python, os.X_OK):
        return
    folder = tempfile.mkdtemp(prefix="yamlparity-tests-python3-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    launcher = Path(folder, "python3")
    launcher.write_text(f'#!/bin/sh\nexec {shlex.quote(python)} "$@"\n')
    launcher.chmod(0o755)
    os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """The package byte-compiled where it lies, once, before any test starts an interpreter.
    With PYTHONDONTWRITEBYTECODE set (as on CI images) and an editable install, nothing else
    writes the .pyc files: each of the ~200 interpreters the suite starts (pytest runs, the
    installed command, shards) would compile the package from source, ~0.15 s of CPU each.
    For the same reason each xdist worker would rewrite every test module's asserts again
    (tests/support/rewrite_cache.py): they are rewritten once, here, before the workers start."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        compileall.compile_dir(str(PACKAGE), quiet=2)
        if session.config.pluginmanager.hasplugin("dsession"):  # xdist starts workers next
            rewrite_cache.warm(session.config, ROOT / "tests", _cores())


@pytest.hookimpl(trylast=True)  # after pytest-randomly's shuffle
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the longest tests first (tests/support/longest.py): no worker is left
    running a long one alone at the end. Every worker orders the same collection the same way,
    as xdist requires."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        longest.longest_first(items)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (test modules, their libraries, the parametrized items) lives as
    long as the session: frozen, the collector's full passes stop walking it. Measured on the
    in-process verdict and report tests: 20.6 s of CPU against 21.5 s (medians of 5
    interleaved runs)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user's cache folder (where `yamlparity fuzz` keeps Hypothesis's Unicode table) is one
    of this session's, shared by its workers: the tests leave the real one alone."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # each worker's folder sits in the session's
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(shared / "user-cache")
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True)
def _nothing_left() -> Iterator[None]:
    """Every test ends with none of the processes it started (or theirs) still running."""
    since = support_cli.last_pid()
    yield
    left = support_cli.no_marked_processes_remain(since)
    if left:
        support_cli.kill_marked()
    assert left == [], f"processes left running: {left}"


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., CompletedProcess[str]]:
    """`python -m yamlparity ARGS` in tmp_path (or cwd=...), never a traceback."""

    def run(*args: str, cwd: Path | None = None, **kw: object) -> CompletedProcess[str]:
        return support_cli.run_cli(*args, cwd=cwd or tmp_path, **kw)  # type: ignore[arg-type]

    return run


@pytest.fixture
def free_port() -> int:
    """A loopback port nobody listens on right now."""
    return support_cli.free_port()
