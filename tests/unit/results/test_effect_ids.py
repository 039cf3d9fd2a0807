"""A matching case's rule effects, as the store gives them back, are its effects bounded the
way the store promises (the first AUDIT_SAMPLES samples of each rule whole, then counts,
paths and differing targets only), whatever mix of rules, samples and repeats came before:
the store reads the key off the effects and copies only effects it has not seen."""

from __future__ import annotations

import random

from yamlparity.core.jsonvalue import Number
from yamlparity.results.records import (
    AUDIT_SAMPLES,
    CaseResult,
    CaseResults,
    MaskedValue,
    RuleEffect,
    SkippedValue,
    TargetOutcome,
)

TARGETS = ("a", "b")


def effect(rng: random.Random, rule: int) -> RuleEffect:
    values = {"a": Number(str(rng.choice([1, 2]))), "b": Number(str(rng.choice([1, 2, 3])))}
    masked = [MaskedValue(".t", values)] if rng.random() < 0.7 else []
    skipped = [SkippedValue("a", ".s", "no")] if rng.random() < 0.3 else []
    return RuleEffect(
        rule=rule,
        text=f"rule {rule}",
        facet="body",
        changed={"a": 1, "b": rng.choice([0, 1])},
        skipped={"a": len(skipped)},
        skipped_samples=skipped,
        masked=masked,
        masked_paths=len(masked),
    )


def case(rng: random.Random, n: int) -> CaseResult:
    effects = [effect(rng, rule) for rule in range(3) if rng.random() < 0.6]
    return CaseResult(
        f"c{n}",
        "MATCH",
        {t: TargetOutcome(target=t) for t in TARGETS},
        facet_match={"body": True},
        groups=[list(TARGETS)],
        tier="normalized",
        rule_effects=effects,
    )


def bounded(cases: list[CaseResult]) -> list[list[RuleEffect]]:
    """What the store promises, worked out case by case without it."""
    kept: dict[int, tuple[int, int]] = {}
    out = []
    for one in cases:
        effects = []
        for e in one.rule_effects:
            masked, skipped = kept.get(e.rule, (0, 0))
            kept[e.rule] = (
                masked + len(e.masked) if masked < AUDIT_SAMPLES else masked,
                skipped + len(e.skipped_samples) if skipped < AUDIT_SAMPLES else skipped,
            )
            copy = RuleEffect(**vars(e))
            if masked >= AUDIT_SAMPLES:
                copy.masked = [
                    MaskedValue(m.path, {}, m.missing, (*m.differing, *m.values)) for m in e.masked
                ]
            if skipped >= AUDIT_SAMPLES:
                copy.skipped_samples = []
            effects.append(copy)
        out.append(effects)
    return out


def test_stored_effects_are_the_bounded_effects_of_each_case() -> None:
    rng = random.Random(7)
    cases = [case(rng, n) for n in range(300)]
    store = CaseResults(TARGETS, ("body",))
    for one in cases:
        store.append(one)
    store.finish()
    assert [c.rule_effects for c in store] == bounded(cases)
    assert len(store.effect_sets) < 300  # repeats share one record


def test_effects_stored_early_keep_their_values() -> None:
    rng = random.Random(3)
    cases = [case(rng, n) for n in range(40)]
    store = CaseResults(TARGETS, ("body",))
    for one in cases:
        store.append(one)
    first = next(c for c in store if any(e.masked for e in c.rule_effects))
    assert any(m.values for e in first.rule_effects for m in e.masked)
