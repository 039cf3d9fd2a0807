"""A numeric view of exact JSON numbers, for code that needs arithmetic (templates, JSONPath).

`jsonvalue.Number` is deliberately not a number: it equals only a Number with the same literal,
so the comparator can never confuse `1` with `1.0` or `true`. Jinja templates and jsonpath-ng
filters need the opposite (`n + 1`, `n > 3`, `| int`, `@.id == 1`): they get `NumberView`s,
which compute with the literal's value (an integer literal as int, any other as float, like
`jsonvalue.to_python`) but still print and serialize as the literal. `to_exact` turns whatever
such code returns back into exact JSON values. Views never reach the comparator.
"""

from __future__ import annotations

import math
import numbers
import types
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, cast

from yamlparity.core import jsonvalue
from yamlparity.core.jsonvalue import JSON, Number

__all__ = [
    "BooleanView",
    "NumberView",
    "is_boolean",
    "is_false",
    "is_true",
    "to_exact",
    "to_view",
]

_Real = int | float | Decimal


class NumberView(Number):
    """A JSON number that computes by value: `7 == 7.0`, never `== true`; prints its literal."""

    __slots__ = ("_cached",)

    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        # Computed on first use: `{{ case.input | tojson }}` and `exists` never need it, and
        # an integer over 4,300 digits cannot become an int (sys.get_int_max_str_digits).
        self._cached: int | float | None = None

    @property
    def _value(self) -> int | float:
        if self._cached is None:
            try:
                self._cached = jsonvalue.to_python(Number(self.literal))
            except ValueError:  # too many digits for int(): exact all the same
                self._cached = cast(int, Decimal(self.literal))
        return self._cached

    @property
    def number(self) -> int | float:
        """The Python number this view computes with."""
        return self._value

    def __repr__(self) -> str:
        # `{{ case.input.ids }}` renders a list through repr(): show the JSON literal there too.
        return self.literal

    def __format__(self, spec: str) -> str:
        return format(self._value, spec) if spec else self.literal

    # ------------------------------------------------------------ comparison

    def __eq__(self, other: object) -> bool:
        value = _operand(other)
        return NotImplemented if value is None else bool(self._value == value)

    def __ne__(self, other: object) -> bool:
        value = _operand(other)
        return NotImplemented if value is None else bool(self._value != value)

    def __hash__(self) -> int:  # equal views and Python numbers hash alike (sets, groupby)
        return hash(self._value)

    def __lt__(self, other: object) -> bool:
        return _compare(self, other, lambda a, b: a < b)

    def __le__(self, other: object) -> bool:
        return _compare(self, other, lambda a, b: a <= b)

    def __gt__(self, other: object) -> bool:
        return _compare(self, other, lambda a, b: a > b)

    def __ge__(self, other: object) -> bool:
        return _compare(self, other, lambda a, b: a >= b)

    # ------------------------------------------------------------ conversions

    def __bool__(self) -> bool:
        return bool(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __index__(self) -> int:
        # Only integer literals index (`items[n]`, `range(n)`), as a Python float would not.
        if isinstance(self._value, int):
            return self._value
        raise TypeError(f"{self.literal} is not an integer")

    def __round__(self, ndigits: int | None = None) -> Any:
        return round(self._value, ndigits)

    def __trunc__(self) -> int:
        return math.trunc(self._value)

    def __floor__(self) -> int:
        return math.floor(self._value)

    def __ceil__(self) -> int:
        return math.ceil(self._value)

    # ------------------------------------------------------------ arithmetic

    def __neg__(self) -> int | float:
        return -self._value

    def __pos__(self) -> int | float:
        return +self._value

    def __abs__(self) -> int | float:
        return abs(self._value)

    def __add__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: a + b)

    def __radd__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: b + a)

    def __sub__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: a - b)

    def __rsub__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: b - a)

    def __mul__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: a * b)

    def __rmul__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: b * a)

    def __truediv__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: a / b)

    def __rtruediv__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: b / a)

    def __floordiv__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: a // b)

    def __rfloordiv__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: b // a)

    def __mod__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: a % b)

    def __rmod__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: b % a)

    def __pow__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: a**b)

    def __rpow__(self, other: object) -> Any:
        return _arith(self, other, lambda a, b: b**a)


