"""The real CLI in a new process, without paying Python's start-up and imports every time.

Most of the suite's CLI runs spent ~0.3 s of CPU each before main() began (the interpreter,
then jinja2, jsonschema, pyyaml, pycurl, yamlparity): a third of the suite's CPU. Here one
*zygote* per test process imports them once, single-threaded, and forks a child per run. The
child is a real process of its own (pid, exit status, signals, its stdout and stderr in files):
it sets the run's argv, cwd and environment and calls `yamlparity.cli.main.main()` as
`python -m yamlparity` does, then exits as the interpreter does (atexit handlers included).

What a fork cannot give falls back to a new interpreter (`subprocess`): a run whose environment
changes how Python starts (any PYTHON* variable, the locale), a second run while one is in
flight, or no zygote. `YAMLPARITY_TEST_SPAWN=1` makes every run a new interpreter (and
tests/e2e/test_cli_process.py checks that both ways print and exit the same).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

# Imported by the zygote before it forks: everything a CLI command loads, eagerly or lazily.
_ZYGOTE = r"""
import importlib, json, os, pkgutil, sys

import yamlparity
for info in pkgutil.walk_packages(yamlparity.__path__, "yamlparity."):
    if not info.name.startswith("yamlparity.pytest_plugin") and info.name != "yamlparity.__main__":
        try:
            importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed: the child says so
            pass
from yamlparity.cli.main import main
import gc
gc.freeze()  # children share the imported objects' pages instead of copying them on first GC

encoding = sys.stdout.encoding
requests, replies = sys.stdin.buffer, sys.stdout.buffer
replies.write(b"ready\n"); replies.flush()
for line in requests:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        requests.close()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, job["out"]), (2, job["err"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        sys.stdin = open(0, "r", encoding=encoding, closefd=False)
        sys.stdout = open(1, "w", encoding=encoding, closefd=False)
        sys.stderr = open(2, "w", buffering=1, encoding=encoding, errors="backslashreplace",
                          closefd=False)
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        sys.argv = [job["argv0"], *job["args"]]
        raise SystemExit(main())
    replies.write(f"pid {pid}\n".encode()); replies.flush()
    _, status = os.waitpid(pid, 0)
    replies.write(f"exit {os.waitstatus_to_exitcode(status)}\n".encode()); replies.flush()
"""

# Variables read while Python starts (or by the locale): a forked child has them already set.
_STARTUP = ("PYTHON", "LC_", "LANG")
_MAIN = str(Path(__file__).resolve().parents[2] / "yamlparity" / "__main__.py")


class Zygote:
    """One pre-imported CLI process of this test process, forking a child per run."""

    def __init__(self, python: str, env: dict[str, str]) -> None:
        self.env = env
        self.busy = threading.Lock()
        self.forks = 0  # runs served, for the test that both ways agree
        self.proc = subprocess.Popen(
            [python, "-c", _ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # a test's Ctrl-C to its group never reaches it
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline() != b"ready\n":
            self.close()
            raise RuntimeError("the CLI zygote did not start")

    def fits(self, env: dict[str, str]) -> bool:
        """Whether a fork gives what a new interpreter with `env` would."""

        def startup(environ: dict[str, str]) -> dict[str, str]:
            return {k: v for k, v in environ.items() if k.startswith(_STARTUP)}

        return self.proc.poll() is None and startup(env) == startup(self.env)

    def run(
        self, args: tuple[str, ...], cwd: Path, env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """Run the CLI in a forked child; the caller holds `busy`."""
        with tempfile.TemporaryDirectory(prefix="yp-cli-") as folder:
            out, err = Path(folder, "out"), Path(folder, "err")
            job: dict[str, object] = {
                "argv0": _MAIN,
                "args": list(args),
                "cwd": str(cwd),
                "env": env,
                "out": str(out),
                "err": str(err),
            }
            code = self._exchange(job, timeout, args)
            self.forks += 1
            return subprocess.CompletedProcess(
                [sys.executable, "-m", "yamlparity", *args], code, _text(out), _text(err)
            )

    def _exchange(self, job: dict[str, object], timeout: float, args: tuple[str, ...]) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(job).encode() + b"\n")
        self.proc.stdin.flush()
        pid = int(self.proc.stdout.readline().split()[1])
        expired = threading.Event()
        timer = threading.Timer(timeout, _expire, (pid, expired))
        timer.start()
        try:
            reply = self.proc.stdout.readline()
        finally:
            timer.cancel()
        if not reply.startswith(b"exit "):
            self.close()
            raise RuntimeError(f"the CLI zygote died during {args}")
        if expired.is_set():
            raise subprocess.TimeoutExpired([sys.executable, "-m", "yamlparity", *args], timeout)
        return int(reply.split()[1])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.proc.wait()


def _text(path: Path) -> str:
    return path.read_text("utf-8", errors="replace") if path.exists() else ""


def _expire(pid: int, expired: threading.Event) -> None:
    expired.set()
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


_zygote: Zygote | None = None
_started = threading.Lock()


def zygote_for(python: str, env: dict[str, str]) -> Zygote | None:
    """This process's zygote (started on first use), or None where runs must spawn."""
    global _zygote
    if os.environ.get("YAMLPARITY_TEST_SPAWN") == "1" or not hasattr(os, "fork"):
        return None
    with _started:
        if _zygote is None or _zygote.proc.poll() is not None:
            try:
                _zygote = Zygote(python, env)
            except (OSError, RuntimeError):
                return None
            atexit.register(_zygote.close)
        return _zygote
