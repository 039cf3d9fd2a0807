"""Paper cuts of the command line, through the real CLI: every spec validated, quiet pipes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.cli import PY, cli_env, run_cli

GOOD = "targets: {a: {run: [x]}, b: {run: [y]}}\ncases: [{name: c, input: 1}]\n"


def test_validate_checks_every_spec_and_prints_a_line_for_each(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "bad1.yaml").write_text(GOOD.replace("input", "inputt"))
    (tmp_path / "bad2.yaml").write_text("targets: {a: {run: [x]}}\ncases: 3\n")
    (tmp_path / "z.yaml").write_text(GOOD)
    done = run_cli(
        "validate", "a.yaml", "bad1.yaml", "bad2.yaml", "z.yaml", "gone.yaml", cwd=tmp_path
    )
    assert done.returncode == 2
    # The programs x and y are not here: each good spec also gets two warnings.
    lines = [line for line in done.stdout.splitlines() if not line.startswith("    warning: ")]
    assert done.stdout.count("    warning: ") == 4
    assert [line.split()[:2] for line in lines] == [
        ["ok", str(tmp_path / "a.yaml")],
        ["ok", str(tmp_path / "z.yaml")],
    ], done.stdout
    # Each error is there with its location, the missing file too.
    assert "bad1.yaml:2:" in done.stderr and "did you mean 'input'" in done.stderr
    assert "bad2.yaml:1:" in done.stderr
    assert "no such file or folder: gone.yaml" in done.stderr


def test_validate_of_good_specs_exits_0(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    done = run_cli("validate", "a.yaml", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("ok  ")


def test_a_closed_pipe_is_silent(tmp_path: Path) -> None:
    """`yamlparity list | head -1`: no 'Broken pipe' error, the shell's SIGPIPE status. The
    listing is larger than any pipe buffer, so the reader's exit always breaks the pipe."""
    rows = "".join(f'{{"name": "case_{n:06d}_{"x" * 40}", "input": {n}}}\n' for n in range(5000))
    (tmp_path / "rows.jsonl").write_text(rows)
    (tmp_path / "s.yaml").write_text(
        "targets: {a: {run: [x]}, b: {run: [y]}}\ncases_from: [rows.jsonl]\n"
    )
    proc = subprocess.Popen(
        [PY, "-m", "yamlparity", "list", "s.yaml"],
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(1) == b"s"
    proc.stdout.close()
    error = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert error == b""


def test_validate_refuses_what_run_would_refuse_between_specs(tmp_path: Path) -> None:
    spec = "name: same\ntargets: {a: {run: [cat]}, b: {run: [cat]}}\ncases: [{name: c, input: 1}]\n"
    (tmp_path / "one.yaml").write_text(spec)
    (tmp_path / "two.yaml").write_text(spec)
    checked = run_cli("validate", "one.yaml", "two.yaml", cwd=tmp_path)
    ran = run_cli("run", "one.yaml", "two.yaml", cwd=tmp_path)
    assert checked.returncode == ran.returncode == 2
    clash = "would both write"
    assert clash in checked.stderr and clash in ran.stderr
    assert checked.stderr.splitlines()[-1] == ran.stderr.splitlines()[-1]
    (tmp_path / "two.yaml").write_text(spec.replace("same", "other"))
    assert run_cli("validate", "one.yaml", "two.yaml", cwd=tmp_path).returncode == 0
