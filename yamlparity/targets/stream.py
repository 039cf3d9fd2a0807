"""Command targets in `mode: stream`: one long-lived helper per target, one line per case.

The helper reads one input line on stdin and answers exactly one line on stdout, in turn. An
answer that is late, extra (out of turn) or missing because the helper died is an ERROR for that
case, and the helper is restarted, so one bad answer never shifts every later case by one.
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import signal
import subprocess
import threading
import time

from yamlparity.model import CommandTarget
from yamlparity.targets.base import Invocation, RawObservation, TargetUnavailable
from yamlparity.targets.command import CommandAdapter, signal_name

_CHUNK = 65536


class StreamAdapter(CommandAdapter):
    """A persistent helper process; cases are sent one at a time (a lock serializes them)."""

    def __init__(self, target: CommandTarget) -> None:
        super().__init__(target)
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        self._lock = threading.Lock()

    def describe(self) -> str:
        return super().describe() + " (stream)"

    def start(self) -> None:
        super().start()
        with self._lock:
            self._spawn()

    def _spawn(self) -> None:
        run = self.target.run
        try:
            self._proc = subprocess.Popen(
                run if isinstance(run, str) else list(run),
                shell=self.target.shell,
                cwd=self.target.cwd,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                bufsize=0,
            )
        except OSError as exc:
            raise TargetUnavailable(f"could not start the helper: {exc}") from None
        self._buffer = b""
        self._stderr_tail.clear()
        threading.Thread(target=self._drain_stderr, args=(self._proc,), daemon=True).start()

    def _drain_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for line in iter(proc.stderr.readline, b""):
            self._stderr_tail.append(line.decode("utf-8", "replace").rstrip("\n"))

    def _stderr_text(self) -> str:
        return "\n".join(self._stderr_tail)

    def execute(self, invocation: Invocation) -> RawObservation:
        with self._lock:
            started = time.monotonic()
            failure, line = self._exchange(invocation.stdin or b"")
            raw = RawObservation(target=self.name, duration=time.monotonic() - started)
            if failure is not None:
                tail = self._stderr_text()
                raw.failure = failure + (f"; helper stderr tail:\n{tail}" if tail else "")
                self._restart()
            else:
                raw.exit_code = 0
                raw.stdout = line
            return raw

    def _exchange(self, data: bytes) -> tuple[str | None, bytes]:
        if self._proc is None or self._proc.poll() is not None:
            self._restart()
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        payload = data.rstrip(b"\n")
        if b"\n" in payload:
            return "stream mode sends one line per case, but this input has several lines", b""
        if self._buffer or _readable(proc.stdout.fileno(), 0):
            return "the helper wrote output out of turn (before it was sent this case)", b""
        try:
            proc.stdin.write(payload + b"\n")
        except (BrokenPipeError, OSError):
            return self._death("the helper closed its input"), b""
        return self._read_line(proc)

    def _read_line(self, proc: subprocess.Popen[bytes]) -> tuple[str | None, bytes]:
        assert proc.stdout is not None
        deadline = time.monotonic() + self.target.timeout
        fd = proc.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return f"timed out after {self.target.timeout:g} s waiting for the answer", b""
            if not _readable(fd, min(remaining, 0.5)):
                continue
            block = os.read(fd, _CHUNK)
            if not block:
                return self._death("the helper exited before answering"), b""
            self._buffer += block
            if len(self._buffer) > self.target.max_output:
                return f"answer larger than {self.target.max_output} bytes (output cap)", b""
        line, _, rest = self._buffer.partition(b"\n")
        self._buffer = b""
        if rest or _readable(fd, 0):
            return "the helper answered with more than one line (out of turn)", b""
        return None, line

    def _death(self, what: str) -> str:
        proc = self._proc
        if proc is None:
            return what
        try:
            code = proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return what
        how = f"killed by {signal_name(-code)}" if code < 0 else f"exit code {code}"
        return f"{what} ({how})"

    def _restart(self) -> None:
        self._kill()
        self._spawn()

    def _kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        proc.wait()
        self._proc = None

    def close(self) -> None:
        with self._lock:
            self._kill()


def _readable(fd: int, timeout: float) -> bool:
    ready, _, _ = select.select([fd], [], [], timeout)
    return bool(ready)
