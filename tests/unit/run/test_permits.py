"""The lanes' permits (run/engine.py, _Permits) count as threading.Semaphore does: a permit
taken is gone until given back, a look without waiting says whether one was there, a wait
ends when another thread gives one back, and more may be given back than were made."""

from __future__ import annotations

import threading
import time

from yamlparity.run.engine import _Permits


def test_permits_are_counted_like_a_semaphore() -> None:
    permits = _Permits(2)
    assert permits.acquire(blocking=False) and permits.acquire(blocking=False)
    assert not permits.acquire(blocking=False)
    permits.release()
    assert permits.acquire(blocking=False)
    assert not permits.acquire(timeout=0.01)


def test_a_waiting_thread_gets_the_permit_given_back() -> None:
    permits = _Permits(0)
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(permits.acquire()))
    waiter.start()
    time.sleep(0.05)
    assert got == []  # still waiting
    permits.release()
    waiter.join(timeout=5)
    assert got == [True]


def test_more_permits_may_be_given_back_than_were_made() -> None:
    permits = _Permits(0)  # the engine gives one back per lane thread when it stops them
    for _ in range(3):
        permits.release()
    assert [permits.acquire(blocking=False) for _ in range(4)] == [True, True, True, False]
