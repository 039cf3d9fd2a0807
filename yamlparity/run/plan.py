"""Cases x targets -> invocations: render stdin and HTTP requests from case data. No I/O.

Templates are Jinja2, sandboxed, with StrictUndefined. They see case data with numbers as
`numbers.NumberView`s (`n + 1`, `n == 7`, `| int`, `| sum` work by value; `{{ n }}` and `tojson`
print the exact literal), and what a `{{ expr }}` returns goes back to exact JSON. `tojson`
keeps the author's key order.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import StrictUndefined

from yamlparity.core import jsonvalue
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.core.numbers import is_boolean, is_false, is_true, to_exact, to_view
from yamlparity.core.sandbox import BoundedSandbox, guard
from yamlparity.spec.model import Case, RequestTemplate, Spec
from yamlparity.targets.base import Invocation, PreparedRequest

_NATIVE = re.compile(r"\A\s*\{\{(.*)\}\}\s*\Z", re.DOTALL)
# The default request body: the case's own input. Rendering it through Jinja costs ~15 us per
# case for the same result, so it is recognised and bypassed.
_CASE_INPUT = re.compile(r"\A\s*\{\{\s*case\.input\s*\}\}\s*\Z")


def _tojson(value: JSON) -> str:
    return jsonvalue.dumps(value, sort_keys=False)


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


# Seconds one stdin or request template may render for one case (they take microseconds).
CASE_TEMPLATE_SECONDS = 10.0


@lru_cache(maxsize=1)
def template_env() -> BoundedSandbox:
    # Bounded: one case's data cannot make a template build gigabytes (core.sandbox).
    env = BoundedSandbox(undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["tojson"] = _tojson_filter
    # Case booleans are BooleanViews: Jinja's own tests check `value is True`.
    env.tests.update(true=is_true, false=is_false, boolean=is_boolean)
    # Jinja's `integer`/`float` tests check Python types; a JSON number is either by its literal.
    env.tests.update(integer=_is_integer_number, float=_is_float_number)
    env.policies["json.dumps_function"] = None
    return env


@lru_cache(maxsize=4096)
def _compiled(source: str) -> Any:
    return template_env().from_string(source)


@lru_cache(maxsize=4096)
def _expression(source: str) -> Any:
    return template_env().compile_expression(source, undefined_to_none=False)


def context_for(case: Case) -> dict[str, Any]:
    """What a template sees: the case with its numbers as NumberViews (a copy of the input)."""
    return {"case": to_view({"name": case.name, "input": case.input, "vars": case.vars})}


class _Context:
    """One case's template context, built on first use: most requests render no template
    (plain paths, the default `{{ case.input }}` body), and the rest share one copy."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self._data: dict[str, Any] | None = None

    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = context_for(self.case)
        return self._data


def _is_template(source: str) -> bool:
    return "{{" in source or "{%" in source or "{#" in source


def render_text(source: str, case: Case | _Context) -> str:
    if not _is_template(source):
        return source  # plain text renders to itself: skip Jinja on the hot path
    context = case if isinstance(case, _Context) else _Context(case)
    with guard("the input template", CASE_TEMPLATE_SECONDS, memory=None):
        return str(_compiled(source).render(context.data()))


def render_native(value: JSON, case: Case | _Context) -> JSON:
    """Render a template structure; a string that is exactly `{{ expr }}` keeps its native
    value, converted back to exact JSON (a view keeps its literal, 7 becomes Number("7"))."""
    context = case if isinstance(case, _Context) else _Context(case)
    if isinstance(value, str):
        if _CASE_INPUT.match(value):
            return context.case.input
        match = _NATIVE.match(value)
        if match and "{{" not in match.group(1) and "}}" not in match.group(1):
            with guard("the input template", CASE_TEMPLATE_SECONDS, memory=None):
                return to_exact(_expression(match.group(1).strip())(**context.data()))
        return render_text(value, context)
    if isinstance(value, dict):
        return {key: render_native(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render_native(item, context) for item in value]
    return value


def stdin_for(spec: Spec, case: Case) -> bytes:
    if case.stdin is not None:
        return case.stdin.encode("utf-8")
    if spec.stdin is None:
        return _tojson(case.input).encode("utf-8")
    return render_text(spec.stdin, case).encode("utf-8")


def request_for(spec: Spec, case: Case) -> PreparedRequest:
    template = _merged_request(spec.request or RequestTemplate(), case.request)
    context = _Context(case)
    path = render_text(template["path"], context)
    query = {k: render_text(str(v), context) for k, v in template["query"].items()}
    if query:
        path += ("&" if "?" in path else "?") + urlencode(query, quote_via=quote)
    headers = {k: render_text(str(v), context) for k, v in template["headers"].items()}
    body: bytes | None
    if template["body"] is not None:
        body = render_text(template["body"], context).encode("utf-8")
    elif template["has_json"]:
        body = _tojson(render_native(template["json"], context)).encode("utf-8")
        headers = _with_default_header(headers, "Content-Type", "application/json")
    else:
        body = None
    return PreparedRequest(method=template["method"].upper(), path=path, headers=headers, body=body)


def _merged_request(base: RequestTemplate, override: dict[str, Any] | None) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "method": base.method,
        "path": base.path,
        "query": dict(base.query),
        "headers": dict(base.headers),
        "json": base.json if base.has_json else "{{ case.input }}",
        "has_json": True,
        "body": base.body,
    }
    if base.body is not None and not base.has_json:
        merged["has_json"] = False
    for key, value in (override or {}).items():
        if key in ("query", "headers"):
            merged[key].update(value)
        elif key == "json":
            merged.update(json=value, has_json=True, body=None)
        elif key == "body":
            merged.update(body=value, has_json=False)
        else:
            merged[key] = value
    return merged


def _with_default_header(headers: dict[str, str], name: str, value: str) -> dict[str, str]:
    if any(key.lower() == name.lower() for key in headers):
        return headers
    return {**headers, name: value}


def invocation_for(spec: Spec, case: Case) -> Invocation:
    if spec.kind == "command":
        return Invocation(case=case, stdin=stdin_for(spec, case))
    return Invocation(case=case, request=request_for(spec, case))
