"""The engine's lanes: spec order whatever the completion order, bounded concurrency, every
target of a case served at about the same time, adapters that fail or raise cost one case."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from tests.support.paths import PROGRAMS
from tests.support.specs import spec_with_cases
from yamlparity.run.engine import RunOptions, run_spec
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec, Target
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
