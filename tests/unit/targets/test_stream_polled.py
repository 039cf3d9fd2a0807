"""`mode: stream` with the answers read by the lanes themselves (StreamAdapter.poll_in_lanes,
what the engine uses when every target is a stream target): each answer is stamped when it
arrives, whichever target's answer is awaited first. The faults a helper can cause are tested
for both ways of reading in test_stream_target.py."""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.core.errors import Location
from yamlparity.core.jsonvalue import Number
from yamlparity.run import engine
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Case, CommandTarget
from yamlparity.targets.base import Invocation, RawObservation
from yamlparity.targets.stream import StreamAdapter, _in_flight, _poll_lane

HELPER = PROGRAMS / "stream_helper.py"
CASE = Case(name="c", location=Location("t.yaml"), input=None)


def make(name: str = "s", timeout: float = 5.0, max_output: int | None = None) -> StreamAdapter:
    target = CommandTarget(
        name=name,
        location=Location("t.yaml"),
        run=(HELPER_PY, str(HELPER)),
        mode="stream",
        timeout=timeout,
        **({"max_output": max_output} if max_output else {}),
    )
    adapter = StreamAdapter(target)
    adapter.poll_in_lanes()
    adapter.start()
    return adapter


def invocation(payload: dict[str, object]) -> Invocation:
    return Invocation(case=CASE, stdin=json.dumps(payload).encode())


def answer(raw: RawObservation) -> dict[str, object]:
    assert raw.failure is None, raw.failure
    loaded: dict[str, object] = json.loads(raw.stdout)
    return loaded


def test_no_reader_thread_and_every_case_answered_in_turn() -> None:
    before = {t.name for t in threading.enumerate()}
    adapter = make()
    try:
        started = {t.name for t in threading.enumerate()} - before
        answers = [answer(adapter.execute(invocation({"n": n}))) for n in range(50)]
    finally:
        adapter.close()
    assert "yamlparity-stream-stdout" not in started
    assert [a["n"] for a in answers] == list(range(50))
    assert len({a["pid"] for a in answers}) == 1
    assert not _in_flight()  # nothing left for this thread to poll


@pytest.mark.parametrize("slow_first", [True, False])
def test_each_answer_is_stamped_when_it_arrives(slow_first: bool) -> None:
    """Both helpers get the case; the fast one's answer comes while the lane waits for the
    slow one (or the other way round): its duration is its own, not the slow one's."""
    slow, fast = make("slow", timeout=5), make("fast", timeout=0.8)
    try:
        pending = {
            "slow": slow.begin(invocation({"n": 1, "sleep": 1.2})),
            "fast": fast.begin(invocation({"n": 1})),
        }
        order = ["slow", "fast"] if slow_first else ["fast", "slow"]
        raws = {name: pending[name]() for name in order}
    finally:
        slow.close()
        fast.close()
    assert raws["fast"].failure is None, raws["fast"].failure  # 0.8 s timeout, answered at once
    assert raws["fast"].duration < 0.5
    assert raws["slow"].failure is None and 1.1 < raws["slow"].duration < 3


def test_an_answer_in_time_is_not_a_timeout_when_the_lane_reads_it_late() -> None:
    """A lane busy with another case (its comparison, here a sleep) reads a pipe only when it
    is done: an answer that was there before the deadline is the target's in time — the
    deadline counts the target's time, never the runner's. Its duration is the time it was
    seen (an upper bound)."""
    adapter = make(timeout=0.5)
    try:
        pending = adapter.begin(invocation({"n": 1}))
        time.sleep(0.2)  # the helper answers within a few ms: the line waits in the pipe
        _poll_lane(0)  # the lane looks once (as between two cases): the line is read now
        time.sleep(0.6)  # ...and is then busy past the deadline
        raw = pending()
    finally:
        adapter.close()
    assert raw.failure is None, raw.failure
    assert answer(raw)["n"] == 1


def test_a_lane_that_never_looked_before_the_deadline_still_accepts_an_answer_in_time() -> None:
    adapter = make(timeout=0.5)
    try:
        pending = adapter.begin(invocation({"n": 1}))
        time.sleep(0.8)  # busy from the send to past the deadline: the answer came meanwhile
        raw = pending()
    finally:
        adapter.close()
    assert raw.failure is None, raw.failure


def test_an_answer_after_the_deadline_is_a_timeout_even_when_the_lane_was_idle() -> None:
    adapter = make(timeout=0.5)
    try:
        raw = adapter.execute(invocation({"n": 1, "sleep": 1.5}))
    finally:
        adapter.close()
    assert raw.failure is not None and "timed out after 0.5 s" in raw.failure


