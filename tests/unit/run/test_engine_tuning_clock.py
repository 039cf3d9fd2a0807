"""The default lanes' tuner is told of each case when it ends (engine._Lanes._store), not when
its result is handed on in spec order: a slow case must not hide the cases done after it."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

from tests.support.specs import spec_with_cases
from yamlparity.run import engine
from yamlparity.run.engine import RunOptions, _Tuner, run_spec
from yamlparity.spec.model import Target
from yamlparity.targets.base import Invocation, Pending, RawObservation

SLOW_CASE_SECONDS = 0.4


class SlowFirstCase:
    """c0 answers after SLOW_CASE_SECONDS, every other case at once; records when c0 ended."""

    ended: ClassVar[dict[str, float]] = {}
    lock = threading.Lock()

    def __init__(self, target: Target) -> None:
        self.name = target.name

    def start(self) -> None:
        return None

    def close(self) -> None:
        return None

    def describe(self) -> str:
        return "slow first case"

    def execute(self, invocation: Invocation) -> RawObservation:
        return self.begin(invocation)()

    def begin(self, invocation: Invocation) -> Pending:
        name = invocation.case.name

        def finish() -> RawObservation:
            if name == "c0":
                time.sleep(SLOW_CASE_SECONDS)
                with self.lock:
                    self.ended[self.name] = time.perf_counter()
            return RawObservation(self.name, status=200, stdout=b"{}")

        return finish


class ClockedTuner(_Tuner):
    """Two lanes from the start, never changed; keeps the time of every observation."""

    def __init__(self) -> None:
        super().__init__(2, start=2)
        self.seen: list[float] = []

    def observe(self, now: float) -> int:
        self.seen.append(now)
        return self.lanes


def test_cases_done_behind_a_slow_one_are_counted_when_they_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tuner = ClockedTuner()
    monkeypatch.setattr(engine, "_tuner_for", lambda *_: tuner)
    spec = spec_with_cases(tmp_path, 6, "clock")
    result = run_spec(spec, RunOptions(), adapter_factory=SlowFirstCase)
    assert [c.verdict for c in result.cases] == ["MATCH"] * 6
    slow_end = min(SlowFirstCase.ended.values())
    # The other lane ran c1..c5 while c0 waited: they were counted before c0 ended. Counted
    # in spec order, none could be (c0 comes first).
    assert len(tuner.seen) == 6
    assert sum(seen < slow_end for seen in tuner.seen) == 5


def test_a_slow_first_case_gives_the_lanes_the_timeouts_leave_room_for() -> None:
    # A 2 s endpoint: the first answer alone shows one lane does 0.5 cases a second. Lanes
    # are given at once, as many as would each be answered within half the shortest timeout
    # if the service took one request at a time (30 s: 7 lanes of 2 s cases).
    assert _Tuner(8, began=0.0, timeout=30.0).observe(2.0) == 7
    assert _Tuner(8, began=0.0, timeout=30.0).observe(0.5) == 8  # the ceiling
    assert _Tuner(8, began=0.0).observe(0.5) == 8
    # No room (20 s cases, 30 s timeouts): two lanes, as doubling gives.
    assert _Tuner(8, began=0.0, timeout=30.0).observe(20.0) == 2
    # Without knowing when it was sent, or quicker than half a second: a start-up cost.
    assert _Tuner(8).observe(2.0) == 1
    assert _Tuner(8, began=0.0).observe(0.4) == 1
    # Targets that start a process per case here are never sampled on one case a lane.
    assert _Tuner(8, waits=False, began=0.0).observe(2.0) == 1


def test_lanes_given_to_a_service_that_serves_one_request_at_a_time_are_taken_back() -> None:
    # One request at a time, 0.5 s each: 8 lanes bring no more cases a second than one.
    tuner, now = _Tuner(8, began=0.0, timeout=30.0), 0.5
    assert tuner.observe(now) == 8
    for _ in range(8):
        now += 0.5
        lanes = tuner.observe(now)
    assert lanes == 1
    assert tuner.settled


def test_a_slow_first_request_then_fast_ones_are_tuned_from_one_lane() -> None:
    # A service whose first answer takes 0.8 s (it warms up) and then answers in 1 ms with
    # any number of lanes: back to one lane, then the usual doubling search, from one.
    tuner, now = _Tuner(8, began=0.0, timeout=30.0), 0.8
    assert tuner.observe(now) == 8
    path = [8]
    for _ in range(5000):
        now += 0.001 / tuner.lanes
        if tuner.observe(now) != path[-1]:
            path.append(tuner.lanes)
    assert path[:2] == [8, 1]


def test_samples_of_slow_cases_need_no_warm_up() -> None:
    # 2 s a case, the first not known to be slow (no `began`): doubling each time all lanes'
    # cases come back as fast, 1 + 1 + 2 + 4 cases bring every lane (a warm-up sample cost a
    # round).
    tuner, now, done, path = _Tuner(8), 0.0, 0, [1]
    tuner.observe(now)
    while tuner.lanes < 8 and done < 20:
        now += 2.0
        for _ in range(tuner.lanes):
            done += 1
            if tuner.observe(now) != path[-1]:
                path.append(tuner.lanes)
                break
    assert path == [1, 2, 4, 8]
    assert done == 1 + 2 + 4


class CpuClock:
    """The CPU seconds a fake run has used: `per_case` for each case observed."""

    def __init__(self, per_case: float) -> None:
        self.used, self.per_case = 0.0, per_case

    def __call__(self) -> float:
        return self.used


def process_tuner(
    clock: CpuClock, cores: int, monkeypatch: pytest.MonkeyPatch, timeout: float | None = None
) -> _Tuner:
    """The tuner of targets that start a process per case (engine._tuner_for), on `cores`."""
    monkeypatch.setattr(engine, "_cores", lambda: cores)
    return _Tuner(
        8, start=2, sample=4, warm_up=False, waits=False, began=0.0, timeout=timeout, cpu=clock
    )


def run_rounds(tuner: _Tuner, clock: CpuClock, seconds: float, rounds: int) -> list[int]:
    """Cases of `seconds` each, every lane's case ending together; the lanes after each round."""
    now, path = 0.0, []
    for _ in range(rounds):
        now += seconds
        for _ in range(tuner.lanes):
            clock.used += clock.per_case
            lanes = tuner.observe(now)
        path.append(lanes)
    return path


