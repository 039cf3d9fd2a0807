"""The pytest plugin's cost per case, against `yamlparity run` on the same spec.

Usage: python bench/pytest_plugin.py [--cases N] [--rounds R] [--smoke]

The spec is the HTTP example (examples/validator: a Python and a Node server, started by
yamlparity itself, the same request, rules and facets), its six cases repeated to N, so 5 in 6
cases are DIFF as in the example. A second workload repeats only its MATCH case. Each
contender runs as a whole process (start-up and services included), R times in turns; the
fastest run counts (this VM is shared and noisy). pytest's own cost per item is measured on N
empty Python test functions, so what the plugin adds over pytest can be told apart.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import entry_points
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "validator"
PY = sys.executable
PLUGIN = "yamlparity.pytest_plugin.plugin"


def spec_text(name: str) -> str:
    return f"""\
name: {name}
targets:
  python:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    timeout: 8
    service:
      run: [{PY}, server.py, "${{port}}"]
      cwd: {EXAMPLE}
      ready: {{http: /health}}
  node:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    timeout: 8
    service:
      run: [node, server.js, "${{port}}"]
      cwd: {EXAMPLE}
      ready: {{log: "listening on"}}
request:
  method: POST
  path: /v1/validate
  headers: {{Content-Type: application/json}}
  json: "{{{{ case.input }}}}"
normalize:
  - del(.elapsed_ms)
compare:
  facets: [status, body]
cases_from: [cases.jsonl]
"""


def write_workload(folder: Path, name: str, count: int, only_match: bool) -> Path:
    rows = json.loads((EXAMPLE / "cases.json").read_text())
    if only_match:
        rows = [row for row in rows if row["name"] == "playbook_happy"]
    folder.mkdir(parents=True)
    with (folder / "cases.jsonl").open("w") as out:
        for n in range(count):
            row = rows[n % len(rows)]
            out.write(json.dumps({"name": f"{row['name']}_{n}", "input": row["input"]}) + "\n")
    spec = folder / f"{name}.parity.yaml"
    spec.write_text(spec_text(name))
    return spec


def plugin_args() -> list[str]:
    installed = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", PLUGIN]


def pytest_argv(*args: str) -> list[str]:
    # -p no:randomly / cacheprovider: the same order each run, nothing written between rounds.
    quiet = ["-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-o", "addopts="]
    return [PY, "-m", "pytest", *plugin_args(), *quiet, *args]


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system of the process and everything it waited
    for: its helpers and services). CPU time is the steadier figure on a shared machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


Times = dict[str, tuple[float, float]]  # contender -> (wall, cpu), each the lowest seen


def fastest(contenders: dict[str, tuple[list[str], Path]], rounds: int) -> Times:
    best = dict.fromkeys(contenders, (float("inf"), float("inf")))
    for _ in range(rounds):
        for name, (argv, cwd) in contenders.items():
            wall, cpu = timed(argv, cwd)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def empty_tests(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    body = "".join(f"def test_{n}():\n    pass\n\n\n" for n in range(count))
    (folder / "test_empty.py").write_text(body)
    return folder


def per_case(small: tuple[int, Times], big: tuple[int, Times], which: int) -> dict[str, float]:
    """Milliseconds per case (which=0: wall, 1: CPU): the slope between two sizes, so fixed
    start-up costs (pytest's plugins, the services) drop out."""
    (n1, t1), (n2, t2) = small, big
    return {name: (t2[name][which] - t1[name][which]) / (n2 - n1) * 1000 for name in t1}


def workload_times(root: Path, name: str, count: int, only_match: bool, rounds: int) -> Times:
    spec = write_workload(root / f"{name}-{count}", name, count, only_match)
    cwd = spec.parent
    return fastest(
        {
            "cli": ([PY, "-m", "yamlparity", "run", spec.name, "--report-dir", "out"], cwd),
            "pytest": (pytest_argv(spec.name), cwd),
            "pytest+reports": (pytest_argv(spec.name, "--yamlparity-report-dir", "out2"), cwd),
        },
        rounds,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="tiny run: proves it works")
    args = parser.parse_args()
    big, rounds = (12, 1) if args.smoke else (args.cases, args.rounds)
    small = max(2, big // 6)
    if shutil.which("node") is None:
        sys.exit("node is needed (the example's second server)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="yp-bench-pytest-") as tmp:
        root = Path(tmp)
        for label, only_match in (("validator (5/6 DIFF)", False), ("all MATCH", True)):
            name = "match" if only_match else "mixed"
            sizes = [(n, workload_times(root, name, n, only_match, rounds)) for n in (small, big)]
            rows.append((label, sizes[1][1], per_case(*sizes, 0), per_case(*sizes, 1)))
        empty = {
            n: fastest({"empty": (pytest_argv(), empty_tests(root / f"empty-{n}", n))}, rounds)
            for n in (1, small, big)
        }
    item_wall = per_case((small, empty[small]), (big, empty[big]), 0)["empty"]
    item_cpu = per_case((small, empty[small]), (big, empty[big]), 1)["empty"]
    print(f"{small} and {big} cases, lowest of {rounds} (whole processes, services included)\n")
    print(
        "| workload | whole run: yamlparity run | pytest | pytest + reports "
        "| ms per case (wall / CPU): yamlparity run | pytest | pytest + reports "
        "| per-case ratio, pytest + reports (wall / CPU) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, whole, wall, cpu in rows:
        cells = [f"{whole[c][0]:.2f} s" for c in ("cli", "pytest", "pytest+reports")]
        slopes = [f"{wall[c]:.2f} / {cpu[c]:.2f}" for c in ("cli", "pytest", "pytest+reports")]
        ratio = (
            f"{wall['pytest+reports'] / wall['cli']:.2f}x / "
            f"{cpu['pytest+reports'] / cpu['cli']:.2f}x"
        )
        print(f"| {label}, {big} cases | {' | '.join(cells)} | {' | '.join(slopes)} | {ratio} |")
    print(
        f"\npytest itself (empty Python tests, this machine's plugins loaded): "
        f"{empty[1]['empty'][0]:.2f} s ({empty[1]['empty'][1]:.2f} s CPU) to start and run one "
        f"test; {item_wall:.2f} ms ({item_cpu:.2f} ms CPU) per further item"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
