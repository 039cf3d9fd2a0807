"""Loopback servers for the TLS, proxy and basic-auth tests (tests/test_http_tls_proxy.py).

- `EchoServer`: a threaded JSON echo server, plain HTTP or HTTPS (optionally demanding a client
  certificate signed by the test CA). POST answers `{"echo": <request JSON>, "auth":
  <Authorization header or null>}`; it records every request's path and Authorization header.
- `ForwardProxy`: a tiny threaded forward proxy. Absolute-form requests (`GET http://h:p/x
  HTTP/1.1`) are forwarded to the origin in origin form; `CONNECT h:p` opens a tunnel and relays
  bytes both ways. It counts both, records the Proxy-Authorization headers it saw, and can
  demand one (407 otherwise).

Everything listens on 127.0.0.1, on a port the OS picks (port 0), and is used as a context
manager: `with EchoServer(tls=True) as server: ... server.url ...`. The certificates are in
tests/certs/ (see its README).
"""

from __future__ import annotations

import json
import select
import socket
import socketserver
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

CERTS = Path(__file__).resolve().parent.parent / "certs"
CA = CERTS / "ca.pem"
SERVER_CERT = CERTS / "server.pem"
SERVER_KEY = CERTS / "server.key"
CLIENT_CERT = CERTS / "client.pem"
CLIENT_KEY = CERTS / "client.key"
OTHER_CA = CERTS / "other-ca.pem"
WRONG_HOST_CERT = CERTS / "wronghost.pem"  # signed by the CA, for DNS:wrong.example only
WRONG_HOST_KEY = CERTS / "wronghost.key"

IO_TIMEOUT = 10.0  # seconds any socket of these servers waits before giving up


class _Background:
    """A socketserver run in a daemon thread; a context manager that starts and stops it."""

    server: socketserver.BaseServer

    def __enter__(self) -> Any:
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(IO_TIMEOUT)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])


# ----------------------------------------------------------------------------- echo server


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as yamlparity's pool expects
    disable_nagle_algorithm = True
    server: _EchoHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization")
        owner = self.server.owner
        with owner.lock:
            owner.paths.append(self.path)
            owner.auth_seen.append(auth)
        try:
            echo = json.loads(raw) if raw else None
        except ValueError:
            echo = raw.decode("utf-8", "replace")
        answer: dict[str, Any] = {"echo": echo}
        if owner.echo_auth:
            answer["auth"] = auth
        answer.update(owner.extra)
        self._reply(200, answer)

    def do_GET(self) -> None:
        self._reply(200, {"ok": True})

    def _reply(self, status: int, value: Any) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _EchoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: EchoServer

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake happens here, in the connection's own thread: a client that
        # connects and never speaks cannot block the accept loop.
        request.settimeout(IO_TIMEOUT)
        context = self.owner.context
        if context is not None:
            try:
                request = context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                with self.owner.lock:
                    self.owner.handshake_errors.append(str(exc))
                request.close()
                return
        try:
            super().finish_request(request, client_address)
        finally:
            if context is not None:
                request.close()  # the wrapped socket; the raw one is closed by the caller

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away is not a test failure here


class EchoServer(_Background):
    """`with EchoServer(tls=True, client_ca=CA) as s:` — `s.url`, `s.paths`, `s.auth_seen`.

    `client_ca`: demand a client certificate signed by it. `cert`: the server's certificate
    and key. `echo_auth`: put the Authorization header in the answer. `extra`: more keys in
    every answer (to make two servers disagree)."""

    def __init__(
        self,
        *,
        tls: bool = False,
        client_ca: Path | None = None,
        cert: tuple[Path, Path] = (SERVER_CERT, SERVER_KEY),
        echo_auth: bool = True,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.tls = tls
        self.echo_auth = echo_auth
        self.extra = dict(extra or {})
        self.lock = threading.Lock()
        self.paths: list[str] = []
        self.auth_seen: list[str | None] = []
        self.handshake_errors: list[str] = []
        self.context: ssl.SSLContext | None = None
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*cert)
            if client_ca is not None:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(client_ca)
            self.context = context
        self.server = _EchoHTTPServer(("127.0.0.1", 0), _EchoHandler)
        self.server.owner = self

    def __enter__(self) -> EchoServer:
        return super().__enter__()  # type: ignore[no-any-return]

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def requests(self) -> int:
        with self.lock:
            return len(self.paths)


