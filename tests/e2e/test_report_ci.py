"""The CI side of `yamlparity run`, through the real CLI: GitHub annotations at each failing
case's line, the job summary, colours, `-v` cutting long values, and the run history."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY
from yamlparity.report.github import Annotations
from yamlparity.report.history import read_entries
from yamlparity.results.records import CaseResult, Difference, SpecResult
from yamlparity.spec.load import load_spec

ECHO = "import sys; sys.stdout.write(sys.stdin.read())\n"
# Agrees with ECHO except where the input says otherwise.
QUIRK = textwrap.dedent(
    """\
    import json, sys
    data = json.loads(sys.stdin.read())
    if data.get("odd"):
        data["extra"] = "Café"
    if data.get("blob"):
        blob = data["blob"]
        data["blob"] = blob[:3000] + "Z" + blob[3001:]
    print(json.dumps(data))
    """
)
SPEC = """\
name: ci
targets:
  a: {{run: [{py}, echo.py]}}
  b: {{run: [{py}, quirk.py]}}
cases:
  - {{name: same, input: {{n: 1}}}}
  - name: odd_inline
    input: {{odd: true}}
  - {{name: long_blob, input: {{blob: "{blob}"}}}}
cases_from: [rows.jsonl]
"""
ROWS = '{"name": "row_same", "input": {"k": 1}}\n{"name": "row_odd", "input": {"odd": 1}}\n'
ESC = "\033["


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "echo.py").write_text(ECHO)
    (tmp_path / "quirk.py").write_text(QUIRK)
    (tmp_path / "rows.jsonl").write_text(ROWS)
    (tmp_path / "ci.yaml").write_text(SPEC.format(py=HELPER_PY, blob="QUJD" * 1500))
    return tmp_path


# `a=(N characters before) …QUJD…… (M more characters)  b=` the same window, where b has a Z.
CUT_BLOB = (
    r"a=\((\d+) characters before\) …[QUJD]+… \((\d+) more characters\)  "
    r"b=\(\1 characters before\) …[QUJD]+Z[QUJD]*… \(\2 more characters\)"
)


def _github(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_WORKSPACE": str(tmp_path),
        **extra,
    }


def test_annotations_point_at_each_failing_case_line_and_a_summary_is_written(
    project: Path,
) -> None:
    done = run_cli("run", "ci.yaml", "--report-dir", "out", cwd=project, env=_github(project))
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 3
    where = {re.search(r"title=yamlparity DIFF%3A ci/(\w+)", e).group(1): e for e in errors}  # type: ignore[union-attr]
    # Inline cases at their line in the spec; a fixture row at its line in the fixture file.
    assert "file=ci.yaml,line=7,col=11," in where["odd_inline"]  # at the name
    assert "file=ci.yaml,line=9," in where["long_blob"]
    assert "file=rows.jsonl,line=2,col=1," in where["row_odd"]
    assert where["odd_inline"].endswith('::DIFF odd_inline%0Astdout .extra: a=(missing)  b="Café"')
    # The values cut around the difference, in the same window: both show where they differ.
    assert re.search(CUT_BLOB, where["long_blob"]), where["long_blob"]
    # Colour in the Actions log, which is not a terminal.
    assert f"[parity] {ESC}1mci{ESC}0m:" in done.stdout
    summary = (project / "summary.md").read_text("utf-8")
    html = MarkdownIt("gfm-like").render(summary)
    assert html.count("<table>") == 2  # the specs, then the cases not matching
    assert "<td>❌ fail</td>" in html and "<code>odd_inline</code>" in html


def test_the_summary_names_the_report_from_the_checkout_wherever_the_run_started(
    project: Path,
) -> None:
    """A new-user trial: run from the checkout's parent, the summary said
    `r4ci/reports/calc.md` while the annotations said `specs/calc.yaml`: both are relative
    to $GITHUB_WORKSPACE now."""
    elsewhere = project.parent
    done = run_cli(
        "run",
        str(project / "ci.yaml"),
        "--report-dir",
        str(project / "out"),
        cwd=elsewhere,
        env=_github(project),
    )
    assert done.returncode == 1, done.stderr
    assert "file=ci.yaml," in done.stdout  # the annotations, as before
    summary = (project / "summary.md").read_text("utf-8")
    assert "`out/ci.md`" in summary, summary
    assert project.name not in summary


def test_a_summary_file_that_cannot_be_written_leaves_the_verdict(project: Path) -> None:
    """$GITHUB_STEP_SUMMARY naming a folder: a warning that names the variable, and the run's
    own exit code (1 here: DIFFs), not a usage error's 2."""
    env = _github(project, GITHUB_STEP_SUMMARY=str(project))
    done = run_cli("run", "ci.yaml", "--report-dir", "out", cwd=project, env=env)
    assert done.returncode == 1, done.stderr
    assert "warning: cannot append the job summary to $GITHUB_STEP_SUMMARY" in done.stderr
    assert (project / "out" / "ci.md").exists()


def test_no_color_and_no_github_outside_actions(project: Path) -> None:
    done = run_cli("run", "ci.yaml", "--report-dir", "out", cwd=project,
                   env=_github(project, NO_COLOR="1"))  # fmt: skip
    assert ESC not in done.stdout and "::error " in done.stdout
    plain = run_cli("run", "ci.yaml", "--report-dir", "out2", cwd=project)
    assert ESC not in plain.stdout and "::" not in plain.stdout


