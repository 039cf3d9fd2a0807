"""Fixtures every suite shares: no process left behind, the real CLI, free loopback ports.

Processes started through tests.support.cli carry a marker in their environment, so the leak
check finds whatever they spawned, whatever its name or parent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.support import cli as support_cli


@pytest.fixture(autouse=True)
def _nothing_left() -> Iterator[None]:
    """Every test ends with none of the processes it started (or theirs) still running."""
    yield
    left = support_cli.no_marked_processes_remain()
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
