"""The ledger of stream helper processes (run/engine.py, _Ledger) and the correction it leads
to: every case a process answered becomes an ERROR once that process is proven to have written
more lines than it was sent cases (targets/stream.py, Miscount), in the store the reports read.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from yamlparity.results.records import CaseResult, CaseResults, TargetOutcome
from yamlparity.run.engine import _Ledger, _misaligned
from yamlparity.targets.base import RawObservation
from yamlparity.targets.stream import Miscount, StreamAnswer

TARGETS = ("a", "b")


def answer(target: str, incarnation: int) -> StreamAnswer:
    return StreamAnswer(target=target, exit_code=0, stdout=b"{}", incarnation=incarnation)


def match(name: str) -> CaseResult:
    return CaseResult(
        name=name,
        verdict="MATCH",
        outcomes={t: TargetOutcome(target=t, duration=0.5) for t in TARGETS},
        facet_match={"stdout": True},
        groups=[list(TARGETS)],
        duration=0.5,
    )


def spec() -> Any:
    return SimpleNamespace(targets=dict.fromkeys(TARGETS))


def miscount(target: str, incarnation: int) -> Miscount:
    return Miscount(target=target, incarnation=incarnation, lines=7, cases=6)


def test_the_reason_says_what_was_counted_and_why_it_matters() -> None:
    assert miscount("python", 1).reason == (
        "python: wrote 7 lines for 6 cases since it started (a banner, a log line or two lines "
        "for one case on stdout): its answers cannot be matched to cases"
    )


def test_every_case_a_miscounted_process_answered_is_misaligned() -> None:
    ledger = _Ledger()
    ledger.note(0, [answer("a", 1), answer("b", 2)])
    ledger.note(1, [answer("a", 1), answer("b", 3)])  # b restarted between the cases
    ledger.note(2, [answer("a", 4), answer("b", 3)])
    ledger.ended(2, None)  # b's first process: its count held
    ledger.ended(1, miscount("a", 1))
    assert ledger.misaligned() == {0: [miscount("a", 1)], 1: [miscount("a", 1)]}
    ledger.ended(3, miscount("b", 3))
    assert sorted(ledger.misaligned()) == [0, 1, 2]


def test_failed_answers_and_other_targets_are_not_noted() -> None:
    ledger = _Ledger()
    failed = answer("a", 1)
    failed.failure = "timed out"
    ledger.note(0, [failed, RawObservation(target="http", stdout=b"{}")])
    ledger.ended(1, miscount("a", 1))
    assert ledger.misaligned() == {}


def test_a_process_whose_count_held_is_forgotten() -> None:
    ledger = _Ledger()
    for index in range(100):
        ledger.note(index, [answer("a", 1)])
    ledger.ended(1, None)
    assert ledger.answered == {}


def test_a_misaligned_match_becomes_an_error_blaming_the_helper() -> None:
    corrected = _misaligned(spec(), match("c"), [miscount("b", 3)])
    assert corrected.verdict == "ERROR"
    assert corrected.reason == miscount("b", 3).reason
    assert corrected.failures == {"b": "misaligned answers"}
    assert corrected.groups == [["a"]]
    assert corrected.outcomes["b"].error == miscount("b", 3).reason
    assert corrected.outcomes["a"].error is None


def test_an_error_keeps_its_own_reason_after_the_helpers() -> None:
    error = match("c")
    error.verdict, error.reason, error.failures = "ERROR", "a: timed out", {"a": "timeout"}
    corrected = _misaligned(spec(), error, [miscount("b", 3)])
    assert corrected.reason == miscount("b", 3).reason + "; a: timed out"
    assert corrected.failures == {"a": "timeout", "b": "misaligned answers"}


def test_the_store_replaces_a_compact_match() -> None:
    store = CaseResults(TARGETS, ("stdout",))
    for name in ("x", "y", "z"):
        store.append(match(name))
    assert not store.full  # kept as compact rows
    corrected = _misaligned(spec(), store[1], [miscount("a", 1)])
    store.replace(1, corrected)
    store.finish()
    assert list(store.verdicts()) == ["MATCH", "ERROR", "MATCH"]
    assert store[1] == corrected and store[2] == match("z") and store[0] == match("x")
    with pytest.raises(ValueError, match="not 'x'"):
        store.replace(2, corrected_named("x"))


def corrected_named(name: str) -> CaseResult:
    return _misaligned(spec(), match(name), [miscount("a", 1)])


def test_a_case_answered_after_the_proof_is_charged_as_it_finishes() -> None:
    """The stray line was waiting when the next case was sent, after this case's answer was
    taken: the process is proven wrong before this case is evaluated."""
    ledger = _Ledger()
    assert ledger.note(0, [answer("a", 1)]) == []
    ledger.ended(1, miscount("a", 1))
    assert ledger.note(1, [answer("a", 1), answer("b", 2)]) == [miscount("a", 1)]


def test_a_case_charged_already_is_not_corrected_twice() -> None:
    once = _misaligned(spec(), match("c"), [miscount("a", 1)])
    assert _misaligned(spec(), once, [miscount("a", 1)]) is once
