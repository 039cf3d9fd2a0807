"""`yamlparity fuzz`: inputs drawn from a JSON Schema, sent to every target, judged exactly as
`run` judges a case; each new way of diverging is shrunk by Hypothesis to a minimal input.

The search is a series of Hypothesis runs ("rounds") over one set of started targets. Every
input's classes are recorded (fuzz_signature.py says what a class is); in a round, the first
class not yet shrunk that an input shows raises an exception type of its own, and Hypothesis
shrinks it to a minimal input that still shows it. Hypothesis stops generating soon after a
failure; the next round, with a seed derived from the run's seed, ignores the classes already
shrunk, puts those seen but not yet shrunk first, and searches on until the budget is spent.
With an example database, a first round replays the failures stored by earlier runs before
anything new is drawn; only that round reads the database (a later one ignores some classes on
purpose, and Hypothesis would delete their stored inputs as "fixed"); every round stores what
it finds. Hypothesis stores only what it shrank: a class seen but not shrunk (the budget ran out
first) is kept beside, as the exact text of its smallest input under a key of its own, and
retried as it is after the replay round; one that shows no class any more is dropped.

Budgets: `max_examples` counts the inputs sent while searching (until a round meets its class;
the inputs Hypothesis then runs to shrink it are extra, and reported apart), `max_time` the
seconds. A round starts only while both remain and may draw at most the examples left; it
shrinks its class to the end, past the time budget up to a grace period. A class seen but
never shrunk within the budget is reported with the smallest input seen (marked not shrunk).
Inputs are cached by their exact text: Hypothesis often draws the same small input twice, and a
target runs it once.
"""

from __future__ import annotations

import hashlib
import importlib
import threading
import time
import unittest
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase
from hypothesis.errors import FlakyFailure, HypothesisException, HypothesisWarning, Unsatisfiable
from hypothesis.reporting import with_reporter

from yamlparity.core.errors import Location, SpecError
from yamlparity.core.jsonvalue import JSON, canonical, loads
from yamlparity.results.fuzz import Finding, FuzzResult, Stopped
from yamlparity.results.records import CaseResult
from yamlparity.run.engine import StartedTargets, now_utc, started_targets
from yamlparity.run.fuzz_inputs import inputs
from yamlparity.run.fuzz_schema import InputSchema
from yamlparity.run.fuzz_signature import FindingClass, classes_of
from yamlparity.spec.model import FUZZ_CASE, Case, Spec, Target
from yamlparity.targets.base import TargetAdapter

__all__ = ["DEFAULT_EXAMPLES", "FUZZ_CASE", "RERUNS", "FuzzListener", "FuzzOptions", "fuzz_spec"]

DEFAULT_EXAMPLES = 100  # when neither --max-examples nor --max-time is given
# After the search each minimal input is run this many more times; it is reproduced when every
# one shows its class. Two, not one: an answer that depends on the inputs before it (a stream
# helper's state) may flip on every input, and one rerun would then show it half the time.
RERUNS = 2
ROUND_EXAMPLES = 100  # inputs Hypothesis may generate in one round
MIN_ROUND = 10
# Only the replay round reads the database: a later one ignores classes on purpose, and
# Hypothesis would delete their stored inputs as no longer failing.
_REPLAY = (Phase.explicit, Phase.reuse)
_SEARCH = (Phase.generate, Phase.target, Phase.shrink)
_CACHE_LIMIT = 200_000  # inputs remembered by their text (a few hundred bytes each)
_SEEN = b":seen"  # the database key's suffix for inputs of classes not shrunk (exact JSON)


@dataclass
class FuzzOptions:
    schema: InputSchema
    seed: int
    max_examples: int | None = None  # None with max_time None: DEFAULT_EXAMPLES
    max_time: float | None = None
    database: Path | None = None  # None: no example database
    stop: threading.Event = field(default_factory=threading.Event)


