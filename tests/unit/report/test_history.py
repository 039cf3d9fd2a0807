"""history.jsonl: what a run appends, reading the last runs back, the trend, the commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from tests.unit.report.test_formats import sample_result
from yamlparity.report import history
from yamlparity.report.history import (
    Recording,
    append,
    entry,
    read_entries,
    record_run,
    target_durations,
    trend,
)
from yamlparity.results.records import CaseResult, CaseResults, TargetInfo, TargetOutcome


def test_entry_holds_tallies_paths_durations_and_the_spec_hash(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: s\n")
    line = entry(sample_result(), spec_hash=history.spec_hash(spec), commit="abc", select="x*")
    assert line["v"] == 1 and line["spec"] == "sample" and line["total"] == 9
    assert line["tally"]["DIFF"] == 3 and line["passed"] is False and line["select"] == "x*"
    assert ["stdout", ".mean", 1] in line["paths"] and line["paths_more"] == 0
    assert set(line["targets"]) == {"rust", "go", "python"}
    assert line["targets"]["rust"]["max_ms"] >= line["targets"]["rust"]["mean_ms"] > 0
    assert line["spec_hash"].startswith("sha256:") and len(line["spec_hash"]) == 7 + 16
    assert line["wall_s"] is not None
    json.dumps(line)  # plain JSON


def test_append_and_read_back_the_last_runs_of_one_spec(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    for index in range(30):
        append(path, {"spec": "a" if index % 3 else "b", "tally": {"DIFF": index}, "n": index})
    with path.open("a") as handle:
        handle.write('{"torn": \n')  # a line cut by a crash: passed over
    last = read_entries(path, "a", 4)
    assert [e["n"] for e in last] == [25, 26, 28, 29]
    assert [e["n"] for e in read_entries(path, "b")] == list(range(0, 30, 3))
    assert read_entries(tmp_path / "missing.jsonl") == []


def test_an_entry_after_a_line_torn_without_its_newline_is_kept(tmp_path: Path) -> None:
    """A crash mid-write leaves a last line without its newline: the next run's entry starts
    a line of its own (glued to the torn one, it was passed over with it)."""
    path = tmp_path / "history.jsonl"
    append(path, {"spec": "a", "tally": {}, "n": 1})
    with path.open("a") as handle:
        handle.write('{"v":1,"spec":"a","torn')
    append(path, {"spec": "a", "tally": {}, "n": 2})
    assert [e["n"] for e in read_entries(path, "a")] == [1, 2]
    assert path.read_text().count("\n") == 3


def test_reading_backwards_crosses_block_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "_BLOCK", 7)  # lines longer than a block
    path = tmp_path / "history.jsonl"
    for index in range(5):
        append(path, {"spec": "s", "tally": {}, "note": "é" * index * 5, "n": index})
    assert [e["n"] for e in read_entries(path, "s")] == [0, 1, 2, 3, 4]


def test_concurrent_appends_keep_every_line_whole(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    big = "x" * 3000

    def writer(name: str) -> None:
        for index in range(50):
            append(path, {"spec": name, "tally": {}, "n": index, "pad": big})

    threads = [threading.Thread(target=writer, args=(f"s{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    lines = path.read_text().splitlines()
    assert len(lines) == 200 and all(json.loads(line)["pad"] == big for line in lines)


def test_trend_counts_failing_cases_and_their_change() -> None:
    runs = trend(
        [
            {"started": "1", "tally": {"DIFF": 3, "ERROR": 1, "KNOWN": 2}, "commit": "0123456789"},
            {"started": "2", "tally": {"DIFF": 1, "FIXED": 1}, "commit": None},
        ]
    )
    assert [r["failing"] for r in runs] == [4, 2]
    assert [r["divergent"] for r in runs] == [5, 1]
    assert [r["change"] for r in runs] == [None, -2]
    assert runs[0]["short_commit"] == "01234567" and runs[1]["short_commit"] == ""
    assert [r["current"] for r in runs] == [False, True]


def test_a_change_is_counted_only_between_runs_of_the_same_selection() -> None:
    """`-k x` after a full run fails less because it runs less: no change is shown there."""
    runs = trend(
        [
            {"started": "1", "tally": {"DIFF": 3}},
            {"started": "2", "tally": {"DIFF": 1}, "select": "-k x"},
            {"started": "3", "tally": {"DIFF": 2}, "select": "-k x"},
            {"started": "4", "tally": {"DIFF": 2}},
        ]
    )
    assert [r["change"] for r in runs] == [None, None, 1, None]


def test_record_run_appends_and_returns_the_trend_with_this_run_last(tmp_path: Path) -> None:
    result = sample_result()
    result.file = str(tmp_path / "missing-spec.yaml")  # no file, no repository: nulls
    first = record_run(result, tmp_path, Recording())
    second = record_run(result, tmp_path, Recording(select="float*"))
    assert len(first) == 1 and len(second) == 2 and second[-1]["select"] == "float*"
    stored = read_entries(tmp_path / "history.jsonl")
    assert stored[0]["spec_hash"] is None


def test_durations_come_from_the_compact_store_without_rebuilding_cases() -> None:
    store = CaseResults(("a", "b"), ("stdout",))
    for index in range(3):
        outcomes = {
            name: TargetOutcome(name, duration=0.001 * (index + 1) * (2 if name == "b" else 1))
            for name in ("a", "b")
        }
        store.append(
            CaseResult(f"c{index}", "MATCH", outcomes, facet_match={"stdout": True},
                       groups=[["a", "b"]], duration=max(o.duration for o in outcomes.values()))
        )  # fmt: skip
    store.finish()
    result = sample_result()
    result.cases = store
    result.targets = [TargetInfo("a", "command", "a"), TargetInfo("b", "command", "b")]
    assert target_durations(result) == {
        "a": {"mean_ms": 2.0, "p95_ms": 3.0, "max_ms": 3.0},
        "b": {"mean_ms": 4.0, "p95_ms": 6.0, "max_ms": 6.0},
    }


def git(*args: str) -> str:
    """A git command's output (an author and committer of its own, whatever the machine's)."""
    who = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x"}
    env = {**os.environ, **who, "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"}
    done = subprocess.run(["git", *args], capture_output=True, text=True, check=True, env=env,
                          timeout=30)  # fmt: skip
    return done.stdout.strip()


def committed_repository(folder: Path) -> str:
    """`folder` made a repository with one commit (a file in a sub folder); its HEAD."""
    git("init", "-q", str(folder))
    (folder / "deep" / "er").mkdir(parents=True)
    (folder / "deep" / "er" / "f").write_text("x")
    git("-C", str(folder), "add", ".")
    git("-C", str(folder), "commit", "-qm", "x")
    return git("-C", str(folder), "rev-parse", "HEAD")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_commit_is_read_from_git_and_github_sha_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    head = committed_repository(tmp_path)
    history._git_head.cache_clear()
    assert history.git_commit(tmp_path) == head
    monkeypatch.setenv("GITHUB_SHA", "f" * 40)
    assert history.git_commit(tmp_path) == "f" * 40
    monkeypatch.delenv("GITHUB_SHA")
    outside = tmp_path.parent / f"{tmp_path.name}-not-a-repo"
    outside.mkdir()
    history._git_head.cache_clear()
    assert history.git_commit(outside) is None


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_commit_is_found_wherever_git_finds_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # git is not started where no repository can be (history._maybe_in_repository): these
    # are the places git finds one from, each must still give its commit.
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    repo = tmp_path / "repo"
    head = committed_repository(repo)
    git("-C", str(repo), "worktree", "add", "-q", str(tmp_path / "linked"))  # `.git` is a file
    git("clone", "-q", "--bare", str(repo), str(tmp_path / "bare.git"))
    for folder in (repo / "deep" / "er", tmp_path / "linked", tmp_path / "bare.git"):
        history._git_head.cache_clear()
        assert history.git_commit(folder) == head, folder
    plain = tmp_path / "plain"
    plain.mkdir()
    history._git_head.cache_clear()
    assert history.git_commit(plain) is None
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    history._git_head.cache_clear()
    assert history.git_commit(plain) == head


def test_a_folder_that_cannot_be_looked_into_is_left_to_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Path.exists raises PermissionError (not False) under a folder without search permission:
    # the check must not end the report in a traceback; git is asked, as before the check.
    def refused(self: Path) -> bool:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "exists", refused)
    assert history._maybe_in_repository(tmp_path) is True
