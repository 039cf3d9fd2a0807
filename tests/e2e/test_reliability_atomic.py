"""Reports are written atomically: a reader sees the old report or the new one, never half."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from yamlparity.core.atomic import write_atomic

OLD = "old report\n" + "o" * (8 << 20)
NEW = "new report\n" + "n" * (8 << 20)


def test_readers_never_see_a_partial_report(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "r.md"
    write_atomic(path, OLD)
    done = threading.Event()
    seen: set[str] = set()

    def read() -> None:
        while not done.is_set():
            text = path.read_text("utf-8")
            seen.add("old" if text == OLD else "new" if text == NEW else "partial")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for text in (NEW, OLD) * 10:
            write_atomic(path, text)
    finally:
        done.set()
        reader.join()
    assert "partial" not in seen and seen
    assert [p.name for p in path.parent.iterdir()] == ["r.md"]  # no temporary file left


def test_a_failed_write_keeps_the_old_report_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    target.mkdir()  # the final rename cannot replace a folder
    (target / "keep").write_text("previous")
    with pytest.raises(OSError):
        write_atomic(target, NEW)
    assert (target / "keep").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]


def test_undecodable_output_is_written_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    write_atomic(path, "bytes: \udcff\udce9 end")  # surrogate escapes of invalid UTF-8
    assert path.read_text("utf-8") == "bytes: \\udcff\\udce9 end"
