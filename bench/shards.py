"""Shards: how even the split is, what one runner does per second, what a merge costs.

Usage: python bench/shards.py [--smoke]

1. Balance, measured: 400 cases whose time is skewed (a long tail: median ~11 ms, a few at
   1.5 s; each case sleeps that long in a `mode: stream` helper, so the time is the case's and
   not this busy machine's). One run of every case (`-j 1`) writes the durations; then 4 shards
   split by hash and 4 split by those durations run at once (as 4 CI runners would), each
   `-j 1`. Per shard: its wall time and the sum of its cases' durations, against the mean.
2. Cost model: cases/s of one runner on cheap cases (a stream helper that answers at once),
   the split's own cost for 10^5 and 10^6 case ids, and `merge` of 4 shards of 20,000 cases.
`--smoke` runs a tiny version that proves every part works; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PY = sys.executable
SHARDS = 4

SLEEPER = """\
import json, sys, time
for line in sys.stdin:
    case = json.loads(line)
    time.sleep(case.get("ms", 0) / 1000)
    sys.stdout.write(json.dumps({"ok": True, "n": case.get("n")}) + "\\n")
    sys.stdout.flush()
"""


def spec(folder: Path, name: str, rows: list[dict[str, object]]) -> Path:
    (folder / "sleeper.py").write_text(SLEEPER)
    with (folder / f"{name}.jsonl").open("w") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
    path = folder / f"{name}.yaml"
    path.write_text(
        f"name: {name}\n"
        "targets:\n"
        f"  a: {{run: [{PY}, sleeper.py], mode: stream, timeout: 60}}\n"
        f"  b: {{run: [{PY}, sleeper.py], mode: stream, timeout: 60}}\n"
        f"cases_from: [{name}.jsonl]\n"
    )
    return path


def skewed_rows(count: int, seed: int = 11) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        {
            "name": f"case_{i:05d}",
            "input": {"n": i, "ms": round(min(1500, 5 / rng.random() ** 1.2))},
        }
        for i in range(count)
    ]


def yamlparity(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PY, "-m", "yamlparity", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait(proc: subprocess.Popen[str], started: float) -> float:
    """Seconds from `started` until `proc` ended."""
    _, err = proc.communicate(timeout=1800)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"yamlparity failed ({proc.returncode}): {err}")
    return time.perf_counter() - started


def wait_all(procs: list[subprocess.Popen[str]], started: float) -> list[float]:
    """`wait` for processes running at once: each one's own end, not the order of waiting."""
    ends = [0.0] * len(procs)

    def one(index: int) -> None:
        ends[index] = wait(procs[index], started)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(procs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ends


def case_seconds(results: Path) -> float:
    return sum(case["duration"] for case in json.loads(results.read_text())["cases"])


def shards_at_once(folder: Path, out: str, *extra: str) -> list[tuple[float, float]]:
    """SHARDS runners at once; per shard (wall seconds, seconds of its cases)."""
    started = time.perf_counter()
    procs = [
        yamlparity("run", "balance.yaml", "--shard", f"{k}/{SHARDS}", "--report-dir",
                   f"{out}/{k}", "--format", "json", "-q", "-j", "1", *extra, cwd=folder)
        for k in range(1, SHARDS + 1)
    ]  # fmt: skip
    walls = wait_all(procs, started)
    return [
        (wall, case_seconds(folder / f"{out}/{k}/balance.json")) for k, wall in enumerate(walls, 1)
    ]


def spread(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return max(abs(v - mean) / mean for v in values)


def bench_balance(folder: Path, count: int) -> list[str]:
    spec(folder, "balance", skewed_rows(count))
    started = time.perf_counter()
    whole = wait(
        yamlparity("run", "balance.yaml", "--report-dir", "whole", "--format", "json", "-q",
                   "-j", "1", cwd=folder),
        started,
    )  # fmt: skip
    total = case_seconds(folder / "whole" / "balance.json")
    by_hash = shards_at_once(folder, "hash")
    by_time = shards_at_once(folder, "timed", "--durations", "whole")
    lines = [
        f"- {count} skewed cases, one runner: {whole:.1f} s wall, {total:.1f} s of cases",
    ]
    for label, shards in (("hash", by_hash), ("--durations", by_time)):
        walls = [w for w, _ in shards]
        sums = [s for _, s in shards]
        lines.append(
            f"- {SHARDS} shards by {label}: wall "
            + " / ".join(f"{w:.1f}" for w in walls)
            + f" s (max {spread(walls):.0%} off the mean); cases "
            + " / ".join(f"{s:.1f}" for s in sums)
            + f" s (max {spread(sums):.0%} off the mean)"
        )
    return lines


def bench_rate(folder: Path, count: int) -> list[str]:
    rows = [{"name": f"case_{i:06d}", "input": {"n": i}} for i in range(count)]
    spec(folder, "fast", rows)
    started = time.perf_counter()
    one = wait(yamlparity("run", "fast.yaml", "--report-dir", "one", "--format", "json", "-q",
                          cwd=folder), started)  # fmt: skip
    started = time.perf_counter()
    procs = [
        yamlparity("run", "fast.yaml", "--shard", f"{k}/{SHARDS}", "--report-dir", f"sh/{k}",
                   "--format", "json", "-q", cwd=folder)
        for k in range(1, SHARDS + 1)
    ]  # fmt: skip
    walls = wait_all(procs, started)
    started = time.perf_counter()
    merged = wait(yamlparity("merge", "sh", "--report-dir", "merged", "--format", "md,json",
                             cwd=folder), started)  # fmt: skip
    return [
        f"- one runner, {count} cheap cases (stream helpers, whole process): {count / one:.0f} "
        f"cases/s ({one:.1f} s)",
        f"- {SHARDS} shards at once on this machine's 2 cores: {count / max(walls):.0f} cases/s "
        f"together (slowest shard {max(walls):.1f} s): one machine's cores are the limit here",
        f"- merge of the {SHARDS} shards ({count} cases) into md + json: {merged:.1f} s",
    ]


def bench_split(count: int) -> list[str]:
    from yamlparity.run.shard import balance, hash_shard

    names = [f"case_{i:07d}" for i in range(count)]
    started = time.perf_counter()
    for name in names:
        hash_shard("spec", name, 16)
    hashed = time.perf_counter() - started
    durations = {"spec": {n: (i % 97) / 1000 for i, n in enumerate(names)}}
    started = time.perf_counter()
    balance([("spec", names)], durations, 16)
    balanced = time.perf_counter() - started
    return [
        f"- the split of {count} case ids into 16: by hash {hashed:.1f} s, "
        f"by durations {balanced:.1f} s"
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: proves it runs")
    args = parser.parse_args()
    sizes = (24, 200, (1000,)) if args.smoke else (400, 20000, (100_000, 1_000_000))
    lines = []
    with tempfile.TemporaryDirectory(prefix="yamlparity-shards-") as tmp:
        folder = Path(tmp)
        lines += bench_balance(folder, sizes[0])
        lines += bench_rate(folder, sizes[1])
    for count in sizes[2]:
        lines += bench_split(count)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
