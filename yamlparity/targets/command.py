"""Command targets: one process per case, input on stdin, output captured with a cap.

Each process runs in its own session so a timeout can kill the whole process group,
grandchildren included. Case data reaches the process only through stdin.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from yamlparity.spec.model import CommandTarget
from yamlparity.targets import reaper
from yamlparity.targets.base import Invocation, Pending, RawObservation, TargetUnavailable
from yamlparity.targets.services import wait_group_gone

_CHUNK = 65536


@dataclass
class Captured:
    """What a finished (or killed) process left behind."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    failure: str | None
    duration: float


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_capped(
    argv: list[str] | str,
    *,
    shell: bool,
    cwd: Path,
    env: dict[str, str],
    stdin: bytes | None,
    timeout: float,
    max_output: int,
) -> Captured:
    """Run to completion, feeding stdin and reading both pipes, never holding more than
    `max_output` bytes per stream; on timeout or overflow the whole process group is killed."""
    return spawn_capped(argv, shell=shell, cwd=cwd, env=env)(stdin, timeout, max_output)


def spawn_capped(
    argv: list[str] | str, *, shell: bool, cwd: Path, env: dict[str, str]
) -> Callable[[bytes | None, float, int], Captured]:
    """Start the process now; the returned call feeds it, waits and captures (as run_capped).

    Two steps so that every target of a case is started before any is waited on.
    """
    started = time.monotonic()
    owner = reaper.Owner("command")  # finds what escapes the process group (setsid, daemons)
    try:
        proc = subprocess.Popen(
            argv,
            shell=shell,
            cwd=cwd,
            env=owner.env(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        failed = Captured(None, b"", b"", f"could not start: {exc.strerror or exc}", 0.0)
        return lambda _stdin, _timeout, _cap: failed

    owner.started(proc.pid)

    def finish(stdin: bytes | None, timeout: float, max_output: int) -> Captured:
        try:
            return _complete(proc, started, stdin, timeout, max_output)
        finally:
            owner.release(proc.pid)

    return finish


def launch_capped(
    argv: list[str] | str,
    *,
    shell: bool,
    cwd: Path,
    env: dict[str, str],
    stdin: bytes | None,
    timeout: float,
    max_output: int,
) -> Callable[[], Captured]:
    """Start the process and a thread that feeds it, reads it and times it from now on; the
    returned call waits for that thread. The process's deadline and duration are its own
    whoever waits first: a case's other targets are never waited on in its time."""
    finish = spawn_capped(argv, shell=shell, cwd=cwd, env=env)
    box: list[Captured | BaseException] = []

    def pump() -> None:
        try:
            box.append(finish(stdin, timeout, max_output))
        except BaseException as exc:  # handed to the waiter, which raises it
            box.append(exc)

    thread = threading.Thread(target=pump, name="yamlparity-command", daemon=True)
    thread.start()

    def wait() -> Captured:
        thread.join()
        outcome = box[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return wait


def _complete(
    proc: subprocess.Popen[bytes], started: float, stdin: bytes | None, timeout: float, cap: int
) -> Captured:
    try:
        out, err, failure = _pump(proc, stdin or b"", started + timeout, cap)
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    # At a timeout, whether the process itself had ended: then what kept its output open (and
    # the case waiting) was a process it started.
    ended_first = proc.poll() if failure == "timeout" else None
    if failure is not None:
        _kill_group(proc)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.wait()
    # Reap anything the process left running in its group (daemonized grandchildren), and wait
    # until the group is gone: SIGKILL is asynchronous, the report must not outlive the kill.
    _kill_group(proc)
    wait_group_gone(proc.pid, time.monotonic() + 5.0)
    duration = time.monotonic() - started
    if failure is None and proc.returncode < 0:
        failure = f"killed by {signal_name(-proc.returncode)}"
    if failure == "timeout":
        failure = f"timed out after {timeout:g} s (process group killed)"
        if ended_first is not None:
            how = f"killed by {signal_name(-ended_first)}" if ended_first < 0 else None
            how = how or f"exit code {ended_first}"
            failure = (
                f"timed out after {timeout:g} s: the process had ended ({how}), but a process "
                "it started kept its stdout or stderr open (process group killed)"
            )
    return Captured(proc.returncode, b"".join(out), b"".join(err), failure, duration)


def _pump(
    proc: subprocess.Popen[bytes], data: bytes, deadline: float, cap: int
) -> tuple[list[bytes], list[bytes], str | None]:
    assert proc.stdin and proc.stdout and proc.stderr
    chunks: dict[int, list[bytes]] = {proc.stdout.fileno(): [], proc.stderr.fileno(): []}
    sizes = dict.fromkeys(chunks, 0)
    names = {proc.stdout.fileno(): "stdout", proc.stderr.fileno(): "stderr"}
    view = memoryview(data)
    with selectors.DefaultSelector() as selector:
        if data:
            os.set_blocking(proc.stdin.fileno(), False)
            selector.register(proc.stdin, selectors.EVENT_WRITE)
        else:
            proc.stdin.close()
        selector.register(proc.stdout, selectors.EVENT_READ)
        selector.register(proc.stderr, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return chunks[proc.stdout.fileno()], chunks[proc.stderr.fileno()], "timeout"
            for key, _ in selector.select(min(remaining, 1.0)):
                if key.fileobj is proc.stdin:
                    view = _write_some(selector, proc, view)
                    continue
                fd = key.fd
                block = os.read(fd, _CHUNK)
                if not block:
                    selector.unregister(key.fileobj)
                    continue
                sizes[fd] += len(block)
                if sizes[fd] > cap:
                    failure = f"{names[fd]} larger than {cap} bytes (output cap; process killed)"
                    return chunks[proc.stdout.fileno()], chunks[proc.stderr.fileno()], failure
                chunks[fd].append(block)
    return chunks[proc.stdout.fileno()], chunks[proc.stderr.fileno()], None


def _write_some(
    selector: selectors.BaseSelector, proc: subprocess.Popen[bytes], view: memoryview
) -> memoryview:
    assert proc.stdin
    try:
        written = os.write(proc.stdin.fileno(), view[:_CHUNK])
    except BrokenPipeError:
        written = len(view)  # the process stopped reading: not our failure to report
    view = view[written:]
    if not view:
        selector.unregister(proc.stdin)
        proc.stdin.close()
    return view


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def tail(data: bytes | str, lines: int = 20) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


class CommandAdapter:
    """Runs one process per case (`mode: process`)."""

    def __init__(self, target: CommandTarget) -> None:
        self.target = target
        self.name = target.name
        self.env = {**os.environ, **target.env}

    def describe(self) -> str:
        run = self.target.run
        return run if isinstance(run, str) else shlex.join(run)

    def start(self) -> None:
        if self.target.build is not None:
            self._build()
        self._check_executable()

    def _build(self) -> None:
        build = self.target.build
        assert build is not None
        shell = isinstance(build, str)
        result = run_capped(
            build if isinstance(build, str) else list(build),
            shell=shell,
            cwd=self.target.cwd,
            env=self.env,
            stdin=None,
            timeout=self.target.build_timeout,
            max_output=4 * 1024 * 1024,
        )
        if result.failure or result.returncode != 0:
            why = result.failure or f"exited with code {result.returncode}"
            log = tail(result.stdout + result.stderr)
            raise TargetUnavailable(f"build failed: {why}", log_tail=log)

    def _check_executable(self) -> None:
        if self.target.shell or isinstance(self.target.run, str):
            return
        program = self.target.run[0]
        if resolve_executable(program, self.target.cwd, self.env.get("PATH")) is None:
            reason = f"executable not found: {program}"
            raise TargetUnavailable(reason, skip=self.target.when_missing == "skip")

    def execute(self, invocation: Invocation) -> RawObservation:
        return self.begin(invocation)()

    def begin(self, invocation: Invocation) -> Pending:
        """Start the process now; the returned call feeds it stdin and collects its output."""
        run = invocation.argv.get(self.name, self.target.run)
        wait = launch_capped(
            run if isinstance(run, str) else list(run),
            shell=self.target.shell,
            cwd=self.target.cwd,
            env=self.env,
            stdin=invocation.stdin,
            timeout=self.target.timeout,
            max_output=self.target.max_output,
        )
        return lambda: self._observation(wait())

    def _observation(self, result: Captured) -> RawObservation:
        return RawObservation(
            target=self.name,
            duration=result.duration,
            failure=result.failure,
            exit_code=result.returncode,
            stdout=result.stdout,
            stderr=result.stderr,
        )

    def close(self) -> None:
        return None


def resolve_executable(program: str, cwd: Path, path: str | None) -> str | None:
    """The executable a plain argv[0] would run, or None: names with a slash are relative to cwd."""
    if os.sep in program:
        candidate = Path(program) if os.path.isabs(program) else cwd / program
        return str(candidate) if os.access(candidate, os.X_OK) and candidate.is_file() else None
    return shutil.which(program, path=path)
