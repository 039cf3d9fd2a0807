"""A fixture file that `yamlparity fuzz` writes may be listed under `cases_from` before the
first search wrote it: named in `fuzz: {save: ...}` or given as `fuzz --save` (docs/fuzzing.md).
Any other missing fixture is an error, whose hint points at the save file when it looks like one."""

from __future__ import annotations

from pathlib import Path

import pytest

from yamlparity.core.errors import SpecError
from yamlparity.spec.load import load_spec

SPEC = """\
name: probe
targets:
  a: {{run: [cat]}}
  b: {{run: [cat]}}
{fuzz}cases_from: [{fixture}]
cases: [{{name: one, input: 1}}]
"""


def write(folder: Path, fixture: str, fuzz: str = "fuzz: {schema: s.json}\n") -> Path:
    spec = folder / "probe.yaml"
    spec.write_text(SPEC.format(fuzz=fuzz, fixture=fixture))
    (folder / "s.json").write_text('{"type": "integer"}')
    return spec


def test_the_save_file_given_on_the_command_line_may_not_exist_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new-user trial: `fuzz --save quote_found.jsonl` with `cases_from: [quote_found.jsonl]`
    stopped on "'quote_found.jsonl' matches no file" (exit 2)."""
    (tmp_path / "specs").mkdir()
    spec = write(tmp_path / "specs", "found.jsonl")
    monkeypatch.chdir(tmp_path)
    # --save is read from the working folder, cases_from from the spec's.
    loaded = load_spec(spec, {}, fuzz_save=Path("specs/found.jsonl"))
    assert [case.name for case in loaded.cases] == ["one"]
    with pytest.raises(SpecError, match=r"'found\.jsonl' matches no file"):
        load_spec(spec, {}, fuzz_save=Path("found.jsonl"))  # another file


def test_a_missing_fixture_that_looks_like_a_save_file_names_fuzz_save(tmp_path: Path) -> None:
    for fuzz, fixture in (("fuzz: {schema: s.json}\n", "cases.jsonl"), ("", "fuzz_found.jsonl")):
        with pytest.raises(SpecError) as caught:
            load_spec(write(tmp_path, fixture, fuzz), {})
        assert f"{fixture!r} matches no file" in caught.value.message
        hint = caught.value.hint or ""
        assert f"fuzz: {{save: {fixture}}}" in hint and "--save" in hint, hint
    # A glob, or a spec with no fuzz block and a name that says nothing of fuzzing: as before.
    for fixture in ("rows/*.jsonl", "cases.jsonl"):
        with pytest.raises(SpecError) as caught:
            load_spec(write(tmp_path, fixture, ""), {})
        assert caught.value.hint == "fixture paths are relative to the spec's folder"
