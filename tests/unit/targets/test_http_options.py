"""The HTTP options libcurl brings, each against a real loopback server: http_version (HTTP/2
with prior knowledge on cleartext, HTTP/2 by ALPN over TLS), unix_socket, SOCKS5h and HTTPS
proxies with credentials from `secrets:`, compressed answers, Digest auth, and TLS trust from
the system store (which a pycurl wheel's libcurl does not find by itself)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers.raw_http import ScriptedServer
from tests.servers.socks5 import Socks5Proxy
from tests.servers.tls_support import CA, SERVER_CERT, SERVER_KEY, EchoServer, ForwardProxy
from tests.support.paths import SERVERS
from yamlparity.core import curlinfo
from yamlparity.core.errors import SpecError
from yamlparity.results.records import CaseResult
from yamlparity.run.engine import run_spec
from yamlparity.spec.load import load_spec
from yamlparity.targets.curl import system_ca

PY = sys.executable
USER, PASSWORD = "svc", "s3cret-pass"
PROXY_USER, PROXY_PASSWORD = "proxy-user", "pr0xy-pass"
SECRETS = {"SVC_PASSWORD": PASSWORD, "PROXY_PASSWORD": PROXY_PASSWORD, "WRONG": "wr0ng-pass"}
CASES = [{"name": "c1", "input": {"x": 1}}, {"name": "c2", "input": {"y": "é"}}]


def run(
    folder: Path,
    targets: dict[str, dict[str, Any]],
    extra: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> list[CaseResult]:
    spec = {
        "name": "options",
        "secrets": ["SVC_PASSWORD", "PROXY_PASSWORD", "WRONG"],
        "targets": {name: {"timeout": 5, **target} for name, target in targets.items()},
        "request": {"method": "POST", "path": "/echo"},
        "cases": CASES,
        **(extra or {}),
    }
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return list(
        run_spec(load_spec(path, environ={**os.environ, **SECRETS, **(environ or {})})).cases
    )


def verdicts(cases: list[CaseResult]) -> dict[str, str]:
    return {case.name: case.verdict for case in cases}


def assert_all_match(cases: list[CaseResult]) -> None:
    assert verdicts(cases) == {"c1": "MATCH", "c2": "MATCH"}, [c.reason for c in cases]


# ----------------------------------------------------------------------------- HTTP/2


def h2_service(*tls: str) -> dict[str, Any]:
    return {
        "run": [PY, str(SERVERS / "h2_server.py"), "${port}", *tls],
        "ready": {"log": "listening on"},
        "start_timeout": 10,
    }


def test_http2_prior_knowledge_on_cleartext(tmp_path: Path) -> None:
    h2 = {"url": "http://127.0.0.1:${port}", "port": "auto", "http_version": "2-prior-knowledge"}
    cases = run(
        tmp_path,
        {"a": {**h2, "service": h2_service()}, "b": {**h2, "service": h2_service()}},
        {"expect": [{"path": "$.http", "equals": "2"}, {"path": "$.method", "equals": "POST"}]},
    )
    assert_all_match(cases)


def test_http1_against_an_http2_only_server_is_an_error(tmp_path: Path) -> None:
    h2 = {"url": "http://127.0.0.1:${port}", "port": "auto"}
    cases = run(
        tmp_path,
        {
            "a": {**h2, "http_version": "2-prior-knowledge", "service": h2_service()},
            "b": {**h2, "http_version": "1.1", "service": h2_service()},
        },
    )
    assert all(case.verdict == "ERROR" and case.reason.startswith("b: ") for case in cases)


def test_http2_by_alpn_over_tls(tmp_path: Path) -> None:
    h2 = {
        "url": "https://127.0.0.1:${port}",
        "port": "auto",
        "http_version": "2",
        "tls": {"ca": str(CA)},
    }
    tls = ("--tls", str(SERVER_CERT), str(SERVER_KEY))
    cases = run(
        tmp_path,
        {"a": {**h2, "service": h2_service(*tls)}, "b": {**h2, "service": h2_service(*tls)}},
        {"expect": [{"path": "$.http", "equals": "2"}]},
    )
    assert_all_match(cases)


def test_a_version_this_libcurl_lacks_is_a_spec_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(curlinfo, "has_feature", lambda name: name != "http3")
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "targets:\n  a: {url: 'http://127.0.0.1:9', http_version: '3'}\n"
        "  b: {url: 'http://127.0.0.1:9'}\ncases: [{name: c, input: 1}]\n"
    )
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    text = str(info.value)
    assert "http_version 3 needs a libcurl built with HTTP3" in text and "s.yaml:2" in text


# ----------------------------------------------------------------------------- Unix socket


class _UnixHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def address_string(self) -> str:
        return "unix"

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        data = json.dumps(
            {"path": self.path, "host": self.headers["Host"], "echo": json.loads(raw)}
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data.encode())


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def unix_server(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "api.sock"
    server = _UnixServer(str(path), _UnixHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_unix_socket_relative_to_the_spec(tmp_path: Path, unix_server: Path) -> None:
    target = {"url": "http://localhost/api", "unix_socket": unix_server.name}
    cases = run(
        tmp_path,
        {"a": target, "b": target},
        {
            "expect": [
                {"path": "$.path", "equals": "/api/echo"},
                {"path": "$.host", "equals": "localhost"},
            ]
        },
    )
    assert_all_match(cases)


# ----------------------------------------------------------------------------- proxies


def test_socks5h_proxy_with_credentials_from_secrets(tmp_path: Path) -> None:
    with EchoServer() as origin, Socks5Proxy(PROXY_USER, PROXY_PASSWORD) as proxy:
        via = f"socks5h://{PROXY_USER}:${{PROXY_PASSWORD}}@127.0.0.1:{proxy.port}"
        cases = run(tmp_path, {"a": {"url": origin.url, "proxy": via}, "b": {"url": origin.url}})
        assert_all_match(cases)
        # The proxy resolved the name; kept alive, one tunnel may carry both cases.
        assert proxy.targets and set(proxy.targets) == {("127.0.0.1", origin.port)}
        wrong = via.replace("PROXY_PASSWORD", "WRONG")
        cases = run(tmp_path, {"a": {"url": origin.url, "proxy": wrong}, "b": {"url": origin.url}})
        assert verdicts(cases) == {"c1": "ERROR", "c2": "ERROR"}
        assert all(c.reason.startswith("a: ") and PROXY_PASSWORD not in c.reason for c in cases)
        assert proxy.refused == 2


def test_https_proxy_trusted_by_proxy_ca(tmp_path: Path) -> None:
    with EchoServer() as origin, ForwardProxy(tls=True) as proxy:
        assert proxy.url.startswith("https://")
        through = {"url": origin.url, "proxy": proxy.url, "tls": {"proxy_ca": str(CA)}}
        cases = run(tmp_path, {"a": through, "b": {"url": origin.url}})
        assert_all_match(cases)
        assert proxy.forwarded == 2
        untrusted = run(tmp_path, {"a": {"url": origin.url, "proxy": proxy.url}, "b": through})
        assert all(c.reason.startswith("a: ") for c in untrusted), [c.reason for c in untrusted]


# ----------------------------------------------------------------------------- compressed


def test_compressed_answers_are_compared_decoded_only_when_asked(tmp_path: Path) -> None:
    body = json.dumps({"echo": "é" * 50}).encode()
    gz = gzip.compress(body)
    answer = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(gz)
    plain = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
    with (
        ScriptedServer({"echo": [answer + gz]}) as packed,
        ScriptedServer({"echo": [plain + body]}) as clear,
    ):
        decoded = run(
            tmp_path, {"a": {"url": packed.url, "compressed": True}, "b": {"url": clear.url}}
        )
        assert_all_match(decoded)
        raw = run(tmp_path, {"a": {"url": packed.url}, "b": {"url": clear.url}}, {"output": "text"})
        assert verdicts(raw) == {"c1": "DIFF", "c2": "DIFF"}  # the gzip bytes, as they came


# ----------------------------------------------------------------------------- Digest


class _DigestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    REALM, NONCE = "parity", "n0nce"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self._authorized():
            self._reply(401, b"{}", {"WWW-Authenticate": self._challenge()})
            return
        self._reply(200, json.dumps({"user": USER, "echo": json.loads(raw)}).encode(), {})

    def _challenge(self) -> str:
        return f'Digest realm="{self.REALM}", nonce="{self.NONCE}", qop="auth", algorithm=MD5'

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Digest "):
            return False
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[7:]))

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        ha1 = md5(f"{USER}:{self.REALM}:{PASSWORD}")
        ha2 = md5(f"{self.command}:{fields.get('uri', '')}")
        parts = [ha1, self.NONCE, fields.get("nc", ""), fields.get("cnonce", ""), "auth", ha2]
        return fields.get("username") == USER and fields.get("response") == md5(":".join(parts))

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def digest_url() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _DigestHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_digest_auth_answers_the_challenge(tmp_path: Path, digest_url: str) -> None:
    auth = {"username": USER, "password": "${SVC_PASSWORD}", "type": "digest"}
    target = {"url": digest_url, "auth": auth}
    cases = run(tmp_path, {"a": target, "b": target}, {"expect": [{"status": 200}]})
    assert_all_match(cases)
    wrong = {"url": digest_url, "auth": {**auth, "password": "${WRONG}"}}
    cases = run(tmp_path, {"a": wrong, "b": target})
    assert verdicts(cases) == {"c1": "DIFF", "c2": "DIFF"}  # 401 against 200
    assert all(PASSWORD not in str(c) for c in cases)


# ----------------------------------------------------------------------------- trust store


def test_the_system_store_is_found_and_named() -> None:
    cafile, capath = system_ca()
    assert cafile is not None or capath is not None
    assert os.path.exists(cafile or capath or "")


def test_ssl_cert_file_is_the_system_store(tmp_path: Path) -> None:
    """Trust without `tls: {ca}` comes from the system store, as Python's ssl reads it (here
    SSL_CERT_FILE names the test CA); without it, the chain is checked and refused — not a
    missing store."""
    with EchoServer(tls=True) as server:
        env = {**os.environ, "SSL_CERT_FILE": str(CA)}
        spec = {
            "name": "store",
            "targets": {"a": {"url": server.url, "timeout": 5}, "b": {"url": server.url}},
            "request": {"method": "POST", "path": "/echo"},
            "cases": CASES,
        }
        path = tmp_path / "s.yaml"
        path.write_text(yaml.safe_dump(spec))
        done = subprocess.run(
            [PY, "-m", "yamlparity", "run", str(path), "--report-dir", "out"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        env.pop("SSL_CERT_FILE")
        done = subprocess.run(
            [PY, "-m", "yamlparity", "run", str(path), "--report-dir", "out", "-v"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1
        assert "certificate verification failed: " in done.stdout
        assert "unable to get local issuer certificate" in done.stdout
        assert "cannot read the trusted CA" not in done.stdout
