"""The rule audit: what each normalization rule did over a run, and which rules hide real drift.

Reads the per-case `RuleEffect`s that evaluate() records (for MATCH cases too) and, when there
is one, the calibration data saved by `yamlparity calibrate`. A rule "masks a divergence" when
the values it removed or masked differed between targets while each target gave the same value
on every calibration run: that is drift, not noise. A difference is noise only when every
target at that path was seen to vary there: a value varying on one target explains nothing on
a target where it was stable (`possible masked divergence`, "stable on a, varies on b").
Without calibration a rule is only suspect (`possible masked divergence`) when the targets'
values differed in every case it touched. Whatever calibration says, the removed values are
also compared by their format (`format_skeleton`): noise explains differing digits, not a
differing format, so targets whose values at a path share no format flag the rule as a
`masked format divergence`.
`analysis_context()` gives the report's `analysis` key (templates/_analysis.md.j2).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any, Literal

from yamlparity.core.jsonvalue import JSON, Number, canonical
from yamlparity.core.printable import cut_around, shown_path, visible_json
from yamlparity.results import calibration as saved_calibration
from yamlparity.results.pathstats import index_free, overlaps, path_stats, under
from yamlparity.results.records import (
    AUDIT_SAMPLES,
    TIERS,
    MaskedValue,
    RuleEffect,
    SpecResult,
    named_effects,
    not_plain,
)
from yamlparity.spec.model import Spec, main_facet_of

MAX_EXAMPLES = AUDIT_SAMPLES  # matching cases keep this many samples per rule with values
# Differing values per rule read for their formats (per path and case, the first ones): as
# many as a run keeps with their values for its matching cases (records.CaseResults), so the
# audit reads the same values from the live run, its store or a results file.
FORMAT_SAMPLES = AUDIT_SAMPLES
Flag = Literal[
    "masked divergence",
    "masked format divergence",
    "possible masked divergence",
    "intended",
    "dead",
    "",
]
FLAGGED: tuple[Flag, ...] = (
    "masked divergence",
    "masked format divergence",
    "possible masked divergence",
)
# Per calibration, at a masked path: stable on every target, noise on every target, noise on
# some targets and stable on the others ("partial"), or unknown (a target not calibrated).
Stability = Literal["stable", "noise", "partial", "unknown"]


@dataclass(frozen=True)
class MaskedExample:
    case: str
    path: str
    values: dict[str, str]  # target -> canonical JSON of the value the rule removed
    missing: tuple[str, ...]
    stability: Stability
    stable_on: tuple[str, ...] = ()  # for "partial": the targets calibration saw stable...
    varies_on: tuple[str, ...] = ()  # ... and those it saw vary


@dataclass(frozen=True)
class SkippedNote:
    case: str
    target: str
    path: str
    reason: str

    def describe(self, rule: str) -> str:
        return f"{rule} skipped {self.path} in case {self.case} on {self.target}: {self.reason}"


@dataclass(frozen=True)
class FormatDifference:
    """A path (index-free) where two targets' removed values had no format in common."""

    path: str
    formats: dict[str, tuple[str, ...]]  # target -> the skeletons of its values there


@dataclass
class RuleAudit:
    rule: int
    text: str
    facet: str
    cases_changed: dict[str, int] = field(default_factory=dict)  # target -> cases changed
    values_changed: dict[str, int] = field(default_factory=dict)
    cases_touched: int = 0  # cases where the rule changed something on some target
    cases_differing: int = 0  # ... where the removed values differed between targets
    confirmed: int = 0  # ... and were stable within each target (calibration)
    noise: int = 0  # ... and calibration says they vary anyway, on every target
    partial: int = 0  # ... and calibration saw them vary on some targets only
    uncalibrated: int = 0  # ... and no calibration covers the case
    skipped_total: int = 0
    skipped: list[SkippedNote] = field(default_factory=list)
    examples: list[MaskedExample] = field(default_factory=list)
    # index-free path -> target -> skeletons of the removed values (FORMAT_SAMPLES of them)
    formats: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    format_samples: int = 0
    format_differences: list[FormatDifference] = field(default_factory=list)
    flag: Flag = ""
    intended: str | None = None  # the spec says why this rule may remove differing values


