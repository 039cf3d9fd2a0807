"""plan -> execute -> normalize -> compare -> results. Knows adapters only by their interface.

Cases run on `jobs` lanes (threads): a lane takes the next case, hands its input to every
target before waiting for any answer (so all receive it at about the same time), then evaluates
it. Results come out in spec order; a bounded window keeps memory flat on long runs.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from yamlparity.core import gcpause
from yamlparity.results.records import (
    CaseResult,
    CaseResults,
    SpecResult,
    TargetInfo,
    TargetOutcome,
)
from yamlparity.run.plan import invocation_for
from yamlparity.spec.align import as_data as align_data
from yamlparity.spec.cases import CaseList
from yamlparity.spec.model import Case, CommandTarget, HttpTarget, Spec, Target
from yamlparity.targets.base import (
    Invocation,
    Pending,
    RawObservation,
    TargetAdapter,
    TargetUnavailable,
)
from yamlparity.verdict.evaluate import evaluate

if TYPE_CHECKING:
    from yamlparity.targets.stream import Miscount, StreamAdapter


class _Permits:
    """A counting semaphore (acquire, release) whose permits are tokens in a C queue:
    threading.Semaphore is a Python Condition (its lock, its notify), ~1.4 us an acquire and
    release pair where this costs ~0.1 us, and a stream case takes two pairs (its window slot
    and its exchange permit)."""

    __slots__ = ("_tokens",)

    def __init__(self, count: int) -> None:
        self._tokens: queue.SimpleQueue[None] = queue.SimpleQueue()
        for _ in range(count):
            self._tokens.put(None)

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        try:
            self._tokens.get(blocking, timeout)
        except queue.Empty:
            return False
        return True

    def release(self) -> None:
        self._tokens.put(None)


# A case handed to its targets: the case, what was sent, and each target's answer to await.
_Sent = tuple[Case, Invocation, dict[str, Pending], _Permits | None]
# (the last: the exchange permit the case holds until its answers are read, see _Live)


def default_jobs() -> int:
    """The most lanes in flight: enough to hide targets' latency; more only adds GIL contention."""
    return max(4, min(32, (os.cpu_count() or 2) * 4))


@dataclass
class RunOptions:
    # None: lanes are tuned while running, from 1 up to default_jobs() (see _Tuner).
    jobs: int | None = None
    select: Callable[[str], bool] | None = None
    stop: threading.Event = field(default_factory=threading.Event)


class Listener(Protocol):
    def spec_started(self, spec: Spec, total: int) -> None: ...

    def case_finished(self, spec: Spec, result: CaseResult, done: int, total: int) -> None: ...

    def cases_corrected(self, spec: Spec, message: str) -> None:
        """Cases already handed to case_finished are ERROR now (a stream helper's answers
        proved misaligned); `message` says how many and why, in one line."""


def make_adapter(target: Target, jobs: int | None = None) -> TargetAdapter:
    """The adapter for a target; an HTTP pool holds as many connections as cases in flight."""
    jobs = jobs or default_jobs()
    if target.kind == "http":
        from yamlparity.targets.http import HttpAdapter

        return HttpAdapter(target, max_connections=jobs)
    if target.kind == "recorded":
        from yamlparity.targets.recorded import RecordedAdapter

        return RecordedAdapter(target)
    if target.mode == "stream":
        from yamlparity.targets.stream import StreamAdapter

        return StreamAdapter(target)
    from yamlparity.targets.command import CommandAdapter

    return CommandAdapter(target)


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Live:
    """The adapters that started, and why the others did not."""

    adapters: dict[str, TargetAdapter]
    unavailable: dict[str, TargetUnavailable]
    infos: list[TargetInfo]
    # Stream helpers read by the lanes themselves (targets/stream.py, _PolledStdout): then
    # `exchanges` holds one permit per helper of the target with the fewest, taken before a
    # case is sent and given back once its answers are read, so no lane ever waits for a
    # free helper while answers it has in flight go unread.
    exchanges: _Permits | None = None
    exchange_slots: int = 1  # the permits `exchanges` holds: the cases in flight at once
    # Which stream helper process answered which case (None: no stream target).
    ledger: _Ledger | None = None


class _Ledger:
    """The cases each stream helper process (incarnation) answered, and the processes proven
    to have written more lines than they were sent cases (targets/stream.py, Miscount).

    One such line shifts answers by one from wherever it came, and no timing tells where: so
    every case answered by that process becomes an ERROR, as it finishes when the process is
    proven wrong by then (_Lanes._complete), else in the store before anything is reported
    (run_spec, _correct). A process whose count held when it ended is forgotten. Lock-free:
    dict get/setdefault/pop and array appends are atomic under the GIL.
    """

    def __init__(self) -> None:
        self.answered: dict[int, array[int]] = {}
        self.miscounts: dict[int, Miscount] = {}  # incarnation -> its miscount
        self.strayed: Miscount | None = None  # the first miscount of the run, kept

    def note(self, index: int, raws: Iterable[RawObservation]) -> list[Miscount]:
        """Case `index` got these answers: remember the helper process of each answer line.
        Returns the miscounts already known of those processes (most often none)."""
        answered = self.answered
        known: list[Miscount] = []
        for raw in raws:
            incarnation = getattr(raw, "incarnation", 0)  # only a StreamAnswer has one
            if incarnation and raw.failure is None:
                cases = answered.get(incarnation)
                if cases is None:
                    cases = answered.setdefault(incarnation, array("Q"))
                cases.append(index)
                if incarnation in self.miscounts:
                    known.append(self.miscounts[incarnation])
        return known

    def ended(self, incarnation: int, miscount: Miscount | None) -> None:
        """A helper process ended (targets/stream.py, Accounting)."""
        if miscount is None:
            self.answered.pop(incarnation, None)  # every line it wrote answered a case
        else:
            self.miscounts[incarnation] = miscount
            if self.strayed is None:
                self.strayed = miscount

    def forget(self) -> None:
        """Drop what is known of the cases answered so far (`yamlparity fuzz`, after each
        input: an input judged already is never charged again)."""
        self.answered.clear()
        self.miscounts.clear()

    def misaligned(self) -> dict[int, list[Miscount]]:
        """Case index -> the miscounted processes that answered it."""
        found: dict[int, list[Miscount]] = {}
        for miscount in self.miscounts.values():
            for index in self.answered.get(miscount.incarnation, ()):
                found.setdefault(index, []).append(miscount)
        return found


