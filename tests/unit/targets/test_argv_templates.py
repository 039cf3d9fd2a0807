"""A case can change a command target's arguments: `run: [jq, -c, "{{ case.input.program }}"]`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

# Prints its arguments and its stdin, so what it was given can be compared exactly.
ARGS = "import json, sys; print(json.dumps({'args': sys.argv[1:], 'stdin': sys.stdin.read()}))\n"


def spec(folder: Path, run_b: str = "") -> None:
    (folder / "args.py").write_text(ARGS)
    run = f'[{HELPER_PY}, args.py, "{{{{ case.input.program }}}}", "--name={{{{ case.name }}}}"]'
    (folder / "s.yaml").write_text(
        "name: argv\n"
        "targets:\n"
        f"  a: {{run: {run}}}\n"
        f"  b: {{run: {run_b or run}}}\n"
        'stdin: "{{ case.input.data | tojson }}"\n'
        "expect:\n"
        "  - path: $.args\n"
        "    cases: [hostile]\n"
        '    equals: ["$(touch PWNED); echo \'x\' > y", "--name=hostile"]\n'
        "    targets: [a]\n"
        "cases:\n"
        "  - {name: dot, input: {program: '.', data: [1]}}\n"
        "  - {name: hostile, input: {program: \"$(touch PWNED); echo 'x' > y\", data: 2}}\n"
    )


def test_each_argument_is_rendered_per_case_and_stays_one_argument(tmp_path: Path) -> None:
    spec(tmp_path)
    done = run_cli("run", "s.yaml", "--report-dir", "out", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "y").exists()


def test_rendered_arguments_reach_the_program_and_the_reproducer(tmp_path: Path) -> None:
    # b adds an argument, so the case diverges and the report shows both argvs.
    run_b = (
        f'[{HELPER_PY}, args.py, "{{{{ case.input.program }}}}", '
        '"--name={{ case.name }}", extra]'
    )
    spec(tmp_path, run_b=run_b)
    done = run_cli("run", "s.yaml", "--report-dir", "out", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1
    results = json.loads((tmp_path / "out" / "argv.json").read_text())
    hostile = next(c for c in results["cases"] if c["name"] == "hostile")
    differing = {d["path"]: d["values"] for d in hostile["differences"]}
    assert differing[".args[2]"] == {"b": "extra"}  # a has no third argument
    repro = hostile["reproducers"]["a"]
    # The reproducer passes the same single argument, quoted for the shell.
    assert "'$(touch PWNED); echo '\"'\"'x'\"'\"' > y'" in repro
    assert "--name=hostile" in repro


def test_the_program_itself_cannot_be_a_template(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "targets:\n"
        '  a: {run: ["{{ case.input }}", x]}\n'
        "  b: {run: [python3, x]}\n"
        "cases: [{name: c, input: 1}]\n"
    )
    done = run_cli("validate", "s.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "s.yaml:2:" in done.stderr and "cannot be a template" in done.stderr


def test_a_stream_helper_cannot_take_arguments_per_case(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "targets:\n"
        '  a: {run: [python3, x, "{{ case.name }}"], mode: stream}\n'
        "  b: {run: [python3, x]}\n"
        "cases: [{name: c, input: 1}]\n"
    )
    done = run_cli("validate", "s.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "mode: stream" in done.stderr and "s.yaml:2:" in done.stderr
