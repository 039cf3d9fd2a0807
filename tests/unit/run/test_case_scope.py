"""A case's `skip` and `targets` in the engine and in calibration: a skipped case starts no
process, a case with `targets` starts only those (real helpers leave a file when they run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.run.calibrate import calibrate_spec
from yamlparity.run.engine import RunOptions, run_spec
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec

HELPER = PROGRAMS / "paced_helper.py"


@pytest.fixture
def spec(tmp_path: Path) -> Spec:
    targets = {n: {"run": [HELPER_PY, str(HELPER), n], "timeout": 10} for n in ("a", "b", "c")}
    cases = [
        {"name": "skipped", "input": {"touch": "skipped"}, "skip": "waits for DEC-40"},
        {"name": "pair", "input": {"touch": "pair"}, "targets": ["c", "a"]},
        {"name": "all", "input": {"touch": "all"}},
    ]
    path = tmp_path / "scope.yaml"
    path.write_text(json.dumps({"name": "scope", "targets": targets, "cases": cases}))
    return load_spec(path, {})  # helpers run in the spec's folder: their files land there


def ran(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.?"))


def test_the_engine_starts_only_what_a_case_asks_for(spec: Spec, tmp_path: Path) -> None:
    result = run_spec(spec, RunOptions(jobs=1))
    skipped, pair, everyone = result.cases
    assert (skipped.verdict, skipped.reason) == ("SKIP", "waits for DEC-40")
    assert {o.skipped for o in skipped.outcomes.values()} == {"waits for DEC-40"}
    assert (pair.verdict, pair.groups) == ("MATCH", [["a", "c"]])
    assert pair.outcomes["b"].skipped == "not run: this case runs on c, a only"
    assert everyone.verdict == "MATCH"
    assert ran(tmp_path) == ["all.a", "all.b", "all.c", "pair.a", "pair.c"]
    assert result.tally()["SKIP"] == 1


def test_calibration_follows_the_same_scope(spec: Spec, tmp_path: Path) -> None:
    report = calibrate_spec(spec, repeat=2)
    assert report.cases["skipped"].reason == "skipped: waits for DEC-40"
    assert sorted(report.cases["pair"].targets) == ["a", "c"]
    assert ran(tmp_path) == ["all.a", "all.b", "all.c", "pair.a", "pair.c"]
