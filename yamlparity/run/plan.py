"""Cases x targets -> invocations: render stdin, argv and HTTP requests from case data. No I/O.

Templates (spec/templates.py) see `case` (`case.name`, `case.input`, `case.vars`).
"""

from __future__ import annotations

import re
from typing import Any

from yamlparity.core import jsonvalue
from yamlparity.core.jsonvalue import JSON
from yamlparity.core.numbers import to_view
from yamlparity.spec import templates
from yamlparity.spec.model import Case, RequestTemplate, Spec
from yamlparity.targets.base import Invocation, PreparedRequest

# Methods that carry no body unless the request gives one (`json:` or `body:`).
BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
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
    """The case's request; a template that fails names its part (`request.query.k: 'dict
    object' has no attribute 'k'`): the spec's templates render for every case, beside the
    case's own overrides, and "the input" alone did not say which one failed."""
    template = _merged_request(spec.request or RequestTemplate(), case.request)
    where: list[str] = []
    try:
        return _rendered_request(template, _Context(case), where)
    except Exception as exc:
        raise ValueError(f"request.{'.'.join(where)}: {exc}") from exc


def _rendered_request(
    template: dict[str, Any], context: _Context, where: list[str]
) -> PreparedRequest:
    """`where` holds the part being rendered, for the caller's message."""
    where[:] = ["path"]
    path = encode_target(_rendered_path(template["path"], context))
    query: dict[str, str] = {}
    for key, value in template["query"].items():
        where[:] = ["query", key]
        query[key] = render_text(str(value), context)
    if query:
        path += ("&" if "?" in path else "?") + encode_query(query)
    headers: dict[str, str] = {}
    for key, value in template["headers"].items():
        where[:] = ["headers", key]
        headers[key] = render_text(str(value), context)
    method = template["method"].upper()
    body: bytes | None
    mode = template["body_mode"]
    if mode == "default":
        # No body where HTTP gives the method none by convention; the case input elsewhere.
        mode = "none" if method in BODYLESS_METHODS else "json"
    where[:] = ["body"] if mode == "text" else ["json"]
    if mode == "text":
        body = render_text(template["body"], context).encode("utf-8")
    elif mode == "json":
        body = _tojson(render_native(template["json"], context)).encode("utf-8")
        headers = _with_default_header(headers, "Content-Type", "application/json")
    else:
        body = None
    return PreparedRequest(method=method, path=path, headers=headers, body=body)


def _rendered_path(source: str, context: _Context) -> str:
    """The path, which the target appends to its url as text: a template whose start is only
    known per case (`{{ case.input.path }}`) must still render to `/...` (the load checks the
    rest)."""
    path = render_text(source, context)
    if not path.startswith("/"):
        shown = path if len(path) <= 60 else path[:57] + "..."
        raise ValueError(
            f"the request path {shown!r} (from {source!r}) does not start with /, and it is "
            f'appended to each target\'s url; start the template with /: "/{source}"'
        )
    return path


def _merged_request(base: RequestTemplate, override: dict[str, Any] | None) -> dict[str, Any]:
    """The spec's request with a case's overrides; `body_mode` says where the body comes from:
    json, text, none (`body: null`), or default (decided by the method)."""
    mode = "json" if base.has_json else "text" if base.body is not None else "default"
    merged: dict[str, Any] = {
        "method": base.method,
        "path": base.path,
        "query": dict(base.query),
        "headers": dict(base.headers),
        "json": base.json if base.has_json else "{{ case.input }}",
        "body": base.body,
        "body_mode": "none" if base.no_body else mode,
    }
    for key, value in (override or {}).items():
        if key == "headers":
            merged[key] = override_headers(merged[key], value)
        elif key == "query":
            merged[key].update(value)
        elif key == "json":
            merged.update(json=value, body=None, body_mode="json")
        elif key == "body":
            merged.update(body=value, body_mode="none" if value is None else "text")
        else:
            merged[key] = value
    return merged


def override_headers(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`base` with `override`'s headers replacing any of the same name in another letter case
    (HTTP header names are case-insensitive: `X-TEAM` replaces `x-team`, never joins it); the
    override's spelling is sent, in the place of the header it replaced."""
    by_name = {name.lower(): name for name in override}
    merged: dict[str, Any] = {}
    for name, value in base.items():
        if name.lower() in by_name:
            name = by_name.pop(name.lower())
            value = override[name]
        merged[name] = value
    merged.update((name, override[name]) for name in by_name.values())
    return merged


# What a URL path and query keep as they are (RFC 3986 unreserved and sub-delims, `:@/?`, and
# `[]` as requests keeps them); every other byte of the UTF-8 text is percent-encoded, as
# requests does and curl's URL parser expects. `#` is data here, never a fragment: %23.
_URL_KEPT = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?[]"
)
_PLAIN_URL = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?\[\]]*\Z")
_HEX = frozenset(b"0123456789abcdefABCDEF")


# A `query:` key or value is one parameter: the bytes that would split it (`&`, `=`) or read
# as a space (`+`, in form-style queries) are encoded too; the rest as in a path.
_QUERY_KEPT = _URL_KEPT - frozenset(b"&=+")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9\-._~!$'()*,;:@/?\[\]]*\Z")


def encode_query(query: dict[str, str]) -> str:
    """`query:` as sent: `k=v&...`, each key and value encoded as a path is (an existing `%XX`
    kept: `x%20y` is sent as written, the author's escape) and its `&`, `=`, `+` as well."""
    return "&".join(
        f"{_encode(key, _QUERY_KEPT, _PLAIN_QUERY)}={_encode(value, _QUERY_KEPT, _PLAIN_QUERY)}"
        for key, value in query.items()
    )


def encode_target(text: str) -> str:
    """A rendered path (and query) as sent: non-ASCII as percent-encoded UTF-8 (`é` -> %C3%A9),
    spaces and control characters percent-encoded, an existing `%XX` kept, a lone `%` as %25."""
    return _encode(text, _URL_KEPT, _PLAIN_URL)


def _encode(text: str, kept: frozenset[int], plain: re.Pattern[str]) -> str:
    if plain.match(text):
        return text  # the usual case: nothing to do
    data = text.encode("utf-8", "surrogatepass")
    out: list[str] = []
    for index, byte in enumerate(data):
        if byte in kept:
            out.append(chr(byte))
        elif byte == 0x25 and _is_escape(data, index):
            out.append("%")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def _is_escape(data: bytes, index: int) -> bool:
    pair = data[index + 1 : index + 3]
    return len(pair) == 2 and all(byte in _HEX for byte in pair)


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
        rendered[name] = tuple(_argument(render_text(arg, context)) for arg in target.run)
    return rendered


def _argument(text: str) -> str:
    """A rendered argument a program can be given, or why not (the OS takes NUL-ended UTF-8
    bytes; Python's own errors would reach the report as a codec or `embedded null byte`)."""
    if "\x00" in text:
        raise ValueError(f"the argument {text!r} holds a NUL byte, which no argument can carry")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"the argument {text!r} holds a lone surrogate (a \\uD800-\\uDFFF escape), "
            "which has no UTF-8 bytes"
        ) from None
    return text


def invocation_for(spec: Spec, case: Case) -> Invocation:
    if spec.kind == "command":
        return Invocation(case=case, stdin=stdin_for(spec, case), argv=argv_for(spec, case))
    if spec.kind == "mixed":  # the same case: stdin for the commands, a request for HTTP
        return Invocation(
            case=case,
            stdin=stdin_for(spec, case),
            request=request_for(spec, case),
            argv=argv_for(spec, case),
        )
    return Invocation(case=case, request=request_for(spec, case))
