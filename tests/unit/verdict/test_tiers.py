"""Verdict tiers and per-path comparison options (compare.paths), through real runs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.support.paths import HELPER_PY
from yamlparity.results.records import CaseResult
from yamlparity.run.engine import run_spec
from yamlparity.spec.load import load_spec

PRINT = "import sys; sys.stdout.write(sys.argv[1])"


def run_one(folder: Path, a_out: str, b_out: str, extra: str = "") -> CaseResult:
    """Two real helpers printing fixed outputs; one case."""
    a = json.dumps([HELPER_PY, "-c", PRINT, a_out])
    b = json.dumps([HELPER_PY, "-c", PRINT, b_out])
    path = folder / "spec.yaml"
    path.write_text(
        f"name: tiers\ntargets:\n  a: {{run: {a}}}\n  b: {{run: {b}}}\n"
        + textwrap.dedent(extra)
        + "\ncases: [{name: c, input: 1}]\n"
    )
    result = run_spec(load_spec(path))
    return result.cases[0]


def test_byte_equal_outputs_are_identical(tmp_path: Path) -> None:
    case = run_one(tmp_path, '{"a": 1, "b": "é"}', '{"a": 1, "b": "é"}')
    assert (case.verdict, case.tier) == ("MATCH", "identical")


@pytest.mark.parametrize(
    "other",
    ['{"b": "é", "a": 1}', '{"a":1,"b":"\\u00e9"}', '{\n  "a": 1,\n  "b": "é"\n}'],
    ids=["key order", "escapes", "whitespace"],
)
def test_equal_once_parsed_is_canonical(tmp_path: Path, other: str) -> None:
    case = run_one(tmp_path, '{"a": 1, "b": "é"}', other)
    assert (case.verdict, case.tier) == ("MATCH", "canonical")


def test_equal_only_after_rules_is_normalized(tmp_path: Path) -> None:
    case = run_one(tmp_path, '{"a": 1, "ts": 5}', '{"a": 1, "ts": 6}', "normalize: [del(.ts)]")
    assert (case.verdict, case.tier) == ("MATCH", "normalized")


def test_a_difference_has_no_tier(tmp_path: Path) -> None:
    case = run_one(tmp_path, '{"a": 1}', '{"a": 1.0}')
    assert (case.verdict, case.tier) == ("DIFF", None)


COMPARE = """
compare:
  paths:
    .items: {arrays: multiset}
    .tags: {arrays: set}
    .rows: {key: id}
    .price: {tolerance: {abs: 0.01}}
"""
BASE = {"items": [1, 2, 2], "tags": ["x", "y"], "rows": [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]}


def doc(**changes: object) -> str:
    return json.dumps({**BASE, "price": 1.00, **changes})


@pytest.mark.parametrize(
    ("other", "verdict", "path"),
    [
        (doc(items=[2, 1, 2]), "MATCH", None),  # order ignored
        (doc(items=[1, 1, 2]), "DIFF", ".items"),  # but counts are not
        (doc(tags=["y", "x", "x"]), "MATCH", None),  # set: duplicates ignored too
        (doc(tags=["y", "z"]), "DIFF", ".tags"),
        (doc(rows=[{"id": 2, "v": "b"}, {"id": 1, "v": "a"}]), "MATCH", None),
        (doc(rows=[{"id": 2, "v": "B"}, {"id": 1, "v": "a"}]), "DIFF", ".rows"),
        (doc(price=1.005), "MATCH", None),  # within abs 0.01
        (doc(price=1.02), "DIFF", ".price"),
    ],
    ids=[
        "multiset-order",
        "multiset-count",
        "set-dupes",
        "set-member",
        "keyed-order",
        "keyed-value",
        "tol-in",
        "tol-out",
    ],
)
def test_compare_paths_end_to_end(
    tmp_path: Path, other: str, verdict: str, path: str | None
) -> None:
    case = run_one(tmp_path, doc(), other, COMPARE)
    assert case.verdict == verdict
    if path is None:
        assert case.tier == "normalized"  # equal only thanks to the comparison options
    else:
        assert any(d.path.startswith(path) for d in case.differences), case.differences
