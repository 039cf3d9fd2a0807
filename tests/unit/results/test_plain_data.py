"""A case as plain data in one pass (records.plain_data) is what `asdict` then `_plain` made,
and its results-JSON form what `from_python` made of that: the same dicts, in the same key
order, with the same leaves (exact Numbers, booleans never numbers)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import asdict
from typing import Any

import pytest

from tests.unit.report.test_formats import sample_result
from yamlparity.core import jsonvalue
from yamlparity.core.jsonvalue import Number, RawJson
from yamlparity.report.formats import results_json
from yamlparity.results import records
from yamlparity.results.records import (
    CaseResult,
    Difference,
    ExpectationFailure,
    MaskedValue,
    RuleEffect,
    SkippedValue,
    TargetOutcome,
)

Pair = namedtuple("Pair", "left right")


def _everything() -> CaseResult:
    """A case with every field set, nested records, tuples, ints, floats and JSON values."""
    value = {
        "n": Number("1.0"),
        "big": Number("9007199254740993"),
        "t": True,
        "f": False,
        "none": None,
        "list": [Number("1"), [True, "é"], {}],
        "s": "x",
    }
    return CaseResult(
        name="every_field",
        verdict="DIFF",
        outcomes={
            "a": TargetOutcome(
                "a", facets={"stdout": value}, duration=0.25, exit_code=0, as_received=["stdout"]
            ),
            "b": TargetOutcome(
                "b",
                error="exit 3",
                raw_excerpt="boom",
                status=500,
                facets={"body": RawJson('{"raw": 1}')},
            ),
        },
        differences=[
            Difference(
                "stdout", ".n", {"a": Number("1.0"), "b": 1}, missing=("c",), note="type differs"
            )
        ],
        facet_match={"stdout": False, "exit_code": True},
        groups=[["a"], ["b"]],
        agreeing=[["a", "b"]],
        expectation_failures=[ExpectationFailure("a", "status == 200", "500")],
        reason="why",
        link="https://example.com",
        duration=1.5,
        tier="normalized",
        rule_effects=[
            RuleEffect(
                0,
                "del(.ts)",
                "stdout",
                changed={"a": 2},
                skipped={"b": 1},
                skipped_samples=[SkippedValue("b", ".ts", "not a string")],
                masked=[
                    MaskedValue(".ts", {"a": Number("3")}, missing=("b",), differing=("a", "b"))
                ],
                masked_paths=1,
            ),
        ],
        reproducers={"a": "echo '{}' | a"},
        failures={"b": "exit 3"},
        known_errors=["b: exit 3"],
    )


def _reference(case: CaseResult) -> dict[str, Any]:
    """What case_dict was: the standard library's asdict, then records._plain."""
    plain: dict[str, Any] = records._plain(asdict(case))
    if not plain["agreeing"]:
        del plain["agreeing"]
    return plain


def _cases() -> list[CaseResult]:
    return [*sample_result().cases, _everything()]


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case.name)
def test_a_case_is_the_same_plain_data_as_asdict_made(case: CaseResult) -> None:
    made = records.case_dict(case)
    assert made == _reference(case)
    assert repr(made) == repr(_reference(case))  # key order and leaf types too (True != 1)


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case.name)
def test_a_case_in_results_json_is_the_same_text_as_before(case: CaseResult) -> None:
    made = results_json._case_json(case)
    before = jsonvalue.from_python(_reference(case))
    assert repr(made) == repr(before)
    assert jsonvalue.dumps(made, indent=2, sort_keys=False) == jsonvalue.dumps(
        before, indent=2, sort_keys=False
    )


def test_leaves_become_exact_numbers_and_booleans_stay_booleans() -> None:
    made = records.plain_data(
        {"i": 1, "f": 1.0, "t": True, "n": Number("1.0")}, jsonvalue.from_python
    )
    assert made == {"i": Number("1"), "f": Number("1.0"), "t": True, "n": Number("1.0")}
    assert made["t"] is True


def test_tuples_and_named_tuples_become_lists_and_keys_strings() -> None:
    value = {1: Pair(1, (2, 3))}
    assert records.plain_data(value) == records._plain(asdict(_Box(value)))["value"]
    assert records.plain_data(value, jsonvalue.from_python) == {
        "1": [Number("1"), [Number("2"), Number("3")]]
    }


def test_what_json_cannot_hold_is_refused_as_before() -> None:
    with pytest.raises(ValueError, match="not representable"):
        records.plain_data({"x": float("nan")}, jsonvalue.from_python)
    with pytest.raises(TypeError, match="not JSON-like"):
        records.plain_data({"x": object()}, jsonvalue.from_python)


@records.dataclass
class _Box:
    value: Any
