"""HTTP target adapter: a pool of keep-alive connections per target, one request per case.

The wire is `targets/wire.py` (a raw-socket HTTP/1.1 client: http.client cost ~4x its CPU per
request, and a run is CPU-bound in this process). Every failure to get an answer (refused,
timeout, reset, body over the cap) becomes `RawObservation.failure`; sending never raises.
Requests are never retried or redirected.
"""

from __future__ import annotations

import re
import select
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from yamlparity.core.tls import tls_context
from yamlparity.spec.model import BasicAuth, HttpTarget
from yamlparity.spec.redact import SENSITIVE_HEADERS  # never in describe() or failures
from yamlparity.targets.base import Invocation, PreparedRequest, RawObservation
from yamlparity.targets.ports import PORT_PLACEHOLDER, free_port, substitute_port
from yamlparity.targets.services import ServiceProcess
from yamlparity.targets.wire import (
    BadResponse,
    BodyTooLarge,
    Closed,
    Connection,
    Incomplete,
    Proxy,
    ProxyRefused,
    SlowBody,
)

__all__ = ["HttpAdapter", "proxy_of"]


_FAILURE_TAIL_LINES = 20
_DEFAULT_CONNECTIONS = 10
_DEATH_GRACE = 0.2
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# What http.client refused in a request, so a case's data cannot inject a header or a request.
_BAD_PATH = re.compile(r"[\x00-\x20\x7f]")
_BAD_HEADER = re.compile(
    r"[\r\n\x00]"
)  # seconds; only spent when a started service drops a connection


class _BodyError(Exception):
    """The answer started but its body could not be taken whole."""


class _Pool:
    """Idle keep-alive connections to one host; at most `size` are kept between requests."""

    def __init__(
        self,
        url: SplitResult,
        timeout: float,
        size: int,
        tls: ssl.SSLContext | None = None,
        proxy: Proxy | None = None,
    ) -> None:
        self._tls = (tls or ssl.create_default_context()) if url.scheme == "https" else None
        self._proxy = proxy
        self._host = url.hostname or "127.0.0.1"
        self._port = url.port or (443 if self._tls else 80)
        self._timeout = timeout
        self._size = size
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self.closed = False

    def get(self) -> Connection:
        """An idle connection still open (a server may close idle ones), else a new one."""
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                return self._new()
            if not _dropped(conn):
                return conn
            conn.close()

    def put(self, conn: Connection) -> None:
        with self._lock:
            if not self.closed and len(self._idle) < self._size:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _new(self) -> Connection:
        return Connection(self._host, self._port, self._timeout, self._tls, self._proxy)


