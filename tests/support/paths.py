"""Where the test data and the project's files are, for tests in any folder."""

from __future__ import annotations

import hashlib
import os
import shlex
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
PROGRAMS = TESTS / "programs"
SERVERS = TESTS / "servers"
GOLDEN = TESTS / "golden"
CERTS = TESTS / "certs"
BAD_SPECS = TESTS / "bad_specs"
EXAMPLES = ROOT / "examples"


def _helper_python() -> str:
    """A `python -S` for the helper programs the tests start as targets (thousands a run): site
    and the .pth files of site-packages (an editable install's finder, ...) were 30 ms of the
    55 ms of CPU each start cost, and a helper needs the standard library only. A two-line
    launcher in a private temporary folder; plain sys.executable where it cannot run there."""
    tag = hashlib.sha256(sys.executable.encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"yamlparity-tests-{os.getuid()}"
    launcher = folder / f"python-S-{tag}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        held = folder.lstat()
        if not stat.S_ISDIR(held.st_mode) or held.st_uid != os.getuid() or held.st_mode & 0o077:
            return sys.executable  # a folder someone else could have written: not run from it
        if not launcher.exists():
            staged = folder / f".{launcher.name}.{os.getpid()}"
            staged.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -S "$@"\n')
            staged.chmod(0o755)
            os.replace(staged, launcher)  # workers may write it at once: each whole, one wins
        probe = [str(launcher), "-c", "import sys; print(sys.flags.no_site)"]
        ran = subprocess.run(probe, capture_output=True, text=True, timeout=30)
        if ran.stdout.strip() == "1":
            return str(launcher)
    except (OSError, subprocess.SubprocessError):
        pass
    return sys.executable  # a noexec temporary folder, no /bin/sh: slower, same results


HELPER_PY = _helper_python()
