"""libcurl (through pycurl) for HTTP targets: the client curl users trust, driven without a
thread per request.

- A `Driver` per thread owns one `CurlMulti`: every target's transfers of that thread's cases
  run in it, concurrently, over connections it keeps alive between cases. `Driver.wait(t)`
  drives the multi (so the other targets' transfers progress too) until `t` is done.
- A watchdog thread drives a multi that nobody is waiting on (its lane is busy comparing the
  previous case), so answers are read when they arrive and a deadline only ever counts the
  target's own time.
- `Transfer` is one easy handle with the target's options set once (`TransportOptions`) and
  the request's set per case. Its deadline is the whole answer (connect + head + body:
  CURLOPT_TIMEOUT_MS), its body cap is counted in the write callback (decoded bytes: no
  framing or content coding gets past it), and a status line libcurl would take but is not
  `HTTP/x[.y] NNN` (e.g. `HTTP/1.1 2000`) makes the answer invalid.
- `words(...)` turns a libcurl error into the reason a report shows.

Requests are never redirected. libcurl sends a request again, once, when a kept-alive
connection turns out to be closed before any byte of the answer (as curl does).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import select
import socket
import ssl
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field, replace

import pycurl

from yamlparity.spec.recording import response_headers
from yamlparity.targets.decode import BodyDecoder, own_decoding

__all__ = [
    "HTTP_VERSIONS",
    "Driver",
    "Transfer",
    "TransportOptions",
    "after_answer_words",
    "current_driver",
    "system_ca",
    "words",
]

# `http_version:` values, as curl's flags name them.
HTTP_VERSIONS: dict[str, int] = {
    "1.1": pycurl.CURL_HTTP_VERSION_1_1,
    "2": pycurl.CURL_HTTP_VERSION_2_0,
    "2-prior-knowledge": pycurl.CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE,
    "3": pycurl.CURL_HTTP_VERSION_3,
}
_RESETS = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED})
_WEIRD_SERVER_REPLY = 8  # CURLE_WEIRD_SERVER_REPLY (pycurl names it only for FTP)
_WAIT_SLICE = 0.05  # longest select(); a socket libcurl cannot select() on still gets read
SHARED_SLICE = 0.002  # ...on a driver lanes share: a transfer another lane starts waits this
BUFFER_SIZE = 256 * 1024  # libcurl's read size per transfer (its default is 16 KiB)
_WATCH_EVERY = 0.02  # seconds between the watchdog's looks at multis no lane drives
_GRACE = 1.0  # past a transfer's deadline libcurl has ended it; this is a safety net only
_STATUS_LINE = re.compile(rb"HTTP/\d(?:\.\d)? [1-9]\d\d(?:[ \t\r\n]|$)")


# ----------------------------------------------------------------------------- trust store

_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine, Arch, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL, CentOS
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # RHEL 7+
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/usr/local/share/certs/ca-root-nss.crt",  # FreeBSD
    "/etc/ssl/cert.pem",  # macOS, OpenBSD, Alpine
)
_CA_DIRS = ("/etc/ssl/certs", "/etc/pki/tls/certs", "/system/etc/security/cacerts")


def system_ca() -> tuple[str | None, str | None]:
    """(CA file, CA directory) of the system's trust store, as Python's ssl finds it.

    libcurl in a pycurl wheel was built elsewhere and looks for its bundle where that system
    keeps it (on Debian it finds none), so yamlparity always names the store: SSL_CERT_FILE /
    SSL_CERT_DIR when set (what Python's ssl honours), else OpenSSL's default paths, else the
    usual places. (None, None) where no file exists (Windows: the native store is used).
    """
    env_file, env_dir = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if env_file or env_dir:
        return (env_file if env_file and os.path.isfile(env_file) else None), (
            env_dir if env_dir and os.path.isdir(env_dir) else None
        )
    paths = ssl.get_default_verify_paths()
    cafile = paths.cafile if paths.cafile and os.path.isfile(paths.cafile) else None
    capath = paths.capath if paths.capath and os.path.isdir(paths.capath) else None
    if cafile is None:
        cafile = next((path for path in _CA_FILES if os.path.isfile(path)), None)
    if capath is None and cafile is None:
        capath = next((path for path in _CA_DIRS if os.path.isdir(path)), None)
    return cafile, capath


# ----------------------------------------------------------------------------- options


@dataclass(frozen=True)
class TransportOptions:
    """Everything about a target's transfers that is the same for every case."""

    timeout: float
    max_output: int
    ca: str | None = None
    cert: str | None = None
    key: str | None = None
    verify: bool = True
    proxy: str | None = None
    proxy_ca: str | None = None
    unix_socket: str | None = None
    http_version: str | None = None
    compressed: bool = False
    digest: tuple[str, str] | None = None  # (username, password)
    # Cleartext HTTP/1.x without a proxy: every byte on a kept-alive connection is the
    # target's, so bytes between answers can be looked for (see Transfer._after_answer).
    plain_http1: bool = False
    extra: tuple[tuple[int, object], ...] = field(default=())  # tests: more libcurl options

    def apply(self, easy: pycurl.Curl) -> None:
        """Set these options on an easy handle (once; the per-case ones come in prepare)."""
        setopt = easy.setopt
        setopt(pycurl.NOSIGNAL, 1)
        setopt(pycurl.TCP_NODELAY, 1)
        setopt(pycurl.PATH_AS_IS, 1)  # `/a/../b` is sent as written
        setopt(pycurl.FOLLOWLOCATION, 0)
        setopt(pycurl.TIMEOUT_MS, max(1, round(self.timeout * 1000)))
        setopt(pycurl.MAXFILESIZE_LARGE, self.max_output)
        # Fewer, larger reads: each one calls back into Python for the GIL, which a lane busy
        # comparing a big case holds most of the time (a 9 MB body in 16 KiB reads took seconds).
        setopt(pycurl.BUFFERSIZE, BUFFER_SIZE)
        # An empty PROXY means none: libcurl would otherwise read http_proxy and friends. The
        # proxy URL's scheme (http, https, socks4, socks4a, socks5, socks5h) says its kind.
        setopt(pycurl.PROXY, self.proxy or "")
        self._apply_tls(easy)
        if self.unix_socket is not None:
            setopt(pycurl.UNIX_SOCKET_PATH, self.unix_socket)
        if self.http_version is not None:
            setopt(pycurl.HTTP_VERSION, HTTP_VERSIONS[self.http_version])
        if self.compressed:
            setopt(pycurl.ACCEPT_ENCODING, "")  # every coding this libcurl decodes
            if own_decoding():
                # The bytes as sent: targets/decode.py decodes them, and finds a stream that
                # never ends, which libcurl's decoders take as a whole body.
                setopt(pycurl.HTTP_CONTENT_DECODING, 0)
        if self.digest is not None:
            setopt(pycurl.HTTPAUTH, pycurl.HTTPAUTH_DIGEST)
            setopt(pycurl.USERNAME, self.digest[0])
            setopt(pycurl.PASSWORD, self.digest[1])
        for option, value in self.extra:
            setopt(option, value)

    def _apply_tls(self, easy: pycurl.Curl) -> None:
        setopt = easy.setopt
        cafile, capath = (self.ca, None) if self.ca is not None else system_ca()
        if cafile is not None:
            setopt(pycurl.CAINFO, cafile)
        if capath is not None:
            setopt(pycurl.CAPATH, capath)
        if cafile is None and capath is None and sys.platform == "win32":
            setopt(pycurl.SSL_OPTIONS, pycurl.SSLOPT_NATIVE_CA)
        if self.cert is not None:
            setopt(pycurl.SSLCERT, self.cert)
            setopt(pycurl.SSLKEY, self.key or self.cert)
        if not self.verify:
            setopt(pycurl.SSL_VERIFYPEER, 0)
            setopt(pycurl.SSL_VERIFYHOST, 0)
        if self.proxy and self.proxy.lower().startswith("https://"):
            proxy_file, proxy_dir = (self.proxy_ca, None) if self.proxy_ca else system_ca()
            if proxy_file is not None:
                setopt(pycurl.PROXY_CAINFO, proxy_file)
            if proxy_dir is not None:
                setopt(pycurl.PROXY_CAPATH, proxy_dir)


# ----------------------------------------------------------------------------- one transfer


class Transfer:
    """One reusable easy handle and the answer of its current request."""

    __slots__ = (
        "_lines",
        "after_bytes",
        "body_bytes",
        "cap",
        "code",
        "dead_reuse",
        "deadline",
        "decode_error",
        "decoder",
        "done",
        "driver",
        "easy",
        "ended",
        "framing_error",
        "fresh",
        "head_done",
        "local_port",
        "message",
        "method",
        "no_body",
        "options",
        "os_errno",
        "over_cap",
        "parts",
        "retry_refused",
        "sent",
        "started",
        "status_line",
        "stray_bytes",
    )

    def __init__(self, options: TransportOptions) -> None:
        self.options = options
        self.cap = options.max_output
        easy = pycurl.Curl()
        options.apply(easy)
        easy.setopt(pycurl.WRITEFUNCTION, self._write)
        easy.setopt(pycurl.HEADERFUNCTION, self._header)
        easy.setopt(pycurl.PREREQFUNCTION, self._prereq)
        easy.setopt(pycurl.SOCKOPTFUNCTION, self._sockopt)
        easy.transfer = self  # type: ignore[attr-defined]  # found again from info_read
        self.easy = easy
        self.driver: Driver | None = None
        self.method = "GET"
        self.fresh = False  # FRESH_CONNECT is set (a retry off a connection not reused)
        self._clear()

    def _clear(self) -> None:
        self.parts: list[bytes] = []
        self.body_bytes = 0
        self._lines: list[bytes] = []
        self.head_done = False
        self.over_cap = False
        self.status_line: bytes | None = None  # a status line that is not HTTP's
        self.done = False
        self.code = 0
        self.message = ""
        self.os_errno = 0
        self.sent = False
        self.retry_refused = False
        self.dead_reuse = False  # the first request went out on a connection already closed
        self.stray_bytes = False  # the connection offered held bytes: taken out, not used
        self.local_port = 0  # of the connection the request went out on (0: unknown)
        self.no_body = False  # the answer has no body by rule (HEAD, 204, 304)
        self.after_bytes = 0  # bytes found on the connection after this answer ended
        self.decoder: BodyDecoder | None = None  # compressed: made at the body's first bytes
        self.decode_error = ""
        self.framing_error = ""  # a head libcurl would take but HTTP says is an error
        self.started = 0.0
        self.deadline = 0.0
        self.ended = 0.0  # when the driver saw it end (whoever was waiting then)

    def prepare(self, url: str, method: str, headers: list[bytes], body: bytes | None) -> None:
        """Set the request: URL, method, header lines (UTF-8 bytes: libcurl sends them as they
        are), body (None: no body at all)."""
        self._clear()
        self.method = method
        setopt = self.easy.setopt
        if self.fresh:
            setopt(pycurl.FRESH_CONNECT, 0)
            self.fresh = False
        setopt(pycurl.URL, url)
        # libcurl refuses an announced Content-Length over the cap before reading anything; a
        # HEAD answer announces the GET's length and has no body (0: no limit; _write counts).
        setopt(pycurl.MAXFILESIZE_LARGE, 0 if method == "HEAD" else self.cap)
        if body is None:
            if method == "HEAD":
                setopt(pycurl.NOBODY, 1)
                self.easy.unsetopt(pycurl.CUSTOMREQUEST)
            else:
                setopt(pycurl.HTTPGET, 1)
                if method == "GET":
                    self.easy.unsetopt(pycurl.CUSTOMREQUEST)
                else:
                    setopt(pycurl.CUSTOMREQUEST, method)
        else:
            setopt(pycurl.NOBODY, 0)  # a HEAD before on this handle would keep the body out
            setopt(pycurl.POSTFIELDSIZE_LARGE, len(body))
            setopt(pycurl.POSTFIELDS, body)  # pycurl keeps a reference: no copy
            if method == "POST":
                self.easy.unsetopt(pycurl.CUSTOMREQUEST)
            else:
                setopt(pycurl.CUSTOMREQUEST, method)
        setopt(pycurl.HTTPHEADER, headers)

    # -- callbacks (libcurl calls them from perform(), with the GIL)

    def _write(self, data: bytes) -> int | None:
        if self.options.compressed and own_decoding():
            try:
                data = self._decode(data)
            except ValueError as exc:
                self.decode_error = str(exc)
                return 0  # libcurl aborts the transfer (CURLE_WRITE_ERROR)
        self.body_bytes += len(data)
        if self.body_bytes > self.cap:
            self.over_cap = True
            return 0  # libcurl aborts the transfer (CURLE_WRITE_ERROR)
        self.parts.append(data)
        return None

    def _decode(self, data: bytes) -> bytes:
        decoder = self.decoder
        if decoder is None:
            decoder = self.decoder = BodyDecoder(self._content_encoding())
        return decoder.feed(data)

    def _content_encoding(self) -> str:
        codings = []
        for line in self._lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-encoding":
                codings.append(value.decode("iso-8859-1").strip())
        return ", ".join(codings)

    def end_body(self) -> None:
        """The transfer is done: a coded body's streams must have reached their ends."""
        decoder = self.decoder
        if decoder is None or self.decode_error:
            return
        try:
            tail = decoder.end()
        except ValueError as exc:
            self.decode_error = str(exc)
            return
        if tail:
            self.body_bytes += len(tail)
            self.over_cap = self.body_bytes > self.cap
            self.parts.append(tail)

    def _prereq(self, _remote_ip: str, _local_ip: str, _remote_port: int, local_port: int) -> int:
        """Called before each request goes out on a connection (new or kept alive).

        libcurl sends a request again, on a new connection, when a kept-alive one ended with
        no byte of answer. That is right when the server had closed it before the request
        went out (an idle timeout: it never saw the request), and wrong when the server took
        the request and dropped the connection (it may have acted on it): the first request's
        connection is looked at here, and only a retry after a closed one is let through.
        A kept-alive cleartext HTTP/1.x connection that holds bytes nobody asked for (a second
        answer sent late), or that an answer without a body ended (_after_answer), is not
        used: the request is not sent on it, and the driver sends it on a fresh connection.
        """
        if self.sent:
            if self._lines or self.dead_reuse:
                return int(pycurl.PREREQFUNC_OK)  # an auth round, or the retry that is due
            self.retry_refused = True
            return int(pycurl.PREREQFUNC_ABORT)
        self.sent = True
        state = _connection_state(local_port)
        if state == "closed":
            self.dead_reuse = True
        elif self.options.plain_http1 and (state == "stray" or local_port in _RETIRED):
            self.stray_bytes = True
            _retire(local_port)
            return int(pycurl.PREREQFUNC_ABORT)
        self.local_port = local_port
        if local_port > 0:
            _OWNER_OF_PORT[local_port] = self
        return int(pycurl.PREREQFUNC_OK)

    def retry_fresh(self) -> bool:
        """Ready to be started again on a new connection, when the request was held back
        because the connection offered held bytes nobody asked for (not sent: no harm)."""
        if not self.stray_bytes or self.fresh:
            return False
        started, deadline = self.started, self.deadline  # its deadline still runs
        self._clear()
        self.started, self.deadline = started, deadline
        self.easy.setopt(pycurl.FRESH_CONNECT, 1)
        self.fresh = True
        return True

    def after_answer(self) -> None:
        """The transfer is done: look, without waiting, for bytes after the answer's end.

        An answer with no body by rule (HEAD, 204, 304): bytes already there (or read by
        libcurl with the head) are its ERROR, and its connection is retired whatever it
        found, since a body the server sends anyway (do_HEAD writing the GET's body) would
        be read as the next request's answer. An answer with a body: only while this
        transfer is still the last one to have used the connection (another may have taken
        it in the same perform: its own prereq looked then); bytes there came after the
        whole answer and before any other request, so they are this exchange's (a difference
        the wire carries), and the connection is retired.
        """
        port = self.local_port
        if not self.options.plain_http1 or port <= 0:
            return
        # The socket of the connection this transfer used, if libcurl kept it: by libcurl's
        # own record, not by port (a closed socket's number may belong to another by now).
        fd = int(self.easy.getinfo(pycurl.ACTIVESOCKET))
        if fd == -1:
            # Closed by a later request that found it retired (a no-body answer's connection,
            # offered again before this transfer was looked at): that says nothing of bytes.
            if port in _SHUT_HERE:
                return
            if self._dropped_by_libcurl():
                self.after_bytes = -1  # read with the answer: how many is not known
            return
        if _OWNER_OF_PORT.get(port) is not self:
            return  # another request took it in the same perform (its prereq looked)
        self.after_bytes = _waiting_bytes(fd, _NO_BODY_WAIT if self.no_body else 0.0)
        if self.after_bytes or self.no_body:
            _retire(port, fd)

    def _dropped_by_libcurl(self) -> bool:
        """libcurl closed the connection of a framed HTTP/1.1 answer (no body by rule, a
        Content-Length or chunked) that did not announce `Connection: close`: it does that
        when bytes came after the answer's end in the same read ("Excess found" in its
        verbose log, which costs too much to keep on)."""
        if not self._lines or not self._lines[0].startswith(b"HTTP/1.1 "):
            return False
        framed = self.no_body
        for line in self._lines[1:]:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.lower()
            if name == b"connection" and b"close" in value:
                return False
            framed = framed or name == b"content-length" or b"chunked" in value
        return framed

    def _end_of_head(self) -> None:
        """Is this answer one with no body by rule (HEAD, 204, 304)? See after_answer."""
        status = self._lines[0].split(None, 2)[1:2] if self._lines else []
        self.no_body = self.method == "HEAD" or bool(status and status[0] in (b"204", b"304"))
        if self.no_body and self.local_port > 0:
            # No other request may take the connection from now on (it goes back to the pool
            # before after_answer looks): a prereq offered it sends on a fresh one.
            _RETIRED.add(self.local_port)

    def _sockopt(self, fd: int, _purpose: int) -> int:
        """A new socket (its local port is known once connected): see _connection_state."""
        _new_socket(fd)
        return 0  # CURL_SOCKOPT_OK

    def _header(self, line: bytes) -> int | None:
        if line[:5] == b"HTTP/":  # a new head: an interim 1xx, a proxy's CONNECT answer...
            self._lines = [line]
            self.head_done = False
            if _STATUS_LINE.match(line) is None:
                self.status_line = line
            return None
        if self.head_done:
            return None  # a trailer after a chunked body: not part of the answer's head
        if line in (b"\r\n", b"\n"):
            # The end of a head; an interim one (1xx) is not the answer's.
            status = self._lines[0].split(None, 2)[1:2] if self._lines else []
            self.head_done = not (status and status[0][:1] == b"1")
            if self.head_done:
                self.framing_error = _framing_error(self._lines)
                if self.framing_error:
                    return 0  # libcurl aborts the transfer (CURLE_WRITE_ERROR)
                if self.options.plain_http1:
                    self._end_of_head()
            return None
        self._lines.append(line)
        return None

    # -- the answer

    @property
    def body(self) -> bytes:
        parts = self.parts
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def headers(self) -> dict[str, str]:
        """The final head's headers, as recording.response_headers gives them (names
        lower-cased, repeated values joined by ", ", Set-Cookie lines kept apart); values
        decoded as ISO-8859-1 (one character per byte); obsolete folded lines joined to the
        header they continue."""
        pairs: list[tuple[str, str]] = []
        # One decode for the whole head (libcurl hands it over a line at a time).
        for raw in b"".join(self._lines[1:]).decode("iso-8859-1").split("\n"):
            line = raw.rstrip("\r")  # not splitlines(): U+0085 is a byte 0x85 in a value
            if line[:1] in (" ", "\t") and pairs:
                name, value = pairs[-1]
                pairs[-1] = (name, f"{value} {line.strip()}")
                continue
            name, colon, value = line.partition(":")
            if colon:
                pairs.append((name.strip(), value.strip(" \t")))
        return response_headers(pairs)

    def status(self) -> int:
        return int(self.easy.getinfo(pycurl.RESPONSE_CODE))

    def head_received(self) -> bool:
        return bool(self._lines)

    def close(self) -> None:
        easy = self.easy
        easy.transfer = None  # type: ignore[attr-defined]
        easy.close()


# ----------------------------------------------------------------------------- connections

# libcurl's sockets, by local port once connected (fds are process-wide, so is this). A fd
# number used again for a new socket is mapped afresh; a stale entry can only make a retry
# look allowed, never refuse one.
_PORT_OF_FD: dict[int, int] = {}
_FD_OF_PORT: dict[int, int] = {}
_UNMAPPED: set[int] = set()


def _new_socket(fd: int) -> None:
    port = _PORT_OF_FD.pop(fd, None)
    if port is not None and _FD_OF_PORT.get(port) == fd:
        del _FD_OF_PORT[port]
    _UNMAPPED.add(fd)


# The transfer that last sent a request on each connection (by local port): bytes found
# there while it still is were sent after its answer and before any other request.
_OWNER_OF_PORT: dict[int, Transfer] = {}
# Connections taken out of use (shut down): a request offered one is sent on a fresh one.
_RETIRED: set[int] = set()
# Connections shut down here (_retire): closed by us, not by libcurl for bytes it read past an
# answer, so their answers' transfers must not read libcurl's closing as such bytes.
_SHUT_HERE: set[int] = set()
_PEEK_MAX = 1 << 16
# After an answer with no body by rule (HEAD, 204, 304), how long to look for a body the
# server sends anyway (`http.server`'s do_HEAD calling the GET path writes it right after the
# head, in its own write): a few ms catch it nearly always, where looking without waiting
# caught it only when it had already come (a HEAD case was MATCH or ERROR from run to run).
# Paid by every such answer; the connection is never reused after one, whatever comes.
_NO_BODY_WAIT = 0.005


def _fd_of(local_port: int) -> int | None:
    if local_port <= 0:
        return None  # a Unix socket: no port to find it by
    fd = _FD_OF_PORT.get(local_port)
    if fd is None:
        for unmapped in list(_UNMAPPED):
            _UNMAPPED.discard(unmapped)
            port = _local_port(unmapped)
            if port:
                _PORT_OF_FD[unmapped], _FD_OF_PORT[port] = port, unmapped
                _RETIRED.discard(port)  # a new connection on a port used before
                _SHUT_HERE.discard(port)
        fd = _FD_OF_PORT.get(local_port)
    return fd


def _waiting_bytes(fd: int, wait: float = 0.0) -> int:
    """How many bytes wait unread on the socket (at most _PEEK_MAX), now or within `wait`."""
    try:
        if not select.select([fd], [], [], wait)[0]:
            return 0
        peek = socket.socket(fileno=os.dup(fd))
        try:
            peek.setblocking(False)
            return len(peek.recv(_PEEK_MAX, socket.MSG_PEEK))
        finally:
            peek.close()
    except (OSError, ValueError):
        return 0


def _retire(local_port: int, fd: int | None = None) -> None:
    """Shut the connection down (libcurl closes it when it next looks) and never offer it to
    a request again: it carried bytes that belong to no request."""
    if fd is None:
        fd = _fd_of(local_port)
    _RETIRED.add(local_port)
    _SHUT_HERE.add(local_port)
    _OWNER_OF_PORT.pop(local_port, None)
    if fd is None:
        return
    # Forget the socket's port: a new connection given the same port is mapped afresh (and
    # is not retired), while this one, offered again, is known by _RETIRED alone.
    if _FD_OF_PORT.get(local_port) == fd:
        del _FD_OF_PORT[local_port]
    _PORT_OF_FD.pop(fd, None)
    with contextlib.suppress(OSError, ValueError):
        sock = socket.socket(fileno=os.dup(fd))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()


def _connection_state(local_port: int) -> str:
    """ "closed" (the peer ended it), "stray" (bytes wait on it), "open", or "unknown"."""
    fd = _fd_of(local_port)
    if fd is None:
        return "unknown"
    try:
        readable = select.select([fd], [], [], 0)[0]
        if not readable:
            return "open"
        peek = socket.socket(fileno=os.dup(fd))
        try:
            peek.setblocking(False)
            return "stray" if peek.recv(1, socket.MSG_PEEK) else "closed"
        finally:
            peek.close()
    except (OSError, ValueError):
        return "closed"


def _local_port(fd: int) -> int:
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return 0
    try:
        address = sock.getsockname()
        return int(address[1]) if isinstance(address, tuple) else 0
    except OSError:
        return 0
    finally:
        sock.close()


# ----------------------------------------------------------------------------- drivers


class Driver:
    """One CurlMulti, driven by one thread at a time (the leader).

    A thread waiting for its transfer leads when nobody else does: it performs and selects
    until its own transfer is done, and wakes the others whenever transfers complete, so a
    follower whose answer came in returns at once. A transfer started while another thread
    leads is added by the leader within one `slice`. Most drivers belong to one thread (a
    lane) and never meet another; a target with `concurrency:` shares one driver between
    lanes, so its connections (at most `concurrency` of them) are shared too.
    """

    def __init__(self, slice_seconds: float = _WAIT_SLICE) -> None:
        self.multi = pycurl.CurlMulti()
        self.cond = threading.Condition(threading.Lock())
        self.slice = slice_seconds
        self.leading = False  # a thread is inside the multi (guarded by cond)
        self.pending: list[Transfer] = []  # started while another thread led
        self.cancelled: list[Transfer] = []  # to take out, asked while another thread led
        self.active = 0  # transfers started and not yet done
        self.last_driven = time.monotonic()
        _watchdog.register(self)

    def start(self, transfer: Transfer) -> None:
        """Hand the transfer to libcurl and let it send what it can now."""
        transfer.driver = self
        transfer.started = time.monotonic()
        transfer.deadline = transfer.started + transfer.options.timeout
        with self.cond:
            self.active += 1
            if self.leading:
                self.pending.append(transfer)  # the leader adds it
                return
            self.leading = True
        try:
            self._add(transfer)
            self._perform()
        finally:
            self._step_down()
        _watchdog.wake()

    def wait(self, transfer: Transfer) -> None:
        """Return once `transfer` is done (libcurl ends it by its deadline at the latest)."""
        with self.cond:
            while not transfer.done:
                if not self.leading:
                    self.leading = True
                    break
                self.cond.wait(self.slice)
            else:
                return
        try:
            self._lead(transfer)
        finally:
            self._step_down()

    def cancel(self, transfer: Transfer) -> None:
        """Take a transfer out unfinished (its target is closing). While another thread
        leads, it is asked to do so within one slice: waiting for the leader to step down would
        wait for the transfer's whole deadline (a target stopped by Ctrl-C mid-answer)."""
        with self.cond:
            if transfer in self.pending:
                self.pending.remove(transfer)
                self.active -= 1
                transfer.done, transfer.code, transfer.message = True, -1, "cancelled"
                return
            if self.leading and not transfer.done:
                self.cancelled.append(transfer)
            while self.leading and not transfer.done:
                self.cond.wait(self.slice)
            if transfer.done:
                return
            if transfer in self.cancelled:
                self.cancelled.remove(transfer)
            self.leading = True
        try:
            self._abandon(transfer, "cancelled: the target closed")
        finally:
            self._step_down()

    def tick(self) -> None:
        """The watchdog's turn: read what arrived, without waiting, if nobody leads."""
        with self.cond:
            if self.leading or not self.active:
                return
            if time.monotonic() - self.last_driven < _WATCH_EVERY:
                return
            self.leading = True
        try:
            self._add_pending()
            self._perform()
            self._take_out_cancelled()
        finally:
            self._step_down()

    # -- internals (the caller leads)

    def _lead(self, transfer: Transfer) -> None:
        multi = self.multi
        while True:
            self._add_pending()
            self._perform()
            self._take_out_cancelled()
            if transfer.done:
                return
            left = transfer.deadline + _GRACE - time.monotonic()
            if left <= 0:
                self._abandon(transfer)
                return
            timeout = multi.timeout()  # ms libcurl wants to wait at most; -1: no opinion
            wait = self.slice if timeout < 0 else min(timeout / 1000, self.slice)
            if wait > 0:
                multi.select(min(wait, left))

    def _step_down(self) -> None:
        with self.cond:
            self.leading = False
            self.cond.notify_all()

    def _add_pending(self) -> None:
        if not self.pending:
            return
        with self.cond:
            pending, self.pending = self.pending, []
        for transfer in pending:
            self._add(transfer)

    def _take_out_cancelled(self) -> None:
        if not self.cancelled:
            return
        with self.cond:
            cancelled, self.cancelled = self.cancelled, []
        for transfer in cancelled:
            if not transfer.done:
                self._abandon(transfer, "cancelled: the target closed")

    def _add(self, transfer: Transfer) -> None:
        try:
            self.multi.add_handle(transfer.easy)
        except pycurl.error as exc:
            self._finished(transfer, -1, f"cannot start the transfer: {exc}")

    def _perform(self) -> None:
        multi = self.multi
        while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        self.last_driven = time.monotonic()
        while True:
            queued, finished, failed = multi.info_read()
            for easy in finished:
                transfer = getattr(easy, "transfer", None)
                if transfer is not None:
                    transfer.end_body()
                    transfer.after_answer()  # in the multi still; before anyone reads it
                multi.remove_handle(easy)
                self._finished(transfer, 0, "")
            for easy, code, message in failed:
                multi.remove_handle(easy)
                transfer = getattr(easy, "transfer", None)
                if transfer is not None and transfer.retry_fresh():
                    self._add(transfer)  # held back from a connection with stray bytes
                    continue
                if transfer is not None:
                    transfer.os_errno = int(easy.getinfo(pycurl.OS_ERRNO))
                self._finished(transfer, code, message)
            if not queued:
                return

    def _finished(self, transfer: Transfer | None, code: int, message: str) -> None:
        if transfer is not None:
            transfer.code, transfer.message = code, message
            transfer.ended = time.monotonic()
        with self.cond:
            self.active -= 1
            if transfer is not None:
                transfer.done = True
            self.cond.notify_all()  # a follower whose answer came in returns now

    def _abandon(self, transfer: Transfer, message: str = "") -> None:
        with contextlib.suppress(pycurl.error):
            self.multi.remove_handle(transfer.easy)
        code = -1 if message else pycurl.E_OPERATION_TIMEDOUT
        self._finished(transfer, code, message or "the deadline passed")


_local = threading.local()


def current_driver() -> Driver:
    """This thread's driver (made on first use)."""
    driver: Driver | None = getattr(_local, "driver", None)
    if driver is None:
        driver = _local.driver = Driver()
    return driver


class _Watchdog:
    """One daemon thread: every few ms, it reads answers for multis nobody is driving (a lane
    busy comparing the previous case), so a deadline counts only the target's own time."""

    def __init__(self) -> None:
        self._drivers: weakref.WeakSet[Driver] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._busy = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, driver: Driver) -> None:
        with self._lock:
            self._drivers.add(driver)

    def wake(self) -> None:
        if self._busy.is_set():
            return
        self._busy.set()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="yamlparity-curl-watchdog", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._busy.wait()
            time.sleep(_WATCH_EVERY)
            drivers = self._live()
            if not any(driver.active for driver in drivers):
                self._busy.clear()
                # A transfer started between the look and the clear: its wake() saw the flag
                # still set, so look once more.
                if any(driver.active for driver in self._live()):
                    self._busy.set()
                continue
            for driver in drivers:
                driver.tick()

    def _live(self) -> list[Driver]:
        with self._lock:
            return list(self._drivers)