class FuzzListener(Protocol):
    """What the CLI hears while the search runs (only the CLI prints)."""

    def example(self, examples: int, findings: int, seconds: float) -> None: ...

    def found(self, label: str, kind: str, example: int, seconds: float) -> None: ...

    def searching_again(self, reason: str, examples: int, seconds: float) -> None:
        """A stream helper wrote more lines than it was sent inputs (`reason`) before
        `examples` inputs were sent: the search starts again, waiting for quiet after each."""


class _Stop(BaseException):
    """The budget's grace period ended, or Ctrl-C: leave Hypothesis at once (a BaseException,
    so Hypothesis does not take it for a failure of the input)."""


class _Strayed(BaseException):
    """A stream helper was proven to have written a line too many while the search did not
    wait for quiet after each input: what was judged may rest on shifted answers. Leave
    Hypothesis at once; the search starts again, settling after each input."""


class _Internal(BaseException):
    """A bug of ours inside the test function, carried out of Hypothesis unchanged."""

    def __init__(self, error: Exception) -> None:
        super().__init__(repr(error))
        self.error = error


class _Found(Exception):
    """An input showed `finding`. Hypothesis tells failures apart by exception type, so each
    class gets a subclass of its own (`_exception_for`)."""

    def __init__(self, finding: FindingClass, value: JSON) -> None:
        super().__init__(finding.label)
        self.finding = finding
        self.value = value


_TYPES: dict[FindingClass, type[_Found]] = {}


def _exception_for(finding: FindingClass) -> type[_Found]:
    kind = _TYPES.get(finding)
    if kind is None:
        kind = type(f"Finding{len(_TYPES)}", (_Found,), {})
        _TYPES[finding] = kind
    return kind


@dataclass
class _Record:
    finding: FindingClass
    first_example: int
    first_seconds: float
    best: JSON  # the smallest input seen that shows it (by its text)
    best_key: tuple[int, str]
    best_result: CaseResult
    examples: int = 1
    final: JSON | None = None  # Hypothesis's minimal input, once a round has shrunk it
    has_final: bool = False


def fuzz_spec(
    spec: Spec,
    options: FuzzOptions,
    listener: FuzzListener | None = None,
    adapter_factory: Callable[[Target], TargetAdapter] | None = None,
) -> FuzzResult:
    """Search for divergences on `spec`'s targets; the targets are started once."""
    max_examples = options.max_examples
    if max_examples is None and options.max_time is None:
        max_examples = DEFAULT_EXAMPLES
    result = FuzzResult(
        spec=spec.name,
        title=spec.title,
        file=str(spec.file),
        schema=options.schema.display,
        seed=options.seed,
        max_examples=max_examples,
        max_time=options.max_time,
        database=str(options.database) if options.database else None,
        started=now_utc(),
    )
    with _schema_alone(), started_targets(spec, adapter_factory) as started:
        result.targets = started.infos
        if any(info.unavailable for info in started.infos):
            result.stopped = "unavailable"
            return result
        # Fast first: nothing is waited for after an input. Once a stream helper is proven
        # to have written more lines than it was sent (a banner, two lines for one input),
        # any answer judged so far may be another input's: everything found is dropped and
        # the search starts again from its seed, every input followed by a wait for quiet
        # (run/engine.py, started_targets), which charges an extra line to the input that
        # caused it. The same seed then finds the same, however early the proof came.
        search = _Search(spec, options, max_examples, started, listener, settle=False)
        strayed, dropped = None, 0.0
        try:
            search.run()
            result.findings = search.findings()
            strayed = started.strayed(True)  # a line after the last input's answer counts
        except _Strayed:
            strayed = started.strayed(False)
        if strayed is not None:
            if listener is not None:
                listener.searching_again(strayed, search.examples, search.elapsed())
            result.settled = strayed
            result.examples_before, dropped = search.examples, search.elapsed()
            # With its whole budget: an input takes a wait more now, and a time budget
            # shared with the search dropped would leave little or nothing to find with.
            search = _Search(spec, options, max_examples, started, listener, settle=True)
            search.run()
            result.findings = search.findings()
    result.examples = search.examples
    result.searched = search.searched
    result.rounds = search.rounds
    result.seconds = dropped + search.elapsed()  # the search dropped took time too
    result.stopped = search.stopped
    result.verdicts = dict(sorted(search.verdicts.items()))
    return result