def _dropped(conn: Connection) -> bool:
    """An idle keep-alive socket that is readable was closed (or spoke out of turn)."""
    sock = conn.sock
    if sock is None:
        return False  # not connected yet: it connects on its first send
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class HttpAdapter:
    """Implements TargetAdapter for an `HttpTarget` (and its optional service)."""

    def __init__(
        self,
        target: HttpTarget,
        *,
        log_dir: Path | None = None,
        max_connections: int = _DEFAULT_CONNECTIONS,
    ) -> None:
        self.name = target.name
        self.target = target
        self.log_dir = log_dir
        self.port: int | None = target.port if isinstance(target.port, int) else None
        self.base_url = target.url.rstrip("/")
        self.headers: dict[str, str] = dict(target.headers)
        self.proxy = proxy_of(target.proxy) if target.proxy else None
        self._absolute = False  # plain HTTP through a proxy: absolute-form request lines
        self.service: ServiceProcess | None = None
        # A pool at least as large as the in-flight requests keeps every connection alive.
        self.max_connections = max(max_connections, target.concurrency or 0, 1)
        self._pool: _Pool | None = None
        self._prefix = ""
        self._host_header = ""
        # The one place a target's `concurrency` is enforced (the engine relies on it).
        self._gate = threading.BoundedSemaphore(target.concurrency) if target.concurrency else None
        self._secrets: tuple[str, ...] = ()

    # ----------------------------------------------------------------- TargetAdapter

    def start(self) -> None:
        """Choose the port, resolve `${port}`, start the service and wait until it is ready."""
        target = self.target
        port = self._choose_port()
        self.port = port
        url = substitute_port(target.url, port) if port is not None else target.url
        self.base_url = url.rstrip("/")
        self.headers = {
            k: substitute_port(v, port) if port is not None else v
            for k, v in target.headers.items()
        }
        if target.auth is not None:
            self.headers["Authorization"] = target.auth.header_value
        parsed = urlsplit(self.base_url)
        self._prefix = parsed.path.rstrip("/")
        self._host_header = _host_header(parsed)
        self._absolute = self.proxy is not None and parsed.scheme == "http"
        if self._absolute and self.proxy is not None and self.proxy.authorization is not None:
            self.headers.setdefault("Proxy-Authorization", self.proxy.authorization)
        self._secrets = _secret_values(self.headers)
        tls = target.tls
        context = (
            tls_context(tls.ca, tls.cert, tls.key, tls.verify)
            if tls is not None and parsed.scheme == "https"
            else None
        )
        if target.service is not None:
            self.service = ServiceProcess(
                target.service,
                target.name,
                port if port is not None else (parsed.port or 0),
                self.base_url,
                log_dir=self.log_dir,
                tls=context,
            )
            self.service.start_and_wait()  # raises TargetUnavailable with the log tail
        self._pool = _Pool(parsed, target.timeout, self.max_connections, context, self.proxy)

    @property
    def overlaps(self) -> bool:
        """begin() may be called again before an earlier request's answer is read (the engine
        sends the next case early); not when `concurrency` caps this target's requests."""
        return self._gate is None

    def execute(self, invocation: Invocation) -> RawObservation:
        """Send the case's request and wait for the answer; never raises."""
        return self.begin(invocation)()

    def begin(self, invocation: Invocation) -> Callable[[], RawObservation]:
        """Send the request now; the returned call waits for the answer (never raises).

        Two steps so the engine can hand a case to every target before waiting for any.
        """
        request = invocation.request
        pool = self._pool
        if pool is None or pool.closed:
            return _ready(RawObservation(self.name, failure="target not started"))
        if request is None:
            failure = "no HTTP request was prepared for this case"
            return _ready(RawObservation(self.name, failure=failure))
        gate = self._gate
        if gate is not None:
            gate.acquire()
        started = time.perf_counter()
        conn = pool.get()
        try:
            conn.send(self._request_bytes(request))
            send_cost = time.perf_counter() - started
        except Exception as exc:  # anything at all: sending never raises
            conn.close()
            if gate is not None:
                gate.release()
            lost = not isinstance(exc, TimeoutError)
            return _ready(self._failed(self._send_reason(exc), started, request, lost))

        def finish() -> RawObservation:
            # The clock runs from when this case's answer is awaited: the engine may send the
            # next case before evaluating this one, and that evaluation is not the target's
            # time (a big body would otherwise "time out" while we compare the last one).
            clock = time.perf_counter() - send_cost
            try:
                return self._receive(pool, conn, request, clock)
            finally:
                if gate is not None:
                    gate.release()

        return finish

    def close(self) -> None:
        """Close the pool and stop the service (if we started one). Safe to call twice."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        if self.service is not None:
            self.service.stop()

    def describe(self) -> str:
        """The resolved URL, and the service command when yamlparity starts one."""
        text = _redact_userinfo(self.base_url)
        if self.service is not None:
            if self.service.reused:
                text += " (reused: already answering)"
            else:
                text += f" (started: {self.service.describe_command()})"
        return self._scrub(text)

    # ----------------------------------------------------------------- internals

    def _choose_port(self) -> int | None:
        port = self.target.port
        if port == "auto" or (port is None and PORT_PLACEHOLDER in self.target.url):
            return free_port()
        return port

    def _receive(
        self, pool: _Pool, conn: Connection, request: PreparedRequest, started: float
    ) -> RawObservation:
        try:
            status, keep, headers = conn.read_head()
        except Exception as exc:
            conn.close()
            lost = not isinstance(exc, TimeoutError)
            return self._failed(self._answer_reason(exc), started, request, lost)
        try:
            body = self._read_body(conn, status, request.method == "HEAD", headers, started)
        except _BodyError as exc:
            conn.close()
            return self._failed(str(exc), started, request)
        except Exception as exc:
            conn.close()
            lost = isinstance(exc, Incomplete | ConnectionError)
            return self._failed(self._body_reason(exc), started, request, lost)
        if keep and conn.reusable:
            pool.put(conn)
        else:
            conn.close()  # the server said `Connection: close`, or ended the body by closing
        if status == 407 and self._absolute and self.proxy is not None:
            # The proxy's answer, not the target's: no verdict may rest on it.
            reason = f"proxy {self.proxy.host}:{self.proxy.port} answered 407 (credentials)"
            return self._failed(reason, started, request)
        return RawObservation(
            self.name,
            duration=time.perf_counter() - started,
            status=status,
            headers=headers,
            stdout=body,
        )

    def _request_bytes(self, request: PreparedRequest) -> bytes:
        """Request line, headers and body in one buffer: one write, one segment when small."""
        path = self._prefix + request.path
        if _BAD_PATH.search(path) is not None:
            raise ValueError(f"URL can't contain control characters or spaces: {path!r}")
        headers = self._merge_headers(request.headers)
        names = {name.lower() for name in headers}
        target = f"http://{self._host_header}{path}" if self._absolute else path
        lines = [f"{request.method} {target} HTTP/1.1"]
        if "host" not in names:
            lines.append(f"Host: {self._host_header}")
        if "accept-encoding" not in names:
            lines.append("Accept-Encoding: identity")
        for name, value in headers.items():
            if _BAD_HEADER.search(name) is not None or _BAD_HEADER.search(value) is not None:
                raise ValueError(f"Invalid header {name!r}: {value!r}")
            lines.append(f"{name}: {value}")
        body = request.body
        if "content-length" not in names:
            if body is not None:
                lines.append(f"Content-Length: {len(body)}")
            elif request.method in _BODY_METHODS:
                lines.append("Content-Length: 0")  # as http.client did: some servers need it
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + body if body else head

    def _merge_headers(self, request_headers: dict[str, str]) -> dict[str, str]:
        """Target headers, overridden case-insensitively by the request's own."""
        if not self.headers:
            return request_headers
        overridden = {k.lower() for k in request_headers}
        merged = {k: v for k, v in self.headers.items() if k.lower() not in overridden}
        merged.update(request_headers)
        return merged

    def _read_body(
        self,
        conn: Connection,
        status: int,
        head_only: bool,
        headers: dict[str, str],
        started: float,
    ) -> bytes:
        cap = self.target.max_output
        length = headers.get("content-length")
        # HEAD, 1xx, 204 and 304 answers announce a size but carry no body.
        bodiless = head_only or status < 200 or status in (204, 304)
        if not bodiless and length is not None and length.isdigit() and int(length) > cap:
            raise _BodyError(f"body larger than {cap} bytes (Content-Length {length})")
        # A trickling body must not outlive the timeout (each read alone has its own).
        deadline = started + self.target.timeout
        try:
            body = conn.read_body(status, head_only, headers, cap, deadline)
        except BodyTooLarge:
            raise _BodyError(f"body larger than {cap} bytes") from None
        except SlowBody:
            raise _BodyError(
                f"timed out after {self.target.timeout:g} s reading the body"
            ) from None
        encoding = headers.get("content-encoding")
        if encoding is None:
            return body
        return _decoded(body, encoding.strip().lower(), cap)

    def _send_reason(self, exc: BaseException) -> str:
        url = _redact_userinfo(self.base_url)
        if isinstance(exc, ConnectionRefusedError):
            via = f" (via proxy {self.proxy.host}:{self.proxy.port})" if self.proxy else ""
            return f"connection refused to {url}{via}"
        if isinstance(exc, ProxyRefused):
            return str(exc)
        if isinstance(exc, TimeoutError):
            return f"timed out after {self.target.timeout:g} s"
        if isinstance(exc, ConnectionError):
            return f"connection reset before the response ({_root_cause(exc)})"
        if isinstance(exc, OSError):
            return f"cannot connect to {url}: {_root_cause(exc)}"
        return f"request failed: {type(exc).__name__}: {exc}"

    def _answer_reason(self, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError):
            return f"timed out after {self.target.timeout:g} s"
        if isinstance(exc, Closed):
            return f"connection closed before the response ({_root_cause(exc)})"
        if isinstance(exc, ConnectionResetError):
            return "connection reset before the response"
        if isinstance(exc, ConnectionError | BadResponse):
            return f"connection closed before the response ({_root_cause(exc)})"
        return f"request failed: {type(exc).__name__}: {exc}"

    def _body_reason(self, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError):
            return f"timed out after {self.target.timeout:g} s reading the body"
        if isinstance(exc, Incomplete | ConnectionError):
            return f"connection reset while reading the body ({_root_cause(exc)})"
        if isinstance(exc, zlib.error):
            return f"cannot decode the body: {exc}"
        return f"reading the body failed: {type(exc).__name__}: {exc}"

    def _failed(
        self,
        reason: str,
        started: float,
        request: PreparedRequest,
        connection_lost: bool = False,
    ) -> RawObservation:
        """A failure observation; says so when the service died, with its last log lines."""
        service = self.service
        if service is not None and connection_lost:
            # A server's sockets close a moment before its exit status exists: let it land.
            service.wait_exit(_DEATH_GRACE)
        if service is not None and not service.alive():
            reason += f"; the service {service.exit_description()}"
            tail = service.log_tail(_FAILURE_TAIL_LINES)
            if tail:
                reason += f" — last log lines:\n{tail}"
        text = self._scrub(reason, _secret_values(request.headers))
        return RawObservation(self.name, duration=time.perf_counter() - started, failure=text)

    def _scrub(self, text: str, extra: tuple[str, ...] = ()) -> str:
        for secret in (*self._secrets, *extra):
            text = text.replace(secret, "***")
        return text