def test_helpers_that_wait_get_four_times_the_lanes_from_their_first_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 0.3 s a case, 20 ms of CPU each (a helper calling a remote service): the cores sit idle.
    clock = CpuClock(per_case=0.02)
    tuner = process_tuner(clock, 2, monkeypatch)
    assert run_rounds(tuner, clock, 0.3, 3) == [8, 8, 8]
    assert tuner.settled  # the round at 8 lanes brought more cases a second: the ceiling


def test_helpers_that_wait_get_no_more_lanes_than_their_timeout_leaves_room_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 0.3 s a case with a 2 s timeout: were the service behind them to take one call at a
    # time, 3 lanes are answered within half of it (engine._Tuner._room), not 8.
    clock = CpuClock(per_case=0.02)
    assert run_rounds(process_tuner(clock, 2, monkeypatch, timeout=2.0), clock, 0.3, 3)[0] == 3
    # 1 s a case, 2 s timeout: no room for more than the lanes already running.
    assert run_rounds(process_tuner(clock, 2, monkeypatch, timeout=2.0), clock, 1.0, 3)[0] == 2


def test_helpers_that_compute_still_double(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0.3 s a case, all of it CPU, two lanes on two cores: the cores are busy.
    clock = CpuClock(per_case=0.3)
    path = run_rounds(process_tuner(clock, 2, monkeypatch), clock, 0.3, 8)
    plain = _Tuner(8, start=2, sample=4, warm_up=False, waits=False, began=0.0)
    assert path == run_rounds(plain, clock, 0.3, 8) == [2, 2, 2, 2, 4, 4, 4, 4]


def test_without_a_cpu_clock_the_tuner_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = CpuClock(per_case=0.0)
    waiting = run_rounds(process_tuner(clock, 2, monkeypatch), clock, 0.3, 6)
    plain = _Tuner(8, start=2, sample=4, warm_up=False, waits=False, began=0.0)
    assert run_rounds(plain, clock, 0.3, 6) == [2, 2, 2, 2, 4, 4] != waiting
