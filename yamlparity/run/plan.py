"""Cases x targets -> invocations: render stdin, argv and HTTP requests from case data. No I/O.

Templates (spec/templates.py) see `case` (`case.name`, `case.input`, `case.vars`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from yamlparity.core import jsonvalue
from yamlparity.core.jsonvalue import JSON
from yamlparity.core.numbers import to_view
from yamlparity.spec import templates
from yamlparity.spec.model import Case, RequestTemplate, Spec
from yamlparity.targets.base import Invocation, PreparedRequest

# The default request body: the case's own input. Rendering it through Jinja costs ~15 us per
# case for the same result, so it is recognised and bypassed.
_CASE_INPUT = re.compile(r"\A\s*\{\{\s*case\.input\s*\}\}\s*\Z")


def _tojson(value: JSON) -> str:
    return jsonvalue.dumps(value, sort_keys=False)


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


def render_text(source: str, case: Case | _Context) -> str:
    context = case if isinstance(case, _Context) else _Context(case)
    return templates.render_text(source, context.data)


def render_native(value: JSON, case: Case | _Context) -> JSON:
    """Render a template structure against the case (see templates.render_native)."""
    context = case if isinstance(case, _Context) else _Context(case)
    if isinstance(value, str) and _CASE_INPUT.match(value):
        return context.case.input
    if isinstance(value, dict):
        return {key: render_native(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render_native(item, context) for item in value]
    return templates.render_native(value, context.data)


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


def argv_for(spec: Spec, case: Case) -> dict[str, tuple[str, ...]]:
    """The argv of each command target whose `run` holds templates, rendered for `case`: each
    element stays one argument, whatever it renders to (no shell ever sees it)."""
    rendered: dict[str, tuple[str, ...]] = {}
    context: _Context | None = None
    for name, target in spec.targets.items():
        if target.kind != "command" or not target.templated:
            continue
        context = context or _Context(case)
        assert not isinstance(target.run, str)
        rendered[name] = tuple(render_text(arg, context) for arg in target.run)
    return rendered


def invocation_for(spec: Spec, case: Case) -> Invocation:
    if spec.kind == "command":
        return Invocation(case=case, stdin=stdin_for(spec, case), argv=argv_for(spec, case))
    return Invocation(case=case, request=request_for(spec, case))
