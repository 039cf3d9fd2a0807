"""When two fuzz findings are the same one: the classes a case result falls into.

A divergence class is one differing path, with array positions generalized (`.values[3]` is
`.values[]`, a keyed element is `[]` too), and the shape of what each group of agreeing targets
wrote there: `python=frac node=int, same value` is `1.0` against `1`; `exp` and `negzero-*`
name exponent literals and `-0`, and `value differs beyond 2^53` a rounded integer. An input
may show several classes; each is its own finding, shrunk to a minimal input that still shows
it. Crashes are classes per target and kind of error (`exited with code 1`, `timed out`),
expectation failures per target and expectation.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from yamlparity.core.failures import STDERR_TAIL
from yamlparity.core.jsonvalue import JSON, Number, canonical, type_name
from yamlparity.results.records import CaseResult, Difference

__all__ = ["FindingClass", "classes_of"]

Kind = Literal["diff", "fail", "error"]

_TWO_53 = 2**53
_INDEX = re.compile(r"\[(?:\d+|\?[^\]]*)\]")
# One step of a jq-style path: `.name`, `.["odd key"]`, `[3]`, `[]`, `[?id==5]`.
_STEP = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\.\[("(?:[^"\\]|\\.)*")\]|\[(?:\d*|\?[^\]]*)\]')
_LINE = re.compile(r"^(after )?line \d+$")
_ELLIPSIS = "…"  # verdict.compare's "N more differences" entry: a count, not a place
_SLUG = re.compile(r"[^A-Za-z0-9]+")
_SHAPES = re.compile(r"=([^\s,]+)")  # the value shapes in `python,go=frac node=int, same value`
_ERROR_NOISE = (
    (re.compile(r"\(line \d+, column \d+\)"), ""),  # where a parser stopped
    (re.compile(re.escape(STDERR_TAIL.rstrip("\n")) + ".*", re.DOTALL), ""),
    (re.compile(r"after [\d.]+ s\b"), "after N s"),
    (re.compile(r"(?<![A-Za-z])\d+ bytes"), "N bytes"),
    # A stream helper's miscount (targets/stream.py, Miscount): one class whatever the count.
    (re.compile(r"wrote \d+ lines for \d+ cases?\b"), "wrote N lines for M cases"),
    # However the extra line was found (run/engine.py, _after_answer): one class.
    (re.compile(r"\(out of turn\):.*"), "(out of turn)"),
)


@dataclass(frozen=True, order=True)
class FindingClass:
    """One way of diverging. `where` is a generalized path (diff), the target (error, fail)."""

    kind: Kind
    facet: str  # diff: the facet; error/fail: ""
    where: str
    shape: str  # diff: groups and their value shapes; error: the kind of error; fail: the check

    @property
    def label(self) -> str:
        if self.kind == "diff":
            return f"{self.facet} {self.where}: {self.shape}"
        return f"{self.where}: {self.shape}"

    def case_name(self, main_facet: str) -> str:
        """A readable, stable case name: `fuzz-values-frac-vs-int-3f9a`."""
        digest = hashlib.sha1(repr(self).encode("utf-8")).hexdigest()[:4]
        if self.kind == "diff":
            path = _slug(self.where) or "root"
            facet = "" if self.facet == main_facet else _slug(self.facet) + "-"
            shapes = "-vs-".join(_SHAPES.findall(self.shape))
            parts = f"{facet}{path}-{_slug(shapes)}"
        else:
            parts = f"{self.kind}-{_slug(self.where)}-{_slug(self.shape)}"
        return f"fuzz-{parts[:60].strip('-')}-{digest}"


def classes_of(
    result: CaseResult, free_keys: frozenset[str] = frozenset()
) -> frozenset[FindingClass]:
    """Every class this case's result shows (none for MATCH, KNOWN, SKIP and FIXED).
    `free_keys`: object keys the input schema does not name (drawn for `additionalProperties`):
    in a path they are any key, `.[]`, or every drawn name would be a class of its own."""
    found: set[FindingClass] = set()
    if result.verdict == "ERROR":
        failed = [(name, o.error) for name, o in result.outcomes.items() if o.error]
        for name, error in failed or [("*", result.reason)]:
            kind = error_kind(error or "")
            # A helper's miscount names its target (targets/stream.py, Miscount): once is enough.
            kind = kind.removeprefix(f"{name}: ")
            found.add(FindingClass("error", "", name, kind))
        return frozenset(found)
    if result.verdict not in ("DIFF", "FAIL"):
        return frozenset()
    for diff in result.differences:
        if diff.path != _ELLIPSIS:
            where = general_path(diff.path, free_keys)
            found.add(FindingClass("diff", diff.facet, where, _shape(diff)))
    for failure in result.expectation_failures:
        found.add(FindingClass("fail", "", failure.target, failure.expectation))
    return frozenset(found)


def general_path(path: str, free_keys: frozenset[str] = frozenset()) -> str:
    """`.values[3].x` -> `.values[].x`, `.tags["k"]` -> `.tags[]` when `k` is a free key,
    `line 7` -> `line`: where, not which one."""
    if _LINE.match(path):
        return path.rsplit(" ", 1)[0]
    if not free_keys:
        return _INDEX.sub("[]", path)
    out = []
    for match in _STEP.finditer(path):
        name, quoted = match.group(1), match.group(2)
        if name is None and quoted is None:  # an array step
            out.append("[]" if _INDEX.fullmatch(match[0]) else match[0])
            continue
        key = name if name is not None else json.loads(quoted)
        out.append("[]" if key in free_keys else match[0])
    general = "".join(out)
    return general if general.startswith(".") else "." + general


def error_kind(error: str) -> str:
    """The error without what changes from one input to the next (positions, sizes, tails)."""
    text = error.strip().splitlines()[0] if error.strip() else "error"
    for pattern, replacement in _ERROR_NOISE:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())[:120]


def _shape(diff: Difference) -> str:
    """`python=frac node=int, same value`: agreeing targets grouped, each group's value shape."""
    groups: dict[str, list[str]] = {}
    shown: dict[str, JSON] = {}
    for name in (*diff.values, *diff.missing):
        key = "missing" if name in diff.missing else canonical(diff.values[name])
        groups.setdefault(key, []).append(name)
        if name not in diff.missing:
            shown[key] = diff.values[name]
    tokens = [
        f"{','.join(names)}={'missing' if key not in shown else value_shape(shown[key])}"
        for key, names in groups.items()
    ]
    relation = _relation(list(shown.values()))
    return " ".join(tokens) + (f", {relation}" if relation else "")


def value_shape(value: JSON) -> str:
    """int, frac, exp (the literal's form), negzero-int/frac/exp; other values: their type."""
    if not isinstance(value, Number):
        return type_name(value)
    literal = value.literal
    form = "exp" if "e" in literal or "E" in literal else "frac" if "." in literal else "int"
    try:
        number = Decimal(literal)
    except InvalidOperation:
        return form
    if number == 0 and literal.startswith("-"):
        return f"negzero-{form}"
    return form


def _relation(values: list[JSON]) -> str:
    if len(values) < 2 or not all(isinstance(v, Number) for v in values):
        return ""
    try:
        decimals = {Decimal(v.literal) for v in values if isinstance(v, Number)}
    except InvalidOperation:
        return ""
    if len(decimals) == 1:
        return "same value"
    # Beyond 2^53 a double cannot hold every integer: the mark of a runtime that rounds.
    return "value differs beyond 2^53" if max(map(abs, decimals)) >= _TWO_53 else "value differs"


def _slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-").lower()
