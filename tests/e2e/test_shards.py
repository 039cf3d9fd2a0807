"""Shards through the real CLI (tests/e2e/shard_suite): N shards and a merge write exactly the
reports of one run; a spec without cases in a shard starts nothing; every refusal is exit 2 with
a message; a shard that dies is reported, never dropped; --last-failed, --failed-first and
--durations do what they say.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import OUTPUTS, PY, cli_env, run_cli, start_forked, wait_for
from tests.support.paths import HELPER_PY
from yamlparity.run.shard import hash_shard

SUITE = Path(__file__).resolve().parent / "shard_suite"
ALL_FORMATS = "md,html,json,junit"
_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_PORT = re.compile(r"(127\.0\.0\.1:|server\.py )\d+")
_SECONDS = re.compile(r'\b(time|timestamp)="[^"]*"')
_MILLIS = re.compile(r"\b\d+(\.\d+)? ms\b")
# Keys that hold times: what two runs of the same cases never share.
TIMES = frozenset({"started", "finished", "duration", "wall_s", "mean_ms", "p95_ms", "max_ms"})


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    shutil.copytree(SUITE / "specs", tmp_path / "specs")
    return tmp_path


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env={"PYTHON": HELPER_PY, **(env or {})})


SHARD_FLAGS = ("--format", "json", "-q")


def run_shards(
    cwd: Path, total: int, *extra: str, env: dict[str, str] | None = None
) -> list[subprocess.CompletedProcess[str]]:
    """`run --shard K/N` for every K at once, as N CI runners would; each in shards/K."""
    full_env = cli_env({"PYTHON": HELPER_PY, **(env or {})})
    argvs = [
        (
            "run",
            "specs",
            "--shard",
            f"{k}/{total}",
            "--report-dir",
            f"shards/{k}",
            *SHARD_FLAGS,
            *extra,
        )
        for k in range(1, total + 1)
    ]
    forked = [start_forked(*argv, cwd=cwd, env=full_env) for argv in argvs]
    spawned = [
        None
        if running is not None
        else subprocess.Popen(
            [PY, "-m", "yamlparity", *argv],
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for running, argv in zip(forked, argvs, strict=True)
    ]
    done = []
    for running, proc in zip(forked, spawned, strict=True):
        if running is not None:
            result = running.result(timeout=300)
        else:
            assert proc is not None
            out, err = proc.communicate(timeout=300)
            result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        OUTPUTS.append(result.stdout + result.stderr)
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        done.append(result)
    return done


def comparable(path: Path) -> Any:
    """A report file without what differs between two runs of the same cases: dates,
    durations and the ports services were given."""
    text = path.read_text("utf-8")
    if path.suffix == ".json":
        return _without_times(json.loads(text))
    if path.suffix == ".jsonl":
        return [_without_times(json.loads(line)) for line in text.splitlines()]
    text = _DATE.sub("<date>", text)
    return _MILLIS.sub("<ms>", _SECONDS.sub("", _PORT.sub(r"\1<port>", text)))


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k not in TIMES}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    if isinstance(value, str):
        return _PORT.sub(r"\1<port>", value)
    return value


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def assert_same_reports(whole: Path, merged: Path) -> None:
    assert files(whole) == files(merged)
    for name in files(whole):
        assert comparable(merged / name) == comparable(whole / name), name


# ---------------------------------------------------------------- one run == N shards + merge


def test_four_shards_and_a_merge_write_exactly_the_reports_of_one_run(suite: Path) -> None:
    whole = cli("run", "specs", "--report-dir", "out", "--format", ALL_FORMATS, cwd=suite)
    assert whole.returncode == 1, whole.stderr
    (suite / "out").rename(suite / "whole")
    shards = run_shards(suite, 4)
    assert {s.returncode for s in shards} <= {0, 1}
    merged = cli("merge", "shards", "--report-dir", "out", "--format", ALL_FORMATS, cwd=suite)
    assert merged.returncode == 1, merged.stderr
    assert (
        "[parity] calc: 14 match / 4 diff / 3 known / 2 fixed / 2 fail / 2 error (out of 27)"
        in (merged.stdout)
    )
    assert_same_reports(suite / "whole", suite / "out")
    # The comparison covered what matters: the large output shown as it arrived, the audit
    # flag on the rule that removes a differing field, the files written beside the report.
    report = (suite / "out" / "calc.md").read_text("utf-8")
    assert "Shown as it arrived" in report and "possible masked divergence" in report
    assert (suite / "out" / "calc" / "big_output.right.json").is_file()
    held = [
        json.loads((suite / f"shards/{k}/yamlparity-shard.json").read_text()) for k in range(1, 5)
    ]
    calc = [name for shard in held for name in shard["specs"][0]["names"]]
    assert sorted(calc) == sorted(set(calc)) and len(calc) == 27


def test_a_split_by_measured_durations_merges_into_the_same_reports(suite: Path) -> None:
    pick = ["-k", "plain_0 or float or crash or web_0"]
    first = cli("run", "specs", *pick, "--report-dir", "out", "--format", "md,json", cwd=suite)
    assert first.returncode == 1, first.stderr
    (suite / "out").rename(suite / "whole")
    shards = run_shards(suite, 3, *pick, "--durations", "whole")
    assert {s.returncode for s in shards} <= {0, 1}
    splits = {
        json.loads((suite / f"shards/{k}/yamlparity-shard.json").read_text())["split"]
        for k in (1, 2, 3)
    }
    assert len(splits) == 1 and splits.pop().startswith("durations sha256:")
    merged = cli("merge", "shards", "--report-dir", "out", "--format", "md,json", "-q", cwd=suite)
    assert merged.returncode == 1, merged.stderr
    assert "[-k 'plain_0 or float or crash or web_0': 15 of 27 cases]" in merged.stdout
    # -q: one summary line a spec, no index line (the index is written all the same).
    assert [line.split(":")[0] for line in merged.stdout.splitlines()] == [
        "[parity] calc",
        "[parity] web",
    ]
    assert_same_reports(suite / "whole", suite / "out")


def test_a_shard_starts_only_the_services_its_cases_need(suite: Path) -> None:
    starts = suite / "starts.log"
    pick = ["-k", "web_01 or web_02 or plain_00"]
    shards = run_shards(suite, 4, *pick, env={"SHARD_SUITE_STARTS": str(starts)})
    with_web = [
        k
        for k in range(1, 5)
        if json.loads((suite / f"shards/{k}/yamlparity-shard.json").read_text())["specs"][1][
            "names"
        ]
    ]
    assert with_web == sorted({hash_shard("web", n, 4) for n in ("web_01", "web_02")})
    # Each of those shards started both services once; the others started nothing.
    assert sorted(starts.read_text().split()) == sorted(["a", "b"] * len(with_web))
    for k, shard in enumerate(shards, 1):
        if k not in with_web:
            assert f"[parity] web: no case in shard {k}/4; nothing started" in shard.stdout


# ---------------------------------------------------------------- refusals


# The tests that start from them run on one xdist worker (`--dist loadgroup`), which runs the
# shards once for all of them.
ONE_WORKER = pytest.mark.xdist_group("two_shards")


@pytest.fixture(scope="module")
def _two_shards_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two shards every refusal below starts from, run once for the module (the same
    shards each time: they only read them, or change their own copy)."""
    folder = tmp_path_factory.mktemp("two_shards")
    shutil.copytree(SUITE / "specs", folder / "specs")
    shards = run_shards(folder, 2, "-k", "plain_0")
    assert [s.returncode for s in shards] == [0, 0], [s.stderr for s in shards]
    return folder


