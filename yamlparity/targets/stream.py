"""Command targets in `mode: stream`: long-lived helpers, one JSON line in and out per case.

`workers: N` starts N helper processes per target; a case goes to whichever helper is free.
A helper reads one input line on stdin and answers exactly one line on stdout, in turn. An
answer that is late, extra (out of turn) or missing because the helper died is an ERROR for that
case, and that helper is restarted, so one bad answer never shifts every later case by one; so
is a helper whose answer is not one JSON document (a banner or a log line on stdout, unless
`output: text`).
A stray line that is itself JSON cannot be told from an answer by any timing, so each helper
process counts the lines it wrote against the cases it was sent (`_Helper.account`): one that
wrote more is reported (`Accounting`), and the engine turns every case it answered into an ERROR.
The protocol is documented in docs/stream-mode.md.

Each helper's stdout is read by its own thread, which stamps every line with the time it
arrived, and a line too large for the pipe is written by a thread: an answer's duration and
deadline run from when its case was sent to when its answer arrived, however late the engine
looks (it may be waiting for another target first).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import os
import queue
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from yamlparity.core import jsonvalue
from yamlparity.core.failures import with_stderr_tail
from yamlparity.core.jsonvalue import JSON
from yamlparity.spec.model import CommandTarget
from yamlparity.targets import reaper
from yamlparity.targets.base import Invocation, Pending, RawObservation, TargetUnavailable
from yamlparity.targets.command import CommandAdapter, signal_name

_CHUNK = 65536
_STDERR_TAIL = 40
_STDERR_LINE = 8192  # the end of a longer stderr line is kept, not all of it
# What a helper's stdout reader hands over: a line, the end of the output, or too much of it.
_LINE, _EOF, _OVERFLOW = 0, 1, 2

# Answer lines up to this size are parsed to tell an answer from a stray line (a banner, a log
# line): a parse by the json module's C scanner, a few microseconds for a line of a few
# hundred bytes. Longer lines only get a look at their two ends (a banner is short).
_PARSED_ANSWER = 1 << 20
# Answers up to this size are parsed once, here, and the tree handed to the gate; larger ones
# may be compared element by element (verdict/elementwise.py), which never holds whole trees.
_KEPT_PARSE = 1 << 16
_JSON_FIRST = frozenset(b'{["-0123456789tfn')
_JSON_LAST = frozenset(b'}]"0123456789el')


# Every helper process gets a number of its own (an incarnation: a restart is a new one), so
# the engine can tell which answers one process gave. Never reused within a run.
_incarnations = itertools.count(1)
# How long the end of a run waits for the helpers to exit once their stdin is closed, so
# every line they wrote is counted (a helper exits when stdin closes: docs/stream-mode.md).
END_GRACE = 1.0
# Before the end of a run closes the helpers' stdin, their stdout must stay quiet this long
# (waited for END_SETTLE at most): a helper that answers asynchronously and exits when its
# input ends would otherwise drop the last case's real answer, and a stray line before it
# would balance the count (a Node helper with a timer log line and `rl.on("close", exit)`).
END_QUIET = 0.05
END_SETTLE = 0.5
# After a kill, how long a reader thread may take to read what the helper left in the pipe.
_KILL_READ = 0.1


@dataclass(frozen=True)
class Miscount:
    """A helper process that wrote more lines than it was sent cases: one of its answers
    (which, no line protocol can tell) was not the answer to the case it was taken for, so
    none of them can be matched to a case."""

    target: str
    incarnation: int
    lines: int
    cases: int

    @property
    def reason(self) -> str:
        return (
            f"{self.target}: wrote {self.lines} lines for {self.cases} "
            f"case{'s' if self.cases != 1 else ''} since it started (a banner, a log line or "
            "two lines for one case on stdout): its answers cannot be matched to cases"
        )


# Told of every helper process that ends (restart, end of run): its incarnation, and the
# Miscount when it wrote more lines than it was sent cases (None: its count held).
Accounting = Callable[[int, Miscount | None], None]


@dataclass
class StreamAnswer(RawObservation):
    """An answer line, with the helper process (incarnation) it came from: should that
    process turn out to have written more lines than it was sent, the engine turns every case
    it answered into an ERROR (run/engine.py, _Ledger)."""

    incarnation: int = 0
    # The line parsed by jsonvalue.loads when this adapter had to know whether it is JSON:
    # the gate takes it (once: it is mutable) instead of parsing the same bytes again.
    value: tuple[JSON] | None = field(default=None, repr=False, compare=False)

    def take_value(self) -> tuple[JSON] | None:
        value, self.value = self.value, None
        return value


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def not_an_answer(line: bytes, output: str, allow_empty: bool) -> bool:
    """True when `line` cannot be one answer of this output kind: not one JSON document
    (`ready`, `[app] listening on 8080`, `1.2.3`, a blank line), unless the output is text or
    the line is an empty answer the spec allows (an empty JSON Lines stream). A stray line
    that is itself JSON (`{"status": "ready"}`) cannot be told from an answer."""
    if output == "text":
        return False
    text = line.strip(b" \t\r\n")
    if not text:
        return not (allow_empty and output == "jsonl")
    if len(text) > _PARSED_ANSWER:
        return text[0] not in _JSON_FIRST or text[-1] not in _JSON_LAST
    try:
        json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return True
    return False


class _Stdout:
    """A helper's stdout, read by its own thread: complete lines with their arrival times."""

    def __init__(self, fd: int, cap: int) -> None:
        self.items: queue.SimpleQueue[tuple[int, bytes, float]] = queue.SimpleQueue()
        self.partial = 0  # bytes of an unfinished line received so far
        self.buffer = b""  # those bytes (shown when no newline ever comes)
        self.lines = 0  # complete lines received, taken or not (see _Helper.account)
        self.thread = threading.Thread(
            target=self._read, args=(fd, cap), name="yamlparity-stream-stdout", daemon=True
        )
        self.thread.start()

    def _read(self, fd: int, cap: int) -> None:
        buffer = b""
        items = self.items
        while True:
            try:
                block = os.read(fd, _CHUNK)
            except OSError:
                block = b""
            now = time.monotonic()
            if not block:
                items.put((_EOF, b"", now))
                break
            if b"\n" in block:
                *lines, buffer = (buffer + block).split(b"\n")
            else:
                lines, buffer = [], buffer + block
            # Set before the lines are handed over: whoever takes the last one must not see
            # the line it just took as output still pending.
            self.partial, self.buffer = len(buffer), buffer
            self.lines += len(lines)
            if len(buffer) > cap or any(len(line) > cap for line in lines):
                items.put((_OVERFLOW, b"", now))
                break  # the helper is restarted: nothing more of this one is read
            for line in lines:
                items.put((_LINE, line, now))
        # This thread alone closes the descriptor, once it no longer reads it: closed by
        # another thread, its number could be reused under a read still to come.
        os.close(fd)

    def pending(self) -> bool:
        """Output not taken yet: a line waiting, or part of one."""
        return self.partial > 0 or not self.items.empty()

    def to_end(self, deadline: float) -> None:
        """Wait until the helper's stdout closed (every line counted), at most to `deadline`."""
        self.thread.join(max(0.0, deadline - time.monotonic()))

    def next(self, deadline: float) -> tuple[int, bytes, float] | None:
        """The next item if it arrived by `deadline`; None when nothing did."""
        try:
            item = self.items.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None
        return item if item[2] <= deadline else None


