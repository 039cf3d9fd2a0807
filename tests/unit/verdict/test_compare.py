"""The exact comparator: what counts as a difference, where it is reported, and the options."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yamlparity.core import jsonvalue as jv
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.results.records import Difference
from yamlparity.rules.ops import PathPattern
from yamlparity.spec.model import CompareSettings, PathOptions
from yamlparity.verdict import compare
from yamlparity.verdict.compare import (
    MAX_DIFFERENCES,
    MAX_TEXT_LINES,
    agreement_classes,
    diff_json,
    diff_text,
    equal,
    scalar_equal,
    text_equal,
)

EXACT = CompareSettings(facets=("stdout",))
J = jv.loads


def diff(a: str, b: str, settings: CompareSettings = EXACT) -> list[Difference]:
    """Differences between two JSON texts, as targets `a` and `b`."""
    return diff_json({"a": J(a), "b": J(b)}, settings, "stdout")


def paths(diffs: list[Difference]) -> list[str]:
    return [d.path for d in diffs]


def opts(path: PathPattern, **kw: Any) -> PathOptions:
    return PathOptions(path=path, path_text=jv.format_path(tuple(p or 0 for p in path)), **kw)


def with_paths(*options: PathOptions, **kw: Any) -> CompareSettings:
    return CompareSettings(facets=("stdout",), paths=options, **kw)


# --- exactness ---------------------------------------------------------------------------------


def test_identical_values_have_no_differences() -> None:
    assert diff('{"a": [1, "x", null, true]}', '{"a": [1, "x", null, true]}') == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            '{"a": 1, "b": "é", "c": [1.0, {"x": null}]}',
            '{"c":[1.0,{"x":null}],"b":"\\u00e9","a":1}',
        ),
        ('{"s": "</tag>&"}', '{"s": "\\u003c/tag\\u003e\\u0026"}'),
        ('{"s": "\\u2028"}', '{"s": "\u2028"}'),
        ('["😀"]', '["\\ud83d\\ude00"]'),
        ('{"a":1}', '{\n\t"a" :\r\n 1\n}\n'),
    ],
)
def test_key_order_whitespace_and_escapes_are_not_differences(a: str, b: str) -> None:
    assert diff(a, b) == []


def test_true_is_not_1() -> None:
    [d] = diff("[true]", "[1]")
    assert (d.path, d.note) == (".[0]", "type differs: boolean vs number")
    assert d.values == {"a": True, "b": Number("1")}


def test_1_is_not_1_point_0_by_default() -> None:
    [d] = diff('{"n": 1}', '{"n": 1.0}')
    assert d.path == ".n"
    assert d.values == {"a": Number("1"), "b": Number("1.0")}
    assert d.note == "same value, different literal"


@pytest.mark.parametrize(
    ("a", "b"),
    [("1e2", "100"), ("-0", "0"), ("1.50", "1.5"), ("1E2", "1e2"), ("1e+2", "1e2")],
)
def test_number_literals_differ_by_default(a: str, b: str) -> None:
    assert paths(diff(a, b)) == ["."]
    assert equal(J(a), J(b), CompareSettings(facets=("stdout",), numbers="value"))


def test_big_integers_keep_every_digit() -> None:
    assert paths(diff("9007199254740993", "9007199254740992")) == ["."]
    by_value = CompareSettings(facets=("stdout",), numbers="value")
    assert not equal(J("9007199254740993"), J("9007199254740992"), by_value)
    assert not equal(J("1" + "0" * 40 + "1"), J("1" + "0" * 41), by_value)


@pytest.mark.parametrize("value", ['"abc"', "5", '"e\\u0301"', "1.0"])
def test_a_value_one_target_lacks_gets_no_note_when_the_others_agree(value: str) -> None:
    # Three targets: what differs is that `a` has no `d`; b's and c's are the same literal.
    docs = {"a": J('{"x":1}'), "b": J(f'{{"x":1,"d":{value}}}'), "c": J(f'{{"x":1,"d":{value}}}')}
    [d] = diff_json(docs, EXACT, "stdout")
    assert (d.path, d.note) == (".d", "")


@pytest.mark.parametrize(
    ("b", "c", "note"),
    [("1.0", "1", "same value, different literal"), ('"\\u00e9"', '"e\\u0301"', "NFC")],
)
def test_a_value_one_target_lacks_keeps_the_note_on_how_the_others_differ(
    b: str, c: str, note: str
) -> None:
    docs = {"a": J('{"x":1}'), "b": J(f'{{"x":1,"d":{b}}}'), "c": J(f'{{"x":1,"d":{c}}}')}
    [d] = diff_json(docs, EXACT, "stdout")
    assert d.path == ".d" and note in d.note


def test_unicode_nfc_and_nfd_are_different_strings() -> None:
    [d] = diff('"\\u00e9"', '"e\\u0301"')
    assert d.path == "."
    assert "NFC" in d.note


def test_keys_that_differ_only_by_nfc_are_different_keys_with_the_note() -> None:
    """`é` in one target, `e\u0301` in the other: two rows whose paths look alike, each
    saying why (as a value's does)."""
    diffs = diff('{"\\u00e9": 1, "n": 1}', '{"e\\u0301": 1, "n": 2}')
    notes = {d.path: d.note for d in diffs}
    assert notes == {
        '.["\u00e9"]': compare.KEY_NFC_NOTE,
        '.["e\u0301"]': compare.KEY_NFC_NOTE,
        ".n": "",
    }
    assert "NFC" in compare.KEY_NFC_NOTE


@pytest.mark.parametrize(
    ("a", "b", "note"),
    [
        (
            "p\u0430ypal",  # Cyrillic а: looks like the Latin a in a report
            "paypal",
            "character 2 differs: U+0430 CYRILLIC SMALL LETTER A vs U+0061 LATIN SMALL LETTER A",
        ),
        ("5\u00b5s", "5\u03bcs", "character 2 differs: U+00B5 MICRO SIGN vs U+03BC GREEK SMALL"),
        ("\u00e9t\u00e9", "ete", "character 1 differs: U+00E9 LATIN SMALL LETTER E WITH ACUTE"),
        ("abc", "abd", None),  # ASCII shows itself
        ("h\u00e9llo!", "hello", None),  # lengths differ: the values say it
        ("\u00e0\u00e9\u00ee", "aei", None),  # three places: no longer a look-alike
    ],
)
def test_one_or_two_characters_that_may_look_alike_are_named(
    a: str, b: str, note: str | None
) -> None:
    [found] = diff(f'{{"s": "{a}"}}', f'{{"s": "{b}"}}')
    if note is None:
        assert found.note == ""
    else:
        assert found.note.startswith(note)
        assert found.note.endswith("(and one more)") == (note.startswith("character 1"))


def test_a_missing_key_with_no_look_alike_gets_no_key_note() -> None:
    # Same spelling after NFC but in different objects, and a key that is simply missing.
    diffs = diff('{"a": {"\\u00e9": 1}, "x": 1}', '{"b": {"e\\u0301": 1}}')
    assert all(d.note != compare.KEY_NFC_NOTE for d in diffs)


@pytest.mark.parametrize(
    ("a", "b", "note"),
    [
        ("null", "[]", "type differs: null vs array"),
        ("[]", "{}", "type differs: array vs object"),
        ("false", "0", "type differs: boolean vs number"),
        ('"1"', "1", "type differs: string vs number"),
        ("null", "false", "type differs: null vs boolean"),
    ],
)
def test_types_never_mix(a: str, b: str, note: str) -> None:
    [d] = diff(a, b)
    assert (d.path, d.note) == (".", note)


def test_a_type_difference_is_not_descended() -> None:
    [d] = diff('{"a": {"x": 1, "y": 2}}', '{"a": [1, 2]}')
    assert (d.path, d.note) == (".a", "type differs: object vs array")


def test_booleans_and_strings_differ_plainly() -> None:
    assert [(d.path, d.note) for d in diff('[true, "x"]', '[false, "y"]')] == [
        (".[0]", ""),
        (".[1]", ""),
    ]


# --- paths and missing -------------------------------------------------------------------------


def test_a_key_missing_on_one_side_is_reported_at_its_path() -> None:
    diffs = diff('{"a": {"x": 1, "y": 2}}', '{"a": {"x": 1, "z": 3}}')
    assert [(d.path, d.values, d.missing) for d in diffs] == [
        (".a.y", {"a": Number("2")}, ("b",)),
        (".a.z", {"b": Number("3")}, ("a",)),
    ]


def test_extra_array_elements_are_missing_on_the_short_side() -> None:
    diffs = diff('{"xs": [1, 2, 3, 4]}', '{"xs": [1, 2]}')
    assert [(d.path, d.missing) for d in diffs] == [(".xs[2]", ("b",)), (".xs[3]", ("b",))]


def test_paths_are_jq_style() -> None:
    a = '{"attempts": [{"span_id": "s1"}], "odd key": {"ü": 1}}'
    b = '{"attempts": [{"span_id": "s2"}], "odd key": {"ü": 2}}'
    assert paths(diff(a, b)) == [".attempts[0].span_id", '.["odd key"].["ü"]']


def test_root_array_paths() -> None:
    assert paths(diff("[[1, 2]]", "[[1, 3]]")) == [".[0][1]"]


# --- numbers -----------------------------------------------------------------------------------


def test_numbers_by_value_at_a_path_only() -> None:
    settings = with_paths(opts(("price",), numbers="value"))
    assert paths(diff('{"price": 1, "qty": 1}', '{"price": 1.0, "qty": 1.0}', settings)) == [".qty"]


@pytest.mark.parametrize(
    ("a", "b", "equal_"),
    [
        ("0.1", "0.11", True),
        ("0.1", "0.1100001", False),
        ("100", "100.01", True),
        ("5", "5.02", False),
    ],
)
def test_absolute_tolerance_is_exact_decimal(a: str, b: str, equal_: bool) -> None:
    # 0.11 - 0.1 is 0.010000000000000009 in binary floats: the decimal check must accept it.
    settings = with_paths(opts(("p",), tolerance_abs=0.01))
    assert (diff(f'{{"p": {a}}}', f'{{"p": {b}}}', settings) == []) is equal_


def test_relative_tolerance() -> None:
    settings = with_paths(opts(("p",), numbers="value", tolerance_rel=0.001))
    assert diff('{"p": 1000}', '{"p": 1001}', settings) == []
    assert paths(diff('{"p": 1000}', '{"p": 1002}', settings)) == [".p"]
    assert paths(diff('{"p": 0}', '{"p": 1e-30}', settings)) == [".p"]


def test_tolerance_survives_huge_exponents() -> None:
    settings = with_paths(opts((), tolerance_rel=0.5))
    assert diff("1e999999999", "1.2e999999999", settings) == []
    assert paths(diff("1e999999999", "1e-999999999", settings)) == ["."]


def test_tolerance_never_mixes_types() -> None:
    settings = with_paths(opts(("p",), tolerance_abs=10))
    assert paths(diff('{"p": 1}', '{"p": "1"}', settings)) == [".p"]


def test_scalar_equal() -> None:
    assert not scalar_equal(True, Number("1"))
    assert not scalar_equal(Number("1"), "1")
    assert not scalar_equal(None, False)
    assert not scalar_equal(Number("1"), Number("1.0"))
    assert scalar_equal(Number("1"), Number("1.0"), opts((), numbers="value"))
    assert scalar_equal(Number("1"), Number("1.4"), opts((), tolerance_abs=0.5))
    assert scalar_equal(Number("1e0"), Number("1"), CompareSettings(("x",), numbers="value"))
    assert scalar_equal("e", "e")


# --- arrays ------------------------------------------------------------------------------------


SET = CompareSettings(facets=("stdout",), arrays="set")
MULTISET = CompareSettings(facets=("stdout",), arrays="multiset")


def test_set_ignores_order_and_duplicates() -> None:
    assert diff("[1, 2, 2, 3]", "[3, 1, 2]", SET) == []


def test_multiset_ignores_order_but_counts() -> None:
    assert diff("[1, 2, 2, 3]", "[2, 3, 1, 2]", MULTISET) == []
    [d] = diff("[1, 2, 2, 3]", "[3, 1, 2]", MULTISET)
    assert (d.path, d.values, d.missing, d.note) == (".[]", {"a": Number("2")}, ("b",), "only in a")


def test_unordered_differences_are_elements_on_one_side() -> None:
    diffs = diff('{"items": [1, {"k": "x"}, 3]}', '{"items": [3, 4, 1]}', SET)
    assert [(d.path, d.values, d.note) for d in diffs] == [
        (".items[]", {"a": {"k": "x"}}, "only in a"),
        (".items[]", {"b": Number("4")}, "only in b"),
    ]


def test_set_element_equal_to_one_paired_by_position() -> None:
    # Index 0 pairs off by position; a's second {"k":1} is still in b (at index 0).
    diffs = diff('[{"k": 1}, {"k": 1}]', '[{"k": 1}, {"k": 2}]', SET)
    assert [(d.values, d.note) for d in diffs] == [({"b": {"k": Number("2")}}, "only in b")]


def test_set_mode_applies_below_and_combines_with_numbers() -> None:
    settings = CompareSettings(facets=("stdout",), arrays="set", numbers="value")
    assert diff('[[1, 2], {"x": [1.0]}]', '[{"x": [1, 1e0]}, [2.0, 1]]', settings) == []


def test_arrays_option_scoped_to_a_path() -> None:
    settings = with_paths(opts(("items",), arrays="multiset"))
    assert (
        diff('{"items": [1, 2], "order": [1, 2]}', '{"items": [2, 1], "order": [1, 2]}', settings)
        == []
    )
    assert paths(
        diff('{"items": [1], "order": [1, 2]}', '{"items": [1], "order": [2, 1]}', settings)
    ) == [
        ".order[0]",
        ".order[1]",
    ]


def test_unordered_with_tolerance_pairs_elements() -> None:
    settings = with_paths(opts(("xs",), arrays="multiset"), opts(("xs", None), tolerance_abs=0.1))
    assert diff('{"xs": [1, 2.05, 2]}', '{"xs": [2, 1.02, 2.0]}', settings) == []
    diffs = diff('{"xs": [1, 2]}', '{"xs": [2, 1.5]}', settings)
    assert [(d.values, d.note) for d in diffs] == [
        ({"a": Number("1")}, "only in a"),
        ({"b": Number("1.5")}, "only in b"),
    ]


def test_multiset_with_tolerance_does_not_depend_on_element_order() -> None:
    # 1.0~0.95 and 1.1~1.05 within 0.1: pairing 1.0 with the first counterpart in reach (1.05)
    # stranded 1.1 and 0.95, so [1.0, 1.1] was a DIFF and [1.1, 1.0] a MATCH.
    settings = with_paths(opts(("x",), arrays="multiset", tolerance_abs=0.1))
    for xs in ("[1.0, 1.1]", "[1.1, 1.0]"):
        for ys in ("[1.05, 0.95]", "[0.95, 1.05]"):
            assert diff(f'{{"x": {xs}}}', f'{{"x": {ys}}}', settings) == []
            assert diff(f'{{"x": {ys}}}', f'{{"x": {xs}}}', settings) == []
    # Exactly equal elements may need re-pairing: 0~0.1 and 0.1~0.2.
    assert diff('{"x": [0, 0.1]}', '{"x": [0.1, 0.2]}', settings) == []
    nested = with_paths(opts(("x",), arrays="multiset"), opts(("x", None, "v"), tolerance_abs=0.1))
    assert diff('{"x": [{"v": 0}, {"v": 0.1}]}', '{"x": [{"v": 0.1}, {"v": 0.2}]}', nested) == []
    assert (
        diff('{"x": [{"v": 1.0}, {"v": 1.1}]}', '{"x": [{"v": 1.05}, {"v": 0.95}]}', nested) == []
    )


def _most_pairs(xs: list[float], ys: list[float], within: float) -> int:
    """The largest number of pairs |x-y| <= within, by trying every assignment."""

    if len(xs) > len(ys):
        xs, ys = ys, xs
    best = 0
    for chosen in itertools.permutations(range(len(ys)), len(xs)):
        pairs = sum(abs(x - ys[j]) <= within + 1e-9 for x, j in zip(xs, chosen, strict=False))
        best = max(best, pairs)
    return best


TENTHS = st.lists(st.integers(0, 12), max_size=5)


@settings(max_examples=150, deadline=None)
@given(TENTHS, TENTHS, st.randoms())
def test_multiset_tolerance_pairs_as_many_as_possible(
    xs: list[int], ys: list[int], rnd: random.Random
) -> None:
    # Numbers (sorted pairing) and objects holding them (augmenting paths) against brute force;
    # any order of the elements gives the same count of unpaired ones.
    flat = with_paths(opts(("x",), arrays="multiset", tolerance_abs=0.15))
    nested = with_paths(opts(("x",), arrays="multiset"), opts(("x", None, "v"), tolerance_abs=0.15))
    a = [x / 10 for x in xs]
    b = [y / 10 for y in ys]
    lost = len(a) + len(b) - 2 * _most_pairs(a, b, 0.15)
    for _ in range(3):
        rnd.shuffle(a)
        rnd.shuffle(b)
        for settings_, wrap in ((flat, str), (nested, lambda v: f'{{"v": {v}}}')):
            left = '{"x": [' + ", ".join(wrap(v) for v in a) + "]}"
            right = '{"x": [' + ", ".join(wrap(v) for v in b) + "]}"
            assert len(diff(left, right, settings_)) == lost


# --- keyed arrays ------------------------------------------------------------------------------


KEYED = with_paths(opts(("rows",), key="id"))


def test_keyed_arrays_ignore_order() -> None:
    a = '{"rows": [{"id": 1, "v": "x"}, {"id": 2, "v": "y"}]}'
    b = '{"rows": [{"id": 2, "v": "y"}, {"id": 1, "v": "x"}]}'
    assert diff(a, b, KEYED) == []


def test_keyed_paths_name_the_key_value() -> None:
    a = '{"rows": [{"id": 7, "price": 1}, {"id": "7", "price": 1}, {"id": 8}]}'
    b = '{"rows": [{"id": "7", "price": 2}, {"id": 7, "price": 3}, {"id": 9}]}'
    assert [(d.path, d.missing) for d in diff(a, b, KEYED)] == [
        (".rows[?id==7].price", ()),
        ('.rows[?id=="7"].price', ()),
        (".rows[?id==8]", ("b",)),
        (".rows[?id==9]", ("a",)),
    ]


def test_keyed_duplicates_match_in_order_of_occurrence() -> None:
    a = '{"rows": [{"id": 1, "n": 1}, {"id": 1, "n": 2}]}'
    b = '{"rows": [{"id": 1, "n": 1}, {"id": 1, "n": 3}, {"id": 1, "n": 4}]}'
    assert [(d.path, d.missing) for d in diff(a, b, KEYED)] == [
        (".rows[?id==1 #2].n", ()),
        (".rows[?id==1 #3]", ("a",)),
    ]


def test_keyed_with_odd_key_name() -> None:
    settings = with_paths(opts(("rows",), key="row id"))
    [d] = diff('{"rows": [{"row id": 1, "v": 1}]}', '{"rows": [{"row id": 1, "v": 2}]}', settings)
    assert d.path == '.rows[?"row id"==1].v'


def test_keyed_falls_back_to_positions_without_the_key_and_says_so() -> None:
    a = '{"rows": [{"id": 1}, {"name": "x"}], "n": 1}'
    b = '{"rows": [{"id": 1}, {"name": "y"}], "n": 2}'
    found = diff(a, b, KEYED)
    assert paths(found) == [".rows[1].name", ".n"]
    assert found[0].note == (
        "`key: id` not used here: element [1] of a has no `id`, so the array is compared "
        "by position"
    )
    assert found[1].note == ""  # outside the array


def test_an_unkeyed_array_names_the_target_and_keeps_other_notes() -> None:
    settings = with_paths(opts(("rows",), key="id", arrays="multiset"))
    a = '{"rows": [{"id": 1}, {"id": 2}], "x": 1}'
    b = '{"rows": [{"id": 1}, 2], "x": 1}'
    found = diff(a, b, settings)
    assert [(d.path, d.note) for d in found] == [
        (
            ".rows[]",
            f"only in {side}; `key: id` not used here: element [1] of b is not an object, "
            "so the array is compared as a multiset",
        )
        for side in ("a", "b")
    ]


def test_keyed_key_values_follow_number_options() -> None:
    settings = with_paths(opts(("rows",), key="id", numbers="value"))
    assert (
        diff('{"rows": [{"id": 1}, {"id": 2}]}', '{"rows": [{"id": 2.0}, {"id": 1e0}]}', settings)
        == []
    )


def test_options_below_a_keyed_array() -> None:
    settings = with_paths(opts(("rows",), key="id"), opts(("rows", None, "p"), numbers="value"))
    a = '{"rows": [{"id": 1, "p": 1, "q": 1}, {"id": 2, "p": 5, "q": 1}]}'
    b = '{"rows": [{"id": 2, "p": 5.0, "q": 1}, {"id": 1, "p": 1.0, "q": 1.0}]}'
    assert paths(diff(a, b, settings)) == [".rows[?id==1].q"]


# --- option resolution ------------------------------------------------------------------------


def test_most_specific_pattern_wins() -> None:
    settings = with_paths(
        opts(("a",), numbers="value"),
        opts(("a", "b"), numbers="literal"),
        opts(("xs", None), numbers="value"),
        opts(("xs", 1), numbers="literal"),
    )
    a = '{"a": {"b": 1, "c": 1}, "xs": [1, 1, 1]}'
    b = '{"a": {"b": 1.0, "c": 1.0}, "xs": [1.0, 1.0, 1.0]}'
    assert paths(diff(a, b, settings)) == [".a.b", ".xs[1]"]


def test_root_pattern_applies_everywhere() -> None:
    settings = with_paths(opts((), numbers="value"))
    assert diff('{"a": [1]}', '{"a": [1.0]}', settings) == []


def test_wildcard_matches_keys_too() -> None:
    settings = with_paths(opts((None, "n"), numbers="value"))
    assert paths(diff('{"x": {"n": 1, "m": 1}}', '{"x": {"n": 1.0, "m": 1.0}}', settings)) == [
        ".x.m"
    ]


def test_global_numbers_overridden_by_a_path() -> None:
    settings = with_paths(opts(("id",), numbers="literal"), numbers="value")
    assert paths(diff('{"id": 1, "v": 1}', '{"id": 1.0, "v": 1.0}', settings)) == [".id"]


# --- N targets ---------------------------------------------------------------------------------


def test_three_targets_merge_by_path_with_every_value() -> None:
    values = {
        "rust": J('{"a": 1, "b": 2}'),
        "go": J('{"a": 1, "b": 3}'),
        "python": J('{"a": 2, "b": 2}'),
    }
    diffs = diff_json(values, EXACT, "body")
    assert [(d.path, d.values) for d in diffs] == [
        (".b", {"rust": Number("2"), "go": Number("3"), "python": Number("2")}),
        (".a", {"rust": Number("1"), "go": Number("1"), "python": Number("2")}),
    ]
    assert all(d.facet == "body" for d in diffs)


def test_three_targets_missing_and_type() -> None:
    values = {"r": J('{"a": {"x": 1}}'), "g": J('{"a": 5}'), "p": J('{"a": {"x": 2}}')}
    diffs = {d.path: d for d in diff_json(values, EXACT, "body")}
    assert diffs[".a"].values == {
        "r": {"x": Number("1")},
        "g": Number("5"),
        "p": {"x": Number("2")},
    }
    assert diffs[".a"].note == "type differs: object vs number"
    assert diffs[".a.x"].values == {"r": Number("1"), "p": Number("2")}
    assert diffs[".a.x"].missing == ("g",)


def test_three_targets_unordered_elements() -> None:
    values = {"r": J("[1, 2]"), "g": J("[2]"), "p": J("[2, 1, 3]")}
    diffs = diff_json(values, SET, "body")
    assert [(d.path, d.values, d.missing, d.note) for d in diffs] == [
        (".[]", {"r": Number("1"), "p": Number("1")}, ("g",), "only in r, p"),
        (".[]", {"p": Number("3")}, ("r", "g"), "only in p"),
    ]


def test_baseline_is_the_reference() -> None:
    values = {"go": J("[1, 9]"), "rust": J("[1, 2]"), "python": J("[1, 2]")}
    diffs = diff_json(values, EXACT, "body", baseline="rust")
    assert [(d.path, d.values) for d in diffs] == [
        (".[1]", {"go": Number("9"), "rust": Number("2"), "python": Number("2")})
    ]
    from_settings = CompareSettings(facets=("body",), baseline="rust")
    assert diff_json(values, from_settings, "body") == diffs


def test_fewer_than_two_targets() -> None:
    assert diff_json({"a": J("1")}, EXACT, "stdout") == []
    assert diff_json({}, EXACT, "stdout") == []


def test_agreement_classes_in_first_seen_order() -> None:
    values = {"rust": J('{"a": 1}'), "python": J('{"a": 1.0}'), "go": J('{"a": 1}')}
    assert agreement_classes(values, EXACT, "body") == [["rust", "go"], ["python"]]
    by_value = CompareSettings(facets=("body",), numbers="value")
    assert agreement_classes(values, by_value, "body") == [["rust", "python", "go"]]


SCORES = {"py": J('{"score": 1.0}'), "node": J('{"score": 1.08}'), "legacy": J('{"score": 1.16}')}
NEAR = with_paths(opts(("score",), tolerance_abs=0.1))


@pytest.mark.parametrize("order", list(itertools.permutations(SCORES)))
def test_tolerance_across_three_targets_does_not_depend_on_their_order(
    order: tuple[str, ...],
) -> None:
    # py~node and node~legacy within 0.1, py vs legacy 0.16 apart: listed node first, every
    # target agreed with the reference (node) and the case MATCHed; in other orders it DIFFed.
    values = {name: SCORES[name] for name in order}
    [d] = diff_json(values, NEAR, "stdout")
    assert (d.path, d.values) == (".score", {name: SCORES[name]["score"] for name in order})
    groups = agreement_classes(values, NEAR, "stdout")
    assert sorted(map(sorted, groups)) == [["legacy"], ["node"], ["py"]]
    # With a baseline, every target is compared with it: node agrees with both.
    assert diff_json(values, replace(NEAR, baseline="node"), "stdout") == []
    assert agreement_classes(values, NEAR, "stdout", baseline="node") == [list(order)]
    [d] = diff_json(values, replace(NEAR, baseline="py"), "stdout")
    assert set(d.values) == set(order)
    by_py = agreement_classes(values, NEAR, "stdout", baseline="py")
    assert sorted(map(sorted, by_py)) == [["legacy"], ["node", "py"]]


def test_tolerance_groups_hold_targets_that_agree_alike() -> None:
    values = {n: J(f'{{"score": {v}}}') for n, v in [("a", 1.0), ("b", 1.0), ("c", 1.05)]}
    assert agreement_classes(values, NEAR, "stdout") == [["a", "b", "c"]]
    values["d"] = J('{"score": 1.5}')
    values["e"] = J('{"score": 1.51}')
    assert agreement_classes(values, NEAR, "stdout") == [["a", "b", "c"], ["d", "e"]]


def test_agreement_classes_with_sets_and_text() -> None:
    values = {"a": J("[1, 2]"), "b": J("[2, 1, 1]"), "c": J("[3]")}
    assert agreement_classes(values, SET, "body") == [["a", "b"], ["c"]]
    assert agreement_classes(values, MULTISET, "body") == [["a"], ["b"], ["c"]]
    texts: dict[str, JSON] = {"a": "x \n", "b": "x\r\n", "c": "y"}
    loose = CompareSettings(
        ("stdout",), text_trailing_whitespace="ignore", text_line_endings="ignore"
    )
    assert agreement_classes(texts, loose, "stdout", text=True) == [["a", "b"], ["c"]]


def test_equal_agrees_with_diff() -> None:
    assert equal(J('{"a": [1, 2]}'), J('{"a": [1, 2]}'), EXACT)
    assert not equal(J('{"a": [1, 2]}'), J('{"a": [2, 1]}'), EXACT)
    assert equal(J('{"a": [1, 2]}'), J('{"a": [2, 1]}'), SET)


def test_non_json_python_values_are_refused() -> None:
    with pytest.raises(TypeError):
        diff_json({"a": {"x": 1}, "b": {"x": Number("1")}}, EXACT, "stdout")


# --- the cap -----------------------------------------------------------------------------------


def test_at_most_max_differences_per_facet() -> None:
    a = jv.from_python(list(range(MAX_DIFFERENCES + 500)))
    b = jv.from_python([-1] * (MAX_DIFFERENCES + 500))
    diffs = diff_json({"a": a, "b": b}, EXACT, "stdout")
    assert len(diffs) == MAX_DIFFERENCES + 1
    assert diffs[-2].path == f".[{MAX_DIFFERENCES - 1}]"
    assert diffs[-1].path == "…"
    assert diffs[-1].note.startswith("500 more differences")


def test_cap_counts_merged_differences_for_three_targets() -> None:
    n = MAX_DIFFERENCES + 10
    values = {
        t: jv.from_python([i * k for i in range(1, n + 1)])
        for t, k in (("a", 1), ("b", 2), ("c", 3))
    }
    diffs = diff_json(values, EXACT, "stdout")
    assert len(diffs) == MAX_DIFFERENCES + 1
    assert diffs[0].values == {"a": Number("1"), "b": Number("2"), "c": Number("3")}
    assert diffs[-1].note.startswith("10 more differences")


def test_a_big_document_with_one_changed_leaf() -> None:
    rows = [{"id": i, "name": f"n{i}", "tags": ["x", i], "score": i / 7} for i in range(20000)]
    a, b = jv.from_python({"rows": rows}), jv.from_python({"rows": rows})
    assert isinstance(b, dict)
    assert diff_json({"a": a, "b": b}, EXACT, "stdout") == []
    b["rows"][12345]["tags"][1] = Number("12345.0")
    assert paths(diff_json({"a": a, "b": b}, EXACT, "stdout")) == [".rows[12345].tags[1]"]
    keyed = with_paths(opts(("rows",), key="id"))
    assert paths(diff_json({"a": a, "b": b}, keyed, "stdout")) == [".rows[?id==12345].tags[1]"]
    assert len(diff_json({"a": a, "b": b}, SET, "stdout")) == 2


def test_deep_nesting_does_not_overflow() -> None:
    depth = 900
    a, b = J("[" * depth + "1" + "]" * depth), J("[" * depth + "2" + "]" * depth)
    assert paths(diff_json({"a": a, "b": b}, EXACT, "stdout")) == ["." + "[0]" * depth]


# --- text --------------------------------------------------------------------------------------


def text_diff(a: str, b: str, **kw: Any) -> list[Difference]:
    return diff_text({"a": a, "b": b}, CompareSettings(("stdout",), **kw), "stdout")


def test_text_lines_are_compared_by_number() -> None:
    diffs = text_diff("one\ntwo\nthree\n", "one\n2\nthree\nfour\n")
    assert [(d.path, d.values, d.missing) for d in diffs] == [
        ("line 2", {"a": "two\n", "b": "2\n"}, ()),
        ("after line 3", {"b": "four\n"}, ("a",)),
    ]


def test_a_byte_that_is_not_utf8_is_named_as_a_byte() -> None:
    # Text decoded with surrogateescape keeps byte 0xFF as U+DCFF: a byte, shown as \xff,
    # was named "U+DCFF, a lone surrogate".
    ff, fe, e9 = (bytes([n]).decode("utf-8", "surrogateescape") for n in (0xFF, 0xFE, 0xE9))
    [d] = text_diff(f"{ff}\0ok\n", f"{fe}\0ok\n")
    assert d.note == "character 1 differs: byte 0xFF vs byte 0xFE"
    [d] = text_diff(f"caf{e9}\n", "caf\u00e9\n")  # Latin-1 against UTF-8
    assert d.note == "character 4 differs: byte 0xE9 vs U+00E9 LATIN SMALL LETTER E WITH ACUTE"
    # In a JSON string, U+DCFF is a `\udcff` escape: a lone surrogate, no byte.
    [d] = diff('{"s": "\\udcff"}', '{"s": "\\udcfe"}')
    assert d.note == "character 1 differs: U+DCFF, a lone surrogate vs U+DCFE, a lone surrogate"


LINES = "".join(f"{n}\n" for n in range(1, 11))


def test_an_inserted_line_does_not_shift_the_lines_after_it() -> None:
    diffs = text_diff(LINES, LINES.replace("5\n", "5\nnew\n"))
    assert [(d.path, d.values, d.missing, d.note) for d in diffs] == [
        ("after line 5", {"b": "new\n"}, ("a",), "1 line only in b")
    ]


def test_a_deleted_line_and_a_change_after_it() -> None:
    diffs = text_diff(LINES, LINES.replace("3\n", "").replace("8\n", "eight\n"))
    assert [(d.path, d.values, d.missing, d.note) for d in diffs] == [
        ("line 3", {"a": "3\n"}, ("b",), ""),
        ("line 8", {"a": "8\n", "b": "eight\n"}, (), "b: line 7"),
    ]


def test_lines_only_some_targets_have_are_one_difference() -> None:
    values = {
        "a": LINES,
        "b": LINES.replace("2\n", "2\nx\ny\n"),
        "c": LINES.replace("2\n", "2\nz\n"),
    }
    diffs = diff_text(values, EXACT, "stdout")
    assert [(d.path, d.values, d.missing, d.note) for d in diffs] == [
        ("after line 2", {"b": "x\ny\n", "c": "z\n"}, ("a",), "lines only in b, c")
    ]


@pytest.mark.parametrize("line", ["y\n", "caf\u00e9\n", "y\r\n"])
def test_a_line_one_target_lacks_gets_no_note_when_the_others_agree(line: str) -> None:
    values = {"a": f"x\n{line}z\n", "b": f"x\n{line}z\n", "c": "x\nz\n"}
    [d] = diff_text(values, EXACT, "stdout")
    assert (d.path, d.missing, d.note) == ("line 2", ("c",), "")


def test_texts_too_long_to_align_pair_lines_by_position(monkeypatch: pytest.MonkeyPatch) -> None:
    # The common head and tail are always paired; the middle (6..10 vs new, 6..9, ten) is
    # too large for difflib at this limit, so it pairs by position.
    monkeypatch.setattr(compare, "ALIGN_LIMIT", 10)
    diffs = text_diff(LINES, LINES.replace("5\n", "5\nnew\n").replace("10\n", "ten\n"))
    assert [d.path for d in diffs] == [f"line {n}" for n in range(6, 11)] + ["after line 10"]


def test_text_trailing_whitespace() -> None:
    [d] = text_diff("a \t\nb\n", "a\nb\n")
    assert (d.path, d.note) == ("line 1", "trailing whitespace differs")
    assert text_diff("a \t\nb\n", "a\nb\n", text_trailing_whitespace="ignore") == []
    assert text_diff(" a\n", "a\n", text_trailing_whitespace="ignore") != []


def test_text_line_endings() -> None:
    [d] = text_diff("a\r\nb\r\n", "a\r\nb\n")
    assert (d.path, d.note) == ("line 2", "line ending differs")
    assert paths(text_diff("a\nb", "a\nb\n")) == ["line 2"]
    assert text_diff("a\r\nb\r\n", "a\nb\n", text_line_endings="ignore") == []
    assert text_diff("a\nb\n", "a\nb\n\n", text_line_endings="ignore") != []


def test_ignored_line_endings_still_see_a_missing_final_newline() -> None:
    # `ignore` makes CRLF and LF alike, nothing more: a text without its final newline is not
    # the same text (wc -l counts one line less), whatever its other line endings.
    [d] = text_diff("a\nb\n", "a\r\nb", text_line_endings="ignore")
    assert (d.path, d.note) == ("line 2", "no newline at the end of the text in some targets")
    assert not text_equal("a\n", "a", CompareSettings(("stdout",), text_line_endings="ignore"))


def test_a_lone_carriage_return_is_text_not_a_line_ending() -> None:
    # Only \n ends a line: `a\r` is a line holding a CR, so it differs under `ignore` too, and
    # the note must not call it a line ending (the very thing the spec said to ignore).
    for options in ({}, {"text_line_endings": "ignore"}):
        [d] = text_diff("a\r", "a", **options)
        assert d.note == "carriage return (\\r) not followed by \\n differs: only \\n ends a line"
    assert text_diff("a\r\r\n", "a\r\n", text_line_endings="ignore") != []


def test_text_is_exact_by_code_point() -> None:
    [d] = text_diff("caf\u00e9\n", "cafe\u0301\n")
    assert "NFC" in d.note


def test_text_shows_at_most_50_lines_per_pair() -> None:
    a = "".join(f"{i}\n" for i in range(200))
    diffs = text_diff(a, a.replace("\n", "!\n"))
    assert len(diffs) == MAX_TEXT_LINES + 1
    assert diffs[-1].note == "150 more differing lines between a and b"


def test_text_three_targets() -> None:
    values = {"a": "x\ny\n", "b": "x\nz\n", "c": "x\n"}
    diffs = diff_text(values, EXACT, "stderr")
    assert [(d.path, d.values, d.missing) for d in diffs] == [
        ("line 2", {"a": "y\n", "b": "z\n"}, ("c",))
    ]


def test_text_equal() -> None:
    loose = CompareSettings(
        ("stdout",), text_trailing_whitespace="ignore", text_line_endings="ignore"
    )
    assert text_equal("a  \r\nb\r\n", "a\nb\n", loose)
    assert not text_equal("a  \r\nb\r\n", "a\nb\n", EXACT)
    assert equal("a\r\n", "a\n", loose, text=True)
    assert not equal("a\n", "a", loose, text=True)


# --- properties --------------------------------------------------------------------------------

NUMBER_LITERAL = st.from_regex(
    r"-?(0|[1-9][0-9]{0,22})(\.[0-9]{1,4})?([eE][+-]?[0-9]{1,2})?", fullmatch=True
)
SCALARS = st.none() | st.booleans() | NUMBER_LITERAL.map(Number) | st.text(max_size=6)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=25,
)


