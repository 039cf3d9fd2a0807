"""Child process for the memory figure: run N matching cases, print peak RSS (KiB) as JSON.

Usage: python bench/memory_child.py N [--cases-only] [--pad BYTES] [--varying] [--reports]
The targets are in-process adapters (no I/O): what is measured is the engine's own memory.
`--cases-only` loads the spec and stops, to separate the spec's cases from the run; `--pad`
makes every answer BYTES larger, so keeping matched outputs would show as growth per case;
`--varying` makes the deleted `elapsed_ms` differ in every case and target (what real runs
see: the rule audit records what it removed); `--reports` also writes every report format
(markdown with the audit and per-path statistics, HTML, results JSON, JUnit).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
from pathlib import Path

from yamlparity.run.engine import RunOptions, run_spec
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Target
from yamlparity.targets.base import Invocation, Pending, RawObservation

SPEC = """\
name: memory
targets:
  a: {url: "http://127.0.0.1:9"}
  b: {url: "http://127.0.0.1:9"}
normalize:
  - del(.elapsed_ms)
compare:
  facets: [status, body]
cases_from: [cases.jsonl]
"""


class EchoAdapter:
    """Answers every request at once with a small JSON body built from the request."""

    pad = b'""'
    varying = False

    def __init__(self, target: Target) -> None:
        self.name = target.name

    def start(self) -> None:
        return None

    def execute(self, invocation: Invocation) -> RawObservation:
        request = invocation.request
        body = request.body if request is not None and request.body else b"null"
        return RawObservation(
            self.name,
            status=200,
            headers={"content-type": "application/json"},
            stdout=b'{"ok":true,"elapsed_ms":'
            + self._elapsed(invocation)
            + b',"pad":'
            + self.pad
            + b',"echo":'
            + body
            + b"}",
        )

    def _elapsed(self, invocation: Invocation) -> bytes:
        if not self.varying:
            return b"1.5"
        whole = len(invocation.case.name) * 7 + sum(self.name.encode()) % 97
        return f"{whole}.{invocation.case.name[1:]}".encode()

    def begin(self, invocation: Invocation) -> Pending:
        raw = self.execute(invocation)
        return lambda: raw

    def close(self) -> None:
        return None

    def describe(self) -> str:
        return "in-process echo"


def peak_rss_kib() -> int:
    """This process's own peak RSS. ru_maxrss survives fork+exec (a child of a big pytest
    reports pytest's peak); VmHWM belongs to the address space, which exec replaces."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    count = int(sys.argv[1])
    if "--pad" in sys.argv:
        size = int(sys.argv[sys.argv.index("--pad") + 1])
        EchoAdapter.pad = b'"' + b"p" * size + b'"'
    EchoAdapter.varying = "--varying" in sys.argv
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "spec.yaml").write_text(SPEC)
        with (root / "cases.jsonl").open("w") as out:
            for n in range(count):
                out.write(json.dumps({"name": f"c{n}", "input": {"n": n, "k": "v"}}) + "\n")
        spec = load_spec(root / "spec.yaml", {})
        if "--cases-only" not in sys.argv:
            # The default lanes, as a user's run (a fixed -j 4 only added GIL contention here).
            result = run_spec(spec, RunOptions(), adapter_factory=EchoAdapter)
            assert all(case.verdict == "MATCH" for case in result.cases), "not all MATCH"
            if "--reports" in sys.argv:
                from yamlparity.report.formats import write_spec
                from yamlparity.report.render import TemplateChoice

                wanted = sys.argv[sys.argv.index("--reports") + 1 :]
                formats = tuple(f for f in wanted if not f.startswith("-")) or (
                    "md", "html", "json", "junit"
                )  # fmt: skip
                write_spec(result, root / "out" / "memory.md", formats, TemplateChoice())
    peak = peak_rss_kib()
    print(json.dumps({"cases": count, "peak_kib": peak}))


if __name__ == "__main__":
    main()