# The helpers' stdouts a lane (thread) has sent a case to and not yet taken the answer of.
_lanes = threading.local()


def _in_flight() -> dict[int, _PolledStdout]:
    table: dict[int, _PolledStdout] | None = getattr(_lanes, "table", None)
    if table is None:
        table = _lanes.table = {}
    return table


class _PolledStdout:
    """A helper's stdout read by the lane that sent it its case, with no thread of its own.

    The lane waiting for one answer polls the pipe of every helper it has a case in flight
    with (`_in_flight`), so each answer is stamped when it arrives, whichever target the
    engine awaits first, as the reader thread does. Only used when every target of the run is
    a stream target and no lane ever waits for a helper (StreamAdapter.poll_in_lanes): a
    lane waiting on a free helper, or on another kind of target, polls no pipe meanwhile.
    Measured: the reader thread's hand-off (its wake-up, then the lane's) was ~3 of the 6
    context switches a case, and a third of the exchange's CPU.
    """

    def __init__(self, fd: int, cap: int) -> None:
        os.set_blocking(fd, False)
        self.fd, self.cap = fd, cap
        # (kind, line, seen, since): seen when a poll read it, after `since`, the poll before
        # (or the send) that found the pipe empty: it arrived in between.
        self.items: collections.deque[tuple[int, bytes, float, float]] = collections.deque()
        self.looked = time.monotonic()  # the last time this pipe was found empty
        self.buffer = b""
        self.partial = 0
        self.lines = 0  # complete lines received, taken or not (see _Helper.account)
        self.open = True
        self.lane: dict[int, _PolledStdout] | None = None  # the table of the lane polling it
        # pending()'s look: a poll with no wait, where a read of the empty pipe raised
        # BlockingIOError (twice the cost; two looks a target a case).
        self.poller = select.poll()
        self.poller.register(fd, select.POLLIN)

    def fill(self, now: float) -> None:
        """Take what the pipe holds now; lines are stamped `now` (when the poll saw them) and
        the time of the look before, when the pipe was still empty."""
        since, self.looked = self.looked, now
        while self.open:
            try:
                block = os.read(self.fd, _CHUNK)
            except BlockingIOError:
                return
            except OSError:
                block = b""
            if not block:
                self._end(_EOF, now, since)
                return
            if b"\n" in block:
                *lines, self.buffer = (self.buffer + block).split(b"\n")
            else:
                lines, self.buffer = [], self.buffer + block
            self.partial = len(self.buffer)
            self.lines += len(lines)
            # (the longest line by map and max, the lines queued by a loop: generators cost
            # ~1 us a read here, and most reads hold one short answer)
            if len(self.buffer) > self.cap or max(map(len, lines), default=0) > self.cap:
                self._end(_OVERFLOW, now, since)
                return
            for line in lines:
                self.items.append((_LINE, line, now, since))
            if len(block) < _CHUNK:
                return  # the pipe held less than asked: it is empty now (one read saved)

    def _end(self, kind: int, now: float, since: float) -> None:
        self.items.append((kind, b"", now, since))
        self.close()

    def close(self) -> None:
        if self.open:
            self.open = False
            self._leave()
            os.close(self.fd)

    def _leave(self) -> None:
        # From the lane's own table, whichever thread closes it: a closed descriptor's number
        # is soon another pipe's, which a stale entry would read from.
        lane, self.lane = self.lane, None
        if lane is not None and lane.get(self.fd) is self:
            del lane[self.fd]

    def pending(self) -> bool:
        """Output not taken yet: a line waiting, or part of one."""
        now = time.monotonic()
        if self.open and self.poller.poll(0):
            self.fill(now)
        else:
            self.looked = now  # what fill() records of an empty pipe
        return self.partial > 0 or bool(self.items)

    def to_end(self, deadline: float) -> None:
        """Read until the helper's stdout closed (every line counted), at most to `deadline`."""
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while self.open:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            poller.poll(max(1, int(remaining * 1000)))
            self.fill(time.monotonic())

    def sent(self) -> None:
        """A case went to the helper: this lane now polls its pipe while it waits."""
        if self.open:
            self.looked = time.monotonic()  # nothing of this case can have come before
            self.lane = _in_flight()
            self.lane[self.fd] = self

    def next(self, deadline: float) -> tuple[int, bytes, float] | None:
        """The next item if it arrived by `deadline`; None when nothing did."""
        lane = _in_flight()
        if self.lane is not None and self.lane is not lane:
            # Awaited on another thread than the one that sent it (the engine never does):
            # this thread polls it from here, or it would wait out its deadline unread.
            self._leave()
            self.lane = lane
            lane[self.fd] = self
        try:
            while not self.items:
                remaining = deadline - time.monotonic()
                if not self.open:
                    return None
                if remaining <= 0:
                    self.fill(time.monotonic())  # a last look: it may have come meanwhile
                    if not self.items:
                        return None
                    break
                _poll_lane(remaining)
            kind, line, seen, since = self.items.popleft()
        finally:
            if not self.items:
                self._leave()
        # In time if it may have arrived by the deadline: a lane busy comparing another case
        # reads late, and the deadline counts the target's time, never the runner's (an idle
        # lane looks until the deadline, so `since` is then the deadline itself).
        return (kind, line, seen) if since <= deadline else None


