"""HAR 1.2 files (what browsers and proxies export): entries as cases, responses as answers.

`cases_from` turns each entry of a `.har` file into a case, optionally filtered by method, URL
glob and response status: the request's method, path and query exactly as the URL wrote them,
its headers without hop-by-hop and credential headers, and its body. The same file can serve as
a recorded target (`targets: {browser: {recorded: traffic.har}}`): each case's answer is the
entry's response. Both sides name an entry the same way, `<file stem>-<index>-<method>-<path>`
with the index in `log.entries` (so a filter never renames a case).

HAR values are sent as they are, never rendered as templates (a body holding `{{` stays `{{`).
"""

from __future__ import annotations

import base64
import fnmatch
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from yamlparity.core.errors import Location, SpecError
from yamlparity.core.jsonvalue import JSON, JsonDecodeError, Number
from yamlparity.spec.fixtures import DuplicateKey, line_column, parse_checked
from yamlparity.spec.model import Case
from yamlparity.spec.recording import Answer, SourceKind, response_headers
from yamlparity.spec.redact import SENSITIVE_HEADERS
from yamlparity.spec.source import read_text

__all__ = ["HarEntry", "HarFilter", "HarLog", "case_request", "har_cases", "read_har"]

# Request headers a replayed case does not send. Hop-by-hop ones (RFC 9110 7.6.1) and `host`
# and `content-length` belong to the connection and are set by the client; credentials are
# left out (a HAR is often shared; give the target `headers:` with a secret instead);
# `accept-encoding` as a browser writes it (`br, zstd`) would ask for encodings a client may
# not decode, and HAR bodies are compared decoded.
DROPPED_REQUEST_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "accept-encoding",
    }
    | SENSITIVE_HEADERS
)
# Response headers a recorded answer leaves out: hop-by-hop ones, and the encoding of a body
# that HAR keeps decoded (`content.text` is "decompressed & unchunked").
DROPPED_RESPONSE_HEADERS = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding"}
    | {"upgrade", "content-encoding", "date"}
)
_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")
_TEMPLATE_MARK = re.compile(r"\{[{%#]")
_STATUS_CLASS = re.compile(r"[1-5]xx")


@dataclass(frozen=True)
class HarFilter:
    """Which entries become cases; an empty field lets every entry through."""

    methods: frozenset[str] = frozenset()  # upper-case
    urls: tuple[str, ...] = ()  # globs over the whole URL
    statuses: tuple[str, ...] = ()  # "200", "4xx"

    def admits(self, entry: HarEntry) -> bool:
        if self.methods and entry.method.upper() not in self.methods:
            return False
        if self.urls and not any(fnmatch.fnmatchcase(entry.url, glob) for glob in self.urls):
            return False
        if self.statuses:
            status = str(entry.status)
            return any(
                status == want or (want.endswith("xx") and status[:1] == want[0])
                for want in self.statuses
            )
        return True


@dataclass(frozen=True)
class HarEntry:
    index: int
    name: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    mime_type: str | None
    status: int
    response: dict[str, JSON]
    started: str
    place: tuple[int, int]  # line and column where the entry starts
    # Why the request cannot be sent as a case (an encoded body, a form kept as params only):
    # raised only when a `cases_from` filter admits the entry, so a filter can leave it out.
    unsendable: SpecError | None = None


@dataclass
class HarLog:
    """A HAR file's entries; as an `AnswerSource`, each entry's response answers its case."""

    path: Path
    display: str
    version: str
    creator: str
    browser: str
    entries: list[HarEntry] = field(default_factory=list)
    text: str = ""
    checks_input: bool = True  # a case must send its entry's request (targets/recorded.py)
    lists_unused: bool = False  # entries left out by filters are not stale cases
    _index: dict[str, HarEntry] | None = field(default=None, repr=False)

    @property
    def kind(self) -> SourceKind:
        return "http"

    def names(self) -> Iterator[str]:
        return (entry.name for entry in self.entries)

    def answer(self, name: str) -> Answer | None:
        entry = self._by_name().get(name)
        return None if entry is None else response_answer(self, entry)

    def entry(self, name: str) -> HarEntry | None:
        return self._by_name().get(name)

    def unkept(self, header: str) -> str | None:
        if header not in DROPPED_RESPONSE_HEADERS:
            return None
        return (
            f"a HAR answer leaves out `{header}` (date, content-encoding and hop-by-hop "
            "headers): compare it between live targets"
        )

    def _by_name(self) -> dict[str, HarEntry]:
        if self._index is None:  # built on first use: a HAR read only for its cases needs none
            self._index = {entry.name: entry for entry in self.entries}
        return self._index

    def location(self, entry: HarEntry) -> Location:
        return Location(self.display, *entry.place)

    def provenance(self) -> str:
        """`HAR 1.2 by Playwright 1.65 (chromium 156), 4 entries from 2026-12-06T17:52:14Z`."""
        by = f" by {self.creator}" if self.creator else ""
        browser = f" ({self.browser})" if self.browser else ""
        first = min((e.started for e in self.entries if e.started), default="")
        since = f", the first at {first}" if first else ""
        return f"HAR {self.version}{by}{browser}, {len(self.entries)} entries{since}"


