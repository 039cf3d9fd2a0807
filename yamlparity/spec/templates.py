"""Sandboxed Jinja2 templates over exact JSON: what stdin, requests, argv and fixture-row
mappings are written in.

Templates see data with numbers as `numbers.NumberView`s (`n + 1`, `n == 7`, `| int`, `| sum`
work by value; `{{ n }}` and `tojson` print the exact literal), and what a `{{ expr }}` returns
goes back to exact JSON; inside text a `{{ expr }}` prints null, objects and arrays as
JSON text (`_as_text`). `tojson` keeps the author's key order. StrictUndefined: a misspelled
name is an error, never an empty string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Undefined

from yamlparity.core import jsonvalue
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.core.numbers import is_boolean, is_false, is_true, to_exact
from yamlparity.core.sandbox import BoundedSandbox, guard

# A string that is exactly one `{{ expression }}`: its value is kept native (objects stay objects).
NATIVE = re.compile(r"\A\s*\{\{(.*)\}\}\s*\Z", re.DOTALL)

# The data a template sees, built on first use (most values render no template at all).
Data = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def _tojson_filter(value: Any, indent: int | None = None) -> str:
    # Template values hold NumberViews (and may be Python numbers): exact JSON first.
    return jsonvalue.dumps(to_exact(value), indent=indent, sort_keys=False)


def _is_integer_number(value: Any) -> bool:
    if isinstance(value, Number):
        return value.is_integer_literal
    return isinstance(value, int) and not isinstance(value, bool)


def _is_float_number(value: Any) -> bool:
    if isinstance(value, Number):
        return not value.is_integer_literal
    return isinstance(value, float)


def _as_text(value: Any) -> Any:
    """What a `{{ expr }}` inside text prints: null, objects and arrays as JSON text (`null`,
    `{"a":null}`), since targets read JSON, never Python's `None` or a dict's repr; the rest
    as it prints (a string its own text, a number its literal, a JSON boolean `true`; a
    computed `n > 3` stays Python's `True`, as before)."""
    if value is None:
        return "null"
    if isinstance(value, Mapping | list | tuple):
        try:
            return _tojson_filter(value)
        except (TypeError, ValueError):
            return value  # holds something JSON has no text for: Jinja prints it
    return value


# Seconds one stdin, request or argument template may render for one case (they take
# microseconds); past it the case is an ERROR (core.sandbox.guard).
CASE_TEMPLATE_SECONDS = 10.0


@lru_cache(maxsize=1)
def template_env() -> BoundedSandbox:
    # Bounded: one case's data cannot make a template build gigabytes (core.sandbox).
    env = BoundedSandbox(undefined=StrictUndefined, keep_trailing_newline=True, finalize=_as_text)
    env.filters["tojson"] = _tojson_filter
    # Booleans are BooleanViews: Jinja's own tests check `value is True`.
    env.tests.update(true=is_true, false=is_false, boolean=is_boolean)
    # Jinja's `integer`/`float` tests check Python types; a JSON number is either by its literal.
    env.tests.update(integer=_is_integer_number, float=_is_float_number)
    env.policies["json.dumps_function"] = None
    return env


@lru_cache(maxsize=4096)
def compiled(source: str) -> Any:
    return template_env().from_string(source)


@lru_cache(maxsize=4096)
def expression(source: str) -> Any:
    return template_env().compile_expression(source, undefined_to_none=False)


def is_template(source: str) -> bool:
    return "{{" in source or "{%" in source or "{#" in source


def _data(data: Data) -> Mapping[str, Any]:
    return data() if callable(data) else data


def render_text(source: str, data: Data) -> str:
    if not is_template(source):
        return source  # plain text renders to itself: skip Jinja on the hot path
    with guard("the input template", CASE_TEMPLATE_SECONDS, memory=None):
        return str(compiled(source).render(_data(data)))


def native_expression(source: str) -> str | None:
    """The expression of a string that is exactly `{{ expr }}`, else None."""
    match = NATIVE.match(source)
    if match and "{{" not in match.group(1) and "}}" not in match.group(1):
        return match.group(1).strip()
    return None


def render_native(value: JSON, data: Data) -> JSON:
    """Render a template structure; a string that is exactly `{{ expr }}` keeps its native
    value, converted back to exact JSON (a view keeps its literal, 7 becomes Number("7"))."""
    if isinstance(value, str):
        source = native_expression(value)
        if source is not None:
            with guard("the input template", CASE_TEMPLATE_SECONDS, memory=None):
                found = expression(source)(**_data(data))
                if isinstance(found, Undefined):
                    found._fail_with_undefined_error()  # the message a text template gives
                return to_exact(found)
        return render_text(value, data)
    if isinstance(value, dict):
        return {key: render_native(item, data) for key, item in value.items()}
    if isinstance(value, list):
        return [render_native(item, data) for item in value]
    return value
