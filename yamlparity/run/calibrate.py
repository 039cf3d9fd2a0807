"""Calibration: run every case several times on each target; what changes between runs of the
SAME target is noise. The result is a reviewed suggestion (rules to paste, and the rules not
suggested, with why), never a change to the spec; the data is saved for the run's rule audit.

Uses the engine's adapters (engine.make_adapter, plan.invocation_for, observe.gate) without
changing the engine: cases run sequentially per target, a few cases at a time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from decimal import InvalidOperation
from pathlib import Path
from typing import Any, Literal

from yamlparity.core.atomic import write_atomic
from yamlparity.core.jsonvalue import JSON, Number, canonical, format_path, iter_leaves
from yamlparity.results.audit import format_differences, format_skeleton
from yamlparity.results.calibration import FORMAT
from yamlparity.results.pathstats import index_free, under
from yamlparity.rules import normalize
from yamlparity.run.engine import make_adapter, now_utc
from yamlparity.run.plan import invocation_for
from yamlparity.spec.model import Case, Spec
from yamlparity.targets.base import TargetAdapter, TargetUnavailable
from yamlparity.verdict.evaluate import normalized_facets
from yamlparity.verdict.gate import gate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CASE_WORKERS = 4
MAX_SAMPLES = 3
EPOCH_FLOOR = 1_000_000_000  # a number this large that changes is plausibly epoch seconds/ms

NoiseKind = Literal["value", "structure"]
CPath = tuple[str | int, ...]


# ----------------------------------------------------------------------------- data


@dataclass
class TargetCalibration:
    """One case on one target: the paths that changed between its runs (index-free)."""

    runs: int = 0
    error: str | None = None
    noise: dict[str, list[str]] = field(default_factory=dict)  # facet -> value noise paths
    structure: dict[str, list[str]] = field(default_factory=dict)  # facet -> structural


@dataclass
class CaseCalibration:
    calibrated: bool
    reason: str = ""  # why not calibrated
    targets: dict[str, TargetCalibration] = field(default_factory=dict)


@dataclass
class Noise:
    """One noisy path (index-free) of one facet, over every case and target that showed it."""

    facet: str
    path: str
    kind: NoiseKind
    targets: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)  # distinct values, canonical JSON
    covered: bool = True  # the spec's current rules already make it stable
    timestamps: bool = True  # every varying value is a timestamp
    uuids: bool = True  # every varying value is a UUID
    shared_with: list[str] = field(default_factory=list)  # noisy paths carrying the same value
    # Targets that held a value here in the same cases and never saw it vary, and samples of
    # their values: noise seen on some targets only explains nothing on these.
    stable_on: list[str] = field(default_factory=list)
    stable_samples: list[str] = field(default_factory=list)
    # target -> format skeletons of its values here (results.audit.format_skeleton)
    formats: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Suggestion:
    rule: str
    facet: str
    paths: list[str]
    targets: list[str]
    cases: int
    samples: list[str]
    why: str
    stable_on: list[str] = field(default_factory=list)  # see Noise.stable_on
    stable_samples: list[str] = field(default_factory=list)
    # A path where the targets' values share no format: the rule hides that difference too.
    format_path: str = ""
    formats: dict[str, list[str]] = field(default_factory=dict)  # target -> skeletons there


@dataclass
class Refusal:
    what: str  # a path, or the broad rule that was not suggested
    facet: str
    reason: str
    targets: list[str]
    cases: int


@dataclass
class CalibrationReport:
    spec: str
    file: str
    repeat: int
    main_facet: str
    created: str
    cases: dict[str, CaseCalibration] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)  # the spec's targets
    unavailable: dict[str, str] = field(default_factory=dict)  # could not run: exit 1
    # Absent with `when_missing: skip`: skipped, as `run` skips its cases (exit unaffected).
    skipped: dict[str, str] = field(default_factory=dict)
    noise: list[Noise] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def errors(self) -> list[tuple[str, str, str]]:
        return [
            (case, target, t.error)
            for case, c in self.cases.items()
            for target, t in c.targets.items()
            if t.error
        ]

    @property
    def unobserved(self) -> list[str]:
        """The targets no case ran the full repeat on (unavailable, skipped, or failing in every
        case it ran): what calibration says rests on the other targets only."""
        seen = {
            name
            for case in self.cases.values()
            for name, state in case.targets.items()
            if not state.error and state.runs >= 2
        }
        return [name for name in self.targets if name not in seen]

    @property
    def uncovered(self) -> list[Noise]:
        return [n for n in self.noise if not n.covered]

    @property
    def exit_code(self) -> int:
        """0: every noise is already covered by the spec's rules; 1: rules to review, refused
        noise, or runs that failed (a calibration that could not run proves nothing). A target
        absent with `when_missing: skip` is skipped, as `run` skips its cases: no failure."""
        return 1 if self.uncovered or self.errors or self.unavailable else 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = FORMAT
        return data

    def save(self, path: Path) -> Path:
        # Atomic and through the secret boundary: samples hold what targets printed.
        write_atomic(path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return path

    def render_text(self) -> str:
        return render_text(self)


# ----------------------------------------------------------------------------- running


def calibrate_spec(
    spec: Spec,
    repeat: int | None = None,
    select: Callable[[str], bool] | None = None,
    *,
    output: Path | None = None,
    delay: float = 0.0,
    jobs: int = CASE_WORKERS,
) -> CalibrationReport:
    """Run each selected case `repeat` times per target, `delay` seconds apart, `jobs` cases
    at once; `output`: also save the JSON data."""
    runs = repeat if repeat is not None else spec.calibration.repeat
    if runs < 2:
        raise ValueError("calibration needs at least 2 runs per case (--repeat 2 or more)")
    report = CalibrationReport(
        spec=spec.name,
        file=str(spec.file),
        repeat=runs,
        main_facet=spec.main_facet,
        created=now_utc(),
        targets=list(spec.targets),
    )
    cases = [case for case in spec.cases if select is None or select(case.name)]
    observations: dict[str, dict[str, list[dict[str, JSON]]]] = {}
    with ExitStack() as stack:
        adapters = _start(spec, stack, report)
        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            futures = {
                case.name: pool.submit(_calibrate_case, spec, case, adapters, runs, delay)
                for case in cases
            }
            for name, future in futures.items():
                report.cases[name], observations[name] = future.result()
        finally:
            # Interrupted (Ctrl-C, SIGTERM): the cases not started are dropped, not run to the
            # end before the targets stop (`with` waited for all of them: 11 s for 40 cases).
            pool.shutdown(wait=True, cancel_futures=True)
    report.noise = find_noise(spec, observations)
    report.suggestions, report.refusals = suggest(spec, report.noise, observations)
    _untouched_stable(spec, report.noise, report.suggestions, observations)
    if output is not None:
        report.save(output)
    return report


def _start(spec: Spec, stack: ExitStack, report: CalibrationReport) -> dict[str, TargetAdapter]:
    adapters: dict[str, TargetAdapter] = {}
    for name, target in spec.targets.items():
        adapter = make_adapter(target)
        stack.callback(adapter.close)
        try:
            adapter.start()
        except TargetUnavailable as exc:
            (report.skipped if exc.skip else report.unavailable)[name] = exc.reason
            continue
        except Exception as exc:  # an adapter bug must not leave the other services running
            report.unavailable[name] = f"could not start: {exc!r}"
            continue
        adapters[name] = adapter
    return adapters


def _calibrate_case(
    spec: Spec, case: Case, adapters: dict[str, TargetAdapter], runs: int, delay: float = 0.0
) -> tuple[CaseCalibration, dict[str, list[dict[str, JSON]]]]:
    if case.skip is not None:  # not run by `yamlparity run` either
        return CaseCalibration(False, f"skipped: {case.skip}"), {}
    try:
        invocation = invocation_for(spec, case)
    except Exception as exc:
        return CaseCalibration(False, f"could not render the input: {exc}"), {}
    request = invocation.request
    unsafe = request is not None and request.method not in SAFE_METHODS
    if unsafe and not spec.calibration.unsafe_methods:
        assert request is not None
        reason = (
            f"{request.method} may have side effects: not repeated "
            "(set calibration.unsafe_methods: true to allow it)"
        )
        return CaseCalibration(False, reason), {}
    result = CaseCalibration(True)
    outputs: dict[str, list[dict[str, JSON]]] = {}
    for name, adapter in adapters.items():
        if case.targets is not None and name not in case.targets:
            continue  # the case runs on some targets only
        state = result.targets.setdefault(name, TargetCalibration())
        outputs[name] = []
        for run in range(runs):
            if run and delay:
                time.sleep(delay)  # a clock-driven value needs the time to change
            parsed = gate(spec, adapter.execute(invocation))
            if parsed.error:
                state.error = parsed.error
                break
            outputs[name].append({f: parsed.facets.get(f) for f in spec.compare.facets})
            state.runs += 1
        if state.error:
            outputs.pop(name)
            continue
        for facet in spec.compare.facets:
            values = [run[facet] for run in outputs[name]]
            noise = run_differences(values)
            state.noise[facet] = sorted({p for p, kind in noise if kind == "value"})
            state.structure[facet] = sorted({p for p, kind in noise if kind == "structure"})
    return result, outputs


# ----------------------------------------------------------------------------- noise


def run_differences(
    values: list[JSON], moved: dict[str, set[str]] | None = None
) -> set[tuple[str, NoiseKind]]:
    """Index-free paths that differ between the first run and any other run; `moved` gets,
    per path, the keys that are there in some runs only."""
    out: set[tuple[str, NoiseKind]] = set()
    for other in values[1:]:
        _walk(values[0], other, (), out, moved)
    return out


def _walk(
    a: JSON,
    b: JSON,
    path: CPath,
    out: set[tuple[str, NoiseKind]],
    moved: dict[str, set[str]] | None,
) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            where = index_free(format_path(path))
            out.add((where, "structure"))
            if moved is not None:
                moved.setdefault(where, set()).update(a.keys() ^ b.keys())
        for key in a.keys() & b.keys():
            _walk(a[key], b[key], (*path, key), out, moved)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.add((index_free(format_path(path)), "structure"))
            return
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(x, y, (*path, index), out, moved)
    elif isinstance(a, dict | list) or isinstance(b, dict | list):
        out.add((index_free(format_path(path)), "structure"))
    elif type(a) is not type(b) or canonical(a) != canonical(b):
        out.add((index_free(format_path(path)), "value"))


def find_noise(
    spec: Spec, observations: dict[str, dict[str, list[dict[str, JSON]]]]
) -> list[Noise]:
    """Every noisy (facet, path), with whether the spec's current rules already cover it."""
    found: dict[tuple[str, str, NoiseKind], Noise] = {}
    for case, by_target in observations.items():
        for target, runs in by_target.items():
            for facet in spec.compare.facets:
                _record_noise(spec, case, target, facet, runs, found)
    noise = sorted(found.values(), key=lambda n: (n.facet, n.path, n.kind))
    _describe_targets(observations, noise)
    return noise


