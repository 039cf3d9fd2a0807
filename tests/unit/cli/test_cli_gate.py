"""What a CI gate reads agrees with the exit code: index.md, junit.xml and a spec's own
JUnit file fail exactly when `run` exits 1 (--fixed-ok, interrupted runs, -k runs), and
--last-failed re-runs what failed the run."""

from __future__ import annotations

import json
import os
import signal
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from tests.support.cli import start_cli, wait_for
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
        assert "passes: fixed-ok is on" in (case.findtext("system-out") or "")
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


def test_fixed_ok_runs_are_recorded_as_passed_in_the_history(run_cli: Cli, tmp_path: Path) -> None:
    """The history's `passed` and its failing count follow the exit code's gate: a run that
    exits 0 under --fixed-ok was recorded as failing (`yamlparity history`: failing 1, the
    report's trend the same)."""
    cases = "  - {name: gap_closed, input: {out: 1}}\n"
    _spec(tmp_path, cases, 'known:\n  - {cases: [gap_closed], reason: "DEC-1"}\n')
    args = ("run", "g.yaml", "--report-dir", "out", "--format", "md", "-q")
    assert run_cli(*args, "--fixed-ok").returncode == 0
    assert run_cli(*args).returncode == 1
    lines = (tmp_path / "out" / "history.jsonl").read_text("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [(e["passed"], e.get("fixed_ok")) for e in entries] == [(True, True), (False, None)]
    shown = run_cli("history", "out").stdout.splitlines()[1:3]
    assert "failing 0" in shown[0] and "failing 1 (+1)" in shown[1], shown
    # merge --fixed-ok records its merged run by the same gate.
    shard = ("run", "g.yaml", "--shard", "1/1", "--report-dir", "s", "--format", "json", "-q")
    assert run_cli(*shard).returncode == 1
    merged = run_cli("merge", "s", "--report-dir", "m", "--fixed-ok", "-q")
    assert merged.returncode == 0, merged.stderr
    (entry,) = map(json.loads, (tmp_path / "m" / "history.jsonl").read_text().splitlines())
    assert entry["passed"] is True


SLOW = """\
import json, sys, time
data = json.loads(sys.stdin.read())
with open("started.log", "a") as log:
    log.write(data["n"] + "\\n")
time.sleep(data["s"])
print(json.dumps(data))
"""


def test_an_interrupted_run_lists_the_cases_not_run_as_junit_errors(
    run_cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "slow.py").write_text(SLOW, "utf-8")
    cases = "".join(
        f"  - {{name: c{i}, input: {{n: c{i}, s: {0 if i == 0 else 1}}}}}\n" for i in range(6)
    )
    targets = f'  a: {{run: ["{HELPER_PY}", slow.py]}}\n  b: {{run: ["{HELPER_PY}", slow.py]}}\n'
    (tmp_path / "intr.yaml").write_text(f"name: intr\ntargets:\n{targets}cases:\n{cases}")
    args = ("run", "intr.yaml", "--report-dir", "out", "--format", "md,junit", "-j", "1")
    proc = start_cli(*args, cwd=tmp_path)
    try:
        log = tmp_path / "started.log"
        wait_for(lambda: log.exists() and "c1" in log.read_text().split())
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stdout + stderr
    assert _index_row(tmp_path / "out", "intr").endswith("| **fail** |")
    for junit in ("junit.xml", "intr.junit.xml"):
        root = _junit(tmp_path / "out" / junit)
        cases_seen = {c.get("name"): c for c in root.iter("testcase")}
        assert sorted(cases_seen) == [f"c{i}" for i in range(6)], junit
        assert cases_seen["c0"].find("error") is None
        error = cases_seen["c5"].find("error")
        assert error is not None
        assert error.get("message") == "not run: the run was interrupted before this case"
        suite = root if root.tag == "testsuite" else root.find("testsuite")
        assert suite is not None
        assert int(suite.get("tests", "0")) == 6 and int(suite.get("errors", "0")) >= 1
    # Another spec's run into the folder copies the interrupted suite, errors and all.
    _spec(tmp_path, "  - {name: other, input: {out: 3}}\n", name="h")
    done = run_cli("run", "h.yaml", "--report-dir", "out", "--format", "md,junit")
    assert done.returncode == 0
    names = [c.get("name") for c in _junit(tmp_path / "out" / "junit.xml").iter("testcase")]
    assert names == ["other"] + [f"c{i}" for i in range(6)]


def test_a_k_run_into_the_folder_says_its_selection_in_the_index_and_junit(
    run_cli: Cli, tmp_path: Path
) -> None:
    cases = "  - {name: broken, input: {out: 1, b: 2}}\n  - {name: fine, input: {out: 2}}\n"
    _spec(tmp_path, cases)
    args = ("run", "g.yaml", "--report-dir", "out", "--format", "md,junit", "-q")
    assert run_cli(*args).returncode == 1
    assert run_cli(*args, "-k", "fine").returncode == 0
    row = _index_row(tmp_path / "out", "g")
    assert row.endswith("| 1 match / 0 diff (out of 1) | pass (only -k fine: 1 of 2 cases) |")
    for junit in ("junit.xml", "g.junit.xml"):
        root = _junit(tmp_path / "out" / junit)
        assert root.get("tests") == "2" and root.get("skipped") == "1", junit
        (left_out,) = [c for c in root.iter("testcase") if c.get("name") != "fine"]
        skipped = left_out.find("skipped")
        assert skipped is not None
        assert "this run held -k fine: 1 of 2 cases" in skipped.get("message", "")
    # A full run again: no selection anywhere.
    assert run_cli(*args).returncode == 1
    assert _index_row(tmp_path / "out", "g").endswith("| **fail** |")
    assert _junit(tmp_path / "out" / "junit.xml").get("skipped") == "0"


RERUN_CASES = (
    "  - {name: gap_closed, input: {out: 1}}\n"
    "  - {name: old_name, input: {out: 1, b: 2}}\n"
    "  - {name: fine, input: {out: 2}}\n"
)


def _first_run_with_a_fixed_and_a_diff(run_cli: Cli, tmp_path: Path) -> None:
    """r1: gap_closed FIXED (its known gap is gone), old_name DIFF, fine MATCH."""
    _spec(tmp_path, RERUN_CASES, 'known:\n  - {cases: [gap_closed], reason: "DEC-1"}\n')
    assert run_cli("run", "g.yaml", "--report-dir", "r1", "--format", "json", "-q").returncode == 1


def test_last_failed_reruns_fixed_cases(run_cli: Cli, tmp_path: Path) -> None:
    _first_run_with_a_fixed_and_a_diff(run_cli, tmp_path)
    # FIXED failed the run: it is run again, with the DIFF.
    again = run_cli(
        "run", "g.yaml", "--report-dir", "r2", "--format", "json", "--last-failed", "r1"
    )
    assert again.returncode == 1, again.stdout + again.stderr
    assert "0 match / 1 diff / 1 fixed (out of 2) [last failed in r1: 2 of 3 cases]" in again.stdout


def test_last_failed_runs_a_spec_in_full_when_its_failed_cases_are_gone(
    run_cli: Cli, tmp_path: Path
) -> None:
    _first_run_with_a_fixed_and_a_diff(run_cli, tmp_path)
    # The failing case renamed (still a DIFF): the spec runs in full, and fails.
    _spec(
        tmp_path,
        RERUN_CASES.replace("old_name", "new_name"),
        'known:\n  - {cases: [gap_closed], reason: "DEC-1"}\n',
    )
    done = run_cli(
        "run", "g.yaml", "--report-dir", "r3", "--format", "json", "--last-failed", "r1/g.json"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    # One failed case still there: a plain selection of it (pytest's --lf does the same).
    assert "running every case" not in done.stdout
    assert "0 match / 0 diff / 1 fixed (out of 1)" in done.stdout
    # Every failed case gone: the spec runs in full, as pytest's --lf does.
    _spec(tmp_path, RERUN_CASES.replace("old_name", "new_name").replace("gap_closed", "gap"), "")
    done = run_cli(
        "run", "g.yaml", "--report-dir", "r4", "--format", "json", "--last-failed", "r1/g.json"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "[parity] g: the cases that failed in r1/g.json (gap_closed, old_name) are not in it any "
        "more: running every case" in done.stdout
    )
    assert "2 match / 1 diff (out of 3)" in done.stdout
    # The failures in a spec not given at all: refused, not a green run of nothing.
    _spec(tmp_path, RERUN_CASES, name="renamed")
    done = run_cli("run", "renamed.yaml", "--last-failed", "r1/g.json")
    assert done.returncode == 2
    assert "the cases that failed in r1/g.json are in specs not given here (g)" in done.stderr
    assert done.stdout == ""
