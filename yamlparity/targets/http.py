"""HTTP target adapter: one pooled keep-alive connection set per target, a request per case.

Every failure to get an answer (refused, timeout, reset, body over the cap) becomes
`RawObservation.failure`; execute() never raises. Requests are never retried or redirected.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

import urllib3
from urllib3.connectionpool import HTTPConnectionPool, connection_from_url
from urllib3.exceptions import (
    DecodeError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import (
    TimeoutError as Urllib3Timeout,
)
from urllib3.response import BaseHTTPResponse

from yamlparity.model import HttpTarget
from yamlparity.ports import PORT_PLACEHOLDER, free_port, substitute_port
from yamlparity.services import ServiceProcess
from yamlparity.targets.base import Invocation, PreparedRequest, RawObservation

__all__ = ["SENSITIVE_HEADERS", "HttpAdapter"]

# Their values never appear in describe() or in failure texts.
SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})

_CHUNK = 64 * 1024
_FAILURE_TAIL_LINES = 20
_DEFAULT_CONNECTIONS = 10
_DEATH_GRACE = 0.2  # seconds; only spent when a started service drops a connection


class _BodyError(Exception):
    """The answer started but its body could not be taken whole."""


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
        self.service: ServiceProcess | None = None
        # A pool at least as large as the in-flight requests keeps every connection alive.
        self.max_connections = max(max_connections, target.concurrency or 0, 1)
        self._pool: HTTPConnectionPool | None = None
        self._prefix = ""
        self._timeout = urllib3.Timeout(connect=target.timeout, read=target.timeout)
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
        self._secrets = _secret_values(self.headers)
        parsed = urllib3.util.parse_url(self.base_url)
        self._prefix = (parsed.path or "").rstrip("/")
        if target.service is not None:
            self.service = ServiceProcess(
                target.service,
                target.name,
                port if port is not None else (parsed.port or 0),
                self.base_url,
                log_dir=self.log_dir,
            )
            self.service.start_and_wait()  # raises TargetUnavailable with the log tail
        self._pool = connection_from_url(
            self.base_url,
            maxsize=self.max_connections,
            block=False,
            retries=False,
            timeout=self._timeout,
        )

    def execute(self, invocation: Invocation) -> RawObservation:
        """Send the case's request; a failure to get a whole answer is a `failure`, not a raise."""
        request = invocation.request
        if self._pool is None:
            return RawObservation(self.name, failure="target not started")
        if request is None:
            return RawObservation(self.name, failure="no HTTP request was prepared for this case")
        if self._gate is None:
            return self._send(self._pool, request)
        with self._gate:
            return self._send(self._pool, request)

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

    def _send(self, pool: HTTPConnectionPool, request: PreparedRequest) -> RawObservation:
        headers = self._merge_headers(request.headers)
        started = time.perf_counter()
        try:
            resp = pool.urlopen(
                request.method,
                self._prefix + request.path,
                body=request.body,
                headers=headers,
                retries=False,  # a POST must never be sent twice
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                release_conn=False,
                timeout=self._timeout,
            )
        except Exception as exc:  # anything at all: execute() never raises
            lost = not isinstance(exc, Urllib3Timeout | TimeoutError)
            return self._failed(self._connect_reason(exc), started, request, connection_lost=lost)
        try:
            body = self._read_body(resp, started)
        except _BodyError as exc:
            _discard(resp)
            return self._failed(str(exc), started, request)
        except Exception as exc:
            _discard(resp)
            lost = isinstance(exc, ProtocolError | ConnectionError)
            return self._failed(self._body_reason(exc), started, request, connection_lost=lost)
        resp.release_conn()
        return RawObservation(
            self.name,
            duration=time.perf_counter() - started,
            status=resp.status,
            headers={k.lower(): v for k, v in resp.headers.itermerged()},
            stdout=body,
        )

    def _merge_headers(self, request_headers: dict[str, str]) -> dict[str, str]:
        """Target headers, overridden case-insensitively by the request's own."""
        if not self.headers:
            return request_headers
        overridden = {k.lower() for k in request_headers}
        merged = {k: v for k, v in self.headers.items() if k.lower() not in overridden}
        merged.update(request_headers)
        return merged

    def _read_body(self, resp: BaseHTTPResponse, started: float) -> bytes:
        cap = self.target.max_output
        length = resp.headers.get("content-length")
        if length is not None and length.isdigit():
            if int(length) > cap:
                raise _BodyError(f"body larger than {cap} bytes (Content-Length {length})")
            if resp.headers.get("content-encoding") in (None, "identity"):
                return resp.read()  # the common case: one call, length known and within the cap
        deadline = started + self.target.timeout
        chunks: list[bytes] = []
        size = 0
        while chunk := resp.read(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise _BodyError(f"body larger than {cap} bytes")
            if time.perf_counter() > deadline:  # a trickling body must not outlive the timeout
                raise _BodyError(f"timed out after {self.target.timeout:g} s reading the body")
            chunks.append(chunk)
        return b"".join(chunks)

    def _connect_reason(self, exc: BaseException) -> str:
        if isinstance(exc, NewConnectionError):
            if isinstance(exc.__cause__, ConnectionRefusedError) or "refused" in str(exc):
                return f"connection refused to {_redact_userinfo(self.base_url)}"
            return f"cannot connect to {_redact_userinfo(self.base_url)}: {_root_cause(exc)}"
        if isinstance(exc, Urllib3Timeout | TimeoutError):
            return f"timed out after {self.target.timeout:g} s"
        if isinstance(exc, ProtocolError):
            cause = _root_cause(exc)
            if isinstance(exc.__cause__, ConnectionResetError) or "reset" in cause.lower():
                return "connection reset before the response"
            return f"connection closed before the response ({cause})"
        return f"request failed: {type(exc).__name__}: {exc}"

    def _body_reason(self, exc: BaseException) -> str:
        if isinstance(exc, ReadTimeoutError | TimeoutError):
            return f"timed out after {self.target.timeout:g} s reading the body"
        if isinstance(exc, ProtocolError | ConnectionError):
            return f"connection reset while reading the body ({_root_cause(exc)})"
        if isinstance(exc, DecodeError):
            return f"cannot decode the body: {exc}"
        return f"reading the body failed: {type(exc).__name__}: {exc}"

    def _failed(
        self,
        reason: str,
        started: float,
        request: PreparedRequest,
        *,
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


def _secret_values(headers: dict[str, str]) -> tuple[str, ...]:
    """Values of sensitive headers, longest first so a prefix never leaves a suffix behind."""
    values = {v for k, v in headers.items() if k.lower() in SENSITIVE_HEADERS and v}
    return tuple(sorted(values, key=len, reverse=True))


def _redact_userinfo(url: str) -> str:
    parsed = urllib3.util.parse_url(url)
    if not parsed.auth:
        return url
    return parsed._replace(auth="***").url


def _root_cause(exc: BaseException) -> str:
    """The innermost exception's message: urllib3 wraps the socket error we want to show."""
    inner: BaseException = exc
    while True:
        nxt = inner.__cause__ or (inner.args[1] if _wraps(inner) else None)
        if not isinstance(nxt, BaseException):
            break
        inner = nxt
    return str(inner) or type(inner).__name__


def _wraps(exc: BaseException) -> bool:
    """ProtocolError('Connection aborted.', ConnectionResetError(...)) carries its cause in args."""
    args: tuple[Any, ...] = exc.args
    return len(args) >= 2 and isinstance(args[1], BaseException)


def _discard(resp: BaseHTTPResponse) -> None:
    """Close the connection (its stream is in an unknown state) and hand the slot back."""
    with contextlib.suppress(Exception):
        resp.close()
    with contextlib.suppress(Exception):
        resp.release_conn()