@pytest.fixture
def two_shards(tmp_path: Path, _two_shards_run: Path) -> Path:
    """The specs and both shards' folders, this test's own copy (as CI hands a merge job the
    artifacts of runners that each had a checkout of their own)."""
    shutil.copytree(_two_shards_run, tmp_path, dirs_exist_ok=True)
    return tmp_path


def merge_error(cwd: Path, *inputs: str) -> str:
    done = cli("merge", *inputs, "--report-dir", "out", cwd=cwd)
    assert done.returncode == 2, done.stdout + done.stderr
    assert not (cwd / "out").exists()  # nothing written from a refused set
    return done.stderr


@ONE_WORKER
def test_a_missing_shard_is_refused(two_shards: Path) -> None:
    assert "shard 2 of 2 missing (1 of 2 given)" in merge_error(two_shards, "shards/1")


@ONE_WORKER
def test_last_failed_refuses_an_incomplete_set_of_shards_as_merge_does(two_shards: Path) -> None:
    """The cases of a shard not given would never run again: refused, not a silent pass."""
    done = cli("run", "specs", "--last-failed", "shards/2", "--report-dir", "out", cwd=two_shards)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--last-failed shards/2: shard 1 of 2 missing (1 of 2 given)" in done.stderr
    assert "give every shard's folder, or the merged reports folder" in done.stderr
    assert done.stdout == "" and not (two_shards / "out").exists()
    # Every shard, given one by one or by their common folder, is one run.
    for given in (["shards/1", "shards/2"], ["shards"]):
        args = [a for path in given for a in ("--last-failed", path)]
        whole = cli("run", "specs", *args, "--report-dir", "out", cwd=two_shards)
        assert whole.returncode == 0, whole.stderr
        assert whole.stdout.startswith("[parity] nothing failed in"), whole.stdout


