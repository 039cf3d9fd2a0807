"""A selecting rule (`.data`, `.[0]`) throws away what is beside the path: the rule audit
counts and flags what it threw away as it does for the `del` of the same values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.verdict.test_audit_removals import masked
from yamlparity.core.jsonvalue import Number
from yamlparity.results.audit import audit, flag_summary
from yamlparity.results.records import SpecResult
from yamlparity.rules.normalize import RuleStats, apply, compile_rule
from yamlparity.verdict.evaluate import masked_values

OVERFLOW = '{"data": {"sum": 6}, "error": "overflow in xs[2]", "took_ms": 3}'
CLEAN = '{"data": {"sum": 6}, "error": null, "took_ms": 3}'


@pytest.mark.parametrize("rule", [".data", "del(.error, .took_ms)"])
def test_a_selection_is_audited_as_the_del_of_its_siblings(tmp_path: Path, rule: str) -> None:
    (found,) = masked(tmp_path, rule, OVERFLOW, CLEAN)
    assert (found.path, found.values, found.missing) == (
        ".error",
        {"a": "overflow in xs[2]", "b": None},
        (),
    )


def test_an_index_selection_drops_the_other_elements(tmp_path: Path) -> None:
    (found,) = masked(tmp_path, ".[0]", '[{"k": 1}, "late"]', '[{"k": 1}]')
    assert (found.path, found.values, found.missing) == (".[1]", {"a": "late"}, ("b",))


def test_a_nested_selection_drops_siblings_at_every_level(tmp_path: Path) -> None:
    a = '{"r": {"v": 1, "warn": "x"}, "id": 1}'
    b = '{"r": {"v": 1, "warn": "y"}, "id": 1}'
    (found,) = masked(tmp_path, ".r | .v", a, b)
    assert (found.path, found.values) == (".r.warn", {"a": "x", "b": "y"})
    assert masked(tmp_path, ".r.v", a, b) == [found]


def test_what_the_path_cannot_go_into_goes_whole() -> None:
    program = compile_rule(".data")
    stats = {"a": RuleStats(), "b": RuleStats()}
    assert apply(program, "error: overflow", stats["a"]) is None
    assert apply(program, {"data": Number("1")}, stats["b"]) == Number("1")
    (found,) = masked_values(stats)
    assert (found.path, found.values, found.missing) == (".", {"a": "error: overflow"}, ("b",))


def test_the_counts_name_each_dropped_value() -> None:
    stats = RuleStats()
    apply(compile_rule(".data"), {"data": 1, "x": 2, "y": 3}, stats)
    assert stats.counts == {"deleted": 2, "selected": 1}


def test_the_audit_line_shows_a_type_difference_with_its_values(tmp_path: Path) -> None:
    from tests.unit.verdict.test_audit_removals import evaluated, make_spec

    spec = make_spec(tmp_path, ".data")
    case = evaluated(spec, OVERFLOW, CLEAN, plain=False)
    result = SpecResult("removals", "", "", "spec.yaml", "command", ["a", "b"], [case], "")
    (entry,) = audit(result, spec=spec).rules
    assert entry.flag == "masked format divergence"
    assert entry.cases_differing == 1
    assert flag_summary(entry) == (
        'rule 1 .data hides a type difference (.error: a "overflow in xs[2]" vs b null in c)'
    )


@pytest.mark.parametrize(
    ("rule", "a", "b"),
    [('mask(.; "x"; string)', '"hello"', '"bye"'), ("mask(.; 0; number)", "17", "4")],
)
def test_a_shaped_mask_of_whole_json_outputs_loads_and_is_audited(
    tmp_path: Path, rule: str, a: str, b: str
) -> None:
    # Not refused at load (a JSON output need not be a string or a number), so audited.
    (found,) = masked(tmp_path, rule, a, b)
    assert found.path == "."
