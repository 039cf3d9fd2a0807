"""A known divergence is FIXED only when every target ran the case: one that did not run
(`when_missing: skip`, the case's `targets:`) may be the one that diverges, so the gap was not
measured again (FIXED would fail the run and ask a team to close an item nobody checked)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

ECHO = "import json, sys\nprint(json.dumps(json.load(sys.stdin)))\n"


def test_a_gap_whose_target_did_not_run_stays_known(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(ECHO)
    cases = [
        {"name": "target_missing", "input": {"x": 1}},
        {"name": "left_out", "input": {"x": 2}, "targets": ["a", "b"]},
        {"name": "closed", "input": {"x": 3}},
    ]
    (tmp_path / "s.yaml").write_text(
        "name: gaps\ntargets:\n"
        f"  a: {{run: [{HELPER_PY}, h.py]}}\n"
        f"  b: {{run: [{HELPER_PY}, h.py]}}\n"
        '  c: {run: ["${C_BIN}", h.py], when_missing: skip}\n'
        "known:\n"
        "  - {cases: [target_missing, left_out, closed], reason: c rounds x}\n"
        f"cases: {json.dumps(cases)}\n"
    )
    missing = run_cli(
        "run", "s.yaml", "--report-dir", "out", "--format", "json",
        "-k", "target_missing or left_out", "--env", "C_BIN=no-such-program-here", cwd=tmp_path,
    )  # fmt: skip
    assert missing.returncode == 0, missing.stdout + missing.stderr
    results = json.loads((tmp_path / "out/gaps.json").read_text())
    verdicts = {case["name"]: (case["verdict"], case["reason"]) for case in results["cases"]}
    assert verdicts["target_missing"] == ("KNOWN", "c rounds x (not measured: c did not run)")
    assert verdicts["left_out"] == ("KNOWN", "c rounds x (not measured: c did not run)")
    # Every target ran and agreed: the gap is gone.
    ran = run_cli(
        "run", "s.yaml", "--report-dir", "out", "--format", "json", "-k", "closed",
        "--env", f"C_BIN={HELPER_PY}", cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr
    results = json.loads((tmp_path / "out/gaps.json").read_text())
    assert [(c["name"], c["verdict"]) for c in results["cases"]] == [("closed", "FIXED")]
