"""Loopback ports for HTTP targets: pick a free one, and put it into `${port}` placeholders."""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import stat
import tempfile
import time
from pathlib import Path

PORT_PLACEHOLDER = "${port}"
_ATTEMPTS = 50  # ports asked of the OS before one is taken unclaimed
_HALF_WRITTEN = 10.0  # seconds after which an empty claim file is a crash's leftover


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS reports free on `host` right now, claimed for this process.

    There is a small race: the socket is closed before the server binds the port, so another
    process may take it in between. Other yamlparity processes never do: each port handed out
    is claimed in a folder every yamlparity run of this user reads (a file per port, holding the
    pid; a dead pid's claim is stale), so parallel runs on one machine (CI runners, shards)
    never pick the same port — measured: four runners of one pipeline got one, and a service's
    readiness was answered by the other runner's server before its own died on "address in
    use". Any other process may still take it: the service then fails to start (HttpAdapter
    starts it again on another port) — we accept that over holding the socket open (the server
    is a separate process and cannot inherit it portably).
    """
    port = 0
    for _ in range(_ATTEMPTS):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = sock.getsockname()[1]
        if _claim(port):
            break
    return port


def _claims() -> Path:
    return Path(tempfile.gettempdir()) / f"yamlparity-ports-{os.getuid()}"


_held: set[int] = set()


def _claim(port: int) -> bool:
    """Claim `port` for this process; False when a live process claimed it. Where claims
    cannot be written at all, every port is taken as claimed (the race as before)."""
    folder = _claims()
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        held = folder.lstat()
        if not stat.S_ISDIR(held.st_mode) or held.st_uid != os.getuid() or held.st_mode & 0o077:
            return True  # a folder someone else could write: claims are not kept there
        path = folder / str(port)
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                if not _stale(path):
                    return False
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                continue
            with os.fdopen(fd, "w") as out:
                out.write(str(os.getpid()))
            _held.add(port)
            return True
        return False
    except OSError:
        return True


def _stale(path: Path) -> bool:
    """A claim whose process is gone (or unreadable, or half written long ago)."""
    try:
        text = path.read_text()
        if not text:  # being written now, unless it was left so long ago
            return time.time() - path.stat().st_mtime > _HALF_WRITTEN
        pid = int(text)
    except (OSError, ValueError):
        return True
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's (the folder is per user: not expected)
    return False


@atexit.register
def _release_all() -> None:
    """This process's claims go with it (a forked child leaves its parent's alone)."""
    for port in list(_held):
        path = _claims() / str(port)
        with contextlib.suppress(OSError, ValueError):
            if int(path.read_text()) == os.getpid():
                path.unlink()
        _held.discard(port)


def substitute_port(text: str, port: int) -> str:
    """Replace every `${port}` in `text` with the port number."""
    return text.replace(PORT_PLACEHOLDER, str(port))