@dataclass
class Audit:
    rules: list[RuleAudit]
    calibration: str | None = None  # the calibration file used
    calibration_error: str | None = None

    @property
    def flagged(self) -> list[RuleAudit]:
        return [r for r in self.rules if r.flag in FLAGGED]

    @property
    def dead(self) -> list[RuleAudit]:
        """Rules that changed nothing in any case (a misspelled path is the usual cause)."""
        return [r for r in self.rules if r.flag == "dead"]


_FIRST = ("stable", "partial")  # examples shown before the others

# ----------------------------------------------------------------------------- calibration


class Calibration:
    """Saved calibration data, asked one question: is this path noise for this target?"""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.cases: dict[str, Any] = data.get("cases") or {}

    def stability(self, case: str, target: str, facet: str, path: str) -> Stability:
        entry = self.cases.get(case)
        if not entry or not entry.get("calibrated"):
            return "unknown"
        state = (entry.get("targets") or {}).get(target)
        if not state or state.get("error") or state.get("runs", 0) < 2:
            return "unknown"
        free = index_free(path)
        noisy = (state.get("noise") or {}).get(facet, [])
        structural = (state.get("structure") or {}).get(facet, [])
        if any(overlaps(free, other) for other in noisy):
            return "noise"
        if any(free == other or under(free, other) or other == "." for other in structural):
            return "noise"
        return "stable"


def load_calibration(
    result: SpecResult, calibration: Path | None
) -> tuple[Calibration | None, str | None, str | None]:
    """(data, the file used, why it was not used). No file given: the default path, if any."""
    path = calibration or saved_calibration.default_path(result.name)
    if not path.exists():
        return None, None, (f"calibration file {path} not found" if calibration else None)
    try:
        data = saved_calibration.load(path)
    except ValueError as exc:
        return None, None, str(exc)
    if data.get("spec") != result.name:
        return None, None, f"{path} is calibration data for spec {data.get('spec')!r}"
    return Calibration(data), str(path), None


# ----------------------------------------------------------------------------- audit


def audit(result: SpecResult, calibration: Path | None = None, spec: Spec | None = None) -> Audit:
    """Per rule: cases changed per target, skipped values, masked divergences (see module doc).
    Rules that never changed anything are listed as `dead` (from `spec`, or else from the
    rules the result lists)."""
    data, used, problem = load_calibration(result, calibration)
    rules: dict[int, RuleAudit] = {}
    if spec is not None:
        for index, rule in enumerate(spec.rules):
            rules[index] = RuleAudit(rule=index, text=rule.text, facet=rule.facet)
    else:
        for key, listed in result.rules.items():
            if key.isdigit():
                text, facet = listed.get("text", ""), listed.get("facet", "")
                rules[int(key)] = RuleAudit(rule=int(key), text=text, facet=facet)
    for name, effects in named_effects(result.cases):
        for effect in effects:
            entry = rules.setdefault(
                effect.rule, RuleAudit(rule=effect.rule, text=effect.text, facet=effect.facet)
            )
            _add_effect(entry, name, effect, data)
    normalized_any = any(c.rule_effects or c.tier or c.differences for c in result.cases)
    for entry in rules.values():
        entry.intended = result.intended_rules.get(str(entry.rule))
        entry.format_differences = format_differences(entry.formats)
        entry.flag = _flag(entry, data is not None, normalized_any)
    ordered = [rules[i] for i in sorted(rules)]
    return Audit(ordered, calibration=used, calibration_error=problem)


