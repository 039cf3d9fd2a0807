"""Which cases a run holds (-k, --last-failed, --shard, --durations) and how a selection runs
(--failed-first in two phases, a spec without cases starting nothing). No process is started:
the runner is a stand-in that answers MATCH for whatever it is asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from yamlparity.results.history import History
from yamlparity.results.records import CaseResult, CaseResults, SpecResult, TargetOutcome
from yamlparity.run.engine import RunOptions
from yamlparity.run.selection import Criteria, SpecSelection, describe, execute, select
from yamlparity.run.shard import Shard
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec

NAMES = [f"case_{i:02d}" for i in range(30)]


@pytest.fixture
def specs(tmp_path: Path) -> list[Spec]:
    loaded = []
    for spec in ("alpha", "beta"):
        rows = "".join(f"  - {{name: {name}, input: {i}}}\n" for i, name in enumerate(NAMES))
        path = tmp_path / f"{spec}.yaml"
        targets = (
            "  a: {run: [never-started, a]}\n  b: {run: [never-started, b]}\n"
            if spec == "alpha"
            else '  a: {url: "http://127.0.0.1:${port}", port: auto, service: {run: [never]}}\n'
            '  b: {url: "http://127.0.0.1:9"}\n'
        )
        path.write_text(f"name: {spec}\ntargets:\n{targets}cases:\n{rows}")
        loaded.append(load_spec(path, {}))
    return loaded


def history(
    failed: dict[str, list[str]], seconds: dict[str, dict[str, float]] | None = None
) -> History:
    verdicts = {spec: {name: "DIFF" for name in names} for spec, names in failed.items()}
    return History(verdicts=verdicts, durations=seconds or {})


def test_every_case_lands_in_exactly_one_shard(specs: list[Spec]) -> None:
    seen: dict[str, list[str]] = {"alpha": [], "beta": []}
    for k in range(1, 5):
        for chosen in select(specs, Criteria(shard=Shard(k, 4))):
            seen[chosen.spec.name] += chosen.names
            assert chosen.selected == 30
            assert chosen.description == describe([f"shard {k}/4"], chosen.count, 30)
            assert list(chosen.positions) == sorted(chosen.positions)
    assert {name: sorted(found) for name, found in seen.items()} == {"alpha": NAMES, "beta": NAMES}


def test_filters_apply_before_the_split_and_are_described(specs: list[Spec]) -> None:
    failed = history({"alpha": ["case_01", "case_02", "case_11", "gone"]})
    criteria = Criteria(keyword="case_0", last_failed=failed, last_failed_from="reports")
    alpha, beta = select(specs, criteria)
    assert alpha.names == ["case_01", "case_02"] and list(alpha.positions) == [1, 2]
    assert alpha.description == "-k case_0, last failed in reports: 2 of 30 cases"
    assert beta.count == 0 and beta.selected == 0
    split = [select(specs, Criteria(keyword="case_0", shard=Shard(k, 3)))[0] for k in (1, 2, 3)]
    assert sorted(n for s in split for n in s.names) == [f"case_0{i}" for i in range(10)]
    assert all(s.selected == 10 for s in split)


def test_a_split_by_durations_uses_the_measured_times(specs: list[Spec]) -> None:
    quick = {name: 0.1 for name in NAMES[1:]}
    seconds = {"alpha": {"case_00": 10.0, **quick}, "beta": {"case_00": 10.0, **quick}}
    durations = history({}, seconds)
    shards = [select(specs, Criteria(shard=Shard(k, 2), durations=durations)) for k in (1, 2)]
    # The two long cases go to different shards; the 58 others fill in evenly.
    long_in = [
        k
        for k, (alpha, beta) in enumerate(shards, 1)
        for s in (alpha, beta)
        if "case_00" in s.names
    ]
    assert sorted(long_in) == [1, 2]
    assert Criteria(shard=Shard(1, 2), durations=durations).split.startswith("durations sha256:")
    assert Criteria(shard=Shard(1, 2)).split == "hash"


class Runner:
    """run_spec's stand-in: the selected cases (in spec order), all MATCH; records each call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, spec: Spec, options: RunOptions, listener: Any = None) -> SpecResult:
        names = [n for n in spec.cases.names() if options.select is None or options.select(n)]
        self.calls.append(names)
        store = CaseResults(tuple(spec.targets), spec.compare.facets)
        for name in names:
            outcomes = {t: TargetOutcome(target=t) for t in spec.targets}
            store.append(CaseResult(name, "MATCH", outcomes, groups=[list(spec.targets)]))
        store.finish()
        return SpecResult(
            spec.name, spec.title, "", str(spec.file), spec.kind, [], store, "t0", "t1"
        )


def chosen(spec: Spec, names: list[str], first: list[str] = ()) -> SpecSelection:  # type: ignore[assignment]
    from array import array

    positions = array("Q", (NAMES.index(n) for n in names))
    return SpecSelection(spec, positions, names, len(names), "", frozenset(first))


def test_failed_first_runs_two_phases_and_reports_in_spec_order(specs: list[Spec]) -> None:
    runner = Runner()
    heard: list[tuple[int, int]] = []
    result = execute(
        chosen(specs[0], NAMES[:6], first=["case_04", "case_01", "case_99"]),
        RunOptions(),
        on_first=lambda early, rest: heard.append((len(early.cases), rest)),
        runner=runner,
    )
    assert runner.calls == [["case_01", "case_04"], ["case_00", "case_02", "case_03", "case_05"]]
    assert heard == [(2, 4)]
    assert [c.name for c in result.cases] == NAMES[:6] and not result.interrupted


def test_a_stop_after_the_first_phase_skips_the_rest(specs: list[Spec]) -> None:
    runner = Runner()
    options = RunOptions()
    options.stop.set()
    result = execute(chosen(specs[0], NAMES[:6], first=["case_04"]), options, runner=runner)
    assert runner.calls == [["case_04"]] and result.interrupted
    assert [c.name for c in result.cases] == ["case_04"]


def test_a_selection_without_cases_starts_nothing(specs: list[Spec]) -> None:
    runner = Runner()
    result = execute(chosen(specs[1], []), RunOptions(), runner=runner)
    assert runner.calls == [] and len(result.cases) == 0
    assert [(t.name, t.description) for t in result.targets] == [
        ("a", "http://127.0.0.1:${port}"),
        ("b", "http://127.0.0.1:9"),
    ]
