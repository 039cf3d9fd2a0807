"""`mode: stream`: one helper process per target, one line per case, faults contained."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable

import pytest

from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.core.errors import Location
from yamlparity.spec.model import Case, CommandTarget, OutputKind
from yamlparity.targets.base import Invocation
from yamlparity.targets.stream import Miscount, StreamAdapter, StreamAnswer, not_an_answer

HELPER = PROGRAMS / "stream_helper.py"


@pytest.fixture(params=["reader threads", "lanes reading"])
def make(request: pytest.FixtureRequest) -> Callable[..., StreamAdapter]:
    """Each fault is contained whoever reads the helpers' answers: a reader thread per helper
    (mixed specs), or the lanes themselves (every target a stream target: poll_in_lanes)."""

    def made(
        timeout: float = 5.0,
        max_output: int | None = None,
        run: tuple[str, ...] = (HELPER_PY, str(HELPER)),
        env: dict[str, str] | None = None,
        output: OutputKind = "json",
    ) -> StreamAdapter:
        target = CommandTarget(
            name="s",
            location=Location("t.yaml"),
            run=run,
            mode="stream",
            timeout=timeout,
            env=env or {},
            output=output,
        )
        if max_output is not None:
            target = dataclasses.replace(target, max_output=max_output)
        adapter = StreamAdapter(target)
        if request.param == "lanes reading":
            adapter.poll_in_lanes()
        adapter.start()
        return adapter

    return made


def send(adapter: StreamAdapter, payload: dict[str, object]):
    case = Case(name="c", location=Location("t.yaml"), input=None)
    return adapter.execute(Invocation(case=case, stdin=json.dumps(payload).encode()))


def answer(raw) -> dict[str, object]:
    assert raw.failure is None, raw.failure
    return json.loads(raw.stdout)


def test_one_process_serves_every_case(make: Callable[..., StreamAdapter]) -> None:
    adapter = make()
    try:
        answers = [answer(send(adapter, {"n": n})) for n in range(50)]
    finally:
        adapter.close()
    assert [a["n"] for a in answers] == list(range(50))
    assert len({a["pid"] for a in answers}) == 1


def test_a_dying_helper_fails_its_case_with_stderr_and_is_restarted(
    make: Callable[..., StreamAdapter],
) -> None:
    adapter = make()
    try:
        first = answer(send(adapter, {"n": 1}))
        died = send(adapter, {"die": True})
        after = answer(send(adapter, {"n": 2}))
    finally:
        adapter.close()
    assert died.failure is not None
    assert "exited before answering (exit code 7)" in died.failure
    assert "fatal: asked to die" in died.failure
    assert after["n"] == 2 and after["pid"] != first["pid"]


def test_extra_line_detected_when_it_arrives_late(make: Callable[..., StreamAdapter]) -> None:
    """A second line that came after its case's answer was taken: the next case is innocent
    and goes to a fresh helper; the process that wrote it is reported miscounted."""
    adapter = make()
    ended = count(adapter)
    try:
        twice = send(adapter, {"n": 1, "twice": True})
        time.sleep(0.2)  # let the second line arrive
        following = answer(send(adapter, {"n": 2}))
        last = answer(send(adapter, {"n": 3}))
    finally:
        adapter.close()
    if twice.failure is None:  # taken before the second line came: the count catches it
        assert ended[0][1] is not None and (ended[0][1].lines, ended[0][1].cases) == (2, 1)
    else:
        assert "out of turn" in twice.failure
    assert following["n"] == 2 and last["n"] == 3


def count(adapter: StreamAdapter) -> list[tuple[int, Miscount | None]]:
    """What the adapter tells of each helper process that ends (its ledger, in a run)."""
    ended: list[tuple[int, Miscount | None]] = []
    adapter.count_with(lambda incarnation, miscount: ended.append((incarnation, miscount)))
    return ended


def end(adapter: StreamAdapter) -> None:
    adapter.close_inputs()
    adapter.end(time.monotonic() + 2)


def test_a_helper_whose_count_holds_ends_clean(make: Callable[..., StreamAdapter]) -> None:
    adapter = make()
    ended = count(adapter)
    try:
        raws = [send(adapter, {"n": n}) for n in range(5)]
        end(adapter)
    finally:
        adapter.close()
    incarnations = {raw.incarnation for raw in raws if isinstance(raw, StreamAnswer)}
    assert len(incarnations) == 1 and ended == [(incarnations.pop(), None)]


def test_a_second_line_for_the_last_case_is_counted_at_the_end(
    make: Callable[..., StreamAdapter],
) -> None:
    """The stray line of the run's last case has no next case to expose it: closing stdin
    and reading stdout to its end does."""
    adapter = make()
    ended = count(adapter)
    try:
        first = send(adapter, {"n": 1})
        # Answered twice; the second line may well come after the answer is taken.
        send(adapter, {"n": 2, "twice": True})
        end(adapter)
    finally:
        adapter.close()
    assert isinstance(first, StreamAnswer)
    incarnation, miscount = ended[0]
    assert incarnation == first.incarnation
    assert miscount is not None and (miscount.lines, miscount.cases) == (3, 2)


def test_a_line_that_cannot_be_json_costs_its_case_only(
    make: Callable[..., StreamAdapter],
) -> None:
    """A warning on stdout is the case's answer (the gate says it is not JSON), and the helper
    is started afresh before its next case: its own answer, coming later, is never taken as
    the next case's (it was, when the next case was sent before that answer arrived)."""
    adapter = make()
    try:
        first = answer(send(adapter, {"n": 0}))
        warned = send(adapter, {"n": 1, "warn": 0.3})
        following = answer(send(adapter, {"n": 2}))
        time.sleep(0.4)  # the late answer to n=1 would have arrived by now
        last = answer(send(adapter, {"n": 3}))
    finally:
        adapter.close()
    assert warned.failure is None and warned.stdout == b"warning: this input is odd"
    assert following["n"] == 2 and following["pid"] != first["pid"]
    assert last["n"] == 3 and last["pid"] == following["pid"]


