"""GitHub Actions workflow commands: escaping and where an annotation points."""

from __future__ import annotations

from pathlib import Path

import pytest

from yamlparity.core.errors import Location
from yamlparity.report.github import (
    Annotations,
    SummaryNotAppended,
    append_summary,
    command,
    escape_data,
    escape_property,
    workspace_path,
)
from yamlparity.results.records import CaseResult, SpecResult


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


def test_without_a_spec_the_places_given_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pytest plugin's xdist controller has results and the places found by its workers."""
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    cases = [CaseResult(name, "ERROR", {}, reason="boom") for name in ("a", "b")]
    result = SpecResult("s", "s", "", str(tmp_path / "s.yaml"), "command", [], cases, "t")
    places = {"a": Location(str(tmp_path / "rows.jsonl"), 3, 1)}
    lines = list(Annotations().for_result(result, places))
    assert lines[0].startswith("::error file=rows.jsonl,line=3,col=1,title=yamlparity ERROR%3A")
    assert lines[1] == "::error file=s.yaml,title=yamlparity ERROR%3A s/b::ERROR b: boom"


def test_a_summary_that_cannot_be_appended_says_why(tmp_path: Path) -> None:
    assert append_summary("# x", {}) is None  # not under Actions
    with pytest.raises(SummaryNotAppended, match=r"\$GITHUB_STEP_SUMMARY \(.*\): Is a directory"):
        append_summary("# x", {"GITHUB_STEP_SUMMARY": str(tmp_path)})
