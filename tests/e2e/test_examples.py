"""The bundled examples, through the real CLI: the verdicts the original probes recorded."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli, wait_for
from tests.support.paths import ROOT

EXAMPLES = ROOT / "examples"

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


def yamlparity(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, timeout=180)


@needs_node
def test_session_log_matches_four_of_four(tmp_path: Path) -> None:
    done = yamlparity(
        "run", str(EXAMPLES / "session_log"), "--report-dir", str(tmp_path), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "[parity] session_log: 4 match / 0 diff (out of 4)" in done.stdout
    report = (tmp_path / "session_log.md").read_text()
    assert "**Tally:** 4 match · 0 diff (out of 4 fixtures)" in report
    assert "_No divergences" in report
    assert "`python3 helper.py`" in report and "`node helper.js`" in report


@needs_node
def test_float_drift_reports_each_serializer_quirk_at_its_path(tmp_path: Path) -> None:
    done = yamlparity(
        "run", str(EXAMPLES / "float_drift"), "--report-dir", str(tmp_path), cwd=tmp_path
    )
    assert done.returncode == 1
    assert "2 match / 2 diff (out of 4)" in done.stdout
    report = (tmp_path / "float_drift.md").read_text()
    assert "| stdout | `.mean_ms` — same value, different literal | `2.0` | `2` |" in report
    assert "| stdout | `.id` | `9007199254740993` | `9007199254740992` |" in report


@needs_node
def test_validator_statuses_match_and_five_bodies_diverge(tmp_path: Path) -> None:
    spec = EXAMPLES / "validator" / "validator.yaml"
    done = yamlparity("run", str(spec), "--report-dir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "[parity] validator: 1 match / 5 diff (out of 6)" in done.stdout
    report = (tmp_path / "validator.md").read_text()
    assert "| Case | python status | node status | Status match | Body match |" in report
    rows = [line for line in report.splitlines() if line.startswith(("| `playbook", "| `fill"))]
    assert len(rows) == 6
    assert all("| 422 | 422 | ✓ | ✗ |" in row for row in rows[1:])
    assert "| `playbook_happy` | 200 | 200 | ✓ | ✓ |" in rows[0]
    assert report.count("<details><summary>DIFF") == 5
    assert '"Schema"' in report and '"Kind": "schema"' in report


@needs_node
def test_validator_known_gap_is_known_and_passes(tmp_path: Path) -> None:
    spec = EXAMPLES / "validator" / "validator_known.yaml"
    done = yamlparity("run", str(spec), "--report-dir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 match / 0 diff / 5 known (out of 6)" in done.stdout
    report = (tmp_path / "validator_known.md").read_text()
    assert report.count("KNOWN") >= 5
    assert "https://tracker.example/DEC-12" in report


@pytest.mark.parametrize(
    ("args", "env"),
    [
        ((), {"PY_GW": "http://127.0.0.1:18098"}),
        (("--env", "NODE_GW=http://127.0.0.1:18099"), {}),
    ],
)
def test_validator_pointed_at_a_running_server_validates(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str]
) -> None:
    """The README's `PY_GW=http://...`: the nested `${PY_GW:-http://127.0.0.1:${port}}`."""
    spec = EXAMPLES / "validator" / "validator.yaml"
    done = run_cli("validate", str(spec), *args, cwd=tmp_path, env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok ") and "(2 targets, 6 cases)" in done.stdout


@needs_node
def test_validator_runs_against_a_server_already_running(tmp_path: Path, free_port: int) -> None:
    """With PY_GW set, the Python server is the one already running: none is started."""
    server = subprocess.Popen(
        [sys.executable, "server.py", str(free_port)],
        cwd=EXAMPLES / "validator",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _accepts(free_port), within=30)
        spec = EXAMPLES / "validator" / "validator.yaml"
        gateway = f"http://127.0.0.1:{free_port}"
        done = run_cli(
            "run", str(spec), "--report-dir", str(tmp_path), cwd=tmp_path, env={"PY_GW": gateway}
        )
        assert done.returncode == 1, done.stdout + done.stderr
        assert "[parity] validator: 1 match / 5 diff (out of 6)" in done.stdout
        report = (tmp_path / "validator.md").read_text()
        assert gateway in report
        assert "python3 server.py" not in report and "node server.js" in report
    finally:
        server.terminate()
        server.wait(10)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_every_example_spec_validates(tmp_path: Path) -> None:
    done = yamlparity("validate", str(EXAMPLES), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("ok ") >= 4


@needs_node
def test_list_filter_empty_known_failure_skip_and_subset(tmp_path: Path) -> None:
    done = yamlparity(
        "run", str(EXAMPLES / "list_filter"), "--report-dir", str(tmp_path), cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[parity] list_filter: 3 match / 0 diff / 1 known / 1 skip (out of 5)" in done.stdout
    report = (tmp_path / "list_filter.md").read_text()
    assert "| `no_match` | ✓ | python = node = legacy | MATCH |" in report  # empty streams
    assert "| `unicode_names` | ✓ | python = node; legacy: exit 3 (known) | KNOWN |" in report
    assert "| `sorted` | ✓ | python = node | MATCH |" in report
    assert "| `tag_patterns` | `tag patterns are not specified yet (FLT-12)` |" in report
