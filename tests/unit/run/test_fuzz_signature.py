"""Divergence classes: what makes two fuzz findings the same one, and the names they are saved
under."""

from __future__ import annotations

from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.results.records import CaseResult, Difference, ExpectationFailure, TargetOutcome
from yamlparity.run.fuzz_signature import (
    FindingClass,
    classes_of,
    error_kind,
    general_path,
    value_shape,
)
from yamlparity.spec.load import _SAFE_NAME


def diff_result(*differences: Difference) -> CaseResult:
    outcomes = {name: TargetOutcome(name) for name in ("python", "node")}
    return CaseResult("c", "DIFF", outcomes, differences=list(differences))


def diff(path: str, python: JSON, node: JSON) -> Difference:
    return Difference("stdout", path, {"python": python, "node": node})


def test_positions_are_generalized_and_shapes_kept() -> None:
    result = diff_result(
        diff(".values[0]", Number("1.0"), Number("1")),
        diff(".values[3]", Number("7.0"), Number("7")),
        diff(".id", Number("9007199254740993"), Number("9007199254740992")),
    )
    assert {c.label for c in classes_of(result)} == {
        "stdout .values[]: python=frac node=int, same value",
        "stdout .id: python=int node=int, value differs beyond 2^53",
    }


def test_the_shape_tells_the_number_literal_classes_apart() -> None:
    assert [value_shape(Number(x)) for x in ("1", "1.5", "1e+16", "-0", "-0.0", "2E3")] == [
        "int",
        "frac",
        "exp",
        "negzero-int",
        "negzero-frac",
        "exp",
    ]
    assert [value_shape(v) for v in ("x", None, True, [], {})] == [
        "string",
        "null",
        "boolean",
        "array",
        "object",
    ]
    small = diff_result(diff(".n", Number("3"), Number("4")))
    assert {c.shape for c in classes_of(small)} == {"python=int node=int, value differs"}


def test_agreeing_targets_form_one_group_and_absence_is_a_shape() -> None:
    outcomes = {n: TargetOutcome(n) for n in ("py", "go", "node")}
    three = CaseResult(
        "c",
        "DIFF",
        outcomes,
        differences=[
            Difference("body", ".a", {"py": Number("1.0"), "go": Number("1.0")}, ("node",)),
        ],
    )
    (found,) = classes_of(three)
    assert found.shape == "py,go=frac node=missing"


def test_paths_lose_positions_and_drawn_keys_only() -> None:
    assert general_path(".values[12].x") == ".values[].x"
    assert general_path(".a[?id==5].b") == ".a[].b"
    assert general_path("line 7") == "line" and general_path("after line 3") == "after line"
    free = frozenset({"&", "k"})
    assert general_path('.["&"].x[2]', free) == ".[].x[]"
    assert general_path(".k.id", free) == ".[].id"
    assert general_path(".id", free) == ".id"


def test_errors_are_classes_per_target_and_kind() -> None:
    outcomes = {
        "a": TargetOutcome(
            "a", error="stdout is not valid JSON: Expecting value (line 1, column 5)"
        ),
        "b": TargetOutcome("b"),
    }
    (found,) = classes_of(CaseResult("c", "ERROR", outcomes))
    assert (found.kind, found.where, found.shape) == (
        "error",
        "a",
        "stdout is not valid JSON: Expecting value",
    )
    assert error_kind("timed out after 10 s (process group killed)") == (
        "timed out after N s (process group killed)"
    )
    assert error_kind(
        "the helper exited before answering (exit code 3); helper stderr tail:\nx"
    ) == ("the helper exited before answering (exit code 3)")


def test_failed_expectations_are_classes_and_known_or_match_are_none() -> None:
    outcomes = {n: TargetOutcome(n) for n in ("a", "b")}
    failed = CaseResult(
        "c", "FAIL", outcomes, expectation_failures=[ExpectationFailure("a", "status 200", "500")]
    )
    assert {(c.kind, c.where, c.shape) for c in classes_of(failed)} == {("fail", "a", "status 200")}
    for verdict in ("MATCH", "KNOWN", "FIXED", "SKIP"):
        quiet = CaseResult("c", verdict, outcomes, differences=[diff(".x", 1, 2)])  # type: ignore[arg-type]
        assert classes_of(quiet) == frozenset()


def test_case_names_are_readable_stable_and_loadable() -> None:
    frac = FindingClass("diff", "stdout", ".values[]", "python=frac node=int, same value")
    name = frac.case_name("stdout")
    assert (
        name.startswith("fuzz-values-frac-vs-int-")
        and len(name) == len("fuzz-values-frac-vs-int-") + 4
    )
    assert name == FindingClass(*frac.__dict__.values()).case_name("stdout")
    other = FindingClass("diff", "stdout", ".values[]", "python=int node=frac, same value")
    assert other.case_name("stdout") != name
    crash = FindingClass("error", "", "fragile", "the helper exited before answering (exit code 3)")
    header = FindingClass("diff", "headers.x-id", ".", "a=string b=string")
    for finding in (frac, other, crash, header):
        assert _SAFE_NAME.fullmatch(finding.case_name("body")), finding
    assert crash.case_name("stdout").startswith("fuzz-error-fragile-the-helper-exited")
    assert header.case_name("body").startswith("fuzz-headers-x-id-root-string-vs-string-")