@ONE_WORKER
def test_a_shard_given_twice_is_refused(two_shards: Path) -> None:
    shutil.copytree(two_shards / "shards/1", two_shards / "again")
    message = merge_error(two_shards, "shards", "again")
    assert "shard 1/2 is given twice" in message


@ONE_WORKER
def test_shards_of_different_spec_versions_are_refused(two_shards: Path) -> None:
    fixture = two_shards / "specs" / "calc.jsonl"
    with fixture.open("a", encoding="utf-8") as rows:  # the spec changed between the runners
        rows.write('{"name": "added_later", "input": {"n": 99}}\n')
    shutil.rmtree(two_shards / "shards/2")
    again = cli(
        "run",
        "specs",
        "-k",
        "plain_0",
        "--shard",
        "2/2",
        "--report-dir",
        "shards/2",
        "--format",
        "json",
        cwd=two_shards,
    )
    assert again.returncode == 0, again.stderr
    message = merge_error(two_shards, "shards")
    assert "spec calc differs between shards: shard 1/2 ran version sha256:" in message
    assert "every runner must check out the same commit" in message


@ONE_WORKER
def test_shards_of_different_splits_are_refused(two_shards: Path) -> None:
    other = cli(
        "run",
        "specs",
        "-k",
        "plain_0",
        "--shard",
        "1/3",
        "--report-dir",
        "three/1",
        "--format",
        "json",
        cwd=two_shards,
    )
    assert other.returncode == 0, other.stderr
    assert "shards of different splits cannot be merged" in merge_error(
        two_shards, "shards", "three"
    )


def test_shards_given_one_last_failed_folder_spelled_two_ways_merge(suite: Path) -> None:
    """`--last-failed out` on one runner and `--last-failed /abs/out` on another select the
    same cases: merge compared the spelling and refused them. A different selection is still
    refused."""
    pick = ["-k", "plain_00 or float_2 or crash_1 or bad_4"]
    first = cli("run", "specs", *pick, "--report-dir", "out", "--format", "json", cwd=suite)
    assert first.returncode == 1, first.stderr
    spelled = {1: "out", 2: str(suite / "out")}
    for k, given in spelled.items():
        shard = cli("run", "specs", "--last-failed", given, "--shard", f"{k}/2",
                    "--report-dir", f"shards/{k}", "--format", "json", "-q", cwd=suite)  # fmt: skip
        assert shard.returncode in (0, 1), shard.stderr
    merged = cli("merge", "shards", "--report-dir", "merged", "--format", "json", cwd=suite)
    assert merged.returncode == 1, merged.stderr
    assert "[last failed in out: 3 of 27 cases]" in merged.stdout, merged.stdout
    # Shard 2 of another selection (one failed case fewer): refused.
    shutil.rmtree(suite / "shards/2")
    other = cli("run", "specs", "--last-failed", "out", "-k", "not bad_4", "--shard", "2/2",
                "--report-dir", "shards/2", "--format", "json", "-q", cwd=suite)  # fmt: skip
    assert other.returncode in (0, 1), other.stderr
    refused = cli("merge", "shards", "--report-dir", "refused", cwd=suite)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "spec calc: shard 1/2 selected 3 of 27 cases, shard 2/2 2 of 27" in refused.stderr


