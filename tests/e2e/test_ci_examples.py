"""examples/ci cannot rot: their own commands, read from the files, run here as the CI systems
would run them — N runners (each in its own checkout, at the same time), the artifacts laid
out as the CI system hands them to the next job, then the merge job.

Only the steps that set up a machine (checkout, Python, `pip install`) and move artifacts
(upload, download) are not run; the test checks they move what the other steps expect.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cli import OUTPUTS, cli_env
from tests.support.paths import EXAMPLES, HELPER_PY

CI = EXAMPLES / "ci"
SUITE = Path(__file__).resolve().parent / "shard_suite" / "specs"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A project as CI checks it out: the shard suite's specs (calc trimmed to stay quick:
    3 plain cases, no large output)."""
    project = tmp_path / "repo"
    shutil.copytree(SUITE, project / "specs")
    rows = (project / "specs" / "calc.jsonl").read_text("utf-8").split("\n")
    keep = [r for r in rows if r and not re.match(r'\{"name": "(plain_(0[3-9]|1)|big)', r)]
    (project / "specs" / "calc.jsonl").write_text("\n".join(keep) + "\n", "utf-8")
    return project


@pytest.fixture
def tools(tmp_path: Path) -> dict[str, str]:
    """`yamlparity` on PATH as `pip install yamlparity` would put it: this checkout's."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "yamlparity"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m yamlparity "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHON": HELPER_PY}


def run_in_shell(
    script: str, cwd: Path, env: dict[str, str], *, shell: list[str]
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*shell, script],
        cwd=cwd,
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=600,
    )
    OUTPUTS.append(done.stdout + done.stderr)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done


def runners(
    checkout: Path, total: int, script: str, env_of: Any, *, shell: list[str]
) -> list[Path]:
    """`total` runners at once, each in its own copy of the checkout."""
    copies = []
    procs = []
    for k in range(1, total + 1):
        copy = checkout.parent / f"runner-{k}"
        shutil.copytree(checkout, copy)
        copies.append(copy)
        procs.append(
            subprocess.Popen(
                [*shell, script],
                cwd=copy,
                env=cli_env(env_of(k)),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        OUTPUTS.append(out + err)
        assert proc.returncode == 0, err  # exit 1 (divergences) is the merge job's to report
        assert "Traceback" not in out + err
    return copies


def check_merged(folder: Path) -> None:
    index = (folder / "index.md").read_text("utf-8")
    assert "| [calc](calc.md) | Shard suite — left helper vs right helper |" in index
    assert "5 match / 3 diff / 3 known / 2 fixed / 2 fail / 2 error (out of 17)" in index
    assert "| [web](web.md) |" in index and "11 match / 3 diff (out of 14)" in index
    assert {p.name for p in folder.iterdir()} >= {"calc.html", "calc.json", "junit.xml"}


# ---------------------------------------------------------------- GitHub Actions

GITHUB_SHELL = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]  # `run:` steps
ACTIONS = {"GITHUB_ACTIONS": "true", "CI": "true"}  # what every Actions step sees
_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(step for step in job["steps"] if step.get("name") == name)


def _expand(text: str, values: dict[str, str]) -> str:
    return _EXPRESSION.sub(lambda m: values[m.group(1)], text)


def test_the_github_workflow_runs_here(checkout: Path, tools: dict[str, str]) -> None:
    flow = yaml.safe_load((CI / "github-actions.yml").read_text("utf-8"))
    shard_job, merge_job = flow["jobs"]["shard"], flow["jobs"]["merge"]
    matrix = shard_job["strategy"]["matrix"]["shard"]
    assert matrix == [1, 2, 3, 4] and shard_job["strategy"]["fail-fast"] is False
    run_step = _step(shard_job, "Run shard")
    upload = _step(shard_job, "Upload results")
    download = _step(merge_job, "Download results")
    assert merge_job["needs"] == "shard" and merge_job["if"] == "${{ !cancelled() }}"
    assert upload["if"] == "${{ !cancelled() }}"

    def env_of(k: int) -> dict[str, str]:
        values = {"matrix.shard": str(k), "strategy.job-total": str(len(matrix))}
        own = {key: _expand(str(v), values) for key, v in run_step["env"].items()}
        summary = checkout.parent / f"runner-{k}-summary.md"
        return {**tools, **ACTIONS, "GITHUB_STEP_SUMMARY": str(summary), **own}

    copies = runners(checkout, len(matrix), run_step["run"], env_of, shell=GITHUB_SHELL)
    # upload-artifact keeps the folder's contents under the artifact; download-artifact with a
    # pattern puts each artifact in its own folder under `path`.
    merge_dir = checkout.parent / "merge-runner"
    shutil.copytree(checkout, merge_dir)
    for k, copy in enumerate(copies, 1):
        name = _expand(upload["with"]["name"], {"matrix.shard": str(k)})
        assert re.fullmatch(download["with"]["pattern"].replace("*", ".*"), name)
        shutil.copytree(copy / upload["with"]["path"], merge_dir / download["with"]["path"] / name)
    summary = checkout.parent / "step-summary.md"
    summary.write_text("")
    merged = run_in_shell(
        _step(merge_job, "Merge reports")["run"],
        merge_dir,
        {**tools, **ACTIONS, "GITHUB_STEP_SUMMARY": str(summary)},
        shell=GITHUB_SHELL,
    )
    assert merged.returncode == 1, merged.stderr  # the suite has divergences: the gate fails
    report = _step(merge_job, "Upload report")["with"]["path"]
    check_merged(merge_dir / report)
    # The job summary is the merged run's: every spec with its whole tally.
    text = summary.read_text("utf-8")
    assert "calc" in text and "web" in text and "(out of 31)" not in text
    assert "5 match" in text or "| 5 |" in text, text
    for k in range(1, len(matrix) + 1):  # each shard job summarised its own share
        assert (checkout.parent / f"runner-{k}-summary.md").read_text("utf-8")


# ---------------------------------------------------------------- GitLab CI


def _commands(script: list[str]) -> list[str]:
    """The script lines this test runs: all but installing yamlparity (done by the shim)."""
    return [line for line in script if not line.startswith("pip install")]


def test_the_gitlab_pipeline_runs_here(checkout: Path, tools: dict[str, str]) -> None:
    pipeline = yaml.safe_load((CI / "gitlab-ci.yml").read_text("utf-8"))
    shard_job, report_job = pipeline["parity"], pipeline["parity-report"]
    total = shard_job["parallel"]
    assert total == 4 and shard_job["artifacts"]["when"] == "always"
    assert report_job["needs"] == [{"job": "parity", "artifacts": True}]
    assert report_job["when"] == "always"
    (run_line,) = _commands(shard_job["script"])

    def env_of(k: int) -> dict[str, str]:
        return {**tools, "CI_NODE_INDEX": str(k), "CI_NODE_TOTAL": str(total)}

    copies = runners(checkout, total, run_line, env_of, shell=["sh", "-e", "-c"])
    # GitLab extracts every needed job's artifacts into the same paths of the next job.
    merge_dir = checkout.parent / "report-runner"
    shutil.copytree(checkout, merge_dir)
    for copy in copies:
        for kept in shard_job["artifacts"]["paths"]:
            shutil.copytree(copy / kept, merge_dir / kept, dirs_exist_ok=True)
    (merge_line,) = _commands(report_job["script"])
    merged = run_in_shell(merge_line, merge_dir, tools, shell=["sh", "-e", "-c"])
    assert merged.returncode == 1, merged.stderr
    (report,) = report_job["artifacts"]["paths"]
    check_merged(merge_dir / report)
    assert (merge_dir / report_job["artifacts"]["reports"]["junit"]).is_file()
