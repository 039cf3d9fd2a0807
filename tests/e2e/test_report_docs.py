"""Generated and hand-written docs stay true: the spec reference, the cookbook, CLI help."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from yamlparity.spec.load import load_spec

COOKBOOK = sorted((ROOT / "docs" / "cookbook").glob("*/*.yaml"))


def test_spec_reference_is_generated_from_the_shipped_schema() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_spec_reference.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + "(run: python scripts/gen_spec_reference.py)"


def test_spec_reference_covers_every_top_level_key() -> None:
    from yamlparity.spec.load import schema

    doc = (ROOT / "docs" / "spec-reference.md").read_text("utf-8")
    for key in schema()["properties"]:
        assert f"### `{key}`" in doc


def test_cookbook_has_every_recipe() -> None:
    names = {p.parent.name for p in COOKBOOK}
    assert {"command_probe", "http_probe", "three_way", "known_gap", "data_driven"} <= names


@pytest.mark.parametrize("spec", COOKBOOK, ids=[p.parent.name for p in COOKBOOK])
def test_cookbook_spec_loads(spec: Path) -> None:
    loaded = load_spec(spec, environ={})
    assert loaded.cases


@pytest.mark.parametrize("spec", COOKBOOK, ids=[p.parent.name for p in COOKBOOK])
def test_cookbook_shows_each_spec_verbatim(spec: Path) -> None:
    doc = (ROOT / "docs" / "cookbook.md").read_text("utf-8")
    assert spec.read_text("utf-8").strip() in doc, f"{spec} and docs/cookbook.md differ"


def test_cli_doc_lists_every_subcommand() -> None:
    exe = shutil.which("yamlparity")
    assert exe is not None
    help_text = subprocess.run([exe, "--help"], capture_output=True, text=True).stdout
    commands = re.search(r"\{([a-z,-]+)\}", help_text)
    assert commands is not None
    doc = (ROOT / "docs" / "cli.md").read_text("utf-8")
    for command in commands.group(1).split(","):
        assert f"yamlparity {command}" in doc


def test_spec_reference_headings_are_unique() -> None:
    """Each key has its own heading (and so its own link anchor), even where a command and an
    HTTP target share a key name."""
    doc = (ROOT / "docs" / "spec-reference.md").read_text("utf-8")
    headings = [line for line in doc.splitlines() if line.startswith("#")]
    assert len(headings) == len(set(headings)), sorted(h for h in headings if headings.count(h) > 1)