# `{% if x is number %}` (Jinja tests `isinstance(x, numbers.Number)`).
numbers.Number.register(NumberView)


class BooleanView:
    """A JSON boolean that equals only booleans: Python's `True == 1` must not make a
    template's `t == 1` true. Truthiness is a bool's; it prints as JSON does (`true`), since
    a template usually writes it into JSON or text the targets read."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BooleanView):
            return self.value is other.value
        if isinstance(other, bool):
            return self.value is other
        return False if isinstance(other, int | float | Decimal | Number) else NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self.value)

    def __bool__(self) -> bool:
        return self.value

    def __int__(self) -> int:
        return int(self.value)

    def __str__(self) -> str:
        return "true" if self.value else "false"

    def __repr__(self) -> str:
        return "true" if self.value else "false"


def is_true(value: object) -> bool:
    """Jinja's `is true` (`value is True`), for booleans seen through a view too."""
    return value is True or (isinstance(value, BooleanView) and value.value)


def is_false(value: object) -> bool:
    return value is False or (isinstance(value, BooleanView) and not value.value)


def is_boolean(value: object) -> bool:
    return isinstance(value, bool | BooleanView)


def _operand(other: object) -> _Real | None:
    """The Python number to compute with, or None: booleans are not numbers here (`true` is
    not `1` in JSON), and a plain Number is compared by value like a view."""
    if isinstance(other, bool):
        return None
    if isinstance(other, NumberView):
        return other.number
    if type(other) is Number:
        return jsonvalue.to_python(other)  # type: ignore[no-any-return]
    if isinstance(other, int | float | Decimal):
        return other
    return None


def _compare(view: NumberView, other: object, op: Callable[[Any, Any], bool]) -> bool:
    value = _operand(other)
    return NotImplemented if value is None else op(view.number, value)


def _arith(view: NumberView, other: object, op: Callable[[Any, Any], Any]) -> Any:
    value = _operand(other)
    return NotImplemented if value is None else op(view.number, value)


def to_view(value: JSON) -> Any:
    """Exact JSON with every Number replaced by a NumberView (containers are copied)."""
    kind = type(value)
    if kind is bool:
        return BooleanView(value)  # type: ignore[arg-type]
    if kind is Number:
        return NumberView(value.literal)  # type: ignore[union-attr]
    if kind is dict:
        return {key: to_view(item) for key, item in value.items()}  # type: ignore[union-attr]
    if kind is list:
        return [to_view(item) for item in value]  # type: ignore[union-attr]
    return value


def to_exact(value: Any) -> JSON:
    """What a template expression or JSONPath returned, as exact JSON: a view becomes the
    plain Number of its literal, Python numbers become Numbers (`7`, `2.5`), markup and other
    str subclasses plain str, mappings objects, and lists, tuples, ranges and generators
    (`| map(...)`) arrays. Anything else is a TypeError naming its type; NaN and infinities
    are a ValueError."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, BooleanView):
        return value.value
    if isinstance(value, Number):
        return Number(value.literal)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{value} is not representable in JSON")
    if isinstance(value, int | float | Decimal):
        return jsonvalue.from_python(value)
    if isinstance(value, Mapping):
        return {_key(key): to_exact(item) for key, item in value.items()}
    if isinstance(value, list | tuple | range | types.GeneratorType | Iterator):
        return [to_exact(item) for item in value]
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _key(key: object) -> str:
    if isinstance(key, str):
        return str(key)
    if isinstance(key, Number):
        return key.literal
    raise TypeError(f"object keys must be strings, not {type(key).__name__}")
