"""One spec's cases for pytest items: targets started once, cases run by the engine.

A `SpecRun` lives in one pytest process (the only one, or one xdist worker) for one spec. It
keeps the spec's targets started across runs of the engine (services start once per spec per
process) and hands each pytest item the result of its case.

Two ways to run, chosen by the plugin (docs/pytest.md, "Concurrency"):
- batch: this process will run every selected case of the spec (no xdist, or xdist with
  `--dist loadfile|loadscope|each`). The first item starts the engine on a thread for all of
  them, with the CLI's lanes; each item takes its result as it arrives.
- single: the process cannot know which of the spec's cases it will be given (`--dist load`,
  `worksteal`): each item runs its own case, one at a time, against the same started targets.

No pytest import here: this module is plain threads and the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from yamlparity.results.records import CaseResult, CaseResults, SpecResult, TargetOutcome
from yamlparity.run.engine import RunOptions, make_adapter, run_spec
from yamlparity.spec.model import Spec, Target
from yamlparity.spec.redact import Redactor
from yamlparity.targets.base import TargetAdapter, TargetUnavailable

_INTERRUPT_WAIT = 10.0  # seconds for the engine to notice its targets are gone
_POLL = 0.2  # seconds between checks while an item waits (a signal is seen at once anyway)


class SharedAdapter:
    """A target adapter lent to several engine runs: the first `start` starts it, later ones
    repeat its outcome, and `close` does nothing — its owner, the SpecRun, closes it once."""

    def __init__(self, inner: TargetAdapter) -> None:
        self._inner = inner
        self.name = inner.name
        self._lock = threading.Lock()
        self._started = False
        self._problem: TargetUnavailable | None = None

    def start(self) -> None:
        with self._lock:
            if not self._started:
                self._started = True
                try:
                    self._inner.start()
                except TargetUnavailable as exc:
                    self._problem = exc
                except Exception as exc:  # an adapter bug: the engine would say the same
                    self._problem = TargetUnavailable(f"could not start: {exc!r}")
            if self._problem is not None:
                problem = self._problem
                raise TargetUnavailable(
                    problem.reason, skip=problem.skip, log_tail=problem.log_tail
                )

    def close(self) -> None:
        """Kept open between engine runs; `really_close` ends it."""

    def really_close(self) -> None:
        self._inner.close()

    @property
    def lent(self) -> TargetAdapter:
        """The adapter lent (the engine counts a stream helper's lines on it)."""
        return self._inner

    def __getattr__(self, name: str) -> Any:
        # begin, execute, describe, overlaps...: the engine asks with getattr/hasattr.
        return getattr(self._inner, name)


@dataclass
class Part:
    """What one engine run of a spec produced, redacted, with each case's spec position."""

    result: SpecResult
    positions: list[int] = field(default_factory=list)


class SpecRun:
    """The spec's targets and results in this process (see the module docstring)."""

    def __init__(
        self,
        spec: Spec,
        *,
        jobs: int | None,
        batch: Collection[str] | None,
        factory: Callable[[Target, int | None], TargetAdapter] = make_adapter,
    ) -> None:
        self.spec = spec
        self.jobs = jobs
        self.batch = frozenset(batch) if batch is not None else None
        self.redactor = Redactor.for_spec(spec)
        self.stop = threading.Event()
        self.parts: list[Part] = []
        self._factory = factory
        self._adapters: dict[str, SharedAdapter] = {}
        self._adapters_lock = threading.Lock()
        self._cond = threading.Condition()
        self._results: dict[str, CaseResult] = {}
        self._thread: threading.Thread | None = None
        self._batch_over = False
        self._failure: BaseException | None = None
        self._positions: dict[str, int] | None = None
        self._shown: set[str] = set()  # cases whose result an item took (real names)
        # Cases reported as they finished, then turned ERROR by the engine (redacted lines).
        self.corrections: list[str] = []

    # ------------------------------------------------------------------ items ask

    def result(self, name: str) -> CaseResult:
        """Case `name`'s result (redacted); waits for it in batch mode."""
        found = self._from_batch(name) if self.batch is not None and name in self.batch else None
        if found is None:  # not in the batch (or the batch stopped before it): run it alone
            found = self._single(name)
        self._shown.add(name)
        return found

    def shown_parts(self) -> list[Part]:
        """The parts with only the cases whose items took their result. After -x a batch
        finishes the cases in flight, but pytest never runs their items: a report holds what
        the session showed, as its summary line and JUnit file count it."""
        order = self._order()
        wanted = frozenset(order[name] for name in self._shown)
        return [kept for part in self.parts if (kept := _only(part, wanted)) is not None]

    def _from_batch(self, name: str) -> CaseResult | None:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run_batch, name=f"yamlparity-{self.spec.name}", daemon=True
                )
                self._thread.start()
            while name not in self._results and not self._batch_over:
                self._cond.wait(_POLL)
            found = self._results.pop(name, None)
            if found is None and self._failure is not None:
                return _internal_error(self.spec, name, self._failure)
            return found

    def _run_batch(self) -> None:
        assert self.batch is not None
        options = RunOptions(jobs=self.jobs, select=self.batch.__contains__, stop=self.stop)
        try:
            result = run_spec(self.spec, options, _Handover(self), self._adapter_for)
            self._keep(result)
        except BaseException as exc:  # items waiting get an ERROR instead of waiting forever
            self._failure = exc
        finally:
            # Every selected case is done: the spec is over in this process, stop its services.
            self._close_adapters()
            with self._cond:
                self._batch_over = True
                self._cond.notify_all()

    def _arrived(self, result: CaseResult) -> None:
        # Keyed by the real name: a secret inside a case name is masked in the copy only.
        redacted = self.redactor.deep(result)
        with self._cond:
            self._results[result.name] = redacted
            self._cond.notify_all()

    def _single(self, name: str) -> CaseResult:
        options = RunOptions(jobs=self.jobs, select=name.__eq__, stop=self.stop)
        try:
            result = run_spec(self.spec, options, adapter_factory=self._adapter_for)
        except Exception as exc:
            return _internal_error(self.spec, name, exc)
        names = _names(result)
        redacted = self._keep(result)
        if name not in names:
            return _internal_error(self.spec, name, RuntimeError("the engine returned no result"))
        return redacted.cases[names.index(name)]

    def _keep(self, result: SpecResult) -> SpecResult:
        """Keep a run's redacted result with each case's spec position (from the real names:
        a masked secret in a name would not be found)."""
        order = self._order()
        positions = [order[case_name] for case_name in _names(result)]
        redacted = self.redactor.deep(result)
        self.parts.append(Part(redacted, positions))
        return redacted

    def _order(self) -> dict[str, int]:
        if self._positions is None:
            self._positions = {name: i for i, name in enumerate(self.spec.cases.names())}
        return self._positions

    # ------------------------------------------------------------------ targets

    def _adapter_for(self, target: Target) -> TargetAdapter:
        with self._adapters_lock:
            shared = self._adapters.get(target.name)
            if shared is None:
                shared = SharedAdapter(self._factory(target, self.jobs))
                self._adapters[target.name] = shared
            return shared

    def _close_adapters(self) -> None:
        with self._adapters_lock:
            adapters, self._adapters = list(self._adapters.values()), {}
        for adapter in adapters:
            try:
                adapter.really_close()
            except Exception:  # one failing close must not leave the others running
                continue

    # ------------------------------------------------------------------ the end

    def close(self, *, now: bool = False) -> None:
        """Stop starting cases and stop every target of the spec. Called at the end of the
        session. After -x or an error the cases in flight finish first (their targets'
        timeouts bound the wait); after Ctrl-C (`now`) the targets stop at once, so a case in
        flight ends with an error instead of holding the interrupt up."""
        self.stop.set()
        try:
            if now:
                self._close_adapters()
            if self._thread is not None:
                self._thread.join(_INTERRUPT_WAIT if now else None)
        finally:
            self._close_adapters()

    @property
    def interrupted(self) -> bool:
        return self.stop.is_set() and not self._batch_over


