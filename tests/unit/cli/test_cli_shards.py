"""The selection and shard options refused with a message (exit 2), before anything runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

SPEC = """\
name: t
targets:
  a: {run: [no-such-helper-anywhere]}
  b: {run: [no-such-helper-anywhere]}
cases:
  - {name: one, input: 1}
"""

Cli = Callable[..., CompletedProcess[str]]


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    (tmp_path / "t.yaml").write_text(SPEC)
    old = {"schema_version": 2, "generator": "yamlparity 9", "name": "t", "cases": []}
    (tmp_path / "old.json").write_text(json.dumps(old))
    return tmp_path / "t.yaml"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--durations", "old.json"], "--durations balances a split between shards: add --shard"),
        (["--shard", "5/4", "--report-dir", "o"], "--shard 5/4: K must be between 1 and N (4)"),
        (["--shard", "1-2", "--report-dir", "o"], "--shard takes K/N"),
        (["--shard", "1/2"], "--shard needs --report-dir DIR"),
        (["--last-failed", "old.json", "--failed-first", "old.json"], "choose one"),
        (["--last-failed", "absent.json"], "no such file or folder: absent.json"),
        (["--last-failed", "old.json"], "old.json: results schema_version 2 is not supported"),
        (["--failed-first", "t.yaml"], "t.yaml is not a yamlparity results file"),
    ],
)
def test_refused_with_a_message(run_cli: Cli, spec: Path, args: list[str], message: str) -> None:
    done = run_cli("run", "t.yaml", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert done.stdout == ""  # nothing ran


def test_merge_needs_shards(run_cli: Cli, tmp_path: Path) -> None:
    done = run_cli("merge")
    assert done.returncode == 2 and "the following arguments are required" in done.stderr
    done = run_cli("merge", "nowhere")
    assert done.returncode == 2 and "no such file or folder: nowhere" in done.stderr
    (tmp_path / "loose.json").write_text("{}")
    done = run_cli("merge", "loose.json")
    assert done.returncode == 2 and "not a shard's file" in done.stderr
