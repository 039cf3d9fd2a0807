"""Shared by tests/test_reliability_*.py and tests/test_security_*.py: run the real CLI in a
subprocess, and find any process it left behind.

Every process these tests start inherits MARKER_NAME=MARKER in its environment (the CLI, its
helpers, its services and whatever they spawn), so a scan of /proc/*/environ finds leftovers
whatever their name or parent.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from tests.support import forkcli
from tests.support.paths import TESTS

HERE = TESTS
PROGRAMS = HERE / "programs"
SERVERS = HERE / "servers"
PY = sys.executable

MARKER_NAME = "YAMLPARITY_TEST_MARKER"
MARKER = uuid.uuid4().hex
# Every CLI output these tests saw, for the "no Traceback anywhere" check.
OUTPUTS: list[str] = []

_TALLY = re.compile(r"\[parity\] (\S+): (.*) \(out of (\d+)\)")


# Set by a CI runner or a developer's shell, they change what the CLI prints (colours, GitHub
# annotations and job summary): tests that want them say so.
AMBIENT = frozenset({"GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "FORCE_COLOR"})


def cli_env(
    extra: dict[str, str] | None = None, unset: tuple[str, ...] = (), *, clean: bool = False
) -> dict[str, str]:
    """This process's environment (less pytest's own, CI's ambient settings and `unset`), the
    marker, then `extra`. `clean`: only PATH and what Python's start-up reads (PYTHON*, the
    locale), for a spec that must find no other variable."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k not in AMBIENT and k not in unset
        if not clean or k == "PATH" or k.startswith(("PYTHON", "LANG", "LC_"))
    }
    env[MARKER_NAME] = MARKER
    env.update(extra or {})
    return env


def run_cli(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
    timeout: float = 300,
    clean: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`python -m yamlparity ARGS` to completion, in a new process; never a traceback. `env`
    adds variables. The process is forked from one that has imported yamlparity already
    (tests/support/forkcli.py) unless the run needs a new interpreter."""
    full_env = cli_env(env, unset, clean=clean)
    proc = _forked(args, cwd, full_env, timeout)
    if proc is None:
        proc = subprocess.run(
            [PY, "-m", "yamlparity", *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
        )
    OUTPUTS.append(proc.stdout + proc.stderr)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def _forked(
    args: tuple[str, ...], cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str] | None:
    """The run in a child of this process's zygote, or None when it must be a new interpreter."""
    running = start_forked(*args, cwd=cwd, env=env)
    return None if running is None else running.result(timeout)


def start_forked(*args: str, cwd: Path, env: dict[str, str]) -> forkcli.Running | None:
    """Start the CLI (with exactly `env`) in a child of this process's zygote; None when the
    run needs a new interpreter (tests/support/forkcli.py)."""
    base = {k: v for k, v in cli_env().items() if k != MARKER_NAME}  # the zygote is no leak
    zygote = forkcli.zygote_for(PY, base)
    if zygote is None or not zygote.fits(env):
        return None
    return zygote.start(args, cwd, env)


def start_cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """Start the CLI in its own process group, as a shell would for a foreground job: a
    terminal's Ctrl-C reaches the whole group, so tests signal the group too."""
    return subprocess.Popen(
        [PY, "-m", "yamlparity", *args],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )


def write_spec(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def tally(stdout: str) -> tuple[dict[str, int], int]:
    """The counts of the `[parity] name: 3 match / 1 error (out of 4)` line, and the total."""
    match = _TALLY.search(stdout)
    assert match is not None, stdout
    counts: dict[str, int] = {}
    for part in match.group(2).split(" / "):
        number, word = part.split(" ", 1)
        counts[word] = int(number)
    return counts, int(match.group(3))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :].split()[0] != "Z"


def gone_soon(pid: int, within: float = 10.0) -> bool:
    """SIGKILL is asynchronous: give the kernel a moment to finish a killed process. A liveness
    bound, not a timing claim: a process still alive after it is a leak."""
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def wait_for(predicate: object, within: float = 60.0) -> None:
    """Poll a condition (a test waits on events, such as lines in a log, never on time)."""
    assert callable(predicate)
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)


