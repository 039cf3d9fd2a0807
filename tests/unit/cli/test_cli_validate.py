"""`validate` says which programs a valid spec would start that are not on this machine."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY


def test_a_program_that_is_not_here_is_a_warning_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "name: val\n"
        "targets:\n"
        "  typo: {run: [nodee-not-here, x.js]}\n"
        f"  here: {{run: [{HELPER_PY}, -c, 'print(1)']}}\n"
        "  planned: {run: [./not-built.sh], when_missing: skip}\n"
        "  built: {run: [./made.sh], build: 'true'}\n"
        "  shell: {run: 'not-here-either | cat', shell: true}\n"
        "cases: [{name: one, input: 1}]\n"
    )
    done = run_cli("validate", "s.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # CI may have what this machine lacks
    lines = done.stdout.splitlines()
    assert lines[0].startswith("ok  ") and lines[0].endswith("(5 targets, 1 cases)")
    assert lines[1:] == [
        "    warning: target `typo` (s.yaml:3:9) runs 'nodee-not-here', which is not found "
        "here: its cases would be ERROR (`when_missing: skip` makes them SKIP)"
    ]


def test_a_service_program_that_is_not_here_is_named(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "name: svc\n"
        "targets:\n"
        "  a: {url: 'http://127.0.0.1:${port}', port: auto,\n"
        "      service: {run: [no-such-server, '${port}']}}\n"
        "  b: {url: 'http://127.0.0.1:9'}\n"
        "cases: [{name: one, request: {path: /}}]\n"
    )
    done = run_cli("validate", "s.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (
        "    warning: target `a` (s.yaml:3:6) its service runs 'no-such-server', which is not "
        "found here: the service could not start and its cases would be ERROR"
    ) in done.stdout.splitlines()