def _record_noise(
    spec: Spec,
    case: str,
    target: str,
    facet: str,
    runs: list[dict[str, JSON]],
    found: dict[tuple[str, str, NoiseKind], Noise],
) -> None:
    raw = [run[facet] for run in runs]
    moved: dict[str, set[str]] = {}
    noisy = run_differences(raw, moved)
    if not noisy:
        return
    normalized = [normalized_facets(spec, target, run)[facet] for run in runs]
    left = {path for path, _ in run_differences(normalized)}
    noisy_paths = {path for path, _ in noisy}
    for path, kind in noisy:
        noise = found.setdefault((facet, path, kind), Noise(facet=facet, path=path, kind=kind))
        _add(noise.targets, target)
        _add(noise.cases, case)
        # Covered: nothing varies any more at this path or under it (a key coming and going
        # beside it, at its parent, is a noise of its own, not this one left uncovered).
        still = any(other == path or under(other, path) for other in left)
        noise.covered = noise.covered and not still
        if kind == "value":
            _describe_values(noise, raw, noisy_paths)
        else:  # the keys that come and go, as samples
            for key in sorted(moved.get(path, ())):
                if key not in noise.samples and len(noise.samples) < MAX_SAMPLES:
                    noise.samples.append(key)


def _describe_targets(
    observations: dict[str, dict[str, list[dict[str, JSON]]]], noise: list[Noise]
) -> None:
    """Per value noise, what each target held at its path in the cases that showed it: the
    formats of its values (`formats`), and `stable_on`: the targets whose value there was the
    same on every run and never varied."""
    by_facet: dict[str, dict[str, Noise]] = {}
    for item in noise:
        if item.kind == "value":
            by_facet.setdefault(item.facet, {})[item.path] = item
    for case, by_target in observations.items():
        for target, runs in by_target.items():
            for facet, items in by_facet.items():
                for path, per_run in _values_at(runs, facet, items).items():
                    if case in items[path].cases:
                        _describe_target(items[path], target, per_run)