@ONE_WORKER
def test_a_results_file_of_another_schema_version_is_refused(two_shards: Path) -> None:
    results = two_shards / "shards/1/calc.json"
    results.write_text(
        results.read_text("utf-8").replace('"schema_version": 1', '"schema_version": 2', 1), "utf-8"
    )
    assert "results schema_version 2 is not supported (this yamlparity reads 1)" in merge_error(
        two_shards, "shards"
    )


@ONE_WORKER
def test_a_manifest_of_another_schema_version_is_refused(two_shards: Path) -> None:
    path = two_shards / "shards/2/yamlparity-shard.json"
    data = json.loads(path.read_text())
    data["schema_version"] = 2
    path.write_text(json.dumps(data))
    message = merge_error(two_shards, "shards")
    assert "shard manifest schema_version 2 is not supported" in message


def test_a_folder_without_shards_is_refused(suite: Path) -> None:
    (suite / "empty").mkdir()
    assert "no yamlparity-shard.json under empty" in merge_error(suite, "empty")


# ---------------------------------------------------------------- a shard that dies


def _slow_spec(folder: Path, cases: list[tuple[str, str]]) -> None:
    """Spec `slow`: each case sleeps `sleep` seconds (after touching $SHARD_SUITE_MARK when
    its input says `mark`), then both targets answer alike."""
    (folder / "specs" / "slow.py").write_text(
        "import json, os, pathlib, sys, time\n"
        "case = json.loads(sys.stdin.read())\n"
        "if case.get('mark'):\n"
        "    pathlib.Path(os.environ['SHARD_SUITE_MARK']).touch()\n"
        "time.sleep(case.get('sleep', 0))\n"
        "print(json.dumps({'ok': True}))\n"
    )
    rows = "".join(f"  - {{name: {name}, input: {data}}}\n" for name, data in cases)
    (folder / "specs" / "slow.yaml").write_text(
        "name: slow\n"
        "targets:\n"
        '  a: {run: ["${PYTHON}", slow.py], timeout: 300}\n'
        '  b: {run: ["${PYTHON}", slow.py], timeout: 300}\n'
        f"cases:\n{rows}"
    )


def _hang_spec(folder: Path) -> tuple[str, str]:
    """A spec whose one case hangs, named so that it falls in shard 2 of 2, and a quick one."""
    hang = next(f"hang_{i}" for i in range(100) if hash_shard("slow", f"hang_{i}", 2) == 2)
    quick = next(f"quick_{i}" for i in range(100) if hash_shard("slow", f"quick_{i}", 2) == 2)
    _slow_spec(folder, [(quick, "{}"), (hang, "{sleep: 120}")])
    return quick, hang


