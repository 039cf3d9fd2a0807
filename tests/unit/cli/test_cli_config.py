"""Project defaults in [tool.yamlparity] / yamlparity.toml, through the real command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli.test_cli import project, yamlparity  # noqa: F401 - the fixture is used by name
from yamlparity.cli import config
from yamlparity.core.errors import SpecError


def _pyproject(root: Path, body: str) -> None:
    (root / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n[tool.yamlparity]\n{body}')


def test_run_without_arguments_does_the_projects_usual_run(project: Path) -> None:  # noqa: F811
    _pyproject(
        project, 'specs = ["specs"]\nreport_dir = "build/parity"\nformats = ["md", "json"]\n'
    )
    sub = project / "specs"  # run from a subfolder: the file is found by walking up
    done = yamlparity("run", "-k", "same", cwd=sub)
    assert done.returncode == 0, done.stderr
    out = project / "build" / "parity"
    assert sorted(p.name for p in out.iterdir()) == [
        "history.jsonl",
        "index.json",
        "index.md",
        "t.json",
        "t.md",
    ]


def test_command_line_flags_win_over_the_config(project: Path) -> None:  # noqa: F811
    _pyproject(project, 'report_dir = "build/parity"\nformats = "md,json"\n')
    done = yamlparity("run", "-k", "same", "--format", "html", "--report-dir", "mine", cwd=project)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (project / "mine").iterdir())
    assert names == ["history.jsonl", "index.html", "index.json", "t.html"]
    assert not (project / "build").exists()


def test_yamlparity_toml_wins_over_pyproject_in_the_same_folder(project: Path) -> None:  # noqa: F811
    _pyproject(project, 'report_dir = "from_pyproject"\n')
    (project / "yamlparity.toml").write_text('report_dir = "from_own_file"\n')
    done = yamlparity("run", "-q", "-k", "same", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (project / "from_own_file" / "t.md").is_file()


def test_config_template_is_relative_to_the_config_file(project: Path) -> None:  # noqa: F811
    (project / "tpl").mkdir()
    (project / "tpl" / "x.md.j2").write_text("custom {{ spec.name }}\n")
    _pyproject(project, 'template = "tpl/x.md.j2"\nreport_dir = "out"\n')
    done = yamlparity("run", "-k", "same", cwd=project / "specs")
    assert done.returncode == 0, done.stderr
    assert (project / "out" / "t.md").read_text() == "custom t\n"


def test_project_templates_folder_is_picked_up(project: Path) -> None:  # noqa: F811
    (project / "templates").mkdir()
    (project / "templates" / "report.md.j2").write_text(
        '{% extends "yamlparity/report.md.j2" %}{% block footer %}TEAM\n{% endblock %}'
    )
    done = yamlparity("run", "-k", "same", "--report-dir", "out", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (project / "out" / "t.md").read_text().endswith("TEAM\n")


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ('report_dri = "x"\n', "unknown key `report_dri` in [tool.yamlparity]", 5),
        ("jobs = 0\n", "`jobs` must be an integer of at least 1, got 0", 5),
        ('jobs = "4"\n', "`jobs` must be an integer of at least 1, got '4'", 5),
        ('formats = ["md", "pdf"]\n', "`formats`: unknown format 'pdf'", 5),
        ("specs = 3\n", "`specs` must be a string or a list of strings, got 3", 5),
        ("fixed_ok = 1\n", "`fixed_ok` must be true or false, got 1", 5),
        ("jobs = = 2\n", "pyproject.toml is not valid TOML", 5),
        # "at end of document": the file's last line (it had no position at all)
        ('specs = ["specs"\n', "not valid TOML: Unclosed array", 5),
        # it said "no such file or folder: …/nowhere" at that path, not at this line
        ('specs = ["nowhere"]\n', "`specs` names", 5),
    ],
)
def test_config_errors_name_the_file_and_key_and_exit_2(
    project: Path,  # noqa: F811
    body: str,
    message: str,
    line: int,
) -> None:
    _pyproject(project, body)
    done = yamlparity("run", cwd=project)
    assert done.returncode == 2
    assert message in done.stderr
    assert f"pyproject.toml:{line}:" in done.stderr
    # The line itself is shown, as a spec's errors are: the settings file's line.
    assert f"{line} | {body.rstrip()}" in done.stderr.splitlines(), done.stderr
    assert "Traceback" not in done.stderr


def test_every_mistake_in_the_settings_is_told_at_once_in_file_order(tmp_path: Path) -> None:
    """Three mistakes, three errors, one run: not one per attempt."""
    (tmp_path / "yamlparity.toml").write_text(
        'report_dri = "x"\njobs = "4"\nformats = ["md", "pdf"]\n'
    )
    with pytest.raises(SpecError) as info:
        config.load(tmp_path)
    shown = info.value.render()
    errors = [line for line in shown.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: unknown key `report_dri` in yamlparity.toml",
        "error: `jobs` must be an integer of at least 1, got '4'",
        "error: `formats`: unknown format 'pdf': choose from md, html, json, junit",
    ]
    assert '1 | report_dri = "x"\n  | ^' in shown  # the caret under the key


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    (tmp_path / "yamlparity.toml").write_text('temlate = "x"\n')
    with pytest.raises(SpecError) as info:
        config.load(tmp_path)
    assert info.value.hint == "did you mean `template`?"
    # The file has no [tool.yamlparity] table: the message names the file.
    assert info.value.message == "unknown key `temlate` in yamlparity.toml"


def test_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.yamlparity]\njobs = 3\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    found = config.load(inner)
    assert found.jobs == 3 and found.file == (tmp_path / "pyproject.toml").resolve()


def test_the_walk_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "yamlparity.toml").write_text("jobs = 3\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert config.load(repo).file is None