def test_verbose_cuts_long_values_around_the_difference(project: Path) -> None:
    done = run_cli("run", "ci.yaml", "-v", "--report-dir", "out", cwd=project)
    line = next(line for line in done.stdout.splitlines() if "stdout .blob:" in line)
    assert "QUJD" * 1500 not in line and len(line) < 400
    assert re.search(CUT_BLOB, line), line


def test_each_run_is_recorded_and_the_report_shows_the_trend(project: Path) -> None:
    for _ in range(2):
        run_cli("run", "ci.yaml", "--report-dir", "out", "--format", "md,html", cwd=project)
    run_cli("run", "ci.yaml", "--report-dir", "out", "-k", "same", cwd=project)
    entries = read_entries(project / "out" / "history.jsonl")
    assert [e["tally"]["DIFF"] for e in entries] == [3, 3, 0]
    assert entries[-1]["select"] == "same" and entries[0]["spec_hash"].startswith("sha256:")
    assert {"a", "b"} == set(entries[0]["targets"])
    assert ["stdout", ".extra", 2] in entries[0]["paths"]
    report = (project / "out" / "ci.md").read_text("utf-8")
    assert "**Trend** (last 3 runs, oldest first):" in report
    html = (project / "out" / "ci.html").read_text("utf-8")
    assert 'id="chart-runs"' in html  # two runs recorded when the HTML was written
    before = (project / "out" / "history.jsonl").read_text()
    run_cli("run", "ci.yaml", "--report-dir", "out", "--no-history", cwd=project)
    assert (project / "out" / "history.jsonl").read_text() == before
    assert "**Trend**" not in (project / "out" / "ci.md").read_text("utf-8")


def test_history_command_prints_the_last_runs(project: Path) -> None:
    missing = run_cli("history", "out", cwd=project)
    assert missing.returncode == 2 and "no history at out/history.jsonl" in missing.stderr
    for select in ("odd", "same"):
        run_cli("run", "ci.yaml", "--report-dir", "out", "-k", select, cwd=project)
    done = run_cli("history", "out", "--last", "5", cwd=project)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "ci  (ci.yaml) — last 2 runs"
    took = r"(?:[0-9]+ s|under 1 s)"
    assert re.match(
        rf"  \S+Z  -{{8}}  0 match / 2 diff \(out of 2\)  failing 2  {took}  -k odd$", lines[1]
    )
    # Other cases than the run before: no change is counted (it was "failing 0 (-2)").
    assert re.match(
        rf"  \S+Z  -{{8}}  2 match / 0 diff \(out of 2\)  failing 0  {took}  -k same$", lines[2]
    )
    assert lines[-1] == "[history] 2 runs of 1 spec in out/history.jsonl"
    raw = run_cli(
        "history", "out/history.jsonl", "--json", "--spec", "ci", "--last", "1", cwd=project
    )
    assert [json.loads(line)["select"] for line in raw.stdout.splitlines()] == ["same"]
    none = run_cli("history", "out", "--spec", "nope", cwd=project)
    assert none.returncode == 2 and "holds no runs for spec 'nope'" in none.stderr


def test_annotations_stop_at_the_limit_and_count_the_rest(project: Path) -> None:
    spec = load_spec(project / "ci.yaml", environ={})
    failing = [
        CaseResult(name, "DIFF", {}, differences=[Difference("stdout", ".x", {"a": 1, "b": 2})])
        for name in ("odd_inline", "long_blob", "row_odd")
    ]
    result = SpecResult("ci", "ci", "", str(spec.file), "command", [], failing, "t")
    annotations = Annotations(limit=2)
    lines = [*annotations.for_spec(spec, result), *annotations.for_spec(spec, result)]
    lines += annotations.finish()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::error", "::notice"]
    assert "4 more failing cases not annotated (GitHub shows at most 2)" in lines[-1]


def test_history_of_a_spec_file_says_what_history_reads(project: Path) -> None:
    done = run_cli("history", "ci.yaml", cwd=project)
    assert done.returncode == 2
    assert "ci.yaml is a spec: history reads a report folder" in done.stderr
    run_cli("run", "ci.yaml", "--report-dir", "out", cwd=project)
    one = run_cli("history", "out", cwd=project)
    assert one.stdout.splitlines()[0] == "ci  (ci.yaml) — last 1 run"


def test_a_shard_s_job_summary_says_it_is_that_shard(project: Path) -> None:
    """Each shard job summarises its own share: a heading that read like the whole run's
    (`yamlparity: failing — … (out of 5 cases in 1 spec)`) now names the shard."""
    args = ("run", "ci.yaml", "--shard", "1/1", "--report-dir", "out", "-k", "odd or same")
    done = run_cli(*args, cwd=project, env=_github(project))
    assert done.returncode == 1, done.stdout + done.stderr
    summary = (project / "summary.md").read_text("utf-8")
    heading = summary.splitlines()[0]
    assert heading.startswith("## yamlparity (-k 'odd or same', shard 1/1): failing — "), heading
    assert "_This job ran shard 1/1 of the selected cases;" in summary
    # A run of every case, as before: no selection in its heading.
    (project / "summary.md").unlink()
    run_cli("run", "ci.yaml", "--report-dir", "all", cwd=project, env=_github(project))
    heading = (project / "summary.md").read_text("utf-8").splitlines()[0]
    assert heading.startswith("## yamlparity: failing — "), heading
