"""The plugin's spec runs without pytest around them: targets started once per spec, only the
selected cases sent, results handed over in any order, parts merged back into spec order."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.support.specs import TWO_TARGETS, spec_with_cases
from yamlparity.pytest_plugin.runner import SpecRun, merge
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec, Target
from yamlparity.targets.base import Invocation, Pending, RawObservation, TargetUnavailable


def make_spec(tmp_path: Path, count: int) -> Spec:
    return spec_with_cases(tmp_path, count, "runs")


class Echo:
    """An in-process target that counts its starts and closes and notes every case it got;
    target b answers one more on `drift_on`."""

    def __init__(self, target: Target, log: Log, problem: TargetUnavailable | None) -> None:
        self.name = target.name
        self.log = log
        self.problem = problem

    def start(self) -> None:
        with self.log.lock:
            self.log.starts.append(self.name)
        if self.problem is not None:
            raise self.problem

    def close(self) -> None:
        with self.log.lock:
            self.log.closes.append(self.name)

    def describe(self) -> str:
        return "echo"

    def begin(self, invocation: Invocation) -> Pending:
        answer = self.execute(invocation)
        return lambda: answer

    def execute(self, invocation: Invocation) -> RawObservation:
        number = int(invocation.case.name[1:])
        with self.log.lock:
            self.log.sent.append(invocation.case.name)
        value = number + (1 if self.name == "b" and number == self.log.drift_on else 0)
        return RawObservation(self.name, status=200, stdout=json.dumps({"n": value}).encode())


class Log:
    def __init__(self, drift_on: int = -1) -> None:
        self.lock = threading.Lock()
        self.starts: list[str] = []
        self.closes: list[str] = []
        self.sent: list[str] = []
        self.drift_on = drift_on


def factory(log: Log, problem: TargetUnavailable | None = None):  # type: ignore[no-untyped-def]
    return lambda target, jobs: Echo(target, log, problem if target.name == "b" else None)


def test_a_batch_starts_targets_once_and_sends_only_the_selected_cases(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, 40)
    log = Log(drift_on=7)
    selected = [f"c{n}" for n in range(0, 40, 3)]
    run = SpecRun(spec, jobs=4, batch=selected, factory=factory(log))
    # Asked in reverse: every item gets its own case whatever order pytest runs them in.
    verdicts = {name: run.result(name).verdict for name in reversed(selected)}
    run.close()
    assert verdicts == {name: ("DIFF" if name == "c7" else "MATCH") for name in selected}
    assert sorted(log.starts) == ["a", "b"] and sorted(log.closes) == ["a", "b"]
    assert sorted(set(log.sent)) == sorted(selected)
    assert len(log.sent) == 2 * len(selected)  # each case once per target


def test_single_runs_share_the_started_targets_until_closed(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, 10)
    log = Log()
    run = SpecRun(spec, jobs=None, batch=None, factory=factory(log))
    assert [run.result(f"c{n}").verdict for n in (4, 1, 8)] == ["MATCH"] * 3
    assert sorted(log.starts) == ["a", "b"] and log.closes == []
    run.close()
    assert sorted(log.closes) == ["a", "b"]
    result = merge(run.parts)
    assert [case.name for case in result.cases] == ["c1", "c4", "c8"]  # spec order


def test_a_target_that_cannot_start_answers_every_later_run_alike(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, 5)
    log = Log()
    missing = TargetUnavailable("missing: executable not found", skip=True)
    run = SpecRun(spec, jobs=None, batch=None, factory=factory(log, missing))
    assert [run.result(f"c{n}").verdict for n in range(3)] == ["SKIP"] * 3
    run.close()
    assert log.starts.count("b") == 1


def test_merge_keeps_spec_order_and_counts_a_case_run_twice_once(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, 12)
    log = Log(drift_on=5)
    first = SpecRun(spec, jobs=2, batch=[f"c{n}" for n in range(6, 12)], factory=factory(log))
    second = SpecRun(spec, jobs=2, batch=[f"c{n}" for n in range(0, 8)], factory=factory(log))
    for run, names in ((first, range(6, 12)), (second, range(8))):
        for n in names:
            run.result(f"c{n}")
        run.close()
    result = merge([*first.parts, *second.parts])
    assert [case.name for case in result.cases] == [f"c{n}" for n in range(12)]
    assert result.tally()["DIFF"] == 1 and result.tally()["MATCH"] == 11


def test_close_stops_a_batch_before_its_end(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, 2000)
    log = Log()
    run = SpecRun(spec, jobs=1, batch=[f"c{n}" for n in range(2000)], factory=factory(log))
    assert run.result("c0").verdict == "MATCH"
    run.close()
    assert sorted(log.closes) == ["a", "b"]
    (part,) = run.parts
    assert part.result.interrupted and len(part.result.cases) < 2000


def test_only_the_cases_items_took_are_shown(tmp_path: Path) -> None:
    """-x: the engine finishes the cases in flight, but pytest never runs their items; the
    report holds what the session showed, in spec order."""
    spec = make_spec(tmp_path, 6)
    log = Log(drift_on=4)
    run = SpecRun(spec, jobs=6, batch=[f"c{n}" for n in range(6)], factory=factory(log))
    assert [run.result(name).verdict for name in ("c4", "c1")] == ["DIFF", "MATCH"]
    run.close()
    assert len(merge(run.parts).cases) > 2  # the engine ran ahead of the items
    shown = merge(run.shown_parts())
    assert [case.name for case in shown.cases] == ["c1", "c4"]
    assert shown.tally()["DIFF"] == 1 and shown.tally()["MATCH"] == 1


@pytest.mark.parametrize("now", [False, True])
def test_close_is_safe_twice(tmp_path: Path, now: bool) -> None:
    spec = make_spec(tmp_path, 3)
    log = Log()
    run = SpecRun(spec, jobs=1, batch=["c0", "c1", "c2"], factory=factory(log))
    run.result("c2")
    run.close(now=now)
    run.close(now=now)
    assert sorted(log.closes) == ["a", "b"]


def test_a_result_sent_by_a_worker_renders_the_same_report(tmp_path: Path) -> None:
    """xdist workers send results JSON; the controller's report must equal one rendered from
    the result itself (every field a template reads survives the trip)."""
    from yamlparity.report.formats import results_json
    from yamlparity.report.render import render

    spec = make_spec(tmp_path, 8)
    log = Log(drift_on=3)
    run = SpecRun(spec, jobs=2, batch=[f"c{n}" for n in range(8)], factory=factory(log))
    for n in range(8):
        run.result(f"c{n}")
    run.close()
    result = merge(run.parts)
    diff = next(case for case in result.cases if case.verdict == "DIFF")
    diff.outcomes["a"].as_received = ["body"]  # as a large output compared slice by slice
    back = results_json.loads(results_json.dumps(result))
    assert back.cases[3].outcomes["a"].as_received == ["body"]
    assert render(back) == render(result)


@pytest.mark.parametrize("batch", [True, False])
def test_a_secret_in_a_case_name_is_masked_and_the_case_still_found(
    tmp_path: Path, batch: bool
) -> None:
    (tmp_path / "spec.yaml").write_text(TWO_TARGETS.format(name="runs") + "secrets: [TOKEN]\n")
    rows = (json.dumps({"name": f"c{n}", "input": {"n": n}}) for n in (1, 1001, 2))
    (tmp_path / "cases.jsonl").write_text("\n".join(rows) + "\n")
    spec = load_spec(tmp_path / "spec.yaml", {}, {"TOKEN": "1001"})
    log = Log()
    names = ["c1", "c1001", "c2"]
    run = SpecRun(spec, jobs=1, batch=names if batch else None, factory=factory(log))
    assert [run.result(name).name for name in names] == ["c1", "c***", "c2"]
    run.close()
    assert [case.name for case in merge(run.parts).cases] == ["c1", "c***", "c2"]
