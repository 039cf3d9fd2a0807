"""HAR files: entries as cases (headers, body, literal values, filters), responses as answers,
and errors that point into the file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import TESTS
from yamlparity.core.errors import SpecError
from yamlparity.run.plan import render_text
from yamlparity.spec.har import HarFilter, har_cases, literal, parse_filter, read_har
from yamlparity.spec.model import Case

EXAMPLES = TESTS / "e2e" / "har" / "spec_examples.har"
CHROMIUM = TESTS / "e2e" / "har" / "chromium.har"


def _har(tmp_path: Path, entries: list[dict[str, Any]], name: str = "t.har") -> Path:
    path = tmp_path / name
    doc = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}}
    path.write_text(json.dumps(doc, indent=1), "utf-8")
    return path


def _entry(
    method: str = "GET",
    url: str = "http://h.example/a/b?x=1",
    headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
    status: int = 200,
    content: dict[str, Any] | None = None,
    response_headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
    **request: Any,
) -> dict[str, Any]:
    return {
        "startedDateTime": "2026-01-01T00:00:00Z",
        "time": 1,
        "request": {
            "method": method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": n, "value": v} for n, v in headers],
            "queryString": [],
            "headersSize": -1,
            "bodySize": -1,
            **request,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": n, "value": v} for n, v in response_headers],
            "content": content if content is not None else {"size": 2, "text": "{}"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }


def test_the_spec_examples_become_two_cases() -> None:
    har = read_har(EXAMPLES, "spec_examples.har")
    assert har.provenance() == (
        "HAR 1.2 by Firebug 1.6 (Firefox 3.6), 2 entries, the first at 2009-04-16T12:07:23.596Z"
    )
    get, post = har_cases(har, HarFilter())
    assert get.name == "spec_examples-000-get-path"
    assert str(get.location) == "spec_examples.har:16:7"
    assert get.request == {
        "method": "GET",
        "path": "/path/?param=value",
        "headers": {"Accept-Language": "en-us,en;q=0.5"},
        "body": None,
    }
    assert get.input == {"method": "GET", "url": "http://www.example.com/path/?param=value"}
    assert post.request == {
        "method": "POST",
        "path": "/path/",
        "headers": {"Content-Type": "multipart/form-data"},
        "body": "plain posted data",
    }


def test_the_spec_examples_answer_with_their_content() -> None:
    har = read_har(EXAMPLES, "spec_examples.har")
    first = har.answer("spec_examples-000-get-path")
    assert first is not None and first.status == 200 and first.headers == {}
    # The spec's base64 example, decoded (it ends in a backslash and an n, as written there).
    assert first.stdout == b"<html><head></head><body/></html>\\n"
    second = har.answer("spec_examples-001-post-path")
    assert second is not None and second.stdout == b"\n"
    assert har.answer("nope") is None


def test_request_headers_without_hop_by_hop_credentials_and_pseudo_headers(
    tmp_path: Path,
) -> None:
    headers = [
        (":authority", "h.example"),
        ("Host", "h.example"),
        ("Connection", "keep-alive, X-Hop"),
        ("X-Hop", "1"),
        ("Keep-Alive", "timeout=5"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Length", "2"),
        ("Accept-Encoding", "gzip, br"),
        ("Authorization", "Bearer t"),
        ("Cookie", "a=b"),
        ("X-Api-Key", "k"),
        ("Accept", "application/json"),
        ("accept", "text/plain"),
        ("X-Trace", "{{ not a template }}"),
    ]
    har = read_har(_har(tmp_path, [_entry(headers=headers)]), "t.har")
    (case,) = har_cases(har, HarFilter())
    assert case.request is not None
    assert case.request["headers"] == {
        "Accept": "application/json, text/plain",
        "X-Trace": "{{ '{' }}{{ '{' }} not a template }}",
    }
    rendered = render_text(case.request["headers"]["X-Trace"], case)
    assert rendered == "{{ not a template }}"


@pytest.mark.parametrize(
    "text",
    ["plain", "{{ case.input }}", "{% raw %}", "{# c #}", '{"a": "{{x}}"}', "}} {{", "{{'{'}}"],
)
def test_literal_values_render_to_themselves(text: str) -> None:
    case = Case("c", None, None)  # type: ignore[arg-type]
    assert render_text(literal(text), case) == text


def test_filters_keep_the_index_in_the_name(tmp_path: Path) -> None:
    entries = [
        _entry("GET", "http://h/api/items", status=200),
        _entry("POST", "http://h/api/items", status=201, postData={"mimeType": "a", "text": "x"}),
        _entry("GET", "http://h/static/app.js", status=304),
        _entry("DELETE", "http://h/api/items/7", status=404),
    ]
    har = read_har(_har(tmp_path, entries, "shop.har"), "shop.har")

    def names(raw: dict[str, Any]) -> list[str]:
        return [case.name for case in har_cases(har, parse_filter(raw))]

    assert names({}) == [
        "shop-000-get-api-items",
        "shop-001-post-api-items",
        "shop-002-get-static-app.js",
        "shop-003-delete-api-items-7",
    ]
    assert names({"methods": ["get", "Delete"]}) == [
        "shop-000-get-api-items",
        "shop-002-get-static-app.js",
        "shop-003-delete-api-items-7",
    ]
    assert names({"url": "*/api/*", "status": ["2xx"]}) == [
        "shop-000-get-api-items",
        "shop-001-post-api-items",
    ]
    assert names({"status": [304, "4xx"]}) == [
        "shop-002-get-static-app.js",
        "shop-003-delete-api-items-7",
    ]
    assert names({"url": ["*/static/*", "*/7"]}) == [
        "shop-002-get-static-app.js",
        "shop-003-delete-api-items-7",
    ]


def test_form_params_are_sent_urlencoded(tmp_path: Path) -> None:
    post = {
        "mimeType": "application/x-www-form-urlencoded",
        "params": [{"name": "q", "value": "a b"}, {"name": "n", "value": "1&2"}],
    }
    har = read_har(_har(tmp_path, [_entry("POST", postData=post)]), "t.har")
    (case,) = har_cases(har, HarFilter())
    assert case.request is not None and case.request["body"] == "q=a+b&n=1%262"


def test_answers_from_responses(tmp_path: Path) -> None:
    entries = [
        _entry(
            content={"size": 3, "text": "aGk=", "encoding": "base64"},
            response_headers=[("Content-Type", "text/plain"), ("Date", "x"), ("Set-Cookie", "a")],
        ),
        _entry(content={"size": 40}),
        _entry(status=0, content={"size": 0}),
        _entry(
            content={"size": 2, "text": "{}"},
            response_headers=[("Content-Encoding", "gzip"), ("Content-Length", "22")],
        ),
        _entry(status=304, content={"size": 0}),
        _entry(response_headers=[("Vary", "a"), ("vary", "b")]),
    ]
    har = read_har(_har(tmp_path, entries), "t.har")
    answers = [har.answer(entry.name) for entry in har.entries]
    first = answers[0]
    assert first is not None and first.stdout == b"hi"
    assert first.headers == {"content-type": "text/plain", "set-cookie": '["a"]'}
    assert answers[1] is not None and answers[1].failure is not None
    assert "kept no response body" in answers[1].failure
    assert answers[2] is not None and answers[2].failure == (
        "the HAR entry has no answer (status 0: no response)"
    )
    assert answers[3] is not None and answers[3].headers == {}  # encoded length: dropped
    assert answers[4] is not None and (answers[4].status, answers[4].stdout) == (304, b"")
    assert answers[5] is not None and answers[5].headers == {"vary": "a, b"}


def _broken(tmp_path: Path, change: Any) -> SpecError:
    entry = _entry()
    change(entry)
    path = _har(tmp_path, [_entry(), entry])
    with pytest.raises(SpecError) as caught:
        read_har(path, "t.har")
    return caught.value


def test_errors_name_the_har_path_and_point_at_it(tmp_path: Path) -> None:
    error = _broken(tmp_path, lambda e: e["request"].pop("url"))
    assert error.message == "log.entries[1].request.url: missing (HAR 1.2 requires it)"
    lines = (tmp_path / "t.har").read_text().splitlines()
    assert error.location is not None and lines[error.location.line - 1].strip() == '"request": {'
    error = _broken(tmp_path, lambda e: e["request"].update(url="/relative"))
    assert "not an absolute http(s) URL: '/relative'" in error.message
    lines = (tmp_path / "t.har").read_text().splitlines()
    assert error.location is not None
    assert lines[error.location.line - 1].strip().startswith('"url":')
    error = _broken(tmp_path, lambda e: e["response"].update(status="200"))
    assert error.message == "log.entries[1].response.status: missing or not an integer"
    # A body that cannot be sent is an error when the entry becomes a case, not when the file
    # is read: a filter may leave the entry out (the hint says so).
    multipart = {"mimeType": "multipart/form-data", "params": [{"name": "f", "fileName": "a"}]}
    error = _unsendable(tmp_path, lambda e: e["request"].update(postData=multipart))
    assert "cannot be rebuilt exactly" in error.message
    encoded = {"mimeType": "a", "text": "AAE=", "encoding": "base64"}
    error = _unsendable(tmp_path, lambda e: e["request"].update(postData=encoded))
    assert "an encoded request body ('base64') cannot be replayed as text" in error.message
    assert error.location is not None and error.location.line > 1


def _unsendable(tmp_path: Path, change: Any) -> SpecError:
    entry = _entry(method="POST")
    change(entry)
    har = read_har(_har(tmp_path, [_entry(), entry]), "t.har")
    assert [c.name for c in har_cases(har, HarFilter(methods=frozenset({"GET"})))] == [
        "t-000-get-a-b"
    ]
    with pytest.raises(SpecError) as caught:
        har_cases(har, HarFilter())
    return caught.value


def test_not_a_har(tmp_path: Path) -> None:
    path = tmp_path / "t.har"
    path.write_text('{"log": {"version": "2.0", "creator": {}, "entries": []}}', "utf-8")
    with pytest.raises(SpecError, match=r"HAR version 2\.0 is not supported"):
        read_har(path, "t.har")
    path.write_text('{"log": ', "utf-8")
    with pytest.raises(SpecError, match="not a HAR file: invalid JSON") as caught:
        read_har(path, "t.har")
    assert str(caught.value.location) == "t.har:1:9"
    path.write_text('{"entries": []}', "utf-8")
    with pytest.raises(SpecError) as caught:
        read_har(path, "t.har")
    assert caught.value.message == "log: missing (HAR 1.2 requires it)"
    assert str(caught.value.location) == "t.har:1:1"


def test_a_chromium_har_reads_whole() -> None:
    har = read_har(CHROMIUM, "chromium.har")
    assert [entry.name for entry in har.entries] == [
        "chromium-000-get-root",
        "chromium-001-get-api-items",
        "chromium-002-post-api-echo",
        "chromium-003-get-api-missing",
    ]
    doc = json.loads(CHROMIUM.read_text("utf-8"))
    mangled = copy.deepcopy(doc)
    assert mangled["log"]["entries"][2]["request"]["postData"]["text"].startswith('{"n":')