def _add_effect(entry: RuleAudit, case: str, effect: RuleEffect, data: Calibration | None) -> None:
    for target, count in effect.changed.items():
        entry.values_changed[target] = entry.values_changed.get(target, 0) + count
        if count:
            entry.cases_changed[target] = entry.cases_changed.get(target, 0) + 1
    entry.skipped_total += sum(effect.skipped.values())
    for skipped in effect.skipped_samples:
        if len(entry.skipped) < MAX_EXAMPLES:
            entry.skipped.append(SkippedNote(case, skipped.target, skipped.path, skipped.reason))
    if any(effect.changed.values()):
        entry.cases_touched += 1
    if not effect.masked:
        return
    entry.cases_differing += 1
    if entry.format_samples < FORMAT_SAMPLES and any(m.values for m in effect.masked):
        entry.format_samples += len(effect.masked)  # a field differing in 100k cases: read 5
        _add_formats(entry.formats, effect.masked)
    if data is None:
        # Without calibration data every example is "unknown": once the examples are full,
        # nothing is left to build for the case (a field that differs in every case of a
        # 100k-case run made this a report's largest cost).
        entry.uncalibrated += 1
        if len(entry.examples) >= MAX_EXAMPLES:
            return
    examples = [_example(case, effect.facet, m, data) for m in effect.masked]
    if data is not None:
        stabilities = {e.stability for e in examples}
        if "stable" in stabilities:
            entry.confirmed += 1
        elif "partial" in stabilities:
            entry.partial += 1
        elif "unknown" in stabilities:
            entry.uncalibrated += 1
        else:
            entry.noise += 1
    # Confirmed and partly stable examples first: they are the ones a reader must look at.
    for example in sorted(examples, key=lambda e: e.stability not in _FIRST):
        if len(entry.examples) < MAX_EXAMPLES:
            entry.examples.append(example)
    entry.examples.sort(key=lambda e: e.stability not in _FIRST)


def _example(case: str, facet: str, masked: MaskedValue, data: Calibration | None) -> MaskedExample:
    values = {t: canonical(v) for t, v in masked.values.items()}
    if data is None:
        return MaskedExample(case, masked.path, values, masked.missing, "unknown")
    # Every target compared at the path, those the rule removed nothing from included: noise
    # on one target explains neither another's stable value nor its having none there.
    targets = [*masked.values, *masked.differing, *masked.missing]
    states = {t: data.stability(case, t, facet, masked.path) for t in targets}
    stability = _stability(set(states.values()))
    if stability != "partial":
        return MaskedExample(case, masked.path, values, masked.missing, stability)
    stable = tuple(t for t, state in states.items() if state == "stable")
    varies = tuple(t for t, state in states.items() if state == "noise")
    return MaskedExample(case, masked.path, values, masked.missing, stability, stable, varies)


def _stability(states: set[Stability]) -> Stability:
    """One path's stability over its targets: noise only when every target varied there."""
    if states == {"noise"}:
        return "noise"
    if "noise" in states and "stable" in states:
        return "partial"  # known without the unknown targets: some value was stable
    return "unknown" if "unknown" in states else "stable"


def _flag(entry: RuleAudit, calibrated: bool, normalized_any: bool) -> Flag:
    suspect = entry.confirmed or entry.partial or entry.uncalibrated or entry.format_differences
    if entry.intended is not None and suspect:
        return "intended"  # reported with its reason, never as a suspect
    if entry.confirmed:
        return "masked divergence"
    if entry.format_differences:
        return "masked format divergence"  # whatever calibration says of the values
    if entry.partial:
        return "possible masked divergence"  # stable on some target: noise elsewhere is no excuse
    if entry.uncalibrated:
        # Nothing says the values are noise, and they differed between targets in some case.
        # Not only when they differed every time the rule acted: a field equal in most cases
        # and different in one (`3` vs `30`) is the likelier divergence, and a case the rule
        # only reordered (`unique` on an array without repeats) said nothing either way.
        return "possible masked divergence"
    if normalized_any and not entry.cases_touched:
        return "dead"  # skipped values, if any, say why (a path on the wrong kind of value)
    return ""


# ----------------------------------------------------------------------------- formats