_LAST_PID = Path("/proc/sys/kernel/ns_last_pid")


def last_pid() -> int | None:
    """The pid the kernel gave last in this pid namespace (None where it cannot be read)."""
    try:
        return int(_LAST_PID.read_text())
    except (OSError, ValueError):
        return None


def given_since(since: int | None, now: int | None) -> Callable[[int], bool]:
    """Whether a pid was given after `last_pid()` returned `since` and before it returned
    `now`: pids are handed out in increasing order, wrapping at pid_max, so a test's processes
    lie in (since, now]. A test starts far fewer processes than pid_max (32768 at least), so
    the range never laps."""
    if since is None or now is None:
        return lambda pid: True
    if since <= now:
        return lambda pid: since < pid <= now
    return lambda pid: pid > since or pid <= now  # wrapped past pid_max


def marked_processes(since: int | None = None) -> list[int]:
    """Live processes that carry this session's marker (other than this test process); with
    `since` (a `last_pid()`), only those started after it: the environment of every process
    on the machine is not read after each test."""
    now = last_pid()
    window = _window(since, now)
    if window is None:  # every process is a candidate: the ones /proc lists
        given = given_since(since, now)
        candidates = [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()]
        candidates = [pid for pid in candidates if given(pid)]
    else:
        candidates = window
    needle = f"{MARKER_NAME}={MARKER}".encode()
    found: list[int] = []
    for pid in candidates:
        if pid == os.getpid():
            continue
        environ = _environ(pid)
        if environ is None:
            continue
        if needle in environ.split(b"\0") and alive(pid) and (window is None or _leader(pid)):
            found.append(pid)
    return found


def _environ(pid: int) -> bytes | None:
    """A process's environment (None once it is gone). A process in the middle of an exec
    shows an empty one for a moment (measured: 7 reads in 400 of `sh -c 'echo up; exec sleep
    60'` just after `up`, on two busy cores): an empty read is taken again, a few times."""
    for attempt in range(20):
        try:
            with open(f"/proc/{pid}/environ", "rb") as environ_file:
                environ = environ_file.read()
        except OSError:
            return None
        if environ or not alive(pid):
            return environ
        time.sleep(0.001 * attempt)  # let the exec finish
    return environ


# Past this many pids given since the test started, /proc's listing is read instead.
_WINDOW = 64


def _window(since: int | None, now: int | None) -> list[int] | None:
    """The pids given in (since, now] when they are few (most tests start no process, or a
    handful, while the other workers start theirs): each is looked up by number instead of
    listing /proc and reading every number in it (~0.35 ms a test with ~130 processes
    running). None when the window is unknown or wide. A pid in the window may be a thread's
    id, which /proc answers for but does not list: `_leader` leaves those out."""
    if since is None or now is None:
        return None
    if since <= now:
        return list(range(since + 1, now + 1)) if now - since <= _WINDOW else None
    try:  # wrapped past pid_max
        top = int(Path("/proc/sys/kernel/pid_max").read_text())
    except (OSError, ValueError):
        return None
    pids = [*range(since + 1, top), *range(1, now + 1)]
    return pids if len(pids) <= _WINDOW else None


def _leader(pid: int) -> bool:
    """Whether `pid` is a process (a thread group's leader), not another thread's id."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return any(line.split() == ["Tgid:", str(pid)] for line in status.splitlines())


def no_marked_processes_remain(since: int | None = None) -> list[int]:
    """The marked processes (started after `since`) still alive once killed ones have had
    time to vanish."""
    left = marked_processes(since)
    return [pid for pid in left if not gone_soon(pid)]


def kill_marked() -> None:
    """Clean-up after a failing test, so one leak does not cascade into the next tests."""
    for pid in marked_processes():
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
