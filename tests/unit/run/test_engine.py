"""The engine's lanes: spec order whatever the completion order, bounded concurrency, every
target of a case served at about the same time, adapters that fail or raise cost one case."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import HELPER_PY, PROGRAMS
from tests.support.specs import spec_with_cases
from yamlparity.results.records import CaseResult
from yamlparity.run.engine import RunOptions, run_spec
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Case, Spec, Target
from yamlparity.targets.base import Invocation, Pending, RawObservation


def make_spec(tmp_path: Path, count: int) -> Spec:
    return spec_with_cases(tmp_path, count, "lanes")


class Recorder:
    """Shared by a run's adapters: when each case reached each target, and peak in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.arrivals: dict[tuple[str, str], int] = {}
        self.clock = 0


class SlowEcho:
    """Answers after a delay that depends on the case (so completion order is scrambled)."""

    def __init__(self, target: Target, recorder: Recorder, raise_on: str = "") -> None:
        self.name = target.name
        self.recorder = recorder
        self.raise_on = raise_on

    def start(self) -> None:
        return None

    def close(self) -> None:
        return None

    def describe(self) -> str:
        return "slow echo"

    def execute(self, invocation: Invocation) -> RawObservation:
        return self.begin(invocation)()

    def begin(self, invocation: Invocation) -> Pending:
        rec = self.recorder
        with rec.lock:
            rec.clock += 1
            rec.arrivals[(invocation.case.name, self.name)] = rec.clock
            rec.in_flight += 1
            rec.peak = max(rec.peak, rec.in_flight)
        number = int(invocation.case.name[1:])
        if invocation.case.name == self.raise_on:
            raise RuntimeError("adapter bug")

        def finish() -> RawObservation:
            time.sleep(0.001 * (7 - number % 7))
            with rec.lock:
                rec.in_flight -= 1
            body = json.dumps({"n": number}).encode()
            return RawObservation(self.name, status=200, stdout=body)

        return finish


def test_results_come_in_spec_order_and_jobs_bound_the_cases_in_flight(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, 120)
    rec = Recorder()
    result = run_spec(spec, RunOptions(jobs=4), adapter_factory=lambda t: SlowEcho(t, rec))
    assert [c.name for c in result.cases] == [f"c{n}" for n in range(120)]
    assert all(c.verdict == "MATCH" for c in result.cases)
    assert 2 <= rec.peak <= 4 * 2  # four lanes, two targets each


def test_every_target_gets_the_case_before_any_answer_is_awaited(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, 30)
    rec = Recorder()
    run_spec(spec, RunOptions(jobs=1), adapter_factory=lambda t: SlowEcho(t, rec))
    # One lane: a's and b's arrivals for a case are consecutive ticks, never split by an answer.
    for n in range(30):
        assert rec.arrivals[(f"c{n}", "b")] == rec.arrivals[(f"c{n}", "a")] + 1


def test_a_raising_adapter_costs_one_case(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, 20)
    rec = Recorder()

    def factory(target: Target) -> SlowEcho:
        return SlowEcho(target, rec, raise_on="c7" if target.name == "b" else "")

    result = run_spec(spec, RunOptions(jobs=3), adapter_factory=factory)
    verdicts = {c.name: c.verdict for c in result.cases}
    assert verdicts.pop("c7") == "ERROR"
    assert set(verdicts.values()) == {"MATCH"}


def test_stop_finishes_the_cases_in_flight_and_reports_them_in_order(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, 200)
    rec = Recorder()
    options = RunOptions(jobs=2)

    class Stopping:
        def spec_started(self, spec: Spec, total: int) -> None:
            return None

        def case_finished(self, spec: Spec, result: object, done: int, total: int) -> None:
            if done == 10:
                options.stop.set()

    result = run_spec(spec, options, Stopping(), adapter_factory=lambda t: SlowEcho(t, rec))  # type: ignore[arg-type]
    assert result.interrupted
    assert 10 <= len(result.cases) < 200
    assert [c.name for c in result.cases] == [f"c{n}" for n in range(len(result.cases))]


