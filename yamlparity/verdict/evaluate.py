"""One case's verdict: gates -> normalize -> compare -> expectations -> known divergences.

Pure: it reads raw observations and the spec and returns a CaseResult. A verdict never rests
on a failure: any target that errored makes the case ERROR, however the others did.
Beside the verdict it records what the audit and the report need and cannot get later (the
engine drops MATCH outputs): what each rule did (`rule_effects`), how close agreeing targets
were (`tier`), and for divergent cases a shell command per target (`reproducers`).
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Iterable

from yamlparity.core import gcpause
from yamlparity.core.failures import split_stderr_tail
from yamlparity.core.jsonvalue import JSON, Number, RawJson, canonical
from yamlparity.results.records import (
    REPRODUCED,
    CaseResult,
    Difference,
    ExpectationFailure,
    MaskedValue,
    RuleEffect,
    SkippedValue,
    TargetOutcome,
    Tier,
    Verdict,
)
from yamlparity.rules import normalize
from yamlparity.rules.normalize import RuleStats
from yamlparity.rules.ops import numbers_matches
from yamlparity.spec.model import Case, CompareSettings, Expectation, KnownDivergence, Spec
from yamlparity.targets.base import Invocation, RawObservation
from yamlparity.verdict import compare, elementwise
from yamlparity.verdict.expected import apply_expected, expected
from yamlparity.verdict.gate import Parsed, failure_kind, gate
from yamlparity.verdict.reproduce import reproducers

TEXT_FACETS = ("stderr",)
AUDIT_SAMPLES = 50  # changes kept per rule, target and case for the masked-divergence check
EFFECT_SAMPLES = 3  # skipped values and masked paths kept per rule and case

# Per target: rule index -> what that rule did to this target's output.
_TargetStats = dict[int, RuleStats]


def evaluate(
    spec: Spec,
    case: Case,
    raws: dict[str, RawObservation],
    invocation: Invocation | None = None,
) -> CaseResult:
    """The verdict of one case; `invocation` (what the engine sent) feeds the reproducers."""
    large = sum([len(raw.stdout) for raw in raws.values()]) >= gcpause.LARGE
    if large:
        with gcpause.paused():
            result = _evaluate(spec, case, raws)
    else:
        result = _evaluate(spec, case, raws, small=True)
    if result.verdict == "MATCH":
        # A match shows no answer (the plain path never cuts the excerpts): alike on all paths.
        for outcome in result.outcomes.values():
            outcome.raw_excerpt = ""
    if result.verdict in REPRODUCED:
        live = [name for name, outcome in result.outcomes.items() if outcome.skipped is None]
        result.reproducers = reproducers(spec, invocation, live)
    return result


def _all_server_errors(spec: Spec, case: Case, raws: list[RawObservation]) -> bool:
    """Every target answered 5xx and no `status:` expectation of this case asks for it. In a
    spec mixing kinds: every HTTP target answered 5xx and every command exited non-zero."""
    if spec.kind == "mixed":
        return all(raw.exit_code != 0 if raw.status is None else raw.status >= 500 for raw in raws)
    if spec.kind != "http" or not all((raw.status or 0) >= 500 for raw in raws):
        return False
    return not any(
        expectation.kind == "status" and _applies(expectation, case)
        for expectation in spec.expectations
    )


def _every_target_failed(raw: RawObservation) -> str:
    if raw.status is None:  # a command of a spec mixing kinds (no status expectation there)
        return f"exited with code {raw.exit_code}: every target failed (5xx or non-zero exit)"
    return f"HTTP {raw.status}: a server error on every target"


def _evaluate(
    spec: Spec, case: Case, raws: dict[str, RawObservation], small: bool = False
) -> CaseResult:
    """`small`: the outputs are known to be under gcpause.LARGE together."""
    if not small and _elementwise_candidate(spec, case, raws):
        result = _evaluate_elementwise(spec, case, raws)
        if result is not None:
            return result
    parsed: dict[str, Parsed] = {}
    normalized: dict[str, tuple[dict[str, JSON], _TargetStats]] = {}
    if small and PLAIN:
        # Most cases of a run: every target answered alike. Decided by the plain path; any
        # other case goes on below with what it parsed and normalized (never done twice).
        plain = _plain_match(spec, case, raws, parsed, normalized)
        if plain is not None:
            return plain
    outcomes = {name: TargetOutcome(target=name) for name in raws}
    # Large outputs: parse and normalize one target at a time and drop each parsed tree once
    # normalized, so at most one un-normalized tree is alive (a 20 MB body parses to ~150 MB
    # of objects). Expectations need the parsed trees: then they are kept.
    one_by_one = sum(len(raw.stdout) for raw in raws.values()) >= gcpause.LARGE and not any(
        _applies(expectation, case) for expectation in spec.expectations
    )
    for name, raw in raws.items():
        outcome = outcomes[name]
        outcome.duration = raw.duration
        outcome.exit_code = raw.exit_code
        outcome.status = raw.status
        if raw.skipped is not None:
            outcome.skipped = raw.skipped
            continue
        if name not in parsed:
            parsed[name] = gate(spec, raw)
        outcome.error = parsed[name].error
        outcome.raw_excerpt = parsed[name].excerpt
        if one_by_one and outcome.error is None:
            try:
                normalized[name] = normalized_with_stats(spec, name, parsed[name].facets)
            except Exception:  # reported below, where every target's rules run
                continue
            parsed[name].facets = {}  # re-parsed from the raw bytes only if a tier needs it
    result = CaseResult(name=case.name, verdict="MATCH", outcomes=outcomes)
    result.duration = max((raw.duration for raw in raws.values()), default=0.0)

    live = [name for name in raws if outcomes[name].skipped is None]
    if len(live) < 2:
        result.verdict = "SKIP"
        result.reason = "; ".join(f"{n}: {o.skipped}" for n, o in outcomes.items() if o.skipped)
        return result
    failed = [name for name in live if outcomes[name].error]
    if not failed and _all_server_errors(spec, case, [raws[name] for name in live]):
        # Every target crashed on this request (5xx): equal error pages are two failures, not
        # parity. A spec that expects this status says so with `expect: [{status: 5xx}]`.
        for name in live:
            outcomes[name].error = _every_target_failed(raws[name])
        failed = list(live)

    stats: dict[str, _TargetStats] = {}
    for name in live:
        if name in failed:
            continue
        try:
            if name in normalized:
                outcomes[name].facets, stats[name] = normalized.pop(name)
            else:
                outcomes[name].facets, stats[name] = normalized_with_stats(
                    spec, name, parsed[name].facets
                )
        except Exception as exc:  # a rule bug must cost one case, not the run
            outcomes[name].error = f"normalization failed: {exc}"
    failed = [name for name in live if outcomes[name].error]
    answering = [name for name in live if name not in failed]
    # The targets that answered are compared even when others failed: with N targets, who
    # agrees with whom is worth knowing in an ERROR case too (`jq = libjq`, `gojq: exit 3`).
    if len(answering) >= 2:
        _compare(spec, result, answering)
    elif answering:
        result.groups = [answering]
    result.failures = {name: failure_kind(outcomes[name].error or "") for name in failed}
    found = expected(spec, case.name, live, {n: outcomes[n].error or "" for n in failed})
    undeclared = [name for name in failed if name not in found.covered]
    if undeclared:
        return _error(spec, result, raws, parsed, answering, undeclared, found.covered)
    finals = {name: outcomes[name].facets for name in answering}
    result.rule_effects = rule_effects(spec, stats, finals, result.differences)
    result.expectation_failures = check_expectations(spec, case, {n: parsed[n] for n in answering})
    result.verdict = _verdict(result)
    if failed:  # every failure was declared: no tier, the answering targets' verdict decides
        if len(answering) >= 2:  # a divergence can be seen (or be gone) only between answers
            _apply_known(spec, case, result)
        apply_expected(result, found, failed)
        return result
    if not result.differences:
        if one_by_one:
            parsed = {name: gate(spec, raws[name]) for name in live}  # rare: large and equal
        result.tier = agreement_tier(spec, {n: raws[n] for n in live}, parsed)
    _apply_known(spec, case, result)
    apply_expected(result, found, failed)
    return result


def _error(
    spec: Spec,
    result: CaseResult,
    raws: dict[str, RawObservation],
    parsed: dict[str, Parsed],
    answering: list[str],
    undeclared: list[str],
    covered: list[str],
) -> CaseResult:
    """ERROR: a target failed and no `known` entry expects it. The answering targets' groups
    and differences stay; the table's per-facet marks do not (a failed target matched nothing).
    """
    result.verdict = "ERROR"
    # Targets that failed alike share one clause (`a, b: timed out after 5 s`), and names go
    # in name order: a case's reason must not depend on the order targets are listed in.
    alike: dict[str, list[str]] = {}
    for name in sorted(undeclared):
        # What happened, without a helper's stderr tail: the reason is one line (terminal,
        # annotations); the tail stays in the target's error, which the report shows as lines.
        what = split_stderr_tail(result.outcomes[name].error or "")[0]
        alike.setdefault(what, []).append(name)
    result.reason = "; ".join(f"{', '.join(names)}: {error}" for error, names in alike.items())
    result.facet_match = {}
    result.known_errors = list(covered)
    for name in answering:  # shown as they answered, before the rules (as failures are)
        if not parsed[name].facets:  # its parsed tree was dropped (a large output)
            parsed[name] = gate(spec, raws[name])
        result.outcomes[name].facets = parsed[name].facets
    return result


# ----------------------------------------------------------------------------- plain matches

PLAIN = True  # tests turn it off to check both paths give the same results


def _plain_match(
    spec: Spec,
    case: Case,
    raws: dict[str, RawObservation],
    parsed: dict[str, Parsed],
    normalized: dict[str, tuple[dict[str, JSON], _TargetStats]],
) -> CaseResult | None:
    """The case's result when it is a plain MATCH: every target answered, passed its gate and
    its rules, and every compared facet is exactly equal across targets, with no expectation,
    `known` entry or server error on every target to weigh in. Else None, with what was parsed
    and normalized so far left in `parsed` and `normalized` for the general path.

    Same result as the general path (tests/unit/verdict/test_plain_match.py compares both on
    generated answers); it only skips the bookkeeping a MATCH never needs (expected failures,
    failure kinds, expectations, known divergences), ~20 us a case.
    """
    if len(raws) < 2 or spec.kind == "mixed" or _weighed_in(spec, case):
        return None
    for raw in raws.values():
        if raw.skipped is not None or raw.failure is not None:
            return None
    if _all_server_errors(spec, case, list(raws.values())):
        return None
    facets = spec.compare.facets
    for name, raw in raws.items():
        answer = parsed[name] = gate(spec, raw)
        if answer.error is not None:
            return None
        try:
            normalized[name] = normalized_with_stats(spec, name, answer.facets)
        except Exception:  # the general path says why, for this target
            return None
    names = list(raws)
    first = normalized[names[0]][0]
    for facet in facets:
        value = first.get(facet)
        for name in names[1:]:  # a loop, not all() over a generator: this runs every case
            if normalized[name][0].get(facet) != value:
                return None
    outcomes: dict[str, TargetOutcome] = {}
    stats: dict[str, _TargetStats] = {}
    for name, raw in raws.items():
        outcomes[name] = TargetOutcome(
            target=name,
            facets=normalized[name][0],
            duration=raw.duration,
            exit_code=raw.exit_code,
            status=raw.status,
        )
        stats[name] = normalized[name][1]
    normalized.clear()
    result = CaseResult(
        name=case.name,
        verdict="MATCH",
        outcomes=outcomes,
        facet_match=dict.fromkeys(facets, True),
        groups=[names],
        duration=max([raw.duration for raw in raws.values()]),
        rule_effects=rule_effects(spec, stats, {n: o.facets for n, o in outcomes.items()}),
    )
    result.tier = agreement_tier(spec, raws, parsed)
    return result


def _weighed_in(spec: Spec, case: Case) -> bool:
    """An expectation or a `known` entry applies to the case: the general path decides."""
    if spec.expectations and any(_applies(e, case) for e in spec.expectations):
        return True
    return bool(spec.known) and any(_matches(case.name, known.cases) for known in spec.known)


# ----------------------------------------------------------------------------- large outputs

ELEMENTWISE = True  # tests turn it off to check both paths give the same results


def _elementwise_candidate(spec: Spec, case: Case, raws: dict[str, RawObservation]) -> bool:
    """Large JSON main outputs with no expectation (those read the parsed trees)."""
    return (
        ELEMENTWISE
        and spec.output == "json"
        and spec.main_facet in spec.compare.facets
        and sum(len(raw.stdout) for raw in raws.values()) >= gcpause.LARGE
        and not any(_applies(expectation, case) for expectation in spec.expectations)
    )


def _evaluate_elementwise(
    spec: Spec, case: Case, raws: dict[str, RawObservation]
) -> CaseResult | None:
    """The case decided by `elementwise` (no parsed tree of the main output is ever whole),
    or None when anything calls for the whole-tree path: a failing or skipped target, a
    rule or a comparison option that needs whole arrays, output that is not plain JSON."""
    main = spec.main_facet
    live = list(raws)
    if len(live) < 2 or any(raw.skipped is not None or raw.failure for raw in raws.values()):
        return None
    if compare.any_order_arrays(spec.compare) is not None and any(
        numbers_matches(rule.program.op) for rule in spec.rules if rule.facet == main
    ):
        return None  # it numbers arrays compared in any order in an order that needs them whole
    parsed = {name: gate(spec, raws[name], parse_main=False) for name in live}
    if any(p.error for p in parsed.values()) or _all_server_errors(spec, case, list(raws.values())):
        return None
    try:
        texts = {name: raws[name].stdout.decode("utf-8") for name in live}
        docs = elementwise.compare_documents(
            texts, {name: _main_rules(spec, name) for name in live}, AUDIT_SAMPLES
        )
    except Exception:  # Unsupported, bad UTF-8, a failing rule: the whole-tree path says why
        return None
    if not _compared_in_order(spec.compare, docs.spines):
        return None
    result = CaseResult(name=case.name, verdict="MATCH", outcomes={})
    result.duration = max(raw.duration for raw in raws.values())
    stats: dict[str, _TargetStats] = {}
    others = tuple(facet for facet in spec.compare.facets if facet != main)
    for name in live:
        raw = raws[name]
        outcome = TargetOutcome(target=name, duration=raw.duration, exit_code=raw.exit_code)
        outcome.status, outcome.raw_excerpt = raw.status, parsed[name].excerpt
        try:
            facets, stats[name] = normalized_with_stats(spec, name, parsed[name].facets, others)
        except Exception:
            return None
        stats[name].update(docs.stats[name])
        outcome.facets = {
            f: docs.sparse[name] if f == main else facets[f] for f in spec.compare.facets
        }
        result.outcomes[name] = outcome
    _compare(spec, result, live)
    result.rule_effects = rule_effects(spec, stats, differences=result.differences)
    result.verdict = _verdict(result)
    if not result.differences:
        same = docs.parsed_equal and all(_parsed_equal(parsed, live, f) for f in others)
        bytes_equal = _bytes_equal([raws[name] for name in live])
        result.tier = "normalized" if not same else "identical" if bytes_equal else "canonical"
    for name in live:  # the report shows each output as it arrived: no whole tree exists
        result.outcomes[name].facets[main] = RawJson(texts[name])  # type: ignore[assignment]
        result.outcomes[name].as_received = [main]
    _apply_known(spec, case, result)
    return result


def _main_rules(spec: Spec, target: str) -> list[tuple[int, normalize.Program]]:
    return [
        (index, rule.program)
        for index, rule in enumerate(spec.rules)
        if rule.facet == spec.main_facet and (rule.targets is None or target in rule.targets)
    ]


def _compared_in_order(settings: CompareSettings, spines: set[elementwise.Spine]) -> bool:
    """Element i is compared with element i in every spine: no set, multiset or key option
    at a spine or above it (options apply to everything below their path)."""
    if settings.arrays != "ordered":
        return False
    for option in settings.paths:
        if option.arrays is None and option.key is None:
            continue
        if any(_reaches(option.path, spine) for spine in spines):
            return False
    return True


def _reaches(pattern: tuple[str | int | None, ...], spine: elementwise.Spine) -> bool:
    """Whether a compare.paths pattern applies at the spine or above it (`[]`, None in the
    pattern, matches any step, object keys included, as the comparator does)."""
    return len(pattern) <= len(spine) and all(
        step is None or step == key for step, key in zip(pattern, spine, strict=False)
    )


def _absent(facet: str, value: JSON) -> bool:
    """A header the answer did not have (its facet is None): no rule may make one up (a
    `mask` would turn the absence into the masked value and match a present header)."""
    return value is None and facet.startswith("headers.")


def normalized_facets(spec: Spec, target: str, facets: dict[str, JSON]) -> dict[str, JSON]:
    """The compared facets after the spec's rules for this target."""
    out: dict[str, JSON] = {}
    any_order = compare.any_order_arrays(spec.compare)
    for facet in spec.compare.facets:
        value = out[facet] = facets.get(facet)
        if _absent(facet, value):
            continue
        for rule in spec.rules:
            if rule.facet == facet and (rule.targets is None or target in rule.targets):
                value = normalize.apply(rule.program, value, any_order=any_order)
        out[facet] = value
    return out


