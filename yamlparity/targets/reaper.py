"""Nothing a target starts outlives the run: every descendant can be found and stopped.

A process group is not enough: a helper may double-fork, `setsid()` or `setpgid()` and leave
its group; its orphans then belong to init and no `killpg` reaches them. So, on Linux, the CLI
makes itself a *child subreaper* (`prctl(PR_SET_CHILD_SUBREAPER)`): an orphan anywhere below
it is re-parented to it instead of init, and the whole tree stays visible in
`/proc/<pid>/task/<tid>/children`.

Each process yamlparity starts carries `YAMLPARITY_OWNER=<run>.<owner>` in its environment
(`Owner.env()`); descendants inherit it. When an owner finishes (a case's process, a stream
helper, a build, a service), `Owner.release()` kills the processes of its tree that escaped its
process group, and `kill_all()` (normal exit, errors, the first and the second Ctrl-C) kills
every descendant that is left, whatever its group, session or environment. Orphans this
process adopted are reaped here; processes `subprocess.Popen` started are left to it.

Elsewhere (no prctl, no /proc) this degrades to process groups, as before.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

__all__ = [
    "OWNER_VARIABLE",
    "Owner",
    "descendants",
    "install",
    "kill_all",
    "subreaper",
]

OWNER_VARIABLE = "YAMLPARITY_OWNER"
_PR_SET_CHILD_SUBREAPER = 36
_RUN = uuid.uuid4().hex[:12]
_counter = itertools.count(1)
_lock = threading.Lock()
_installed: bool | None = None
_popen_pids: set[int] = set()  # children subprocess.Popen waits for: never reaped here
_KILL_ROUNDS = 50  # a process that forks while being killed: its children show up next round


def install() -> bool:
    """Make this process the subreaper of everything it starts (Linux); True when it is."""
    global _installed
    with _lock:
        if _installed is not None:
            return _installed
        _installed = False
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                _installed = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
            except (OSError, AttributeError):
                _installed = False
        return _installed


def subreaper() -> bool:
    """Whether install() succeeded in this process."""
    return bool(_installed)


class Owner:
    """One thing that starts processes (a case's command, a stream helper, a service, a
    build); its processes carry its id in their environment."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.id = f"{_RUN}.{next(_counter)}"

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        """`env` plus this owner's mark."""
        return {**env, OWNER_VARIABLE: self.id}

    def started(self, pid: int) -> None:
        """A process subprocess.Popen started for this owner (Popen reaps it, not us)."""
        with _lock:
            _popen_pids.add(pid)

    def release(self, pid: int | None = None) -> int:
        """Kill what is left of this owner's processes once its own process has been waited
        for (its process group is the caller's business): the orphans that carry its mark,
        and everything below them. Returns how many processes were killed."""
        if pid is not None:
            with _lock:
                _popen_pids.discard(pid)
        if not _installed:
            return 0
        killed = 0
        for _ in range(_KILL_ROUNDS):
            mine = [p for p in _orphans() if _owner_of(p) == self.id]
            if not mine:
                break
            killed += _kill_trees(mine)
        return killed


def kill_all() -> int:
    """SIGKILL every descendant yamlparity started (they carry this run's mark; with the
    subreaper, every adopted orphan too, marked or not), repeatedly, until none is left.
    Returns how many were killed."""
    killed = 0
    for _ in range(_KILL_ROUNDS):
        found = [pid for pid in descendants() if _ours(pid)]
        if not found:
            break
        killed += _kill_trees(found)
    # The run is over: every adopted orphan that died on its own is reaped too.
    with _lock:
        known = set(_popen_pids)
    _reap(pid for pid in _children(os.getpid(), every_thread=False) if pid not in known)
    return killed


def _ours(pid: int) -> bool:
    owner = _owner_of(pid)
    if owner is not None:
        return owner.startswith(_RUN + ".")
    # Unmarked: an orphan re-parented to this subreaper (it cleared its environment).
    return bool(_installed) and pid in _orphans()


def descendants(root: int | None = None) -> list[int]:
    """Every live process below `root` (default: this one), from /proc's children lists."""
    root = os.getpid() if root is None else root
    out: list[int] = []
    todo = [root]
    seen = {root}
    while todo:
        for child in _children(todo.pop(), every_thread=True):
            if child not in seen:
                seen.add(child)
                out.append(child)
                todo.append(child)
    return [pid for pid in out if _alive(pid)]


def _children(pid: int, *, every_thread: bool) -> Iterator[int]:
    """Children of `pid`: of every thread, or of its main thread only (where the kernel
    re-parents orphans to a subreaper; reading one file per case keeps release() cheap)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task") if every_thread else [str(pid)]
    except OSError:
        return
    for tid in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
        except OSError:
            continue
        for word in text.split():
            yield int(word)


def _orphans() -> list[int]:
    """Live children of this process that subprocess.Popen did not start: adopted orphans."""
    me = os.getpid()
    with _lock:
        known = set(_popen_pids)
    return [pid for pid in _children(me, every_thread=False) if pid not in known and _alive(pid)]


def _owner_of(pid: int) -> str | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    prefix = OWNER_VARIABLE.encode() + b"="
    for item in environ.split(b"\0"):
        if item.startswith(prefix):
            return item[len(prefix) :].decode("ascii", "replace")
    return None


def _kill_trees(roots: Iterable[int]) -> int:
    """SIGKILL each root and everything below it (one round: a child forked meanwhile is
    re-parented here and found by the caller's next round); reap those this process adopted."""
    tree = {p for root in roots for p in (root, *descendants(root))}
    for pid in tree:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    with _lock:
        known = set(_popen_pids)
    # Only the processes killed here are reaped: a child of subprocess.Popen must be left to
    # Popen.wait, or its exit code would be lost.
    mine = tree - known
    deadline = time.monotonic() + 1.0
    while tree and time.monotonic() < deadline:
        _reap(mine)
        tree = {p for p in tree if _alive(p)}
        if tree:
            time.sleep(0.002)
    _reap(mine)
    return len(mine | tree)


def _reap(pids: Iterable[int]) -> None:
    """Collect the exit status of adopted orphans that died (zombies otherwise)."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :].split()[0] not in ("Z", "X")


@contextlib.contextmanager
def owned(label: str) -> Iterator[Owner]:
    """An Owner released at the end of the block."""
    owner = Owner(label)
    try:
        yield owner
    finally:
        owner.release()