def run_spec(
    spec: Spec,
    options: RunOptions | None = None,
    listener: Listener | None = None,
    adapter_factory: Callable[[Target], TargetAdapter] | None = None,
) -> SpecResult:
    options = options or RunOptions()
    jobs = max(1, options.jobs or default_jobs())
    factory = adapter_factory or (lambda target: make_adapter(target, jobs))
    cases = _selected(spec, options.select)
    store = CaseResults(tuple(spec.targets), spec.compare.facets)
    result = SpecResult(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        file=str(spec.file),
        kind=spec.kind,
        targets=[],
        cases=store,
        started=now_utc(),
        facets=spec.compare.facets,
        intended_rules={str(i): r.intended for i, r in enumerate(spec.rules) if r.intended},
        rules={str(i): {"text": r.text, "facet": r.facet} for i, r in enumerate(spec.rules)},
        align=align_data(spec.align),
    )
    if listener:
        listener.spec_started(spec, len(cases))
    with ExitStack() as stack:
        live = _start_targets(spec, factory, stack, options.jobs)
        result.targets = live.infos
        for case_result in _run_cases(spec, cases, live, options):
            store.append(case_result)
            if listener:
                listener.case_finished(spec, case_result, len(store), len(cases))
        if live.ledger is not None:
            _end_helpers(live)
            _correct(spec, store, live.ledger, listener)
    store.finish()
    result.interrupted = options.stop.is_set() and len(store) < len(cases)
    result.finished = now_utc()
    return result


@dataclass(frozen=True)
class StartedTargets:
    """Targets started once, and `run(case, settle)` for cases made as the caller goes.

    `strayed(settle)` is the first stream helper process proven so far to have written more
    lines than it was sent cases (its reason; None while none was): a case judged before the
    proof may rest on a shifted answer, and a caller that judged cases one at a time cannot
    correct them (`yamlparity fuzz` searches again, settling after each input)."""

    infos: list[TargetInfo]
    run: Callable[[Case, bool], CaseResult]
    strayed: Callable[[bool], str | None]


@contextmanager
def started_targets(
    spec: Spec, adapter_factory: Callable[[Target], TargetAdapter] | None = None
) -> Iterator[StartedTargets]:
    """Start every target (services included) once; each `run(case, settle)` goes through the
    same path as run_spec (plan, every target, gate, rules, compare, known divergences) on one
    lane. For `yamlparity fuzz`, whose cases do not exist before the run.

    After each case every stream helper is recounted (StreamAdapter.recount): one that wrote
    more lines than it was sent is restarted, and the case is an ERROR for it when that
    process answered it (_misaligned), as `run` does. With `settle`, the helpers' stdout must
    first be quiet for END_QUIET (END_SETTLE at most), as at the end of a run: a second line
    written a few ms after the answer is then charged to the case that caused it, not taken
    as the next case's answer. Without it, only what is in the pipes by then is counted."""
    factory = adapter_factory or (lambda target: make_adapter(target, 1))
    options = RunOptions(jobs=1)
    with ExitStack() as stack:
        # The ledger charges a case that finishes after its helper process was proven to
        # write a line too many; cases made one at a time have no store to correct later.
        live = _start_targets(spec, factory, stack, options.jobs)
        streams = _streams(live)
        ledger = live.ledger

        def run(case: Case, settle: bool = False) -> CaseResult:
            one = replace(spec, cases=CaseList([case]))
            (result,) = _run_cases(one, range(1), live, options)
            if ledger is None:
                return result
            _recount(streams, settle)
            # Only this case is in the ledger (forgotten after each): the processes proven
            # to have written a line too many that answered it.
            proven = [m for ms in ledger.misaligned().values() for m in ms]
            ledger.forget()
            return _misaligned(one, result, proven, _after_answer) if proven else result

        def strayed(settle: bool = False) -> str | None:
            if ledger is None:
                return None
            if settle:
                _recount(streams, settle)
            return ledger.strayed.reason if ledger.strayed is not None else None

        yield StartedTargets(live.infos, run, strayed)


def _recount(streams: Sequence[StreamAdapter], settle: bool) -> None:
    """Count every line the helpers wrote (`settle`: once their stdout has been quiet)."""
    if settle:
        _settle(streams)
    for adapter in streams:
        adapter.recount()


def _after_answer(miscount: Miscount) -> str:
    """Why a case made one at a time is an ERROR when the helper process that answered it was
    proven, right after, to have written a line too many: in the words of a second line
    already waiting when the answer was taken (StreamAdapter's receive), so that one bug is
    one fuzz finding however the lines were timed."""
    cases = f"{miscount.cases} case{'s' if miscount.cases != 1 else ''}"
    return (
        "the helper answered with more than one line (out of turn): another line came after "
        f"this case's answer was taken ({miscount.lines} lines for {cases} since it started)"
    )


