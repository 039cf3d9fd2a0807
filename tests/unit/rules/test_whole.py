"""What a rule leaves of a whole output (rules/whole.py): the loader refuses rules that make
every output alike, or that may make a sent header null."""

from __future__ import annotations

import pytest

from yamlparity.rules.normalize import compile_rule
from yamlparity.rules.whole import TYPES, collapses, may_make_null, one_value, output_types

TEXT = output_types("text")
JSONL = output_types("jsonl")
HEADER = frozenset({"string"})


@pytest.mark.parametrize(
    "rule",
    [
        "del(.)",
        '. = "x"',
        "mask(.)",
        "del(.[])",
        "del(.[]?)",
        "del(.a, .[])",
        "del(.. | .[]?)",
        "del(.[] | ..)",
        ". |= del(.[])",
        "del(.) | .a = 1",  # after del(.) every output is null: the rest makes it {"a":1}
        "del(.[]) | sort",
    ],
)
def test_rules_that_leave_nothing_of_a_json_output_collapse(rule: str) -> None:
    assert collapses(compile_rule(rule).op, TYPES)


@pytest.mark.parametrize(
    "rule",
    [
        "del(.a)",
        "del(.[0])",
        "del(.[] | .ts)",
        '.[] |= "x"',
        'mask(.[]; "x")',
        'mask(.; "x"; string)',  # string outputs only: the audit's business
        "mask(.; 0; number)",
        'mask(..; "<id>"; uuid)',
        ".data",
        "sort",
    ],
)
def test_rules_that_keep_something_of_a_json_output_do_not(rule: str) -> None:
    assert not collapses(compile_rule(rule).op, TYPES)


@pytest.mark.parametrize(
    ("rule", "collapsed"),
    [
        ('mask(.; "<line>"; string)', True),  # a text output is always one string
        ('mask(..; "<line>"; string)', True),
        ('scrub("[0-9]+"; "N") | mask(.; "x"; string)', True),
        ('mask(.; "<t>"; timestamp)', False),
        ("del(.[])", False),  # a string has no elements: the rule is dead, not collapsing
        ('scrub("[0-9]+"; "N")', False),
    ],
)
def test_text_outputs_are_always_strings(rule: str, collapsed: bool) -> None:
    assert collapses(compile_rule(rule).op, TEXT) is collapsed


def test_jsonl_outputs_are_always_arrays() -> None:
    assert collapses(compile_rule("del(.[])").op, JSONL)
    assert one_value(compile_rule("del(.[])").op, JSONL)
    assert not one_value(compile_rule("del(.[])").op, TYPES)  # {} and []: two values
    assert not collapses(compile_rule('mask(.; "x"; string)').op, JSONL)


@pytest.mark.parametrize(
    "rule",
    [
        ". = null",
        ". |= null",
        "mask(.; null)",
        "mask(.; null; timestamp)",
        "mask(.; null; string)",
        "mask(.; null; uuid)",
        "mask(..; null; uuid)",
        "del(.)",
        ".a",  # selecting inside a string: null
        ".[0]",
        '. |= mask(.; null; timestamp) | scrub("x"; "y")',
    ],
)
def test_rules_that_may_make_a_header_null(rule: str) -> None:
    assert may_make_null(compile_rule(rule).op, HEADER)


@pytest.mark.parametrize(
    "rule",
    [
        'mask(.; "<date>"; timestamp)',
        'mask(.; "<v>")',
        'scrub("[0-9]+"; "N")',
        "ascii_downcase",
        'mask(.; null; timestamp) | . = "x"',  # whatever was nulled is "x" in the end
        "del(.a)",
    ],
)
def test_rules_that_keep_a_header_a_string(rule: str) -> None:
    assert not may_make_null(compile_rule(rule).op, HEADER)
