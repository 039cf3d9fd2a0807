"""The text pytest shows for a verdict, from the case result alone."""

from __future__ import annotations

from yamlparity.pytest_plugin.outcomes import outcome
from yamlparity.results.records import CaseResult, TargetOutcome


def known_failure() -> CaseResult:
    """neg_known: node exits 3 on a negative quantity, as a `known: [{error: ...}]` declares."""
    return CaseResult(
        name="neg_known",
        verdict="KNOWN",
        outcomes={
            "python": TargetOutcome("python"),
            "node": TargetOutcome("node", error="exited with code 3", raw_excerpt="bad qty"),
        },
        groups=[["python"]],
        reason="node rejects negative quantities",
        link="https://tracker.example/CALC-4",
        failures={"node": "exit 3"},
        known_errors=["node"],
    )


def test_a_known_failure_says_what_failed_not_zero_differing_paths() -> None:
    """What --runxfail (or -rx) shows: it read `KNOWN: 0 differing paths — known divergence`."""
    found = outcome(known_failure(), verbosity=0, fixed_ok=False)
    assert found.kind == "xfail"
    assert found.text.splitlines()[:2] == [
        "KNOWN: node: exited with code 3 — known failure: node rejects negative quantities "
        "(https://tracker.example/CALC-4)",
        "agreement: python; node: exit 3 (known)",
    ]
