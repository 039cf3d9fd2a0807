"""HTTP targets and requests refused at load when every case would fail or mislead: a url the
request path cannot be appended to, a path without its `/`, `port: auto` with nothing to start,
two services on one port, a method that is a typo; and a url pointed at a running server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import write_spec
from yamlparity.core.errors import Location, SpecError
from yamlparity.run.plan import request_for
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Case, HttpTarget

SERVICES = """\
targets:
  python:
    url: "${PY_GW:-http://127.0.0.1:${port}}"
    port: auto
    service: {run: [python3, server.py, "${port}"], ready: {http: /health}}
  node:
    url: "http://127.0.0.1:${port}"
    port: auto
    service: {run: [node, server.js, "${port}"]}
cases: [{name: c, input: 1}]
"""


def error_of(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> str:
    path = write_spec(tmp_path, "s.yaml", text)
    with pytest.raises(SpecError) as info:
        load_spec(path, environ=environ or {})
    return info.value.render().replace(str(path), "s.yaml")


def two_targets(python: str, extra: str = "") -> str:
    return (
        f"targets:\n  python: {python}\n  node: {{url: 'http://127.0.0.1:2'}}\n"
        "cases: [{name: c, input: 1}]\n" + extra
    )


# -- a variable pointing a target at a server already running


def test_a_set_variable_points_the_target_at_a_running_server(tmp_path: Path) -> None:
    path = write_spec(tmp_path, "s.yaml", SERVICES)
    spec = load_spec(path, {"PY_GW": "http://127.0.0.1:18098"}, {})
    python, node = spec.targets["python"], spec.targets["node"]
    assert isinstance(python, HttpTarget) and isinstance(node, HttpTarget)
    # Nothing to start and no port to choose: the server is the one at PY_GW.
    assert python.url == "http://127.0.0.1:18098"
    assert python.service is None and python.port is None
    assert node.service is not None and node.port == "auto"


@pytest.mark.parametrize("environ", [{}, {"PY_GW": ""}])
def test_unset_or_empty_the_target_starts_its_own_server(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    spec = load_spec(write_spec(tmp_path, "s.yaml", SERVICES), environ=environ)
    python = spec.targets["python"]
    assert isinstance(python, HttpTarget)
    assert python.url == "http://127.0.0.1:${port}" and python.port == "auto"
    assert python.service is not None and python.service.run == ("python3", "server.py", "${port}")


# -- the url and the path are joined as text


def test_a_query_in_the_url_is_refused_at_the_question_mark(tmp_path: Path) -> None:
    text = two_targets("{url: 'http://127.0.0.1:18095/api?k=1'}")
    assert error_of(tmp_path, text) == (
        "error: target 'python': the url has a query ('?k=1'); each case's request path is "
        "appended to the url, so it would land inside it\n"
        "  --> s.yaml:2:44 (at targets.python.url)\n"
        "  |\n"
        "2 |   python: {url: 'http://127.0.0.1:18095/api?k=1'}\n"
        "  | " + " " * 43 + "^\n"
        '  = hint: move it to `request.query: {k: "1"}` (or the path); keep the url to '
        "scheme://host:port and an optional base path"
    )


def test_a_credential_in_the_url_query_is_not_printed(tmp_path: Path) -> None:
    url = "{url: 'http://127.0.0.1:1/api?api_key=${GW_KEY}&v=2'}"
    text = error_of(tmp_path, two_targets(url), {"GW_KEY": "s3cret-value"})
    assert "s3cret-value" not in text
    assert "the url has a query ('?api_key=***&v=2')" in text
    assert '`request.query: {api_key: ${SECRET}, v: "2"}`' in text


def test_a_fragment_in_the_url_is_refused(tmp_path: Path) -> None:
    text = error_of(tmp_path, two_targets("{url: 'http://127.0.0.1:1/#top'}"))
    assert text.startswith("error: target 'python': the url has a fragment ('#top')")
    assert "s.yaml:2:37 (at targets.python.url)" in text
    assert "= hint: drop it: a fragment is never sent to a server" in text


def test_a_query_from_a_variable_points_at_the_value(tmp_path: Path) -> None:
    """The column of the `?` is only known when the url is written out in the file."""
    text = error_of(tmp_path, two_targets("{url: '${GW}'}"), {"GW": "http://h:1/?k=1"})
    assert "the url has a query ('?k=1')" in text
    assert "s.yaml:2:18 (at targets.python.url)" in text  # the value's first character


def test_a_url_without_an_http_scheme_has_a_hint(tmp_path: Path) -> None:
    text = error_of(tmp_path, two_targets("{url: 'htp://127.0.0.1:1'}"))
    assert text == (
        "error: target 'python': url must start with http:// or https://\n"
        "  --> s.yaml:2:17 (at targets.python.url)\n"
        "  |\n"
        "2 |   python: {url: 'htp://127.0.0.1:1'}\n"
        "  |                 ^\n"
        "  = hint: 'htp' is not a scheme yamlparity speaks; write the server's address: "
        'url: "http://127.0.0.1:8080" or "https://api.example.com"'
    )


@pytest.mark.parametrize(
    ("request_yaml", "where", "shown"),
    [
        ("request: {path: health}", "4:17 (at request.path)", "'health'"),
        ("request: {path: 'v1/{{ case.name }}'}", "4:17 (at request.path)", "'v1/{{ case.name }}'"),
        ("request: {path: ''}", "4:17 (at request.path)", "''"),
        (
            "cases: [{name: c, input: 1, request: {path: x}}]",
            "4:45 (at cases[0].request.path)",
            "'x'",
        ),
    ],
)
def test_a_request_path_without_its_slash_is_refused(
    tmp_path: Path, request_yaml: str, where: str, shown: str
) -> None:
    text = "targets:\n  a: {url: 'http://127.0.0.1:1'}\n  b: {url: 'http://127.0.0.1:2'}\n"
    text += request_yaml + "\n"
    if not request_yaml.startswith("cases"):
        text += "cases: [{name: c, input: 1}]\n"
    rendered = error_of(tmp_path, text)
    assert rendered.startswith(f"error: the request path {shown} does not start with /")
    assert f"--> s.yaml:{where}" in rendered
    assert '= hint: write "/' in rendered


@pytest.mark.parametrize(
    "path_yaml",
    ["/v1/x", "'/{{ case.name }}'", "'{{ case.input.path }}'", "'{% if 1 %}/a{% endif %}'"],
)
def test_paths_that_start_with_a_slash_or_a_template_load(tmp_path: Path, path_yaml: str) -> None:
    text = two_targets("{url: 'http://127.0.0.1:1/api'}", f"request: {{path: {path_yaml}}}\n")
    assert load_spec(write_spec(tmp_path, "s.yaml", text), environ={}).request is not None


def test_a_path_rendered_per_case_without_its_slash_is_that_case_s_error(tmp_path: Path) -> None:
    text = two_targets("{url: 'http://127.0.0.1:1'}", "request: {path: '{{ case.input }}'}\n")
    spec = load_spec(write_spec(tmp_path, "s.yaml", text), environ={})
    assert request_for(spec, Case("ok", Location("s.yaml"), "/health")).path == "/health"
    with pytest.raises(ValueError, match="does not start with /") as info:
        request_for(spec, Case("bad", Location("s.yaml"), "health"))
    assert "the request path 'health' (from '{{ case.input }}')" in str(info.value)
    assert '"/{{ case.input }}"' in str(info.value)


@pytest.mark.parametrize(
    ("request_yaml", "part"),
    [
        ("request: {query: {k: '{{ case.input.k }}'}}", "query.k"),
        ("request: {headers: {X-K: '{{ case.input.k }}'}}", "headers.X-K"),
        ("request: {method: POST, body: '{{ case.input.k }}'}", "body"),
        ("request: {method: POST, json: {k: '{{ case.input.k }}'}}", "json"),
        ("request: {path: '/{{ case.input.k }}'}", "path"),
    ],
)
def test_a_template_a_case_cannot_fill_names_its_part_of_the_request(
    tmp_path: Path, request_yaml: str, part: str
) -> None:
    """A new-user trial: the spec's `query: {k: ...}` rendered for a case whose input had no
    `k` said only "could not render the input"; a case's own query adds to the spec's."""
    text = two_targets("{url: 'http://127.0.0.1:1'}", request_yaml + "\n")
    spec = load_spec(write_spec(tmp_path, "s.yaml", text), environ={})
    assert request_for(spec, Case("has", Location("s.yaml"), {"k": "v"})) is not None
    with pytest.raises(ValueError) as info:
        request_for(spec, Case("lacks", Location("s.yaml"), {"id": 7}))
    assert str(info.value).startswith(f"request.{part}: "), info.value
    assert "'k'" in str(info.value)


def test_a_case_s_query_adds_to_the_spec_s(tmp_path: Path) -> None:
    text = two_targets("{url: 'http://127.0.0.1:1'}", "request: {query: {a: '1', b: '2'}}\n")
    spec = load_spec(write_spec(tmp_path, "s.yaml", text), environ={})
    case = Case(
        "c", Location("s.yaml"), None, request={"path": "/x", "query": {"b": "3", "c": "4"}}
    )
    assert request_for(spec, case).path == "/x?a=1&b=3&c=4"


# -- ports


def test_port_auto_without_a_service_is_refused(tmp_path: Path) -> None:
    text = two_targets("{url: 'http://127.0.0.1:${port}', port: auto}")
    rendered = error_of(tmp_path, text)
    assert rendered.startswith(
        "error: target 'python': `port: auto` chooses a free port for a service yamlparity "
        "starts, and this target has no `service:` (nothing would listen on it)\n"
        "  --> s.yaml:2:45 (at targets.python.port)"
    )
    assert "= hint: for a server that is already running, write its port in the url" in rendered


def test_two_services_on_one_fixed_port_are_refused(tmp_path: Path) -> None:
    text = """\
    targets:
      a: {url: "http://127.0.0.1:${port}", port: 18090, service: {run: [./a, "${port}"]}}
      b: {url: "http://127.0.0.1:${port}", port: 18090, service: {run: [./b, "${port}"]}}
    cases: [{name: c, input: 1}]
    """
    rendered = error_of(tmp_path, text)
    assert rendered.startswith(
        "error: targets 'a' and 'b' both start a service on port 18090: the second cannot "
        "listen there, and the first would answer for both\n"
        "  --> s.yaml:3:46 (at targets.b.port)"
    )
    assert "= hint: give each service its own port, or `port: auto`" in rendered


def test_a_target_pointed_at_another_targets_service_is_refused(tmp_path: Path) -> None:
    text = """\
    targets:
      a: {url: "http://127.0.0.1:${port}", port: 18090, service: {run: [./a, "${port}"]}}
      b: {url: "http://localhost:18090"}
    cases: [{name: c, input: 1}]
    """
    rendered = error_of(tmp_path, text)
    assert rendered.startswith(
        "error: target 'b' points at port 18090, where target 'a' starts its service: one "
        "server would answer both, and every case would match\n"
        "  --> s.yaml:3:12 (at targets.b.url)"
    )
    # Two versions of an API on one server are two implementations: a base path, a header.
    for other in ('"http://localhost:18090/v2"', '"http://127.0.0.1:18090", headers: {v: "2"}'):
        loaded = write_spec(tmp_path, "s.yaml", text.replace('"http://localhost:18090"', other))
        assert len(load_spec(loaded, environ={}).targets) == 2


def test_services_on_their_own_ports_load(tmp_path: Path) -> None:
    text = """\
    targets:
      a: {url: "http://127.0.0.1:${port}", port: 18090, service: {run: [./a, "${port}"]}}
      b: {url: "http://127.0.0.1:${port}", port: 18091, service: {run: [./b, "${port}"]}}
      c: {url: "http://127.0.0.1:${port}", port: auto, service: {run: [./c, "${port}"]}}
      d: {url: "http://127.0.0.1:${port}", port: auto, service: {run: [./d, "${port}"]}}
    cases: [{name: c, input: 1}]
    """
    assert len(load_spec(write_spec(tmp_path, "s.yaml", text), environ={}).targets) == 4


# -- methods


@pytest.mark.parametrize(
    ("method", "message", "hint"),
    [
        (
            "get",
            "HTTP method 'get' is not in capitals: methods are case-sensitive",
            "write 'GET' (the standard methods: GET, HEAD, POST, PUT, DELETE, CONNECT, "
            "OPTIONS, TRACE, PATCH)",
        ),
        ("'GET '", "HTTP method 'GET ' has spaces around it", "write 'GET'"),
        ("1GET", "'1GET' is not an HTTP method", "a custom one such as PURGE or M-SEARCH"),
        (
            "m-search",
            "HTTP method 'm-search' is not in capitals: methods are case-sensitive",
            "write 'M-SEARCH'",
        ),
        ("GTE", "HTTP method 'GTE' is not a standard method: did you mean 'GET'?", "PATCH"),
        ("POTS", "HTTP method 'POTS' is not a standard method: did you mean 'POST'?", "custom"),
        ("DELET", "HTTP method 'DELET' is not a standard method: did you mean 'DELETE'?", ""),
    ],
)
def test_a_wrong_method_names_the_right_one(
    tmp_path: Path, method: str, message: str, hint: str
) -> None:
    text = two_targets("{url: 'http://127.0.0.1:1'}", f"request: {{method: {method}}}\n")
    rendered = error_of(tmp_path, text)
    assert rendered.startswith(f"error: {message}\n  --> s.yaml:5:19 (at request.method)")
    assert hint in rendered.split("= hint: ")[1]


def test_a_case_s_method_is_checked_too(tmp_path: Path) -> None:
    text = two_targets("{url: 'http://127.0.0.1:1'}").replace(
        "input: 1}", "input: 1, request: {method: PTACH}}"
    )
    rendered = error_of(tmp_path, text)
    assert "did you mean 'PATCH'?" in rendered
    assert "(at cases[0].request.method)" in rendered


@pytest.mark.parametrize(
    "method",
    ["PURGE", "PROPFIND", "SEARCH", "QUERY", "LINK", "PUSH", "M-SEARCH", "BASELINE-CONTROL"],
)
def test_custom_and_registered_methods_load(tmp_path: Path, method: str) -> None:
    text = two_targets("{url: 'http://127.0.0.1:1'}", f"request: {{method: {method}}}\n")
    spec = load_spec(write_spec(tmp_path, "s.yaml", text), environ={})
    assert spec.request is not None and spec.request.method == method
