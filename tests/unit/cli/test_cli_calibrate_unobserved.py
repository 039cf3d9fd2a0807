"""`calibrate` with a target that never ran: the summary names it, never "every target"; a
`when_missing: skip` target whose executable is absent is skipped as `run` skips it (same
exit code); suggestions say which targets they rest on."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

ECHO = [HELPER_PY, "-c", "import sys; sys.stdout.write(sys.stdin.read())"]
FRESH_ID = [
    HELPER_PY,
    "-c",
    "import json, sys, uuid; sys.stdin.read(); print(json.dumps({'id': str(uuid.uuid4())}))",
]


def test_a_target_whose_build_fails_is_named_as_not_observed(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "name: built\n"
        "targets:\n"
        f"  a: {{run: {json.dumps(ECHO)}, build: [sh, -c, 'echo building; exit 3']}}\n"
        f"  b: {{run: {json.dumps(ECHO)}}}\n"
        "output: text\n"
        "cases: [{name: x, stdin: 'hi\\n'}]\n"
    )
    done = run_cli("calibrate", "s.yaml", "--repeat", "2", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr  # a calibration that could not run
    assert "every target" not in done.stdout
    assert "no noise on b: every run gave the same output; not observed: a" in done.stdout


def test_a_missing_target_skipped_by_the_spec_is_skipped_as_run_skips_it(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "name: missing\n"
        "targets:\n"
        f"  a: {{run: {json.dumps(ECHO)}}}\n"
        f"  b: {{run: {json.dumps(ECHO)}}}\n"
        "  gone: {run: [no-such-tool-yamlparity-test], when_missing: skip}\n"
        "cases: [{name: same, stdin: '{\"a\":1}'}]\n"
    )
    ran = run_cli("run", "s.yaml", "--report-dir", "out", cwd=tmp_path)
    calibrated = run_cli(
        "calibrate", "s.yaml", "--repeat", "2", "--report-dir", "out", cwd=tmp_path
    )
    assert (ran.returncode, calibrated.returncode) == (0, 0), calibrated.stdout + ran.stdout
    assert "target gone skipped (when_missing: skip" in calibrated.stdout
    assert "no noise on a, b: every run gave the same output; not observed: gone" in (
        calibrated.stdout
    )


def test_a_suggestion_says_which_targets_it_rests_on(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "name: part\n"
        "targets:\n"
        f"  py: {{run: {json.dumps(FRESH_ID)}}}\n"
        f"  node: {{run: {json.dumps(FRESH_ID)}, build: [sh, -c, 'test -f built']}}\n"
        "cases: [{name: a, input: {x: 1}}]\n"
    )
    done = run_cli("calibrate", "s.yaml", "--repeat", "2", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 1
    assert "not observed: node; what follows rests on py only" in done.stdout
    assert 'mask(.id; "<uuid>"; uuid)  # node not observed' in done.stdout
    assert "caution: rests on py only: node never ran here" in done.stdout
    saved = json.loads((tmp_path / "out" / "part.calibration.json").read_text())
    assert (saved["targets"], list(saved["unavailable"]), saved["skipped"]) == (
        ["py", "node"],
        ["node"],
        {},
    )
