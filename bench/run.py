"""yamlparity benchmark: the runner against a shell probe and a bare http.client loop.

Usage: python bench/run.py [--smoke] [--cases N]
Starts fast local Node.js targets (so the runner, not the target, is what is measured), runs
every contender on the same cases in this one run, and prints each figure beside its goal.
`--smoke` runs a tiny version: it proves every part works; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = HERE / "targets"
PY = sys.executable
ROUNDS = 5  # interleaved runs per HTTP contender; the median counts


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    goal: str
    ratio: str = ""
    met: bool | None = None


def cases(count: int) -> list[dict[str, object]]:
    return [
        {"name": f"c{n}", "input": {"kind": f"k{n % 5}", "n": n, "x": 1.5, "s": "héllo"}}
        for n in range(count)
    ]


@contextmanager
def node_server(script: str, *args: str) -> Iterator[int]:
    """A Node server on a free port; yields the port once it says it listens."""
    # stdin is a pipe only we hold: if the bench dies (even by SIGKILL) the server sees EOF
    # and exits, so no server outlives the bench.
    proc = subprocess.Popen(
        ["node", str(TARGETS / script), "0", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        yield int(line.split()[2])
    finally:
        proc.kill()
        proc.wait()


def timed(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    return time.perf_counter() - started


# ------------------------------------------------------------------------ contenders

SHELL_HTTP = r"""
set -u
while IFS= read -r row; do
  body=$(jq -c '.input' <<<"$row")
  a=$(curl -sS -m 8 -X POST "$A/v1/echo" -H 'Content-Type: application/json' \
       --data-binary "$body" -w '\n%{http_code}')
  b=$(curl -sS -m 8 -X POST "$B/v1/echo" -H 'Content-Type: application/json' \
       --data-binary "$body" -w '\n%{http_code}')
  na=$(head -n1 <<<"$a" | jq -S 'del(.elapsed_ms)')
  nb=$(head -n1 <<<"$b" | jq -S 'del(.elapsed_ms)')
  if [ "$na" = "$nb" ] && [ "$(tail -n1 <<<"$a")" = "$(tail -n1 <<<"$b")" ]; then
    echo MATCH
  else
    echo DIFF
  fi
done < cases.jsonl
"""

SHELL_COMMAND = r"""
set -u
while IFS= read -r row; do
  body=$(jq -c '.input' <<<"$row")
  na=$(node "$HELPER" <<<"$body" | jq -S 'del(.elapsed_ms)')
  nb=$(node "$HELPER" <<<"$body" | jq -S 'del(.elapsed_ms)')
  if [ "$na" = "$nb" ]; then echo MATCH; else echo DIFF; fi