# A format skeleton keeps what a value's format is made of and drops what random values of one
# format change: digits (how many, too: precision and padding vary with the value, so a run of
# digits alone reads `9` whatever its length: a counter, a nanosecond fraction), which letters
# (by their case only: `Mon`/`Tue`, `AM`/`PM`), the characters of an id (8 or more letters and
# digits mixed, hex or not, read as one token whatever they hold). So every uuid4 reads
# `<uuid>`, every Python isoformat `"9-9-9A9:9:9[.9]+9:9"` (with or without its microseconds,
# which it drops when they are 0) and every JS toISOString `"9-9-9A9:9:9[.9]A"`, as does GNU
# date's `%N` nanoseconds (`.123456789Z`: digits and a unit, not an id).
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_TOKEN = re.compile(rf"(?P<uuid>{_UUID})|[0-9A-Za-z]+")
_HEX = re.compile(r"[0-9a-fA-F]+")
_RUN = re.compile(r"[0-9]+|[A-Za-z]+")
_DIGITS = re.compile(r"[0-9]+")
_SECONDS = re.compile(r"9:9:9(?:\.9)?")  # a time of day: its fraction may come and go
ID_LENGTH = 8  # a token this long mixing letters and digits is a random id...
UNIT_LETTERS = 3  # ... unless its letters are a short prefix or unit (`Z`, `ms`, `req`) ...
NUMBER_DIGITS = 4  # ... beside numbers of this many digits or more (`123456789Z`)
SKELETON_MAX = 256  # a longer string has no skeleton: its text is content, not a format


def format_skeleton(value: JSON) -> str | None:
    """The format of a value, the same for every random value of one format: a string as
    `"9-9-9A9:9:9[.9]A"` (digits 9 whatever their number, letters by case, a uuid `<uuid>`, 8
    or more letters and digits mixed `<hex>` when hex, else `<id>`), a number by its form
    without its sign (`9`, `9.9`, `9e+9`), else the JSON type (`object`, `array`, `boolean`,
    `null`); None for a string too long to be a format."""
    if isinstance(value, str):
        if len(value) > SKELETON_MAX:
            return None
        # As a JSON string, so a skeleton is shown on one line (`"a=9\n"`, not a line break).
        return json.dumps(_SECONDS.sub("9:9:9[.9]", _TOKEN.sub(_token, value)), ensure_ascii=False)
    if isinstance(value, Number):
        return _DIGITS.sub("9", value.literal.lstrip("-"))  # `-3` beside `4` is one format
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "object" if isinstance(value, dict) else "array"


def _token(match: re.Match[str]) -> str:
    text = match.group()
    if match.group("uuid") is not None:
        return _by_case(text, "uuid")
    if text.isdigit():
        # A number, whatever its length: digit counts are not a format difference (a random
        # hex id that happens to hold no letter reads `9` too, one in 43 at 8 characters).
        return "9"
    if text.isalpha():
        return _letters(text)  # letters by their case, whatever they are (hex letters too)
    runs = _RUN.findall(text)
    if len(text) >= ID_LENGTH and _HEX.fullmatch(text):
        return _by_case(text, "hex")
    if len(text) >= ID_LENGTH and not _number_with_unit(runs):
        return "<id>"  # letters and digits anywhere: an id, not a layout
    return "".join("9" if run.isdigit() else _letters(run) for run in runs)


def _number_with_unit(runs: list[str]) -> bool:
    """Numbers with short letters between or around them (`123456789Z`, `req12345678`,
    `20261207T104559Z`): a layout, where a random id mixes longer or more even runs."""
    return all(
        len(run) >= NUMBER_DIGITS if run.isdigit() else len(run) <= UNIT_LETTERS for run in runs
    )


def _letters(run: str) -> str:
    """Letters by their case: `a`, `A`, `Aa` (capitalized), `aA` (mixed)."""
    if run.islower():
        return "a"
    if run.isupper():
        return "A"
    return "Aa" if run[0].isupper() and run[1:].islower() else "aA"