def normalized_with_stats(
    spec: Spec, target: str, facets: dict[str, JSON], which: tuple[str, ...] | None = None
) -> tuple[dict[str, JSON], _TargetStats]:
    """normalized_facets (of `which`, default all compared facets), plus what each rule
    changed (normalize.RuleStats, by rule index)."""
    out: dict[str, JSON] = {}
    stats: _TargetStats = {}
    any_order = compare.any_order_arrays(spec.compare)
    for facet in spec.compare.facets if which is None else which:
        value = out[facet] = facets.get(facet)
        if _absent(facet, value):
            continue
        for index, rule in enumerate(spec.rules):
            if rule.facet == facet and (rule.targets is None or target in rule.targets):
                stats[index] = RuleStats(max_samples=AUDIT_SAMPLES)
                value = normalize.apply(rule.program, value, stats[index], any_order)
        out[facet] = value
    return out, stats


# ----------------------------------------------------------------------------- rule audit


def rule_effects(
    spec: Spec,
    stats: dict[str, _TargetStats],
    finals: dict[str, dict[str, JSON]] | None = None,
    differences: list[Difference] | None = None,
) -> list[RuleEffect]:
    """One entry per rule that changed or skipped something in this case, in rule order.
    `finals` (each target's compared facets, when whole) lets a rule for some targets only be
    checked against what the others hold; `differences` (what the comparison reported) leaves
    out of `masked` the differences a rule did not hide: those the comparison still reports."""
    effects: list[RuleEffect] = []
    for index, rule in enumerate(spec.rules):
        applied = {name: by_rule[index] for name, by_rule in stats.items() if index in by_rule}
        # RuleStats.changed and .skipped, each read once, from the counts at C speed (the
        # properties sum a generator, and were read twice per target and rule of every case).
        skipped_counts = {name: s.counts.get("skipped", 0) for name, s in applied.items()}
        changed = {
            name: sum(s.counts.values()) - skipped_counts[name] for name, s in applied.items()
        }
        if not any(changed.values()) and not any(skipped_counts.values()):
            continue
        effect = RuleEffect(
            rule=index, text=rule.text, facet=rule.facet, changed=changed, skipped=skipped_counts
        )
        skipped: list[tuple[tuple[tuple[int, int | str], ...], SkippedValue]] = []
        for name, rule_stats in applied.items():
            if not skipped_counts[name]:
                continue
            skipped.extend(
                (
                    _in_order(change.path),
                    SkippedValue(name, change.path_text, change.reason or "skipped"),
                )
                for change in rule_stats.samples
                if change.action == "skipped"
            )
        # Samples in path order (not in the order the rule met them, which depends on each
        # target's key order and on whether the output was compared element by element).
        skipped.sort(key=lambda pair: pair[0])  # stable: targets keep their order per path
        effect.skipped_samples = [sample for _, sample in skipped[:EFFECT_SAMPLES]]
        masked: list[MaskedValue] = []
        if len(applied) >= 2:
            kept = None if finals is None else {n: f.get(rule.facet) for n, f in finals.items()}
            masked = masked_values(applied, kept)
        elif finals is not None and len(finals) >= 2 and set(applied) <= set(finals):
            masked = masked_beside(applied, finals, rule.facet)
        if masked and finals is not None and _is_text(spec, rule.facet):
            # Compared line by line: the lines it hid (those still reported are not).
            masked = _hidden_lines(masked, applied, finals, rule.facet, spec.compare)
        elif masked and differences and not _is_text(spec, rule.facet):
            masked = _unreported(masked, rule.facet, differences)
        effect.masked_paths = len(masked)
        effect.masked = masked[:EFFECT_SAMPLES]
        effects.append(effect)
    return effects


