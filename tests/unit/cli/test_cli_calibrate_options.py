"""`calibrate --delay` and `--report-dir`, through the real CLI with a helper on the clock."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

# Seconds resolution, like an HTTP Date header: two quick runs usually see the same value.
CLOCK = (
    "import json, sys, time; sys.stdin.read(); print(json.dumps({'t': int(time.time()), 'v': 1}))\n"
)


def spec(folder: Path) -> Path:
    (folder / "clock.py").write_text(CLOCK)
    path = folder / "s.yaml"
    path.write_text(
        "name: clocked\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, clock.py]}}\n"
        f"  b: {{run: [{HELPER_PY}, clock.py]}}\n"
        "normalize: [del(.t)]\n"
        "cases: [{name: one, input: 1}]\n"
    )
    return path


def test_delay_gives_a_clock_value_the_time_to_change(tmp_path: Path) -> None:
    spec(tmp_path)
    done = run_cli(
        "calibrate",
        "s.yaml",
        "--repeat",
        "2",
        "--delay",
        "1.05",
        "--report-dir",
        "out",
        cwd=tmp_path,
    )
    assert done.returncode in (0, 1), done.stderr
    saved = json.loads((tmp_path / "out" / "clocked.calibration.json").read_text())
    assert saved["repeat"] == 2
    noisy = json.dumps(saved.get("noise", {}))
    assert ".t" in noisy, saved  # 1.05 s apart, seconds always differ
    assert ".v" not in noisy
    assert "out/clocked.calibration.json" in done.stdout


def test_run_with_the_same_report_dir_uses_that_calibration(tmp_path: Path) -> None:
    spec(tmp_path)
    run_cli("calibrate", "s.yaml", "--repeat", "2", "--report-dir", "out", cwd=tmp_path)
    done = run_cli("run", "s.yaml", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    report = (tmp_path / "out" / "clocked.md").read_text()
    assert "clocked.calibration.json" in report


def test_delay_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    spec(tmp_path)
    done = run_cli("calibrate", "s.yaml", "--delay", "-1", cwd=tmp_path)
    assert done.returncode == 2
    assert "--delay takes seconds" in done.stderr