done < cases.jsonl
"""

# The minimal loop `mode: stream` is measured against: the same persistent helpers, one line
# written and one read per target per case, parsed, the deleted field dropped, compared exactly.
STREAM_LOOP = r"""
import json, subprocess, sys
helper = sys.argv[1]
rows = [json.loads(line) for line in open("cases.jsonl")]
procs = [subprocess.Popen(["node", helper], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
         for _ in range(2)]
matches = 0
for row in rows:
    line = json.dumps(row["input"]).encode() + b"\n"
    for proc in procs:
        proc.stdin.write(line)
        proc.stdin.flush()
    docs = []
    for proc in procs:
        doc = json.loads(proc.stdout.readline())
        doc.pop("elapsed_ms", None)
        docs.append(doc)
    matches += docs[0] == docs[1]
for proc in procs:
    proc.stdin.close()
    proc.wait()
assert matches == len(rows), matches
"""

# The same loop, comparing as yamlparity does (the "the same comparison"): numbers by
# their literal text (`1` is not `1.0`, never `true`; 9007199254740993 keeps its digits),
# a repeated key refused, NaN refused. Python's `==` on json.loads trees says True == 1 == 1.0.
STREAM_LOOP_EXACT = (
    STREAM_LOOP.replace(
        "matches = 0\n",
        """matches = 0
class Num(str):
    pass
def pairs(items):
    value = dict(items)
    if len(value) != len(items):
        raise ValueError("repeated key")
    return value
def constant(name):
    raise ValueError(name)
decoder = json.JSONDecoder(parse_int=Num, parse_float=Num, parse_constant=constant,
                           object_pairs_hook=pairs)
def exact(value):
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    return (type(value), value)
""",
    )
    .replace(
        "doc = json.loads(proc.stdout.readline())",
        "doc = decoder.decode(proc.stdout.readline().decode())",
    )
    .replace("docs.append(doc)", "docs.append(exact(doc))")
)

BARE = r"""
import http.client, json, sys
ports = [int(p) for p in sys.argv[1:3]]
rows = [json.loads(line) for line in open("cases.jsonl")]
conns = [http.client.HTTPConnection("127.0.0.1", p) for p in ports]
for row in rows:
    body = json.dumps(row["input"]).encode()
    for conn in conns:
        conn.request("POST", "/v1/echo", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        json.loads(resp.read())
"""


def write_cases(folder: Path, rows: list[dict[str, object]]) -> None:
    with (folder / "cases.jsonl").open("w") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def http_spec(folder: Path, ports: tuple[int, int], jobs_note: str = "") -> Path:
    spec = folder / "http.yaml"
    spec.write_text(
        f"""\
name: bench_http
targets:
  a: {{url: "http://127.0.0.1:{ports[0]}"}}
  b: {{url: "http://127.0.0.1:{ports[1]}"}}
request: {{method: POST, path: /v1/echo}}
normalize:
  - del(.elapsed_ms)
compare:
  facets: [status, body]
cases_from: [cases.jsonl]
report: {{path: report_http.md}}
"""
    )
    return spec


def command_spec(folder: Path, mode: str, workers: int, delay_ms: str = "") -> Path:
    """`delay_ms` (process mode): each helper answers that much later, as one waiting on a
    remote service would."""
    script = "stream_helper.js" if mode == "stream" else "once_helper.js"
    label = f"{mode}_{workers}" + (f"_wait{delay_ms}" if delay_ms else "")
    spec = folder / f"command_{label}.yaml"
    helper = TARGETS / script
    run = f'[node, "{helper}"' + (f', "{delay_ms}"]' if delay_ms else "]")
    spec.write_text(
        f"""\
name: bench_{label}
targets:
  a: {{run: {run}, mode: {mode}, workers: {workers}}}
  b: {{run: {run}, mode: {mode}, workers: {workers}}}
normalize:
  - del(.elapsed_ms)
cases_from: [cases.jsonl]
report: {{path: report_{label}.md}}
"""
    )
    return spec


def interleaved(
    contenders: dict[str, list[str]], folder: Path, rounds: int
) -> dict[str, list[float]]:
    """Each contender timed `rounds` times, in turns (this machine is shared and noisy: the
    load moves between rounds, so contenders are compared round by round and by medians)."""
    runs: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, argv in contenders.items():
            runs[name].append(timed(argv, folder))
    return runs


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min) / {five:.1f} (5 min)"


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def bench_http(folder: Path, n: int, shell_n: int) -> list[Figure]:
    write_cases(folder, cases(n))
    with node_server("server.js") as pa, node_server("server.js") as pb:
        spec = http_spec(folder, (pa, pb))
        yamlparity = [PY, "-m", "yamlparity", "run", "-q", str(spec)]
        timed(yamlparity, folder)  # warm the servers and caches
        (folder / "bare.py").write_text(BARE)
        # This 2-core VM is noisy: the two contenders are timed in turns, ROUNDS times each,
        # and the median of each counts (the ratio is of the medians).
        yp_runs: list[float] = []
        bare_runs: list[float] = []
        for _ in range(1 if n < 1000 else ROUNDS):
            yp_runs.append(timed(yamlparity, folder))
            bare_runs.append(timed([PY, "bare.py", str(pa), str(pb)], folder))
        yp, bare = rate(n, statistics.median(yp_runs)), rate(n, statistics.median(bare_runs))
        ratios = ", ".join(f"{b / y:.2f}" for y, b in zip(yp_runs, bare_runs, strict=True))
        print(f"  http rounds (yamlparity/bare per round): {ratios}", flush=True)
        write_cases(folder, cases(shell_n))
        env = {**os.environ, "A": f"http://127.0.0.1:{pa}", "B": f"http://127.0.0.1:{pb}"}
        started = time.perf_counter()
        subprocess.run(["bash", "-c", SHELL_HTTP], cwd=folder, env=env, capture_output=True)
        shell = rate(shell_n, time.perf_counter() - started)
    return [
        Figure("shell probe (jq+curl), HTTP 2 targets", shell, "cases/s", "~12"),
        Figure("bare http.client loop, 2 targets", bare, "cases/s", "~2600-2900 (median)"),
        Figure(
            "yamlparity HTTP, 2 targets",
            yp,
            "cases/s",
            ">= 0.8x bare (median)",
            f"{yp / bare:.2f}x bare, {yp / shell:.0f}x shell",
            yp >= 0.8 * bare,
        ),
    ]


def helper_start_cpu(folder: Path, runs: int) -> float:
    """CPU seconds (user + system, all threads) one `node once_helper.js` costs, start to exit."""
    body = json.dumps(cases(1)[0]["input"]).encode()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(runs):
        subprocess.run(
            ["node", str(TARGETS / "once_helper.js")], input=body, capture_output=True, check=True
        )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return spent / runs


def bench_command(folder: Path, n: int, process_n: int, shell_n: int) -> list[Figure]:
    # The ceiling of any runner that starts one helper per target per case: every core busy
    # doing nothing but those starts.
    cores = os.cpu_count() or 1
    ceiling = cores / (2 * helper_start_cpu(folder, 1 if process_n < 20 else 20))
    write_cases(folder, cases(shell_n))
    started = time.perf_counter()
    env = {**os.environ, "HELPER": str(TARGETS / "once_helper.js")}
    subprocess.run(["bash", "-c", SHELL_COMMAND], cwd=folder, env=env, capture_output=True)
    shell = rate(shell_n, time.perf_counter() - started)
    write_cases(folder, cases(process_n))
    process = rate(
        process_n,
        timed(
            [PY, "-m", "yamlparity", "run", "-q", str(command_spec(folder, "process", 1))], folder
        ),
    )
    # Each contender at n cases and at n/5 (in a folder of its own): whole processes at n,
    # and the rate between the two sizes, which start-up, spec loading and the report's fixed
    # part do not enter (what a long run sees).
    small = folder / "small"
    small.mkdir(exist_ok=True)
    sizes = {folder: n, small: max(1, n // 5)}
    helper = str(TARGETS / "stream_helper.js")
    contenders: dict[str, tuple[list[str], Path]] = {}
    for place, count in sizes.items():
        write_cases(place, cases(count))
        (place / "stream_loop.py").write_text(STREAM_LOOP)
        (place / "stream_loop_exact.py").write_text(STREAM_LOOP_EXACT)
        tag = "" if place == folder else "_small"
        contenders[f"loop{tag}"] = ([PY, "stream_loop.py", helper], place)
        contenders[f"exact{tag}"] = ([PY, "stream_loop_exact.py", helper], place)
        for workers in (1, 2):
            spec = str(command_spec(place, "stream", workers))
            argv = [PY, "-m", "yamlparity", "run", "-q", spec]
            contenders[f"stream{workers}{tag}"] = (argv, place)
    # Interleaved rounds, whole processes (start-up, spec load and report included for
    # yamlparity; interpreter and helper start for the loop); the median of each counts.
    runs: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(1 if n < 1000 else ROUNDS):
        for name, (argv, place) in contenders.items():
            runs[name].append(timed(argv, place))
    median = {name: statistics.median(times) for name, times in runs.items()}
    loop, exact, stream, stream2 = (
        rate(n, median[k]) for k in ("loop", "exact", "stream1", "stream2")
    )
    extra = n - sizes[small]

    def steady(name: str) -> float:
        return extra / max(1e-9, median[name] - median[f"{name}_small"])

    ratios = ", ".join(f"{b / a:.2f}" for a, b in zip(runs["stream1"], runs["exact"], strict=True))
    print(f"  stream rounds (yamlparity 1 worker/exact loop per round): {ratios}", flush=True)
    return [
        Figure("shell loop, node helper per case, 2 targets", shell, "cases/s", "baseline"),
        Figure(
            f"ceiling: {cores} cores / (2 x CPU of one helper start)",
            ceiling,
            "cases/s",
            "the limit",
            f"{ceiling / shell:.1f}x shell: the most any runner gets here",
        ),
        Figure(
            "yamlparity process mode",
            process,
            "cases/s",
            ">= 4x shell",
            f"{process / shell:.1f}x shell, {process / ceiling:.0%} of the ceiling",
            process >= 4 * shell,
        ),
        Figure("minimal Python loop, same stream helpers (Python ==)", loop, "cases/s", "baseline"),
        Figure(
            "the loop comparing exactly (numbers by literal)",
            exact,
            "cases/s",
            "baseline",
            f"{exact / loop:.2f}x the == loop",
        ),
        Figure(
            "yamlparity stream mode, 1 worker",
            stream,
            "cases/s",
            ">= 0.8x exact",
            f"{stream / exact:.2f}x exact loop, {stream / loop:.2f}x == loop",
            stream >= 0.8 * exact,
        ),
        Figure(
            "yamlparity stream mode, 2 workers",
            stream2,
            "cases/s",
            ">= 0.8x exact",
            f"{stream2 / exact:.2f}x exact loop, {stream2 / loop:.2f}x == loop",
            stream2 >= 0.8 * exact,
        ),
        Figure(
            f"steady state ({sizes[small]}->{n} cases): exact loop",
            steady("exact"),
            "cases/s",
            "baseline",
        ),
        Figure(
            "steady state: yamlparity stream mode, 1 worker",
            steady("stream1"),
            "cases/s",
            ">= 0.8x exact",
            f"{steady('stream1') / steady('exact'):.2f}x exact loop (no start-up, no fixed costs)",
            steady("stream1") >= 0.8 * steady("exact"),
        ),
    ]


LARGE = r"""
import json, sys, time
from pathlib import Path
from yamlparity.run.engine import RunOptions, run_spec
from yamlparity.report.formats import write_spec
from yamlparity.spec.load import load_spec
from yamlparity.report.render import TemplateChoice
spec = load_spec(Path(sys.argv[1]), {})
started = time.perf_counter()
result = run_spec(spec, RunOptions(jobs=2))
ran = time.perf_counter()
# The markdown report as `yamlparity run` writes it, with the full outputs beside it.
out = write_spec(result, Path("large_report/large.md"), ["md"], TemplateChoice())
elapsed = time.perf_counter() - started
case = result.cases[0]
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "run_seconds": ran - started, "verdict": case.verdict,
                  "paths": [d.path for d in case.differences][:3], "peak_kib": peak,
                  "report_bytes": out.primary.stat().st_size, "beside": len(out.extra)}))