def test_a_text_answer_is_the_line_with_its_line_end(make: Callable[..., StreamAdapter]) -> None:
    """The line as the helper wrote it, `\n` or `\r\n`: what the same program writes in
    `mode: process` (it was cut off, and `\r\n` left a lone `\r`). JSON is parsed alike
    either way, and keeps the line as it was."""
    case = Case(name="c", location=Location("t.yaml"), input=None)
    answers = []
    for run, output in [
        (("cat",), "text"),
        (("sed", "-u", r"s/$/\r/"), "text"),
        (("cat",), "json"),
    ]:
        adapter = make(run=run, output=output)
        try:
            for stdin in (b"hello\n", b'{"a": 1}'):
                raw = adapter.execute(Invocation(case=case, stdin=stdin))
                assert raw.failure is None, raw.failure
                answers.append(raw.stdout)
        finally:
            adapter.close()
    assert answers == [
        b"hello\n",
        b'{"a": 1}\n',
        b"hello\r\n",
        b'{"a": 1}\r\n',
        b"hello",
        b'{"a": 1}',
    ]


@pytest.mark.parametrize(
    ("line", "stray"),
    [
        (b"ready", True),
        (b"Listening on 8080", True),
        (b"[INFO] started", True),
        (b"[app] listening on 8080", True),  # the right first and last characters
        (b"1.2.3", True),
        (b"2024-05-01T10:00:00Z started pid 4242", True),
        (b"{not closed", True),
        (b"NaN", True),
        (b"", True),  # a blank line is no JSON answer
        (b"  \r", True),
        (b'{"a": 1}', False),
        (b" [1, 2] \r", False),
        (b'"text"', False),
        (b"-0.5e10", False),
        (b"9007199254740993", False),
        (b"true", False),
        (b"null", False),
        (b'{"status": "ready"}', False),  # JSON: no line protocol can tell it from an answer
    ],
)
def test_what_is_not_a_json_answer(line: bytes, stray: bool) -> None:
    assert not_an_answer(line, "json", allow_empty=False) is stray
    assert not_an_answer(line, "jsonl", allow_empty=False) is stray
    assert not not_an_answer(line, "text", allow_empty=False)  # any line is a text answer
    if not stray:
        json.loads(line)


def test_a_blank_line_is_an_answer_only_where_an_empty_answer_is_a_value() -> None:
    assert not not_an_answer(b"", "jsonl", allow_empty=True)  # the empty stream
    assert not_an_answer(b"", "json", allow_empty=True)  # nothing is not a JSON document
    assert not_an_answer(b"", "jsonl", allow_empty=False)


def test_a_slow_answer_times_out_and_the_helper_restarts(
    make: Callable[..., StreamAdapter],
) -> None:
    adapter = make(timeout=0.5)
    try:
        slow = send(adapter, {"n": 1, "sleep": 5})
        after = answer(send(adapter, {"n": 2}))
    finally:
        adapter.close()
    assert slow.failure is not None and "timed out after 0.5 s" in slow.failure
    assert slow.duration < 1.5
    assert after["n"] == 2


