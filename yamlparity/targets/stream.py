"""Command targets in `mode: stream`: long-lived helpers, one JSON line in and out per case.

`workers: N` starts N helper processes per target; a case goes to whichever helper is free.
A helper reads one input line on stdin and answers exactly one line on stdout, in turn. An
answer that is late, extra (out of turn) or missing because the helper died is an ERROR for that
case, and that helper is restarted, so one bad answer never shifts every later case by one.
The protocol is documented in docs/stream-mode.md.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import select
import signal
import subprocess
import threading
import time

from yamlparity.spec.model import CommandTarget
from yamlparity.targets import reaper
from yamlparity.targets.base import Invocation, Pending, RawObservation, TargetUnavailable
from yamlparity.targets.command import CommandAdapter, signal_name

_CHUNK = 65536
_STDERR_TAIL = 40


class _Helper:
    """One helper process and what it has said; used by one case at a time."""

    def __init__(self, target: CommandTarget, env: dict[str, str]) -> None:
        self.target = target
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.owner = reaper.Owner("stream helper")
        self.buffer = b""
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL)

    def spawn(self) -> None:
        run = self.target.run
        self.owner = reaper.Owner("stream helper")
        try:
            self.proc = subprocess.Popen(
                run if isinstance(run, str) else list(run),
                shell=self.target.shell,
                cwd=self.target.cwd,
                env=self.owner.env(self.env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                bufsize=0,
            )
        except OSError as exc:
            raise TargetUnavailable(f"could not start the helper: {exc}") from None
        self.owner.started(self.proc.pid)
        self.buffer = b""
        tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL)
        self.stderr_tail = tail  # a fresh tail: the old drain thread keeps writing to its own
        threading.Thread(target=_drain_stderr, args=(self.proc, tail), daemon=True).start()

    def send(self, data: bytes, deadline: float | None = None) -> str | None:
        """Write one case's line by `deadline`; the reason when it cannot be sent."""
        if self.proc is None or self.proc.poll() is not None:
            self.restart()
        proc = self.proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        payload = data.rstrip(b"\n")
        if b"\n" in payload:
            return "stream mode sends one line per case, but this input has several lines"
        if self.buffer or _readable(proc.stdout.fileno(), 0):
            return "the helper wrote output out of turn (before it was sent this case)"
        try:
            if not _write_all(proc.stdin.fileno(), payload + b"\n", deadline):
                return (
                    f"timed out after {self.target.timeout:g} s writing the input (the "
                    "helper stopped reading its stdin)"
                )
        except (BrokenPipeError, OSError):
            return self.death("the helper closed its input")
        return None

    def receive(self, deadline: float) -> tuple[str | None, bytes]:
        """The answer line, or why there is none."""
        proc = self.proc
        assert proc is not None and proc.stdout is not None
        fd = proc.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return f"timed out after {self.target.timeout:g} s waiting for the answer", b""
            if not _readable(fd, min(remaining, 0.5)):
                continue
            block = os.read(fd, _CHUNK)
            if not block:
                return self.death("the helper exited before answering"), b""
            self.buffer += block
            if len(self.buffer) > self.target.max_output:
                return f"answer larger than {self.target.max_output} bytes (output cap)", b""
        line, _, rest = self.buffer.partition(b"\n")
        self.buffer = b""
        if rest or _readable(fd, 0):
            return "the helper answered with more than one line (out of turn)", b""
        return None, line

    def death(self, what: str) -> str:
        proc = self.proc
        if proc is None:
            return what
        try:
            code = proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return what
        how = f"killed by {signal_name(-code)}" if code < 0 else f"exit code {code}"
        return f"{what} ({how})"

    def stderr_text(self) -> str:
        return "\n".join(self.stderr_tail)

    def restart(self) -> None:
        self.kill()
        self.spawn()

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        proc.wait()
        self.owner.release(proc.pid)


def _drain_stderr(proc: subprocess.Popen[bytes], tail: collections.deque[str]) -> None:
    assert proc.stderr is not None
    for line in iter(proc.stderr.readline, b""):
        tail.append(line.decode("utf-8", "replace").rstrip("\n"))


class StreamAdapter(CommandAdapter):
    """`workers` persistent helpers; each case borrows a free one for one exchange."""

    def __init__(self, target: CommandTarget) -> None:
        super().__init__(target)
        self.helpers = [_Helper(target, self.env) for _ in range(max(1, target.workers))]
        self._idle: queue.SimpleQueue[_Helper] = queue.SimpleQueue()
        self._closed = False

    def describe(self) -> str:
        workers = len(self.helpers)
        return super().describe() + (
            f" (stream, {workers} workers)" if workers > 1 else " (stream)"
        )

    def start(self) -> None:
        super().start()
        try:
            for helper in self.helpers:
                helper.spawn()
                self._idle.put(helper)
        except TargetUnavailable:
            self.close()
            raise

    def execute(self, invocation: Invocation) -> RawObservation:
        return self.begin(invocation)()

    def begin(self, invocation: Invocation) -> Pending:
        """Send the line to a free helper now; the returned call waits for its answer."""
        if self._closed:
            return lambda: RawObservation(target=self.name, failure="target closed")
        helper = self._idle.get()  # blocks while every helper is busy
        started = time.monotonic()
        try:
            problem = helper.send(invocation.stdin or b"", started + self.target.timeout)
        except TargetUnavailable as exc:
            problem = exc.reason

        def finish() -> RawObservation:
            try:
                failure, line = (
                    (problem, b"")
                    if problem is not None
                    else helper.receive(started + self.target.timeout)
                )
                return self._answer(helper, started, failure, line)
            finally:
                self._idle.put(helper)

        return finish

    def _answer(
        self, helper: _Helper, started: float, failure: str | None, line: bytes
    ) -> RawObservation:
        raw = RawObservation(target=self.name, duration=time.monotonic() - started)
        if failure is None:
            raw.exit_code = 0
            raw.stdout = line
            return raw
        tail = helper.stderr_text()
        raw.failure = failure + (f"; helper stderr tail:\n{tail}" if tail else "")
        if not self._closed:
            with contextlib.suppress(TargetUnavailable):  # the next case reports it again
                helper.restart()
        return raw

    def close(self) -> None:
        self._closed = True
        for helper in self.helpers:
            helper.kill()


def _write_all(fd: int, data: bytes, deadline: float | None) -> bool:
    """Write everything, waiting for room in the pipe until `deadline`: a helper that stops
    reading its stdin fills the pipe, and a blocking write would then wait forever."""
    view = memoryview(data)
    os.set_blocking(fd, False)
    while view:
        try:
            view = view[os.write(fd, view[:_CHUNK]) :]
            continue
        except BlockingIOError:
            pass
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return False
        select.select([], [fd], [], 0.5 if left is None else min(left, 0.5))
    return True


def _readable(fd: int, timeout: float) -> bool:
    ready, _, _ = select.select([fd], [], [], timeout)
    return bool(ready)
