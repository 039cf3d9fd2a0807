"""JSONPath (jsonpath-ng) over exact JSON: the path language of `expect:` checks.

jsonpath-ng runs over a numeric view of the value (`numbers.to_view`), so filters compare
numbers by value (`[?(@.id == 1)]` finds `1` and `1.0`) and never a boolean as a number; what it
finds goes back to exact JSON.
"""

from __future__ import annotations

import operator
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from yamlparity.core.jsonvalue import JSON
from yamlparity.core.numbers import to_exact, to_view

# A comparison with a bare `null`: jsonpath-ng reads it as the string "null" (it has no null).
_BARE_NULL = re.compile(r"(?:==|!=|<=|>=|<|>|=)\s*null\b")

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@lru_cache(maxsize=512)
def compile_path(text: str) -> Any:
    """Parse a JSONPath; raises ValueError with jsonpath-ng's message, or for a form that
    would silently test something else."""
    if _BARE_NULL.search(text):
        raise ValueError(
            'jsonpath-ng has no null literal: a bare `null` in a filter is the string "null" '
            "(quote it if that is meant; to test for null, point `path` at the field and use "
            "`equals: null`)"
        )
    try:
        tree = _parse(text)
    except Exception as exc:  # jsonpath-ng raises bare Exception subclasses of several kinds
        raise ValueError(str(exc)) from None
    _exact_filters(tree, set())
    return tree


_parser_lock = threading.Lock()


@lru_cache(maxsize=1)
def _parser() -> Any:
    """One jsonpath-ng parser for the process. `jsonpath_ng.ext.parse` makes a new one per
    call, and each builds PLY's LALR tables again (write_tables=0): measured ~20 ms a path, a
    spec with 50 `expect:` paths spent a second loading; a parse with the built tables is ~0.5
    ms."""
    from jsonpath_ng.ext.parser import ExtendedJsonPathParser

    return ExtendedJsonPathParser()


def _parse(text: str) -> Any:
    # A fresh lexer per parse (jsonpath-ng's own default); PLY mirrors each parse's stacks and
    # error flag on the shared parser object, for grammar rules: one parse at a time.
    parser = _parser()
    with _parser_lock:
        return parser.parse(text)


def _exact_filters(node: Any, seen: set[int]) -> None:
    """Give every filter expression in the parsed tree our comparison (see _Comparison)."""
    from jsonpath_ng import JSONPath
    from jsonpath_ng.ext.filter import Expression

    if id(node) in seen:
        return
    seen.add(id(node))
    if type(node) is Expression:
        node.__class__ = _comparison_class()
    for child in vars(node).values() if hasattr(node, "__dict__") else ():
        for item in child if isinstance(child, list | tuple) else (child,):
            if isinstance(item, JSONPath):
                _exact_filters(item, seen)


@lru_cache(maxsize=1)
def _comparison_class() -> type:
    from jsonpath_ng.ext.filter import Expression
    from jsonpath_ng.jsonpath import DatumInContext

    # Untyped in older jsonpath-ng (subclassing Any), typed in newer ones: ignore either way.
    class _Comparison(Expression):  # type: ignore[misc, unused-ignore]
        """jsonpath-ng's filter expression without its coercion: for an integer literal it
        calls int() on each value, so `@.id == 1` also took `true`, `"1"` and `1.5`. Here
        views compare by value and values of other types simply do not compare."""

        def find(self, datum: Any) -> list[Any]:
            found = self.target.find(DatumInContext.wrap(datum))
            if not found or self.op is None:
                return found  # type: ignore[no-any-return, unused-ignore]
            return [item for item in found if _holds(self.op, item.value, self.value)]

    return _Comparison


def _holds(op: str, value: Any, wanted: Any) -> bool:
    if op == "=~":
        return isinstance(value, str) and isinstance(wanted, str) and bool(re.search(wanted, value))
    try:
        return bool(_ORDER[op](value, wanted))
    except TypeError:  # `"a" < 1`: values of different kinds are not ordered
        return False


def find(path: str, value: JSON) -> list[JSON]:
    """Every value at `path`, as exact JSON."""
    return [to_exact(match.value) for match in compile_path(path).find(to_view(value))]
