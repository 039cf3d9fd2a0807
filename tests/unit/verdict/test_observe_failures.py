"""A verdict never rests on two failures: exit != 0 with empty stdout is an ERROR unless
stderr is compared too, whether stdout is compared or not."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

CRASH_A = "import sys; sys.stderr.write('KeyError: session\\n'); sys.exit(1)\n"
CRASH_B = "import sys; sys.stderr.write('segfault in parser\\n'); sys.exit(1)\n"


def run(
    tmp_path: Path, facets: str, crash_b: str = CRASH_B
) -> tuple[subprocess.CompletedProcess[str], str]:
    (tmp_path / "a.py").write_text(CRASH_A)
    (tmp_path / "b.py").write_text(crash_b)
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "name: crash\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, a.py]}}\n"
        f"  b: {{run: [{HELPER_PY}, b.py]}}\n"
        f"compare: {{facets: {facets}}}\n"
        "cases:\n"
        "  - {name: c, input: {}}\n"
    )
    done = run_cli("run", "s.yaml", "--report-dir", "out", cwd=tmp_path, timeout=120)
    return done, (tmp_path / "out" / "crash.md").read_text()


@pytest.mark.parametrize("facets", ["[stdout, exit_code]", "[exit_code]"])
def test_two_different_crashes_do_not_match(tmp_path: Path, facets: str) -> None:
    """Also when stdout is not compared: both crashes would read as `exit 1` and MATCH (a new
    user's trial: a Python KeyError and a Node TypeError, exit 0 for the run)."""
    done, report = run(tmp_path, facets)
    assert done.returncode == 1
    assert "1 error" in done.stdout
    assert (
        "exited with code 1 and printed nothing on stdout; add stderr to compare.facets to "
        "compare failures"
    ) in report
    assert "segfault in parser" in report  # what it printed instead is shown


@pytest.mark.parametrize("facets", ["[stdout, exit_code, stderr]", "[exit_code, stderr]"])
def test_with_stderr_compared_the_failures_are_the_contract(tmp_path: Path, facets: str) -> None:
    done, report = run(tmp_path, facets)
    assert done.returncode == 1
    assert "1 diff" in done.stdout
    assert "segfault in parser" in report


def test_the_same_failure_with_stderr_compared_matches(tmp_path: Path) -> None:
    done, _ = run(tmp_path, "[stdout, exit_code, stderr]", crash_b=CRASH_A)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_byte_order_mark_before_json_is_named(tmp_path: Path) -> None:
    bom = "import sys; sys.stdout.buffer.write(b'\\xef\\xbb\\xbf{\"ok\": 1}\\n')\n"
    plain = "print('{\"ok\": 1}')\n"
    (tmp_path / "a.py").write_text(bom)
    (tmp_path / "b.py").write_text(plain)
    (tmp_path / "s.yaml").write_text(
        "name: bom\ntargets:\n"
        f"  a: {{run: [{HELPER_PY}, a.py]}}\n  b: {{run: [{HELPER_PY}, b.py]}}\n"
        "cases: [{name: c, input: {}}]\n"
    )
    done = run_cli("run", "s.yaml", "--report-dir", "out", "-v", cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    assert "stdout is not valid JSON" in done.stdout
    assert "starts with a byte order mark, EF BB BF" in done.stdout
