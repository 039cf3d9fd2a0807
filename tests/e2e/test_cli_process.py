"""The suite's two ways of starting the CLI agree: a new interpreter per run, and a child
forked from a process that imported yamlparity once (tests/support/forkcli.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import cli, forkcli
from tests.support.cli import PY
from tests.support.paths import HELPER_PY

SPEC = f"""
name: agree
targets:
  left: {{run: [{HELPER_PY}, "-c", "import sys; print(sys.stdin.read())"]}}
  right: {{run: [{HELPER_PY}, "-c", "import sys, os; print(os.environ['ANSWER'])"]}}
cases:
  - name: same
    input: {{"v": 1}}
  - name: other
    input: {{"v": 2}}
"""


Outcome = tuple[int, str, str]


def _zygote() -> forkcli.Zygote:
    base = {k: v for k, v in cli.cli_env().items() if k != cli.MARKER_NAME}
    zygote = forkcli.zygote_for(PY, base)
    assert zygote is not None
    return zygote


def _both(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> list[Outcome]:
    """The run as a new interpreter, then forked: exit code, stdout, stderr of each."""
    seen = []
    for spawn in ("1", "0"):
        forks = _zygote().forks
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("YAMLPARITY_TEST_SPAWN", spawn)
            done = cli.run_cli(*args, cwd=tmp_path, env=env)
        assert _zygote().forks == forks + (spawn == "0")
        seen.append((done.returncode, done.stdout, done.stderr))
    return seen


def test_the_zygote_forks_a_child_that_runs_the_cli(tmp_path: Path) -> None:
    zygote = _zygote()
    assert zygote.fits(cli.cli_env())
    assert not zygote.fits(cli.cli_env({"PYTHONPATH": str(tmp_path)}))  # a new interpreter


def test_a_run_with_a_diff_reads_env_and_cwd_the_same_both_ways(tmp_path: Path) -> None:
    (tmp_path / "agree.yaml").write_text(SPEC, "utf-8")
    spawned, forked = _both(tmp_path, "run", "agree.yaml", env={"ANSWER": '{"v": 1}'})
    assert spawned == forked
    assert spawned[0] == 1
    assert "1 match / 1 diff" in spawned[1]


def test_a_bad_spec_and_the_version_are_the_same_both_ways(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: bad\ntargets: [1\n", "utf-8")
    spawned, forked = _both(tmp_path, "validate", "bad.yaml")
    assert spawned == forked and spawned[0] == 2
    assert "bad.yaml:" in spawned[2]
    assert _both(tmp_path, "--version")[0] == _both(tmp_path, "--version")[1]


def test_the_leak_check_finds_a_process_started_in_its_window_and_only_there() -> None:
    since = cli.last_pid()
    left = subprocess.Popen(
        ["sh", "-c", "echo up; exec sleep 60"], env=cli.cli_env(), stdout=subprocess.PIPE
    )
    try:
        # `up` comes just before the exec: the check must find a process in the middle of
        # one too (its environment reads empty for a moment: support.cli._environ).
        assert left.stdout is not None and left.stdout.readline() == b"up\n"
        assert left.pid in cli.marked_processes(since)
        assert left.pid in cli.marked_processes()  # without a window: every process is read
        assert left.pid not in cli.marked_processes(cli.last_pid())  # started before it
    finally:
        left.kill()
        left.wait()
        if left.stdout is not None:
            left.stdout.close()
    assert left.pid not in cli.marked_processes(since)


def test_the_leak_check_window_follows_pids_past_pid_max() -> None:
    plain, wrapped = cli.given_since(100, 200), cli.given_since(32000, 50)
    assert [plain(p) for p in (100, 101, 200, 201)] == [False, True, True, False]
    assert [wrapped(p) for p in (32000, 32001, 1, 50, 51)] == [False, True, True, True, False]
    assert cli.given_since(None, 5)(1) and cli.given_since(5, None)(1)  # unknown: read all
