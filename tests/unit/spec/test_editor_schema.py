"""The schema editors use accepts every spec and part file we ship, as each file stands."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.support.cli import run_cli
from tests.support.paths import ROOT
from yamlparity.spec.validation import editor_schema

SHIPPED = sorted(
    [*(ROOT / "examples").rglob("*.yaml"), *(ROOT / "docs" / "cookbook").rglob("*.yaml")]
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_yaml_file_is_valid_for_an_editor(path: Path) -> None:
    document = yaml.safe_load(path.read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(editor_schema())
    errors = [e.message for e in validator.iter_errors(document)]
    assert errors == []


def test_a_spec_taking_its_targets_from_include_is_fine_in_an_editor() -> None:
    document = {"include": ["parts/services.yaml"], "cases": [{"name": "c", "input": 1}]}
    assert list(jsonschema.Draft202012Validator(editor_schema()).iter_errors(document)) == []


def test_the_editor_schema_still_catches_a_misspelled_key() -> None:
    document = {"include": ["parts/services.yaml"], "casez": []}
    messages = [
        e.message for e in jsonschema.Draft202012Validator(editor_schema()).iter_errors(document)
    ]
    assert any("casez" in m for m in messages)


def test_schema_write_gives_editors_a_stable_path(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.yamlparity]\nspecs = ['specs']\n")
    (tmp_path / "specs").mkdir()
    done = run_cli("schema", "--write", cwd=tmp_path / "specs")
    assert done.returncode == 0, done.stderr
    written = tmp_path / ".yamlparity" / "spec.schema.json"
    assert json.loads(written.read_text()) == editor_schema()
    assert "# yaml-language-server: $schema=../.yamlparity/spec.schema.json" in done.stdout


def test_the_first_line_is_relative_to_the_spec_folder_not_to_where_it_ran(
    tmp_path: Path,
) -> None:
    """A new-user trial: run at the project root, it printed `$schema=.yamlparity/...`, which
    a spec in specs/ resolves to specs/.yamlparity/...: nothing there."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "specs").mkdir()
    done = run_cli("schema", "--write", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "first line of a spec in specs/ (one more ../ for each folder below it):"
    assert lines[2] == "# yaml-language-server: $schema=../.yamlparity/spec.schema.json"
    spec_folder = tmp_path / "specs"
    assert (spec_folder / "../.yamlparity/spec.schema.json").resolve().is_file()


def test_the_schema_the_repository_s_specs_point_at_is_the_editor_schema() -> None:
    """The examples, cookbook specs and docs point at editor.schema.json in the source tree:
    a spec whose `targets` come from `include:` (examples/validator) is valid there, where the
    loader's schema (spec.schema.json) requires them."""
    committed = ROOT / "yamlparity" / "spec" / "schema" / "editor.schema.json"
    assert json.loads(committed.read_text("utf-8")) == editor_schema(), (
        "regenerate it: yamlparity schema > yamlparity/spec/schema/editor.schema.json"
    )
    pointing = [
        path
        for folder in ("examples", "docs", "specs")
        for path in (ROOT / folder).rglob("*.yaml")
        if "yaml-language-server" in path.read_text("utf-8").split("\n", 1)[0]
    ]
    assert len(pointing) >= 10
    for path in pointing:
        line = path.read_text("utf-8").split("\n", 1)[0]
        schema = (path.parent / line.split("$schema=", 1)[1]).resolve()
        assert schema == committed.resolve(), path
        document = yaml.safe_load(path.read_text("utf-8"))
        errors = list(jsonschema.Draft202012Validator(editor_schema()).iter_errors(document))
        assert errors == [], (path, [e.message for e in errors])
