"""`-v` values: long ones are cut around the first difference, short ones left whole."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY
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


def test_verbose_says_when_two_literals_are_one_value(tmp_path: Path) -> None:
    """`-v` words a difference as the JUnit failure text and pytest do."""
    (tmp_path / "a.py").write_text('print(\'{"v": 2.0, "w": 1}\')\n')
    (tmp_path / "b.py").write_text('print(\'{"v": 2, "w": 3}\')\n')
    spec = (
        f"name: t\ntargets:\n  a: {{run: [{HELPER_PY}, a.py]}}\n  b: {{run: [{HELPER_PY}, b.py]}}\n"
    )
    (tmp_path / "t.yaml").write_text(spec + "cases: [{name: c, input: 1}]\n")
    lines = run_cli("run", "t.yaml", "-v", cwd=tmp_path).stdout.splitlines()
    assert "    stdout .v: a=2.0  b=2  (same value, different literal)" in lines
    assert "    stdout .w: a=1  b=3" in lines  # no note where the values differ