def reorder(value: JSON, rng: random.Random) -> JSON:
    """The same value with every object's keys in another order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: reorder(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [reorder(v, rng) for v in value]
    return value


def ascii_escaped(text: str) -> str:
    """Like json.dumps(ensure_ascii=True): every non-ASCII character as \\uXXXX escapes."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code > 0xFFFF:
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return re.sub(r"[^\x00-\x7f]", escape, text)


@given(JSON_VALUES, st.randoms(use_true_random=False), st.sampled_from([None, 1, 4]))
@settings(max_examples=150, deadline=None)
def test_reencoding_makes_no_difference(
    value: JSON, rng: random.Random, indent: int | None
) -> None:
    text = ascii_escaped(jv.dumps(reorder(value, rng), indent=indent, sort_keys=False))
    assert text.isascii()
    again = jv.loads(text)
    assert diff_json({"a": value, "b": again}, EXACT, "stdout") == []
    assert equal(value, again, EXACT)


REPLACEMENTS: list[JSON] = [None, True, Number("12345678901234567890"), Number("1.0"), "ꙮ", [], {}]


@given(JSON_VALUES, st.data())
@settings(max_examples=200, deadline=None)
def test_a_changed_leaf_is_found_at_its_path_and_nowhere_else(
    value: JSON, data: st.DataObject
) -> None:
    leaves = list(jv.iter_leaves(value))
    path, old = data.draw(st.sampled_from(leaves))
    new = data.draw(
        st.sampled_from([r for r in REPLACEMENTS if jv.canonical(r) != jv.canonical(old)])
    )
    changed = jv.loads(jv.dumps(value))
    if path:
        parent: Any = changed
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = new
    else:
        changed = new
    diffs = diff_json({"a": value, "b": changed}, EXACT, "stdout")
    assert [(d.path, d.values, d.missing) for d in diffs] == [
        (jv.format_path(path), {"a": old, "b": new}, ())
    ]
    assert not equal(value, changed, EXACT)


