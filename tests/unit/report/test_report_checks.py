"""Report templates fail early and readably; report files are written with normal modes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY
from yamlparity.report.render import SpecShape, TemplateChoice, render_synthetic

ECHO = "import sys; sys.stdout.write(sys.stdin.read())\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "echo.py").write_text(ECHO)
    (tmp_path / "s.yaml").write_text(
        "name: s\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, echo.py]}}\n"
        f"  b: {{run: [{HELPER_PY}, echo.py]}}\n"
        "cases:\n"
        "  - {name: c, input: {x: 1}}\n"
    )
    (tmp_path / ".git").mkdir()  # the project boundary
    return tmp_path


def run(project: Path, *args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    if umask is None:
        return run_cli("run", "s.yaml", "--report-dir", "out", *args, cwd=project, timeout=120)
    return subprocess.run(
        [sys.executable, "-m", "yamlparity", "run", "s.yaml", "--report-dir", "out", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=None if umask is None else (lambda: os.umask(umask) and None),
    )


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("# t\n\n{{ 1/0 }}\n", "report template failed: ZeroDivisionError: division by zero", 3),
        ('{{ "%d" | format("x") }}\n', "report template failed: TypeError: %d format", 1),
        (
            "{% macro f(n) %}{{ f(n) }}{% endmacro %}\n{{ f(1) }}\n",
            "report template failed: template recursion too deep",
            1,
        ),
    ],
)
def test_any_template_exception_is_a_spec_error_with_its_line(
    project: Path, body: str, message: str, line: int
) -> None:
    (project / "t.md.j2").write_text(body)
    done = run(project, "--template", "t.md.j2")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert f"--> t.md.j2:{line}:1" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (project / "out").exists()  # found before any case ran


def test_a_misspelled_name_fails_before_any_case_runs(project: Path) -> None:
    # Only reached inside the divergences loop: the synthetic run has every verdict.
    (project / "t.md.j2").write_text(
        "{% for case in cases if case.failing %}\n{{ case.diferences }}\n{% endfor %}\n"
    )
    (project / "ran").write_text("")
    done = run(project, "--template", "t.md.j2")
    assert done.returncode == 2
    assert "'diferences'" in done.stderr and "--> t.md.j2:2:8" in done.stderr  # at `.`
    assert not (project / "out").exists()


def test_target_names_of_the_spec_itself_are_known_to_the_check(project: Path) -> None:
    (project / "t.md.j2").write_text(
        "{% for case in cases %}{{ case.outcomes.a.target }} {{ case.outcomes.b.target }}\n"
        "{% endfor %}"
    )
    done = run(project, "--template", "t.md.j2")
    assert done.returncode == 0, done.stderr
    assert (project / "out" / "s.md").read_text() == "a b\n"


def test_a_project_report_template_extending_its_own_name_is_told_so(project: Path) -> None:
    """templates/report.md.j2 shadows the built-in report.md.j2: extending that name extends
    itself (the check said its blocks did not exist, and listed none)."""
    (project / "templates").mkdir()
    (project / "templates" / "report.md.j2").write_text(
        '{% extends "report.md.j2" %}\n{% block footer %}SELF{% endblock %}\n'
    )
    done = run(project)
    assert done.returncode == 2
    assert "'report.md.j2' extends 'report.md.j2', which is this file itself" in done.stderr
    assert 'extend the built-in one as "yamlparity/report.md.j2"' in done.stderr
    (project / "templates" / "report.md.j2").write_text(
        '{% extends "yamlparity/report.md.j2" %}\n{% block footer %}SELF{% endblock %}\n'
    )
    assert run(project).returncode == 0


def test_a_misspelled_block_is_an_error_with_a_suggestion(project: Path) -> None:
    (project / "t.md.j2").write_text(
        '{% extends "report.md.j2" %}\n{% block header %}# h\n{% endblock %}\n'
        "{% block fotter %}bye{% endblock %}\n"
    )
    done = run(project, "--template", "t.md.j2")
    assert done.returncode == 2
    assert "'report.md.j2' has no block 'fotter'" in done.stderr
    assert "--> t.md.j2:4:1" in done.stderr
    assert "did you mean 'footer'?" in done.stderr


def test_nested_and_inherited_blocks_are_accepted(project: Path) -> None:
    (project / "mid.md.j2").write_text(
        '{% extends "report.md.j2" %}\n{% block footer %}{% block sign %}m{% endblock %}'
        "{% endblock %}\n"
    )
    (project / "t.md.j2").write_text(
        '{% extends "mid.md.j2" %}\n{% block sign %}signed{% endblock %}\n'
        "{% block case %}{{ case.name }}{% endblock %}\n"
    )
    done = run(project, "--template", "t.md.j2")
    assert done.returncode == 0, done.stderr
    assert (project / "out" / "s.md").read_text().endswith("signed")


def test_machine_results_survive_a_late_template_failure(project: Path) -> None:
    # Fails only on the real run (one case), not on the synthetic check (one per verdict).
    (project / "t.md.j2").write_text("{% if total == 1 %}{{ nope }}{% endif %}ok\n")
    done = run(project, "--template", "t.md.j2", "--format", "md,json,junit")
    assert done.returncode == 2
    assert "'nope' is undefined" in done.stderr
    assert (project / "out" / "s.json").is_file()
    assert (project / "out" / "s.junit.xml").is_file()


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_reports_get_the_modes_the_umask_gives(project: Path, umask: int, mode: int) -> None:
    done = run(project, "--format", "md,json,junit,html", umask=umask)
    assert done.returncode == 0, done.stderr
    files = [p for p in (project / "out").iterdir() if p.is_file()]
    assert len(files) >= 5  # the four formats and index.md
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: mode for p in files}


def test_the_built_in_templates_extend_none() -> None:
    """check_template skips the unknown-block check (a parse) for the built-in templates,
    which is right only while none of them extends another."""
    from jinja2 import nodes

    from yamlparity.report.render import PACKAGE_TEMPLATES, environment

    env = environment(())
    templates = sorted(PACKAGE_TEMPLATES.glob("*.j2"))
    assert templates
    for path in templates:
        tree = env.parse(path.read_text("utf-8"), path.name)
        assert tree.find(nodes.Extends) is None, path.name


@pytest.mark.parametrize(
    "shape",
    [
        SpecShape(),
        SpecShape(kind="http", facets=("status", "headers", "body"), baseline="first"),
        SpecShape(targets=("only",), facets=()),
        SpecShape(kind="http", targets=("a", "b"), facets=("body",)),
        SpecShape(targets=("a", "b"), facets=("stdout", "stderr", "exit_code"), baseline="b"),
    ],
    ids=["command-3", "http-baseline", "one-target", "http-2", "command-facets-baseline"],
)
def test_the_built_in_templates_render_every_verdict_of_every_shape(shape: SpecShape) -> None:
    """A run checks only the templates a user brought (check_template): the built-in ones are
    checked here, over the same synthetic runs, in md and HTML mode."""
    choice = TemplateChoice()
    assert choice.path is None
    render_synthetic(choice, [shape])


def test_a_project_file_shadowing_a_built_in_partial_is_checked_before_the_run(
    project: Path,
) -> None:
    (project / "echo.py").write_text("open('ran', 'w').close()\n" + ECHO)
    (project / "templates").mkdir()
    (project / "templates" / "_analysis.md.j2").write_text("{{ nosuch }}\n")
    done = run(project)
    assert done.returncode == 2
    assert "'nosuch' is undefined" in done.stderr
    assert not (project / "ran").exists()
    assert not (project / "out").exists()


def test_a_template_failing_on_a_real_case_leaves_no_stale_report(project: Path) -> None:
    """The check renders synthetic cases; a template failing on one of the run's own cases
    fails after the run. The earlier run's report must not stay under its name (it read as
    this run's), and the summary line names what was written."""
    assert run(project, "--format", "md,json").returncode == 0
    assert (project / "out" / "s.md").exists()
    (project / "t.md.j2").write_text(
        '{% for c in cases %}{% if c.name == "c" %}{{ nosuch }}{% endif %}{% endfor %}\n'
    )
    done = run(project, "--template", "t.md.j2", "--format", "md,json")
    assert done.returncode == 2
    assert "'nosuch' is undefined" in done.stderr
    assert not (project / "out" / "s.md").exists()
    assert (project / "out" / "s.json").exists()
    assert "→ out/s.json" in done.stdout
