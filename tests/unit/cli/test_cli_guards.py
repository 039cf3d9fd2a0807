"""The CLI refuses, before anything runs, what would lose or hide work."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

PY = sys.executable


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=env, timeout=60)


def spec(folder: Path, name: str = "s", report: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "echo.py").write_text(
        "import sys; open('ran.marker', 'a').write('x'); sys.stdout.write(sys.stdin.read())\n"
    )
    report_part = f"report: {{path: {report}}}\n" if report else ""
    path = folder / f"{name}.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            name: {name}
            targets:
              a: {{run: [{HELPER_PY}, echo.py]}}
              b: {{run: [{HELPER_PY}, echo.py]}}
            cases:
              - {{name: one, input: {{n: 1}}}}
            """
        )
        + report_part
    )
    return path


def test_two_specs_writing_one_report_are_refused(tmp_path: Path) -> None:
    spec(tmp_path / "x", "same")
    spec(tmp_path / "y", "same")
    done = cli("run", "x", "y", cwd=tmp_path)
    assert done.returncode == 2
    assert "would both write" in done.stderr
    assert not (tmp_path / "x" / "ran.marker").exists()


def test_a_selection_that_matches_nothing_is_a_usage_error(tmp_path: Path) -> None:
    spec(tmp_path)
    done = cli("run", "s.yaml", "-k", "no_such_case", cwd=tmp_path)
    assert done.returncode == 2
    assert "selects no case" in done.stderr


def test_an_unwritable_report_folder_fails_before_running(tmp_path: Path) -> None:
    spec(tmp_path)
    (tmp_path / "taken").write_text("a file, not a folder")
    done = cli("run", "s.yaml", "--report-dir", "taken", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "report folder" in done.stderr
    assert not (tmp_path / "ran.marker").exists()


def test_template_context_needs_exactly_one_spec(tmp_path: Path) -> None:
    spec(tmp_path, "one")
    spec(tmp_path, "two")
    done = cli("template-context", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert "takes one spec file" in done.stderr
    assert "Traceback" not in done.stderr


def test_template_context_redacts_secrets(tmp_path: Path) -> None:
    (tmp_path / "leak.py").write_text(
        "import os, sys, json; sys.stdin.read(); print(json.dumps({'t': os.environ['TOKEN']}))\n"
    )
    (tmp_path / "s.yaml").write_text(
        textwrap.dedent(
            f"""\
            secrets: [TOKEN]
            targets:
              a: {{run: [{HELPER_PY}, leak.py], env: {{TOKEN: "${{TOKEN}}"}}}}
              b: {{run: [{HELPER_PY}, -c, "print('{{}}')"]}}
            cases:
              - {{name: one, input: {{}}}}
            """
        )
    )
    env = {"TOKEN": "s3cr3t-value-42"}
    done = cli("template-context", "s.yaml", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "s3cr3t-value-42" not in done.stdout
    assert "***" in done.stdout
