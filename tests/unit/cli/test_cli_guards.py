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


def test_a_spec_k_selects_nothing_of_keeps_its_report_and_history(tmp_path: Path) -> None:
    """`run specs -k coupon` ran spec `web`, which has no such case, as 0 cases: its report
    became `0 match / 0 diff (out of 0)`, the index showed the failing spec as passing and its
    history got a run of 0 cases. Such a spec is not run, as with --last-failed."""
    spec(tmp_path, "calc")
    web = spec(tmp_path, "web")
    (tmp_path / "boom.py").write_text("import sys; sys.exit(3)\n")
    # web's one case, `boom`, is an ERROR: target b exits 3.
    text = web.read_text().replace("name: one", "name: boom")
    head, tail = text.rsplit("echo.py]}", 1)
    web.write_text(head + "boom.py]}" + tail)
    first = cli("run", ".", "--report-dir", "kc", cwd=tmp_path)
    assert first.returncode == 1, first.stdout + first.stderr
    kept = {
        name: (tmp_path / "kc" / name).read_bytes()
        for name in ("web.md", "history.jsonl", "index.json")
    }
    runs = kept["history.jsonl"].decode().count('"spec":"web"')
    done = cli("run", ".", "-k", "one", "--report-dir", "kc", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "[parity] web: no case selected (-k one); its report is left as it was" in lines
    assert any(line.startswith("[parity] calc: 1 match") for line in lines), lines
    assert (tmp_path / "kc" / "web.md").read_bytes() == kept["web.md"]
    history = (tmp_path / "kc" / "history.jsonl").read_text()
    assert history.count('"spec":"web"') == runs, "no run of 0 cases in web's history"
    index = (tmp_path / "kc" / "index.md").read_text()
    web_row = next(line for line in index.splitlines() if line.startswith("| [web"))
    assert web_row.endswith("| 0 match / 0 diff / 1 error (out of 1) | **fail** |"), web_row


def test_a_selection_that_matches_nothing_in_any_spec_runs_nothing(tmp_path: Path) -> None:
    """Nothing selected anywhere is a typo, not a green run: exit 2 before any spec runs or
    any report is touched."""
    spec(tmp_path, "calc")
    spec(tmp_path, "web")
    assert cli("run", ".", "--report-dir", "kc", cwd=tmp_path).returncode == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "kc").iterdir() if p.is_file()}
    (tmp_path / "ran.marker").unlink()
    done = cli("run", ".", "-k", "coupon", "--report-dir", "kc", cwd=tmp_path)
    assert done.returncode == 2
    assert "error: -k 'coupon' selects no case in the given specs" in done.stderr
    assert not (tmp_path / "ran.marker").exists()
    after = {p.name: p.read_bytes() for p in (tmp_path / "kc").iterdir() if p.is_file()}
    assert after == before


def test_a_spec_with_a_misspelt_cases_key_is_an_error_not_skipped(tmp_path: Path) -> None:
    """`validate specs3` said ok for the other spec and exited 0; `run` ran the others. The
    misspelt spec is an error at its key for validate, run and list alike."""
    spec(tmp_path / "specs", "good")
    bad = spec(tmp_path / "specs" / "t", "typo")
    bad.write_text(bad.read_text().replace("cases:", "case:"))
    checked = cli("validate", "specs", cwd=tmp_path)
    assert checked.returncode == 2
    assert "ok  " in checked.stdout and "good.yaml" in checked.stdout
    assert "error: unknown key 'case' in the top level" in checked.stderr
    assert "--> specs/t/typo.yaml:5:1 (at case)" in checked.stderr
    assert "= hint: did you mean 'cases'?" in checked.stderr
    for command in ("run", "list"):
        done = cli(command, "specs", cwd=tmp_path)
        assert done.returncode == 2, command
        assert "did you mean 'cases'?" in done.stderr, command
    assert not (tmp_path / "specs" / "ran.marker").exists(), "nothing ran"
