"""What a rule leaves of a whole output, read from its operations when the spec loads.

The spec loader refuses a rule on the main output that turns every output of the spec's kind
into one value (every case would match), and a rule on a header that may make a sent header
null (a header the target did not send is compared as null). Both questions are answered for
each JSON type an output may have (`output: text` is always a string, `jsonl` always an array):
per type, a rule either leaves one known value (`Known`) or a value of some types (`Unknown`).

Read from the operations rather than by trying sample values, which cannot cover every shape
(`mask(.; null; timestamp)` nulls timestamps only) and may fail on made-up input
(`.a[200000000] = 1`). Only a known value is ever run through a rule: every output of that type
would become that very value first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from yamlparity.core import boundedre
from yamlparity.core.jsonvalue import JSON, canonical, type_name
from yamlparity.rules.ops import (
    Alt,
    Assign,
    Builtin,
    Const,
    Ctx,
    Delete,
    Each,
    Identity,
    Mask,
    Op,
    Recurse,
    Scrub,
    Select,
    Seq,
    SortBy,
    Update,
)

TYPES = frozenset({"object", "array", "string", "number", "boolean", "null"})
CONTAINERS = frozenset({"object", "array"})
# The shapes that hold every value of a type: masking with one of them masks them all.
_SHAPE_COVERS = {"string": frozenset({"string"}), "number": frozenset({"number"})}
_EMPTY: dict[str, JSON] = {"object": {}, "array": []}


@dataclass(frozen=True)
class Known:
    """Every value the rule was given became this one."""

    value: JSON


@dataclass(frozen=True)
class Unknown:
    """The rule left values of these JSON types, not one value."""

    types: frozenset[str]


Out = Known | Unknown


def output_types(kind: str) -> frozenset[str]:
    """The JSON types a main output of this `output:` kind may have."""
    return {"text": frozenset({"string"}), "jsonl": frozenset({"array"})}.get(kind, TYPES)


def outcomes(op: Op, types: Iterable[str]) -> dict[str, Out]:
    """Per input type: what the rule leaves of every value of that type."""
    return {kind: _step(op, Unknown(frozenset({kind}))) for kind in types}


def collapses(op: Op, types: frozenset[str]) -> bool:
    """Whether the rule leaves nothing of an output but at most its type: every value of
    every type becomes one value (`del(.)`, `mask(.; "x"; string)` on text), or, where
    outputs may be objects or arrays, each of those becomes one (`del(.[])`: `{}` and `[]`).
    A rule that collapses scalars only (`mask(.; 0; number)` on JSON) is left to the audit:
    it hides a difference only when the outputs are such scalars."""
    outs = outcomes(op, types)
    decisive = types & CONTAINERS or types
    return all(isinstance(outs[kind], Known) for kind in decisive)


def one_value(op: Op, types: frozenset[str]) -> bool:
    """Whether every output of these types becomes the same single value."""
    outs = list(outcomes(op, types).values())
    values = [out.value for out in outs if isinstance(out, Known)]
    return len(values) == len(outs) and len({canonical(value) for value in values}) == 1


def may_make_null(op: Op, types: frozenset[str]) -> bool:
    """Whether the rule may turn some value of these types into null."""
    return any(_holds_null(out) for out in outcomes(op, types).values())


def _holds_null(out: Out) -> bool:
    return out.value is None if isinstance(out, Known) else "null" in out.types


def _types(out: Out) -> frozenset[str]:
    return frozenset({type_name(out.value)}) if isinstance(out, Known) else out.types


def _step(op: Op, out: Out) -> Out:
    if isinstance(out, Known):
        return _run(op, out.value)
    if isinstance(op, Seq):
        for part in op.ops:
            out = _step(part, out)
        return out
    return _TRANSFER.get(type(op), _kept)(op, out.types)


def _run(op: Op, value: JSON) -> Out:
    """The rule on the one value every output became: deterministic, so again one value."""
    try:
        with boundedre.budget():
            return Known(op.run(value, Ctx(None), ()))
    except Exception:  # a rule that fails on it leaves nothing known
        return Unknown(TYPES)


def _root(alt: Alt) -> bool:
    """A path that reaches the whole value: `.`, `..` (the value itself first)."""
    return all(isinstance(step, Recurse) for step in alt)


def _every_child(alt: Alt) -> bool:
    """A path that reaches every element (or every value) of the whole value: `.[]`,
    `.[]?`, `.. | .[]?`, `.[] | ..`."""
    iterations = [step for step in alt if isinstance(step, Each)]
    return len(iterations) == 1 and all(isinstance(s, Recurse | Each) for s in alt)


def _kept(op: Op, types: frozenset[str]) -> Out:
    """Identity, builtins, `sort_by`, `scrub`: the value keeps its type (or is skipped)."""
    return Unknown(types)


def _const(op: Op, types: frozenset[str]) -> Out:
    assert isinstance(op, Const)
    return Known(op.value)


def _select(op: Op, types: frozenset[str]) -> Out:
    return Unknown(TYPES)  # anything below, or null for a path that is not there


def _assign(op: Op, types: frozenset[str]) -> Out:
    assert isinstance(op, Assign)
    if any(_root(alt) for alt in op.paths):
        return Known(op.value)
    # A path through null creates containers (`.a = 1` on null is {"a": 1}).
    return Unknown(types | CONTAINERS if "null" in types else types)


def _mask(op: Op, types: frozenset[str]) -> Out:
    assert isinstance(op, Mask)
    if not any(_root(alt) for alt in op.paths):
        return Unknown(types)  # values inside replaced: the whole keeps its type
    if op.shape is None or types <= _SHAPE_COVERS.get(op.shape, frozenset()):
        return Known(op.text)
    return Unknown(types | {type_name(op.text)})  # the values with the shape are masked


def _delete(op: Op, types: frozenset[str]) -> Out:
    assert isinstance(op, Delete)
    if any(_root(alt) for alt in op.paths):
        return Known(None)  # jq: del(.) is null
    if len(types) == 1 and any(_every_child(alt) for alt in op.paths):
        (kind,) = types
        if kind in _EMPTY:
            return Known(_EMPTY[kind])  # `del(.[])`: every element goes
    return Unknown(types)


def _update(op: Op, types: frozenset[str]) -> Out:
    assert isinstance(op, Update)
    roots = [alt for alt in op.paths if _root(alt)]
    if not roots:
        return Unknown(types)  # values inside updated: the whole keeps its type
    out = _step(op.op, Unknown(types))
    if all(alt == () for alt in op.paths):
        return out  # `. |= F` is F
    # Also updated below (`..`, `(.a, .) |= F`) at places the original value had: the
    # whole is F's value, its type F's, what is inside unknown.
    return Unknown(_types(out))


_TRANSFER: dict[type, Callable[[Op, frozenset[str]], Out]] = {
    Identity: _kept,
    Builtin: _kept,
    SortBy: _kept,
    Scrub: _kept,
    Const: _const,
    Select: _select,
    Assign: _assign,
    Mask: _mask,
    Delete: _delete,
    Update: _update,
}
