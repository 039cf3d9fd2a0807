"""One HTTP/1.1 client connection on a raw socket: a request in one write, the answer parsed
from a byte buffer (status line, headers, Content-Length / chunked / until-close body).

Why not http.client: measured, it cost ~90 us of CPU per request here, half of it its
email-based header parser and the buffered-file layers; a run is CPU-bound in this process, so
that was ~40% of all per-case time. This reader does what a target needs and nothing else (no
redirects, no retries; a forward proxy by CONNECT tunnel or absolute-form requests, TLS from
an `ssl` context): ~20 us per small answer. Errors are typed so the adapter
can keep its failure texts (targets/http.py maps them).
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass

__all__ = [
    "BadResponse",
    "BodyTooLarge",
    "Closed",
    "Connection",
    "Incomplete",
    "Proxy",
    "ProxyRefused",
    "SlowBody",
]

_RECV = 256 * 1024
_MAX_HEAD = 64 * 1024  # http.client's line limit; a longer head is not an HTTP answer
_NO_BODY = frozenset({204, 304})


class Closed(Exception):
    """The server closed the connection before a byte of the answer."""


class BadResponse(Exception):
    """Bytes came back, but not an HTTP/1.x status line and headers."""


class Incomplete(Exception):
    """The connection ended inside the body."""


class BodyTooLarge(Exception):
    """The body grew past the cap (the adapter words the message)."""


class SlowBody(Exception):
    """The body was still arriving when the request's deadline passed."""


class ProxyRefused(Exception):
    """The proxy answered CONNECT with something other than 2xx."""


@dataclass(frozen=True)
class Proxy:
    """A forward proxy: where it listens, and its `Proxy-Authorization` value (or None)."""

    host: str
    port: int
    authorization: str | None = None