def _selected(spec: Spec, select: Callable[[str], bool] | None) -> Sequence[int]:
    """Positions of the selected cases in spec.cases: by name only, no fixture row is read."""
    if select is None:
        return range(len(spec.cases))
    return array("Q", (i for i, name in enumerate(spec.cases.names()) if select(name)))


def _start_targets(
    spec: Spec,
    factory: Callable[[Target], TargetAdapter],
    stack: ExitStack,
    jobs: int | None = None,
) -> _Live:
    adapters: dict[str, TargetAdapter] = {}
    for name, target in spec.targets.items():
        adapter = factory(target)
        stack.callback(adapter.close)
        adapters[name] = adapter
    polled = _poll_in_lanes(adapters)
    ledger = _ledger_for(adapters)
    unavailable: dict[str, TargetUnavailable] = {}
    # Builds and service start-ups are slow and independent: start all targets together.
    with ThreadPoolExecutor(max_workers=len(adapters)) as pool:
        futures = {name: pool.submit(adapter.start) for name, adapter in adapters.items()}
        for name, future in futures.items():
            try:
                future.result()
            except TargetUnavailable as exc:
                unavailable[name] = exc
            except Exception as exc:  # an adapter bug must not leave other services running
                unavailable[name] = TargetUnavailable(f"could not start: {exc!r}")
    infos = [
        TargetInfo(
            name=name,
            kind=spec.targets[name].kind,
            description=adapter.describe(),
            unavailable=unavailable[name].reason if name in unavailable else None,
            log_tail=unavailable[name].log_tail if name in unavailable else "",
            notes=list(getattr(adapter, "notes", list)()),  # a recording's provenance notes
        )
        for name, adapter in adapters.items()
    ]
    live = {n: a for n, a in adapters.items() if n not in unavailable}
    # A permit per helper of the started target with the fewest (one that failed to start
    # holds no case): sized after the start, so a dead `workers: 1` target does not hold
    # the others' cases to one at a time.
    slots = (_fewest_workers(live) or 1) if polled else 1
    exchanges = _Permits(slots) if polled else None
    return _Live(live, unavailable, infos, exchanges, slots, ledger)


def _ledger_for(adapters: dict[str, TargetAdapter]) -> _Ledger | None:
    """A ledger told of every stream helper process that ends (None: no stream target)."""
    from yamlparity.targets.stream import StreamAdapter

    streams = [a for a in map(_lent, adapters.values()) if isinstance(a, StreamAdapter)]
    if not streams:
        return None
    ledger = _Ledger()
    for adapter in streams:
        adapter.count_with(ledger.ended)
    return ledger


def _settle(streams: Sequence[StreamAdapter]) -> None:
    """Wait until the helpers' stdout has been quiet for END_QUIET (END_SETTLE at most): an
    answer still on its way is counted before stdin closes (targets/stream.py, END_QUIET)."""
    from yamlparity.targets.stream import END_QUIET, END_SETTLE

    if not streams:
        return
    give_up = time.monotonic() + END_SETTLE
    seen, since = -1, time.monotonic()
    while time.monotonic() < give_up:
        now_seen = sum(adapter.lines_seen() for adapter in streams)
        if now_seen != seen:
            seen, since = now_seen, time.monotonic()
        elif time.monotonic() - since >= END_QUIET:
            return
        time.sleep(END_QUIET / 5)


def _lent(adapter: TargetAdapter) -> object:
    """The adapter itself, or the one it lends to several runs (the pytest plugin's shared
    adapters): a stream helper's lines are counted in every run that uses it."""
    return getattr(adapter, "lent", adapter)


def _streams(live: _Live) -> list[StreamAdapter]:
    """The stream adapters of the started targets (those lent to this run included)."""
    from yamlparity.targets.stream import StreamAdapter

    return [a for a in map(_lent, live.adapters.values()) if isinstance(a, StreamAdapter)]


def _end_helpers(live: _Live) -> None:
    """Close every stream helper's stdin, then count what each wrote until it exited: a
    line written after the last answer was taken is caught here (targets/stream.py)."""
    from yamlparity.targets.stream import END_GRACE

    streams = _streams(live)
    _settle(streams)
    for adapter in streams:
        adapter.close_inputs()  # all at once: they exit together
    deadline = time.monotonic() + END_GRACE
    for adapter in streams:
        adapter.end(deadline)


def _correct(spec: Spec, store: CaseResults, ledger: _Ledger, listener: Listener | None) -> None:
    """Turn every stored case a miscounted helper process answered into an ERROR, before any
    report reads the store; say so once on the terminal, since those cases were shown."""
    misaligned = ledger.misaligned()
    changed = 0
    for index, miscounts in sorted(misaligned.items()):
        if index >= len(store):  # a case sent ahead when the run stopped is not stored
            continue
        case = store[index]
        corrected = _misaligned(spec, case, miscounts)
        if corrected is not case:  # not charged already as it finished (_Lanes._complete)
            store.replace(index, corrected)
            changed += 1
    if changed and listener is not None:
        first, *others = dict.fromkeys(m.reason for ms in misaligned.values() for m in ms)
        more = f" (and {len(others)} more helper processes alike)" if others else ""
        listener.cases_corrected(
            spec,
            f"[parity] {spec.name}: {changed} case{'s' if changed != 1 else ''} reported as "
            f"{'they' if changed != 1 else 'it'} finished {'are' if changed != 1 else 'is'} "
            f"ERROR now: {first}{more}",
        )


