"""`known[].error` through the real CLI: what an expected-failure entry may match, and what the
verdict says when it does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.support.paths import HELPER_PY

Cli = Callable[..., CompletedProcess[str]]

# Exits with the case's `<target>_exit` when it has one, else prints its `out`.
CTL = """\
import json, sys
data = json.loads(sys.stdin.read())
code = data.get(sys.argv[1] + "_exit")
if code is not None:
    sys.exit(code)
print(json.dumps(data["out"]))
"""


def _spec(folder: Path, error: str) -> None:
    (folder / "ctl.py").write_text(CTL, "utf-8")
    (folder / "k.yaml").write_text(
        "name: k\n"
        "targets:\n"
        f'  a: {{run: ["{HELPER_PY}", ctl.py, a]}}\n'
        f'  b: {{run: ["{HELPER_PY}", ctl.py, b]}}\n'
        "known:\n"
        f"  - {{cases: [c], targets: [a], error: {error}, reason: 'meant: a exits 3'}}\n"
        "cases:\n"
        "  - {name: c, input: {a_exit: 139, out: 1}}\n",
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
