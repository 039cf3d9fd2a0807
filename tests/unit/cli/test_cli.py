"""The real `yamlparity` command in a process of its own: exit codes, outputs, terminal modes.

The installed script where a test says so (`installed=True`, and the terminal test); elsewhere
the same `main()` in a child forked from a process that imported yamlparity already
(tests/support/forkcli.py; tests/e2e/test_cli_process.py checks both print and exit the same).
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.support.cli import AMBIENT, run_cli
from tests.support.paths import HELPER_PY, ROOT

ECHO = "import sys; sys.stdout.write(sys.stdin.read())\n"
# Agrees with ECHO except on inputs holding "odd": there it adds a field.
QUIRK = textwrap.dedent(
    """\
    import json, sys
    data = json.loads(sys.stdin.read())
    if isinstance(data, dict) and data.get("odd"):
        data["extra"] = "Café ⭐"
    print(json.dumps(data, ensure_ascii=False))
    """
)
SPEC = textwrap.dedent(
    """\
    name: t
    targets:
      a: {{run: [{py}, echo.py]}}
      b: {{run: [{py}, quirk.py]}}
    cases:
      - {{name: same_one, input: {{n: 1.0}}}}
      - {{name: same_two, input: {{s: "x"}}}}
      - {{name: odd_case, input: {{odd: true, f: 1.0}}}}
    """
)


def yamlparity(
    *args: str, cwd: Path, env: dict[str, str] | None = None, installed: bool = False
) -> subprocess.CompletedProcess[str]:
    """The command outside CI (CI=true changes what it prints); `installed`: the console script
    pip installed, in a new interpreter."""
    if not installed:
        return run_cli(*args, cwd=cwd, env=env, unset=("CI",), timeout=120)
    exe = shutil.which("yamlparity")
    assert exe is not None, "install the package: pip install -e ."
    full_env = {k: v for k, v in os.environ.items() if k != "CI" and k not in AMBIENT}
    full_env.update(env or {})
    return subprocess.run(
        [exe, *args], cwd=cwd, capture_output=True, text=True, env=full_env, timeout=120
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "echo.py").write_text(ECHO)
    (tmp_path / "specs" / "quirk.py").write_text(QUIRK)
    (tmp_path / "specs" / "t.yaml").write_text(SPEC.format(py=HELPER_PY))
    (tmp_path / ".git").mkdir()  # the project boundary: no config above it is read
    return tmp_path


def test_exit_0_when_every_selected_case_matches(project: Path) -> None:
    done = yamlparity("run", "-k", "same", "--report-dir", "out", cwd=project, installed=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "[parity] t: 2 match / 0 diff (out of 2) [-k same: 2 of 3 cases] → out/t.md"
    )


def test_exit_1_on_a_difference_and_plain_lines_when_not_a_tty(project: Path) -> None:
    done = yamlparity("run", "--report-dir", "out", cwd=project, installed=True)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "  DIFF  t/odd_case",
        "[parity] t: 2 match / 1 diff (out of 3) → out/t.md",
        "[parity] index: 1 spec → out/index.md",
    ]
    assert "\r" not in done.stderr


def test_report_dir_gets_an_index_linking_each_spec_with_its_tally(project: Path) -> None:
    yamlparity("run", "--report-dir", "out", cwd=project)
    index = (project / "out" / "index.md").read_text("utf-8")
    assert "| [t](t.md) | t | 2 match / 1 diff (out of 3) | **fail** |" in index


def test_quiet_prints_only_summary_lines(project: Path) -> None:
    done = yamlparity("run", "-q", "--report-dir", "out", cwd=project)
    assert all(line.startswith("[parity] ") for line in done.stdout.splitlines())
    assert done.stderr == ""


def test_verbose_prints_each_differing_path_with_values(project: Path) -> None:
    done = yamlparity("run", "-v", "--report-dir", "out", cwd=project)
    assert '    stdout .extra: a=(missing)  b="Café ⭐"' in done.stdout.splitlines()


def test_every_format_from_one_run(project: Path) -> None:
    done = yamlparity("run", "--format", "md,html,json,junit", "--report-dir", "out", cwd=project)
    assert done.returncode == 1
    names = sorted(p.name for p in (project / "out").iterdir())
    assert names == [
        "history.jsonl", "index.html", "index.json", "index.md", "junit.xml", "t.html", "t.json",
        "t.junit.xml", "t.md",
    ]  # fmt: skip
    data = json.loads((project / "out" / "t.json").read_text("utf-8"))
    assert data["schema_version"] == 1 and data["tally"]["DIFF"] == 1
    assert '"f": 1.0' in (project / "out" / "t.json").read_text("utf-8")  # exact numbers


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--format", "pdf"], "error: unknown format 'pdf'"),
        (["run", "-k", "a and"], "error: -k"),
        (["run", "missing.yaml"], "error:"),
        (["run", "--jobs", "0"], "--jobs must be at least 1"),
        (["template-context"], "needs a SPEC or --from-results"),
        (["template-context", "--from-results", "r.json", "-k", "x"], "with --from-results"),
        (["template-context", "t.yaml", "--from-results", "r.json"], "not both"),
        (["frobnicate"], "invalid choice"),
        (["run", "--report_dir", "out"], "(did you mean --report-dir?)"),
        (["run", "--env", "=v"], "got '=v': the KEY is missing"),
    ],
)
def test_exit_2_on_usage_errors(project: Path, args: list[str], message: str) -> None:
    done = yamlparity(*args, cwd=project)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--jobs", "2"],
        ["list", "--write"],
        ["validate", "--jobs-x"],
        ["run", "--bogus"],
    ],
)
def test_an_option_of_another_command_is_never_suggested(project: Path, args: list[str]) -> None:
    # `validate --jobs 2` said "(did you mean --jobs?)": run's option, refused by validate.
    # `run --bogus` said "(did you mean --verbose?)": nothing alike but the dashes.
    done = yamlparity(*args, cwd=project)
    assert done.returncode == 2
    assert "unrecognized arguments" in done.stderr and "did you mean" not in done.stderr


@pytest.mark.parametrize("command", ["run", "validate", "merge"])
def test_an_unrecognized_option_shows_the_usage_of_its_command(project: Path, command: str) -> None:
    """The usage under the error is the command's own (its options), not the list of
    commands that `yamlparity --bogus` gets."""
    done = yamlparity(command, "--bogus", cwd=project)
    assert done.returncode == 2
    usage = done.stderr.split("\n", 1)[1]
    assert usage.startswith(f"usage: yamlparity {command} "), done.stderr
    top = yamlparity("--bogus", cwd=project)
    assert top.returncode == 2 and "{" in top.stderr.split("\n", 1)[1]  # {run,validate,...}


@pytest.mark.parametrize(
    ("use", "message", "column", "hint"),
    [
        ("tally.MACTH", "'dict object' has no attribute 'MACTH'", 10, "`tally.MATCH`?"),
        ("spec.nmae", "'dict object' has no attribute 'nmae'", 9, "`spec.name`?"),
        ("tallly.MATCH", "'tallly' is undefined", 5, "`tally`?"),
        # A loop's variable is not in the context: no guess, the list of what there is.
        ("(cases | first).nmae", "has no attribute 'nmae'", 20, "see docs/report-context.md"),
    ],
)
def test_template_typo_exits_2_naming_file_line_and_column(
    project: Path, use: str, message: str, column: int, hint: str
) -> None:
    """As a spec's errors are shown: the position, the line, a caret under the name, a hint
    naming the variable or key the typo is close to."""
    head = '{% extends "report.md.j2" %}\n{% block footer %}\n'
    (project / "team.md.j2").write_text(f"{head} {{{{ {use} }}}}\n{{% endblock %}}\n")
    done = yamlparity("run", "--template", "team.md.j2", "--report-dir", "out", cwd=project)
    assert done.returncode == 2
    assert "error: report template failed: " in done.stderr and message in done.stderr
    lines = done.stderr.splitlines()
    at = lines.index(f"  --> team.md.j2:3:{column}")
    assert lines[at + 2] == f"3 |  {{{{ {use} }}}}"
    assert lines[at + 3] == "  | " + " " * (column - 1) + "^"
    assert hint in lines[at + 4] and lines[at + 4].startswith("  = hint: ")
    assert "Traceback" not in done.stderr


def test_template_syntax_error_stops_before_anything_runs(project: Path) -> None:
    (project / "bad.md.j2").write_text("line one\n  {% if %}\n")
    done = yamlparity("run", "--template", "bad.md.j2", "--report-dir", "out", cwd=project)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    at = lines.index("  --> bad.md.j2:2:3")  # Jinja gives no column: the line's tag
    assert lines[at + 2 : at + 4] == ["2 |   {% if %}", "  |   ^"]
    assert "each `{%` with `%}`" in lines[at + 4]  # a syntax hint, not the variables
    assert not (project / "out").exists()


def test_live_progress_line_on_a_terminal_and_plain_in_ci(project: Path) -> None:
    for ci, live in (("", True), ("true", False)):
        primary, secondary = pty.openpty()
        exe = shutil.which("yamlparity")
        assert exe is not None
        env = {**{k: v for k, v in os.environ.items() if k not in AMBIENT}, "CI": ci}
        done = subprocess.run(
            [exe, "run", "--report-dir", "out"], cwd=project, stdout=subprocess.PIPE,
            stderr=secondary, env=env, text=True, timeout=120,
        )  # fmt: skip
        os.close(secondary)
        seen = _drain(primary)
        assert done.returncode == 1
        assert ("\r[1/1] t 3/3" in seen) is live, seen
        assert ("  DIFF  t/odd_case" in done.stdout) is not live


def _drain(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO once the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


def test_schema_prints_the_spec_json_schema(project: Path) -> None:
    from yamlparity.spec.load import schema
    from yamlparity.spec.validation import editor_schema

    done = yamlparity("schema", cwd=project)
    assert done.returncode == 0
    printed = json.loads(done.stdout)
    assert printed == editor_schema()
    # The loader's schema, less what only a whole spec must have (include: may supply it).
    assert printed["$defs"] == schema()["$defs"] and "required" not in printed


def test_template_context_runs_the_spec_or_reads_results(project: Path) -> None:
    done = yamlparity("template-context", "specs/t.yaml", "-k", "odd", cwd=project)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["context_version"] == 1
    assert [c["name"] for c in data["cases"]] == ["odd_case"]
    assert data["cases"][0]["differences"][0]["values"] == {"b": '"Café ⭐"'}
    yamlparity("run", "--format", "json", "--report-dir", "out", cwd=project)
    again = yamlparity("template-context", "--from-results", "out/t.json", cwd=project)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["tally"]["DIFF"] == 1


def test_allow_outside_lets_cases_from_read_a_parent_folder(project: Path) -> None:
    (project / "rows.jsonl").write_text('{"name": "r1", "input": {"x": 1}}\n')
    spec = project / "specs" / "outside.yaml"
    spec.write_text(SPEC.format(py=HELPER_PY).split("cases:")[0].replace("name: t", "name: o")
                    + "cases_from: [../rows.jsonl]\n")  # fmt: skip
    refused = yamlparity("run", "specs/outside.yaml", "--report-dir", "out", cwd=project)
    assert refused.returncode == 2
    allowed = yamlparity(
        "run", "specs/outside.yaml", "--allow-outside", "--report-dir", "out", cwd=project
    )
    assert allowed.returncode == 0, allowed.stderr


def test_calibrate_runs_each_case_repeatedly(project: Path) -> None:
    done = yamlparity("calibrate", "specs/t.yaml", "--repeat", "2", "-k", "same", cwd=project)
    assert done.returncode in (0, 1), done.stderr
    assert "[calibrate] t: saved → reports/t.calibration.json" in done.stdout
    assert (project / "reports" / "t.calibration.json").is_file()


def test_duplicate_spec_names_cannot_share_a_report_dir(project: Path) -> None:
    other = project / "specs" / "again"
    other.mkdir()
    for name in ("echo.py", "quirk.py", "t.yaml"):
        shutil.copy(project / "specs" / name, other / name)
    done = yamlparity("run", "--report-dir", "out", cwd=project)
    assert done.returncode == 2
    assert "would both write" in done.stderr and "t.md" in done.stderr


def test_three_way_example_report_matches_its_golden_file(tmp_path: Path) -> None:
    """A real run of examples/three_way; only the date line varies between runs."""
    root = ROOT
    done = yamlparity("run", str(root / "examples" / "three_way"), "--report-dir", "out",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    text = (tmp_path / "out" / "three_way.md").read_text("utf-8")
    lines = [
        "**Date:** DATE" if line.startswith("**Date:** ") else line for line in text.split("\n")
    ]
    normalized = "\n".join(lines).replace(str(root) + "/", "")
    golden = root / "tests" / "golden" / "three_way.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(normalized, "utf-8")
    assert normalized == golden.read_text("utf-8")


def test_run_names_every_bad_spec_of_a_folder_and_runs_none(project: Path) -> None:
    specs = project / "specs"
    (specs / "a_bad.yaml").write_text("name: a\ntargets: {}\ncases: [{name: c, input: 1}]\n")
    bad_rule = SPEC.format(py=HELPER_PY).replace("cases:", "normalize: [bogus(.x)]\ncases:")
    (specs / "b_bad.yaml").write_text(bad_rule)
    done = yamlparity("run", "specs", "--report-dir", "out", cwd=project)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "a_bad.yaml" in done.stderr and "b_bad.yaml" in done.stderr
    assert done.stderr.count("error: ") == 2
    assert "Traceback" not in done.stderr
    assert not (project / "out").exists()  # the good spec did not run either