def test_stream_workers_spread_cases_over_helpers(tmp_path: Path) -> None:
    helper = PROGRAMS / "stream_helper.py"
    (tmp_path / "spec.yaml").write_text(
        f"""\
name: workers
targets:
  one:
    run: [python3, "{helper}"]
    mode: stream
    workers: 3
  two:
    run: [python3, "{helper}"]
    mode: stream
normalize:
  - del(.pid)
cases_from: [cases.jsonl]
"""
    )
    rows = (json.dumps({"name": f"c{n}", "input": {"n": n}}) for n in range(60))
    (tmp_path / "cases.jsonl").write_text("\n".join(rows) + "\n")
    spec = load_spec(tmp_path / "spec.yaml", {})
    result = run_spec(spec, RunOptions(jobs=6))
    assert [c.verdict for c in result.cases] == ["MATCH"] * 60
    assert "3 workers" in result.targets[0].description


# A stream helper that logs when it worked on each case (pid, start, end) and answers a
# 2 MiB line for {"big": true}.
LOGGING_HELPER = """\
import json, os, sys, time
log = open(sys.argv[1], "a")
for line in sys.stdin:
    request = json.loads(line)
    started = time.monotonic()
    time.sleep(request.get("sleep", 0))
    log.write(f"{os.getpid()} {started} {time.monotonic()}\\n")
    log.flush()
    answer = {"n": request["n"], "pad": "x" * (2 << 20) if request.get("big") else ""}
    sys.stdout.write(json.dumps(answer) + "\\n")
    sys.stdout.flush()
"""


def stream_spec(tmp_path: Path, inputs: list[dict[str, object]], **target: object) -> Spec:
    (tmp_path / "helper.py").write_text(LOGGING_HELPER)
    extra = "".join(f", {key}: {value}" for key, value in target.items())
    rows = (json.dumps({"name": f"c{n}", "input": {"n": n, **i}}) for n, i in enumerate(inputs))
    (tmp_path / "cases.jsonl").write_text("\n".join(rows) + "\n")
    (tmp_path / "spec.yaml").write_text(
        "name: depth\ntargets:\n"
        f"  a: {{run: [{HELPER_PY}, helper.py, a.log], mode: stream{extra}}}\n"
        f"  b: {{run: [{HELPER_PY}, helper.py, b.log], mode: stream{extra}}}\n"
        "cases_from: [cases.jsonl]\n"
    )
    return load_spec(tmp_path / "spec.yaml", {})


class ThreadWatch:
    """A listener that notes the threads alive whenever a case finishes."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def spec_started(self, spec: Spec, total: int) -> None:
        pass

    def case_finished(self, spec: Spec, result: object, done: int, total: int) -> None:
        self.names.update(thread.name for thread in threading.enumerate())


def test_one_lane_keeps_every_stream_helper_busy(tmp_path: Path) -> None:
    """Stream targets only, `workers: 2`: no lane thread, yet both helpers of a target work on
    cases at the same time (lane 0 keeps one case in flight per helper)."""
    spec = stream_spec(tmp_path, [{"sleep": 0.2}] * 6, workers=2)
    watch = ThreadWatch()
    result = run_spec(spec, listener=watch)
    assert [c.verdict for c in result.cases] == ["MATCH"] * 6
    assert not [name for name in watch.names if name.startswith("yamlparity-lane-")]
    for log in ("a.log", "b.log"):
        spans = [line.split() for line in (tmp_path / log).read_text().splitlines()]
        assert len({pid for pid, _, _ in spans}) == 2
        overlapping = [
            (one, two)
            for one in spans
            for two in spans
            if one[0] != two[0] and float(one[1]) < float(two[2]) and float(two[1]) < float(one[2])
        ]
        assert overlapping, f"{log}: the two helpers never worked at the same time: {spans}"


def test_answers_in_flight_are_read_before_a_large_case_is_compared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With cases sent ahead, c2 is in flight (its answers 0.4 s away) when c1's 2 MiB
    answers come back; c1's slow comparison (made slow here) must not count in c2's duration:
    c2's answers are read, and timed, before it."""
    from yamlparity.run import engine

    judged = engine._judged

    def slow_for_c1(spec: Spec, case: Case, *rest: Any) -> CaseResult:
        if case.name == "c1":
            time.sleep(1.2)
        return judged(spec, case, *rest)

    monkeypatch.setattr(engine, "_judged", slow_for_c1)
    spec = stream_spec(tmp_path, [{}, {"big": True}, {"sleep": 0.4}, {}], workers=2)
    result = run_spec(spec)
    assert [c.verdict for c in result.cases] == ["MATCH"] * 4
    case = result.cases[2]
    assert case.name == "c2"
    assert max(o.duration for o in case.outcomes.values()) < 1.0, case.outcomes