def _unreported(
    masked: list[MaskedValue], facet: str, differences: list[Difference]
) -> list[MaskedValue]:
    """The masked values whose difference the comparison does not report at their path or
    under it: a header only one target sends is still a difference, masked or not (`py=
    (missing)  node="<uuid>"`), and a rule hid nothing there."""
    reported = [d.path for d in differences if d.facet == facet]
    return [
        m
        for m in masked
        if not any(
            path == m.path or m.path == "." or _path_under(path, m.path) for path in reported
        )
    ]


def _path_under(child: str, parent: str) -> bool:
    """`.a[0].b` is under `.a` and `.a[0]`; `.ab` is not under `.a`."""
    return len(child) > len(parent) and child.startswith(parent) and child[len(parent)] in ".["


def _hidden_lines(
    masked: list[MaskedValue],
    applied: dict[str, RuleStats],
    finals: dict[str, dict[str, JSON]],
    facet: str,
    settings: CompareSettings,
) -> list[MaskedValue]:
    """A text output is compared line by line: what a rule on the whole text hid is the lines
    it changed that then agree, as the comparison pairs them, with the lines they were before
    (`"1796662613925924538\n"` beside `"1796662614072040381\n"`), not the whole texts, whose
    lines the rule never touched may differ and still be reported. Unchanged when that cannot
    be told: a later rule changed the text too, or the rule added or removed lines."""
    if [m.path for m in masked] != ["."]:
        return masked
    before: dict[str, list[str]] = {}
    after: dict[str, list[str]] = {}
    for name, facets in finals.items():
        final = facets.get(facet)
        if not isinstance(final, str):
            return masked
        old = final  # a target the rule did not change: what it sent is what is compared
        changes = [c for c in applied[name].samples if not c.path] if name in applied else []
        for change in changes:
            if change.action == "skipped":
                continue
            if not isinstance(change.old, str) or change.new != final:
                return masked
            old = change.old
        before[name] = compare.split_lines(old)
        after[name] = compare.split_lines(final)
        if len(before[name]) != len(after[name]):
            return masked
    names = list(finals)
    ref, hidden = names[0], {name: dict[int, str]() for name in names}
    compared = {
        name: [compare.comparable_line(line, settings) for line in after[name]] for name in names
    }
    for other in names[1:]:
        alignment = compare.align_lines(compared[ref], compared[other])
        for i, j in enumerate(alignment.pairs):
            if j is None or compared[ref][i] != compared[other][j]:
                continue  # still a difference the comparison reports
            was_ref, was_other = before[ref][i], before[other][j]
            if was_ref == after[ref][i] and was_other == after[other][j]:
                continue  # the rule changed neither line
            if compare.comparable_line(was_ref, settings) != compare.comparable_line(
                was_other, settings
            ):
                hidden[ref][i], hidden[other][j] = was_ref, was_other
    values: dict[str, JSON] = {
        name: "".join(lines[k] for k in sorted(lines)) for name, lines in hidden.items() if lines
    }
    return [MaskedValue(".", values)] if values else []


