"""`-v` values: long ones are cut around the first difference, short ones left whole."""

from __future__ import annotations

from yamlparity.cli.divergences import LEAD, VALUE_WIDTH, common_prefix, cut_around


def test_short_values_are_whole() -> None:
    values = {"a": '"x"', "b": "(missing)"}
    assert cut_around(values) == values


def test_long_values_are_cut_at_the_same_place_around_the_difference() -> None:
    blob = "QUJD" * 1000
    a, b = f'"{blob}X{blob}"', f'"{blob}Y{blob}"'
    cut = cut_around({"a": a, "b": b, "c": "(missing)"})
    assert cut["c"] == "(missing)"
    start = len(blob) + 1 - LEAD
    assert cut["a"] == f"…{a[start : start + VALUE_WIDTH]}… ({len(a)} chars)"
    assert cut["b"] == f"…{b[start : start + VALUE_WIDTH]}… ({len(b)} chars)"
    assert "X" in cut["a"] and "Y" in cut["b"]  # the differing character is shown


def test_a_difference_at_the_start_or_end_keeps_its_edge() -> None:
    a, b = "A" + "z" * 500, "B" + "z" * 500
    assert cut_around({"a": a, "b": b})["a"].startswith("Az")  # nothing before: no leading …
    tail_a, tail_b = "z" * 500 + "1", "z" * 500 + "2"
    cut = cut_around({"a": tail_a, "b": tail_b})
    assert cut["a"].endswith("z1 (501 chars)") and cut["a"].startswith("…")


def test_common_prefix() -> None:
    assert common_prefix(["abcd", "abxd", "ab"]) == 2
    assert common_prefix(["same", "same"]) == 4
    assert common_prefix([]) == 0
