"""CPU of writing each report format for one run of N matching cases (in process).

Usage: python bench/report_writing.py [N] [--formats md,html,json,junit] [--rounds R]
The run is bench/memory_child.py's: two in-process targets, `del(.elapsed_ms)` on a field
that differs in every case (the rule audit records it), no I/O. Each format is written R times
(default 5) in turns; printed: the median CPU seconds of each (`time.process_time`) and µs a
case. To compare two versions, run this under each (e.g. a worktree on PYTHONPATH) in turns.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import memory_child  # bench/ is not a package: found by the path above

from yamlparity.report.formats import write_spec
from yamlparity.report.render import TemplateChoice
from yamlparity.run.engine import RunOptions, run_spec
from yamlparity.spec.load import load_spec


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="?", type=int, default=10_000)
    parser.add_argument("--formats", default="md,html,json,junit")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    formats = args.formats.split(",")
    memory_child.EchoAdapter.varying = True
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "spec.yaml").write_text(memory_child.SPEC)
        with (root / "cases.jsonl").open("w") as out:
            for n in range(args.cases):
                out.write(json.dumps({"name": f"c{n}", "input": {"n": n, "k": "v"}}) + "\n")
        spec = load_spec(root / "spec.yaml", {})
        result = run_spec(spec, RunOptions(), adapter_factory=memory_child.EchoAdapter)
        spent: dict[str, list[float]] = {name: [] for name in formats}
        for _ in range(args.rounds):
            for name in formats:
                started = time.process_time()
                write_spec(result, root / "out" / "run.md", (name,), TemplateChoice())
                spent[name].append(time.process_time() - started)
    for name, times in spent.items():
        median = statistics.median(times)
        print(f"{name:6} {median:7.3f} s  {median / args.cases * 1e6:7.1f} us/case")


if __name__ == "__main__":
    main()