def masked_beside(
    applied: dict[str, RuleStats], finals: dict[str, dict[str, JSON]], facet: str
) -> list[MaskedValue]:
    """A rule for one target only (`targets: [b]`): the paths where the value it removed or
    changed is not what the other targets' compared outputs hold there. `.y = 5` on b's 6
    beside a's 5 hides a difference as surely as a rule on both would."""
    ((name, rule_stats),) = applied.items()
    others = {other: facets.get(facet) for other, facets in finals.items() if other != name}
    masked: list[MaskedValue] = []
    seen: set[str] = set()
    for change in sorted(rule_stats.samples, key=lambda c: _in_order(c.path)):
        if change.action == "skipped" or not _removal(change) or change.path_text in seen:
            continue
        seen.add(change.path_text)
        values: dict[str, JSON] = {name: change.old}
        missing: list[str] = []
        for other, value in others.items():
            found = _NOT_THERE if _absent(facet, value) else _value_at(value, change.path)
            if found is _NOT_THERE:
                missing.append(other)
            else:
                values[other] = found  # type: ignore[assignment]  # not the marker here
        same = _same_content(list(values.values()), _array_rewrite(change))
        if missing or not same:
            masked.append(MaskedValue(change.path_text, values, tuple(missing)))
    return masked


_NOT_THERE = object()


