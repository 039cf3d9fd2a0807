"""GitHub Actions workflow commands: escaping and where an annotation points."""

from __future__ import annotations

from pathlib import Path

from yamlparity.cli.github import command, escape_data, escape_property, workspace_path


def test_escaping_follows_the_runner_rules() -> None:
    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_command_line() -> None:
    line = command("error", "DIFF x\n.a: 1", file="specs/a,b.yaml", line=7, column=3, title="t: x")
    assert line == "::error file=specs/a%2Cb.yaml,line=7,col=3,title=t%3A x::DIFF x%0A.a: 1"
    assert command("notice", "n") == "::notice::n"


def test_paths_are_relative_to_the_workspace(tmp_path: Path) -> None:
    spec = tmp_path / "specs" / "a.yaml"
    assert workspace_path(str(spec), {"GITHUB_WORKSPACE": str(tmp_path)}) == "specs/a.yaml"
    outside = tmp_path.parent / "elsewhere.yaml"
    assert workspace_path(str(outside), {"GITHUB_WORKSPACE": str(tmp_path)}) == str(outside)