@contextmanager
def _schema_alone() -> Iterator[None]:
    """Inside, Hypothesis draws no constants from the source of "local" modules (any module
    outside site-packages: yamlparity's own when it is installed editable). With them, the
    same `--seed` drew other inputs on a machine where yamlparity is installed otherwise or
    changed. The targets are other programs: their inputs come from the schema and the seed
    alone. Hypothesis's hook for it is private (6.131.9 and later): looked up with care, the
    constants it cached already dropped, the hook put back on the way out."""
    try:
        providers = importlib.import_module("hypothesis.internal.conjecture.providers")
    except ImportError:
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    constants = getattr(providers, "Constants", None)
    if not callable(original) or constants is None:
        yield
        return
    none_local = constants()
    setattr(providers, "_get_local_constants", lambda: none_local)  # noqa: B010
    _forget_cached_constants(providers)
    try:
        yield
    finally:
        setattr(providers, "_get_local_constants", original)  # noqa: B010
        _forget_cached_constants(providers)


def _forget_cached_constants(providers: Any) -> None:
    """Hypothesis caches the constants allowed per kind of draw, local ones included."""
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)
    if isinstance(cache, dict):
        cache.clear()


class _Search:
    def __init__(
        self,
        spec: Spec,
        options: FuzzOptions,
        max_examples: int | None,
        started: StartedTargets,
        listener: FuzzListener | None,
        settle: bool,
    ) -> None:
        self.spec, self.options, self.listener = spec, options, listener
        self.targets = started
        self.settle = settle  # wait for quiet after each input (see fuzz_spec)
        self.max_examples = max_examples
        self.strategy = inputs(options.schema)
        self.database = _database(options.database)
        self.key = _database_key(spec, options.schema)
        self.seen_key = self.key + _SEEN  # inputs of classes seen but not shrunk, as text
        self.seen_stored: set[bytes] = set()
        self.location = Location(options.schema.display)
        self.cache: dict[str, frozenset[FindingClass]] = {}
        self.records: dict[FindingClass, _Record] = {}
        self.verdicts: dict[str, int] = {}
        self.examples = 0  # inputs sent to the targets, shrinking and replays included
        self.searched = 0  # of which sent while looking for a class: what --max-examples counts
        self.searching = False
        self.chosen: FindingClass | None = None  # the class this round shrinks, once met
        self.rounds = 0
        self.stopped: Stopped = "examples"
        self.started = time.monotonic()
        self.ignore: frozenset[FindingClass] = frozenset()
        self.priority: frozenset[FindingClass] = frozenset()
        self.sent_in_round = 0
        self.calls_in_round = 0

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    # -- rounds

    def run(self) -> None:
        """The search; then what it saw but could not shrink is stored for the next run (not
        when it raised: a search dropped for a stray line stores nothing)."""
        self._run()
        self._store_seen()

    def _run(self) -> None:
        if self.database is not None and any(True for _ in self.database.fetch(self.key)):
            # What failed last time, first: the stored minimal inputs, replayed as they are.
            finals, cut = self._round(1, _REPLAY)
            self._keep(finals)
            if cut is not None:
                self.stopped = cut
                return
        if self.database is not None and (cut := self._replay_seen()) is not None:
            self.stopped = cut
            return
        while (reason := self._spent()) is None:
            size = self._round_size()
            self._prepare()
            finals, cut = self._round(size, _SEARCH)
            self._keep(finals)
            if cut is not None:
                self.stopped = cut
                return
            if self.sent_in_round == 0 or (self.chosen is None and self.calls_in_round < size):
                # Nothing new was sent, or Hypothesis stopped short with nothing to shrink:
                # it ran out of inputs to draw.
                self.stopped = "exhausted"
                return
        self.stopped = reason

    def _replay_seen(self) -> Stopped | None:
        """The inputs of classes an earlier run saw but could not shrink, sent as they are:
        each class they still show is a finding again (not shrunk, unless a round shrinks
        it); an input that shows none is dropped from the database."""
        assert self.database is not None
        for stored in sorted(self.database.fetch(self.seen_key)):
            try:
                value = loads(stored)
            except (ValueError, RecursionError):
                self.database.delete(self.seen_key, stored)  # not ours, or damaged
                continue
            try:
                shown = self._evaluate(value)
            except _Stop:
                return "interrupted" if self.options.stop.is_set() else "time"
            if shown:
                self.seen_stored.add(stored)
            else:
                self.database.delete(self.seen_key, stored)
        return None

    def _store_seen(self) -> None:
        """Each class without a shrunk input keeps its smallest input seen in the database;
        inputs stored before that no class needs any more are deleted."""
        if self.database is None:
            return
        wanted = {canonical(r.best).encode() for r in self.records.values() if not r.has_final}
        for stale in self.seen_stored - wanted:
            self.database.delete(self.seen_key, stale)
        for new in wanted - self.seen_stored:
            self.database.save(self.seen_key, new)

    def _prepare(self) -> None:
        """Before a round: shrunk classes are ignored; classes seen but not shrunk come first
        when an input shows several (fixed for the round: Hypothesis needs one input to raise
        one class every time)."""
        self.ignore = frozenset(f for f, r in self.records.items() if r.has_final)
        self.priority = frozenset(self.records) - self.ignore

    def _keep(self, finals: dict[FindingClass, JSON]) -> None:
        for finding, value in finals.items():
            record = self.records[finding]
            record.final, record.has_final = value, True

    def _spent(self) -> Stopped | None:
        if self.options.stop.is_set():
            return "interrupted"
        if self.max_examples is not None and self.searched >= self.max_examples:
            return "examples"
        if self.options.max_time is not None and self.elapsed() >= self.options.max_time:
            return "time"
        return None

    def _round_size(self) -> int:
        size = ROUND_EXAMPLES
        if self.max_examples is not None:
            size = min(size, self.max_examples - self.searched)
        if self.options.max_time is not None and self.examples:
            # A round should end near the deadline: about half the time left, at this pace.
            pace = self.elapsed() / self.examples
            left = self.options.max_time - self.elapsed()
            size = min(size, int(left / pace / 2))
        # Not smaller: each round starts with inputs an earlier one tried (the simplest), and a
        # round of cached inputs only would look like a schema with nothing left to draw.
        return max(size, MIN_ROUND)

    def _deadline(self) -> float | None:
        """When a round in progress is cut short: the budget plus time to finish shrinking."""
        if self.options.max_time is None:
            return None
        budget = self.options.max_time
        return self.started + budget + max(5.0, budget / 4)

    def _round(
        self, size: int, phases: tuple[Phase, ...]
    ) -> tuple[dict[FindingClass, JSON], Stopped | None]:
        """One Hypothesis run; its minimal input per class shrunk, and why it was cut short."""
        self.rounds += 1
        self.sent_in_round = self.calls_in_round = 0
        test = self._test(size, phases)
        try:
            with with_reporter(_quiet), warnings.catch_warnings():
                # Hypothesis warns on stderr (e.g. that the comparator raised the recursion
                # limit); only the CLI prints.
                warnings.simplefilter("ignore", HypothesisWarning)
                test()
        except _Found as exc:
            return {exc.finding: exc.value}, None
        except FlakyFailure:
            return {}, None  # an input that stopped showing its class: search on
        except BaseExceptionGroup as group:
            return _finals(group), None
        except _Stop:
            return {}, "interrupted" if self.options.stop.is_set() else "time"
        except _Internal as exc:
            raise exc.error from None
        except unittest.SkipTest:
            return {}, None  # the replay round found nothing it could replay
        except Unsatisfiable:
            if self.examples == 0:
                raise self._undrawable() from None
            return {}, "exhausted"  # a round drew nothing new the schema allows
        except HypothesisException as exc:
            raise self._schema_error(exc) from None
        except Exception as exc:  # hypothesis-jsonschema raises at draw time
            raise self._schema_error(exc) from None
        return {}, None

    def _test(self, size: int, phases: tuple[Phase, ...]) -> Any:
        # A search round raises one class only, the first it meets (seen-but-unshrunk classes
        # first when an input shows several): Hypothesis shares one shrink budget between the
        # classes of a run, and a hard one (an integer beyond 2^53) would use it up alone. The
        # replay round raises every stored class: those inputs are minimal already.
        single = Phase.generate in phases
        self.chosen = None
        self.searching = single

        def test(value: JSON) -> None:
            try:
                shown = self._evaluate(value) - self.ignore
            except (_Stop, _Strayed, _Internal):
                raise
            except Exception as exc:
                raise _Internal(exc) from exc
            if not shown:
                return
            finding = min(shown, key=lambda f: (f not in self.priority, f))
            if single:
                if self.chosen is None:
                    self.chosen = finding
                if self.chosen not in shown:
                    return
                finding = self.chosen
            raise _exception_for(finding)(finding, value)

        wrapped = given(self.strategy)(test)
        # The seed first, then the settings: `seed()` alone turns the database off, and a
        # rerun must retry the failures it stored.
        wrapped = hypothesis_seed(_round_seed(self.options.seed, self.rounds))(wrapped)
        wrapped = settings(
            max_examples=size,
            database=self.database,
            deadline=None,
            derandomize=False,
            phases=phases,
            report_multiple_bugs=True,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )(wrapped)
        # One key per spec and schema (what `find()` sets): not the digest of this function.
        wrapped._hypothesis_internal_database_key = self.key  # type: ignore[attr-defined]
        return wrapped

    # -- one input

    def _evaluate(self, value: JSON) -> frozenset[FindingClass]:
        self.calls_in_round += 1
        self._check_stop()
        text = canonical(value)
        cached = self.cache.get(text)
        if cached is not None:
            return cached
        self.examples += 1
        self.sent_in_round += 1
        if self.searching and self.chosen is None:
            self.searched += 1  # after this, the round's inputs are mostly shrinking its class
        result = self.run_case(Case(FUZZ_CASE, self.location, value))
        if not self.settle and self.targets.strayed(False) is not None:
            raise _Strayed  # before this input's verdict counts (see fuzz_spec)
        self.verdicts[result.verdict] = self.verdicts.get(result.verdict, 0) + 1
        shown = classes_of(result, self.options.schema.free_keys(value))
        for finding in sorted(shown):  # a set's order changes with each process's hash seed
            self._record(finding, value, text, result)
        if len(self.cache) < _CACHE_LIMIT:
            self.cache[text] = shown
        if self.listener is not None:
            self.listener.example(self.examples, len(self.records), self.elapsed())
        return shown

    def run_case(self, case: Case) -> CaseResult:
        return self.targets.run(case, self.settle)

    def _check_stop(self) -> None:
        if self.options.stop.is_set():
            raise _Stop
        deadline = self._deadline()
        if deadline is not None and time.monotonic() >= deadline:
            raise _Stop

    def _record(self, finding: FindingClass, value: JSON, text: str, result: CaseResult) -> None:
        key = (len(text), text)
        record = self.records.get(finding)
        if record is None:
            seconds = self.elapsed()
            self.records[finding] = _Record(finding, self.examples, seconds, value, key, result)
            if self.listener is not None:
                self.listener.found(finding.label, finding.kind, self.examples, seconds)
            return
        record.examples += 1
        if key < record.best_key:
            record.best, record.best_key, record.best_result = value, key, result

    # -- the findings

    def findings(self) -> list[Finding]:
        """Each class with its minimal input, run again under the name it is saved as. In the
        order first seen; classes one input showed first together, by class (their kind,
        facet, path, shapes): the same seed saves the same file, line for line."""
        ordered = sorted(self.records.values(), key=lambda r: (r.first_example, r.finding))
        return [self._finding(record) for record in ordered]

    def _finding(self, record: _Record) -> Finding:
        finding = record.finding
        name = finding.case_name(self.spec.main_facet)
        if self.options.stop.is_set():  # interrupted: run nothing more
            value, result, shrunk, shown, reruns = record.best, record.best_result, False, 0, 0
        else:
            shrunk = record.has_final
            value = record.final if shrunk else record.best
            result, shown = self._rerun(finding, Case(name, self.location, value))
            reruns = RERUNS
        return Finding(
            kind=finding.kind,
            label=finding.label,
            name=name,
            input=value,
            result=result,
            shrunk=shrunk,
            reproduced=shown == reruns,
            first_example=record.first_example,
            first_seconds=record.first_seconds,
            examples=record.examples,
            shown_again=shown,
            reruns=reruns,
        )

    def _rerun(self, finding: FindingClass, case: Case) -> tuple[CaseResult, int]:
        """`case` run RERUNS more times: how many showed `finding`, and the result the report
        shows (the first that showed it, else the last). The search never sends one input
        twice (its results are cached by text), so this is where an answer that depends on
        something besides the input (earlier inputs, the time, chance) shows."""
        free = self.options.schema.free_keys(case.input)
        kept: CaseResult | None = None
        shown = 0
        for _ in range(RERUNS):
            result = self.run_case(case)
            if finding in classes_of(result, free):
                shown += 1
                kept = kept or result
        return kept or result, shown

    def _undrawable(self) -> SpecError:
        """Hypothesis drew value after value and the schema refused each one: the schema
        looked satisfiable when it was read, but not in a way the generator can draw."""
        return SpecError(
            "cannot draw an input the schema allows: every value Hypothesis drew failed it",
            self.location,
            "hypothesis-jsonschema draws what some keywords ask for by drawing and "
            "filtering (a `pattern` or `format` beside other constraints on the same string, "
            "`not`, `if`/`then`): say what is wanted directly, e.g. an `enum` of the values",
        )

    def _schema_error(self, exc: BaseException) -> SpecError:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        message = message.split(" in schema=", 1)[0]  # not the whole schema again
        hint = "hypothesis-jsonschema supports drafts 4, 6 and 7 with local $refs only"
        if "recursive" in message:
            hint = (
                "hypothesis-jsonschema cannot draw from a $ref that leads back to itself: "
                "write out the levels of nesting to try"
            )
        return SpecError(f"cannot generate inputs from the schema: {message}", self.location, hint)


def _finals(group: BaseExceptionGroup[Any]) -> dict[FindingClass, JSON]:
    """The minimal inputs of a run that found several classes (Hypothesis raises them as a
    group, each from the final replay of its minimal input)."""
    finals: dict[FindingClass, JSON] = {}
    for exc in group.exceptions:
        if isinstance(exc, _Found):
            finals[exc.finding] = exc.value
        elif isinstance(exc, BaseExceptionGroup) and not isinstance(exc, FlakyFailure):
            finals.update(_finals(exc))
    return finals


def _quiet(text: object) -> None:
    """Hypothesis's own reports ("Falsifying example: ...") are not printed: the CLI reports."""


def _round_seed(seed: int, round_number: int) -> int:
    digest = hashlib.sha256(f"{seed}:{round_number}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _database_key(spec: Spec, schema: InputSchema) -> bytes:
    text = f"{spec.name}\0{canonical_schema(schema)}"
    return b"yamlparity-fuzz:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32].encode()


def canonical_schema(schema: InputSchema) -> str:
    import json

    return json.dumps(schema.schema, sort_keys=True, separators=(",", ":"))


def _database(path: Path | None) -> ExampleDatabase | None:
    return DirectoryBasedExampleDatabase(str(path)) if path is not None else None
