"""The default lane count is tuned while running (engine._Tuner), from synthetic clocks."""

from __future__ import annotations

from yamlparity.engine import _Tuner


def feed(tuner: _Tuner, rate_for: dict[int, float], cases: int) -> list[int]:
    """Report cases at the rate the current lane count gives; the lane counts it went through."""
    now, path = 0.0, [tuner.lanes]
    tuner.observe(now)
    for _ in range(cases):
        now += 1.0 / rate_for[tuner.lanes]
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
    rates = {1: 1000.0, 2: 1900.0, 4: 2000.0}
    assert feed(_Tuner(8), rates, 5000) == [1, 2, 4, 2]
