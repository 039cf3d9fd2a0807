"""Machine-readable results: one JSON document per spec (docs/results-schema.json).

`schema_version` changes only when a field is removed, renamed or changes meaning; new fields
may appear within a version. Numbers are exact (`jsonvalue.dumps`): a target's `1.0` stays
`1.0` and a 64-bit id keeps every digit.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from yamlparity import __version__, jsonvalue
from yamlparity.errors import Location, SpecError
from yamlparity.jsonvalue import JSON, Number
from yamlparity.results import (
    CaseResult,
    Difference,
    ExpectationFailure,
    SpecResult,
    TargetInfo,
    TargetOutcome,
)

SCHEMA_VERSION = 1


def document(result: SpecResult) -> dict[str, Any]:
    data = result.to_dict()
    return {"schema_version": SCHEMA_VERSION, "generator": f"yamlparity {__version__}", **data}


def dumps(result: SpecResult) -> str:
    # from_python turns durations (floats) into Numbers and leaves target values untouched.
    # Unsorted: schema_version first, fields in their documented order, target data as sent.
    data = jsonvalue.from_python(document(result))
    return jsonvalue.dumps(data, indent=2, sort_keys=False) + "\n"


# ---------------------------------------------------------------- reading back


def loads(text: str, source: str = "<results>") -> SpecResult:
    """A results document back into a SpecResult (what templates need; unknown keys ignored)."""
    try:
        data = jsonvalue.loads(text)
    except jsonvalue.JsonDecodeError as exc:
        raise SpecError(f"not a results file: {exc}", Location(source)) from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise SpecError("not a yamlparity results file (no schema_version)", Location(source))
    version = _plain(data["schema_version"])
    if version != SCHEMA_VERSION:
        raise SpecError(
            f"results schema_version {version} is not supported (this yamlparity reads "
            f"{SCHEMA_VERSION})",
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
    """The fields of `cls` found in `data`; lists (of nested records this reader does not
    rebuild, e.g. rule effects) keep their defaults unless given in `override`."""
    names = {f.name for f in fields(cls)}
    kept = {k: _plain(v) for k, v in data.items() if k in names and not isinstance(v, list)}
    kept.update(override)
    return kept


def _spec(data: dict[str, Any]) -> SpecResult:
    return SpecResult(
        **_known(
            SpecResult,
            data,
            targets=[TargetInfo(**_known(TargetInfo, t)) for t in data["targets"]],
            cases=[_case(c) for c in data["cases"]],
            facets=tuple(data.get("facets", ())),
        )
    )


def _case(data: dict[str, Any]) -> CaseResult:
    return CaseResult(
        **_known(
            CaseResult,
            data,
            outcomes={
                name: TargetOutcome(**_known(TargetOutcome, o, facets=dict(o.get("facets", {}))))
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
            facet_match=dict(data.get("facet_match", {})),
        )
    )