def _misaligned(
    spec: Spec,
    case: CaseResult,
    miscounts: list[Miscount],
    why: Callable[[Miscount], str] = lambda miscount: miscount.reason,
) -> CaseResult:
    """`case` as an ERROR: the answers of these targets' helpers cannot be matched to cases
    (`case` itself when it says so already)."""
    blamed = {m.target: why(m) for m in reversed(miscounts)}  # the first per target
    blamed = {t: r for t, r in blamed.items() if case.outcomes[t].error != r}
    if not blamed:
        return case
    outcomes = {
        name: replace(outcome, error=blamed[name], facets={}) if name in blamed else outcome
        for name, outcome in case.outcomes.items()
    }
    failures = {
        name: case.failures.get(name) or "misaligned answers"
        for name in spec.targets
        if name in blamed or name in case.failures
    }
    reasons = [blamed[name] for name in spec.targets if name in blamed]
    if case.verdict == "ERROR" and case.reason:
        reasons.append(case.reason)
    groups = [kept for group in case.groups if (kept := [n for n in group if n not in blamed])]
    return CaseResult(
        name=case.name,
        verdict="ERROR",
        outcomes=outcomes,
        groups=groups,
        reason="; ".join(reasons),
        link=case.link,
        duration=case.duration,
        reproducers=case.reproducers,
        failures=failures,
        known_errors=case.known_errors,
    )


def _poll_in_lanes(adapters: dict[str, TargetAdapter]) -> bool:
    """When every target is a stream target, the lanes read the helpers' answers themselves
    (targets/stream.py, _PolledStdout): True, and their exchanges are gated (see _Live).

    Measured (bench, 5,000 cases, 2 targets, `workers: 1`): a reader thread per helper cost
    ~6 context switches a case; with the lane reading, ~1, and it sends the next cases while
    it evaluates one."""
    from yamlparity.targets.stream import StreamAdapter

    streams = [a for a in adapters.values() if isinstance(a, StreamAdapter)]
    if not streams or len(streams) != len(adapters):
        return False
    for adapter in streams:
        adapter.poll_in_lanes()
    return True


def _fewest_workers(adapters: dict[str, TargetAdapter]) -> int | None:
    """The fewest helpers of these stream targets (None when there are none)."""
    from yamlparity.targets.stream import StreamAdapter

    counts = [len(a.helpers) for a in adapters.values() if isinstance(a, StreamAdapter)]
    return min(counts, default=None)


def _run_cases(
    spec: Spec, cases: Sequence[int], live: _Live, options: RunOptions
) -> Iterator[CaseResult]:
    """Run cases on `jobs` lanes; yield results in spec order, whatever the completion order."""
    if not cases:
        return
    lanes = _Lanes(spec, cases, live, options)
    try:
        yield from lanes.results()
    finally:
        lanes.abort()


