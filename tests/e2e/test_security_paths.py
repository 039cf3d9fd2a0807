"""Names from a spec never escape their folder; fixtures never come from outside the spec's
folder (symlinks included) unless allowed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yamlparity.core.errors import SpecError
from yamlparity.core.safepath import MAX_COMPONENT, PathEscapeError, inside, safe_component
from yamlparity.spec.load import load_spec

HOSTILE_NAMES = [
    "../../etc/passwd",
    "/etc/passwd",
    "..",
    ".",
    "",
    "a/b",
    "a\\b",
    "nul\x00byte",
    ".hidden",
    "con",
    "COM1.md",
    "x" * 400,
    "new\nline",
    "\u00e9t\u00e9",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_safe_component_is_one_harmless_component(tmp_path: Path, name: str) -> None:
    safe = safe_component(name)
    assert safe and safe not in (".", "..") and not safe.startswith(".")
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert len(safe) <= MAX_COMPONENT
    assert (tmp_path / f"{safe}.md").resolve().parent == tmp_path.resolve()
    (tmp_path / f"{safe}.md").write_text("ok")  # the file system accepts it


def test_safe_component_keeps_good_names_and_separates_changed_ones() -> None:
    assert safe_component("session_log-2.v1") == "session_log-2.v1"
    assert safe_component("a/b") != safe_component("a_b")
    assert safe_component("a/b") != safe_component("a\\b")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_safe_component_property(name: str) -> None:
    safe = safe_component(name)
    assert os.path.basename(safe) == safe and safe not in ("", ".", "..")
    assert "\x00" not in safe and len(safe) <= MAX_COMPONENT


def test_inside_accepts_paths_below_the_folder(tmp_path: Path) -> None:
    assert inside(tmp_path, "a/b.md") == tmp_path.resolve() / "a" / "b.md"
    assert inside(tmp_path, tmp_path / "x.md") == tmp_path.resolve() / "x.md"
    assert inside(tmp_path, ".") == tmp_path.resolve()


@pytest.mark.parametrize("path", ["../x.md", "/etc/passwd", "a/../../x", "a\x00b"])
def test_inside_refuses_escapes(tmp_path: Path, path: str) -> None:
    with pytest.raises(PathEscapeError):
        inside(tmp_path, path)


def test_inside_refuses_a_symlink_leading_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "link").symlink_to(outside)
    with pytest.raises(PathEscapeError):
        inside(folder, "link/x.md")


# ----------------------------------------------------------------------------- fixtures

SPEC = """\
targets:
  a: {run: [python3, a.py]}
  b: {run: [python3, b.py]}
cases_from: [fixtures/*.jsonl]
"""


def fixture_tree(tmp_path: Path) -> tuple[Path, Path]:
    secret = tmp_path / "outside" / "secret.jsonl"
    secret.parent.mkdir()
    secret.write_text('{"name": "stolen", "input": "private data"}\n')
    spec_dir = tmp_path / "probe"
    (spec_dir / "fixtures").mkdir(parents=True)
    (spec_dir / "fixtures" / "ok.jsonl").write_text('{"name": "ok", "input": 1}\n')
    spec = spec_dir / "spec.yaml"
    spec.write_text(SPEC)
    return spec, secret


def test_a_fixture_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    spec, secret = fixture_tree(tmp_path)
    (spec.parent / "fixtures" / "link.jsonl").symlink_to(secret)
    with pytest.raises(SpecError) as caught:
        load_spec(spec, environ={})
    assert "outside the spec's folder" in caught.value.message
    assert "private data" not in caught.value.render()
    assert caught.value.location is not None and caught.value.location.line == 4
    allowed = load_spec(spec, environ={}, allow_outside=True)
    assert "stolen" in [c.name for c in allowed.cases]


def test_a_symlinked_fixture_folder_pointing_outside_is_refused(tmp_path: Path) -> None:
    spec, secret = fixture_tree(tmp_path)
    (spec.parent / "fixtures" / "more").symlink_to(secret.parent, target_is_directory=True)
    spec.write_text(SPEC.replace("fixtures/*.jsonl", "fixtures/**/*.jsonl"))
    with pytest.raises(SpecError, match="outside the spec's folder"):
        load_spec(spec, environ={})


def test_a_symlink_inside_the_folder_is_fine(tmp_path: Path) -> None:
    spec, _ = fixture_tree(tmp_path)
    (spec.parent / "fixtures" / "alias.jsonl").symlink_to(spec.parent / "fixtures" / "ok.jsonl")
    with pytest.raises(SpecError, match="duplicate case name 'ok'"):
        load_spec(spec, environ={})  # read (it is inside), hence the same case twice


@pytest.mark.parametrize("pattern", ["../outside/secret.jsonl", "/etc/passwd", "fixtures/../../x"])
def test_fixture_paths_leaving_the_folder_are_refused(tmp_path: Path, pattern: str) -> None:
    spec, _ = fixture_tree(tmp_path)
    spec.write_text(SPEC.replace("fixtures/*.jsonl", pattern))
    with pytest.raises(SpecError, match="outside the spec's folder"):
        load_spec(spec, environ={})
