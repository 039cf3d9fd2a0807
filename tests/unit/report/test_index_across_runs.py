"""The index of a report folder lists every report in it, not only the last run's."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

ECHO = "import sys; sys.stdout.write(sys.stdin.read())\n"


def spec(folder: Path, name: str) -> None:
    (folder / "echo.py").write_text(ECHO)
    (folder / f"{name}.yaml").write_text(
        f"name: {name}\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, echo.py]}}\n"
        f"  b: {{run: [{HELPER_PY}, echo.py]}}\n"
        "cases: [{name: one, input: 1}, {name: two, input: [2]}]\n"
    )


def index_rows(folder: Path) -> list[str]:
    text = (folder / "index.md").read_text()
    return [line for line in text.splitlines() if line.startswith("| [")]


def test_a_second_run_into_the_folder_keeps_the_first_runs_reports(tmp_path: Path) -> None:
    spec(tmp_path, "alpha")
    spec(tmp_path, "beta")
    assert run_cli("run", "alpha.yaml", "--report-dir", "out", cwd=tmp_path).returncode == 0
    assert run_cli("run", "beta.yaml", "--report-dir", "out", cwd=tmp_path).returncode == 0
    rows = index_rows(tmp_path / "out")
    assert [row.split("]")[0] for row in rows] == ["| [alpha", "| [beta"]
    assert "(out of 4 cases in 2 specs)" in (tmp_path / "out" / "index.md").read_text()
    manifest = json.loads((tmp_path / "out" / "index.json").read_text())
    assert [s["name"] for s in manifest["specs"]] == ["alpha", "beta"]


def test_a_report_deleted_from_the_folder_leaves_the_index(tmp_path: Path) -> None:
    spec(tmp_path, "alpha")
    spec(tmp_path, "beta")
    run_cli("run", "alpha.yaml", "beta.yaml", "--report-dir", "out", cwd=tmp_path)
    (tmp_path / "out" / "alpha.md").unlink()
    run_cli("run", "beta.yaml", "--report-dir", "out", cwd=tmp_path)
    assert [row.split("]")[0] for row in index_rows(tmp_path / "out")] == ["| [beta"]


def test_an_unreadable_index_manifest_is_rebuilt(tmp_path: Path) -> None:
    spec(tmp_path, "alpha")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "index.json").write_text('{"format": 1, "specs": [{"name": 3}]')
    done = run_cli("run", "alpha.yaml", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(index_rows(tmp_path / "out")) == 1


def test_one_case_of_one_spec_is_said_in_the_singular(tmp_path: Path) -> None:
    from tests.unit.report.test_formats import sample_result
    from yamlparity.report.summary import render_summary, spec_entry

    result = sample_result()
    del result.cases[1:]  # type: ignore[union-attr]
    text = render_summary([spec_entry(result, "r.md", [])])
    assert "(out of 1 case in 1 spec)" in text


def test_a_report_of_one_matching_case_says_it_in_the_singular(tmp_path: Path) -> None:
    spec(tmp_path, "single")
    text = (tmp_path / "single.yaml").read_text().replace(", {name: two, input: [2]}", "")
    (tmp_path / "single.yaml").write_text(text)
    done = run_cli("run", "single.yaml", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = (tmp_path / "out" / "single.md").read_text("utf-8")
    assert "_No divergences — parity holds for the one fixture._" in report


def test_skipped_cases_are_not_counted_as_parity(tmp_path: Path) -> None:
    """A report without divergences says how many cases were compared, and that nothing was
    when every case was skipped: a skipped case is no evidence of parity."""
    spec(tmp_path, "some")
    text = (tmp_path / "some.yaml").read_text()
    (tmp_path / "some.yaml").write_text(text.replace("input: 1}", "input: 1, skip: not yet}"))
    done = run_cli("run", "some.yaml", "--report-dir", "out", cwd=tmp_path)
    report = (tmp_path / "out" / "some.md").read_text("utf-8")
    assert "_No divergences — parity holds for the one fixture compared (1 skipped)._" in report
    assert "parity holds across" not in report, done.stdout
    skipped = text.replace("input: 1}", "input: 1, skip: not yet}")
    (tmp_path / "some.yaml").write_text(skipped.replace("[2]}", "[2], skip: not yet}"))
    run_cli("run", "some.yaml", "--report-dir", "out", cwd=tmp_path)
    report = (tmp_path / "out" / "some.md").read_text("utf-8")
    assert "_Nothing compared — all 2 fixtures were skipped._" in report
    assert "parity holds" not in report


# ------------------------------------------------ the combined junit.xml lists the folder too

# `b` adds one to 1 and echoes anything else: case `one` is a DIFF, `two` a MATCH.
ODD = "import json, sys; v = json.load(sys.stdin); print(json.dumps(v + 1 if v == 1 else v))\n"


def failing_spec(folder: Path, name: str) -> None:
    (folder / "echo.py").write_text(ECHO)
    (folder / "odd.py").write_text(ODD)
    (folder / f"{name}.yaml").write_text(
        f"name: {name}\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, echo.py]}}\n"
        f"  b: {{run: [{HELPER_PY}, odd.py]}}\n"
        "cases: [{name: one, input: 1}, {name: two, input: [2]}]\n"
    )


def suites(folder: Path) -> dict[str, dict[str, str]]:
    """junit.xml's suites by name: their counts, and each testcase's outcome (`case NAME`)."""
    import xml.etree.ElementTree as ET

    root = ET.parse(folder / "junit.xml").getroot()
    found: dict[str, dict[str, str]] = {}
    for suite in root.iter("testsuite"):
        found[suite.get("name", "")] = {k: suite.get(k, "") for k in ("tests", "failures")}
        for case in suite.iter("testcase"):
            tags = [child.tag for child in case if child.tag != "system-out"]
            found[suite.get("name", "")][f"case {case.get('name')}"] = (tags or ["ok"])[0]
    totals = {k: sum(int(s[k]) for s in found.values()) for k in ("tests", "failures")}
    assert totals == {k: int(root.get(k, "-1")) for k in totals}, "the root's totals add up"
    return found


def test_junit_xml_keeps_the_failures_of_an_earlier_run_of_another_spec(tmp_path: Path) -> None:
    """CI reading reports/junit.xml went green after a later run of another spec: the file held
    the last run's specs only, while index.md listed them all."""
    failing_spec(tmp_path, "calc")
    spec(tmp_path, "slow")
    first = run_cli("run", "calc.yaml", "--report-dir", "jx", "--format", "md,junit", cwd=tmp_path)
    assert first.returncode == 1, first.stdout + first.stderr
    done = run_cli("run", "slow.yaml", "--report-dir", "jx", "--format", "md,junit", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    found = suites(tmp_path / "jx")
    assert found == {
        "calc": {"tests": "2", "failures": "1", "case one": "failure", "case two": "ok"},
        "slow": {"tests": "2", "failures": "0", "case one": "ok", "case two": "ok"},
    }
    # Copied from calc's own file, not rewritten: the two say the same.
    own = (tmp_path / "jx" / "calc.junit.xml").read_text("utf-8").splitlines()[2:-1]
    assert "\n".join(own) in (tmp_path / "jx" / "junit.xml").read_text("utf-8")


def test_a_spec_whose_junit_file_is_stale_or_gone_is_one_testcase_with_its_tally(
    tmp_path: Path,
) -> None:
    """A spec whose last run wrote no JUnit file of its own (md only), or whose file is gone:
    junit.xml says what the index says of it, never what an older file says."""
    failing_spec(tmp_path, "calc")
    spec(tmp_path, "slow")
    spec_file = tmp_path / "calc.yaml"
    failing = spec_file.read_text()
    run_cli("run", "calc.yaml", "--report-dir", "jx", "--format", "md,junit", cwd=tmp_path)
    # calc is fixed and run with md only: calc.junit.xml still tells of the failing run.
    spec_file.write_text(failing.replace("input: 1}", "input: 3}"))
    fixed = run_cli("run", "calc.yaml", "--report-dir", "jx", "--format", "md", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    run_cli("run", "slow.yaml", "--report-dir", "jx", "--format", "md,junit", cwd=tmp_path)
    found = suites(tmp_path / "jx")
    assert found["calc"] == {"tests": "1", "failures": "0", "case (its last run)": "ok"}
    text = (tmp_path / "jx" / "junit.xml").read_text("utf-8")
    assert "its last run: 2 match / 0 diff (out of 2)" in text and "see calc.md" in text
    # Failing again, and its file deleted: a failing stand-in.
    spec_file.write_text(failing)
    run_cli("run", "calc.yaml", "--report-dir", "jx", "--format", "md,junit", cwd=tmp_path)
    (tmp_path / "jx" / "calc.junit.xml").unlink()
    run_cli("run", "slow.yaml", "--report-dir", "jx", "--format", "md,junit", cwd=tmp_path)
    found = suites(tmp_path / "jx")
    assert found["calc"] == {"tests": "1", "failures": "1", "case (its last run)": "failure"}
    assert (
        "its last run: 1 match / 1 diff (out of 2)" in (tmp_path / "jx" / "junit.xml").read_text()
    )


def test_a_stand_in_for_a_passing_spec_passes(tmp_path: Path) -> None:
    spec(tmp_path, "alpha")
    spec(tmp_path, "beta")
    run_cli("run", "alpha.yaml", "--report-dir", "jx", cwd=tmp_path)
    run_cli("run", "beta.yaml", "--report-dir", "jx", "--format", "md,junit", cwd=tmp_path)
    found = suites(tmp_path / "jx")
    assert found["alpha"] == {"tests": "1", "failures": "0", "case (its last run)": "ok"}
    assert found["beta"]["tests"] == "2"


def test_only_a_spec_s_own_junit_file_of_its_last_run_is_copied(tmp_path: Path) -> None:
    """stored_suite takes the file write_spec wrote for that very run, and nothing else: not a
    file of another spec, of other counts or of another run (its timestamp), nor a file cut
    short or of another shape."""
    import tempfile

    from tests.unit.report.test_formats import sample_result
    from yamlparity.report.formats import junit

    result = sample_result()
    path = tmp_path / "s.junit.xml"
    with path.open("w", encoding="utf-8") as out:
        junit.write_to([result], out.write)
    tally = result.tally()
    counts = {
        "tests": len(result.cases),
        "failures": tally["DIFF"] + tally["FAIL"] + tally["FIXED"],
        "errors": tally["ERROR"],
        "skipped": tally["SKIP"],
    }
    text = path.read_text("utf-8")
    with tempfile.TemporaryFile() as spool:
        stored = junit.stored_suite(path, result.name, counts, result.started, spool)
        assert stored is not None
        copied = "".join(junit._copied(stored))
        assert copied == text[text.index("  <testsuite ") : text.rindex("\n</testsuites>")]
        assert junit.stored_suite(path, "other", counts, result.started, spool) is None
        assert junit.stored_suite(path, result.name, counts, "2000-01-01T00:00:00Z", spool) is None
        fewer = {**counts, "tests": counts["tests"] - 1}
        assert junit.stored_suite(path, result.name, fewer, None, spool) is None
        path.write_text(text[:-20], "utf-8")
        assert junit.stored_suite(path, result.name, counts, None, spool) is None
        path.write_text(text.replace("\n  <testsuite ", "\n<testsuite "), "utf-8")
        assert junit.stored_suite(path, result.name, counts, None, spool) is None