# ------------------------------------------------------------------------------ reading


def read_har(path: Path, display: str) -> HarLog:
    """Parse and check a HAR file; errors point at file:line:column with the HAR path."""
    source = read_text(path, display)
    text = "\n".join(source.lines)
    try:
        doc = parse_checked(text)
    except JsonDecodeError as exc:
        raise SpecError(
            f"not a HAR file: invalid JSON: {exc.message}",
            Location(display, exc.line or 1, exc.column or 1),
            "export the HAR again (browsers: DevTools, Network, Save all as HAR)",
            source_line=source.line(exc.line or 1),
        ) from None
    except DuplicateKey as exc:
        raise SpecError(f"key {exc.key!r} written twice in a HAR file", Location(display)) from None
    reader = _Reader(display, text, source)
    log = reader.object(
        doc, ("log",), cast(dict[str, JSON], doc).get("log") if isinstance(doc, dict) else None
    )
    version = reader.string(log, ("log", "version"))
    major, _, _minor = version.partition(".")
    if major != "1":
        raise reader.error(
            ("log", "version"),
            f"HAR version {version} is not supported",
            "yamlparity reads HAR 1.x (1.1, 1.2 and the 1.3 proposal)",
        )
    entries = reader.array(log, ("log", "entries"))
    har = HarLog(
        path,
        display,
        version,
        _name_version(log.get("creator")),
        _name_version(log.get("browser")),
        text=text,
    )
    stem = _slug(path.name.rsplit(".", 1)[0]) or "har"
    places = _entry_places(text)
    for index, raw in enumerate(entries):
        har.entries.append(reader.entry(raw, index, stem, places[index]))
    return har


def _name_version(value: JSON) -> str:
    if not isinstance(value, dict):
        return ""
    name, version = value.get("name"), value.get("version")
    if not isinstance(name, str):
        return ""
    return f"{name} {version}" if isinstance(version, str) and version else name


class _Reader:
    """Typed access to HAR fields; a missing or mistyped one is a SpecError at its place."""

    def __init__(self, display: str, text: str, source: Any) -> None:
        self.display, self.text, self.source = display, text, source

    def error(
        self, path: tuple[str | int, ...], message: str, hint: str | None = None
    ) -> SpecError:
        where = _har_path(path)
        # A missing key has no place of its own: point at the object that lacks it.
        offset = next(
            (
                at
                for n in range(len(path), -1, -1)
                if (at := _locate(self.text, path[:n])) is not None
            ),
            None,
        )
        if offset is None:
            return SpecError(f"{where}: {message}", Location(self.display), hint)
        line, column = line_column(self.text, offset)
        return SpecError(
            f"{where}: {message}",
            Location(self.display, line, column),
            hint,
            source_line=self.source.line(line),
        )

    def object(self, parent: JSON, path: tuple[str | int, ...], value: JSON) -> dict[str, JSON]:
        if not isinstance(value, dict):
            what = "missing" if value is None else "not an object"
            raise self.error(path, f"{what} (HAR 1.2 requires it)")
        return value

    def array(self, parent: dict[str, JSON], path: tuple[str | int, ...]) -> list[JSON]:
        value = parent.get(cast(str, path[-1]))
        if not isinstance(value, list):
            what = "missing" if value is None else "not an array"
            raise self.error(path, f"{what} (HAR 1.2 requires it)")
        return value

    def string(self, parent: dict[str, JSON], path: tuple[str | int, ...]) -> str:
        value = parent.get(cast(str, path[-1]))
        if not isinstance(value, str):
            what = "missing" if value is None else "not a string"
            raise self.error(path, f"{what} (HAR 1.2 requires it)")
        return value

    def entry(self, raw: JSON, index: int, stem: str, place: tuple[int, int]) -> HarEntry:
        base: tuple[str | int, ...] = ("log", "entries", index)
        entry = self.object(None, base, raw)
        request = self.object(entry, (*base, "request"), entry.get("request"))
        response = self.object(entry, (*base, "response"), entry.get("response"))
        method = self.string(request, (*base, "request", "method"))
        url = self.string(request, (*base, "request", "url"))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.error(
                (*base, "request", "url"),
                f"not an absolute http(s) URL: {url!r}",
                "filter such entries out with `url:` in cases_from",
            )
        headers = self.pairs(request, (*base, "request", "headers"))
        body, mime, unsendable = self.post_data(request, (*base, "request"))
        status = response.get("status")
        if not isinstance(status, Number) or not status.is_integer_literal:
            raise self.error((*base, "response", "status"), "missing or not an integer")
        slug = _slug(parts.path) or "root"
        name = f"{stem}-{index:03d}-{_slug(method.lower())}-{slug}"[:120]
        started = entry.get("startedDateTime")
        return HarEntry(
            index=index,
            name=name,
            method=method.upper(),
            url=url,
            headers=headers,
            body=body,
            mime_type=mime,
            status=int(status.literal),
            response=response,
            started=started if isinstance(started, str) else "",
            place=place,
            unsendable=unsendable,
        )

    def pairs(
        self, parent: dict[str, JSON], path: tuple[str | int, ...]
    ) -> tuple[tuple[str, str], ...]:
        out: list[tuple[str, str]] = []
        for number, item in enumerate(self.array(parent, path)):
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("name"), str)
                or not isinstance(item.get("value"), str)
            ):
                raise self.error((*path, number), "a header is {name, value} with two strings")
            out.append((cast(str, item["name"]), cast(str, item["value"])))
        return tuple(out)

    def post_data(
        self, request: dict[str, JSON], base: tuple[str | int, ...]
    ) -> tuple[str | None, str | None, SpecError | None]:
        """The request body as text (exact), and its MIME type; (None, None) without one. The
        third item says why a well-formed body cannot be sent (raised only for an entry a
        `cases_from` filter admits: the hint is to filter it out)."""
        post = request.get("postData")
        if post is None:
            return None, None, None
        path = (*base, "postData")
        post = self.object(request, path, post)
        mime = post.get("mimeType")
        mime = mime if isinstance(mime, str) else None
        text = post.get("text")
        hint = "filter this entry out (`methods:` or `url:` in cases_from)"
        if post.get("encoding") not in (None, ""):
            return (
                None,
                mime,
                self.error(
                    (*path, "encoding"),
                    f"an encoded request body ({post.get('encoding')!r}) cannot be replayed "
                    "as text",
                    hint,
                ),
            )
        if isinstance(text, str):
            return text, mime, None
        params = post.get("params")
        if isinstance(params, list) and (mime or "").startswith(
            "application/x-www-form-urlencoded"
        ):
            pairs = self.pairs(post, (*path, "params"))
            return urlencode(pairs), mime, None
        return (
            None,
            mime,
            self.error(
                path,
                "no `text` to send (a multipart form kept as params only cannot be rebuilt "
                "exactly)",
                hint,
            ),
        )


