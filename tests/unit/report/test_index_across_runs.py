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
