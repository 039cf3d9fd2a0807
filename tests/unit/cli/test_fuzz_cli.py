"""`yamlparity fuzz` options checked through the CLI, on a schema of two inputs (a search
ends as soon as both were sent) and two helpers that agree."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

ECHO = """\
import sys
for line in sys.stdin:
    sys.stdout.write(line)
    sys.stdout.flush()
"""


def project(folder: Path, extra: str = "") -> Path:
    (folder / "echo.py").write_text(ECHO)
    (folder / "s.json").write_text('{"type": "boolean"}')
    spec = folder / "probe.yaml"
    spec.write_text(
        "name: probe\ntargets:\n"
        f"  a: {{run: [{HELPER_PY}, echo.py], mode: stream}}\n"
        f"  b: {{run: [{HELPER_PY}, echo.py], mode: stream}}\n"
        f"fuzz: {{schema: s.json}}\n{extra}"
    )
    return spec


def test_the_save_option_names_a_file_cases_from_may_read_before_it_exists(
    tmp_path: Path,
) -> None:
    """A new-user trial followed docs/fuzzing.md with `--save` instead of `fuzz.save`:
    "'found.jsonl' matches no file", exit 2, before any search."""
    project(tmp_path, "cases_from: [found.jsonl]\n")
    done = run_cli(
        "fuzz", "probe.yaml", "--save", "found.jsonl", "--no-db", "--report-dir", "r",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "no new input was left to try" in done.stdout


def test_an_example_database_that_cannot_be_written_is_refused_before_the_search(
    tmp_path: Path,
) -> None:
    """A new-user trial: `--db /proc/nope` was silently ignored (Hypothesis drops what it
    cannot store) and the report said `"database": "/proc/nope"`."""
    project(tmp_path)
    (tmp_path / "blocker").write_text("a file where a folder would go")
    for db in ("blocker/db", "blocker"):
        done = run_cli("fuzz", "probe.yaml", "--db", db, "--report-dir", "r", cwd=tmp_path)
        assert done.returncode == 2, done.stdout
        assert done.stderr.startswith(f"error: --db {db}: cannot store examples there"), done.stderr
        assert "--no-db" in done.stderr and done.stdout == ""
        assert not (tmp_path / "r").exists()  # refused before anything was written
    done = run_cli("fuzz", "probe.yaml", "--db", "cache/db", "--report-dir", "r", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cache" / "db").is_dir()