"""


def bench_large(folder: Path, size_mb: int) -> list[Figure]:
    with (
        node_server("big_server.js", str(size_mb), "0") as pa,
        node_server("big_server.js", str(size_mb), "1") as pb,
    ):
        spec = folder / "large.yaml"
        spec.write_text(
            f"""\
name: bench_large
targets:
  a: {{url: "http://127.0.0.1:{pa}", timeout: 60}}
  b: {{url: "http://127.0.0.1:{pb}", timeout: 60}}
request: {{method: GET, path: /}}
normalize:
  - del(.elapsed_ms, .rows[0].name)
  - del(.. | .ts?)
compare:
  facets: [status, body]
cases: [{{name: big, input: null}}]
"""
        )
        (folder / "large.py").write_text(LARGE)
        out = subprocess.run(
            [PY, "large.py", str(spec)], cwd=folder, capture_output=True, text=True, check=True
        )
    data = json.loads(out.stdout)
    body_kib = size_mb * 1024
    located = data["verdict"] == "DIFF" and any("12345" in p for p in data["paths"])
    return [
        Figure(
            f"large body {size_mb} MB x2: fetch+parse+normalize+compare+report",
            data["seconds"],
            "s",
            "< 3 s",
            f"diff located: {located}; run {data['run_seconds']:.1f} s, report "
            f"{data['seconds'] - data['run_seconds']:.1f} s, {data['beside']} files beside",
            data["seconds"] < 3 and located,
        ),
        Figure(
            "large body: peak memory / body size",
            data["peak_kib"] / body_kib,
            "x",
            "< 10x",
            f"{data['peak_kib'] // 1024} MiB peak",
            data["peak_kib"] < 10 * body_kib,
        ),
    ]


def bench_memory(small: int, large: int) -> list[Figure]:
    """Peak RSS at `large` cases over `small`: a constant deleted field, then one that differs
    in every case and target (what real runs see), with the audit and report formats on."""

    def peak(n: int, *flags: str) -> int:
        out = subprocess.run(
            [PY, str(HERE / "memory_child.py"), str(n), *flags],
            capture_output=True,
            text=True,
            check=True,
        )
        value: int = json.loads(out.stdout)["peak_kib"]
        return value

    workloads = [
        ("constant deleted field", ()),
        ("varying deleted field", ("--varying",)),
        # every report format: md, html, json, junit
        ("varying field, every format", ("--varying", "--reports", "md", "html", "json", "junit")),
    ]
    figures = []
    for label, flags in workloads:
        low, high = peak(small, *flags), peak(large, *flags)
        figures.append(
            Figure(
                f"peak RSS {large} / {small} matching cases ({label})",
                high / low,
                "x",
                "<= 1.5x",
                f"{low // 1024} -> {high // 1024} MiB",
                high <= 1.5 * low,
            )
        )
    return figures


def bench_startup(folder: Path, specs: int) -> list[Figure]:
    version = min(timed(["yamlparity", "--version"], folder) for _ in range(3))
    many = folder / "many"
    many.mkdir(exist_ok=True)
    for n in range(specs):
        (many / f"s{n}.yaml").write_text(
            f"name: s{n}\ntargets:\n  a: {{run: [echo]}}\n  b: {{run: [echo]}}\n"
            f"normalize: ['del(.t)']\ncases: [{{name: one, input: {n}}}]\n"
        )
    validate = timed(["yamlparity", "validate", str(many)], folder)
    return [
        Figure("yamlparity --version", version, "s", "< 0.3 s", "", version < 0.3),
        Figure(f"yamlparity validate ({specs} specs)", validate, "s", "< 2 s", "", validate < 2),
    ]


@contextmanager
def cpu_hog() -> Iterator[None]:
    """A competing CPU-bound process (a busy loop), bounded: it exits after 10 minutes or
    when the bench stops holding its stdin."""
    hog = subprocess.Popen(
        [
            PY,
            "-c",
            "import time, select, sys\nend = time.time() + 600\n"
            "while time.time() < end and not select.select([sys.stdin], [], [], 0)[0]: pass",
        ],
        stdin=subprocess.PIPE,
    )
    try:
        yield
    finally:
        hog.kill()
        hog.wait()


SLOW_MS = "500"  # the `slow` kind of the lanes sweep: an endpoint answering half a second later
WAIT_MS = "300"  # the `wait` kind: a process per case that answers 0.3 s later (a remote call)


def lanes_spec(folder: Path, kind: str, ports: tuple[int, int]) -> Path:
    if kind in ("http", "slow"):
        return http_spec(folder, ports)
    if kind == "stream2":  # two helpers per target
        return command_spec(folder, "stream", 2)
    if kind == "wait":
        return command_spec(folder, "process", 1, WAIT_MS)
    return command_spec(folder, kind, 1)


def bench_lanes(
    folder: Path, sizes: dict[str, int], rounds: int, fixed: list[int], hog: bool = True
) -> None:
    """The default (tuned lanes) against every fixed -j in `fixed`, per target kind, at rest
    and beside a CPU-bound process: medians of `rounds` interleaved rounds, each contender's
    median over the best fixed -j's (a ratio < 1 is slower than the best fixed count)."""
    print(
        f"{'lanes sweep':22s} {'load avg':>16s}  default/best  "
        + "  ".join(f"-j{j:<3d}" for j in fixed)
        + "  (cases/s, medians)"
    )
    with contextlib.ExitStack() as servers:
        fast = tuple(servers.enter_context(node_server("server.js")) for _ in range(2))
        slow = fast
        if "slow" in sizes:
            slow = tuple(servers.enter_context(node_server("server.js", SLOW_MS)) for _ in "ab")
        for loaded in (False, True) if hog else (False,):
            for kind, n in sizes.items():
                write_cases(folder, cases(n))
                ports = slow if kind == "slow" else fast
                spec = str(lanes_spec(folder, kind, (ports[0], ports[1])))
                base = [PY, "-m", "yamlparity", "run", "-q", spec]
                contenders = {"default": base} | {f"-j{j}": [*base, "-j", str(j)] for j in fixed}
                with cpu_hog() if loaded else contextlib.nullcontext():
                    if rounds > 1:
                        timed(base, folder)  # warm the targets and caches
                    load = load_average()
                    runs = interleaved(contenders, folder, rounds)
                rates = {name: rate(n, statistics.median(times)) for name, times in runs.items()}
                best = max(rates[f"-j{j}"] for j in fixed)
                label = f"{kind}{' +cpu hog' if loaded else ''}"
                cells = "  ".join(f"{_rate_cell(rates[f'-j{j}'])}" for j in fixed)
                verdict = "ok" if rates["default"] >= best / 1.1 else "MISSED (> 10% slower)"
                print(
                    f"{label:22s} {load:>16s}  {rates['default'] / best:5.2f}x {verdict:8s} "
                    f"{cells}  default {_rate_cell(rates['default']).strip()}",
                    flush=True,
                )