def test_a_helper_that_cannot_be_sent_to_costs_one_case_not_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A send that raises (a restart out of descriptors or threads) is an ERROR for its case,
    and its helper goes back to the pool: the lane that keeps cases in flight on every helper
    would otherwise wait for it forever."""
    from yamlparity.targets import stream

    send = stream._Helper.send
    calls = []

    def fifth_send_fails(helper: stream._Helper, data: bytes, deadline: float) -> str | None:
        calls.append(data)
        if len(calls) == 5:
            raise RuntimeError("can't start new thread")
        return send(helper, data, deadline)

    monkeypatch.setattr(stream._Helper, "send", fifth_send_fails)
    spec = stream_spec(tmp_path, [{}] * 30, workers=2)
    results: list[object] = []
    runner = threading.Thread(target=lambda: results.append(run_spec(spec)), daemon=True)
    runner.start()
    runner.join(timeout=60)
    assert not runner.is_alive(), "the run waits for a helper that never came back"
    (result,) = results
    verdicts = [c.verdict for c in result.cases]  # type: ignore[attr-defined]
    assert sorted(verdicts) == ["ERROR"] + ["MATCH"] * 29
    error = next(c for c in result.cases if c.verdict == "ERROR")  # type: ignore[attr-defined]
    assert "can't start new thread" in str(error.reason) + str(error.outcomes)


def test_cases_in_flight_follow_the_started_targets(tmp_path: Path) -> None:
    """A `workers: 1` target that failed to start holds no case: the others' three helpers
    each get a case in flight."""
    from contextlib import ExitStack

    from yamlparity.run.engine import _start_targets, make_adapter

    (tmp_path / "helper.py").write_text(LOGGING_HELPER)
    (tmp_path / "spec.yaml").write_text(
        "name: started\ntargets:\n"
        f"  a: {{run: [{HELPER_PY}, helper.py, a.log], mode: stream, workers: 3}}\n"
        "  b: {run: [/nonexistent/helper], mode: stream}\n"
        "cases:\n  - {name: c, input: {n: 1}}\n"
    )
    spec = load_spec(tmp_path / "spec.yaml", {})
    with ExitStack() as stack:
        live = _start_targets(spec, make_adapter, stack)
        assert list(live.unavailable) == ["b"]
        assert live.exchange_slots == 3


def test_a_crashed_helpers_stderr_stays_with_its_target_not_in_the_reason(
    tmp_path: Path,
) -> None:
    """The case's reason is one line (terminal, annotations): what happened, targets that
    failed alike in one clause; each target's error keeps the stderr tail the report shows."""
    helper = PROGRAMS / "stream_helper.py"
    (tmp_path / "spec.yaml").write_text(
        "name: crash\ntargets:\n"
        f"  a: {{run: [{HELPER_PY}, '{helper}'], mode: stream}}\n"
        f"  b: {{run: [{HELPER_PY}, '{helper}'], mode: stream}}\n"
        "cases:\n  - {name: dies, input: {n: 1, die: true}}\n"
    )
    (case,) = run_spec(load_spec(tmp_path / "spec.yaml", {})).cases
    assert case.verdict == "ERROR"
    assert case.reason == "a, b: the helper exited before answering (exit code 7)"
    for outcome in case.outcomes.values():
        assert outcome.error is not None
        assert outcome.error.endswith("; helper stderr tail:\nfatal: asked to die")