def test_an_answer_over_the_cap_is_an_error(make: Callable[..., StreamAdapter]) -> None:
    adapter = make(max_output=10)
    try:
        big = send(adapter, {"n": 123456789})
        after = send(adapter, {"n": 2})
    finally:
        adapter.close()
    assert big.failure is not None and "output cap" in big.failure
    assert after.failure is not None and "output cap" in after.failure  # still over 10 bytes


def test_multi_line_input_is_refused(make: Callable[..., StreamAdapter]) -> None:
    adapter = make()
    try:
        case = Case(name="c", location=Location("t.yaml"), input=None)
        raw = adapter.execute(Invocation(case=case, stdin=b'{"n":\n1}'))
    finally:
        adapter.close()
    assert raw.failure is not None and "one line per case" in raw.failure


def test_a_helper_that_never_answers_is_asked_about_flushing(
    make: Callable[..., StreamAdapter],
) -> None:
    """A Python helper without flush: stdout to a pipe is block-buffered, so its answers stay
    in its buffer and every case times out. The reason asks about flushing until the helper
    has answered once (a helper that answered before and is slow now is only late)."""
    buffered = "import sys\nfor line in sys.stdin:\n    print(line.strip())\n"
    # PYTHONUNBUFFERED empty: not set, whatever the test runner's is.
    adapter = make(timeout=0.5, run=(HELPER_PY, "-c", buffered), env={"PYTHONUNBUFFERED": ""})
    try:
        silent = send(adapter, {"n": 1})
    finally:
        adapter.close()
    assert silent.failure is not None
    assert silent.failure.startswith("timed out after 0.5 s waiting for the answer (this helper")
    assert "flush" in silent.failure

    adapter = make(timeout=0.5)
    try:
        answer(send(adapter, {"n": 1}))
        slow = send(adapter, {"n": 2, "sleep": 3})
    finally:
        adapter.close()
    assert slow.failure is not None and "flush" not in slow.failure


def test_a_first_input_that_hangs_the_helper_is_not_blamed_on_flushing_alone(
    make: Callable[..., StreamAdapter],
) -> None:
    """A new-user trial: a helper that hangs on one input, sent it first, was asked only
    whether it flushes stdout, although it answers every other input. No line so far cannot
    tell the two apart: the reason names both."""
    adapter = make(timeout=0.5)
    try:
        hung = send(adapter, {"n": 1, "sleep": 3})
        answer(send(adapter, {"n": 2}))  # restarted, it answers
    finally:
        adapter.close()
    assert hung.failure is not None
    assert "it may hang on this input, or not flush stdout after each answer" in hung.failure


def test_a_helper_logging_megabytes_to_stderr_is_not_slowed_down(
    make: Callable[..., StreamAdapter],
) -> None:
    """stderr is read in large blocks (it was read a byte per system call: 1 MB of logs a
    case took 1.2 s), and its last lines are still shown with a failure."""
    adapter = make()
    lines = 100_000  # ~3 MB a case
    try:
        started = time.monotonic()
        answers = [answer(send(adapter, {"n": n, "noise": lines})) for n in range(3)]
        took = time.monotonic() - started
        died = send(adapter, {"die": True, "noise": lines})
    finally:
        adapter.close()
    assert [a["n"] for a in answers] == [0, 1, 2]
    assert took < 3.0, took  # ~0.1 s here; a byte per read took over 10 s
    assert died.failure is not None
    tail = died.failure.split("\n")
    assert tail[-1] == "fatal: asked to die" and tail[-2] == f"log line {lines - 1} of noisy stderr"


def test_an_answer_without_a_newline_is_shown_with_its_timeout(
    make: Callable[..., StreamAdapter],
) -> None:
    """`process.stdout.write(JSON.stringify(x))`: flushed, never a line. The reason says what
    came, the case's stdout holds it (the report's excerpt), and no flush hint misleads."""
    adapter = make(timeout=0.5)
    try:
        raw = send(adapter, {"n": 7, "nonl": True})
    finally:
        adapter.close()
    assert raw.failure is not None
    assert raw.failure.startswith(
        "timed out after 0.5 s waiting for the answer: received 8 bytes without a newline"
    )
    assert "flush" not in raw.failure
    assert raw.stdout == b'{"n": 7}'


def test_a_helper_exiting_after_a_partial_line_shows_it(
    make: Callable[..., StreamAdapter],
) -> None:
    adapter = make()
    try:
        raw = send(adapter, {"n": 7, "nonl": "exit"})
    finally:
        adapter.close()
    assert raw.failure is not None
    assert raw.failure.startswith(
        "the helper exited before answering (exit code 0): received 8 bytes without a newline"
    )
    assert raw.stdout == b'{"n": 7}'