def _by_case(text: str, name: str) -> str:
    """`<uuid>` (lower case, or digits only), `<UUID>` (upper case), `<Uuid>` (both)."""
    lower, upper = any("a" <= c <= "f" for c in text), any("A" <= c <= "F" for c in text)
    if upper and lower:
        return f"<{name.capitalize()}>"
    return f"<{name.upper()}>" if upper else f"<{name}>"


def _add_formats(formats: dict[str, dict[str, set[str]]], masked: list[MaskedValue]) -> None:
    for sample in masked:
        by_target = formats.setdefault(index_free(sample.path), {})
        for target, value in sample.values.items():
            skeleton = format_skeleton(value)
            if skeleton is not None:
                by_target.setdefault(target, set()).add(skeleton)


def format_differences(formats: dict[str, dict[str, set[str]]]) -> list[FormatDifference]:
    """The paths where two targets' skeletons share nothing (one format giving several, as an
    isoformat with and without microseconds, still shares one with itself)."""
    out: list[FormatDifference] = []
    for path, by_target in formats.items():
        if any(a.isdisjoint(b) for a, b in combinations(by_target.values(), 2)):
            shown = {target: tuple(sorted(found)) for target, found in by_target.items()}
            out.append(FormatDifference(path, shown))
    return out


# ----------------------------------------------------------------------------- one line

SUMMARY_WIDTH = 40  # characters of each example value in a flagged rule's line
# The facets a rule acts on when it names none: a line says which facet only for the others.
_MAIN_FACETS = frozenset(main_facet_of(kind) for kind in ("command", "http", "mixed"))


def _rule_name(entry: RuleAudit) -> str:
    """`rule 2 del(.price)`; `rule 5 mask(.; "<impl>") on headers.x-impl` for a rule on another
    facet than the answer (its paths, `.`, would read as the whole body)."""
    on = f" on {entry.facet}" if entry.facet and entry.facet not in _MAIN_FACETS else ""
    return f"rule {entry.rule + 1} {entry.text}{on}"  # counted from 1, as in the spec's list


def flag_summary(entry: RuleAudit) -> str:
    """A flagged rule in one line, with its first example, for a terminal: `rule 1 del(.price)
    may hide a divergence (.price: a 3 vs b 30 in c3; not calibrated)`. Target data is shown
    as the report shows it (JSON, characters nobody can see escaped)."""
    rule = _rule_name(entry)
    if entry.flag == "masked format divergence":
        difference = entry.format_differences[0]
        example = _type_example(entry, difference)
        if example is not None:  # `"overflow"` beside null: the values say it, not formats
            return f"{rule} hides a type difference ({_example_line(example, why=False)})"
        formats = " vs ".join(
            f"{target} {' or '.join(map(visible_json, found))}"
            for target, found in difference.formats.items()
        )
        at = (e for e in entry.examples if index_free(e.path) == difference.path)
        values = next(at, None)  # the skeletons alone (`"a9"`) do not say what was sent
        seen = f", as in {_example_values(values)}" if values is not None else ""
        return f"{rule} hides a format difference ({shown_path(difference.path)}: {formats}{seen})"
    verb = "hides" if entry.flag == "masked divergence" else "may hide"
    if not entry.examples:
        return f"{rule} {verb} a divergence"
    example = entry.examples[0]
    return f"{rule} {verb} a divergence ({_example_line(example)})"


def dead_summary(entry: RuleAudit) -> str:
    """A rule that changed nothing, in one line: `rule 1 del(.timestmp) changed nothing in any
    case (is its path right?)`, or, when it skipped values, the first reason."""
    rule = f"{_rule_name(entry)} changed nothing in any case"
    if entry.skipped:
        first = entry.skipped[0]
        where = f"{shown_path(first.path)} on {first.target} in {first.case}"
        more = f"; {entry.skipped_total - 1} more" if entry.skipped_total > 1 else ""
        return f"{rule} (it skipped {where}: {first.reason}{more})"
    return f"{rule} (is its path right?)"


