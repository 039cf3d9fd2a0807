"""The default lane count is tuned while running (engine._Tuner), from synthetic clocks."""

from __future__ import annotations

from yamlparity.run.engine import _Tuner


def feed(
    tuner: _Tuner, rate_for: dict[int, float], cases: int, warm_up: tuple[int, float] = (0, 0.0)
) -> list[int]:
    """Report cases at the rate the current lane count gives (the first warm_up[0] cases at
    warm_up[1] a second); the lane counts it went through."""
    now, path = 0.0, [tuner.lanes]
    tuner.observe(now)
    for n in range(cases):
        now += 1.0 / (warm_up[1] if n < warm_up[0] else rate_for[tuner.lanes])
        if tuner.observe(now) != path[-1]:
            path.append(tuner.lanes)
    return path


def test_latency_bound_targets_get_every_lane() -> None:
    rates = {1: 100.0, 2: 200.0, 4: 400.0, 8: 790.0}
    assert feed(_Tuner(8), rates, 2000) == [1, 2, 4, 8]


def test_cpu_bound_local_targets_stay_at_one_lane() -> None:
    rates = {1: 2160.0, 2: 1791.0}
    assert feed(_Tuner(8), rates, 5000) == [1, 2, 1]


def test_the_count_settles_where_doubling_stops_paying() -> None:
    # 4 lanes do not pay; 2 do, checked once more against 1 before they stay.
    rates = {1: 1000.0, 2: 1900.0, 4: 2000.0}
    assert feed(_Tuner(8), rates, 5000) == [1, 2, 4, 1, 2]


def test_lanes_bought_by_a_slow_sample_are_given_back() -> None:
    # One lane measured slow once (the targets warming up): two looked 10% faster. Measured
    # again, one lane is as fast as two: the run goes on with one.
    rates = {1: 2160.0, 2: 2100.0, 4: 1500.0}
    assert feed(_Tuner(8), rates, 5000, warm_up=(600, 1000.0)) == [1, 2, 4, 1]


def test_a_slow_start_does_not_buy_lanes_that_cost() -> None:
    # The first 200 cases run at half speed (connections, caches): measured against them, two
    # lanes would look faster; the warm-up window decides nothing.
    rates = {1: 2160.0, 2: 1791.0, 4: 1500.0}
    assert feed(_Tuner(8), rates, 5000, warm_up=(200, 1000.0)) == [1, 2, 1]


def test_process_per_case_targets_start_at_one_lane_per_cpu_and_climb_within_a_short_run() -> None:
    # Measured beside a CPU-bound process: 4, 4, 5, 7 cases/s at -j 1, 2, 4, 8; the old
    # one-lane start with 64-case samples never left one lane in a 24-case run.
    rates = {1: 4.0, 2: 4.0, 4: 5.0, 8: 7.0}
    assert feed(_Tuner(8, start=2, sample=4, warm_up=False, waits=False), rates, 24) == [2, 4, 8]


def test_process_per_case_targets_step_back_when_more_lanes_do_not_pay() -> None:
    rates = {1: 2.0, 2: 4.0, 4: 4.1}
    assert feed(_Tuner(8, start=2, sample=4, warm_up=False, waits=False), rates, 60) == [2, 4, 1, 2]


def test_slow_targets_are_tuned_within_seconds_not_after_64_cases() -> None:
    """Half a second a case: a sample ends after a second with four cases a lane, so a
    40-case run climbs to every lane (it stayed at one: 64-case samples took 32 s)."""
    rates = {1: 2.0, 2: 4.0, 4: 8.0, 8: 16.0}
    assert feed(_Tuner(8), rates, 40) == [1, 2, 4, 8]


def test_targets_that_take_seconds_reach_every_lane_within_a_few_cases() -> None:
    """Two seconds a case (an endpoint that waits): a sample ends after a second with one
    case a lane, so 20 cases climb to every lane after 9 of them (four cases a lane took 17
    of the 20 cases, 30 s against 3.7 s with -j 20: found by a new-user trial)."""
    rates = {1: 0.5, 2: 1.0, 4: 2.0, 8: 4.0}
    tuner = _Tuner(8)
    assert feed(tuner, rates, 9) == [1, 2, 4, 8]
    # Started a process per case here, the same clock keeps four cases a lane a sample:
    # from two lanes, one step in 9 cases.
    assert feed(_Tuner(8, start=2, sample=4, warm_up=False, waits=False), rates, 9) == [2, 4]


def test_one_case_a_lane_is_only_for_cases_that_take_half_a_second() -> None:
    """0.1 s cases: samples stay at four cases a lane, whether the targets answer from
    elsewhere or not (one case a lane would measure noise)."""
    for rates in ({1: 10.0, 2: 10.5, 4: 10.5}, {1: 10.0, 2: 20.0, 4: 40.0, 8: 45.0}):
        steps = [_Tuner(8), _Tuner(8, waits=False)]
        clocks = []
        for tuner in steps:
            now, seen = 0.0, []
            tuner.observe(now)
            for _ in range(200):
                now += 1.0 / rates[tuner.lanes]
                seen.append(tuner.observe(now))
            clocks.append(seen)
        assert clocks[0] == clocks[1]


def test_a_fast_sample_still_needs_its_64_cases() -> None:
    """Fast cases: a second holds thousands, and the 64-case, 0.25 s sample decides."""
    rates = {1: 2000.0, 2: 2100.0}
    assert feed(_Tuner(8), rates, 127) == [1]
    assert feed(_Tuner(8), rates, 5000) == [1, 2, 1]


def test_cases_left_on_dropped_lanes_do_not_count_for_fewer_lanes() -> None:
    """Going back from 4 lanes to check 1, the 3 cases still running on the dropped lanes
    finish at once: they must not make one lane look as fast as two (slow cases, where a
    sample is a few of them)."""
    rates = {1: 2.0, 2: 4.0, 4: 4.2}
    tuner = _Tuner(8)
    now, path, leftovers = 0.0, [tuner.lanes], 0
    tuner.observe(now)
    for _ in range(60):
        if leftovers:  # a case of a dropped lane: done a moment after the drop
            leftovers -= 1
            now += 0.001
        else:
            now += 1.0 / rates[tuner.lanes]
        before = tuner.lanes
        if tuner.observe(now) != path[-1]:
            path.append(tuner.lanes)
            leftovers = max(0, before - tuner.lanes)
    assert path == [1, 2, 4, 1, 2]
    assert tuner.settled