def _rate_cell(value: float) -> str:
    """A rate, to a tenth where it is small (24 process cases run at ~10 a second: whole
    numbers hid differences of 10%)."""
    return f"{value:<5.1f}" if value < 100 else f"{value:<5.0f}"


GROUPS = ("http", "command", "large", "memory", "startup", "lanes")


def missing_tools() -> list[str]:
    return [tool for tool in ("node", "jq", "curl", "yamlparity") if shutil.which(tool) is None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: proves it runs")
    parser.add_argument("--cases", type=int, default=5000, help="cases for the fast contenders")
    parser.add_argument(
        "--only",
        choices=GROUPS,
        action="append",
        help="run only this group (repeatable); a ratio needs its baseline's group",
    )
    parser.add_argument(
        "--kind",
        choices=("http", "process", "stream", "stream2", "slow", "wait"),
        action="append",
        help="lanes sweep: only this target kind (repeatable; stream2: two helpers per target; "
        "slow: HTTP answering 0.5 s later; wait: a process per case answering 0.3 s later)",
    )
    args = parser.parse_args()
    missing = missing_tools()
    if missing:
        print(f"bench needs {', '.join(missing)}", file=sys.stderr)
        return 3
    smoke = args.smoke
    n = 10 if smoke else args.cases
    only = set(args.only or GROUPS)
    # Byte-compile the package as `pip install` does: with PYTHONDONTWRITEBYTECODE set (as on
    # this machine) an editable install would otherwise recompile every module on every run.
    import yamlparity

    if not smoke:  # the smoke's figures are not measurements
        subprocess.run(
            [PY, "-m", "compileall", "-q", str(Path(yamlparity.__file__).parent)], check=True
        )
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="yamlparity-bench-") as tmp:
        folder = Path(tmp)
        if "http" in only:
            figures += bench_http(folder, n, 2 if smoke else 60)
        if "command" in only:
            figures += bench_command(folder, n, 2 if smoke else 200, 1 if smoke else 30)
        if "large" in only:
            figures += bench_large(folder, 1 if smoke else 20)
        if "memory" in only:
            figures += bench_memory(*((20, 40) if smoke else (1000, 100_000)))
        if "startup" in only:
            figures += bench_startup(folder, 2 if smoke else 100)
        if "lanes" in only:
            sizes = {
                "http": 2000,
                "process": 24,
                "stream": 2000,
                "stream2": 2000,
                "slow": 40,
                "wait": 40,
            }
            if smoke:  # one kind, at rest, one fixed count: proves the sweep runs
                bench_lanes(folder, {"stream": 10}, 1, [1], hog=False)
            else:
                kinds = args.kind or list(sizes)
                bench_lanes(folder, {k: sizes[k] for k in kinds}, ROUNDS, [1, 2, 4, 8])
    print(f"load average at the end: {load_average()}")
    print(f"{'figure':58s} {'value':>10s}  {'goal':14s} ratio / note")
    for fig in figures:
        mark = "" if fig.met is None else (" ok" if fig.met else " MISSED")
        print(f"{fig.name:58s} {fig.value:10.2f} {fig.unit:7s} {fig.goal:14s} {fig.ratio}{mark}")
    if smoke:
        print("(smoke run: sizes are tiny, figures are not meaningful)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