def _value_at(value: JSON, path: normalize.CPath) -> object:
    node: JSON = value
    for step in path:
        if not isinstance(node, dict | list):
            return _NOT_THERE
        try:
            node = node[step]  # type: ignore[index]  # a wrong kind of step raises
        except (KeyError, IndexError, TypeError):
            return _NOT_THERE
    return node


def masked_values(
    applied: dict[str, RuleStats], kept: dict[str, JSON] | None = None
) -> list[MaskedValue]:
    """Paths where the values the rule removed or masked were not the same on every target:
    the comparison never saw that difference. True reorderings are not removals (_removal);
    beside a removal on another target, a target's reordered array is shown as it was.
    `kept`: each target's compared value of the rule's facet, where a target the rule left
    unchanged at a path (`.version = "v2"` on a "v2") still holds its value: shown as what it
    sent, never as nothing."""
    deleted = _one_deletion(applied)
    if deleted is not None:
        values = {name: rule_stats.samples[0].old for name, rule_stats in applied.items()}
        if _same_values(list(values.values())):
            return []
        return [MaskedValue(deleted.path_text, values, ())]
    before: dict[str, dict[str, JSON]] = {}  # path -> target -> value before the rule
    removals: set[str] = set()  # paths where some target lost or had values replaced
    arrays: dict[str, bool] = {}  # path -> every change there rewrote an array into an array
    skipped: set[str] = set()
    order: dict[str, tuple[tuple[int, int | str], ...]] = {}
    paths: dict[str, normalize.CPath] = {}
    for name, rule_stats in applied.items():
        for change in rule_stats.samples:
            if change.action == "skipped":
                skipped.add(change.path_text)  # left in place: the comparison still sees it
                continue
            removal = _removal(change)
            rewrite = _array_rewrite(change)
            if not removal and not rewrite:
                continue
            text = change.path_text
            before.setdefault(text, {})[name] = change.old
            arrays[text] = arrays.get(text, True) and rewrite
            if removal:
                removals.add(text)
            if text not in order:
                order[text] = _in_order(change.path)
                paths[text] = change.path
    masked: list[MaskedValue] = []
    for path, values in sorted(before.items(), key=lambda item: order[item[0]]):
        if path in skipped or path not in removals:
            continue
        missing = tuple(name for name in applied if name not in values)
        if missing and kept is not None:
            values = _with_unchanged(values, applied, kept, paths[path])
            missing = tuple(name for name in applied if name not in values)
        if missing or not _same_content(list(values.values()), arrays[path]):
            masked.append(MaskedValue(path, values, missing))
    return masked