def test_an_interrupted_shard_writes_what_it_did_and_merge_names_the_rest(suite: Path) -> None:
    _slow_spec(suite, [("first", "{}"), ("in_flight", "{sleep: 3, mark: true}"), ("after", "{}")])
    mark = suite / "in-flight.mark"
    shard = subprocess.Popen(
        [PY, "-m", "yamlparity", "run", "specs/slow.yaml", "--shard", "1/1", "--report-dir",
         "shards/1", "--format", "json", "-q", "-j", "1"],
        cwd=suite,
        env=cli_env({"PYTHON": HELPER_PY, "SHARD_SUITE_MARK": str(mark)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        wait_for(mark.exists, within=120)
        shard.send_signal(signal.SIGTERM)  # a cancelled CI job: the case in flight finishes
        _, err = shard.communicate(timeout=120)
    finally:
        if shard.poll() is None:
            shard.kill()
            shard.wait()
    assert shard.returncode == 130, err
    manifest = json.loads((suite / "shards/1/yamlparity-shard.json").read_text())
    assert manifest["status"] == "interrupted"
    merged = cli("merge", "shards", "--report-dir", "out", "--format", "json", cwd=suite)
    assert merged.returncode == 1, merged.stderr
    cases = json.loads((suite / "out" / "slow.json").read_text())["cases"]
    assert [(c["name"], c["verdict"]) for c in cases] == [
        ("first", "MATCH"),
        ("in_flight", "MATCH"),
        ("after", "ERROR"),
    ]
    assert cases[2]["reason"] == "not run: shard 1/1 was interrupted before this case"
    # --last-failed given the shard's folder reads it as merge does: the case the interrupt
    # left unrun is re-run (it was dropped: "nothing failed", exit 0, a green retry).
    rerun = cli("run", "specs/slow.yaml", "--last-failed", "shards", "--report-dir", "again",
                "--format", "json", cwd=suite)  # fmt: skip
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "[last failed in shards: 1 of 3 cases]" in rerun.stdout, rerun.stdout
    again = json.loads((suite / "again" / "slow.json").read_text())["cases"]
    assert [c["name"] for c in again] == ["after"]


def test_a_shard_that_died_is_reported_as_incomplete_never_dropped(suite: Path) -> None:
    quick, hang = _hang_spec(suite)
    pick = ["-k", f"plain_0 or {quick} or {hang}"]
    calc_here = [n for n in (f"plain_0{i}" for i in range(10)) if hash_shard("calc", n, 2) == 2]
    assert calc_here  # the dying shard has calc cases to finish before it reaches `slow`
    done = cli(
        "run",
        "specs",
        *pick,
        "--shard",
        "1/2",
        "--report-dir",
        "shards/1",
        "--format",
        "json",
        cwd=suite,
    )
    assert done.returncode == 0, done.stderr
    dying = subprocess.Popen(
        [
            PY,
            "-m",
            "yamlparity",
            "run",
            "specs",
            *pick,
            "--shard",
            "2/2",
            "--report-dir",
            "shards/2",
            "--format",
            "json",
            "-q",
            "-j",
            "1",
        ],
        cwd=suite,
        env=cli_env({"PYTHON": HELPER_PY}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    manifest = suite / "shards/2/yamlparity-shard.json"

    def calc_written() -> bool:
        try:
            specs = json.loads(manifest.read_text())["specs"]
        except (OSError, ValueError):
            return False
        return specs[0]["results"] is not None  # calc is done; slow (after it) is running

    try:
        wait_for(calc_written, within=240)
        os.killpg(dying.pid, signal.SIGKILL)  # the runner dies: no clean-up, no last write
    finally:
        dying.wait(timeout=60)
    assert json.loads(manifest.read_text())["status"] == "running"
    merged = cli("merge", "shards", "--report-dir", "out", "--format", "md,json", cwd=suite)
    assert merged.returncode == 1, merged.stderr
    assert "[parity] slow: 0 match / 0 diff / 2 error (out of 2) (incomplete)" in merged.stdout
    data = json.loads((suite / "out" / "slow.json").read_text())
    assert {c["name"]: c["verdict"] for c in data["cases"]} == {quick: "ERROR", hang: "ERROR"}
    assert data["cases"][0]["reason"].startswith("not run: shard 2/2 stopped before this case")
    assert data["error"].startswith("incomplete run: 2 of the 2 selected cases have no result")
    report = (suite / "out" / "slow.md").read_text("utf-8")
    assert "**Error:** incomplete run" in report
    # The calc cases of the dead shard were written before it died: they are all there.
    calc = json.loads((suite / "out" / "calc.json").read_text())
    assert len(calc["cases"]) == 10 and all(c["verdict"] == "MATCH" for c in calc["cases"])
    # ... and `--last-failed` on the merged results runs exactly the cases that never ran.
    rerun = cli(
        "run",
        "specs/slow.yaml",
        "--last-failed",
        "out",
        "-k",
        quick,
        "--report-dir",
        "again",
        cwd=suite,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"[-k {quick}, last failed in out: 1 of 2 cases]" in rerun.stdout
    # ... and so does `--last-failed` on the shard folders themselves (it read only what the
    # dead shard had written, and ran nothing of `slow`).
    rerun = cli("run", "specs/slow.yaml", "--last-failed", "shards", "-k", quick,
                "--report-dir", "again2", cwd=suite)  # fmt: skip
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"[-k {quick}, last failed in shards: 1 of 2 cases]" in rerun.stdout


# ---------------------------------------------------------------- re-running what failed


def test_last_failed_runs_only_the_failures_and_says_so(suite: Path) -> None:
    pick = ["-k", "plain_00 or plain_01 or float_2 or crash_1 or bad_4 or web_01"]
    first = cli("run", "specs", *pick, "--report-dir", "out", "--format", "md,json", cwd=suite)
    assert first.returncode == 1, first.stderr
    web_report = (suite / "out" / "web.md").read_text("utf-8")
    again = cli(
        "run",
        "specs",
        "--last-failed",
        "out",
        "--report-dir",
        "out",
        "--format",
        "md,json",
        cwd=suite,
    )
    assert again.returncode == 1, again.stderr
    lines = again.stdout.splitlines()
    assert (
        "[parity] calc: 0 match / 1 diff / 1 fail / 1 error (out of 3) "
        "[last failed in out: 3 of 27 cases] → out/calc.md"
    ) in lines
    assert "[parity] web: no case failed in out; not run, its report is left as it was" in lines
    assert lines[-1] == "[parity] index: 2 specs (1 from this run) → out/index.md"  # web's kept
    assert (suite / "out" / "web.md").read_text("utf-8") == web_report
    report = (suite / "out" / "calc.md").read_text("utf-8")
    assert "**Selection:** last failed in out: 3 of 27 cases — not a full run." in report
    names = [c["name"] for c in json.loads((suite / "out" / "calc.json").read_text())["cases"]]
    assert names == ["float_2", "crash_1", "bad_4"]  # in spec order
    assert json.loads((suite / "out" / "calc.json").read_text())["selection"] == (
        "last failed in out: 3 of 27 cases"
    )
    # The history names each run's selection as it was given (no `-k` before a filter).
    runs = cli("history", "out", "--spec", "calc", cwd=suite).stdout.splitlines()[1:3]
    assert runs[0].endswith("  -k plain_00 or plain_01 or float_2 or crash_1 or bad_4 or web_01")
    assert runs[1].endswith("  last failed in out"), runs


def test_last_failed_with_nothing_failed_runs_nothing(suite: Path) -> None:
    first = cli(
        "run", "specs", "-k", "plain_00", "--report-dir", "out", "--format", "json", cwd=suite
    )
    assert first.returncode == 0, first.stderr
    again = cli("run", "specs", "--last-failed", "out", "--report-dir", "out", cwd=suite)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "[parity] nothing failed in out: nothing to run again"


def test_failed_first_runs_the_failures_first_and_reports_the_full_run(suite: Path) -> None:
    pick = ["-k", "plain_00 or plain_01 or plain_02 or float_2 or crash_1 or web_01"]
    first = cli("run", "specs", *pick, "--report-dir", "out", "--format", "md,json", cwd=suite)
    assert first.returncode == 1, first.stderr
    (suite / "out").rename(suite / "before")
    log = suite / "order.log"
    again = cli(
        "run", "specs", *pick, "--failed-first", "before", "-j", "1", "--report-dir", "out",
        "--format", "md,json", cwd=suite, env={"SHARD_SUITE_LOG": str(log)},
    )  # fmt: skip
    assert again.returncode == 1, again.stderr
    ran = [json.loads(line)[1] for line in log.read_text().splitlines()]
    kinds = [case.get("kind", "plain") for case in ran]
    # Both targets of a case run together; the two failed cases come before any other.
    assert sorted(kinds[:4]) == ["crash", "crash", "float", "float"]
    assert set(kinds[4:]) == {"plain"}
    assert (
        "[parity] calc: the 2 that failed last time: 0 match / 1 diff / 1 error; now the other 3"
        in again.stdout
    )
    assert_same_reports(suite / "before", suite / "out")
