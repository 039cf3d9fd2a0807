"""The raw-socket HTTP/1.1 reader against a real loopback server that answers scripted bytes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from yamlparity.targets.wire import BadResponse, Closed, Connection, Incomplete

REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
FAR = 10.0


class Scripted:
    """Accepts connections; answers each request with the next scripted list of byte pieces
    (sent with small pauses so answers arrive split); a `None` closes the connection: after
    the next request when it comes first, right after the previous answer otherwise."""

    def __init__(self, answers: list[list[bytes] | None]) -> None:
        self.answers = list(answers)
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.answers:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                while self.answers:
                    if not _read_request(conn):
                        break
                    answer = self.answers.pop(0)
                    if answer is None:
                        break
                    for piece in answer:
                        conn.sendall(piece)
                        time.sleep(0.005)
                    if self.answers and self.answers[0] is None:
                        self.answers.pop(0)  # close right after this answer
                        break

    def close(self) -> None:
        self.listener.close()


def _read_request(conn: socket.socket) -> bool:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return False
        data += chunk
    return True


@pytest.fixture
def serve() -> Iterator[list[Scripted]]:
    made: list[Scripted] = []
    yield made
    for server in made:
        server.close()


def ask(conn: Connection, cap: int = 1 << 20) -> tuple[int, bool, dict[str, str], bytes]:
    conn.send(REQUEST)
    status, keep, headers = conn.read_head()
    body = conn.read_body(status, False, headers, cap, time.perf_counter() + FAR)
    return status, keep, headers, body


def start(serve: list[Scripted], answers: list[list[bytes] | None]) -> tuple[Scripted, Connection]:
    server = Scripted(answers)
    serve.append(server)
    return server, Connection("127.0.0.1", server.port, timeout=5.0)


def test_keep_alive_answers_reuse_one_connection(serve: list[Scripted]) -> None:
    answer = [b"HTTP/1.1 200 OK\r\nContent-Le", b"ngth: 2\r\n\r\n", b"ok"]
    server, conn = start(serve, [answer, answer, answer])
    assert [ask(conn)[3] for _ in range(3)] == [b"ok", b"ok", b"ok"]
    assert conn.reusable
    assert server.connections == 1


def test_chunked_body_with_extensions_and_trailers(serve: list[Scripted]) -> None:
    answer = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"4;ext=1\r\nWiki\r\n",
        b"5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n",
    ]
    _, conn = start(serve, [answer])
    status, keep, _, body = ask(conn)
    assert (status, keep, body) == (200, True, b"Wikipedia")
    assert conn.reusable


def test_interim_100_continue_is_skipped(serve: list[Scripted]) -> None:
    answer = [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"]
    _, conn = start(serve, [answer])
    assert ask(conn)[:1] == (201,)


def test_connection_close_and_http_10_body_until_close(serve: list[Scripted]) -> None:
    _, conn = start(serve, [[b"HTTP/1.0 200 OK\r\n\r\nall of ", b"it"], None])
    status, keep, _, body = ask(conn)
    assert (status, keep, body) == (200, False, b"all of it")
    assert not conn.reusable


def test_headers_are_lower_cased_repeated_joined_and_folded(serve: list[Scripted]) -> None:
    answer = [
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n"
        b"X-Long: one\r\n  two\r\nContent-Length: 0\r\n\r\n"
    ]
    _, conn = start(serve, [answer])
    headers = ask(conn)[2]
    assert headers["set-cookie"] == "a=1, b=2"
    assert headers["x-long"] == "one two"


def test_bytes_after_a_204_make_the_connection_not_reusable(serve: list[Scripted]) -> None:
    _, conn = start(serve, [[b"HTTP/1.1 204 No Content\r\n\r\nstray"]])
    conn.send(REQUEST)
    status, _, headers = conn.read_head()
    time.sleep(0.05)  # let the stray bytes arrive with the head
    conn._fill()
    assert conn.read_body(status, False, headers, 100, time.perf_counter() + FAR) == b""
    assert not conn.reusable


def test_closed_before_any_answer(serve: list[Scripted]) -> None:
    _, conn = start(serve, [None])
    conn.send(REQUEST)
    with pytest.raises(Closed):
        conn.read_head()


def test_not_http_is_a_bad_response(serve: list[Scripted]) -> None:
    _, conn = start(serve, [[b"SSH-2.0-OpenSSH\r\n\r\n"]])
    conn.send(REQUEST)
    with pytest.raises(BadResponse):
        conn.read_head()


def test_body_cut_short_is_incomplete(serve: list[Scripted]) -> None:
    _, conn = start(serve, [[b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..."], None])
    with pytest.raises(Incomplete):
        ask(conn)


def test_bad_content_length_is_a_bad_response(serve: list[Scripted]) -> None:
    _, conn = start(serve, [[b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"]])
    with pytest.raises(BadResponse):
        ask(conn)