def spec_file(folder: Path, workers: int) -> Path:
    run = json.dumps([HELPER_PY, str(HELPER)])
    path = folder / "spec.yaml"
    path.write_text(
        "name: polled\ntargets:\n"
        f"  a: {{run: {run}, mode: stream, workers: {workers}}}\n"
        f"  b: {{run: {run}, mode: stream, workers: {workers}}}\n"
        "normalize: [del(.pid)]\n"
        "cases: [{name: c, input: {n: 1}}, {name: d, input: {n: 2}}]\n"
    )
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_lanes_read_and_wait_for_a_free_exchange_before_sending(
    tmp_path: Path, workers: int
) -> None:
    spec = load_spec(spec_file(tmp_path, workers))
    with ExitStack() as stack:
        live = engine._start_targets(spec, lambda t: engine.make_adapter(t, 1), stack)
        adapters = list(live.adapters.values())
        assert all(isinstance(a, StreamAdapter) for a in adapters)
        assert all(h.polled for a in adapters for h in a.helpers)  # type: ignore[attr-defined]
        assert live.exchanges is not None
        taken = [live.exchanges.acquire(blocking=False) for _ in range(workers + 1)]
        assert taken == [True] * workers + [False]  # one case in flight per helper


def test_other_kinds_beside_a_stream_target_keep_the_reader_threads(tmp_path: Path) -> None:
    run = json.dumps([HELPER_PY, str(HELPER)])
    path = tmp_path / "mixed.yaml"
    path.write_text(
        "name: mixed\ntargets:\n"
        f"  a: {{run: {run}, mode: stream}}\n"
        f"  b: {{run: {run}}}\n"
        "cases: [{name: c, input: {n: 1}}]\n"
    )
    with ExitStack() as stack:
        live = engine._start_targets(load_spec(path), lambda t: engine.make_adapter(t, 1), stack)
        stream = live.adapters["a"]
        assert isinstance(stream, StreamAdapter)
        assert live.exchanges is None and not stream.helpers[0].polled


@pytest.mark.parametrize("jobs", [None, 1, 2, 4])
def test_a_run_with_lanes_reading_gives_the_answers(tmp_path: Path, jobs: int | None) -> None:
    spec = load_spec(spec_file(tmp_path, 1))
    result = engine.run_spec(spec, engine.RunOptions(jobs=jobs))
    assert [case.verdict for case in result.cases] == ["MATCH", "MATCH"]


def test_cases_sent_ahead_get_their_own_answers(tmp_path: Path) -> None:
    """Lane 0 sends the next case before it evaluates the one in hand: every case still gets
    the answers to its own input (kept whole here: the helpers' pids differ, so DIFF)."""
    run = json.dumps([HELPER_PY, str(HELPER)])
    rows = "".join(f"  - {{name: c{n}, input: {{n: {n}}}}}\n" for n in range(30))
    path = tmp_path / "ahead.yaml"
    path.write_text(
        "name: ahead\ntargets:\n"
        f"  a: {{run: {run}, mode: stream}}\n"
        f"  b: {{run: {run}, mode: stream}}\n"
        f"cases:\n{rows}"
    )
    spec = load_spec(path)
    with ExitStack() as stack:
        live = engine._start_targets(spec, lambda t: engine.make_adapter(t, 1), stack)
        assert all(getattr(a, "overlaps", False) for a in live.adapters.values())
        assert engine._helpers_limit(live) == 1
    result = engine.run_spec(spec)
    for n, case in enumerate(result.cases):
        assert case.verdict == "DIFF" and case.name == f"c{n}"
        for outcome in case.outcomes.values():
            assert outcome.facets["stdout"]["n"] == Number(str(n)), (n, outcome.facets)
            assert 0 < outcome.duration < 2


def test_an_answer_awaited_on_another_thread_is_still_read() -> None:
    adapter = make(timeout=3)
    try:
        pending = adapter.begin(invocation({"n": 5}))
        raws: list[RawObservation] = []
        waiter = threading.Thread(target=lambda: raws.append(pending()))
        started = time.monotonic()
        waiter.start()
        waiter.join(10)
    finally:
        adapter.close()
    assert answer(raws[0])["n"] == 5
    assert time.monotonic() - started < 2  # read at once, not at the 3 s deadline
    assert not _in_flight()
