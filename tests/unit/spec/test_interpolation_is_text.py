"""A `${VAR}` value is text: template syntax in it (a CI variable, a secret) never runs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

# Answers with its arguments and its stdin.
ARGS = "import json, sys; print(json.dumps({'args': sys.argv[1:], 'stdin': sys.stdin.read()}))\n"
HOSTILE = '{{ case.name }} {% if true %}x{% endif %} {# c #} "q" \\ é'


def test_variables_with_template_syntax_reach_the_helper_as_written(tmp_path: Path) -> None:
    (tmp_path / "args.py").write_text(ARGS)
    run = f'[{HELPER_PY}, args.py, "${{LABEL}}", "{{{{ case.name }}}}"]'
    (tmp_path / "s.yaml").write_text(
        "name: literal\n"
        "targets:\n"
        f"  a: {{run: {run}}}\n"
        f"  b: {{run: {run}}}\n"
        'stdin: "${LABEL}|{{ case.input }}"\n'
        "expect:\n"
        "  - path: $.args\n"
        f"    equals: {json.dumps([HOSTILE, 'one'])}\n"
        "  - path: $.stdin\n"
        f"    equals: {json.dumps(HOSTILE + '|7')}\n"
        "cases: [{name: one, input: 7}]\n"
    )
    done = run_cli("run", "s.yaml", "--report-dir", "out", cwd=tmp_path, env={"LABEL": HOSTILE})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 match" in done.stdout


def test_a_secret_holding_template_syntax_loads_and_stays_hidden(tmp_path: Path) -> None:
    (tmp_path / "args.py").write_text(ARGS)
    run = f'[{HELPER_PY}, args.py, "--token=${{TOKEN}}"]'
    (tmp_path / "s.yaml").write_text(
        "name: secret\n"
        "secrets: [TOKEN]\n"
        "targets:\n"
        f"  a: {{run: {run}}}\n"
        f"  b: {{run: [{HELPER_PY}, args.py, other]}}\n"
        "cases: [{name: one, input: 1}]\n"
    )
    token = "s3cr3t-{% raw %}-{{ x }}-value"
    done = run_cli("run", "s.yaml", "--report-dir", "out", "-v", cwd=tmp_path, env={"TOKEN": token})
    assert done.returncode == 1, done.stdout + done.stderr  # the arguments differ: a DIFF
    report = (tmp_path / "out" / "secret.md").read_text()
    assert token not in report and token not in done.stdout
    assert "DIFF" in done.stdout
