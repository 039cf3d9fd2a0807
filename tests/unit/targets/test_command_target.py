"""The command adapter against real, deliberately faulty programs."""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import pytest

from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.core.errors import Location
from yamlparity.spec.model import Case, CommandTarget
from yamlparity.targets.base import Invocation, TargetUnavailable
from yamlparity.targets.command import CommandAdapter

FAULTY = PROGRAMS / "faulty.py"
CASE = Case(name="c", location=Location("t.yaml"), input=None)


def adapter(mode: str, *extra: str, **kwargs: object) -> CommandAdapter:
    target = CommandTarget(
        name="t",
        location=Location("t.yaml"),
        run=(HELPER_PY, str(FAULTY), mode, *extra),
        **kwargs,  # type: ignore[arg-type]
    )
    return CommandAdapter(target)


def run(mode: str, stdin: bytes = b"{}", *extra: str, **kwargs: object):
    return adapter(mode, *extra, **kwargs).execute(Invocation(case=CASE, stdin=stdin))


def test_echo_round_trips_stdin_exactly() -> None:
    data = '{"n": 9007199254740993, "s": "Café ⭐"}'.encode()
    raw = run("echo", data)
    assert raw.failure is None
    assert raw.exit_code == 0
    assert raw.stdout == data


def test_large_stdin_is_fed_without_deadlock() -> None:
    data = b"[" + b"1," * 3_000_000 + b"1]"  # 6 MB, more than any pipe buffer
    raw = run("echo", data)
    assert raw.failure is None
    assert raw.stdout == data


def test_hang_is_killed_at_the_timeout() -> None:
    raw = run("hang", timeout=0.5)
    assert raw.failure is not None and "timed out after 0.5 s" in raw.failure


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose; it is reaped by init, not by us.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[1][0] != "Z"


def test_timeout_kills_grandchildren(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    raw = run("hang_grandchild", b"{}", str(pid_file), timeout=1.0)
    assert raw.failure is not None and "timed out" in raw.failure
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_a_timeout_after_the_process_ended_names_what_held_the_output(tmp_path: Path) -> None:
    """A new-user trial: the helper answered and exited 0, a child it forked held stdout, and
    the reason read as if the helper hung. It now says the process had ended."""
    pid_file = tmp_path / "pid"
    # 3 s: the process must have ended before the deadline, also on a loaded machine.
    raw = run("answer_then_grandchild", b"{}", str(pid_file), timeout=3.0)
    assert raw.failure is not None
    assert raw.failure.startswith("timed out after 3 s: the process had ended (exit code 0)")
    assert "a process it started kept its stdout or stderr open" in raw.failure
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)
    hung = run("hang_grandchild", b"{}", str(tmp_path / "pid2"), timeout=1.0)
    assert hung.failure == "timed out after 1 s (process group killed)"  # it never ended


def test_death_by_signal_is_a_failure() -> None:
    raw = run("segv")
    assert raw.failure == "killed by SIGSEGV"


def test_non_zero_exit_is_reported_not_a_failure() -> None:
    raw = run("exit3")
    assert raw.failure is None
    assert raw.exit_code == 3
    assert raw.stderr == b"something went wrong\n"


def test_huge_output_is_capped_and_memory_stays_bounded() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    raw = run("huge", max_output=1 << 20)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert raw.failure is not None and "larger than 1048576 bytes" in raw.failure
    assert len(raw.stdout) <= 1 << 20
    assert after - before < 64 * 1024  # KiB: far below the 200 MB the program tries to print


def test_slow_drip_is_collected_whole() -> None:
    raw = run("drip", timeout=10)
    assert raw.stdout == b'{"slow": true}'


def test_program_that_ignores_stdin_is_fine() -> None:
    raw = run("no_read", b"x" * 1_000_000)
    assert raw.failure is None and raw.stdout == b"{}"


def test_missing_executable_skips_when_asked() -> None:
    target = CommandTarget(
        name="t", location=Location("t.yaml"), run=("./no-such-helper",), when_missing="skip"
    )
    with pytest.raises(TargetUnavailable) as info:
        CommandAdapter(target).start()
    assert info.value.skip
    assert "executable not found" in info.value.reason


def test_missing_executable_is_an_error_by_default() -> None:
    target = CommandTarget(name="t", location=Location("t.yaml"), run=("no-such-helper-xyz",))
    with pytest.raises(TargetUnavailable) as info:
        CommandAdapter(target).start()
    assert not info.value.skip


def test_failed_build_carries_the_tail_of_its_output(tmp_path: Path) -> None:
    target = CommandTarget(
        name="t",
        location=Location("t.yaml"),
        run=(sys.executable, "-c", "pass"),
        build="echo compiling; echo 'error: E0425 unresolved name' >&2; exit 101",
        cwd=tmp_path,
    )
    with pytest.raises(TargetUnavailable) as info:
        CommandAdapter(target).start()
    assert "build failed: exited with code 101" in info.value.reason
    assert "E0425" in info.value.log_tail


def test_build_runs_in_cwd(tmp_path: Path) -> None:
    target = CommandTarget(
        name="t",
        location=Location("t.yaml"),
        run=("./made.sh",),
        build="printf '#!/bin/sh\\necho built\\n' > made.sh && chmod +x made.sh",
        cwd=tmp_path,
    )
    made = CommandAdapter(target)
    made.start()
    assert made.execute(Invocation(case=CASE, stdin=b"")).stdout == b"built\n"
