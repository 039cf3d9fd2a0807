"""Passes that skip a store's plain MATCH rows (`records.not_plain`, `plain_matches`) count
what a pass over every case counts: failing cases, per-path statistics, pair agreement, odd
targets, attachments."""

from __future__ import annotations

from pathlib import Path

from yamlparity.core.jsonvalue import Number
from yamlparity.report import render
from yamlparity.report.formats.files import write_attachments
from yamlparity.results.audit import audit
from yamlparity.results.pathstats import path_stats
from yamlparity.results.records import (
    CaseResult,
    CaseResults,
    Difference,
    MaskedValue,
    RuleEffect,
    SpecResult,
    TargetInfo,
    TargetOutcome,
    named_effects,
    not_plain,
    plain_matches,
)

TARGETS = ("a", "b", "c")


def outcomes(**facets: object) -> dict[str, TargetOutcome]:
    return {name: TargetOutcome(target=name, facets=dict(facets)) for name in TARGETS}


def plain(name: str) -> CaseResult:
    masked = MaskedValue(".ts", {"a": Number("1"), "b": Number("2")}, ("c",))
    effect = RuleEffect(0, "del(.ts)", "stdout", {"a": 1, "b": 1, "c": 0}, masked=[masked])
    effect.masked_paths = 1
    return CaseResult(
        name=name,
        verdict="MATCH",
        outcomes=outcomes(),
        facet_match={"stdout": True},
        groups=[list(TARGETS)],
        tier="canonical",
        rule_effects=[effect],
    )


def cases() -> list[CaseResult]:
    diff = CaseResult(
        name="diff",
        verdict="DIFF",
        outcomes=outcomes(stdout="x" * 70_000),
        differences=[Difference("stdout", ".v[3]", {"a": Number("1"), "c": Number("2")})],
        facet_match={"stdout": False},
        groups=[["a", "b"], ["c"]],
    )
    error = CaseResult(
        name="error",
        verdict="ERROR",
        outcomes=outcomes(),
        groups=[["a"], ["b"]],
        reason="c: timed out",
    )
    shown = plain("match-kept")  # a MATCH with something to show is kept whole
    shown.reason = "note"
    return [plain("m1"), diff, plain("m2"), error, shown, plain("m3")]


def results(store: bool) -> SpecResult:
    kept: list[CaseResult] | CaseResults = cases()
    if store:
        kept = CaseResults(TARGETS, ("stdout",))
        for case in cases():
            kept.append(case)
        kept.finish()
    infos = [TargetInfo(name=name, kind="command", description=name) for name in TARGETS]
    return SpecResult("s", "", "", "s.yaml", "command", infos, kept, "2026-01-01T00:00:00Z")


def test_a_store_skips_only_its_plain_matches() -> None:
    store = results(store=True).cases
    assert isinstance(store, CaseResults)
    assert [c.name for c in not_plain(store)] == ["diff", "error", "match-kept"]
    assert plain_matches(store) == 3
    assert [c.name for c in not_plain(cases())] == [c.name for c in cases()]
    assert plain_matches(cases()) == 0


def test_passes_count_the_same_over_a_store_and_over_every_case(tmp_path: Path) -> None:
    whole, stored = results(store=False), results(store=True)
    assert path_stats(stored.cases) == path_stats(whole.cases)
    assert render._pairs(stored) == render._pairs(whole)
    assert render._odd_counts(stored) == render._odd_counts(whole)
    assert [p["agree"] for p in render._pairs(stored)] == [5, 4, 4]
    named = [(name, list(effects)) for name, effects in named_effects(stored.cases)]
    assert named == [(c.name, c.rule_effects) for c in stored.cases]
    assert audit(stored) == audit(whole)
    assert audit(stored).rules[0].cases_differing == 4
    shown_a, files_a = write_attachments(whole, "stdout", tmp_path / "whole")
    shown_b, files_b = write_attachments(stored, "stdout", tmp_path / "stored")
    assert shown_a.files == shown_b.files and len(files_a) == len(files_b) == 3
