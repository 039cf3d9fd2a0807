"""Putting a spec's results together from parts, and checking a set of shards before that."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from yamlparity.core.errors import UsageError
from yamlparity.core.jsonvalue import Number, RawJson
from yamlparity.results import manifest, shardset
from yamlparity.results.history import read_history
from yamlparity.results.merge import Missing, Part, combine, raw_facets, restore_raw
from yamlparity.results.records import (
    CaseResult,
    CaseResults,
    SpecResult,
    TargetInfo,
    TargetOutcome,
)

TARGETS = ("a", "b")


def case(name: str, verdict: str = "MATCH", **extra: Any) -> CaseResult:
    outcomes = {t: TargetOutcome(target=t, duration=0.5) for t in TARGETS}
    return CaseResult(
        name=name,
        verdict=verdict,  # type: ignore[arg-type]
        outcomes=outcomes,
        facet_match={"stdout": verdict == "MATCH"},
        groups=[list(TARGETS)],
        duration=0.5,
        **extra,
    )


def result(cases: list[CaseResult], **extra: Any) -> SpecResult:
    return SpecResult(
        name="s",
        title="S",
        description="",
        file="s.yaml",
        kind="command",
        targets=[TargetInfo(t, "command", f"./{t}") for t in TARGETS],
        cases=cases,
        started=extra.pop("started", "2025-01-01T00:00:05Z"),
        finished=extra.pop("finished", "2025-01-01T00:00:09Z"),
        facets=("stdout",),
        **extra,
    )


HEAD = result([], started="", finished="")


def test_parts_come_back_in_spec_order_with_matches_stored_compactly() -> None:
    one = result([case("c0"), case("c3", "DIFF")], started="2025-01-01T00:00:02Z")
    two = result([case("c1"), case("c2")], finished="2025-01-01T00:00:30Z")
    whole = combine(HEAD, [Part(one, [0, 3]), Part(two, [1, 2])])
    assert [c.name for c in whole.cases] == ["c0", "c1", "c2", "c3"]
    assert isinstance(whole.cases, CaseResults) and len(whole.cases.full) == 1
    assert whole.cases[3] == case("c3", "DIFF")
    assert (whole.started, whole.finished) == ("2025-01-01T00:00:02Z", "2025-01-01T00:00:30Z")
    assert whole.tally()["MATCH"] == 3 and not whole.interrupted


def test_a_target_unavailable_in_one_part_is_shown_unavailable() -> None:
    down = result([case("c1", "ERROR")])
    down.targets[1] = TargetInfo("b", "command", "./b", unavailable="not installed")
    whole = combine(HEAD, [Part(result([case("c0")]), [0]), Part(down, [1])])
    assert [t.unavailable for t in whole.targets] == [None, "not installed"]


def test_missing_cases_are_errors_that_say_why() -> None:
    whole = combine(
        HEAD,
        [Part(result([case("c0")]), [0])],
        missing=[Missing(1, "c1", "not run: shard 2/2 stopped before this case")],
        interrupted=False,
    )
    gone = whole.cases[1]
    assert (gone.name, gone.verdict, gone.reason) == (
        "c1",
        "ERROR",
        "not run: shard 2/2 stopped before this case",
    )
    assert list(gone.outcomes) == list(TARGETS) and whole.failing


def test_no_part_with_cases_keeps_the_declared_head() -> None:
    declared = replace(HEAD, targets=[TargetInfo("a", "command", "declared a")])
    whole = combine(declared, [Part(result([]), [])])
    assert len(whole.cases) == 0 and [t.description for t in whole.targets] == ["declared a"]


def test_a_case_held_twice_is_refused() -> None:
    with pytest.raises(UsageError, match="is in shard 1/2 and in shard 2/2"):
        combine(
            HEAD,
            [
                Part(result([case("c0")]), [0], "shard 1/2"),
                Part(result([case("c0")]), [0], "shard 2/2"),
            ],
        )


def test_positions_must_match_the_cases() -> None:
    with pytest.raises(UsageError, match="2 case results but 1 case positions"):
        combine(HEAD, [Part(result([case("c0"), case("c1")]), [0])])


def test_outputs_shown_as_they_arrived_survive_a_file() -> None:
    text = '{"items": [1,   2.0]}'
    diff = case("big", "DIFF")
    diff.outcomes["a"].facets = {"stdout": RawJson(text)}
    diff.outcomes["b"].facets = {"stdout": {"items": [Number("1")]}}
    saved = raw_facets(result([diff, case("small")]))
    assert saved == {"big": {"a": {"stdout": text}}}
    again = case("big", "DIFF")
    again.outcomes["a"].facets = {"stdout": {"items": [Number("1"), Number("2.0")]}}
    restore_raw(result([again]), json.loads(json.dumps(saved)))
    assert again.outcomes["a"].facets["stdout"] == RawJson(text)


# ---------------------------------------------------------------- the set of shards


def shard(index: int, total: int = 3, **extra: Any) -> tuple[Path, manifest.Manifest]:
    entry = manifest.SpecEntry(
        name="s",
        title="S",
        description="",
        file="s.yaml",
        kind="command",
        facets=["stdout"],
        targets=[TargetInfo("a", "command", "./a")],
        spec_hash=extra.pop("spec_hash", "sha256:" + "0" * 64),
        total=6,
        selected=6,
        selected_sha256=extra.pop("selected_sha256", None),
    )
    data = manifest.Manifest(
        index=index,
        total=total,
        split=extra.pop("split", "hash"),
        selection=extra.pop("selection", []),
        skip_empty=False,
        generator="yamlparity 1",
        started="2025-01-01T00:00:00Z",
        specs=[entry],
        **extra,
    )
    return Path(f"shards/{index}/{manifest.NAME}"), data


def test_a_whole_set_is_sorted_by_shard() -> None:
    checked = shardset.check([shard(3), shard(1), shard(2)])
    assert [m.index for _, m in checked.shards] == [1, 2, 3]


@pytest.mark.parametrize(
    ("shards", "message"),
    [
        ([shard(1), shard(3)], "shard 2 of 3 missing (2 of 3 given)"),
        ([shard(1)], "shards 2, 3 of 3 missing (1 of 3 given)"),
        ([shard(1), shard(2), shard(2), shard(3)], "shard 2/3 is given twice"),
        ([shard(1), shard(2, total=2)], "shards of different splits cannot be merged"),
        (
            [shard(1), shard(2, split="durations sha256:1"), shard(3)],
            "were run with a different split",
        ),
        (
            [shard(1), shard(2, spec_hash="sha256:" + "1" * 64), shard(3)],
            "spec s differs between shards: shard 1/3 ran version sha256:000000000000",
        ),
    ],
)
def test_sets_that_are_not_one_split_are_refused(
    shards: list[tuple[Path, manifest.Manifest]], message: str
) -> None:
    with pytest.raises(UsageError) as info:
        shardset.check(shards)
    assert message in str(info.value)


def test_shards_compare_the_cases_selected_not_how_the_options_were_spelled() -> None:
    """`--last-failed out` and `--last-failed /ci/out` select the same cases; manifests that
    do not say which (earlier versions) are compared by their spelling, as before."""
    same = {"selected_sha256": "sha256:1"}
    spelled = [
        shard(1, **same, selection=["last failed in out"]),
        shard(2, **same, selection=["last failed in /ci/out"]),
        shard(3, **same, selection=["last failed in ./out"]),
    ]
    assert len(shardset.check(spelled).shards) == 3
    other = [shard(1, **same), shard(2, selected_sha256="sha256:2"), shard(3, **same)]
    with pytest.raises(UsageError, match="spec s: shard 1/3 and shard 2/3 selected different"):
        shardset.check(other)
    old = [shard(1, selection=["last failed in out"]), shard(2, selection=["x"]), shard(3)]
    with pytest.raises(UsageError, match="were run with a different selection"):
        shardset.check(old)


def test_manifests_round_trip_and_are_checked_exactly(tmp_path: Path) -> None:
    _, data = shard(1)
    data.specs[0].positions, data.specs[0].names = [0, 4], ["c0", "c4"]
    path = tmp_path / manifest.NAME
    path.write_text(data.to_json())
    assert manifest.read(path) == data
    raw = json.loads(data.to_json())
    raw["index"] = True  # a boolean is not a shard number
    path.write_text(json.dumps(raw))
    with pytest.raises(UsageError, match=r"Manifest\.index: true"):
        manifest.read(path)
    raw["index"], raw["schema_version"] = 1, 2
    path.write_text(json.dumps(raw))
    with pytest.raises(UsageError, match="schema_version 2 is not supported"):
        manifest.read(path)


# ---------------------------------------------------------------- earlier results


def _results_file(path: Path, cases: list[dict[str, Any]], version: Any = 1) -> Path:
    data = {"schema_version": version, "generator": "yamlparity 1", "name": "s", "cases": cases}
    path.write_text(json.dumps(data))
    return path


def test_history_reads_failures_and_durations(tmp_path: Path) -> None:
    _results_file(
        tmp_path / "s.json",
        [
            {"name": "ok", "verdict": "MATCH", "duration": 0.25},
            {"name": "d", "verdict": "DIFF", "duration": 1},
            {"name": "e", "verdict": "ERROR", "duration": True},  # not a duration
            {"name": "f", "verdict": "FIXED", "duration": 0.5},
        ],
    )
    (tmp_path / "other.json").write_text('{"not": "results"}')  # skipped in a folder
    history = read_history([tmp_path])
    # FIXED fails a run too (exit 1): --last-failed runs it again.
    assert history.failed("s") == {"d", "e", "f"} and history.failed("unknown") == frozenset()
    assert history.durations == {"s": {"ok": 0.25, "d": 1.0, "f": 0.5}}
    assert history.durations_digest() == read_history([tmp_path / "s.json"]).durations_digest()


@pytest.mark.parametrize("version", [2, True, "1", 1.0])
def test_history_refuses_other_schema_versions(tmp_path: Path, version: Any) -> None:
    path = _results_file(tmp_path / "s.json", [], version)
    with pytest.raises(UsageError, match="is not supported"):
        read_history([path])


def test_history_of_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no results file in"):
        read_history([tmp_path])
    with pytest.raises(UsageError, match="no such file or folder"):
        read_history([tmp_path / "absent.json"])