def _slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-.")[:48].strip("-.")


def _har_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


# ------------------------------------------------------------------------------ cases


def har_cases(har: HarLog, selection: HarFilter) -> list[Case]:
    """One case per admitted entry, its request given as literal (never-rendered) values."""
    return [_case(har, entry) for entry in har.entries if selection.admits(entry)]


def _case(har: HarLog, entry: HarEntry) -> Case:
    return Case(
        name=entry.name,
        location=har.location(entry),
        input=_input(entry),
        request=case_request(entry),
    )


def case_request(entry: HarEntry) -> dict[str, Any]:
    """What a case made from `entry` sends, as a case's `request` (literal values). Raises the
    entry's SpecError when its request cannot be sent."""
    if entry.unsendable is not None:
        raise entry.unsendable
    parts = urlsplit(entry.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = _request_headers(entry)
    if (
        entry.body is not None
        and entry.mime_type
        and not any(name.lower() == "content-type" for name in headers)
    ):
        headers["Content-Type"] = entry.mime_type
    request: dict[str, Any] = {
        "method": entry.method,
        "path": literal(path),
        "headers": {name: literal(value) for name, value in headers.items()},
        "body": literal(entry.body) if entry.body is not None else None,
    }
    return request


def _request_headers(entry: HarEntry) -> dict[str, str]:
    """The entry's headers minus hop-by-hop, credentials and HTTP/2 pseudo-headers; names
    listed in its Connection header too; repeated names joined with `, ` (RFC 9110 5.3)."""
    listed = {
        token.strip().lower()
        for name, value in entry.headers
        if name.lower() == "connection"
        for token in value.split(",")
    }
    out: dict[str, str] = {}
    lower: dict[str, str] = {}
    for name, value in entry.headers:
        key = name.lower()
        if name.startswith(":") or key in DROPPED_REQUEST_HEADERS or key in listed:
            continue
        if key in lower:
            out[lower[key]] += ", " + value
        else:
            lower[key] = name
            out[name] = value
    return out


def _input(entry: HarEntry) -> JSON:
    """What the report shows as the case's input: the method and URL, and the body."""
    value: dict[str, JSON] = {"method": entry.method, "url": entry.url}
    if entry.body is not None:
        value["body"] = entry.body
    return value


def literal(text: str) -> str:
    """`text` as a template that renders to exactly `text`: every `{` of a template mark
    becomes `{{ '{' }}` (plain text with no mark is not rendered at all)."""
    if not _TEMPLATE_MARK.search(text):
        return text
    return text.replace("{", "{{ '{' }}")


# ------------------------------------------------------------------------------ answers


def response_answer(har: HarLog, entry: HarEntry) -> Answer:
    """The entry's response as a recorded answer (a failure when the HAR kept no answer)."""
    where = f"{har.display} (log.entries[{entry.index}])"
    response = entry.response
    if entry.status == 0:
        error = response.get("_error") or entry.response.get("statusText") or "no response"
        return Answer(
            entry.name, failure=f"the HAR entry has no answer (status 0: {error})", where=where
        )
    pairs: list[tuple[str, str]] = []
    encoded = False
    raw_headers = response.get("headers")
    for item in raw_headers if isinstance(raw_headers, list) else []:
        name = item.get("name") if isinstance(item, dict) else None
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        key = name.lower()
        encoded = encoded or key == "content-encoding"
        if key not in DROPPED_RESPONSE_HEADERS:
            pairs.append((key, value))
    headers = response_headers(pairs)  # as a live answer's (Set-Cookie lines kept apart)
    body = _content(response)
    if isinstance(body, str):
        return Answer(entry.name, failure=body, where=where)
    if encoded:
        headers.pop("content-length", None)  # it counted the encoded bytes, not these
    return Answer(entry.name, status=entry.status, headers=headers, stdout=body, where=where)


def _content(response: dict[str, JSON]) -> bytes | str:
    """The body bytes; a str is why there are none."""
    content = response.get("content")
    if not isinstance(content, dict):
        return "the HAR entry has no response content"
    text = content.get("text")
    size = content.get("size")
    if not isinstance(text, str):
        if isinstance(size, Number) and size.literal == "0":
            return b""
        return (
            "the HAR file kept no response body for this entry (content.text is absent, "
            f"content.size is {size}): export it again with content"
        )
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=True)
        except ValueError:
            return "the HAR entry's base64 response body does not decode"
    return text.encode("utf-8", "surrogatepass")


