"""Where `yamlparity fuzz` keeps Hypothesis's caches: one copy per user, not per project."""

from __future__ import annotations

from pathlib import Path

import pytest

from yamlparity.cli.cmd_fuzz import _hypothesis_home


def test_the_user_cache_folder_else_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert _hypothesis_home(project) == tmp_path / "cache" / "yamlparity" / "hypothesis"
    assert (tmp_path / "cache" / "yamlparity" / "hypothesis").is_dir()
    for level in ("yamlparity", "yamlparity/hypothesis"):  # private folders, as XDG asks
        assert (tmp_path / "cache" / level).stat().st_mode & 0o077 == 0
    # XDG: a relative XDG_CACHE_HOME is ignored, ~/.cache is the default.
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _hypothesis_home(project) == tmp_path / "home" / ".cache" / "yamlparity" / "hypothesis"
    assert not (project / "relative").exists() and not (project / ".yamlparity").exists()
    # No folder can be made there (a file in the way): the project's git-ignored .yamlparity/.
    (tmp_path / "blocked").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocked"))
    assert _hypothesis_home(project) == project / ".yamlparity" / "hypothesis"
    assert (project / ".yamlparity" / ".gitignore").read_text().endswith("*\n")
