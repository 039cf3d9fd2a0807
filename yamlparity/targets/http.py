"""HTTP target adapter on libcurl (targets/curl.py): one request per case, every target's
transfers driven together, connections kept alive between cases.

Every failure to get an answer (refused, timeout, reset, a body over the cap, an answer
libcurl rejects) becomes `RawObservation.failure`, in words; sending never raises. Requests
are never redirected.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from yamlparity.spec.model import HttpTarget
from yamlparity.spec.redact import SENSITIVE_HEADERS  # never in describe() or failures
from yamlparity.targets.base import (
    Invocation,
    PreparedRequest,
    RawObservation,
    TargetUnavailable,
)
from yamlparity.targets.curl import (
    SHARED_SLICE,
    Driver,
    Transfer,
    TransportOptions,
    after_answer_words,
    current_driver,
    words,
)
from yamlparity.targets.curlargs import implicit_headers
from yamlparity.targets.ports import PORT_PLACEHOLDER, free_port, substitute_port
from yamlparity.targets.services import PortInUse, ServiceProcess

__all__ = ["SENSITIVE_HEADERS", "HttpAdapter", "request_headers"]

_FAILURE_TAIL_LINES = 20
_DEATH_GRACE = 0.2  # seconds; only spent when a started service drops a connection
_HEADER_CACHE = 256  # distinct header sets whose libcurl lines are kept
_IDLE_PER_TARGET = 64  # easy handles kept between cases (each is ~a few KB without a transfer)
# A case's data must not inject a header or a second request.
_BAD_HEADER = re.compile(r"[\r\n\x00]")
_LOST = frozenset({7, 18, 52, 55, 56})  # refused, partial, nothing, send/recv error
_PORT_ATTEMPTS = 3  # starts of a `port: auto` service whose port was taken under it
# What servers print when their port is taken: "Address already in use" (C, Python, Java,
# Go), EADDRINUSE (Node.js), "address in use" (Rust).
_PORT_TAKEN = re.compile(r"address (already )?in use|EADDRINUSE", re.IGNORECASE)


class HttpAdapter:
    """Implements TargetAdapter for an `HttpTarget` (and its optional service)."""

    def __init__(
        self,
        target: HttpTarget,
        *,
        log_dir: Path | None = None,
        max_connections: int = 0,  # kept for callers; libcurl's multi sizes its own cache
    ) -> None:
        del max_connections
        self.name = target.name
        self.target = target
        self.log_dir = log_dir
        self.port: int | None = target.port if isinstance(target.port, int) else None
        self.base_url = target.url.rstrip("/")
        self.headers: dict[str, str] = dict(target.headers)
        self.service: ServiceProcess | None = None
        self.options: TransportOptions | None = None
        self._idle: list[Transfer] = []
        self._all: list[Transfer] = []
        self._lock = threading.Lock()
        self._closed = False
        # The one place a target's `concurrency` is enforced (the engine relies on it).
        self._gate = threading.BoundedSemaphore(target.concurrency) if target.concurrency else None
        # Its connections too: lanes share one multi (so at most `concurrency` connections),
        # where other targets' transfers run in each lane's own.
        self._shared = Driver(SHARED_SLICE) if target.concurrency else None
        self._secrets: tuple[str, ...] = ()
        self._via = ""
        self._header_cache: dict[tuple[tuple[tuple[str, str], ...], bool], list[bytes]] = {}

    # ----------------------------------------------------------------- TargetAdapter

    def start(self) -> None:
        """Choose the port, resolve `${port}`, start the service and wait until it is ready.

        A port picked free (`port: auto`) may be taken by another process before the service
        binds it (ports.free_port): a service that exits before it is ready saying its address
        is in use, or whose port is found in use before it starts, is started again on another
        free port, up to _PORT_ATTEMPTS times. A fixed port found in use is final (PortInUse)."""
        auto = self._auto_port()
        fixed = self.target.port if isinstance(self.target.port, int) else None
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            try:
                self._start_on(free_port() if auto else fixed)
                return
            except TargetUnavailable as exc:
                if not (auto and _port_taken(exc)):
                    raise
                if attempt == _PORT_ATTEMPTS:
                    raise TargetUnavailable(
                        f"{exc.reason} ({attempt} starts, each on another free port: its "
                        "address was in use every time)",
                        log_tail=exc.log_tail,
                    ) from None

    def _start_on(self, port: int | None) -> None:
        target = self.target
        self.port = port
        url = substitute_port(target.url, port) if port is not None else target.url
        self.base_url = url.rstrip("/")
        self.headers = {
            k: substitute_port(v, port) if port is not None else v
            for k, v in target.headers.items()
        }
        if target.auth is not None and target.auth.scheme == "basic":
            self.headers["Authorization"] = target.auth.header_value
        self._secrets = _secret_values(self.headers)
        self.options = transport_options(target, self.base_url)
        if target.proxy:
            proxy = urlsplit(target.proxy)
            self._via = f" (via proxy {proxy.hostname}:{proxy.port or 1080})"
        if target.service is not None:
            parsed = urlsplit(self.base_url)
            self.service = ServiceProcess(
                target.service,
                target.name,
                port if port is not None else (parsed.port or 0),
                self.base_url,
                log_dir=self.log_dir,
                transport=self.options,
            )
            self.service.start_and_wait()  # raises TargetUnavailable with the log tail

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

        The deadline runs from now: the engine hands a case to every target, then waits for
        each answer, and the driver reads every answer as it arrives whoever is awaited.
        """
        request = invocation.request
        if self.options is None or self._closed:
            return _ready(RawObservation(self.name, failure="target not started"))
        if request is None:
            failure = "no HTTP request was prepared for this case"
            return _ready(RawObservation(self.name, failure=failure))
        started = time.perf_counter()
        if self.service is not None and not self.service.alive():
            # Whatever answers on its port now is not the service: the case is not sent.
            return _ready(self._failed("request not sent", started, request))
        if request.method == "HEAD" and request.body is not None:
            # libcurl (like curl) cannot send one and still read a HEAD answer.
            reason = "a HEAD request carries no body, and this case gives one (json: or body:)"
            return _ready(self._failed(reason, started, request))
        # Most cases send the same headers: their libcurl lines are built once.
        key = (tuple(request.headers.items()), request.body is not None)
        header_lines = self._header_cache.get(key)
        if header_lines is None:
            try:
                header_lines = request_headers(
                    self._merge_headers(request.headers), request.body is not None, self.target
                )
            except ValueError as exc:
                return _ready(self._failed(str(exc), started, request))
            if len(self._header_cache) < _HEADER_CACHE:
                self._header_cache[key] = header_lines
        gate = self._gate
        if gate is not None:
            gate.acquire()
        transfer = self._transfer()
        transfer.prepare(self.base_url + request.path, request.method, header_lines, request.body)
        driver = self._shared or current_driver()
        driver.start(transfer)

        def finish() -> RawObservation:
            try:
                driver.wait(transfer)
                return self._observation(transfer, request, started)
            finally:
                self._release(transfer)
                if gate is not None:
                    gate.release()

        return finish

    def close(self) -> None:
        """Close every handle and stop the service (if we started one). Safe to call twice."""
        with self._lock:
            self._closed = True
            transfers, self._all, self._idle = self._all, [], []
        for transfer in transfers:
            if transfer.driver is not None and not transfer.done:
                transfer.driver.cancel(transfer)
            transfer.close()
        if self.service is not None:
            self.service.stop()

    def describe(self) -> str:
        """The resolved URL (and socket), and the service command when yamlparity starts one."""
        text = _redact_userinfo(self.base_url)
        if self.target.unix_socket is not None:
            text += f" (unix socket {self.target.unix_socket})"
        if self.service is not None:
            if self.service.reused:
                text += " (reused: already answering)"
            elif self.service.proc is None:  # refused (port in use) or could not be run
                text += f" (not started: {self.service.describe_command()})"
            else:
                text += f" (started: {self.service.describe_command()})"
        return self._scrub(text)

    # ----------------------------------------------------------------- internals

    def _auto_port(self) -> bool:
        port = self.target.port
        return port == "auto" or (port is None and PORT_PLACEHOLDER in self.target.url)

    def _transfer(self) -> Transfer:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        assert self.options is not None
        transfer = Transfer(self.options)
        with self._lock:
            self._all.append(transfer)
        return transfer

    def _release(self, transfer: Transfer) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < _IDLE_PER_TARGET:
                transfer.parts = []  # the body belongs to the observation now
                self._idle.append(transfer)
                return
            if transfer in self._all:
                self._all.remove(transfer)
        transfer.close()

    def _merge_headers(self, request_headers: dict[str, str]) -> dict[str, str]:
        """Target headers, overridden case-insensitively by the request's own."""
        if not self.headers:
            return request_headers
        overridden = {k.lower() for k in request_headers}
        merged = {k: v for k, v in self.headers.items() if k.lower() not in overridden}
        merged.update(request_headers)
        return merged

    def _observation(
        self, transfer: Transfer, request: PreparedRequest, started: float
    ) -> RawObservation:
        # Its own time, from its start to when the driver saw it end: the engine may collect
        # this answer only after another target's, slower one (issue 11).
        took = transfer.ended - transfer.started if transfer.ended else None
        if transfer.code != 0:
            headers = transfer.headers()
            reason = words(
                transfer,
                _redact_userinfo(self.base_url),
                self._via,
                self.target.max_output,
                headers.get("content-length"),
            )
            lost = transfer.code in _LOST or transfer.retry_refused
            return self._failed(reason, started, request, lost, took)
        if transfer.decode_error or transfer.over_cap:  # found once the body had ended
            reason = words(transfer, "", "", self.target.max_output, None)
            return self._failed(reason, started, request, took=took)
        if transfer.status_line is not None:
            line = transfer.status_line.decode("iso-8859-1").rstrip("\r\n")
            reason = f"not a valid HTTP answer: status line {line!r}"
            return self._failed(reason, started, request, took=took)
        status = transfer.status()
        if transfer.after_bytes:
            reason = after_answer_words(transfer, status)
            return self._failed(reason, started, request, took=took)
        if status == 407 and self.target.proxy:
            # The proxy's answer, not the target's: no verdict may rest on it.
            proxy = urlsplit(self.target.proxy)
            reason = f"proxy {proxy.hostname}:{proxy.port} answered 407 (credentials)"
            return self._failed(reason, started, request, took=took)
        return RawObservation(
            self.name,
            duration=took if took is not None else time.perf_counter() - started,
            status=status,
            headers=transfer.headers(),
            stdout=transfer.body,
        )

    def _failed(
        self,
        reason: str,
        started: float,
        request: PreparedRequest,
        connection_lost: bool = False,
        took: float | None = None,
    ) -> RawObservation:
        """A failure observation; says so when the service died, with its last log lines.
        `took`: the transfer's own duration, when it ran (else: from `started` to now)."""
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
        duration = took if took is not None else time.perf_counter() - started
        return RawObservation(self.name, duration=duration, failure=text)

    def _scrub(self, text: str, extra: tuple[str, ...] = ()) -> str:
        for secret in (*self._secrets, *extra):
            text = text.replace(secret, "***")
        return text


