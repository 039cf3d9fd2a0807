"""results.CaseResults: plain MATCH cases are stored as columns and rebuilt equal; the rest
are kept whole; the store survives redaction and to_dict like a list of cases."""

from __future__ import annotations

from dataclasses import asdict

from yamlparity.results.records import (
    CaseResult,
    CaseResults,
    Difference,
    RuleEffect,
    SpecResult,
    TargetOutcome,
)
from yamlparity.spec.redact import Redactor

TARGETS = ("a", "b")
FACETS = ("status", "body")


def match(name: str, tier: str | None = "identical", effects: int = 1) -> CaseResult:
    return CaseResult(
        name=name,
        verdict="MATCH",
        outcomes={
            "a": TargetOutcome("a", duration=0.25, status=200),
            "b": TargetOutcome("b", duration=0.5, status=201, exit_code=None),
        },
        facet_match={"status": True, "body": True},
        groups=[["a", "b"]],
        duration=0.5,
        tier=tier,  # type: ignore[arg-type]
        rule_effects=[
            RuleEffect(rule=0, text="del(.t)", facet="body", changed={"a": 1, "b": effects})
        ],
    )


def diff(name: str) -> CaseResult:
    case = match(name)
    case.verdict = "DIFF"
    case.differences = [Difference("body", ".x", {"a": "1", "b": "2"})]
    return case


def store_of(cases: list[CaseResult]) -> CaseResults:
    store = CaseResults(TARGETS, FACETS)
    for case in cases:
        store.append(case)
    store.finish()
    return store


def test_matches_are_compact_and_rebuilt_equal() -> None:
    cases = [match("m1"), diff("d1"), match("m2", tier=None, effects=2), match("m3")]
    store = store_of(cases)
    assert list(store) == cases and store == cases
    assert set(store.full) == {1}  # only the DIFF is kept whole
    assert len(store.effect_sets) == 2  # m1 and m3 share theirs
    assert store[-1] == cases[-1] and store[1:3] == cases[1:3]
    assert [store.name(i) for i in range(4)] == ["m1", "d1", "m2", "m3"]


def test_a_match_with_a_skipped_target_or_other_groups_is_kept_whole() -> None:
    skipped = match("s")
    skipped.outcomes["b"].skipped = "not built"
    grouped = match("g")
    grouped.groups = [["b", "a"]]
    store = store_of([skipped, grouped])
    assert set(store.full) == {0, 1} and list(store) == [skipped, grouped]


def test_spec_result_tallies_and_to_dict_read_the_store() -> None:
    cases = [match("m1"), diff("d1"), match("m2", tier="canonical")]
    result = SpecResult("s", "s", "", "s.yaml", "http", [], store_of(cases), "now")
    plain = SpecResult("s", "s", "", "s.yaml", "http", [], cases, "now")
    assert result.tally() == plain.tally() and result.tier_tally() == plain.tier_tally()
    assert result.failing and result.to_dict() == plain.to_dict()
    whole = asdict(cases[0])
    assert whole.pop("agreeing") == []  # written only when a tolerance made such pairs
    assert result.to_dict()["cases"][0] == whole


def test_redaction_masks_names_in_the_store() -> None:
    secret = "hunter2-secret-value"
    cases = [match(f"case-{secret}"), diff(f"d-{secret}")]
    result = SpecResult("s", "s", "", "s.yaml", "http", [], store_of(cases), "now")
    masked = Redactor([secret]).deep(result)
    names = [case.name for case in masked.cases]
    assert names == ["case-***", "d-***"]
    assert [case.name for case in result.cases] == [c.name for c in cases]
