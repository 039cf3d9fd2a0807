"""Send exactly what the case says: the bytes a raw server receives from a run (the real CLI)
are the bytes it receives from the case's curl reproducer, case by case — methods without a
body, `body: null`, UTF-8 paths and queries, dot segments, brackets, empty header values,
UTF-8 header values."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.servers.raw_http import RecordingServer
from yamlparity.run.plan import invocation_for
from yamlparity.spec.load import load_spec
from yamlparity.verdict.reproduce import http_command

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl tool")

# name -> per-case request overrides (the spec's request: POST /echo, an X-Case header)
CASES: dict[str, dict[str, object]] = {
    "post_default_json": {},
    "get_no_body": {"method": "GET"},
    "delete_no_body": {"method": "DELETE"},
    "options_no_body": {"method": "OPTIONS"},
    "head_no_body": {"method": "HEAD"},
    "get_with_json": {"method": "GET", "json": {"q": "é"}},
    "post_body_null": {"body": None},
    "put_text_body": {"method": "PUT", "body": "plain text {{ case.name }}\n"},
    "patch_json": {"method": "PATCH", "json": "{{ case.input }}"},
    "utf8_path_query": {"method": "GET", "path": "/é/ü b", "query": {"q": "é&x", "k": "a b"}},
    "dot_segments": {"method": "GET", "path": "/a/../b/./c"},
    "brackets_percent_hash": {"method": "GET", "path": "/f?a[0]=1&p=100%&h=#x&e=%C3%A9"},
    "empty_header": {"method": "GET", "headers": {"X-Empty": ""}},
    "query_escapes": {
        "method": "GET",
        "path": "/p/x%20y",
        "query": {"a": "x%20y", "l": "100%", "s": "a+b=c&d:@!$'()*,;/?é"},
    },
    "utf8_header": {"method": "GET", "headers": {"X-Uni": "é ü"}},
    "own_content_type": {"headers": {"Content-Type": "text/plain; charset=utf-8"}},
}


def write_spec(folder: Path, url: str) -> Path:
    cases = [
        {"name": name, "input": {"n": 1, "s": "héllo", "big": 12345678901234567890}, "request": r}
        for name, r in CASES.items()
    ]
    spec = {
        "name": "fidelity",
        # Two targets on one server: both answer the same, every case MATCHes, and each case's
        # request arrives twice.
        "targets": {"a": {"url": url, "timeout": 5}, "b": {"url": url, "timeout": 5}},
        "request": {
            "method": "POST",
            "path": "/echo",
            "headers": {"X-Case": "{{ case.name }}", "X-Team": "qa"},
        },
        "output": "text",
        "compare": {"facets": ["status"]},
        "cases": cases,
    }
    path = folder / "fidelity.yaml"
    path.write_text(json.dumps(spec, ensure_ascii=False))
    return path


def by_case(requests: list[bytes]) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for request in requests:
        head = request.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        name = next(
            line.split(":", 1)[1].strip()
            for line in head.split("\r\n")
            if line.lower().startswith("x-case:")
        )
        out.setdefault(name, []).append(request)
    return out


def test_a_run_and_its_curl_reproducers_send_the_same_bytes(
    tmp_path: Path, run_cli: Callable[..., CompletedProcess[str]]
) -> None:
    with RecordingServer() as server:
        spec_path = write_spec(tmp_path, server.url)
        done = run_cli("run", str(spec_path), "--report-dir", "out", "-j", "1")
        assert done.returncode == 0, done.stdout + done.stderr
        from_run = by_case(server.requests)
        server.requests.clear()

        spec = load_spec(spec_path)
        commands = {}
        for position in range(len(spec.cases)):
            case = spec.cases[position]
            invocation = invocation_for(spec, case)
            assert invocation.request is not None
            commands[case.name] = http_command(spec.targets["a"], invocation.request)
            subprocess.run(
                ["bash", "-c", commands[case.name]],
                check=True,
                capture_output=True,
                timeout=30,
                env={k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
            )
        from_curl = by_case(server.requests)

    assert set(from_run) == set(CASES) == set(from_curl)
    for name in CASES:
        sent = from_run[name]
        assert len(sent) == 2 and sent[0] == sent[1], name  # targets a and b: the same bytes
        assert from_curl[name] == [sent[0]], (name, commands[name], sent[0], from_curl[name])


def test_what_the_cases_sent(tmp_path: Path, run_cli: Callable[..., CompletedProcess[str]]) -> None:
    """The fidelity rules themselves, on the bytes the run sent."""
    with RecordingServer() as server:
        done = run_cli("run", str(write_spec(tmp_path, server.url)), "--report-dir", "out")
        assert done.returncode == 0, done.stdout + done.stderr
        sent = {name: requests[0] for name, requests in by_case(server.requests).items()}

    def line(name: str) -> bytes:
        return sent[name].split(b"\r\n", 1)[0]

    def head(name: str) -> bytes:
        return sent[name].split(b"\r\n\r\n", 1)[0].lower()

    for name in ("get_no_body", "delete_no_body", "options_no_body", "head_no_body"):
        assert b"content-length" not in head(name) and b"content-type" not in head(name), name
        assert sent[name].endswith(b"\r\n\r\n"), name
    assert b"content-length" not in head("post_body_null")
    assert line("post_body_null") == b"POST /echo HTTP/1.1"
    assert sent["get_with_json"].endswith(b'\r\n\r\n{"q":"\xc3\xa9"}')
    expected = b'{"n":1,"s":"h\xc3\xa9llo","big":12345678901234567890}'
    assert sent["post_default_json"].endswith(expected)
    assert b"content-type: application/json" in head("post_default_json")
    assert sent["put_text_body"].endswith(b"\r\n\r\nplain text put_text_body\n")
    assert b"content-type" not in head("put_text_body")  # no form label from libcurl
    assert line("utf8_path_query") == b"GET /%C3%A9/%C3%BC%20b?q=%C3%A9%26x&k=a%20b HTTP/1.1"
    assert line("dot_segments") == b"GET /a/../b/./c HTTP/1.1"
    assert line("brackets_percent_hash") == b"GET /f?a[0]=1&p=100%25&h=%23x&e=%C3%A9 HTTP/1.1"
    # a query value is encoded as the path is (`%20` kept, a lone % as %25), and `+ = &` too
    assert line("query_escapes") == (
        b"GET /p/x%20y?a=x%20y&l=100%25&s=a%2Bb%3Dc%26d:@!$'()*,;/?%C3%A9 HTTP/1.1"
    )
    assert b"\r\nx-empty:\r\n" in head("empty_header") + b"\r\n"
    assert b"\r\nx-uni: \xc3\xa9 \xc3\xbc\r\n" in head("utf8_header") + b"\r\n"  # as curl -H
    assert b"content-type: text/plain; charset=utf-8" in head("own_content_type")
    for request in sent.values():
        lowered = request.split(b"\r\n\r\n", 1)[0].lower()
        assert b"expect:" not in lowered and b"user-agent" not in lowered
        assert b"accept-encoding: identity" in lowered


NODE_STATIC = (
    "const fs = require('fs');"
    "require('http').createServer((q, r) => {"
    " fs.readFile('.' + q.url, (e, d) => {"
    "  if (e) { r.writeHead(404); r.end(); return; }"
    "  r.writeHead(200, {'Content-Type': 'text/plain'}); r.end(d); });"
    "}).listen(+process.argv[2], '127.0.0.1', () => console.log('listening'));"
)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_a_rule_never_makes_up_a_header_a_target_did_not_send(
    tmp_path: Path, run_cli: Callable[..., CompletedProcess[str]]
) -> None:
    """Python's http.server sends `Server`, Node's http module does not. A `mask` on the
    header hides its value, not its absence: DIFF, with Node's header missing (the mask turned
    the absent header into the masked value and the case matched)."""
    (tmp_path / "hello.txt").write_text("hello\n")
    (tmp_path / "static.js").write_text(NODE_STATIC)
    (tmp_path / "headers.yaml").write_text(
        "name: headers\n"
        "targets:\n"
        "  py:\n"
        "    url: http://127.0.0.1:${port}\n"
        "    port: auto\n"
        "    service: {run: [python3, -m, http.server, --bind, 127.0.0.1, '${port}']}\n"
        "  node:\n"
        "    url: http://127.0.0.1:${port}\n"
        "    port: auto\n"
        "    service: {run: [node, static.js, '${port}'], ready: {log: listening}}\n"
        "request: {method: GET, path: /hello.txt}\n"
        "output: text\n"
        "normalize:\n"
        "  - {rule: 'mask(.; \"<server>\")', facet: headers.server}\n"
        "compare: {facets: [status, body, headers.server]}\n"
        "cases: [{name: hello}]\n"
    )
    done = run_cli("run", "headers.yaml", "--format", "json", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    (case,) = json.loads((tmp_path / "out" / "headers.json").read_text())["cases"]
    assert case["verdict"] == "DIFF"
    assert case["facet_match"] == {"status": True, "body": True, "headers.server": False}
    (difference,) = case["differences"]
    assert difference["values"] == {"py": "<server>"} and difference["missing"] == ["node"]