def _poll_lane(timeout: float) -> None:
    """Wait up to `timeout` for any pipe of this lane's cases in flight; read what came."""
    table = _in_flight()
    poller = select.poll()
    for fd in table:
        poller.register(fd, select.POLLIN)
    ready = {fd for fd, _ in poller.poll(max(1, int(timeout * 1000 + 0.999)))}
    now = time.monotonic()
    for fd, stdout in list(table.items()):
        if fd not in ready:
            stdout.looked = now  # empty until now
        elif stdout.open:
            stdout.fill(now)


def _one_line(data: bytes) -> tuple[bytes, str | None]:
    """The case's line without its line end (one `\n` or `\r\n` may end the input; the
    line is sent with `\n`, or as the `\r\n` it was), or why it is not one line. A lone CR
    ends a line too for common readers (Node's readline, Java's readLine, Python's universal
    newlines): sent, the helper would read two lines and answer twice."""
    payload = data[:-1] if data.endswith(b"\n") else data
    body = payload[:-1] if payload.endswith(b"\r") else payload
    if b"\n" in body:
        return payload, "stream mode sends one line per case, but this input has several lines"
    if b"\r" in body:
        return payload, (
            "stream mode sends one line per case, but this input has a carriage return (CR, "
            "\\r) inside it, which line readers (Node's readline, Java's readLine) read as a "
            "line end"
        )
    return payload, None


