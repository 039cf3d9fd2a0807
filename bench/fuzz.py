"""yamlparity fuzz: CPU per example on examples/fuzz_numbers, with and without the reuse of
hypothesis-jsonschema's subschema strategies (yamlparity/run/fuzz_inputs.py).

Usage: python bench/fuzz.py [--rounds N] [--max-examples N]
Both contenders run the same seeded search (same inputs up to the order Hypothesis meets the
findings in), in turns; the figure is the median CPU of the fuzzing process per example.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fuzz_numbers"
RUN = """
import sys
from yamlparity.run import fuzz_inputs
if sys.argv[1] == "rebuilt":
    fuzz_inputs._reuse_subschema_strategies = lambda: None
from yamlparity.cli.main import main
main(sys.argv[2:])
"""


def one_search(folder: Path, contender: str, max_examples: int) -> tuple[float, int]:
    """CPU seconds of one `yamlparity fuzz` process (its helpers excluded), and its examples."""
    (folder / "found.jsonl").write_text("")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    argv = [sys.executable, "-c", RUN, contender, "fuzz", "numbers.yaml", "--seed", "3"]
    argv += ["--no-db", "--max-examples", str(max_examples)]
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = re.search(r"(\d+) examples", done.stdout)
    if found is None:
        raise SystemExit(f"fuzz printed no example count:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-examples", type=int, default=40)
    args = parser.parse_args()
    per_example: dict[str, list[float]] = {"reused": [], "rebuilt": []}
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "fuzz_numbers"
        shutil.copytree(EXAMPLE, folder)
        for _ in range(args.rounds):
            for contender in per_example:
                cpu, examples = one_search(folder, contender, args.max_examples)
                per_example[contender].append(cpu / examples * 1000)
                loads.append(os.getloadavg()[0])
    reused, rebuilt = (statistics.median(per_example[c]) for c in ("reused", "rebuilt"))
    print(f"load average during the run: {min(loads):.1f}-{max(loads):.1f} (1 min)")
    for name, values in per_example.items():
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:8} {statistics.median(values):6.2f} ms CPU per example (rounds: {shown})")
    print(f"reused / rebuilt: {reused / rebuilt:.2f}x the CPU per example")
    return 0


if __name__ == "__main__":
    sys.exit(main())