def _one_deletion(applied: dict[str, RuleStats]) -> normalize.Change | None:
    """The change, when the rule deleted one value at one path on every target and did
    nothing else (`del(.elapsed_ms)` on answers that all have it: most cases of a run).
    masked_values' general pass then keeps that path, with every target's value and none
    missing, unless the values are the same: the same result, without its bookkeeping."""
    first: normalize.Change | None = None
    for rule_stats in applied.values():
        samples = rule_stats.samples
        if len(samples) != 1 or len(rule_stats.counts) != 1:
            return None
        change = samples[0]
        if change.action != "deleted":
            return None
        if first is None:
            first = change
        elif change.path != first.path:
            return None
    return first


def _with_unchanged(
    values: dict[str, JSON],
    applied: dict[str, RuleStats],
    kept: dict[str, JSON],
    path: normalize.CPath,
) -> dict[str, JSON]:
    """`values` with the value each other target holds at `path` after the rules, in target
    order: a target the rule did not change there (its value already what the rule makes)."""
    out: dict[str, JSON] = {}
    for name in applied:
        if name in values:
            out[name] = values[name]
            continue
        found = _value_at(kept.get(name), path)
        if found is not _NOT_THERE:
            out[name] = found  # type: ignore[assignment]  # not the marker here
    return out


def _array_rewrite(change: normalize.Change) -> bool:
    """An array rewritten into an array (`unique`, `sort`, `.items = []`, `mask(.m; [])`)."""
    old, new = change.old, change.new
    return change.action == "replaced" and isinstance(old, list) and isinstance(new, list)


def _same_content(values: list[JSON], arrays: bool) -> bool:
    """Exactly the same values; for arrays a rule rewrote into arrays, the same elements in
    any order: an order difference alone is what such a rule may hide (`.tags |= unique` on
    ["x","y","x"] beside ["y","x","x"] hides nothing else)."""
    lists = [value for value in values if isinstance(value, list)]
    if arrays and len(lists) == len(values):
        return all(_same_elements(lists[0], other) for other in lists[1:])
    return _same_values(values)