def _without_newline(unfinished: bytes) -> str:
    """What a reason adds for output that never became a line (shown as the case's stdout)."""
    if not unfinished:
        return ""
    return f": received {len(unfinished)} bytes without a newline (an answer ends with \\n)"


class _Helper:
    """One helper process and what it has said; used by one case at a time."""

    def __init__(self, target: CommandTarget, env: dict[str, str], polled: bool = False) -> None:
        self.target = target
        self.env = env
        self.polled = polled  # read by the lanes (_PolledStdout), not by a thread
        self.proc: subprocess.Popen[bytes] | None = None
        self.stdout: _Stdout | _PolledStdout | None = None
        self.writer: threading.Thread | None = None
        self.written = threading.Event()  # the writer thread got the whole line out
        self.owner = reaper.Owner("stream helper")
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL)
        self.drainer: threading.Thread | None = None
        self.answered = False  # a line came back in turn, from this helper or one before it
        self.incarnation = 0  # this process's number (see _incarnations)
        self.sent = 0  # cases this process was sent: it may write as many lines, no more
        self.accounting: Accounting | None = None

    def spawn(self) -> None:
        run = self.target.run
        self.owner = reaper.Owner("stream helper")
        try:
            proc = subprocess.Popen(
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
        assert proc.stdin is not None and proc.stdout is not None
        os.set_blocking(proc.stdin.fileno(), False)  # a case never blocks the lane on a write
        self.proc = proc
        self.incarnation, self.sent = next(_incarnations), 0
        self.owner.started(proc.pid)
        # The reader owns stdout's descriptor from here (it closes it when it is done).
        reader = _PolledStdout if self.polled else _Stdout
        self.stdout = reader(os.dup(proc.stdout.fileno()), self.target.max_output)
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
        payload, why = _one_line(data)
        if why is not None:
            return why
        if self._spoke_out_of_turn():
            return "the helper wrote output out of turn (before it was sent this case)"
        proc, stdout = self.proc, self.stdout
        assert proc is not None and proc.stdin is not None and stdout is not None
        view = memoryview(payload + b"\n")
        try:
            written = os.write(proc.stdin.fileno(), view)
        except BlockingIOError:
            written = 0
        except OSError:
            return self.death("the helper closed its input")
        self.sent += 1
        if isinstance(stdout, _PolledStdout):
            stdout.sent()
        if written < len(view):
            self.written = threading.Event()
            self.writer = threading.Thread(
                target=_write_rest,
                args=(proc.stdin.fileno(), view[written:], deadline, self.written),
                name="yamlparity-stream-stdin",
                daemon=True,
            )
            self.writer.start()
        return None

    def _spoke_out_of_turn(self) -> bool:
        """True when even a fresh helper wrote output before it was sent a case (a banner).

        Output with no case in flight means the last case's answer, or the one it would be
        taken for, is not to be trusted. The case about to be sent is innocent: it goes to a
        fresh helper; the process that wrote the output is counted as it ends (account), and
        the cases it answered become ERRORs when the count proves a line too many."""
        stdout = self.stdout
        assert stdout is not None
        if not stdout.pending():
            return False
        self.restart()
        assert self.stdout is not None
        return self.stdout.pending()

    def receive(self, deadline: float) -> tuple[str | None, bytes, float]:
        """The answer line and when it arrived, or why there is none."""
        stdout = self.stdout
        assert stdout is not None
        item = stdout.next(deadline)
        if item is None:
            timeout = self.target.timeout
            if self.writer is not None and not self.written.is_set():
                # The pipe never took the whole line: the helper stopped reading its stdin.
                why = f"timed out after {timeout:g} s writing the input"
                return f"{why} (the helper stopped reading its stdin)", b"", deadline
            why = f"timed out after {timeout:g} s waiting for the answer"
            unfinished = stdout.buffer
            if unfinished:  # it flushed, but never ended the line (write() without "\n")
                return why + _without_newline(unfinished), unfinished, deadline
            if not self.answered:  # a helper whose stdout is block-buffered never answers
                # ...and one that hangs on the run's first input has not answered yet either:
                # no line so far does not say which (a new-user trial read it as a bug).
                why += (
                    " (this helper has not answered any line yet: it may hang on this input, "
                    "or not flush stdout after each answer: Python print(..., flush=True) or "
                    "python3 -u)"
                )
            return why, b"", deadline
        kind, line, arrived = item
        if kind == _EOF:
            died = self.death("the helper exited before answering")
            return died + _without_newline(stdout.buffer), stdout.buffer, arrived
        if kind == _OVERFLOW:
            cap = self.target.max_output
            return f"answer larger than {cap} bytes (output cap)", b"", arrived
        if stdout.pending():
            return "the helper answered with more than one line (out of turn)", b"", arrived
        self.answered = True
        return None, line, arrived

    def death(self, what: str) -> str:
        """`what` happened, with how the helper ended (when it did within a second)."""
        proc = self.proc
        if proc is None:
            return what
        try:
            code = proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return what
        if self.drainer is not None:
            # The reason carries all the helper wrote to stderr before it died, not whatever
            # the drain thread had read by then (it ends when the helper's stderr closes).
            self.drainer.join(timeout=1)
        how = f"killed by {signal_name(-code)}" if code < 0 else f"exit code {code}"
        return f"{what} ({how})"

    def stderr_text(self) -> str:
        return "\n".join(self.stderr_tail)

    def restart(self) -> None:
        self.kill()
        self.spawn()

    def close_input(self) -> None:
        """No more cases: close stdin, which tells the helper to exit."""
        proc = self.proc
        if proc is not None and proc.stdin is not None:
            if self.writer is not None:
                self.writer.join()  # before stdin closes (see kill)
                self.writer = None
            proc.stdin.close()

    def end(self, deadline: float) -> None:
        """Read stdout to its end (by `deadline`), so every line the helper wrote is counted
        (account), then stop it."""
        if self.proc is not None and self.stdout is not None:
            self.stdout.to_end(deadline)
        self.kill()

    def account(self) -> None:
        """Tell `accounting` whether this process wrote more lines than it was sent cases:
        a count no timing can fool (a stray line looks like an answer, never like two). Lines
        still unread when it was killed count if they are in the pipe by now."""
        stdout = self.stdout
        if stdout is None or self.accounting is None:
            return
        if isinstance(stdout, _PolledStdout):
            stdout.fill(time.monotonic())
        else:
            stdout.to_end(time.monotonic() + _KILL_READ)
        extra = stdout.lines > self.sent
        miscount = Miscount(self.target.name, self.incarnation, stdout.lines, self.sent)
        self.accounting(self.incarnation, miscount if extra else None)

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
        proc.wait()
        self.account()
        if isinstance(self.stdout, _PolledStdout):
            self.stdout.close()  # no thread owns it: whoever kills the helper closes it
        self.owner.release(proc.pid)


def _write_rest(fd: int, view: memoryview, deadline: float, written: threading.Event) -> None:
    """Write what the pipe did not take at once, until `deadline` (the answer's own); set
    `written` once all of it is out."""
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
    written.set()


def _drain_stderr(proc: subprocess.Popen[bytes], tail: collections.deque[str]) -> None:
    """Keep the last lines of the helper's stderr in `tail`, read in large blocks: readline on
    the raw pipe (`bufsize=0`) read one byte per system call, and a helper logging 1 MB a case
    took 1.2 s a case (200,000 short lines: 35 s instead of 1 s)."""
    assert proc.stderr is not None
    fd = proc.stderr.fileno()
    rest = b""  # the line still being written
    while True:
        try:
            block = os.read(fd, _CHUNK)
        except OSError:
            break
        if not block:
            break
        if b"\n" not in block:
            rest = (rest + block)[-_STDERR_LINE:]  # one endless line must not grow memory
            continue
        *lines, rest = (rest + block).split(b"\n")
        tail.extend(_text(line) for line in lines[-_STDERR_TAIL:])
        rest = rest[-_STDERR_LINE:]
    if rest:
        tail.append(_text(rest))


def _text(line: bytes) -> str:
    return line[-_STDERR_LINE:].decode("utf-8", "replace")


class StreamAdapter(CommandAdapter):
    """`workers` persistent helpers; each case borrows a free one for one exchange."""

    def __init__(self, target: CommandTarget) -> None:
        super().__init__(target)
        self.helpers = [_Helper(target, self.env) for _ in range(max(1, target.workers))]
        self._idle: queue.SimpleQueue[_Helper] = queue.SimpleQueue()
        self._closed = False

    def count_with(self, accounting: Accounting) -> None:
        """Before start(): tell `accounting` of every helper process that ends, and whether
        it wrote more lines than it was sent cases (_Helper.account)."""
        for helper in self.helpers:
            helper.accounting = accounting

    def close_inputs(self) -> None:
        """The run is over: close every helper's stdin (each exits, see end)."""
        for helper in self.helpers:
            helper.close_input()

    def lines_seen(self) -> int:
        """Complete stdout lines the helpers wrote so far (read now where the lanes poll)."""
        total = 0
        for helper in self.helpers:
            stdout = helper.stdout
            if stdout is None:
                continue
            if isinstance(stdout, _PolledStdout) and stdout.open:
                stdout.fill(time.monotonic())
            total += stdout.lines
        return total

    def recount(self) -> None:
        """Restart every helper whose process has written more lines than it was sent cases
        (what its pipe holds now is read first): it is accounted as it ends (Accounting), so
        the cases it answered are charged. `yamlparity fuzz` calls it after each input, once
        the input's answers are in (run/engine.py, started_targets)."""
        for helper in self.helpers:
            stdout = helper.stdout
            if helper.proc is None or stdout is None:
                continue
            if isinstance(stdout, _PolledStdout) and stdout.open:
                stdout.pending()  # reads what the pipe holds now
            if stdout.lines > helper.sent:
                self._restart(helper)

    def end(self, deadline: float) -> None:
        """After close_inputs: count the lines each helper wrote until it exited (by
        `deadline`), then stop them."""
        for helper in self.helpers:
            helper.end(deadline)

    def poll_in_lanes(self) -> None:
        """Read answers in the lanes (_PolledStdout), not by a thread per helper. Before
        start(), and only when every target of the run is a stream target and no lane can
        wait for a free helper (lanes <= workers): see _PolledStdout."""
        for helper in self.helpers:
            helper.polled = True

    @property
    def overlaps(self) -> bool:
        """Lane 0 may send the next case before it evaluates the one in hand: only when the
        lanes read the answers (a reader thread per helper would stamp them; a lane evaluating
        stamps the next case's answers when it polls again, a few tens of us later; the engine
        never sends ahead of a large answer's comparison)."""
        return all(helper.polled for helper in self.helpers)

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
        except Exception as exc:  # a restart that failed (no descriptor, no thread...): the
            # helper must still go back to `_idle` (finish does), or the lane sending the next
            # cases waits for it forever
            problem = f"could not send the input: {exc!r}"

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
        if failure is None:
            target = self.target
            if target.output == "text":
                # The line as the helper wrote it, its `\n` included (after a `\r` for
                # `\r\n`): the text a process writing that line gives, and compares alike.
                line += b"\n"
            answer = StreamAnswer(
                target=self.name,
                duration=ended - started,
                exit_code=0,
                stdout=line,
                incarnation=helper.incarnation,
            )
            if target.output == "json" and len(line) <= _KEPT_PARSE:
                # Most answers: parsed once, exactly as the gate would (a line this parse
                # refuses, such as a repeated key, is left to not_an_answer and the gate).
                # (try, not contextlib.suppress: its context manager cost ~0.5 us an answer)
                try:
                    answer.value = (jsonvalue.loads(line),)
                except jsonvalue.JsonDecodeError:
                    answer.value = None  # not_an_answer and the gate say what it is
            if answer.value is None and not_an_answer(
                line, target.output, bool(target.allow_empty)
            ):
                # A banner or a log line on stdout: this case's answer (the gate says it is not
                # JSON), and a helper whose next lines may each answer the case before. Started
                # afresh before its next case, so the stray line costs this case only, however
                # late the helper's own answer to it comes (it would be the next case's).
                self._restart(helper)
            return answer
        # `line` holds what came of an answer that never ended, shown with the failure.
        raw = RawObservation(target=self.name, duration=ended - started, stdout=line)
        tail = helper.stderr_text()
        raw.failure = with_stderr_tail(failure, tail)
        self._restart(helper)
        return raw

    def _restart(self, helper: _Helper) -> None:
        if not self._closed:
            with contextlib.suppress(TargetUnavailable):  # the next case reports it again
                helper.restart()

    def close(self) -> None:
        self._closed = True
        for helper in self.helpers:
            helper.kill()