class _Handover:
    """The engine's listener: each finished case goes to the item waiting for it."""

    def __init__(self, run: SpecRun) -> None:
        self._run = run

    def spec_started(self, spec: Spec, total: int) -> None:
        pass

    def case_finished(self, spec: Spec, result: CaseResult, done: int, total: int) -> None:
        self._run._arrived(result)

    def cases_corrected(self, spec: Spec, message: str) -> None:
        self._run.corrections.append(self._run.redactor.text(message))


def _names(result: SpecResult) -> list[str]:
    cases = result.cases
    if isinstance(cases, CaseResults):
        return [cases.name(i) for i in range(len(cases))]
    return [case.name for case in cases]


def _internal_error(spec: Spec, name: str, exc: BaseException) -> CaseResult:
    outcomes = {target: TargetOutcome(target=target) for target in spec.targets}
    return CaseResult(
        name=name, verdict="ERROR", outcomes=outcomes, reason=f"internal error: {exc!r}"
    )


# ---------------------------------------------------------------------- merging


def merge(parts: Sequence[Part], keep: Collection[int] | None = None) -> SpecResult:
    """One spec's parts (engine runs, workers) as one result in spec order, as a single
    `yamlparity run` would have produced it; a case run twice (`--dist each`) counts once.
    `keep`: only the cases at these spec positions."""
    first = parts[0].result
    store = CaseResults(tuple(t.name for t in first.targets), tuple(first.facets))
    seen: dict[str, tuple[int, CaseResult]] = {}
    for part in parts:
        for position, case in zip(part.positions, part.result.cases, strict=True):
            if keep is None or position in keep:
                seen.setdefault(case.name, (position, case))
    for _, case in sorted(seen.values(), key=lambda pair: pair[0]):
        store.append(case)
    store.finish()
    # Target descriptions: the run that met a problem (a service never ready) says the most.
    targets = next((p.result.targets for p in parts if _has_problem(p.result)), first.targets)
    return SpecResult(
        name=first.name,
        title=first.title,
        description=first.description,
        file=first.file,
        kind=first.kind,
        targets=targets,
        cases=store,
        started=min(p.result.started for p in parts),
        finished=max(p.result.finished for p in parts),
        interrupted=any(p.result.interrupted for p in parts),
        facets=first.facets,
        error=next((p.result.error for p in parts if p.result.error), None),
        align=first.align,
        intended_rules=first.intended_rules,
        rules=first.rules,
    )


def _only(part: Part, positions: Collection[int]) -> Part | None:
    """`part` with only the cases at `positions` (None when it has none of them)."""
    kept = sorted(p for p in part.positions if p in positions)
    if len(kept) == len(part.positions):
        return part
    return Part(merge([part], keep=positions), kept) if kept else None


def _has_problem(result: SpecResult) -> bool:
    return any(t.unavailable for t in result.targets)
