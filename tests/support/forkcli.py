"""The real CLI in a new process, without paying Python's start-up and imports every time.

Most of the suite's CLI runs spent ~0.3 s of CPU each before main() began (the interpreter,
then jinja2, jsonschema, pyyaml, pycurl, yamlparity): a third of the suite's CPU. Here one
*zygote* per test process imports them once, single-threaded, and forks a child per run. The
child is a real process of its own (pid, exit status, signals, its stdout and stderr in files):
it sets the run's argv, cwd and environment and calls `yamlparity.cli.main.main()` as
`python -m yamlparity` does, then exits as the interpreter does (threads joined, atexit
handlers, streams flushed; not its teardown of every module, which in a fork would copy the
pages shared with the zygote).
Several runs may be in flight at once (shards started together, as CI runners would).

What a fork cannot give falls back to a new interpreter (`subprocess`): a run whose environment
changes how Python starts (a PYTHON* variable, the locale), or no zygote.
`YAMLPARITY_TEST_SPAWN=1` makes every run a new interpreter (and tests/e2e/test_cli_process.py
checks that both ways print and exit the same).

The pytest plugin's tests run pytest the same way (`program="pytest"`: a second zygote with
pytest imported; the children run `python -m pytest`): ~0.4 s of the ~0.8 s of CPU a pytest
run cost was its start-up.
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

# Imports everything a CLI command loads (eagerly or lazily), then forks a child per request
# line and reports each child's pid, and its exit status once it ends (SIGCHLD wakes it).
# `pytest` as argv[1]: the children run pytest instead (`python -m pytest`), with pytest and
# what the plugin loads imported; never the plugin module itself, which pytest must import
# (to rewrite its asserts) when `-p` names it.
_ZYGOTE = r"""
import gc, importlib, json, os, pkgutil, selectors, signal, sys

PROGRAM = sys.argv[1]
import yamlparity
for info in pkgutil.walk_packages(yamlparity.__path__, "yamlparity."):
    if info.name == "yamlparity.__main__" or info.name.startswith(
        "yamlparity.pytest_plugin" if PROGRAM == "cli" else "yamlparity.pytest_plugin.plugin"
    ):
        continue
    try:
        importlib.import_module(info.name)
    except ImportError:  # an optional extra that is not installed: the child says so
        pass
if PROGRAM == "cli":
    from yamlparity.cli.main import main
else:
    import pytest
    main = pytest.console_main

gc.freeze()  # children share the imported objects' pages instead of copying them on first GC
encoding = sys.stdout.encoding
wake_r, wake_w = os.pipe()
os.set_blocking(wake_r, False)
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
selector = selectors.DefaultSelector()
selector.register(0, selectors.EVENT_READ)
selector.register(wake_r, selectors.EVENT_READ)
children = {}


def reply(text):
    os.write(1, text.encode() + b"\n")


def child(job):
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    selector.close()
    os.close(wake_r)
    os.close(wake_w)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
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
    try:
        code = main()
    except SystemExit as stop:
        code = stop.code
    finish(code)  # anything else (a traceback, Ctrl-C) leaves through the interpreter's exit


def finish(code):
    # Exits as the interpreter does after SystemExit(code), in its order (Py_FinalizeEx):
    # wait for threads, atexit handlers, flush the std streams. Its teardown of every module
    # is left out: in a fork it writes to each object shared with the zygote, copying the
    # pages, ~40 ms of CPU a run (measured) with nothing anyone can see.
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    if "threading" in sys.modules:
        sys.modules["threading"]._shutdown()
    import atexit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            status = 120
    os._exit(status & 0xFF)


def reap():
    while children:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        cpu = usage.ru_utime + usage.ru_stime
        reply(f"exit {children.pop(pid)} {os.waitstatus_to_exitcode(status)} {cpu}")


pending = b""
reply("ready")
while True:
    for key, _ in selector.select():
        if key.fd == wake_r:
            while True:
                try:
                    if not os.read(wake_r, 512):
                        break
                except BlockingIOError:
                    break
            reap()
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            raise SystemExit(0)
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            job = json.loads(line)
            pid = os.fork()
            if pid == 0:
                child(job)
            children[pid] = job["id"]
            reply(f"pid {job['id']} {pid}")
    reap()