def transport_options(target: HttpTarget, base_url: str) -> TransportOptions:
    """The libcurl options of a target (also what its readiness probe uses)."""
    tls = target.tls
    auth = target.auth
    return TransportOptions(
        timeout=target.timeout,
        max_output=target.max_output,
        ca=tls.ca if tls is not None else None,
        cert=tls.cert if tls is not None else None,
        key=tls.key if tls is not None else None,
        verify=tls.verify if tls is not None else True,
        proxy=target.proxy,
        proxy_ca=tls.proxy_ca if tls is not None else None,
        unix_socket=target.unix_socket,
        http_version=target.http_version,
        compressed=target.compressed,
        plain_http1=urlsplit(base_url).scheme.lower() == "http"
        and target.http_version in (None, "1.1")
        and not target.proxy,
        digest=(auth.username, auth.password)
        if auth is not None and auth.scheme == "digest"
        else None,
    )


def request_headers(headers: dict[str, str], has_body: bool, target: HttpTarget) -> list[bytes]:
    """The header lines libcurl gets, as UTF-8 bytes (what `curl -H 'X-Uni: é'` sends; pycurl
    would encode text as ASCII and refuse it): the request's own, then
    `curlargs.implicit_headers` (so libcurl adds none the case did not ask for; curl's
    reproducer adds the same). A name or value with CR, LF or NUL is refused (ValueError): it
    would inject a header."""
    lines: list[bytes] = []
    names: set[str] = set()
    for name, value in headers.items():
        if _BAD_HEADER.search(name) is not None or _BAD_HEADER.search(value) is not None:
            raise ValueError(f"Invalid header {name!r}: {value!r}")
        names.add(name.lower())
        # `Name:` would remove a header in libcurl; `Name;` sends it with an empty value.
        lines.append(_utf8(name, f"{name}: {value}" if value.strip() else f"{name};"))
    lines.extend(
        line.encode("ascii") for line in implicit_headers(names, has_body, target.compressed)
    )
    return lines


def _utf8(name: str, line: str) -> bytes:
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from a `\ud800` escape) has no UTF-8
        raise ValueError(
            f"the header {name!r} holds a lone surrogate (a \\uD800-\\uDFFF escape), which "
            "has no UTF-8 bytes to send"
        ) from None


def _ready(observation: RawObservation) -> Callable[[], RawObservation]:
    return lambda: observation


def _secret_values(headers: dict[str, str]) -> tuple[str, ...]:
    """Values of sensitive headers, longest first so a prefix never leaves a suffix behind."""
    values = {v for k, v in headers.items() if k.lower() in SENSITIVE_HEADERS and v}
    return tuple(sorted(values, key=len, reverse=True))


def _redact_userinfo(url: str) -> str:
    parsed: SplitResult = urlsplit(url)
    if "@" not in parsed.netloc:
        return url
    host = parsed.netloc.rpartition("@")[2]
    return parsed._replace(netloc=f"***@{host}").geturl()


def _port_taken(failure: TargetUnavailable) -> bool:
    """A service whose port was taken: found in use before it started, or it exited before it
    was ready saying so."""
    if isinstance(failure, PortInUse):
        return True
    return "before it was ready" in failure.reason and bool(_PORT_TAKEN.search(failure.log_tail))
