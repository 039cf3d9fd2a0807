"""Per-path statistics across cases, from a real run of real noisy helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.results.pathstats import index_free, overlaps, path_stats
from yamlparity.results.records import CaseResult, Difference
from yamlparity.run.engine import run_spec
from yamlparity.spec.load import load_spec

HELPER = str(PROGRAMS / "noisy_helper.py")


@pytest.mark.parametrize(
    ("path", "free"),
    [
        (".attempts[0].span_id", ".attempts[].span_id"),
        (".a[12][3]", ".a[][]"),
        ('.["x[1]"][2]', '.["x[1]"][]'),
        (".rows[?id==7].v", ".rows[].v"),
        ('.rows[?id=="a]b" #2].v', ".rows[].v"),
        (".", "."),
        ("line 3", "line 3"),
    ],
)
def test_index_free(path: str, free: str) -> None:
    assert index_free(path) == free


def test_overlaps_is_about_whole_steps() -> None:
    assert overlaps(".a", ".a[].b") and overlaps(".a.b", ".a")
    assert not overlaps(".a", ".ab") and not overlaps(".a.b", ".a.c")


def test_paths_are_counted_once_per_case_with_targets_and_samples(tmp_path: Path) -> None:
    a = json.dumps([HELPER_PY, HELPER, "--flavor", "a"])
    b = json.dumps([HELPER_PY, HELPER, "--flavor", "b"])
    cases = "\n".join(f"  - {{name: c{i}, input: {{user: {i}}}}}" for i in range(7))
    path = tmp_path / "spec.yaml"
    path.write_text(
        f"name: ps\ntargets:\n  a: {{run: {a}}}\n  b: {{run: {b}}}\n"
        'normalize: ["del(.request_id, .at, .trace, .span, .links)"]\n'
        f"cases:\n{cases}\n"
    )
    result = run_spec(load_spec(path))
    stats = {(s.facet, s.path): s for s in result.path_stats()}
    assert set(stats) == {("stdout", ".record.id")}
    stat = stats["stdout", ".record.id"]
    assert stat.cases == 7 and stat.targets == ["a", "b"]
    assert stat.samples == ["c0", "c1", "c2", "c3", "c4"]  # at most five
    assert result.to_dict()["path_stats"][0]["cases"] == 7
    assert result.tier_tally() == {"identical": 0, "canonical": 0, "normalized": 0}


def test_text_paths_are_listed_in_the_order_the_lines_are_read() -> None:
    """`line 2` before `line 10`, `after line 10` between `line 10` and `line 11`; JSON paths
    of another facet keep most-frequent-first, ahead of the text lines."""
    names = ["line 1", "after line 15", "line 10", "line 2", "line 11", "after line 10", "…"]
    cases = [
        CaseResult(
            f"c{i}",
            "DIFF",
            {},
            differences=[
                Difference("stdout", path, {"a": "x", "b": "y"}) for path in names[: i + 1]
            ]
            + [Difference("body", ".a", {"a": "x", "b": "y"})] * (i % 2),
        )
        for i in range(len(names))
    ]
    order = [(s.facet, s.path) for s in path_stats(cases)]
    assert order == [("body", ".a")] + [
        ("stdout", p)
        for p in ["line 1", "line 2", "line 10", "after line 10", "line 11", "after line 15", "…"]
    ]
