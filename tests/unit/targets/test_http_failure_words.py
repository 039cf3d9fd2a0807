"""A failure's reason says what the wire did (closed or reset, before the response or in the
body), and the same bytes give the same reason on a new connection and a kept-alive one (a
`known: error:` entry matches reason text, so -j must not change it)."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest

from tests.servers.raw_http import ScriptedServer, _Listener, read_request
from yamlparity.core.errors import Location
from yamlparity.spec.model import Case, HttpTarget
from yamlparity.targets.base import Invocation, PreparedRequest, RawObservation
from yamlparity.targets.http import HttpAdapter

LOC = Location("test")
CASE = Case(name="c", location=LOC, input=None)
OK = b'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{"k": 0}'
ROUTES = {
    "ok": [OK],
    "ssh": [b"SSH-2.0-OpenSSH_9.6\r\n"],
    "short": [b"HTTP/1.1 200 OK\r\nContent-Length: 58\r\n\r\n" + b"x" * 8],
    "no_last_chunk": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n"],
}
NOT_HTTP = "not an HTTP answer: it does not start with an HTTP status line"


def call(adapter: HttpAdapter, path: str) -> RawObservation:
    request = PreparedRequest(method="GET", path=path, headers={}, body=None)
    return adapter.execute(Invocation(case=CASE, request=request))


def adapter_for(url: str) -> HttpAdapter:
    adapter = HttpAdapter(HttpTarget(name="t", location=LOC, url=url, timeout=2.0))
    adapter.start()
    return adapter


@pytest.fixture
def scripted() -> Iterator[str]:
    with ScriptedServer(ROUTES, close=frozenset({"ssh", "short", "no_last_chunk"})) as server:
        yield server.url


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/ssh", NOT_HTTP),
        ("/short", "connection closed while reading the body (end of response with 50 bytes"),
        ("/no_last_chunk", "connection closed while reading the body ("),
    ],
)
def test_the_same_bytes_give_the_same_reason_on_a_new_and_a_kept_alive_connection(
    scripted: str, path: str, reason: str
) -> None:
    fresh = adapter_for(scripted)
    reused = adapter_for(scripted)
    try:
        on_fresh = call(fresh, path).failure
        assert call(reused, "/ok").failure is None
        on_reused = call(reused, path).failure
    finally:
        fresh.close()
        reused.close()
    assert on_fresh is not None and on_fresh.startswith(reason), on_fresh
    assert on_fresh == on_reused


class _OkThenFault(_Listener):
    """Answers `/ok` on a kept-alive connection; any other request is read, then `fault`
    is done to the connection, with no byte of answer, and the connection closed."""

    def serve(self, conn: socket.socket) -> None:
        buffer = bytearray()
        while (request := read_request(conn, buffer)) is not None:
            if request.startswith(b"GET /ok "):
                conn.sendall(OK)
                continue
            self.fault(conn)
            return  # the with-block closes the connection

    def fault(self, conn: socket.socket) -> None:
        raise NotImplementedError


class _Resetting(_OkThenFault):
    def fault(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # an RST


def test_a_reset_before_the_answer_says_reset_on_a_new_and_a_kept_alive_connection() -> None:
    with _Resetting() as server:
        fresh = adapter_for(server.url)
        reused = adapter_for(server.url)
        try:
            on_fresh = call(fresh, "/rst").failure
            assert call(reused, "/ok").failure is None
            on_reused = call(reused, "/rst").failure
        finally:
            fresh.close()
            reused.close()
    assert on_fresh is not None and on_fresh.startswith("connection reset before the response")
    assert on_reused is not None
    assert on_reused.startswith("connection reset before the response"), on_reused


class _TakesItAndDies(_OkThenFault):
    """The server stops listening, then the connection closes: a server that exits on the
    request it took."""

    def fault(self, conn: socket.socket) -> None:
        # Nothing listens any more, as after an exit: a new connection is refused (a close
        # alone leaves the socket listening while the accept thread waits on it).
        self.listener.shutdown(socket.SHUT_RDWR)
        self.close()


def test_a_server_that_dies_on_a_kept_alive_request_is_not_said_to_refuse_it() -> None:
    """A new-user trial: `connection refused` for a request the server took (it exited on
    it). libcurl tries again on a new connection, which is refused; what the request met was
    a connection that ended after it was sent, as on a fresh connection."""
    with _TakesItAndDies() as server:
        reused = adapter_for(server.url)
        try:
            assert call(reused, "/ok").failure is None
            failure = call(reused, "/crash").failure
        finally:
            reused.close()
    assert failure is not None
    assert failure.startswith("connection closed before the response (a kept-alive "), failure
    assert "not sent again" in failure and "refused" not in failure.split("(")[0], failure