_watchdog = _Watchdog()


# ----------------------------------------------------------------------------- words


def after_answer_words(transfer: Transfer, status: int) -> str:
    """Why an answer that libcurl read whole is still an ERROR: bytes came after it."""
    count = transfer.after_bytes
    many = "some" if count < 0 else f"{count}+" if count >= _PEEK_MAX else str(count)
    # -1: libcurl read them with the head, and closed the connection (_dropped_by_libcurl).
    how = "; they came with the head in one read" if count < 0 else ""
    if transfer.method == "HEAD":
        return f"answered HEAD with {many} bytes after the head (a HEAD answer has no body){how}"
    if transfer.no_body:
        return (
            f"answered {status} with {many} bytes after the head (a {status} answer has no "
            f"body){how}"
        )
    if count < 0:
        return (
            "bytes after the end of the answer (beyond its Content-Length or last chunk), "
            "in the same read"
        )
    return (
        f"{many} bytes after the end of the answer (beyond its Content-Length or last "
        "chunk), before any other request on the connection"
    )


def _framing_error(lines: list[bytes]) -> str:
    """Both Content-Length and Transfer-Encoding: libcurl reads the body as chunked, but the
    shape is request smuggling's, and RFC 9112 6.3 says to handle it as an error."""
    head = b"".join(lines[1:]).lower()  # one pass in C for nearly every answer
    if b"transfer-encoding" not in head or b"content-length" not in head:
        return ""
    names = {line.partition(b":")[0].strip().lower() for line in lines[1:]}
    if b"content-length" in names and b"transfer-encoding" in names:
        return (
            "the answer has both Content-Length and Transfer-Encoding (which one frames the "
            "body is ambiguous: RFC 9112 6.3)"
        )
    return ""