def _describe_target(item: Noise, target: str, per_run: list[list[JSON]]) -> None:
    for values in per_run:
        for value in values:
            skeleton = format_skeleton(value)
            if skeleton is not None:
                _add(item.formats.setdefault(target, []), skeleton)
    if target in item.targets or not per_run[0]:
        return
    if all(values == per_run[0] for values in per_run[1:]):  # exact: Number by its literal
        _add(item.stable_on, target)
        for value in per_run[0]:
            if len(item.stable_samples) < MAX_SAMPLES:
                _add(item.stable_samples, canonical(value))


def _values_at(
    runs: list[dict[str, JSON]], facet: str, paths: dict[str, Noise]
) -> dict[str, list[list[JSON]]]:
    """Index-free path (of those in `paths`) -> per run, the values there."""
    out: dict[str, list[list[JSON]]] = {}
    for number, run in enumerate(runs):
        if run.get(facet) is None and facet.startswith("headers."):
            continue  # a header not sent holds no value: neither stable nor of a format
        for where, leaf in iter_leaves(run.get(facet)):
            path = index_free(format_path(where))
            if path in paths:
                out.setdefault(path, [[] for _ in runs])[number].append(leaf)
    return out


def _add(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _describe_values(noise: Noise, runs: list[JSON], noisy_paths: set[str]) -> None:
    """Samples and shapes of the varying values; which other noisy paths carry the same one."""
    for value in runs:
        by_value: dict[str, set[str]] = {}
        leaves = [(index_free(format_path(p)), v) for p, v in iter_leaves(value)]
        for path, leaf in leaves:
            if isinstance(leaf, str) and path in noisy_paths:
                by_value.setdefault(leaf, set()).add(path)
        for path, leaf in leaves:
            if path != noise.path:
                continue
            text = canonical(leaf)
            if text not in noise.samples and len(noise.samples) < MAX_SAMPLES:
                noise.samples.append(text)
            noise.timestamps = noise.timestamps and _is_timestamp(leaf)
            noise.uuids = noise.uuids and _has_shape(leaf, "uuid")
            if isinstance(leaf, str):
                for other in sorted(by_value.get(leaf, set()) - {noise.path}):
                    _add(noise.shared_with, other)


def _has_shape(value: JSON, shape: str) -> bool:
    """The shape as the rule language itself checks it (a mask that would not skip)."""
    stats = normalize.RuleStats()
    normalize.apply(normalize.compile_rule(f'mask(.; "x"; {shape})'), value, stats)
    return stats.skipped == 0


def _is_timestamp(value: JSON) -> bool:
    if isinstance(value, Number):
        # The rule language takes any number >= 0 as an epoch; a counter is not a clock.
        try:
            return value.value >= EPOCH_FLOOR
        except InvalidOperation:
            return False
    return _has_shape(value, "timestamp")


def _untouched_stable(
    spec: Spec,
    noise: list[Noise],
    suggestions: list[Suggestion],
    observations: dict[str, dict[str, list[dict[str, JSON]]]],
) -> None:
    """A target stable where others vary is a caution only when the rule would change its
    value there: `mask(.; "<uuid>"; uuid)` leaves a stable `req-1` alone (the comparison
    still shows it), and cannot hide it. Such targets leave `stable_on` and the formats
    compared, for the spec's rules (covered noise) and for each suggested rule."""
    for item in noise:
        if item.covered and item.stable_on:
            _keep_touched(item, [item], _by_spec(spec, item.facet), observations)
    for suggestion in suggestions:
        if suggestion.stable_on:
            members = [
                n for n in noise if n.facet == suggestion.facet and n.path in suggestion.paths
            ]
            by_rule = _by_rule(normalize.compile_rule(suggestion.rule), suggestion.facet)
            _keep_touched(suggestion, members, by_rule, observations)


_Rule = Callable[[str, dict[str, JSON]], JSON]  # (target, its facets) -> the facet normalized


def _by_spec(spec: Spec, facet: str) -> _Rule:
    return lambda target, facets: normalized_facets(spec, target, facets)[facet]


def _by_rule(program: normalize.Program, facet: str) -> _Rule:
    return lambda _target, facets: normalize.apply(program, facets.get(facet))


def _keep_touched(
    holder: Noise | Suggestion,
    members: list[Noise],
    rule: _Rule,
    observations: dict[str, dict[str, list[dict[str, JSON]]]],
) -> None:
    paths = {m.path for m in members}
    cases = {c for m in members for c in m.cases}
    touched: list[str] = []
    samples: list[str] = []
    for target in holder.stable_on:
        for case in sorted(cases):
            runs = observations.get(case, {}).get(target)
            if not runs:
                continue
            before = _leaves_at(runs[0].get(holder.facet), holder.facet, paths)
            if before and before != _leaves_at(rule(target, runs[0]), holder.facet, paths):
                _add(touched, target)
                for value in before:
                    if len(samples) < MAX_SAMPLES:
                        _add(samples, canonical(value))
    if touched == holder.stable_on:
        return
    holder.stable_on, holder.stable_samples = touched, samples
    dropped = {t for m in members for t in m.stable_on} - set(touched)
    if isinstance(holder, Noise):
        holder.formats = {t: f for t, f in holder.formats.items() if t not in dropped}
        return
    kept = [_without(m, dropped) for m in members]
    holder.format_path, holder.formats = _format_difference(kept)


def _without(member: Noise, targets: set[str]) -> Noise:
    formats = {t: f for t, f in member.formats.items() if t not in targets}
    return Noise(member.facet, member.path, member.kind, formats=formats)


def _leaves_at(value: JSON, facet: str, paths: set[str]) -> list[JSON]:
    if value is None and facet.startswith("headers."):
        return []  # a header not sent: no rule runs on it (verdict.evaluate)
    return [leaf for where, leaf in iter_leaves(value) if index_free(format_path(where)) in paths]


# ----------------------------------------------------------------------------- suggestions


def suggest(
    spec: Spec,
    noise: list[Noise],
    observations: dict[str, dict[str, list[dict[str, JSON]]]],
) -> tuple[list[Suggestion], list[Refusal]]:
    """Rules for the uncovered value noise; refusals (with why) for what no rule should hide."""
    suggestions: list[Suggestion] = []
    refusals: list[Refusal] = []
    candidates: list[Noise] = []
    for item in noise:
        if item.covered:
            continue
        reason = _refusal_reason(spec, item)
        if reason:
            refusals.append(Refusal(item.path, item.facet, reason, item.targets, len(item.cases)))
        else:
            candidates.append(item)
    stable = _stable_key_paths(observations, noise)
    for facet in dict.fromkeys(item.facet for item in candidates):
        in_facet = [item for item in candidates if item.facet == facet]
        suggestions += _scrub_groups(in_facet)
        rest = [item for item in in_facet if not item.shared_with]
        suggestions += _by_key(facet, rest, stable.get(facet, {}), refusals)
    return suggestions, refusals


def _refusal_reason(spec: Spec, item: Noise) -> str:
    if item.facet in ("status", "exit_code"):
        return (
            f"the {item.facet} changes between runs of the same target: that is a flaky "
            "target to fix, not a field to normalize"
        )
    if item.facet.startswith("headers."):
        return _header_refusal(item)
    if item.facet == "stderr" or (item.facet == spec.main_facet and spec.output == "text"):
        return (
            "text output varies between runs: write a scrub(REGEX; REPL) rule for the varying "
            "part by hand (a rule on the whole text would hide everything)"
        )
    if item.kind == "structure":
        what = "the whole value" if item.path == "." else item.path
        deleting = f"deleting {what} would hide real differences in its content"
        if not item.samples:
            return f"structural change: {what} changes its array length between runs; {deleting}"
        keys = ", ".join(repr(key) for key in item.samples)
        parent = "" if item.path == "." else item.path
        rules = ", ".join(f"del({_under(parent, key)})" for key in item.samples)
        return (
            f"structural change: {what} has key(s) {keys} in some runs and not in others; "
            f"{deleting} (if the key itself is noise: {rules})"
        )
    if item.path == ".":
        return "the whole value varies: a rule on the root would hide everything"
    return ""


def _header_refusal(item: Noise) -> str:
    """A header whose values are all dates (a `Date`, `Last-Modified`: HTTP dates are
    timestamps to the rule language) or UUIDs gets a shape-checked mask on its facet, which
    keeps the check that it is sent; any other varying header is left to the user."""
    if item.timestamps or item.uuids:
        return ""
    return (
        f"the whole {item.facet} header varies, and not as a date or a UUID: write a rule "
        f'for its varying part ({{rule: \'scrub("[0-9]+"; "<n>")\', facet: {item.facet}}}), '
        f"or {{rule: 'mask(.; \"<varies>\")', facet: {item.facet}}} to check only that it is "
        "sent (dropping it from compare.facets would not check even that)"
    )


def _scrub_groups(items: list[Noise]) -> list[Suggestion]:
    """Noisy strings that appear at several paths at once (an id repeated): one numbered scrub,
    so "the same id twice" still differs from "two different ids"."""
    by_path = {item.path: item for item in items}
    seen: set[str] = set()
    out: list[Suggestion] = []
    for item in items:
        if not item.shared_with or item.path in seen:
            continue
        group = _connected(item.path, by_path)
        seen |= group
        members = [by_path[p] for p in sorted(group)]
        paths = ", ".join(sorted(group))
        if all(m.uuids for m in members):
            rule = f'scrub({paths}; uuid; "<uuid_{{n}}>")'
        else:
            rule = f'scrub({paths}; "(?s).+"; "<id_{{n}}>")'
        why = "the same varying value appears at several paths: numbered, sameness still checked"
        out.append(_suggestion(rule, members, why))
    return out


def _connected(start: str, by_path: dict[str, Noise]) -> set[str]:
    group = {start}
    todo = [start]
    while todo:
        for other in by_path[todo.pop()].shared_with:
            if other in by_path and other not in group:
                group.add(other)
                todo.append(other)
    return group


def _by_key(
    facet: str,
    items: list[Noise],
    stable: dict[str, list[str]],
    refusals: list[Refusal],
) -> list[Suggestion]:
    """Exact-path rules; a key noisy at several paths is named once as `.. | .key?` only when
    that key never holds a stable value elsewhere in the outputs."""
    out: list[Suggestion] = []
    by_key: dict[str, list[Noise]] = {}
    for item in items:
        by_key.setdefault(_last_key(item.path), []).append(item)
    for key, members in by_key.items():
        if key and len(members) > 1 and not stable.get(key):
            out.append(_recursive(key, members))
            continue
        if key and len(members) > 1:
            broad = f"del(.. | {_key_step(key)}?)"
            where = ", ".join(stable[key][:3])
            reason = (
                f"key {key!r} also appears with stable values at {where}: "
                "that rule would hide real data; exact paths suggested instead"
            )
            targets = sorted({t for m in members for t in m.targets})
            cases = len({c for m in members for c in m.cases})
            refusals.append(Refusal(broad, facet, reason, targets, cases))
        out += [_exact(item) for item in members]
    return out


def _recursive(key: str, members: list[Noise]) -> Suggestion:
    step = f"(.. | {_key_step(key)}?)"
    why = f"{key!r} varies at every depth it appears and is never stable"
    if all(m.timestamps for m in members):
        return _suggestion(f'mask({step}; "<ts>"; timestamp)', members, why)
    return _suggestion(f"del({step[1:-1]})", members, why)


def _exact(item: Noise) -> Suggestion:
    if item.timestamps:
        # A header's value is a date (`Date: Mon, 07 Dec 2026 10:45:59 GMT`) more than a time.
        masked = "<date>" if item.facet.startswith("headers.") else "<ts>"
        rule = f'mask({item.path}; "{masked}"; timestamp)'
        why = "timestamps: masked only while they look like one (a non-timestamp still shows)"
    elif item.uuids:
        rule = f'mask({item.path}; "<uuid>"; uuid)'
        why = "random UUIDs: masked only while they look like one"
    else:
        rule = f"del({item.path})"
        why = "a value that changes on every run"
    return _suggestion(rule, [item], why)


def _suggestion(rule: str, members: list[Noise], why: str) -> Suggestion:
    normalize.compile_rule(rule)  # a suggestion that does not compile is a bug here, not theirs
    samples: list[str] = []
    stable_samples: list[str] = []
    format_path, formats = _format_difference(members)
    for member in members:
        samples += [s for s in member.samples if s not in samples]
        stable_samples += [s for s in member.stable_samples if s not in stable_samples]
    return Suggestion(
        rule=rule,
        facet=members[0].facet,
        paths=[m.path for m in members],
        targets=sorted({t for m in members for t in m.targets}),
        cases=len({c for m in members for c in m.cases}),
        samples=samples[:MAX_SAMPLES],
        why=why,
        stable_on=sorted({t for m in members for t in m.stable_on}),
        stable_samples=stable_samples[:MAX_SAMPLES],
        format_path=format_path,
        formats=formats,
    )


def _format_difference(members: list[Noise]) -> tuple[str, dict[str, list[str]]]:
    """The first member path whose targets' values share no format, with each target's
    formats there; ("", {}) when every path shares one."""
    formats = {m.path: {t: set(found) for t, found in m.formats.items()} for m in members}
    for difference in format_differences(formats):
        return difference.path, {t: list(found) for t, found in difference.formats.items()}
    return "", {}


def _last_key(path: str) -> str:
    """The last object key of an index-free path (`.a[].id` -> `id`); '' when it is an index."""
    parts = path.rsplit(".", 1)
    if len(parts) < 2 or not parts[1] or "[" in parts[1] or '"' in parts[1]:
        return ""
    return parts[1]


def _key_step(key: str) -> str:
    return format_path((key,))


def _under(parent: str, key: str) -> str:
    """The path of `key` in the object at `parent` (index-free, "" for the root)."""
    step = _key_step(key)
    return parent + step[1:] if parent and step.startswith(".[") else parent + step


def _stable_key_paths(
    observations: dict[str, dict[str, list[dict[str, JSON]]]], noise: Iterable[Noise]
) -> dict[str, dict[str, list[str]]]:
    """facet -> key -> index-free paths where that key holds a value that never varied."""
    noisy = {(n.facet, n.path) for n in noise}
    out: dict[str, dict[str, list[str]]] = {}
    for by_target in observations.values():
        for runs in by_target.values():
            for facet, value in runs[0].items():
                for path, _ in iter_leaves(value):
                    text = index_free(format_path(path))
                    key = _last_key(text)
                    if not key or (facet, text) in noisy:
                        continue
                    if any(under(text, parent) for f, parent in noisy if f == facet):
                        continue
                    paths = out.setdefault(facet, {}).setdefault(key, [])
                    _add(paths, text)
    return out


# ----------------------------------------------------------------------------- text


def render_text(report: CalibrationReport) -> str:
    """What `yamlparity calibrate` prints: findings, then rules to review and paste."""
    calibrated = [c for c in report.cases.values() if c.calibrated]
    lines = [
        f"[calibrate] {report.spec}: {len(calibrated)} of {len(report.cases)} cases run "
        f"{report.repeat} times per target",
    ]
    lines += [f"  target {name} unavailable: {why}" for name, why in report.unavailable.items()]
    lines += [
        f"  target {name} skipped (when_missing: skip, as `run` skips it): {why}"
        for name, why in report.skipped.items()
    ]
    lines += [f"  error in {case} on {target}: {error}" for case, target, error in report.errors]
    lines += [
        f"  not calibrated: {name}: {c.reason}"
        for name, c in report.cases.items()
        if not c.calibrated
    ]
    covered = [n for n in report.noise if n.covered]
    unobserved = report.unobserved
    observed = [name for name in report.targets if name not in unobserved]
    if not report.noise and not unobserved:
        lines.append("  no noise: every run of every target gave the same output")
    elif not report.noise and observed:
        lines.append(
            f"  no noise on {', '.join(observed)}: every run gave the same output; "
            f"not observed: {', '.join(unobserved)}"
        )
    elif not report.noise:
        lines.append("  no target was observed: nothing calibrated")
    elif unobserved:
        lines.append(
            f"  not observed: {', '.join(unobserved)}; what follows rests on "
            f"{', '.join(observed)} only"
        )
    for item in covered:
        lines.append(f"  covered by the spec's rules: {_where(item, unobserved)}")
    if report.suggestions:
        lines += ["", "Suggested rules (review before pasting into the spec):", ""]
        lines += _yaml_block(report)
        lines.append("")
        for s in report.suggestions:
            lines.append(f"  {s.rule}")
            lines.append(
                f"    paths {', '.join(s.paths)}; targets {', '.join(s.targets)}; "
                f"{s.cases} case(s); e.g. {', '.join(s.samples)}"
            )
            lines.append(f"    why: {s.why}")
            lines += _cautions(s, unobserved)
    if report.refusals:
        lines += ["", "Not suggested, and why:"]
        for r in report.refusals:
            lines.append(
                f"  {r.facet} {r.what} ({', '.join(r.targets)}; {r.cases} case(s)): {r.reason}"
            )
    return "\n".join(lines) + "\n"


def _cautions(suggestion: Suggestion, unobserved: list[str]) -> list[str]:
    """What the rule would hide besides the noise it was suggested for."""
    lines: list[str] = []
    if unobserved:
        lines += [
            f"    caution: rests on {', '.join(suggestion.targets)} only: "
            f"{', '.join(unobserved)} never ran here, so whether this rule would hide a "
            "divergence there is unknown; calibrate again once it runs.",
        ]
    if suggestion.stable_on:
        stable, varies = ", ".join(suggestion.stable_on), ", ".join(suggestion.targets)
        lines += [
            f"    caution: varies on {varies} only; on {stable} it was the same on every run "
            f"(e.g. {', '.join(suggestion.stable_samples)}),",
            f"      and this rule would hide that stable value too. If {stable} should vary as "
            "well, this is a divergence to fix;",
            "      if it only changes more slowly (a clock in seconds), calibrate again with "
            '--delay; to accept the difference, keep the rule with `intended: "why"`.',
        ]
    if suggestion.formats:
        shown = "; ".join(
            f"{target} {' or '.join(found)}" for target, found in suggestion.formats.items()
        )
        lines += [
            f"    caution: the format of {suggestion.format_path} differs between targets "
            f"({shown}),",
            "      which this rule would hide too: noise explains differing digits, not a "
            "differing format. The run's audit flags it",
            "      as a masked format divergence; fix the format, or keep the rule with "
            '`intended: "why"` if the difference is accepted.',
        ]
    return lines


def _where(item: Noise, unobserved: list[str]) -> str:
    where = f"{item.facet} {item.path} ({', '.join(item.targets)}; {len(item.cases)} case(s))"
    if unobserved:
        where += f"; not observed on {', '.join(unobserved)}"
    if item.stable_on:  # the rule that covers it hides these targets' stable values too
        where += f"; stable on {', '.join(item.stable_on)}, whose value the rule hides too"
    if format_differences({item.path: {t: set(f) for t, f in item.formats.items()}}):
        where += "; its format differs between targets, which the rule hides too"
    return where


def _yaml_block(report: CalibrationReport) -> list[str]:
    lines = ["normalize:"]
    for s in report.suggestions:
        # A YAML comment, so a pasted rule still says what it hides beyond the noise.
        notes = [f"varies on {', '.join(s.targets)} only"] if s.stable_on else []
        notes += [f"{', '.join(report.unobserved)} not observed"] if report.unobserved else []
        notes += [f"hides a format difference at {s.format_path}"] if s.formats else []
        note = f"  # {'; '.join(notes)}" if notes else ""
        if s.facet == report.main_facet:
            lines.append(f"  - {_yaml_scalar(s.rule)}{note}")
        else:
            lines += [f"  - rule: {_yaml_scalar(s.rule)}{note}", f"    facet: {s.facet}"]
    return lines


def _yaml_scalar(text: str) -> str:
    """Plain when YAML reads it back unchanged, else single-quoted."""
    if ": " in text or " #" in text or text[:1] in "!&*{}[]|>'\"%@`#,?:-":
        return "'" + text.replace("'", "''") + "'"
    return text