def _ready(observation: RawObservation) -> Callable[[], RawObservation]:
    return lambda: observation


def proxy_of(url: str) -> Proxy:
    """A forward proxy URL (`http://[user:pass@]host[:port]`) as wire.Proxy."""
    parsed = urlsplit(url)
    authorization = None
    if parsed.username is not None:
        user, password = unquote(parsed.username), unquote(parsed.password or "")
        authorization = BasicAuth(user, password).header_value
    return Proxy(parsed.hostname or "127.0.0.1", parsed.port or 80, authorization)


def _host_header(url: SplitResult) -> str:
    """Host as http.client wrote it: IPv6 in brackets, the port unless it is the default."""
    host = url.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    default = 443 if url.scheme == "https" else 80
    return host if url.port in (None, default) else f"{host}:{url.port}"


def _decoded(body: bytes, encoding: str, cap: int) -> bytes:
    """gzip/deflate bodies decoded (capped: a small bomb must not fill memory); others as sent."""
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return body
    wbits = 16 + zlib.MAX_WBITS if encoding != "deflate" else zlib.MAX_WBITS
    decoder = zlib.decompressobj(wbits)
    out = decoder.decompress(body, cap + 1)
    if len(out) > cap:
        raise _BodyError(f"body larger than {cap} bytes (decoded)")
    return out


def _secret_values(headers: dict[str, str]) -> tuple[str, ...]:
    """Values of sensitive headers, longest first so a prefix never leaves a suffix behind."""
    values = {v for k, v in headers.items() if k.lower() in SENSITIVE_HEADERS and v}
    return tuple(sorted(values, key=len, reverse=True))


def _redact_userinfo(url: str) -> str:
    parsed = urlsplit(url)
    if "@" not in parsed.netloc:
        return url
    host = parsed.netloc.rpartition("@")[2]
    return parsed._replace(netloc=f"***@{host}").geturl()


def _root_cause(exc: BaseException) -> str:
    """The innermost exception's message."""
    inner: BaseException = exc
    while inner.__cause__ is not None:
        inner = inner.__cause__
    return str(inner) or type(inner).__name__
