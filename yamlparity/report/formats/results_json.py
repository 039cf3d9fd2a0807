"""Machine-readable results: one JSON document per spec (docs/results-schema.json).

`schema_version` changes only when a field is removed, renamed or changes meaning; new fields
may appear within a version. Numbers are exact (`jsonvalue.dumps`): a target's `1.0` stays
`1.0` and a 64-bit id keeps every digit.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, Literal, Union

from yamlparity._version import __version__
from yamlparity.core import gcpause, jsonvalue
from yamlparity.core.errors import Location, SpecError
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.results.records import (
    CaseResult,
    Difference,
    ExpectationFailure,
    MaskedValue,
    RuleEffect,
    SkippedValue,
    SpecResult,
    TargetInfo,
    TargetOutcome,
    case_dict,
)

SCHEMA_VERSION = 1


def document(
    result: SpecResult, lazy: bool = False, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The results document; `lazy`: its cases as a LazyArray, made one at a time; `extra`:
    top-level keys after the result's own (a shard's `shard` block)."""
    data = result.to_dict(cases=not lazy)
    if lazy:
        data["cases"] = jsonvalue.LazyArray(result.cases, _case_json)
    head = {"schema_version": SCHEMA_VERSION, "generator": f"yamlparity {__version__}"}
    return {**head, **data, **(extra or {})}


def _case_json(case: CaseResult) -> JSON:
    return case_dict(case, jsonvalue.from_python)  # converted as made: one pass, not two


def dumps(result: SpecResult, extra: Mapping[str, Any] | None = None) -> str:
    # from_python turns durations (floats) into Numbers and leaves target values untouched.
    # Unsorted: schema_version first, fields in their documented order, target data as sent.
    data = jsonvalue.from_python(document(result, extra=extra))
    return jsonvalue.dumps(data, indent=2, sort_keys=False) + "\n"


def write_to(
    result: SpecResult, write: Callable[[str], object], extra: Mapping[str, Any] | None = None
) -> None:
    """`dumps(result)` handed to `write` a case at a time: memory stays flat with the cases."""
    data = jsonvalue.from_python(document(result, lazy=True, extra=extra))
    jsonvalue.dump_to(data, write, indent=2, sort_keys=False)
    write("\n")


# ---------------------------------------------------------------- reading back


def loads(text: str | bytes, source: str = "<results>") -> SpecResult:
    """A results document back into a SpecResult (what templates need; unknown keys ignored).
    A large one is read with the garbage collector paused (gcpause: the parsed tree and the
    records made from it form no cycle; 10,000 cases, 16 MB: 1.66 s of CPU, 0.77 s paused)."""
    with gcpause.paused(len(text) >= gcpause.LARGE):
        try:
            data = jsonvalue.loads(text)
        except jsonvalue.JsonDecodeError as exc:
            raise SpecError(f"not a results file: {exc}", Location(source)) from None
        return from_document(data, source)


def from_document(data: JSON, source: str = "<results>") -> SpecResult:
    """`loads` for a document parsed already (by `jsonvalue.loads`: numbers stay exact)."""
    if not isinstance(data, dict) or "schema_version" not in data:
        raise SpecError("not a yamlparity results file (no schema_version)", Location(source))
    version = data["schema_version"]
    # Exactly the integer 1: `true` and `1.0` are not versions (Python's True == 1).
    if not (type(version) is Number and version.literal == str(SCHEMA_VERSION)):
        raise SpecError(
            f"results schema_version {jsonvalue.dumps(version)} is not supported (this "
            f"yamlparity reads {SCHEMA_VERSION})",
            Location(source),
        )
    try:
        return _spec(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"malformed results file: {exc!r}", Location(source)) from None


def _plain(value: JSON) -> Any:
    """Numbers of yamlparity's own fields (durations, codes) back to int/float."""
    return jsonvalue.to_python(value) if isinstance(value, Number) else value


def _known(cls: type, data: dict[str, Any], **override: Any) -> dict[str, Any]:
    """The fields of `cls` found in `data`, each checked against its declared type (a
    boolean is not an int, a number not a string); lists of nested records come in
    `override`, built by the callers (others keep their defaults)."""
    kept: dict[str, Any] = {}
    for name, accepts in _checks(cls):
        if name in override or name not in data:
            continue
        value = _plain(data[name])
        if isinstance(value, list):
            continue  # nested records this reader does not rebuild keep their defaults
        if not accepts(value):
            raise TypeError(f"{cls.__name__}.{name}: {jsonvalue.dumps(data[name])}")
        kept[name] = value
    kept.update(override)
    return kept