"""

# Variables read while Python starts (or by the locale): a forked child has them already set.
_STARTUP = ("PYTHON", "LC_", "LANG")
_MAIN = str(Path(__file__).resolve().parents[2] / "yamlparity" / "__main__.py")


class Running:
    """One forked run: its pid once started, its exit code and outputs once it ends."""

    def __init__(
        self, module: str, args: tuple[str, ...], folder: tempfile.TemporaryDirectory[str]
    ) -> None:
        self.args = [sys.executable, "-m", module, *args]
        self.folder = folder
        self.out = Path(folder.name, "out")
        self.err = Path(folder.name, "err")
        self.pid = 0
        self.returncode: int | None = None
        self.started = threading.Event()
        self.ended = threading.Event()

    def wait(self, timeout: float) -> int:
        """The exit code; past `timeout` the child is killed and TimeoutExpired raised."""
        if not self.ended.wait(timeout):
            if self.pid > 0:  # 0 would be this process's own group
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
            self.ended.wait(10)
            self.folder.cleanup()
            raise subprocess.TimeoutExpired(self.args, timeout)
        assert self.returncode is not None
        return self.returncode

    def result(self, timeout: float) -> subprocess.CompletedProcess[str]:
        code = self.wait(timeout)
        done = subprocess.CompletedProcess(self.args, code, _text(self.out), _text(self.err))
        self.folder.cleanup()
        return done


class Zygote:
    """One pre-imported process of this test process (for the CLI or for pytest), forking a
    child per run."""

    def __init__(self, python: str, env: dict[str, str], program: str = "cli") -> None:
        self.env = env
        self.program = program
        self.forks = 0  # runs served, for the test that both ways agree
        self.cpu = 0.0  # seconds of CPU its children used (with what they waited for)
        self._lock = threading.Lock()
        self._runs: dict[int, Running] = {}
        self._next = 0
        self.proc = subprocess.Popen(
            [python, "-c", _ZYGOTE, program],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # a test's Ctrl-C to its group never reaches it
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline() != b"ready\n":
            self.close()
            raise RuntimeError("the CLI zygote did not start")
        threading.Thread(target=self._read, name="cli-zygote", daemon=True).start()

    def fits(self, env: dict[str, str]) -> bool:
        """Whether a fork gives what a new interpreter with `env` would."""

        def startup(environ: dict[str, str]) -> dict[str, str]:
            # `PYTHON` alone is no interpreter setting (specs use it to name the interpreter).
            return {k: v for k, v in environ.items() if k.startswith(_STARTUP) and k != "PYTHON"}

        return self.proc.poll() is None and startup(env) == startup(self.env)

    def start(self, args: tuple[str, ...], cwd: Path, env: dict[str, str]) -> Running:
        """Fork a child running the program with `args` in `cwd` with exactly `env`."""
        module = "yamlparity" if self.program == "cli" else "pytest"
        run = Running(module, args, tempfile.TemporaryDirectory(prefix="yp-cli-"))
        assert self.proc.stdin is not None
        with self._lock:
            self._next += 1
            self._runs[self._next] = run
            job = {
                "id": self._next,
                "argv0": _MAIN if self.program == "cli" else "pytest",
                "args": list(args),
                "cwd": str(cwd),
                "env": env,
                "out": str(run.out),
                "err": str(run.err),
            }
            self.proc.stdin.write(json.dumps(job).encode() + b"\n")
            self.proc.stdin.flush()
        if not run.started.wait(60):
            raise RuntimeError(f"the CLI zygote did not fork {args}")
        self.forks += 1
        return run

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            word, key, *rest = line.split()
            with self._lock:
                run = self._runs[int(key)] if word == b"pid" else self._runs.pop(int(key))
            if word == b"pid":
                run.pid = int(rest[0])
                run.started.set()
            else:
                run.returncode = int(rest[0])
                self.cpu += float(rest[1])
                run.ended.set()
        with self._lock:  # the zygote died: nothing it started will be reported
            runs, self._runs = list(self._runs.values()), {}
        for run in runs:
            run.returncode = -signal.SIGKILL
            run.started.set()
            run.ended.set()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.proc.wait()


def _text(path: Path) -> str:
    return path.read_text("utf-8", errors="replace") if path.exists() else ""


_zygotes: dict[str, Zygote] = {}
_started = threading.Lock()


def zygote_for(python: str, env: dict[str, str], program: str = "cli") -> Zygote | None:
    """This process's zygote for `program` (started on first use), or None where runs must
    spawn."""
    if os.environ.get("YAMLPARITY_TEST_SPAWN") == "1" or not hasattr(os, "fork"):
        return None
    with _started:
        zygote = _zygotes.get(program)
        if zygote is None or zygote.proc.poll() is not None:
            try:
                zygote = _zygotes[program] = Zygote(python, env, program)
            except (OSError, RuntimeError):
                return None
            atexit.register(zygote.close)
        return zygote