# ------------------------------------------------------------------------------ positions
# Where values start in the file's text, found by skipping whole values with the C decoder
# (a 38 MB HAR: 1 s; a token-by-token walk in Python took 14 s). The text is known to be valid
# JSON by then: it was parsed first.

_PLAIN = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def _space(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def _member(text: str, pos: int, key: str) -> int | None:
    """Where the value of `key` starts in the object at `pos`, or None."""
    if not text.startswith("{", pos):
        return None
    pos = _space(text, pos + 1)
    while text.startswith('"', pos):
        name, pos = _PLAIN.raw_decode(text, pos)
        pos = _space(text, _space(text, pos) + 1)  # past the colon
        if name == key:
            return pos
        _, pos = _PLAIN.raw_decode(text, pos)
        pos = _space(text, pos)
        if text.startswith(",", pos):
            pos = _space(text, pos + 1)
    return None


def _elements(text: str, pos: int) -> Iterator[tuple[int, int]]:
    """Start and end of each element of the array at `pos`."""
    if not text.startswith("[", pos):
        return
    pos = _space(text, pos + 1)
    while not text.startswith("]", pos) and pos < len(text):
        _, end = _PLAIN.raw_decode(text, pos)
        yield pos, end
        pos = _space(text, end)
        if text.startswith(",", pos):
            pos = _space(text, pos + 1)


def _locate(text: str, path: tuple[str | int, ...]) -> int | None:
    """Where the value at `path` starts, or None when it is not there."""
    pos: int | None = _space(text, 0)
    for step in path:
        if pos is None:
            return None
        if isinstance(step, str):
            pos = _member(text, pos, step)
        else:
            pos = next(
                (start for n, (start, _) in enumerate(_elements(text, pos)) if n == step), None
            )
    return pos


def _entry_places(text: str) -> list[tuple[int, int]]:
    """(line, column) of each entry of log.entries, counted in one pass."""
    at = _locate(text, ("log", "entries"))
    places: list[tuple[int, int]] = []
    line, last = 1, 0
    for start, _ in _elements(text, at) if at is not None else ():
        line += text.count("\n", last, start)
        last = start
        places.append((line, start - text.rfind("\n", 0, start)))
    return places


def parse_filter(raw: dict[str, JSON]) -> HarFilter:
    """`{har: ..., methods: [GET], url: "*/api/*", status: [200, "4xx"]}` (schema-checked)."""
    return HarFilter(
        methods=frozenset(m.upper() for m in _strings(raw.get("methods"))),
        urls=tuple(_strings(raw.get("url"))),
        statuses=tuple(_strings(raw.get("status"))),
    )


def _strings(value: JSON) -> list[str]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    return [str(item) for item in items]