@functools.cache
def _checks(cls: type) -> tuple[tuple[str, Callable[[Any], bool]], ...]:
    """Per field of a record, the check of a plain value against its declared type, built
    once per record type: resolving the types per record was most of the time a 20,000-case
    results file took to read."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _check(hints[f.name])) for f in fields(cls))


def _check(hint: Any) -> Callable[[Any], bool]:
    """A plain value against a field's type; containers are checked by the builders."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        alternatives = [_check(arg) for arg in typing.get_args(hint)]
        return lambda value: any(accepts(value) for accepts in alternatives)
    if origin is Literal:
        # (type, value) pairs: `True` is not `1`, nor 1 a Number (Python's True == 1).
        allowed = frozenset((type(a), a) for a in typing.get_args(hint))
        return functools.partial(_one_of, allowed)
    if hint is type(None):
        return lambda value: value is None
    if hint is float:
        return lambda value: type(value) in (int, float)
    if hint in (int, str, bool):
        return lambda value: type(value) is hint
    return lambda value: True  # dict/list/tuple fields: rebuilt (or taken as JSON) by callers


def _one_of(allowed: frozenset[tuple[type, Any]], value: Any) -> bool:
    try:
        return (type(value), value) in allowed
    except TypeError:  # an unhashable value (an object, an array) is none of the literals
        return False


def _counts(data: Any) -> dict[str, int]:
    """target -> count, with exact integer checks."""
    out = {str(k): _plain(v) for k, v in dict(data).items()}
    if not all(type(v) is int for v in out.values()):
        raise TypeError(f"counts must be integers: {jsonvalue.dumps(data)}")
    return out


def _rule_effect(data: dict[str, Any]) -> RuleEffect:
    return RuleEffect(
        **_known(
            RuleEffect,
            data,
            changed=_counts(data.get("changed", {})),
            skipped=_counts(data.get("skipped", {})),
            skipped_samples=[
                SkippedValue(**_known(SkippedValue, v)) for v in data.get("skipped_samples", [])
            ],
            masked=[
                MaskedValue(
                    path=m["path"],
                    values=dict(m["values"]),  # target values stay exact Numbers
                    missing=tuple(m.get("missing", ())),
                    differing=tuple(m.get("differing", ())),
                )
                for m in data.get("masked", [])
            ],
        )
    )


def _spec(data: dict[str, Any]) -> SpecResult:
    return SpecResult(
        **_known(
            SpecResult,
            data,
            targets=[
                TargetInfo(**_known(TargetInfo, t, notes=[str(n) for n in t.get("notes") or []]))
                for t in data["targets"]
            ],
            cases=[_case(c) for c in data["cases"]],
            facets=tuple(data.get("facets", ())),
            intended_rules={str(k): str(v) for k, v in _mapping(data, "intended_rules").items()},
            rules={
                str(k): {str(a): str(b) for a, b in v.items()}
                for k, v in _mapping(data, "rules").items()
                if isinstance(v, dict)
            },
        )
    )


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise TypeError(f"SpecResult.{key}: {jsonvalue.dumps(data[key])}")
    return value


def _case(data: dict[str, Any]) -> CaseResult:
    return CaseResult(
        **_known(
            CaseResult,
            data,
            outcomes={
                name: TargetOutcome(
                    **_known(
                        TargetOutcome,
                        o,
                        facets=dict(o.get("facets", {})),
                        as_received=[str(f) for f in o.get("as_received", ())],
                    )
                )
                for name, o in data["outcomes"].items()
            },
            differences=[
                Difference(
                    facet=d["facet"],
                    path=d["path"],
                    values=dict(d["values"]),  # target values stay exact Numbers
                    missing=tuple(d.get("missing", ())),
                    note=d.get("note", ""),
                )
                for d in data.get("differences", [])
            ],
            expectation_failures=[
                ExpectationFailure(**_known(ExpectationFailure, f))
                for f in data.get("expectation_failures", [])
            ],
            groups=[list(g) for g in data.get("groups", [])],
            agreeing=[list(pair) for pair in data.get("agreeing", [])],
            facet_match=dict(data.get("facet_match", {})),
            rule_effects=[_rule_effect(e) for e in data.get("rule_effects", [])],
            reproducers=dict(data.get("reproducers", {})),
            failures={str(k): str(v) for k, v in dict(data.get("failures", {})).items()},
            known_errors=[str(t) for t in data.get("known_errors", [])],
        )
    )
