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
