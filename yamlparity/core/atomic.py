"""Files appear whole or not at all, hold no secret, and an error names the file.

`atomic_writer(path)` writes through a temporary file in the same folder and renames it into
place when the block ends; every piece passes the secret boundary on its way (core.redact).
Temporary files in progress are registered, so a second Ctrl-C, which ends the process at once
(`os._exit`), can remove them first (`remove_temporaries`). An OSError from any step (a full
disk while writing, a refused rename) is raised again with the final file's name in it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from yamlparity.core.redact import StreamRedactor

__all__ = ["FILE_MODE", "atomic_writer", "remove_temporaries", "write_atomic"]

_temporaries: set[str] = set()
_lock = threading.Lock()


def _read_umask() -> int:
    """The process umask. Linux shows it in /proc; elsewhere os.umask must set one to read
    it, so that happens once, at import (before any thread could create a file meanwhile)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates files -rw------- whatever the umask: reports get what open() would give.
FILE_MODE = 0o666 & ~_read_umask()


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, then rename: never a half-written file."""
    with atomic_writer(path) as write:
        write(text)


@contextmanager
def atomic_writer(path: Path) -> Iterator[Callable[[str], object]]:
    """write_atomic for text produced in pieces: the file appears whole when the block ends."""
    path = Path(path)
    with _named(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with _lock:
        _temporaries.add(temp)
    try:
        with _named(path):
            os.chmod(temp, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            masked = StreamRedactor(handle.write)
            with _named(path):
                yield masked.write
                masked.flush()
        with _named(path):
            os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    finally:
        with _lock:
            _temporaries.discard(temp)


@contextmanager
def _named(path: Path) -> Iterator[None]:
    """An OSError without a file name (ENOSPC from a write) gets the file it was for."""
    try:
        yield
    except OSError as exc:
        if exc.filename == str(path) and exc.filename2 is None:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc


def remove_temporaries() -> None:
    """Remove the temporary files of writes in progress (before os._exit skips `finally`)."""
    with _lock:
        pending = list(_temporaries)
    for temp in pending:
        with contextlib.suppress(OSError):
            os.unlink(temp)
