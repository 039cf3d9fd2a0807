"""Rule effects of matching cases stay bounded: counts exact, the first samples kept whole."""

from __future__ import annotations

from yamlparity.core.jsonvalue import Number
from yamlparity.results.audit import MAX_EXAMPLES, audit
from yamlparity.results.records import (
    AUDIT_SAMPLES,
    CaseResult,
    CaseResults,
    MaskedValue,
    RuleEffect,
    SkippedValue,
    SpecResult,
    TargetOutcome,
)

TARGETS = ("a", "b")


def matching_case(n: int) -> CaseResult:
    """A MATCH whose rule removed `.elapsed_ms`, different on each target and in each case."""
    effect = RuleEffect(
        rule=0,
        text="del(.elapsed_ms)",
        facet="body",
        changed={"a": 1, "b": 1},
        masked=[MaskedValue(".elapsed_ms", {"a": Number(f"{n}.1"), "b": Number(f"{n}.2")})],
        masked_paths=1,
        skipped={"a": 1},
        skipped_samples=[SkippedValue("a", ".ts", f"not a timestamp: {n}")],
    )
    outcomes = {t: TargetOutcome(target=t) for t in TARGETS}
    return CaseResult(
        f"c{n}",
        "MATCH",
        outcomes,
        facet_match={"body": True},
        groups=[list(TARGETS)],
        tier="normalized",
        rule_effects=[effect],
    )


def store(cases: int) -> CaseResults:
    results = CaseResults(TARGETS, ("body",))
    for n in range(cases):
        results.append(matching_case(n))
    results.finish()
    return results


def spec_result(cases: CaseResults) -> SpecResult:
    return SpecResult("s", "s", "", "s.yaml", "http", [], cases, started="")


def test_distinct_effect_records_do_not_grow_with_the_cases() -> None:
    assert len(store(50).effect_sets) == len(store(2000).effect_sets) <= AUDIT_SAMPLES + 1


def test_the_audit_counts_every_case_and_shows_the_first_samples_whole() -> None:
    report = audit(spec_result(store(200)))
    (rule,) = report.rules
    assert rule.cases_touched == rule.cases_differing == rule.uncalibrated == 200
    assert rule.values_changed == {"a": 200, "b": 200}
    assert rule.skipped_total == 200
    assert rule.flag == "possible masked divergence"
    assert [e.case for e in rule.examples] == [f"c{n}" for n in range(MAX_EXAMPLES)]
    assert rule.examples[0].values == {"a": "0.1", "b": "0.2"}
    assert [n.case for n in rule.skipped] == [f"c{n}" for n in range(MAX_EXAMPLES)]


def test_the_bounded_audit_equals_the_audit_of_whole_records() -> None:
    whole = spec_result([matching_case(n) for n in range(40)])  # a plain list: nothing dropped
    assert audit(spec_result(store(40))) == audit(whole)


def test_cases_past_the_samples_still_name_the_differing_targets() -> None:
    late = store(AUDIT_SAMPLES + 3)[AUDIT_SAMPLES + 1]
    (masked,) = late.rule_effects[0].masked
    assert masked.values == {} and masked.differing == TARGETS
    assert late.rule_effects[0].skipped_samples == []
    assert late.rule_effects[0].changed == {"a": 1, "b": 1}