# ----------------------------------------------------------------------------- forward proxy


def _read_head(stream: Any) -> tuple[str, list[tuple[str, str]]] | None:
    """A request line and its headers, or None when the client closed the connection."""
    line = stream.readline(65537)
    if not line:
        return None
    request_line = line.decode("latin-1").rstrip("\r\n")
    headers: list[tuple[str, str]] = []
    while True:
        line = stream.readline(65537)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    return request_line, headers


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _relay(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes (or nothing moves for IO_TIMEOUT)."""
    sockets = [a, b]
    while True:
        readable, _, _ = select.select(sockets, [], [], IO_TIMEOUT)
        if not readable:
            return
        for source in readable:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            (b if source is a else a).sendall(data)


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: _ProxyTCPServer
    timeout = IO_TIMEOUT

    def handle(self) -> None:
        owner = self.server.owner
        while True:  # keep-alive: several absolute-form requests may share a connection
            head = _read_head(self.rfile)
            if head is None:
                return
            request_line, headers = head
            method, target, _version = [*request_line.split(" "), "", ""][:3]
            auth = _header(headers, "proxy-authorization")
            with owner.lock:
                owner.request_lines.append(request_line)
                owner.auth_seen.append(auth)
            if owner.require_auth is not None and auth != owner.require_auth:
                self._refuse()
                return
            if method == "CONNECT":
                self._tunnel(target)
                return
            if not self._forward(method, target, headers):
                return

    def _refuse(self) -> None:
        with self.server.owner.lock:  # counted before the client can see the answer
            self.server.owner.refused += 1
        self.wfile.write(
            b"HTTP/1.1 407 Proxy Authentication Required\r\n"
            b'Proxy-Authenticate: Basic realm="test proxy"\r\n'
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )

    def _tunnel(self, target: str) -> None:
        host, _, port = target.rpartition(":")
        with self.server.owner.lock:
            self.server.owner.connects += 1
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), IO_TIMEOUT)
        except (OSError, ValueError):
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with upstream:
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            _relay(self.connection, upstream)

    def _forward(self, method: str, target: str, headers: list[tuple[str, str]]) -> bool:
        """One absolute-form request to its origin, the answer relayed whole. True: the
        client may send another on this connection."""
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return False
        with self.server.owner.lock:
            self.server.owner.forwarded += 1
        length = int(_header(headers, "content-length") or 0)
        body = self.rfile.read(length) if length else b""
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        skip = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}
        lines = [f"{method} {path} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in headers if k.lower() not in skip]
        lines.append("Connection: close")  # the origin ends its answer by closing
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        try:
            upstream = socket.create_connection((url.hostname, url.port or 80), IO_TIMEOUT)
        except OSError:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return False
        with upstream:
            upstream.sendall(request)
            answer = bytearray()
            while chunk := upstream.recv(65536):
                answer += chunk
        self.wfile.write(bytes(answer))
        self.wfile.flush()
        return b"\r\nconnection: close" not in answer.split(b"\r\n\r\n", 1)[0].lower()


class _ProxyTCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: ForwardProxy
    context: ssl.SSLContext | None = None  # an https:// proxy: TLS from client to proxy

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.context is not None:
            sock.settimeout(IO_TIMEOUT)
            sock = self.context.wrap_socket(sock, server_side=True)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class ForwardProxy(_Background):
    """`with ForwardProxy(require_auth="Basic ...") as p:` — `p.url`, `p.forwarded`,
    `p.connects`, `p.refused`, `p.auth_seen` (Proxy-Authorization per request, or None)."""

    def __init__(self, *, require_auth: str | None = None, tls: bool = False) -> None:
        self.require_auth = require_auth
        self.tls = tls
        self.lock = threading.Lock()
        self.forwarded = 0  # absolute-form requests sent on to an origin
        self.connects = 0  # CONNECT tunnels opened
        self.refused = 0  # 407 answers
        self.request_lines: list[str] = []
        self.auth_seen: list[str | None] = []
        self.server = _ProxyTCPServer(("127.0.0.1", 0), _ProxyHandler)
        self.server.owner = self
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(SERVER_CERT, SERVER_KEY)
            self.server.context = context

    def __enter__(self) -> ForwardProxy:
        return super().__enter__()  # type: ignore[no-any-return]

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"