_SCALARS = frozenset({str, Number, bool, type(None)})


def _same_values(values: list[JSON]) -> bool:
    """Whether every value is exactly the same JSON (what equal canonical texts say). Scalars
    of one exact type compare by `==` (a Number by its literal: `1` is not `1.0`, never
    `true`), which serializes nothing: the deleted field of a case is usually one scalar."""
    first = values[0]
    kind = type(first)
    if kind in _SCALARS and all(type(value) is kind for value in values):
        return all(value == first for value in values)
    return len({canonical(value) for value in values}) == 1


def _in_order(path: normalize.CPath) -> tuple[tuple[int, int | str], ...]:
    """A sort key for paths: indices by number, keys by text, a parent before its children."""
    return tuple((0, step) if isinstance(step, int) else (1, step) for step in path)


def _removal(change: normalize.Change) -> bool:
    """Whether the change removed or replaced values the comparison will not see. Only a true
    reordering (`sort`, `sort_by`, `reverse`, `unique` on an array without repeats) hides
    nothing: `unique` dropping a repeat, `.items = []` or `mask(.m; [])` replaced values."""
    if change.action not in ("deleted", "replaced"):
        return False
    old, new = change.old, change.new
    if isinstance(old, list) and isinstance(new, list):  # only these pay for the check
        return not _same_elements(old, new)
    return True


def _same_elements(old: list[JSON], new: list[JSON]) -> bool:
    """The same multiset under exact equality (`1` is not `1.0`, `true` is not `1`; key order
    and escapes do not count). Scalars by their exact type and value, which serializes nothing;
    containers by their canonical text."""
    if len(old) != len(new):
        return False
    return Counter(map(_element_key, old)) == Counter(map(_element_key, new))


def _element_key(value: JSON) -> tuple[type, object]:
    if type(value) in _SCALARS:
        return type(value), value  # bool is its own type here: `true` never equals `1`
    return type(value), canonical(value)


# ----------------------------------------------------------------------------- tiers


def agreement_tier(spec: Spec, raws: dict[str, RawObservation], parsed: dict[str, Parsed]) -> Tier:
    """identical: the main facet's bytes are equal (and every other compared facet); canonical:
    equal once parsed (key order, whitespace, escapes); normalized: equal only after the rules
    and the comparison options."""
    names = list(raws)
    facets = spec.compare.facets
    for facet in facets:  # a loop, not all() over a generator: this runs every case
        if not _parsed_equal(parsed, names, facet):
            return "normalized"
    if spec.main_facet in facets and not _bytes_equal(list(raws.values())):
        return "canonical"
    return "identical"


def _bytes_equal(raws: list[RawObservation]) -> bool:
    """The main outputs are byte for byte the same, as the targets wrote them (a recording
    that kept only the parsed value has no bytes to be equal: canonical at best)."""
    return len({raw.stdout for raw in raws}) == 1 and all(raw.exact for raw in raws)


def _parsed_equal(parsed: dict[str, Parsed], names: list[str], facet: str) -> bool:
    # `==` on parsed values is exact equality here (Number compares by type and literal; no
    # Python int/float ever appears), and unlike comparing canonical texts it serializes
    # nothing: a 20 MB body was dumped twice per case for this check.
    first = parsed[names[0]].facets.get(facet)
    return all(parsed[name].facets.get(facet) == first for name in names[1:])


def _is_text(spec: Spec, facet: str) -> bool:
    if facet in TEXT_FACETS:
        return True
    return facet == spec.main_facet and spec.output == "text"


def _compare(spec: Spec, result: CaseResult, live: list[str]) -> None:
    partition: list[list[str]] = [list(live)]
    # Facets compared under a tolerance with 3+ targets: the pairs that agree on each (groups
    # do not say it there); `exact`: the groups of the other facets.
    tolerant: list[set[frozenset[str]]] = []
    exact: list[list[str]] = [list(live)]
    for facet in spec.compare.facets:
        values = {name: result.outcomes[name].facets.get(facet) for name in live}
        if _all_equal(values):
            # The MATCH fast path: exactly equal values agree under every comparison option
            # (options only make comparison more lenient), so the structural walk, the
            # agreement classes and their allocations are skipped (~40 us a case).
            result.facet_match[facet] = True
            continue
        pairs = None
        if _is_text(spec, facet):
            texts = {name: str(value) for name, value in values.items()}
            diffs = compare.diff_text(texts, spec.compare, facet)
            classes = compare.agreement_classes(dict(texts), spec.compare, facet, text=True)
        else:
            diffs = compare.diff_json(values, spec.compare, facet, spec.compare.baseline)
            classes = compare.agreement_classes(
                values, spec.compare, facet, baseline=spec.compare.baseline
            )
            pairs = compare.agreeing_pairs(values, spec.compare)
            if facet.startswith("headers."):
                diffs = [_header_absence(diff) for diff in diffs]
        result.differences.extend(diffs)
        result.facet_match[facet] = not diffs
        partition = _refine(partition, classes)
        if pairs is None:
            exact = _refine(exact, classes)
        else:
            tolerant.append(pairs)
    result.groups = partition
    if tolerant:
        result.agreeing = _agreeing_apart(partition, exact, tolerant)