class Connection:
    """A keep-alive connection, opened on first send. Not thread-safe: one request at a time."""

    def __init__(
        self,
        host: str,
        port: int,
        timeout: float,
        tls: ssl.SSLContext | None = None,
        proxy: Proxy | None = None,
    ) -> None:
        self.host, self.port, self.timeout, self.tls = host, port, timeout, tls
        self.proxy = proxy
        self.sock: socket.socket | None = None
        self.reusable = True
        self._buf = bytearray()

    def close(self) -> None:
        sock, self.sock = self.sock, None
        self._buf.clear()
        if sock is not None:
            sock.close()

    def send(self, data: bytes) -> None:
        if self.sock is None:
            self._connect()
        assert self.sock is not None
        self.sock.sendall(data)

    def read_head(self) -> tuple[int, bool, dict[str, str]]:
        """(status, keep-alive, headers with lower-case names); 1xx interim answers skipped."""
        while True:
            status, version, headers = self._one_head()
            if not 100 <= status < 200 or status == 101:
                break
        connection = headers.get("connection", "").lower()
        # HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 only when asked to.
        keep = "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection
        return status, keep, headers

    def read_body(
        self, status: int, head_only: bool, headers: dict[str, str], cap: int, deadline: float
    ) -> bytes:
        """The body as sent (content codings are the adapter's business)."""
        body = self._body(status, head_only, headers, cap, deadline)
        if self._buf:
            # Bytes past the answer (e.g. a body sent with a 204): the next answer would start
            # inside them, so this connection is not reused.
            self.reusable = False
        return body

    def _body(
        self, status: int, head_only: bool, headers: dict[str, str], cap: int, deadline: float
    ) -> bytes:
        if head_only or status in _NO_BODY or status < 200:
            return b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._chunked(cap, deadline)
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise BadResponse(f"invalid Content-Length {length!r}")
            return self._exactly(int(length), deadline)
        self.reusable = False  # the end of the body is the end of the connection
        return self._until_close(cap, deadline)

    # ------------------------------------------------------------------ internals

    def _connect(self) -> None:
        proxy = self.proxy
        where = (proxy.host, proxy.port) if proxy is not None else (self.host, self.port)
        sock = socket.create_connection(where, self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        if self.tls is not None:
            if proxy is not None:
                self._tunnel(proxy)
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        self.reusable = True

    def _tunnel(self, proxy: Proxy) -> None:
        """CONNECT through the proxy; TLS then runs inside the tunnel."""
        assert self.sock is not None
        authority = f"{_bracketed(self.host)}:{self.port}"
        lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
        if proxy.authorization is not None:
            lines.append(f"Proxy-Authorization: {proxy.authorization}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        status, _, _ = self._one_head()
        if not 200 <= status < 300 or self._buf:
            raise ProxyRefused(f"proxy {proxy.host}:{proxy.port} answered CONNECT with {status}")

    def _fill(self) -> bool:
        """Append what the socket has to the buffer; False at end of stream."""
        assert self.sock is not None
        chunk = self.sock.recv(_RECV)
        if not chunk:
            return False
        self._buf += chunk
        return True

    def _one_head(self) -> tuple[int, str, dict[str, str]]:
        buf = self._buf
        end, sep = buf.find(b"\r\n\r\n"), 4
        while end < 0:
            end, sep = buf.find(b"\n\n"), 2  # bare-LF servers exist; http.client took them
            if end >= 0:
                break
            if len(buf) > _MAX_HEAD:
                raise BadResponse(f"response head longer than {_MAX_HEAD} bytes")
            if not self._fill():
                if not buf:
                    raise Closed("Remote end closed connection without response")
                raise BadResponse(f"connection ended inside the response head {bytes(buf[:80])!r}")
            end, sep = buf.find(b"\r\n\r\n"), 4
        lines = buf[:end].decode("iso-8859-1").split("\n")
        del buf[: end + sep]
        status_line = lines[0].rstrip("\r")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/") or len(code) != 3 or not code.isdigit():
            raise BadResponse(repr(status_line))
        return int(code), version, _headers(lines)

    def _exactly(self, length: int, deadline: float) -> bytes:
        buf = self._buf
        if len(buf) >= length:  # the usual small answer: it came with its head
            body = bytes(buf[:length])
            del buf[:length]
            return body
        assert self.sock is not None
        out = bytearray(length)
        view = memoryview(out)
        got = len(buf)
        view[:got] = buf
        buf.clear()
        while got < length:
            n = self.sock.recv_into(view[got:])
            if n == 0:
                raise Incomplete(f"IncompleteRead({got} bytes read, {length - got} more expected)")
            got += n
            if time.perf_counter() > deadline:
                raise SlowBody
        view.release()
        return bytes(out)

    def _until_close(self, cap: int, deadline: float) -> bytes:
        while self._fill():
            if len(self._buf) > cap:
                raise BodyTooLarge
            if time.perf_counter() > deadline:
                raise SlowBody
        body = bytes(self._buf)
        self._buf.clear()
        return body

    def _chunked(self, cap: int, deadline: float) -> bytes:
        buf = self._buf
        parts: list[bytes] = []
        size = 0
        while True:
            line_end = self._find(b"\r\n", deadline)
            text = buf[:line_end].split(b";", 1)[0].strip()
            try:
                n = int(text, 16)
            except ValueError:
                raise BadResponse(f"invalid chunk size {bytes(text[:40])!r}") from None
            del buf[: line_end + 2]
            if n == 0:
                self._skip_trailers(deadline)
                return b"".join(parts)
            size += n
            if size > cap:
                raise BodyTooLarge
            while len(buf) < n + 2:
                self._more(deadline)
            parts.append(bytes(buf[:n]))
            del buf[: n + 2]

    def _skip_trailers(self, deadline: float) -> None:
        while True:
            line_end = self._find(b"\r\n", deadline)
            del self._buf[: line_end + 2]
            if line_end == 0:
                return

    def _find(self, needle: bytes, deadline: float) -> int:
        while (at := self._buf.find(needle)) < 0:
            self._more(deadline)
        return at

    def _more(self, deadline: float) -> None:
        if not self._fill():
            raise Incomplete(f"IncompleteRead({len(self._buf)} bytes read)")
        if time.perf_counter() > deadline:
            raise SlowBody


def _headers(lines: list[str]) -> dict[str, str]:
    """Names lower-cased; a repeated header's values joined by ", " (RFC 9110 5.3)."""
    out: dict[str, str] = {}
    key = ""
    for raw in lines[1:]:
        line = raw.rstrip("\r")
        if line[:1] in (" ", "\t") and key:  # an obsolete folded continuation line
            out[key] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon:
            continue  # not a header line: ignored, as http.client does
        key = name.strip().lower()
        value = value.lstrip(" \t")
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