@given(st.lists(JSON_VALUES, max_size=8), st.randoms(use_true_random=False))
@settings(max_examples=100, deadline=None)
def test_shuffled_arrays_are_equal_as_multisets(items: list[JSON], rng: random.Random) -> None:
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert diff_json({"a": items, "b": shuffled}, MULTISET, "stdout") == []
    assert diff_json({"a": items, "b": shuffled + shuffled}, SET, "stdout") == []


def test_a_long_inserted_block_shows_at_most_50_lines() -> None:
    diffs = text_diff("a\nb\nc\n", "a\nb\nc\n" + "".join(f"x{n}\n" for n in range(120)))
    block, summary = diffs
    assert (block.path, block.missing) == ("after line 3", ("a",))
    assert block.values["b"] == "".join(f"x{n}\n" for n in range(MAX_TEXT_LINES))
    assert block.note == "120 lines (first 50 shown) only in b"
    assert summary.note == "70 more differing lines between a and b"


def test_the_summary_counts_the_lines_not_shown() -> None:
    base = "".join(f"{n}\n" for n in range(10))
    thirty = "".join(f"new{n}!\n" for n in range(30))
    other = base.replace("2\n", "2\n" + thirty).replace("7\n", "7\n" + thirty)
    first, second, summary = text_diff(base, other)
    assert first.note == "30 lines only in b"
    assert second.note == "30 lines (first 20 shown) only in b"
    assert summary.note == "10 more differing lines between a and b"
    # A line another pair shows is not hidden: every differing line of a-b is shown here.
    values = {"a": base, "b": base.replace("9\n", "nine\n"), "c": base.replace("9\n", "NINE\n")}
    assert [d.path for d in diff_text(values, EXACT, "stdout")] == ["line 10"]


def test_a_line_note_describes_the_lines_as_compared() -> None:
    [d] = text_diff("x  \r\n", "x\n", text_trailing_whitespace="ignore")
    assert d.note == "line ending differs"