def _agreeing_apart(
    partition: list[list[str]], exact: list[list[str]], tolerant: list[set[frozenset[str]]]
) -> list[list[str]]:
    """The pairs of targets in different groups that agree on every compared facet. Only a
    tolerance makes such pairs: 1.0, 1.08 and 1.16 within 0.1 are three groups (a group's
    members agree with exactly the same targets) with two agreeing pairs."""
    names = [name for group in partition for name in group]
    owner = {name: index for index, group in enumerate(partition) for name in group}
    exact_owner = {name: index for index, group in enumerate(exact) for name in group}
    return [
        [a, b]
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if owner[a] != owner[b]
        and exact_owner[a] == exact_owner[b]
        and all(frozenset((a, b)) in pairs for pairs in tolerant)
    ]


def _header_absence(diff: Difference) -> Difference:
    """A header only some targets sent: the others are `missing`, not `null`."""
    absent = tuple(name for name, value in diff.values.items() if value is None)
    if not absent:
        return diff
    present: dict[str, JSON] = {n: value for n, value in diff.values.items() if value is not None}
    return Difference(diff.facet, diff.path, present, absent)


def _all_equal(values: dict[str, JSON]) -> bool:
    items = iter(values.values())
    first = next(items)
    return all(value == first for value in items)


def _refine(partition: list[list[str]], classes: list[list[str]]) -> list[list[str]]:
    """Intersect two partitions of the same targets, keeping first-seen order."""
    owner = {name: index for index, group in enumerate(classes) for name in group}
    refined: list[list[str]] = []
    for group in partition:
        buckets: dict[int, list[str]] = {}
        for name in group:
            buckets.setdefault(owner[name], []).append(name)
        refined.extend(buckets.values())
    return refined


def _verdict(result: CaseResult) -> Verdict:
    if result.differences:
        return "DIFF"
    if result.expectation_failures:
        return "FAIL"
    return "MATCH"


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _applies(expectation: Expectation, case: Case) -> bool:
    return not expectation.cases or _matches(case.name, expectation.cases)


def check_expectations(
    spec: Spec, case: Case, parsed: dict[str, Parsed]
) -> list[ExpectationFailure]:
    """Per-target checks on the parsed (not normalized) answer."""
    failures: list[ExpectationFailure] = []
    for expectation in spec.expectations:
        if not _applies(expectation, case):
            continue
        for name, answer in parsed.items():
            if expectation.targets is not None and name not in expectation.targets:
                continue
            seen = _check(spec, expectation, answer)
            if seen is not None:
                failures.append(ExpectationFailure(name, expectation.description, seen))
    return failures


def _check(spec: Spec, expectation: Expectation, answer: Parsed) -> str | None:
    """None when the expectation holds, else a description of what was seen."""
    from yamlparity.verdict import expect  # jsonpath-ng is imported only by specs that use it

    return expect.check(expectation, answer.facets, spec.main_facet)


def _apply_known(spec: Spec, case: Case, result: CaseResult) -> None:
    entries = [k for k in spec.known if k.error is None and _matches(case.name, k.cases)]
    if not entries:
        return
    facets = _known_facets(entries)
    differing = {diff.facet for diff in result.differences}
    reason = "; ".join(known.reason for known in entries)
    link = next((known.link for known in entries if known.link), None)
    if result.verdict in ("MATCH", "FAIL") and not differing:
        # A target that did not run (`when_missing: skip`, the case's `targets:`) may be the
        # one that diverges: the gap is not measured, so it is not gone (FIXED fails the run
        # and tells a team to close an item nobody checked again).
        unmeasured = sorted(n for n, o in result.outcomes.items() if o.skipped is not None)
        if result.verdict == "MATCH" and unmeasured:
            result.verdict = "KNOWN"
            result.reason = f"{reason} (not measured: {', '.join(unmeasured)} did not run)"
            result.link = link
        elif result.verdict == "MATCH":
            result.verdict = "FIXED"
            result.reason = reason
            result.link = link
        return
    if result.verdict == "DIFF" and (facets is None or differing <= facets):
        if result.expectation_failures:
            # The divergence is known; the failed expectation is not: FAIL, as it would be
            # without the divergence (DIFF with the known reason read as the known gap).
            result.verdict = "FAIL"
            return
        result.verdict = "KNOWN"
        result.reason = reason
        result.link = link


def _known_facets(entries: list[KnownDivergence]) -> set[str] | None:
    facets: set[str] = set()
    for known in entries:
        if known.facets is None:
            return None
        facets.update(known.facets)
    return facets


__all__ = ["Difference", "evaluate", "normalized_facets"]
