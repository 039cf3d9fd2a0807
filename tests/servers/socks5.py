"""A tiny SOCKS5 proxy (RFC 1928) with username/password authentication (RFC 1929), for the
`proxy: socks5h://user:${SECRET}@...` tests. CONNECT only; the client may send a host name
(socks5h: the proxy resolves it) or an IPv4 address. Records what it was asked to reach."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType

IO_TIMEOUT = 10.0


class Socks5Proxy:
    """`with Socks5Proxy("user", "pass") as p:` — `p.port`, `p.targets`, `p.refused`."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username.encode(), password.encode()
        self.targets: list[tuple[str, int]] = []
        self.refused = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.settimeout(IO_TIMEOUT)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                upstream = self._handshake(conn)
            except (OSError, ValueError):
                return
            if upstream is None:
                return
            with upstream:
                _relay(conn, upstream)

    def _handshake(self, conn: socket.socket) -> socket.socket | None:
        version, count = _exactly(conn, 2)
        methods = _exactly(conn, count)
        if version != 5 or 2 not in methods:
            conn.sendall(b"\x05\xff")
            return None
        conn.sendall(b"\x05\x02")  # username/password
        _, ulen = _exactly(conn, 2)
        user = _exactly(conn, ulen)
        (plen,) = _exactly(conn, 1)
        password = _exactly(conn, plen)
        if (user, password) != (self.username, self.password):
            with self.lock:
                self.refused += 1
            conn.sendall(b"\x01\x01")
            return None
        conn.sendall(b"\x01\x00")
        _, command, _, kind = _exactly(conn, 4)
        if kind == 3:
            (length,) = _exactly(conn, 1)
            host = _exactly(conn, length).decode()
        elif kind == 1:
            host = socket.inet_ntoa(_exactly(conn, 4))
        else:
            raise ValueError("address type not supported here")
        (port,) = struct.unpack("!H", _exactly(conn, 2))
        if command != 1:
            raise ValueError("CONNECT only")
        with self.lock:
            self.targets.append((host, port))
        upstream = socket.create_connection((host, port), timeout=IO_TIMEOUT)
        conn.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", 0))
        return upstream

    def close(self) -> None:
        self.listener.close()

    def __enter__(self) -> Socks5Proxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _exactly(conn: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise ValueError("closed")
        data += chunk
    return data


def _relay(a: socket.socket, b: socket.socket) -> None:
    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    other = threading.Thread(target=pump, args=(b, a), daemon=True)
    other.start()
    pump(a, b)
    other.join(IO_TIMEOUT)
