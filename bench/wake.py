"""What a case costs a stream-mode runner when it does work between exchanges.

The minimal loop of bench/run.py writes a case to each helper and reads both answers, with
nothing in between: a helper is still awake, finishing its last answer, when the next line
reaches it. A runner that evaluates each case (yamlparity: ~100-150 us of CPU) writes to a
helper that has gone to sleep meanwhile, and the write that wakes it costs far more. This
measures both in one run, on the bench's own Node.js helpers: the loop as it is, then with a
busy wait of BUSY_US microseconds after each case (standing for the evaluation), reporting the
wall time per case and the time spent inside os.write per line.

    python bench/wake.py [--cases 3000] [--busy-us 150] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

HELPER = Path(__file__).resolve().parent / "targets" / "stream_helper.js"
LINE = b'{"kind":"x","n":1}\n'


def exchange(procs: list[subprocess.Popen[bytes]], cases: int, busy: float) -> tuple[float, float]:
    """Per case: wall seconds, and seconds inside os.write per line."""
    writing = 0.0
    started = time.perf_counter()
    for _ in range(cases):
        for proc in procs:
            assert proc.stdin is not None
            before = time.perf_counter()
            os.write(proc.stdin.fileno(), LINE)
            writing += time.perf_counter() - before
        for proc in procs:
            assert proc.stdout is not None
            proc.stdout.readline()
        if busy:
            until = time.perf_counter() + busy
            while time.perf_counter() < until:
                pass
    wall = time.perf_counter() - started
    return wall / cases, writing / cases / len(procs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--busy-us", type=float, default=150.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    procs = [
        subprocess.Popen(["node", str(HELPER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    try:
        exchange(procs, 200, 0.0)  # warm up: JIT, page cache
        rows: dict[str, list[tuple[float, float]]] = {"loop": [], "loop + busy": []}
        for _ in range(args.rounds):  # interleaved: the machine's load moves between rounds
            rows["loop"].append(exchange(procs, args.cases, 0.0))
            rows["loop + busy"].append(exchange(procs, args.cases, args.busy_us / 1e6))
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.cases} cases x {args.rounds} rounds")
    for name, runs in rows.items():
        wall = statistics.median(r[0] for r in runs) * 1e6
        write = statistics.median(r[1] for r in runs) * 1e6
        print(f"  {name:12} {wall:7.1f} us a case, {write:5.1f} us in each write")
    loop, busy = (statistics.median(r[0] for r in runs) * 1e6 for runs in rows.values())
    print(f"  the busy wait ({args.busy_us:g} us) added {busy - loop:.1f} us a case")


if __name__ == "__main__":
    main()