def _no_status_line(code: int, message: str) -> bool:
    """libcurl's two words for an answer whose first line is not a status line."""
    if code == pycurl.E_UNSUPPORTED_PROTOCOL:
        return "HTTP/0.9" in message
    return code == _WEIRD_SERVER_REPLY and message.startswith("Invalid status line")


def words(transfer: Transfer, url: str, via: str, cap: int, content_length: str | None) -> str:
    """A failed transfer's reason, in the words a report shows."""
    code, message = transfer.code, transfer.message
    timeout = f"{transfer.options.timeout:g}"
    if transfer.over_cap:
        decoded = " (decoded)" if transfer.options.compressed else ""
        return f"body larger than {cap} bytes{decoded}"
    if transfer.decode_error:
        return f"cannot decode the body: {transfer.decode_error}"
    if transfer.framing_error:
        return f"not a valid HTTP answer: {transfer.framing_error}"
    if code == pycurl.E_FILESIZE_EXCEEDED:  # libcurl's own count: announced, or received
        length = (content_length or "").strip()
        if length.isdigit() and int(length) > cap:
            return f"body larger than {cap} bytes (Content-Length {length})"
        decoded = " (decoded)" if transfer.options.compressed else ""
        return f"body larger than {cap} bytes{decoded}"
    if code == pycurl.E_OPERATION_TIMEDOUT:
        if transfer.head_done:
            return f"timed out after {timeout} s reading the body"
        return f"timed out after {timeout} s"
    if code == pycurl.E_COULDNT_CONNECT and transfer.sent and not transfer.dead_reuse:
        # The request went out on a kept-alive connection, which then ended with no answer;
        # libcurl's retry on a new one could not connect (the server was gone: it had taken
        # the request and exited). Its refusal is not what happened to the request.
        return (
            "connection closed before the response (a kept-alive connection ended after the "
            f"request was sent; not sent again: a new connection to {url}{via} failed too)"
        )
    if code == pycurl.E_COULDNT_CONNECT:
        if transfer.os_errno == errno.ECONNREFUSED or "refused" in message.lower():
            return f"connection refused to {url}{via}"
        return f"cannot connect to {url}{via}: {message}"
    if transfer.stray_bytes:
        return (
            "a fresh connection held bytes before the request was sent (after a kept-alive "
            "one that held bytes after the previous answer); the request was not sent"
        )
    how = "reset" if transfer.os_errno in _RESETS else "closed"  # an RST, or a FIN
    if transfer.retry_refused:
        return (
            f"connection {how} before the response (a kept-alive connection ended after "
            "the request was sent; not sent again)"
        )
    if _no_status_line(code, message):
        # libcurl says "Received HTTP/0.9 when not allowed" on a new connection and "Invalid
        # status line" on a kept-alive one, for the same bytes: one reason, whichever it was.
        return "not an HTTP answer: it does not start with an HTTP status line"
    if code == pycurl.E_GOT_NOTHING:
        return f"connection {how} before the response (no byte of it came)"
    where = "while reading the body" if transfer.head_done else "before the response"
    if transfer.os_errno in _RESETS:
        return f"connection reset {where} ({message})"
    if code == pycurl.E_PARTIAL_FILE:  # the server closed with the answer incomplete
        return f"connection closed {where} ({message})"
    if code in (pycurl.E_RECV_ERROR, pycurl.E_SEND_ERROR):
        # libcurl's framing checks end here too (chunk sizes, header sizes): no socket error.
        return (
            f"invalid body: {message}"
            if transfer.head_done
            else f"not a valid HTTP answer: {message}"
        )
    if code == pycurl.E_SSL_CACERT_BADFILE:
        return f"cannot read the trusted CA certificates: {message}"
    if code == pycurl.E_PEER_FAILED_VERIFICATION:
        return f"certificate verification failed: {message}"
    if code == pycurl.E_SSL_CONNECT_ERROR:
        return f"TLS handshake failed: {message}"
    if code in (pycurl.E_BAD_CONTENT_ENCODING, pycurl.E_WRITE_ERROR):
        return f"cannot decode the body: {message}"
    if code in (pycurl.E_COULDNT_RESOLVE_HOST, pycurl.E_COULDNT_RESOLVE_PROXY):
        return f"cannot resolve {url}{via}: {message}"
    if code in (_WEIRD_SERVER_REPLY, pycurl.E_UNSUPPORTED_PROTOCOL, pycurl.E_HTTP2):
        return f"not a valid HTTP answer: {message}"
    if code == -1:
        return f"request failed: {message}"
    return f"request failed: {message} (libcurl error {code})"


