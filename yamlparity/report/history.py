"""Run history: one compact JSON line per spec and run in `<report folder>/history.jsonl`.

JSON Lines, so a team can ask it questions with the tools it has (`jq`, `grep`, a notebook)
and so concurrent runs can append without a lock: each entry is written by a single
`write()` on a file opened with O_APPEND. Reports read back the last runs of their spec to
draw the trend; reading starts at the end of the file, so a years-long history costs little.
The format is documented in docs/history.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from yamlparity._version import __version__
from yamlparity.report.render import display_file
from yamlparity.results.pathstats import path_stats
from yamlparity.results.records import FAILING, VERDICTS, CaseResults, SpecResult

HISTORY_NAME = "history.jsonl"
HISTORY_VERSION = 1
TREND_RUNS = 12  # runs a report shows in its trend, the current one included
MAX_PATHS = 50  # per-path counts kept per entry (the most frequent); the rest are counted
# Reading backwards stops after this much of the file: an entry is ~1 KB, so this holds
# thousands of runs, while a history grown for years is never read whole by a report.
READ_LIMIT = 16 * 1024 * 1024
_BLOCK = 64 * 1024
GIT_TIMEOUT = 3.0
# Verdicts drawn in the trend, bottom to top: what failed, then what was accepted.
TREND_VERDICTS = ("DIFF", "FAIL", "ERROR", "FIXED", "KNOWN")


@dataclass(frozen=True)
class Recording:
    """How a run is recorded: `select` is the `-k` expression that chose its cases."""

    select: str | None = None
    runs: int = TREND_RUNS


def history_path(report_folder: Path) -> Path:
    return report_folder / HISTORY_NAME


def record_run(
    result: SpecResult,
    folder: Path,
    recording: Recording,
    stats: Sequence[Mapping[str, Any]] | None = None,
    *,
    fixed_ok: bool = False,
) -> list[dict[str, Any]]:
    """Append this run to `folder`'s history and return the trend of the last runs of its
    spec (this one last), as the report context's `history`. `fixed_ok`: the run had
    --fixed-ok, so a FIXED case did not fail it (the entry's `passed` follows the exit code)."""
    file = Path(result.file)
    line = entry(
        result,
        spec_hash=spec_hash(file),
        commit=git_commit(file.parent),
        select=recording.select,
        stats=stats,
        fixed_ok=fixed_ok,
    )
    path = history_path(folder)
    append(path, line)
    return trend(read_entries(path, result.name, recording.runs))


def entry(
    result: SpecResult,
    *,
    spec_hash: str | None = None,
    commit: str | None = None,
    select: str | None = None,
    stats: Sequence[Mapping[str, Any]] | None = None,
    fixed_ok: bool = False,
) -> dict[str, Any]:
    """The line one run of one spec leaves in the history (see docs/history.md). `stats`:
    the per-path statistics when the caller has them (the report's `analysis.path_stats`).
    `passed` is the exit code's gate: with `fixed_ok` a FIXED case does not fail the run."""
    tally = result.tally()
    if stats is None:
        stats = [
            {"facet": s.facet, "path": s.path, "cases": s.cases} for s in path_stats(result.cases)
        ]
    return {
        "v": HISTORY_VERSION,
        "spec": result.name,
        "file": display_file(result.file),
        "started": result.started,
        "finished": result.finished,
        "wall_s": _seconds_between(result.started, result.finished),
        "total": len(result.cases),
        "tally": tally,
        "passed": not result.fails_run(fixed_ok),
        **({"fixed_ok": True} if fixed_ok else {}),
        "interrupted": result.interrupted,
        "select": select,
        "paths": [[s["facet"], s["path"], s["cases"]] for s in _most_frequent(stats)],
        "paths_more": max(0, len(stats) - MAX_PATHS),
        "targets": target_durations(result),
        "spec_hash": spec_hash,
        "commit": commit,
        "generator": f"yamlparity {__version__}",
    }


def _most_frequent(stats: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    # The report's table may be in line order (text outputs): keep the most frequent.
    ranked = sorted(stats, key=lambda s: -int(s["cases"]))
    return ranked[:MAX_PATHS]


def append(path: Path, line: Mapping[str, Any]) -> None:
    """One entry, one write: O_APPEND keeps lines whole when several runs append at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        # Runs appending at once (shards, xdist workers): the look at the last byte and the
        # write go together, or a line being written by another looks torn.
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        if _ends_unfinished(fd):
            # A torn last line (a crash mid-write, a hand edit): start on a line of our own,
            # or this entry would be glued to it and passed over with it when read.
            data = b"\n" + data
        os.write(fd, data)
    finally:
        os.close(fd)


def _ends_unfinished(fd: int) -> bool:
    """Whether the file's last byte is there and is not a newline."""
    size = os.fstat(fd).st_size
    return size > 0 and os.pread(fd, 1, size - 1) != b"\n"


def read_entries(path: Path, spec: str | None = None, last: int | None = None) -> list[Any]:
    """The last `last` entries (of `spec`, when given), oldest first. Lines that are not
    entries (a torn write, a hand edit) are passed over: history is a record, not an input
    whose errors should stop a run."""
    found: list[Any] = []
    for line in _lines_backwards(path):
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict) or not isinstance(item.get("tally"), dict):
            continue
        if spec is not None and item.get("spec") != spec:
            continue
        found.append(item)
        if last is not None and len(found) >= last:
            break
    found.reverse()
    return found


def _lines_backwards(path: Path) -> Iterator[str]:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        end = handle.seek(0, os.SEEK_END)
        stop = max(0, end - READ_LIMIT)
        position, rest = end, b""
        while position > stop:
            size = min(_BLOCK, position - stop)
            position -= size
            handle.seek(position)
            chunk = handle.read(size) + rest
            lines = chunk.split(b"\n")
            rest = lines.pop(0)  # may continue in the block before this one
            for raw in reversed(lines):
                if raw.strip():
                    yield raw.decode("utf-8", "replace")
        if rest.strip() and stop == 0:
            yield rest.decode("utf-8", "replace")


def trend(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Entries as the report context's `history` (docs/report-context.md): oldest first."""
    runs: list[dict[str, Any]] = []
    previous: int | None = None
    previous_select: object = None
    for index, item in enumerate(entries):
        tally: dict[str, int] = {v: int(item["tally"].get(v, 0) or 0) for v in VERDICTS}
        # The cases that failed the run: FIXED did not in a run with --fixed-ok.
        fixed_ok = item.get("fixed_ok") is True
        failing = sum(tally[v] for v in FAILING if not (fixed_ok and v == "FIXED"))
        runs.append(
            {
                "started": str(item.get("started", "")),
                "commit": item.get("commit"),
                "short_commit": str(item.get("commit") or "")[:8],
                "tally": tally,
                "total": int(item.get("total", 0) or 0),
                "divergent": tally["DIFF"] + tally["KNOWN"],
                "failing": failing,
                # Only between runs of the same cases: `-k x` after a full run fails less.
                "change": (
                    None
                    if previous is None or item.get("select") != previous_select
                    else failing - previous
                ),
                "passed": bool(item.get("passed")),
                "select": item.get("select"),
                "wall_s": item.get("wall_s"),
                "current": index == len(entries) - 1,
            }
        )
        previous, previous_select = failing, item.get("select")
    return runs


def target_durations(result: SpecResult) -> dict[str, dict[str, float]]:
    """Per target: mean, 95th percentile and slowest case, in milliseconds."""
    names = [t.name for t in result.targets]
    per: dict[str, list[float]] = {name: [] for name in names}
    cases = result.cases
    if isinstance(cases, CaseResults):
        # The compact store keeps plain MATCH durations in one column: no case is rebuilt.
        width = len(cases.targets)
        for index in range(len(cases)):
            if index in cases.full:  # kept whole (not a plain MATCH)
                _add_outcomes(per, cases.full[index])
            else:
                for n, name in enumerate(cases.targets):
                    if name in per:
                        per[name].append(cases.durations[index * width + n])
    else:
        for case in cases:
            _add_outcomes(per, case)
    return {name: _summary(values) for name, values in per.items() if values}


def _add_outcomes(per: dict[str, list[float]], case: Any) -> None:
    for name, outcome in case.outcomes.items():
        if name in per and outcome.error is None and outcome.skipped is None:
            per[name].append(outcome.duration)


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def _seconds_between(started: str, finished: str) -> float | None:
    try:
        start = datetime.fromisoformat(started.replace("Z", "+00:00"))
        end = datetime.fromisoformat(finished.replace("Z", "+00:00"))
    except ValueError:
        return None
    return round((end - start).total_seconds(), 3)


def spec_hash(file: Path) -> str | None:
    """sha256 of the spec file's bytes (first 16 hex digits): which version of it ran."""
    try:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError:
        return None
    return f"sha256:{digest[:16]}"


def git_commit(folder: Path) -> str | None:
    """The commit being tested: $GITHUB_SHA under GitHub Actions, else `git rev-parse HEAD`
    in the spec's folder; None outside a repository or without git."""
    sha = os.environ.get("GITHUB_SHA", "").strip()
    if sha:
        return sha
    return _git_head(str(folder.resolve()))


@cache
def _git_head(folder: str) -> str | None:
    if not _maybe_in_repository(Path(folder)):
        return None  # what git would say, without starting it (~3 ms of a small run)
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "-q", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    head = done.stdout.strip()
    return head if done.returncode == 0 and head else None


def _maybe_in_repository(folder: Path) -> bool:
    """False only where git would find no repository: no `.git` (folder or file) and no bare
    repository in the folder or above it, and no GIT_DIR. Anything else is left to git."""
    if os.environ.get("GIT_DIR"):
        return True
    try:
        for level in (folder, *folder.parents):
            if (level / ".git").exists() or (
                (level / "HEAD").is_file() and (level / "objects").is_dir()
            ):
                return True
    except OSError:  # a folder it may not look into (EACCES): git decides, as before
        return True
    return False
