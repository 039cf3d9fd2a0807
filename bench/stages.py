"""CPU per case of each stage of a run, each stage timed alone (thread CPU time, median of 3
passes over the first 2,000 cases); the exchange with the targets also in wall time.

Usage: python bench/stages.py SPEC [--threads]
(an HTTP spec whose targets are already running, e.g. the bench's http.yaml with two
`node bench/targets/server.js` servers, or a command spec such as the bench's
command_stream_1.yaml, whose helpers are started here; `--threads`: their answers read by a
thread per helper, as when targets of other kinds share the run)
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from yamlparity.results.records import CaseResult, CaseResults
from yamlparity.run.engine import make_adapter
from yamlparity.run.plan import invocation_for
from yamlparity.spec.load import load_spec
from yamlparity.targets.base import RawObservation
from yamlparity.targets.stream import StreamAdapter
from yamlparity.verdict.evaluate import evaluate


def per_case(count: int, stage: Callable[[], object]) -> float:
    """Median thread CPU of `stage` over 3 passes, in µs per case."""
    spent = []
    for _ in range(3):
        started = time.thread_time()
        stage()
        spent.append((time.thread_time() - started) / count * 1e6)
    return statistics.median(spent)


def main() -> None:
    spec = load_spec(sys.argv[1])
    count = min(2000, len(spec.cases))
    cases = [spec.cases[i] for i in range(count)]
    invocations = [invocation_for(spec, case) for case in cases]
    adapters = {name: make_adapter(target, 1) for name, target in spec.targets.items()}
    for adapter in adapters.values():
        if isinstance(adapter, StreamAdapter) and "--threads" not in sys.argv:
            adapter.poll_in_lanes()  # as the engine runs them (one lane per helper)
        adapter.start()
    answers: list[dict[str, RawObservation]] = []
    results: list[CaseResult] = []

    def http() -> None:
        answers.clear()
        for invocation in invocations:
            pending = {name: adapter.begin(invocation) for name, adapter in adapters.items()}
            answers.append({name: finish() for name, finish in pending.items()})

    def evaluate_all() -> None:
        results.clear()
        for case, raws in zip(cases, answers, strict=True):
            results.append(evaluate(spec, case, raws, invocation_for(spec, case)))

    def store() -> None:
        stored = CaseResults(tuple(spec.targets), spec.compare.facets)
        for result in results:
            stored.append(result)

    try:
        rows = per_case(count, lambda: [spec.cases[i] for i in range(count)])
        print(f"fixture row read + parse: {rows:.0f} us/case")
        rendering = per_case(count, lambda: [invocation_for(spec, case) for case in cases])
        print(f"request rendering: {rendering:.0f} us/case")
        wall, every = time.perf_counter(), time.process_time()
        exchange = per_case(count, http)
        wall = (time.perf_counter() - wall) / 3 / count * 1e6
        # Reader threads (stream targets beside other kinds, HTTP's watchdog) spend CPU too.
        every = (time.process_time() - every) / 3 / count * 1e6
        print(
            f"exchange with all targets: {exchange:.0f} us/case CPU of the lane, "
            f"{every:.0f} with every thread, {wall:.0f} us/case wall"
        )
        judged = per_case(count, evaluate_all)
        print(f"evaluate (gate, normalize, compare, audit): {judged:.0f} us/case")
        print(f"result storage: {per_case(count, store):.0f} us/case")
    finally:
        for adapter in adapters.values():
            adapter.close()


if __name__ == "__main__":
    main()