class _Lanes:
    """`jobs` lanes, each taking the next case and running it end to end.

    Lane 0 is the thread that reads the results: it runs a case itself whenever the one it
    waits for is not done yet. With one lane (what the tuner settles on for local CPU-bound
    targets) there is then no thread hand-off at all: measured, the hand-off to a lane thread
    and back (Condition wait/notify, GIL switch) was ~10% of a run. Lanes 1.. are threads.
    A lane hands the case to every target (two-step adapters first, then at most one plain
    `execute` inline, others through a small pool), waits for the answers and evaluates them.
    Finished results wait in `done` until every earlier case is out; `window` bounds how far
    lanes may run ahead of the oldest unfinished case, so memory does not grow with the run.
    """

    def __init__(self, spec: Spec, cases: Sequence[int], live: _Live, options: RunOptions) -> None:
        self.spec, self.cases, self.live, self.options = spec, cases, live, options
        jobs = max(1, min(options.jobs or default_jobs(), len(cases)))
        if options.jobs is None:
            jobs = min(jobs, _helpers_limit(live))
        began = time.perf_counter()
        self.tuner = _tuner_for(spec, live, jobs, began) if options.jobs is None else None
        self.limit = self.tuner.lanes if self.tuner else jobs  # lanes allowed to take cases
        self.overlap = options.jobs is None and all(
            getattr(adapter, "overlaps", False) for adapter in live.adapters.values()
        )
        # Cases lane 0 keeps in flight while it evaluates one (see _next_result): one over
        # HTTP; with lanes reading stream helpers, one per helper of the fewest `workers`.
        self.depth = live.exchange_slots if self.overlap else 1
        self.window = _Permits(max(jobs, self.depth + 1) * _WINDOW_PER_JOB)
        mutex = threading.Lock()
        self.lock = threading.Condition(mutex)  # `done` changed: only the reader waits on it
        self.gate = threading.Condition(mutex)  # `limit` changed: idle lanes wait on it
        self.done: dict[int, CaseResult] = {}
        self.next_case = 0
        self.busy = 0  # cases taken and not yet in `done`
        self.aborted = False
        # Lane 0's cases sent ahead, oldest first (see _next_result); only in tuned runs:
        # `--jobs 1` keeps one case at a time on the wire.
        self.ahead: deque[tuple[int, CaseResult | _Sent]] = deque()
        self.overlap_lanes = self.limit  # where the tuner starts (see _next_result)
        self.threads = [
            threading.Thread(target=self._lane, args=(n,), name=f"yamlparity-lane-{n}", daemon=True)
            for n in range(1, jobs)
        ]
        for thread in self.threads:
            thread.start()

    def results(self) -> Iterator[CaseResult]:
        for index in range(len(self.cases)):
            result = self._next_result(index)
            if result is None:
                return  # stopped: this case was never started
            self.window.release()
            yield result

    def _next_result(self, index: int) -> CaseResult | None:
        """Case `index`'s result: run cases here (lane 0) until it is done, or wait for it.

        When every target allows it (`overlap`), lane 0 sends the next cases (`depth` of them)
        before it evaluates the one in hand: the targets work while this process evaluates,
        which a single lane otherwise leaves idle (measured: most of a local run's wall time
        was spent waiting for answers), without a second thread's hand-offs.
        """
        while True:
            if not self.ahead:
                with self.lock:
                    if index in self.done:
                        return self.done.pop(index)
                    taken = self._try_claim()
                    if taken is None:
                        if self.busy == 0:
                            return None  # nothing in flight and nothing more will start
                        self.lock.wait()
                        continue
                self.ahead.append((taken, self._start(self.cases[taken])))
            position, started = self.ahead.popleft()
            size = 0
            # Sending ahead only at the lanes the tuner starts from: HTTP starts at one lane
            # and tries two; sending ahead during that trial put three cases in flight, and
            # beside a busy process the trial then lost to one lane, while a plain -j 2 was the
            # fastest count there (bench/README.md, "Latest round"). Stream lanes start, and
            # stay, at their count.
            overlap = self.overlap and self.limit <= self.overlap_lanes
            if overlap:
                started, size = _settled(started)
            if overlap and size < gcpause.LARGE:
                self._send_ahead()
            elif overlap:
                # A case's clock runs from its send: none is sent while a large case is
                # compared here (a 9 MB pair takes longer than a short timeout), and the
                # answers of those already sent are read, and stamped, before it is.
                for at, (waiting, sent) in enumerate(list(self.ahead)):
                    self.ahead[at] = (waiting, _settled(sent)[0])
            # Stored by lane 0 itself: no one waits on `lock` meanwhile (only lane 0 does).
            self._store(position, self._complete(started, position), wake=False)
            with self.lock:
                if index in self.done:
                    return self.done.pop(index)

    def _send_ahead(self) -> None:
        """Send cases until `depth` are in flight (each holds an exchange permit, when there
        are permits, from its send to its answers: never more than there are helpers)."""
        while len(self.ahead) < self.depth:
            with self.lock:
                following = self._try_claim()
            if following is None:
                return
            self.ahead.append((following, self._start(self.cases[following])))

    def _try_claim(self) -> int | None:
        """The next case for lane 0 if the window has room (the caller holds the lock)."""
        return self._claim() if self.window.acquire(blocking=False) else None

    def abort(self) -> None:
        """Let every lane finish its case and exit (also when the consumer stopped early)."""
        while self.ahead:  # sent already: take their answers so nothing is left open
            waiting, sent = self.ahead.popleft()
            self._complete(sent, waiting)
        with self.lock:
            self.aborted = True
            self.gate.notify_all()
        for _ in self.threads:
            self.window.release()
        for thread in self.threads:
            thread.join()

    def _stopped(self) -> bool:
        return self.aborted or self.options.stop.is_set()

    def _claim(self) -> int | None:
        """The next case to run (the caller holds the lock and one window slot)."""
        if self._stopped() or self.next_case >= len(self.cases):
            self.window.release()
            return None
        index = self.next_case
        self.next_case += 1
        self.busy += 1
        return index

    def _store(self, index: int, result: CaseResult, wake: bool = True) -> None:
        """`wake`: tell lane 0, which may be waiting for this result (a lane thread stored
        it)."""
        with self.lock:
            self.done[index] = result
            self.busy -= 1
            if wake:
                self.lock.notify()
            tuner = self.tuner
            if tuner is not None and not tuner.settled:  # settled: its count never moves
                # Counted when it ends, not when it is handed on in spec order: lane 0 may
                # be running a case of its own while the next one in order is done. Counted
                # then, two lanes of a 2 s endpoint looked no faster than one (two cases in
                # 4 s), and a 20-case run stayed at one lane: 37 s, 7 s with -j 8.
                lanes = tuner.observe(time.perf_counter())
                if lanes != self.limit:
                    self.limit = lanes
                    self.gate.notify_all()  # `gate` shares the lock held here

    def _take(self, lane: int) -> int | None:
        with self.lock:
            # Lanes beyond the tuned limit wait; the timeout notices a stop (set by a signal).
            while lane >= self.limit and not self._stopped():
                self.gate.wait(0.1)
        self.window.acquire()
        with self.lock:
            return self._claim()

    def _lane(self, lane: int) -> None:
        while (index := self._take(lane)) is not None:
            try:
                result = self._run_one(index)
            except BaseException as exc:  # the case must get a result, or lane 0 waits forever
                spec = self.spec
                position = self.cases[index]
                case = Case(spec.cases.name(position), spec.cases.location(position), None)
                self._store(index, _case_error(spec, case, f"internal error: {exc!r}"))
                raise
            self._store(index, result)

    def _run_one(self, index: int) -> CaseResult:
        return self._complete(self._start(self.cases[index]), index)

    def _start(self, position: int) -> CaseResult | _Sent:
        """Send case `position` to every target; a result already when it cannot be sent."""
        spec = self.spec
        try:
            case = spec.cases[position]  # a fixture row is read and parsed here, not at load
        except Exception as exc:  # the fixture file changed or vanished since loading
            name = spec.cases.name(position)
            return _case_error(spec, Case(name, spec.cases.location(position), None), str(exc))
        if case.skip is not None:
            return _case_skipped(spec, case, case.skip)
        try:
            invocation = invocation_for(spec, case)
        except Exception as exc:  # a template error in one case's data
            return _case_error(spec, case, f"could not render the input: {exc}")
        gate = self.live.exchanges
        if gate is not None:
            gate.acquire()  # given back by _complete once the answers are read
        try:
            return case, invocation, self._exchange(invocation, case.targets), gate
        except Exception as exc:  # an engine bug must cost one case, not the run
            if gate is not None:
                gate.release()
            return _case_error(spec, case, f"internal error: {exc!r}")

    def _complete(self, started: CaseResult | _Sent, index: int) -> CaseResult:
        """Wait for the answers of a started case (the `index`th of the run) and evaluate
        them."""
        if isinstance(started, CaseResult):
            return started
        case, invocation, pending, gate = started
        try:
            try:
                raws = _answers(self.spec, case, self.live, pending)
            finally:
                if gate is not None:
                    gate.release()
            result = _judged(self.spec, case, invocation, raws)
            if self.live.ledger is not None:
                # A helper process already proven to have written a line too many (the line
                # was waiting when the next case was sent, after this one's answer was taken):
                # this case is charged now, before anyone is shown it.
                proven = self.live.ledger.note(index, raws.values())
                if proven:
                    return _misaligned(self.spec, result, proven)
            return result
        except Exception as exc:  # an engine or evaluation bug must cost one case, not the run
            return _case_error(self.spec, case, f"internal error: {exc!r}")

    def _exchange(
        self, invocation: Invocation, only: tuple[str, ...] | None = None
    ) -> dict[str, Pending]:
        """Give the input to every live target (`only` these when the case names some); the
        answers are collected afterwards.

        Every target is begun before any answer is awaited, and from its `begin` each adapter
        runs its target on its own clock (base.TargetAdapter): the order targets are listed in
        never changes a deadline, a duration or a verdict (tests/unit/run/test_order_property.py).
        """
        return {
            name: _guarded_begin(adapter, invocation)
            for name, adapter in self.live.adapters.items()
            if only is None or name in only
        }


