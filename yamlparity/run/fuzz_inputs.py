"""Case inputs for `yamlparity fuzz`: a JSON Schema of `case.input` made into a Hypothesis
strategy (hypothesis-jsonschema), whose numbers then get exact JSON literals.

Why a second step: hypothesis-jsonschema draws Python values, and a Python float has one way
to be written (`repr`) while the wire has many: `1` and `1.0`, `1e+16` and `10000000000000000`,
`-0` and `-0.0`, `1.5e-7`. Runtimes disagree exactly there, so each number is sent with one of
its spellings (`spellings`), picked by a choice drawn for its kind of number; choice 0 is the
plain spelling, where shrinking leads unless another is needed. Integers beyond 2^53 come from
the schema's integers and, for `number` (which hypothesis-jsonschema draws as floats only),
from an integral float plus one (no double holds it). A spelled input is checked against the
schema again (numbers by value; a draft-4 schema keeps `integer` to integer literals): one that
fails is sent plain.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import hypothesis_jsonschema._from_schema as _hjs
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from hypothesis_jsonschema._encode import encode_canonical_json

from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.run.fuzz_schema import InputSchema

__all__ = ["inputs", "spellings"]

_TWO_53 = 2**53
_Draw = Callable[[st.SearchStrategy[Any]], Any]


def inputs(schema: InputSchema) -> st.SearchStrategy[JSON]:
    """Exact JSON inputs the schema allows."""
    _reuse_subschema_strategies()
    return _spelled(from_schema(schema.schema), schema)


_Built = tuple[object, object, st.SearchStrategy[Any]]
_built: dict[tuple[str, int, int], _Built] = {}


def _reuse_subschema_strategies() -> None:
    """hypothesis-jsonschema builds the strategy of an object's property again at every draw
    (canonicalising the subschema, resolving its refs, making validators): 40% of a fuzz
    run's CPU on examples/fuzz_numbers (14.3 s against 8.6 s). A strategy is a description
    that can be drawn from any number of times, so each one is built once per subschema."""
    build: Callable[..., st.SearchStrategy[Any]] | None = _hjs.__dict__.get("__from_schema")
    if build is None or getattr(build, "_yamlparity_reused", False):
        return  # another version of the library, or done already
    original = build

    def reused(schema: Any, *, alphabet: Any, custom_formats: Any) -> st.SearchStrategy[Any]:
        try:
            text = encode_canonical_json(schema)
        except (TypeError, ValueError):
            return original(schema, alphabet=alphabet, custom_formats=custom_formats)
        # The alphabet and formats are kept with the entry: their ids stay theirs.
        key = (text, id(alphabet), id(custom_formats))
        entry = _built.get(key)
        if entry is None:
            made = original(schema, alphabet=alphabet, custom_formats=custom_formats)
            entry = (alphabet, custom_formats, made)
            _built[key] = entry
        return entry[2]

    reused._yamlparity_reused = True  # type: ignore[attr-defined]
    _hjs.__dict__["__from_schema"] = reused


_KINDS = ("int", "int zero", "float", "integral float", "float zero")


@st.composite
def _spelled(draw: _Draw, base: st.SearchStrategy[Any], schema: InputSchema) -> JSON:
    # One drawn choice per kind of number (`_kind`) picks the spelling of every number of that
    # kind, drawn before the value: shrinking keeps a number's spelling when it deletes another
    # number or makes this one smaller (spellings drawn per number would shift onto the
    # neighbours), and takes each kind back to its plain spelling (choice 0) when it can.
    picks = {kind: draw(st.integers(0, _FORMS[kind] - 1)) for kind in _KINDS}
    value = draw(base)
    exact = _exact(value, picks)
    if any(picks.values()) and not schema.is_valid(exact):
        return _exact(value, dict.fromkeys(_KINDS, 0))
    return exact


def _exact(value: Any, picks: dict[str, int]) -> JSON:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return Number(spellings(value)[picks[_kind(value)]])
    if isinstance(value, list):
        return [_exact(item, picks) for item in value]
    if isinstance(value, dict):
        return {key: _exact(item, picks) for key, item in value.items()}
    raise TypeError(f"not JSON: {type(value).__name__}")


def _kind(number: int | float) -> str:
    """Numbers of one kind have spelling lists of one length, the same form at each place."""
    if isinstance(number, int):
        return "int zero" if number == 0 else "int"
    if number == 0:
        return "float zero"
    return "integral float" if number.is_integer() else "float"


def spellings(number: int | float) -> list[str]:
    """The JSON literals one drawn number may be sent as, plain first (what shrinking returns
    to). The list's length and the form at each place depend only on `_kind(number)`."""
    if isinstance(number, int):
        if number == 0:
            return ["0", "0.0", "0e0", "-0", "-0.0"]
        return [str(number), f"{number}.0", _scientific(Decimal(number))]
    plain = repr(number)  # Python's shortest round-trip form: `1e+16`, `1e-05`
    if number == 0:
        return ["0.0", "0", "0e0", "-0.0", "-0"]
    exact = Decimal(plain)
    forms = [plain, _positional(exact), _scientific(exact), ecmascript(number)]
    if number.is_integer():
        whole = int(number)
        # Beyond 2^53 the next integer is one no double holds: a runtime that parses numbers
        # as doubles rounds it.
        forms += [
            str(whole),
            str(whole + (1 if whole > 0 else -1)) if abs(whole) > _TWO_53 else str(whole),
        ]
    return forms


# How many spellings each kind has (checked by a test against `spellings`).
_FORMS = {"int": 3, "int zero": 5, "float": 4, "integral float": 6, "float zero": 5}


def _positional(value: Decimal) -> str:
    """No exponent: `0.00001`, `10000000000000000.0`."""
    text = format(value, "f")
    return text if "." in text else text + ".0"


def _scientific(value: Decimal) -> str:
    """`1.5e3`: one digit before the point, lower-case `e`, no `+`."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    shown = "".join(map(str, digits)).rstrip("0") or "0"
    power = exponent + len(digits) - 1
    mantissa = shown[0] + ("." + shown[1:] if len(shown) > 1 else "")
    return ("-" if sign else "") + f"{mantissa}e{power}"


def ecmascript(number: float) -> str:
    """What JavaScript's `String(x)` writes for a finite double (ECMA-262 Number::toString)."""
    if number == 0:
        return "0"
    _, digits, exponent = Decimal(repr(abs(number))).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    k = len(text)
    n = exponent + k  # the value is 0.text x 10^n
    minus = "-" if number < 0 else ""
    if k <= n <= 21:
        return minus + text + "0" * (n - k)
    if 0 < n <= 21:
        return minus + text[:n] + "." + text[n:]
    if -6 < n <= 0:
        return minus + "0." + "0" * -n + text
    power = n - 1
    mantissa = text[0] + ("." + text[1:] if k > 1 else "")
    return minus + f"{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"
