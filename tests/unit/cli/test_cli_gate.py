"""What a CI gate reads agrees with the exit code: index.md, junit.xml and a spec's own
JUnit file fail exactly when `run` exits 1 (--fixed-ok, interrupted runs, -k runs), and
--last-failed re-runs what failed the run."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from tests.support.paths import HELPER_PY

Cli = Callable[..., CompletedProcess[str]]

# Prints the case's `out`, or its `<target>` value when it has one: targets agree unless a
# case says otherwise.
ECHO = """\
import json, sys
data = json.loads(sys.stdin.read())
print(json.dumps(data.get(sys.argv[1], data["out"])))
"""


def _spec(folder: Path, cases: str, extra: str = "", name: str = "g") -> Path:
    (folder / "echo.py").write_text(ECHO, "utf-8")
    text = (
        f"name: {name}\n"
        "targets:\n"
        f'  a: {{run: ["{HELPER_PY}", echo.py, a]}}\n'
        f'  b: {{run: ["{HELPER_PY}", echo.py, b]}}\n'
        f"{extra}cases:\n{cases}"
    )
    path = folder / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return path


def _junit(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def _index_row(folder: Path, name: str) -> str:
    rows = (folder / "index.md").read_text("utf-8").splitlines()
    return next(row for row in rows if row.startswith(f"| [{name}]"))


def test_fixed_ok_passes_in_the_index_and_junit_as_in_the_exit_code(
    run_cli: Cli, tmp_path: Path
) -> None:
    cases = "  - {name: gap_closed, input: {out: 1}}\n  - {name: fine, input: {out: 2}}\n"
    known = 'known:\n  - {cases: [gap_closed], reason: "DEC-1"}\n'
    _spec(tmp_path, cases, known)
    args = ("run", "g.yaml", "--report-dir", "out", "--format", "md,junit", "-q")
    done = run_cli(*args, "--fixed-ok")
    assert done.returncode == 0, done.stdout + done.stderr
    index = (tmp_path / "out" / "index.md").read_text("utf-8")
    assert "**failing**" not in index
    assert _index_row(tmp_path / "out", "g").endswith("| pass |")
    for junit in ("junit.xml", "g.junit.xml"):
        root = _junit(tmp_path / "out" / junit)
        assert root.find(".//failure") is None, junit
        assert root.get("failures", "0") == "0" or root.tag == "testsuites"
        (case,) = [c for c in root.iter("testcase") if c.get("name") == "gap_closed"]
        assert "passes with --fixed-ok" in (case.findtext("system-out") or "")
    assert _junit(tmp_path / "out" / "junit.xml").get("failures") == "0"
    # Another spec's run into the folder copies this one's suite as it was written (its
    # counts agree with the index), not a stand-in.
    _spec(tmp_path, "  - {name: other, input: {out: 3}}\n", name="h")
    assert (
        run_cli("run", "h.yaml", "--report-dir", "out", "--format", "md,junit", "-q").returncode
        == 0
    )
    names = [c.get("name") for c in _junit(tmp_path / "out" / "junit.xml").iter("testcase")]
    assert names == ["gap_closed", "fine", "other"]
    # Without --fixed-ok the same run fails, and says so everywhere.
    assert run_cli(*args).returncode == 1
    assert _index_row(tmp_path / "out", "g").endswith("| **fail** |")
    failure = _junit(tmp_path / "out" / "junit.xml").find(".//failure")
    assert failure is not None and failure.get("type") == "FIXED"