# ----------------------------------------------------------------------------- readiness

_PROBE_BODY_CAP = 1 << 20


def probe(url: str, timeout: float, transport: TransportOptions | None) -> tuple[bool, str]:
    """A service's readiness check: GET `url` once, on its own connection, read to its end.

    Any answer below 500 means ready: the server is up and answering HTTP (a 401 from a
    health path behind auth, which this GET sends no credentials to, or a 404 from a server
    with no such path, proves that much); 5xx means "still starting". It goes the way the
    target's requests go (TLS trust, Unix socket, HTTP version) but never through a proxy,
    and follows no redirect.
    """
    base = transport or TransportOptions(timeout=timeout, max_output=_PROBE_BODY_CAP)
    options = replace(base, timeout=timeout, max_output=_PROBE_BODY_CAP, proxy=None, digest=None)
    transfer = Transfer(options)
    easy = transfer.easy
    try:
        easy.setopt(pycurl.FORBID_REUSE, 1)
        transfer.prepare(url, "GET", [b"Expect:", b"Accept-Encoding: identity"], None)
        try:
            easy.perform()
        except pycurl.error as exc:
            code, message = exc.args[0], exc.args[1] if len(exc.args) > 1 else ""
            return False, message or f"libcurl error {code}"
        status = transfer.status()
    finally:
        transfer.close()
    return status < 500, f"HTTP {status}"