_WINDOW_PER_JOB = 4
_TUNE_CASES = 64  # a throughput sample spans at least this many cases...
_TUNE_SECONDS = 0.25  # ...and this long,
_TUNE_SLOW_SECONDS = 1.0  # or this long with four cases a lane: 64 cases of a 0.5 s target
# took 32 s, and a 40-case run never left one lane (22 s by default, 11 s with -j 2; 14 s now).
# Four a lane, as targets that start a process per case are sampled: their tuning is unchanged.
_TUNE_PROCESS_CASES = 4  # ...(per lane) when targets start a process per case
# Cases that keep a lane this long each are waited for, not computed here: one round of
# them, a case a lane, is a sample (lanes / latency is the rate), with no warm-up. A first
# case that slow gives at once the lanes the targets' timeouts leave room for (_Tuner._leap):
# were the service to take one request at a time, each would still be answered within half
# its timeout, and the next sample takes them back. Measured (a new-user trial, then here):
# 20 cases of a 2 s endpoint took 30 s by default with four cases a lane a sample, 37 s with
# a case counted only when handed on in spec order (engine._Lanes._store), 9 s now; 7 s with
# -j 8, 2.6 s with -j 20.
_TUNE_LATENCY = 0.5
_TUNE_GAIN = 1.1  # more lanes are kept only when they bring 10% more cases a second
_TUNE_IDLE = 0.5  # a sample that used under this share of the cores waited (see _Tuner._idle)


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (os.times)."""
    used = os.times()
    return used.user + used.system + used.children_user + used.children_system


class _Tuner:
    """How many lanes the default run uses. Measured: on 2 cores shared with two local Node
    servers, 1 lane ran 2160 cases/s and 8 lanes 1542 (GIL hand-offs, context switches); with
    a target 10 ms away, 8 lanes run ~8x faster than 1. So start with one lane and double
    while each doubling brings >= 10% more throughput; the first that does not is undone and
    the count stays there. The first sample is a warm-up and decides nothing, and a count above
    one is checked once more against half of it before it stays: a one-lane sample taken while
    the targets themselves warmed up was, now and then, slow enough for two lanes to look 10%
    faster, and the whole run then went ~25% slower."""

    def __init__(
        self,
        ceiling: int,
        start: int = 1,
        sample: int = _TUNE_CASES,
        warm_up: bool = True,
        waits: bool = True,
        began: float | None = None,
        timeout: float | None = None,
        cpu: Callable[[], float] | None = None,
    ) -> None:
        """`waits`: a sample of slow cases (_TUNE_LATENCY a lane) may be one case a lane
        (targets answering from elsewhere; not those that start a process per case here).
        `began`: when the first case was sent, if known (see observe). `timeout`: the
        shortest of the targets' timeouts, which bounds the lanes slow cases are given.
        `cpu`: the CPU seconds used so far by this process and its finished children (the
        helpers of targets that start a process per case), which tells a sample that waited
        from one that computed (see _idle)."""
        self.ceiling = ceiling
        self.waits = waits
        self.began = began
        self.timeout = timeout
        self.leapt = False  # lanes given at once on a slow first case (see observe)
        self.lanes = max(1, min(start, ceiling))
        self.settled = ceiling == 1
        self.best_rate, self.best_lanes = 0.0, self.lanes
        self.sample = sample
        self.count, self.since = 0, -1.0
        self.cpu = cpu
        self.cpu_since = cpu() if cpu is not None else 0.0
        self.warm = not warm_up
        self.checking = False  # measuring best_lanes // 2 again before settling
        # Cases still running on lanes just dropped: they finish early in the next sample and
        # would make fewer lanes look as fast (a slow target's sample is a few cases).
        self.draining = 0

    def observe(self, now: float) -> int:
        """One more case done at `now`; returns the lanes to use from here."""
        if self.settled:
            return self.lanes
        if self.since < 0:
            # The first case carries connection and start-up costs: the clock starts at its
            # end. Unless it took half a second or more by itself (targets that answer from
            # elsewhere): a one-lane sample already, which start-up costs cannot sway.
            first = now - self.began if self.began is not None else 0.0
            if self.waits and first >= _TUNE_LATENCY:
                self._mark(now)
                return self._leap(first, now)
            if first >= _TUNE_SECONDS and self._idle(first):
                # The first round waited, start-up included: its lanes' rate is a sample.
                self.best_rate, self.best_lanes = self.lanes / first, self.lanes
                self.lanes = max(self.lanes, min(self.lanes * 4, self._room(first)))
                self.settled = self.lanes == self.best_lanes
            self._mark(now)
            return self.lanes
        if self.draining:
            self.draining -= 1
            self._mark(now)  # the sample starts once the dropped lanes' cases are done
            return self.lanes
        self.count += 1
        elapsed = now - self.since
        enough = self.count >= max(self.sample, 4 * self.lanes) and elapsed >= _TUNE_SECONDS
        slow = elapsed >= _TUNE_SLOW_SECONDS and self.count >= 4 * self.lanes
        waited = (
            self.waits
            and elapsed >= _TUNE_LATENCY
            and self.count >= self.lanes
            and elapsed * self.lanes >= _TUNE_LATENCY * self.count
        )
        # Targets that start a process per case and leave the cores idle wait (on a remote
        # service, a sleep): one round of them is a sample, as slow cases are above.
        idle = self._idle(elapsed)
        idle_round = idle and self.count >= self.lanes and elapsed >= _TUNE_SECONDS
        if not (enough or slow or waited or idle_round):
            return self.lanes
        rate = self.count / elapsed
        # A sample of slow cases alone (half a second a case a lane) needs no warm-up:
        # milliseconds of connections and caches cannot sway it, and the warm-up sample cost
        # a whole round of a 2 s endpoint's cases.
        slow_cases_only = waited and not (enough or slow)
        was_warm, self.warm = self.warm, True
        if self.leapt and not slow_cases_only:
            # The first case was slow, the next ones are not (a service's first request
            # warms it up): lanes are tuned from one as for any fast target, once the cases
            # of the lanes dropped are done.
            self.leapt, self.draining = False, self.lanes - 1
            self.lanes, self.best_rate, self.best_lanes = 1, 0.0, 1
        elif not was_warm and not slow_cases_only:
            pass  # the warm-up sample decides nothing
        elif self.checking:  # fewer lanes, measured again: they must be clearly slower
            more_pay = self.best_rate >= rate * _TUNE_GAIN
            self.lanes = self.best_lanes if more_pay else self.lanes
            self.settled = True
        elif rate >= self.best_rate * _TUNE_GAIN:
            self.best_rate, self.best_lanes = rate, self.lanes
            # Cases that waited: as many more lanes as the timeouts leave room for (_room).
            latency = elapsed * self.lanes / self.count if slow_cases_only or idle else 0.0
            grown = self.lanes * (4 if idle else 2)
            self.lanes = max(self.lanes, min(grown, self._room(latency)))
            self.settled = self.lanes == self.best_lanes
        elif self.best_lanes > 1:
            self.draining = self.lanes - self.best_lanes // 2
            self.lanes, self.checking = self.best_lanes // 2, True
        else:
            self.lanes, self.settled = self.best_lanes, True
        self.count = 0
        self._mark(now)
        return self.lanes

    def _mark(self, now: float) -> None:
        """A sample starts at `now` (and at the CPU time used so far)."""
        self.since = now
        if self.cpu is not None:
            self.cpu_since = self.cpu()

    def _idle(self, elapsed: float) -> bool:
        """Whether the sample so far used under half of the machine's cores (_TUNE_IDLE): its
        cases waited rather than computed, and lanes then grow fourfold, not twofold.
        Measured: 40 cases of a helper that waits 0.3 s, two targets, 2 cores: 4.7 s by
        default when lanes only doubled after samples of four cases a lane, 2.7 s with -j 8.
        CPU-bound helpers misjudged as waiting (a loaded machine) cost one sample: lanes that
        do not bring 10% more cases a second are undone."""
        if self.cpu is None or elapsed <= 0:
            return False
        return self.cpu() - self.cpu_since < _TUNE_IDLE * elapsed * _cores()

    def _leap(self, latency: float, now: float) -> int:
        """The first case took `latency` (half a second or more): one lane's rate is known.
        Lanes for every case the targets' timeouts leave room for (_room) are given at once
        instead of doubled round by round (a 40-case run of a 0.5 s endpoint spent half its
        time doubling); if they do not bring more cases a second, the next sample goes back
        to one lane (a service taking one request at a time)."""
        self.best_rate, self.best_lanes = 1.0 / latency, 1
        self.lanes = max(min(2, self.ceiling), self._room(latency))
        self.leapt = self.warm = True
        self.count = 0
        self._mark(now)
        return self.lanes

    def _room(self, latency: float) -> int:
        """The most lanes (up to the ceiling) whose cases, all waiting on a target that
        serves one at a time, would each be answered within half the shortest timeout."""
        if self.timeout is None or latency <= 0:
            return self.ceiling
        return max(1, min(self.ceiling, int(self.timeout / (2 * latency))))


def _helpers_limit(live: _Live) -> int:
    """The most lanes worth having: a case holds one helper of every stream target (`workers`
    each) from sending to its answer and frees it before it is evaluated, so twice the fewest
    workers keeps every helper busy while as many cases are evaluated; more lanes only wait.
    Measured with bench/run.py --only lanes (stream, `workers: 1`): the tuner climbed to 8
    lanes waiting on one helper, 0.67x the best fixed -j (-j 4 there, 9% over -j 1)."""
    fewest = _fewest_workers(live.adapters)
    if fewest is None:
        return default_jobs()
    # Lanes reading their helpers: one lane, which keeps a case in flight on every helper
    # while it evaluates one (`_Lanes.depth`); a second lane only traded the GIL with the
    # first (bench/README.md: 2 workers ran at 0.35x the minimal loop with two lanes).
    return 1 if live.exchanges is not None else 2 * fewest


def _tuner_for(spec: Spec, live: _Live, ceiling: int, began: float) -> _Tuner:
    """The tuner for these targets. Measured with bench/run.py --only lanes (medians of 5
    interleaved rounds, at rest and beside a CPU-bound process, load average 7-20):

    * stream targets (every target a command target, one at least in stream mode): the
      ceiling is twice the fewest workers (_helpers_limit) and that count was the best fixed
      -j or within 7% of it, while tuning from one lane stayed at one (0.67x-0.88x): they run
      at the ceiling, untuned. With only stream targets the ceiling is the fewest workers
      (lanes read their helpers and send ahead; bench/README.md, "Per-case cost").
    * every target starts a process per case: the work is in those processes, not under this
      one's GIL. Tuning from one lane with 64-case samples left a 24-case run at one lane
      (0.40x the best fixed -j under load); lanes now start at one per CPU, 4 cases a sample
      per lane, no warm-up sample. Not at the ceiling, although -j 8 was best under load:
      eight processes at once on two cores make every case take longer, and a `timeout:`
      chosen for one case at a time then fires (tests/e2e/test_reliability_faults.py did).
    * anything else (HTTP, recorded, mixed) starts at one lane and doubles (see _Tuner).
    """
    from yamlparity.targets.command import CommandAdapter
    from yamlparity.targets.stream import StreamAdapter

    adapters = list(live.adapters.values())
    live_targets = [spec.targets[name] for name in live.adapters]
    timed = (t for t in live_targets if isinstance(t, HttpTarget | CommandTarget))
    shortest = min((t.timeout for t in timed), default=None)
    if adapters and all(isinstance(a, CommandAdapter) for a in adapters):
        if any(isinstance(a, StreamAdapter) for a in adapters):
            return _Tuner(
                ceiling, start=ceiling, sample=_TUNE_PROCESS_CASES, warm_up=False, waits=False
            )
        start = _cores()  # the cores _idle judges a sample against
        return _Tuner(
            ceiling,
            start=start,
            sample=_TUNE_PROCESS_CASES,
            warm_up=False,
            waits=False,
            began=began,
            timeout=shortest,
            cpu=_cpu_seconds,
        )
    return _Tuner(ceiling, began=began, timeout=shortest)


def _case_error(spec: Spec, case: Case, reason: str) -> CaseResult:
    outcomes = {name: TargetOutcome(target=name) for name in spec.targets}
    return CaseResult(name=case.name, verdict="ERROR", outcomes=outcomes, reason=reason)


def _case_skipped(spec: Spec, case: Case, reason: str) -> CaseResult:
    """A case whose `skip:` says it is not run: SKIP with that reason, on every target."""
    outcomes = {name: TargetOutcome(target=name, skipped=reason) for name in spec.targets}
    return CaseResult(name=case.name, verdict="SKIP", outcomes=outcomes, reason=reason)


def _guarded_begin(adapter: TargetAdapter, invocation: Invocation) -> Pending:
    started = time.monotonic()
    try:
        finish = adapter.begin(invocation)
    except Exception as exc:  # adapters should not raise; if one does, the case gets ERROR
        return _ready(_crashed(adapter, started, exc))

    def guarded() -> RawObservation:
        try:
            return finish()
        except Exception as exc:
            return _crashed(adapter, started, exc)

    return guarded


def _crashed(adapter: TargetAdapter, started: float, exc: Exception) -> RawObservation:
    return RawObservation(
        target=adapter.name, duration=time.monotonic() - started, failure=f"{exc!r}"
    )


def _ready(raw: RawObservation) -> Pending:
    return lambda: raw


def _settled(started: CaseResult | _Sent) -> tuple[CaseResult | _Sent, int]:
    """The case with every answer already in (each waited for once), and their total size."""
    if isinstance(started, CaseResult):
        return started, 0
    case, invocation, pending, gate = started
    try:
        raws = {name: answer() for name, answer in pending.items()}
    finally:
        if gate is not None:
            gate.release()  # the answers are in: the next case may be sent
    size = sum(len(raw.stdout) for raw in raws.values())
    return (case, invocation, {name: _ready(raw) for name, raw in raws.items()}, None), size


def _outside(targets: tuple[str, ...]) -> str:
    return "not run: this case runs on " + ", ".join(targets) + " only"


def _answers(
    spec: Spec, case: Case, live: _Live, pending: dict[str, Pending]
) -> dict[str, RawObservation]:
    """Every target's answer to the case, in spec order (skipped and unavailable ones too)."""
    raws: dict[str, RawObservation] = {}
    for name in spec.targets:
        if name in pending:
            raws[name] = pending[name]()
        elif case.targets is not None and name not in case.targets:
            raws[name] = RawObservation(target=name, skipped=_outside(case.targets))
        else:
            problem = live.unavailable[name]
            raw = RawObservation(target=name)
            if problem.skip:
                raw.skipped = problem.reason
            else:
                raw.failure = f"target unavailable: {problem.reason}"
            raws[name] = raw
    return raws


def _judged(
    spec: Spec, case: Case, invocation: Invocation, raws: dict[str, RawObservation]
) -> CaseResult:
    result = evaluate(spec, case, raws, invocation)
    if result.verdict == "MATCH":
        # A match needs no outputs in the report: keep only its summary, so memory does not
        # grow with the number of matching cases (evaluate left no excerpt).
        for outcome in result.outcomes.values():
            outcome.facets = {}
    return result