def _type_example(entry: RuleAudit, difference: FormatDifference) -> MaskedExample | None:
    """An example at the difference's path, when two targets' values there had no JSON type
    in common (a string beside null): a skeleton would only hide what the values show."""
    kinds = [{_skeleton_type(f) for f in found} for found in difference.formats.values()]
    if not any(a.isdisjoint(b) for a, b in combinations(kinds, 2)):
        return None
    at = (e for e in entry.examples if index_free(e.path) == difference.path)
    return next(at, None)


def _skeleton_type(skeleton: str) -> str:
    if skeleton.startswith('"'):
        return "string"
    return skeleton if skeleton in ("boolean", "null", "object", "array") else "number"


def _example_values(example: MaskedExample) -> str:
    """`a 3 vs b 30 in c3`: each target's value (or nothing), and the case."""
    shown = cut_around({t: visible_json(text) for t, text in example.values.items()}, SUMMARY_WIDTH)
    values = [f"{target} {text}" for target, text in shown.items()]
    values += [f"{target} nothing" for target in example.missing]
    return f"{' vs '.join(values)} in {example.case}"


def _example_line(example: MaskedExample, why: bool = True) -> str:
    stability = {
        "stable": "stable on every calibration run",
        "partial": f"stable on {', '.join(example.stable_on)}, "
        f"varies on {', '.join(example.varies_on)}",
        "unknown": "not calibrated",
    }.get(example.stability, example.stability)
    line = f"{shown_path(example.path)}: {_example_values(example)}"
    return f"{line}; {stability}" if why else line


# ----------------------------------------------------------------------------- report context


def analysis_context(
    result: SpecResult,
    calibration: Path | None = None,
    spec: Spec | None = None,
    *,
    report: Audit | None = None,
) -> dict[str, Any]:
    """The report's `analysis` key: plain strings and numbers, ready for _analysis.md.j2
    (`report`: the audit made already, not made again)."""
    if report is None:
        report = audit(result, calibration, spec)
    return {
        "tiers": result.tier_tally(),
        "tier_names": list(TIERS),
        "agreeing": sum(result.tier_tally().values()),
        "calibration": report.calibration,
        "calibration_error": report.calibration_error,
        "rules": [_rule_context(r) for r in report.rules],
        "flagged": [_rule_context(r) for r in report.flagged],
        "skipped": [note.describe(r.text) for r in report.rules for note in r.skipped],
        "path_stats": [
            {
                "facet": s.facet,
                "path": shown_path(s.path),  # `.["e\u0301"]` beside `.["é"]`: two rows
                "cases": s.cases,
                "targets": s.targets,
                "samples": s.samples,
            }
            for s in path_stats(result.cases)
        ],
        "reproducers": [
            {"case": c.name, "verdict": c.verdict, "commands": dict(c.reproducers)}
            for c in not_plain(result.cases)
            if c.reproducers
        ],
    }


def _rule_context(entry: RuleAudit) -> dict[str, Any]:
    return {
        "rule": entry.text,
        "facet": entry.facet,
        "flag": entry.flag,
        "intended": entry.intended,
        "cases_changed": dict(entry.cases_changed),
        "cases_touched": entry.cases_touched,
        "cases_differing": entry.cases_differing,
        "confirmed": entry.confirmed,
        "noise": entry.noise,
        "partial": entry.partial,
        "formats": [
            {"path": shown_path(d.path), "formats": {t: list(f) for t, f in d.formats.items()}}
            for d in entry.format_differences
        ],
        "uncalibrated": entry.uncalibrated,
        "skipped_total": entry.skipped_total,
        "examples": [
            {
                "case": e.case,
                "path": shown_path(e.path),
                "values": {target: visible_json(text) for target, text in e.values.items()},
                "missing": list(e.missing),
                "stability": e.stability,
                "stable_on": list(e.stable_on),
                "varies_on": list(e.varies_on),
            }
            for e in entry.examples
        ],
    }
