"""Raw loopback HTTP servers for the HTTP fidelity and hostile-answer tests.

- `RecordingServer`: keeps every request's exact bytes (head and body, framed by
  Content-Length) and answers `200 {"ok": true}` on a kept-alive connection, so the bytes
  yamlparity sends can be compared with the bytes its curl reproducer sends.
- `ScriptedServer`: answers every request with the same scripted bytes (sent as pieces, with
  an optional pause between them, then the connection is closed), for answers no real server
  should give.

Both listen on 127.0.0.1 (port 0: the OS picks), run in daemon threads, stop when closed
(context managers), and bound every socket wait by `IO_TIMEOUT`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType

IO_TIMEOUT = 10.0


class _Listener:
    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.connections = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            conn.settimeout(IO_TIMEOUT)
            threading.Thread(target=self._serve_guarded, args=(conn,), daemon=True).start()

    def _serve_guarded(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            self.serve(conn)

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._closed = True
        self.listener.close()

    def __enter__(self) -> _Listener:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_request(conn: socket.socket, buffer: bytearray) -> bytes | None:
    """One request's exact bytes (head, and a Content-Length body); None at end of stream."""
    while b"\r\n\r\n" not in buffer:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    end = buffer.index(b"\r\n\r\n") + 4
    length = 0
    for line in bytes(buffer[:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(buffer) < end + length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    request = bytes(buffer[: end + length])
    del buffer[: end + length]
    return request


class RecordingServer(_Listener):
    """`with RecordingServer() as s:` ... `s.requests`: every request's bytes, in order."""

    ANSWER = b'{"ok": true}'

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        buffer = bytearray()
        while (request := read_request(conn, buffer)) is not None:
            with self.lock:
                self.requests.append(request)
            head = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(self.ANSWER)
            )
            conn.sendall(head if request.startswith(b"HEAD ") else head + self.ANSWER)


class ScriptedServer(_Listener):
    """Answers a request for `/<name>` with `routes[name]`: byte pieces, sent with `pause[name]`
    seconds between them. The connection stays open for the next request (what a kept-alive
    HTTP/1.1 server does), except after the routes in `close`: then the server ends it (and
    reads until the client closes, so no reset loses bytes)."""

    def __init__(
        self,
        routes: dict[str, list[bytes]],
        pause: dict[str, float] | None = None,
        close: frozenset[str] = frozenset(),
    ) -> None:
        self.routes = routes
        self.pause = pause or {}
        self.close_after = close
        self.requests: list[str] = []
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        buffer = bytearray()
        while (request := read_request(conn, buffer)) is not None:
            name = request.split(b" ", 2)[1].decode().lstrip("/")
            with self.lock:
                self.requests.append(name)
            pause = self.pause.get(name, 0.0)
            for piece in self.routes.get(name, [_NOT_FOUND]):
                if self._closed:
                    return
                conn.sendall(piece)
                if pause:
                    time.sleep(pause)
            if name in self.close_after:
                conn.shutdown(socket.SHUT_WR)
                deadline = time.monotonic() + 2.0
                while time.monotonic() < deadline and conn.recv(65536):
                    pass
                return


_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
