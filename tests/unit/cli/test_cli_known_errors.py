"""`known[].error` through the real CLI: what an expected-failure entry may match, and what the
verdict says when it does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.support.paths import HELPER_PY

Cli = Callable[..., CompletedProcess[str]]

# Exits with the case's `<target>_exit` when it has one, else prints its `<target>` or `out`.
CTL = """\
import json, sys
data = json.loads(sys.stdin.read())
code = data.get(sys.argv[1] + "_exit")
if code is not None:
    sys.exit(code)
print(json.dumps(data.get(sys.argv[1], data["out"])))
"""


def _spec(folder: Path, error: str, case: str = "{a_exit: 139, out: 1}") -> None:
    (folder / "ctl.py").write_text(CTL, "utf-8")
    (folder / "k.yaml").write_text(
        "name: k\n"
        "targets:\n"
        f'  a: {{run: ["{HELPER_PY}", ctl.py, a]}}\n'
        f'  b: {{run: ["{HELPER_PY}", ctl.py, b]}}\n'
        "known:\n"
        f"  - {{cases: [c], targets: [a], error: {error}, reason: 'meant: a exits 3'}}\n"
        "cases:\n"
        f"  - {{name: c, input: {case}}}\n",
        "utf-8",
    )


@pytest.mark.parametrize("error", ['"//"', '"/.*/"', '"/x|/"'])
def test_a_regex_that_matches_an_empty_text_is_refused(
    run_cli: Cli, tmp_path: Path, error: str
) -> None:
    _spec(tmp_path, error)
    done = run_cli("run", "k.yaml", "--report-dir", "out")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "matches an empty text, so every failure" in done.stderr
    assert "--> k.yaml:6:" in done.stderr and "hint: write the failure it stands for" in done.stderr
    assert done.stdout == "" and not (tmp_path / "out").exists()


def test_a_declared_failure_that_did_not_match_is_not_called_gone(
    run_cli: Cli, tmp_path: Path
) -> None:
    # `a` answers (exit 0) but differs from `b`: the DIFF stands, and the reason says what
    # happened instead of the declared failure rather than "expected failure gone".
    _spec(tmp_path, '"exited with code 3"', "{out: 1, a: 2}")
    done = run_cli("run", "k.yaml", "--report-dir", "out", "-v")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "DIFF c: meant: a exits 3 (declared failure 'exited with code 3' did not match what "
        "happened: a answered exit 0)" in done.stdout
    )
    assert "expected failure gone" not in done.stdout
    # The answers agree: the failure is gone, FIXED says so as before.
    _spec(tmp_path, '"exited with code 3"', "{out: 1}")
    done = run_cli("run", "k.yaml", "--report-dir", "out", "-v")
    assert done.returncode == 1
    assert "FIXED c: meant: a exits 3 (expected failure gone)" in done.stdout
