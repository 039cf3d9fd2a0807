"""Command targets in `mode: stream`: long-lived helpers, one JSON line in and out per case.

`workers: N` starts N helper processes per target; a case goes to whichever helper is free.
A helper reads one input line on stdin and answers exactly one line on stdout, in turn. An
answer that is late, extra (out of turn) or missing because the helper died is an ERROR for that
case, and that helper is restarted, so one bad answer never shifts every later case by one.
The protocol is documented in docs/stream-mode.md.

A case waiting for its answer reads the helper's stdout itself; an answer no case is waiting
for yet (the engine waits for another target first, or is busy) is read by one watcher thread
for all helpers. Either way every line is stamped with the time it arrived, and a line too large
for the pipe is written by a thread: an answer's duration and deadline run from when its case
was sent to when its answer arrived, however late the engine looks.
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
from yamlparity.targets.base import Invocation, Pending, RawObservation, TargetUnavailable
from yamlparity.targets.command import CommandAdapter, signal_name

_CHUNK = 65536
_STDERR_TAIL = 40
# What a helper's stdout reader hands over: a line, the end of the output, or too much of it.
_LINE, _EOF, _OVERFLOW = 0, 1, 2


class _Watcher:
    """One thread for every helper's stdout that no case is waiting on right now.

    A case waiting for a helper's answer reads that helper's pipe itself (no thread hand-off:
    measured, a reader thread per helper cost more wall time per case than everything else the
    runner does). An answer that arrives while its case waits for another target, or while the
    lane is busy, is read here and stamped with the time it arrived. Each pipe is armed
    (EPOLLONESHOT) when a line is sent to its helper and disarmed when its case starts waiting.
    """

    def __init__(self) -> None:
        self.poller = select.epoll()
        self.streams: dict[int, _Stdout] = {}
        threading.Thread(target=self._watch, name="yamlparity-stream-watch", daemon=True).start()

    def _watch(self) -> None:
        while True:
            try:
                events = self.poller.poll()
            except InterruptedError:
                continue
            for fd, _ in events:
                stream = self.streams.get(fd)
                if stream is not None and stream.lock.acquire(blocking=False):
                    # Not acquired: a case holds it and reads this pipe itself.
                    try:
                        if stream.fd == fd and stream.fill() and stream.partial():
                            self.arm(stream)  # part of a line: watch for the rest
                    finally:
                        stream.lock.release()

    def add(self, stream: _Stdout) -> None:
        self.streams[stream.fd] = stream
        self.poller.register(stream.fd, 0)

    def arm(self, stream: _Stdout) -> None:
        with contextlib.suppress(OSError):
            self.poller.modify(stream.fd, select.EPOLLIN | select.EPOLLONESHOT)

    def disarm(self, stream: _Stdout) -> None:
        with contextlib.suppress(OSError):
            self.poller.modify(stream.fd, 0)

    def remove(self, stream: _Stdout) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.poller.unregister(stream.fd)
        if self.streams.get(stream.fd) is stream:
            del self.streams[stream.fd]


_WATCHER: _Watcher | None = None
_WATCHER_LOCK = threading.Lock()


def _watcher() -> _Watcher:
    global _WATCHER
    with _WATCHER_LOCK:
        if _WATCHER is None:
            _WATCHER = _Watcher()
        return _WATCHER


class _Stdout:
    """A helper's stdout: complete lines with the time each arrived. Read by the case waiting
    for it, or by the watcher when no case is (every read is under `lock`)."""

    def __init__(self, fd: int, cap: int) -> None:
        os.set_blocking(fd, False)
        self.fd, self.cap = fd, cap
        self.lock = threading.Lock()
        self.items: collections.deque[tuple[int, bytes, float]] = collections.deque()
        self.buffer = b""
        self.ended = False  # end of output or overflow handed over: nothing more is read
        self.closed = False
        self.poll = select.poll()
        self.poll.register(fd, select.POLLIN)
        self.watcher = _watcher()
        self.watcher.add(self)

    def fill(self) -> bool:
        """Read what the pipe holds now (the caller holds `lock`); False when nothing came."""
        got = False
        while not self.ended and not self.closed:
            try:
                block = os.read(self.fd, _CHUNK)
            except BlockingIOError:
                return got
            except OSError:
                block = b""
            now = time.monotonic()
            got = True
            if not block:
                self._end(_EOF, now)
                return got
            if b"\n" in block:
                *lines, self.buffer = (self.buffer + block).split(b"\n")
            else:
                lines, self.buffer = [], self.buffer + block
            cap = self.cap
            if len(self.buffer) > cap or any(len(line) > cap for line in lines):
                self._end(_OVERFLOW, now)  # the helper is restarted: nothing more is read
                return got
            self.items.extend((_LINE, line, now) for line in lines)
            if len(block) < _CHUNK:
                return got
        return got

    def _end(self, kind: int, now: float) -> None:
        self.items.append((kind, b"", now))
        self.ended = True
        self.buffer = b""

    def partial(self) -> bool:
        """Part of a line received and no whole line yet (the caller holds `lock`)."""
        return bool(self.buffer) and not self.items

    def armed(self) -> None:
        """A line was sent: the watcher stamps the answer if no case is waiting for it."""
        self.watcher.arm(self)

    def pending(self) -> bool:
        """Output not taken yet: a line waiting, or part of one (what the pipe holds counts)."""
        with self.lock:
            self.fill()
            return bool(self.buffer) or bool(self.items)

    def next(self, deadline: float) -> tuple[int, bytes, float] | None:
        """The next item if it arrived by `deadline`; None when nothing did."""
        with self.lock:
            self.watcher.disarm(self)  # this case reads the pipe itself from here
            while not self.items:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed or self.ended:
                    return None
                # poll's timeout is in whole milliseconds: round up, never wake early.
                if self.poll.poll(int(remaining * 1000) + 1):
                    self.fill()
            item = self.items.popleft()
        return item if item[2] <= deadline else None

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.watcher.remove(self)
            os.close(self.fd)


class _Helper:
    """One helper process and what it has said; used by one case at a time."""

    def __init__(self, target: CommandTarget, env: dict[str, str]) -> None:
        self.target = target
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.stdout: _Stdout | None = None
        self.writer: threading.Thread | None = None
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL)
        self.drainer: threading.Thread | None = None

    def spawn(self) -> None:
        run = self.target.run
        try:
            proc = subprocess.Popen(
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
        assert proc.stdin is not None and proc.stdout is not None
        os.set_blocking(proc.stdin.fileno(), False)  # a case never blocks the lane on a write
        self.proc = proc
        # _Stdout owns stdout's descriptor from here (it closes it when the helper is killed).
        self.stdout = _Stdout(os.dup(proc.stdout.fileno()), self.target.max_output)
        proc.stdout.close()
        tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL)
        self.stderr_tail = tail  # a fresh tail: the old drain thread keeps writing to its own
        self.drainer = threading.Thread(target=_drain_stderr, args=(proc, tail), daemon=True)
        self.drainer.start()

    def send(self, data: bytes, deadline: float) -> str | None:
        """Write one case's line (what the pipe does not take now, a thread writes by
        `deadline`); the reason when it cannot be sent."""
        if self.proc is None or self.proc.poll() is not None:
            self.restart()
        proc, stdout = self.proc, self.stdout
        assert proc is not None and proc.stdin is not None and stdout is not None
        payload = data.rstrip(b"\n")
        if b"\n" in payload:
            return "stream mode sends one line per case, but this input has several lines"
        if stdout.pending():
            return "the helper wrote output out of turn (before it was sent this case)"
        view = memoryview(payload + b"\n")
        try:
            written = os.write(proc.stdin.fileno(), view)
        except BlockingIOError:
            written = 0
        except OSError:
            return self.death("the helper closed its input")
        stdout.armed()
        if written < len(view):
            self.writer = threading.Thread(
                target=_write_rest,
                args=(proc.stdin.fileno(), view[written:], deadline),
                name="yamlparity-stream-stdin",
                daemon=True,
            )
            self.writer.start()
        return None

    def receive(self, deadline: float) -> tuple[str | None, bytes, float]:
        """The answer line and when it arrived, or why there is none."""
        stdout = self.stdout
        assert stdout is not None
        item = stdout.next(deadline)
        if item is None:
            timeout = self.target.timeout
            return f"timed out after {timeout:g} s waiting for the answer", b"", deadline
        kind, line, arrived = item
        if kind == _EOF:
            return self.death("the helper exited before answering"), b"", arrived
        if kind == _OVERFLOW:
            cap = self.target.max_output
            return f"answer larger than {cap} bytes (output cap)", b"", arrived
        if stdout.pending():
            return "the helper answered with more than one line (out of turn)", b"", arrived
        return None, line, arrived

    def death(self, what: str) -> str:
        proc = self.proc
        if proc is None:
            return what
        try:
            code = proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return what
        if self.drainer is not None:
            # Its exit was seen at once (the case reads the pipe itself): the reason carries
            # all it wrote to stderr, not whatever the drain thread had read by chance.
            self.drainer.join(timeout=1)
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
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.join()  # before stdin closes: its descriptor must not be reused under it
        if proc.stdin is not None:
            proc.stdin.close()
        stdout, self.stdout = self.stdout, None
        if stdout is not None:
            stdout.close()
        proc.wait()


def _write_rest(fd: int, view: memoryview, deadline: float) -> None:
    """Write what the pipe did not take at once, until `deadline` (the answer's own)."""
    while view:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        _, writable, _ = select.select([], [fd], [], min(remaining, 0.5))
        if not writable:
            continue
        try:
            view = view[os.write(fd, view[:_CHUNK]) :]
        except BlockingIOError:
            continue
        except OSError:
            return  # the helper stopped reading: its answer (or death) says why


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
        deadline = started + self.target.timeout
        try:
            problem = helper.send(invocation.stdin or b"", deadline)
        except TargetUnavailable as exc:
            problem = exc.reason

        def finish() -> RawObservation:
            try:
                if problem is not None:
                    return self._answer(helper, started, time.monotonic(), problem, b"")
                failure, line, arrived = helper.receive(deadline)
                return self._answer(helper, started, arrived, failure, line)
            finally:
                self._idle.put(helper)

        return finish

    def _answer(
        self, helper: _Helper, started: float, ended: float, failure: str | None, line: bytes
    ) -> RawObservation:
        raw = RawObservation(target=self.name, duration=ended - started)
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
