"""plan -> execute -> normalize -> compare -> results. Knows adapters only by their interface.

Cases run concurrently (a bounded window of cases in flight, every target of a case submitted
together so all receive their input at about the same time); results stay in spec order.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from yamlparity.evaluate import evaluate
from yamlparity.model import Case, Spec, Target
from yamlparity.plan import invocation_for
from yamlparity.results import CaseResult, SpecResult, TargetInfo, TargetOutcome
from yamlparity.targets.base import Invocation, RawObservation, TargetAdapter, TargetUnavailable


def default_jobs() -> int:
    return max(4, min(32, (os.cpu_count() or 2) * 4))


@dataclass
class RunOptions:
    jobs: int = field(default_factory=default_jobs)
    select: Callable[[str], bool] | None = None
    stop: threading.Event = field(default_factory=threading.Event)


class Listener(Protocol):
    def spec_started(self, spec: Spec, total: int) -> None: ...

    def case_finished(self, spec: Spec, result: CaseResult, done: int, total: int) -> None: ...


def make_adapter(target: Target) -> TargetAdapter:
    if target.kind == "http":
        from yamlparity.targets.http import HttpAdapter

        return HttpAdapter(target)
    if target.mode == "stream":
        from yamlparity.targets.stream import StreamAdapter

        return StreamAdapter(target)
    from yamlparity.targets.command import CommandAdapter

    return CommandAdapter(target)


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Live:
    """The adapters that started, and why the others did not."""

    adapters: dict[str, TargetAdapter]
    unavailable: dict[str, TargetUnavailable]
    infos: list[TargetInfo]


def run_spec(
    spec: Spec,
    options: RunOptions | None = None,
    listener: Listener | None = None,
    adapter_factory: Callable[[Target], TargetAdapter] = make_adapter,
) -> SpecResult:
    options = options or RunOptions()
    cases = [case for case in spec.cases if options.select is None or options.select(case.name)]
    result = SpecResult(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        file=str(spec.file),
        kind=spec.kind,
        targets=[],
        cases=[],
        started=now_utc(),
        facets=spec.compare.facets,
    )
    if listener:
        listener.spec_started(spec, len(cases))
    with ExitStack() as stack:
        live = _start_targets(spec, adapter_factory, stack)
        result.targets = live.infos
        for case_result in _run_cases(spec, cases, live, options):
            result.cases.append(case_result)
            if listener:
                listener.case_finished(spec, case_result, len(result.cases), len(cases))
    result.interrupted = options.stop.is_set() and len(result.cases) < len(cases)
    result.finished = now_utc()
    return result


def _start_targets(
    spec: Spec, factory: Callable[[Target], TargetAdapter], stack: ExitStack
) -> _Live:
    adapters: dict[str, TargetAdapter] = {}
    for name, target in spec.targets.items():
        adapter = factory(target)
        stack.callback(adapter.close)
        adapters[name] = adapter
    unavailable: dict[str, TargetUnavailable] = {}
    # Builds and service start-ups are slow and independent: start all targets together.
    with ThreadPoolExecutor(max_workers=len(adapters)) as pool:
        futures = {name: pool.submit(adapter.start) for name, adapter in adapters.items()}
        for name, future in futures.items():
            try:
                future.result()
            except TargetUnavailable as exc:
                unavailable[name] = exc
            except Exception as exc:  # an adapter bug must not leave other services running
                unavailable[name] = TargetUnavailable(f"could not start: {exc!r}")
    infos = [
        TargetInfo(
            name=name,
            kind=spec.targets[name].kind,
            description=adapter.describe(),
            unavailable=unavailable[name].reason if name in unavailable else None,
            log_tail=unavailable[name].log_tail if name in unavailable else "",
        )
        for name, adapter in adapters.items()
    ]
    return _Live({n: a for n, a in adapters.items() if n not in unavailable}, unavailable, infos)


def _run_cases(
    spec: Spec, cases: list[Case], live: _Live, options: RunOptions
) -> Iterator[CaseResult]:
    jobs = max(1, options.jobs)
    limits = {
        name: threading.BoundedSemaphore(target.concurrency)
        for name, target in spec.targets.items()
        if target.kind == "http" and target.concurrency
    }
    window = max(2, jobs)
    with ThreadPoolExecutor(max_workers=jobs * max(1, len(live.adapters))) as pool:
        pending: list[tuple[Case, dict[str, Future[RawObservation]] | CaseResult]] = []
        queue = iter(cases)
        while True:
            while len(pending) < window and not options.stop.is_set():
                case = next(queue, None)
                if case is None:
                    break
                pending.append((case, _submit(spec, case, live, limits, pool)))
            if not pending:
                return
            case, work = pending.pop(0)
            if isinstance(work, CaseResult):
                yield work
                continue
            yield _finish(spec, case, live, work)


def _submit(
    spec: Spec,
    case: Case,
    live: _Live,
    limits: dict[str, threading.BoundedSemaphore],
    pool: ThreadPoolExecutor,
) -> dict[str, Future[RawObservation]] | CaseResult:
    try:
        invocation = invocation_for(spec, case)
    except Exception as exc:  # a template error in one case's data
        outcomes = {name: TargetOutcome(target=name) for name in spec.targets}
        reason = f"could not render the input: {exc}"
        return CaseResult(name=case.name, verdict="ERROR", outcomes=outcomes, reason=reason)
    return {
        name: pool.submit(_execute, adapter, invocation, limits.get(name))
        for name, adapter in live.adapters.items()
    }


def _execute(
    adapter: TargetAdapter, invocation: Invocation, limit: threading.BoundedSemaphore | None
) -> RawObservation:
    started = time.monotonic()
    try:
        if limit is None:
            return adapter.execute(invocation)
        with limit:
            return adapter.execute(invocation)
    except Exception as exc:  # adapters should not raise; if one does, the case gets ERROR
        return RawObservation(
            target=adapter.name, duration=time.monotonic() - started, failure=f"{exc!r}"
        )


def _finish(
    spec: Spec, case: Case, live: _Live, futures: dict[str, Future[RawObservation]]
) -> CaseResult:
    raws: dict[str, RawObservation] = {}
    for name in spec.targets:
        if name in futures:
            raws[name] = futures[name].result()
        else:
            problem = live.unavailable[name]
            raw = RawObservation(target=name)
            if problem.skip:
                raw.skipped = problem.reason
            else:
                raw.failure = f"target unavailable: {problem.reason}"
            raws[name] = raw
    result = evaluate(spec, case, raws)
    if result.verdict == "MATCH":
        # A match needs no outputs in the report: keep only its summary, so memory does not
        # grow with the number of matching cases.
        for outcome in result.outcomes.values():
            outcome.facets = {}
    return result
