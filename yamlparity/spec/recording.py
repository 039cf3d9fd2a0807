"""The recording file: what one target answered, one JSON line per case, read and written here.

A recording is meant to be committed and reviewed, so its text is stable: a header line, then
one line per case sorted by case name, keys in a fixed order, compact JSON. What a line keeps
is what the target answered, not how a client received it: HTTP status, headers and body;
a command's exit code, stdout and stderr. A body is kept in the first form that holds it
exactly:

- `body_json` / `body_jsonl`: the parsed value(s), number literals and key order as received
  (`1.0` stays `1.0`, `9007199254740993` keeps every digit); layout (whitespace, `\\u00e9`
  escapes) is not kept: it is never a difference in yamlparity, so replay is at best
  `canonical`, never `identical`, and an `output: text` spec (which compares bytes) gets an
  ERROR from such a line, not a verdict.
- `body`: the text, exactly (UTF-8 output that is not JSON, or `output: text` specs).
- `body_base64`: the bytes, exactly, when they are not UTF-8.

A case the target could not answer (timeout, refused connection) has `failure` instead.
`input_sha256` fingerprints the case's input (stdin, or method, path, headers and body, without
credentials): an answer recorded for another input is not an answer to this case. A command
whose `run` arguments are templates gets its arguments from the case's data too; `case_sha256`
fingerprints that data (`case.input` and `case.vars`), since a replay has no command of its own
to render the arguments with. The header line fingerprints an HTTP target's own `headers:`
(`target_headers_sha256`) and lists the headers left out by default that it kept because the
spec compared them (`kept_headers`): a compared header a recording never kept is not "absent".
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, cast

from yamlparity.core.errors import Location, SpecError
from yamlparity.core.jsonvalue import JSON, JsonDecodeError, Number, dumps, loads, loads_lines
from yamlparity.spec.fixtures import BOM, DuplicateKey, decode_line, parse_checked
from yamlparity.spec.redact import SENSITIVE_HEADERS
from yamlparity.spec.source import file_errors

__all__ = [
    "FORMAT",
    "STREAM_DESCRIPTION",
    "Answer",
    "AnswerSource",
    "NoRecording",
    "Recording",
    "RecordingHeader",
    "answer_line",
    "answer_of",
    "case_fingerprint",
    "file_sha256",
    "header_line",
    "input_fingerprint",
    "load_recording",
    "target_headers_fingerprint",
]

FORMAT = 1
MARKER = "yamlparity_recording"
SourceKind = Literal["command", "http"]
OutputKind = Literal["json", "jsonl", "text"]

# Response headers a recording leaves out: hop-by-hop (RFC 9110 7.6.1), describing one
# connection, not the answer; `date` changes every second and would churn every diff.
UNRECORDED_HEADERS = frozenset(
    {
        "connection",
        "date",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_BODY_FORMS = ("", "_json", "_jsonl", "_base64")
# How a recording's header describes a helper that ran in `mode: stream` (after its command):
# its answers carry a made-up exit code 0, which the spec loader refuses to compare.
STREAM_DESCRIPTION = " (stream mode)"
_HASH_HEX = 16  # 64 bits: a fingerprint against stale answers, not a security boundary


@dataclass(frozen=True)
class RecordingHeader:
    """The first line: where the answers came from, and when."""

    target: str  # the target's name in the spec that recorded it
    kind: SourceKind
    description: str  # the resolved URL or command
    recorded_at: str  # UTC, ISO 8601
    yamlparity: str
    spec: str  # the spec file, as shown when recording
    spec_sha256: str
    cases: int
    # The headers a recording leaves out by default (UNRECORDED_HEADERS, credentials) that
    # this one kept because the spec compared them; None in recordings made before it was
    # written down (they cannot tell a header left out from one the target did not send).
    kept_headers: tuple[str, ...] | None = None
    # An HTTP target's own `headers:` (sent with every case; credentials left out), as a short
    # hash: None in recordings made before it was written (see targets_headers_fingerprint).
    target_headers_sha256: str | None = None

    def to_json(self) -> dict[str, JSON]:
        kept: dict[str, JSON] = {}
        if self.target_headers_sha256 is not None:
            kept["target_headers_sha256"] = self.target_headers_sha256
        if self.kept_headers is not None:
            kept["kept_headers"] = list(self.kept_headers)
        return {
            MARKER: Number(str(FORMAT)),
            "target": self.target,
            "kind": self.kind,
            "description": self.description,
            "recorded_at": self.recorded_at,
            "yamlparity": self.yamlparity,
            "spec": self.spec,
            "spec_sha256": self.spec_sha256,
            "cases": Number(str(self.cases)),
            **kept,
        }


@dataclass(frozen=True)
class Answer:
    """One case's recorded answer, as bytes again (what a target adapter hands on)."""

    case: str
    input_sha256: str | None = None
    failure: str | None = None
    # A command with templated arguments: the case data they were rendered from (see
    # case_fingerprint); None for other targets, and in recordings made before it was kept.
    case_sha256: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    stdout: bytes = b""  # the command's stdout, or the HTTP body
    stderr: bytes = b""
    where: str = ""  # file:line, for messages
    # The key the main stream was recorded under when that was its parsed value (`stdout_json`,
    # `body_jsonl`): its bytes are not the target's, only a JSON comparison may use them.
    parsed: str = ""


class AnswerSource(Protocol):
    """Where a recorded target's answers come from: a recording, or a HAR file."""

    display: str  # the file, as messages show it
    checks_input: bool  # answers carry an input fingerprint to check
    lists_unused: bool  # recorded cases the spec no longer has are worth reporting

    @property
    def kind(self) -> SourceKind: ...

    def names(self) -> Iterator[str]: ...

    def answer(self, name: str) -> Answer | None: ...

    def unkept(self, header: str) -> str | None:
        """Why an answer may lack `header` (lower-case) although the target sent it (the file
        leaves it out), or None when its absence is the target's."""
        ...

    def provenance(self) -> str:
        """When and from what the answers were recorded, for the report."""
        ...


def header_line(header: RecordingHeader) -> str:
    return dumps(header.to_json(), sort_keys=False)


# Header values a response may repeat but that cannot be joined into one (RFC 9110 5.3: a
# Set-Cookie value holds commas of its own, `Expires=Wed, 21 Oct 2026`; RFC 6265 3).
_NEVER_JOINED = frozenset({"set-cookie"})


def response_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A response's headers as compared and recorded (live answers, recordings and HARs alike):
    names lower-cased; a repeated header's values joined by ", " in order (RFC 9110 5.3);
    Set-Cookie, sent once or more, the JSON text of the array of its values in order
    (`["a=1; Path=/", "b=2"]`, `["a=1"]`): always an array, so two lines never equal one
    joined line, nor one line whose value is the text of their array.
    """
    out: dict[str, str] = {}
    apart: dict[str, list[str]] = {}
    for name, value in pairs:
        key = name.lower()
        if key in _NEVER_JOINED:
            apart.setdefault(key, []).append(value)
            out.setdefault(key, value)  # its place among the names
        elif key in out:
            out[key] = f"{out[key]}, {value}"
        else:
            out[key] = value
    for key, values in apart.items():
        out[key] = json.dumps(values, ensure_ascii=False)
    return out


def recorded_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A recording's headers as `response_headers` gives them today. Recordings written
    before Set-Cookie was always an array hold a line sent once as its plain value: it
    becomes the array of that line. (In those files a line whose value was itself the JSON
    text of an array of strings cannot be told from several lines; it is read as several.)"""
    out = dict(headers)
    for key in _NEVER_JOINED & out.keys():
        out[key] = json.dumps(_cookie_lines(out[key]), ensure_ascii=False)
    return out


def _cookie_lines(value: str) -> list[str]:
    try:
        lines = json.loads(value)
    except ValueError:
        return [value]
    if isinstance(lines, list) and lines and all(isinstance(line, str) for line in lines):
        return lines
    return [value]


def answer_line(answer: Answer, kind: SourceKind, output: OutputKind) -> str:
    """One case as a line (no newline); keys in a fixed order, forms as the module says."""
    line: dict[str, JSON] = {"case": answer.case}
    if answer.input_sha256 is not None:
        line["input_sha256"] = answer.input_sha256
    if answer.case_sha256 is not None:
        line["case_sha256"] = answer.case_sha256
    if answer.failure is not None:
        line["failure"] = answer.failure
        return dumps(line, sort_keys=False)
    if kind == "http":
        line["status"] = Number(str(answer.status))
        line["headers"] = {name: answer.headers[name] for name in sorted(answer.headers)}
        _put_bytes(line, "body", answer.stdout, output)
    else:
        line["exit_code"] = Number(str(answer.exit_code))
        _put_bytes(line, "stdout", answer.stdout, output)
        _put_bytes(line, "stderr", answer.stderr, "text")
    return dumps(line, sort_keys=False)


def _put_bytes(line: dict[str, JSON], key: str, data: bytes, output: OutputKind) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        line[key + "_base64"] = base64.b64encode(data).decode("ascii")
        return
    if output != "text" and text.strip():
        try:
            if output == "jsonl":
                line[key + "_jsonl"] = cast(JSON, loads_lines(text))
            else:
                line[key + "_json"] = loads(text)
            return
        except JsonDecodeError:
            pass  # not JSON (or a key written twice): the exact text replays the same error
    line[key] = text


def _bytes_of(row: dict[str, JSON], key: str) -> bytes:
    if key in row:
        return cast(str, row[key]).encode("utf-8")
    if key + "_json" in row:
        return dumps(row[key + "_json"], sort_keys=False).encode("utf-8")
    if key + "_jsonl" in row:
        values = cast(list[JSON], row[key + "_jsonl"])
        return "".join(dumps(v, sort_keys=False) + "\n" for v in values).encode("utf-8")
    if key + "_base64" in row:
        return base64.b64decode(cast(str, row[key + "_base64"]), validate=True)
    return b""


def input_fingerprint(
    stdin: bytes | None,
    method: str | None = None,
    path: str | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    *,
    leave_out: frozenset[str] = frozenset(),
) -> str:
    """A short sha256 of what a case sends; header names lower-cased, `leave_out` (credential
    headers, lower-case) not included: they are not the question, and a recording is public."""
    digest = hashlib.sha256()
    if stdin is not None:
        digest.update(b"stdin\0" + stdin)
    else:
        digest.update(f"{method} {path}\0".encode())
        for name in sorted((headers or {}), key=str.lower):
            if name.lower() not in leave_out:
                digest.update(f"{name.lower()}: {(headers or {})[name]}\0".encode())
        digest.update(b"body\0" + (body if body is not None else b"\xff"))
    return digest.hexdigest()[:_HASH_HEX]


def target_headers_fingerprint(headers: Mapping[str, str]) -> str:
    """A short sha256 of an HTTP target's own headers (sent with every case), credentials left
    out as in `input_fingerprint`; kept once in a recording's header, since it is the same for
    every case, and checked when the replaying spec still has that live target."""
    digest = hashlib.sha256(b"target headers\0")
    for name in sorted(headers, key=str.lower):
        if name.lower() not in SENSITIVE_HEADERS:
            digest.update(f"{name.lower()}: {headers[name]}\0".encode())
    return digest.hexdigest()[:_HASH_HEX]


def case_fingerprint(input_value: JSON, variables: Mapping[str, JSON]) -> str:
    """A short sha256 of the case data templated `run` arguments are rendered from: the
    arguments themselves are the recorded command's, which a replay cannot render again."""
    digest = hashlib.sha256()
    digest.update(b"input\0" + dumps(input_value, sort_keys=False).encode())
    digest.update(b"\0vars\0" + dumps(dict(variables), sort_keys=False).encode())
    return digest.hexdigest()[:_HASH_HEX]


def file_sha256(path: Path) -> str:
    """The short sha256 of a file's bytes (the spec a recording came from)."""
    with file_errors(str(path)):
        return hashlib.sha256(path.read_bytes()).hexdigest()[:_HASH_HEX]


# ------------------------------------------------------------------------------ reading


class Recording:
    """A recording file, checked whole at load; a case's line is read again when it runs."""

    checks_input = True
    lists_unused = True

    def __init__(self, path: Path, display: str, header: RecordingHeader) -> None:
        self.path = path
        self.display = display
        self.header = header
        self._index: dict[str, tuple[int, int, int]] = {}  # name -> offset, length, line
        self._stamp = (0, 0)
        self.without_case_data = 0  # lines with no `case_sha256` (see unchecked_arguments)

    @property
    def unchecked_arguments(self) -> bool:
        """Recorded from a command whose arguments are templates, by a yamlparity that did not
        fingerprint the case data they come from: a changed argument cannot be seen."""
        templated = self.header.kind == "command" and "{{" in self.header.description
        return templated and self.without_case_data > 0

    def unkept(self, header: str) -> str | None:
        """Why this recording may hold no `header` although the target sent it, or None when
        an answer without it means the target did not send it."""
        if header not in UNRECORDED_HEADERS and header not in SENSITIVE_HEADERS:
            return None
        kept = self.header.kept_headers
        if kept is None:
            return (
                f"this recording (made by an older yamlparity) does not say whether it kept "
                f"`{header}`, which a recording leaves out unless compare.facets names it"
            )
        if header in kept:
            return None
        return (
            f"the recording did not keep `{header}`: a recording leaves it out unless "
            "compare.facets names it when it is recorded"
        )

    def provenance(self) -> str:
        header = self.header
        return (
            f"recorded {header.recorded_at} from target {header.target}: {header.description}; "
            f"yamlparity {header.yamlparity}, {len(self)} cases"
        )

    @property
    def kind(self) -> SourceKind:
        return self.header.kind

    @property
    def from_stream_helper(self) -> bool:
        """Recorded from a `mode: stream` helper: its exit codes are not its own."""
        return self.header.description.endswith(STREAM_DESCRIPTION)

    def names(self) -> Iterator[str]:
        return iter(self._index)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __len__(self) -> int:
        return len(self._index)

    def line_of(self, name: str) -> int:
        return self._index[name][2]

    def answer(self, name: str) -> Answer | None:
        """The recorded answer, or None when the case was not recorded. Raises SpecError when
        the file changed since it was loaded (its lines would be read at stale offsets)."""
        text = self.line(name)
        if text is None:
            return None
        return answer_of(text, f"{self.display}:{self._index[name][2]}")

    def line(self, name: str) -> str | None:
        """A case's line as written (no newline), or None when it was not recorded."""
        place = self._index.get(name)
        if place is None:
            return None
        offset, length, _ = place
        with file_errors(self.display), self.path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if (info.st_size, info.st_mtime_ns) != self._stamp:
                raise SpecError(
                    f"{self.display} changed since the spec was loaded",
                    Location(self.display),
                    "run again: recorded answers are read when their case runs",
                )
            handle.seek(offset)
            return handle.read(length).decode("utf-8")


def answer_of(text: str, where: str = "") -> Answer:
    """A recording line (checked when its file was loaded, or just written) as an Answer."""
    return _answer(cast(dict[str, JSON], parse_checked(text)), where)


class NoRecording:
    """A recording that does not exist yet (`yamlparity record` is about to write it)."""

    checks_input = False
    lists_unused = False

    def __init__(self, display: str, kind: SourceKind) -> None:
        self.display = display
        self._kind: SourceKind = kind

    @property
    def kind(self) -> SourceKind:
        return self._kind

    def names(self) -> Iterator[str]:
        return iter(())

    def answer(self, name: str) -> Answer | None:
        return None

    def unkept(self, header: str) -> str | None:
        return None

    def provenance(self) -> str:
        return "not recorded yet"


def _answer(row: dict[str, JSON], where: str) -> Answer:
    headers = cast(dict[str, str], row.get("headers") or {})
    status, exit_code = row.get("status"), row.get("exit_code")
    main = "body" if "status" in row else "stdout"
    failure = row.get("failure")
    return Answer(
        case=cast(str, row["case"]),
        input_sha256=cast(str | None, row.get("input_sha256")),
        case_sha256=cast(str | None, row.get("case_sha256")),
        failure=f"recorded as a failure: {failure}" if isinstance(failure, str) else None,
        status=int(status.literal) if isinstance(status, Number) else None,
        headers=recorded_headers(headers),
        exit_code=int(exit_code.literal) if isinstance(exit_code, Number) else None,
        stdout=_bytes_of(row, main),
        stderr=_bytes_of(row, "stderr"),
        where=where,
        parsed=next((main + form for form in ("_json", "_jsonl") if main + form in row), ""),
    )


def load_recording(path: Path, display: str) -> Recording:
    """Read and check a whole recording (one line at a time); SpecError at file:line:column."""
    with file_errors(display), path.open("rb") as handle:
        info = os.fstat(handle.fileno())
        recording: Recording | None = None
        offset = 0
        for number, data in enumerate(handle, start=1):
            start, offset = offset, offset + len(data)
            if number == 1 and data.startswith(BOM):
                data, start = data[len(BOM) :], start + len(BOM)
            data = data.removesuffix(b"\n")
            text = decode_line(data, display, number)
            if not text.strip():
                continue
            row = _row(text, display, number)
            if recording is None:
                recording = Recording(path, display, _header(row, display, text))
                continue
            name = _check_row(row, recording.header.kind, display, number, text)
            if name in recording._index:
                first = recording._index[name][2]
                raise _error(
                    f"case {name!r} is recorded twice (first at line {first})",
                    display,
                    number,
                    text,
                    "a recording holds one line per case: re-record it",
                )
            recording._index[name] = (start, len(data), number)
            recording.without_case_data += "case_sha256" not in row
    if recording is None:
        raise SpecError(
            f"{display} is empty: not a recording",
            Location(display),
            "write one with `yamlparity record SPEC --target NAME`",
        )
    recording._stamp = (info.st_size, info.st_mtime_ns)
    return recording


def _row(text: str, display: str, number: int) -> dict[str, JSON]:
    try:
        row = parse_checked(text)
    except JsonDecodeError as exc:
        raise SpecError(
            f"invalid JSON in a recording: {exc.message}",
            Location(display, number, exc.column or 1),
            "a recording holds one JSON object per line; re-record it rather than edit it",
            source_line=text,
        ) from None
    except DuplicateKey as exc:
        raise _error(f"key {exc.key!r} written twice", display, number, text) from None
    if not isinstance(row, dict):
        raise _error("a recording line must be a JSON object", display, number, text)
    return row


def _error(
    message: str, display: str, number: int, text: str, hint: str | None = None
) -> SpecError:
    return SpecError(message, Location(display, number, 1), hint, source_line=text)


def _header(row: dict[str, JSON], display: str, text: str) -> RecordingHeader:
    version = row.get(MARKER)
    if not isinstance(version, Number):
        raise _error(
            "not a yamlparity recording (its first line has no `yamlparity_recording`)",
            display,
            1,
            text,
            "write one with `yamlparity record SPEC --target NAME`; a .har file is read as HAR",
        )
    if version.literal != str(FORMAT):
        raise _error(
            f"recording format {version.literal} is not supported (this yamlparity reads "
            f"format {FORMAT})",
            display,
            1,
            text,
            "re-record it with this version: `yamlparity record SPEC --target NAME`",
        )
    texts: dict[str, str] = {}
    for key in ("target", "kind", "description", "recorded_at", "yamlparity", "spec"):
        value = row.get(key)
        if not isinstance(value, str):
            raise _error(f"the header needs a string {key!r}", display, 1, text)
        texts[key] = value
    if texts["kind"] not in ("command", "http"):
        raise _error(f"kind must be command or http, not {texts['kind']!r}", display, 1, text)
    cases = row.get("cases")
    return RecordingHeader(
        target=texts["target"],
        kind=cast(SourceKind, texts["kind"]),
        description=texts["description"],
        recorded_at=texts["recorded_at"],
        yamlparity=texts["yamlparity"],
        spec=texts["spec"],
        spec_sha256=str(row.get("spec_sha256") or ""),
        cases=int(cases.literal) if isinstance(cases, Number) and cases.is_integer_literal else 0,
        kept_headers=_kept_headers(row.get("kept_headers"), display, text),
        target_headers_sha256=_optional_text(row, "target_headers_sha256", display, text),
    )


def _optional_text(row: dict[str, JSON], key: str, display: str, text: str) -> str | None:
    value = row.get(key)
    if value is not None and not isinstance(value, str):
        raise _error(f"{key!r} must be a string", display, 1, text)
    return value


def _kept_headers(value: JSON, display: str, text: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise _error('"kept_headers" must be a list of header names', display, 1, text)
    return tuple(cast(list[str], value))


_HTTP_KEYS = {"case", "input_sha256", "failure", "status", "headers"} | {
    "body" + form for form in _BODY_FORMS
}
_COMMAND_KEYS = (
    {"case", "input_sha256", "case_sha256", "failure", "exit_code"}
    | {"stdout" + form for form in _BODY_FORMS}
    | {"stderr" + form for form in _BODY_FORMS}
)


def _check_row(row: dict[str, JSON], kind: SourceKind, display: str, number: int, text: str) -> str:
    """A case line is well formed for its kind (so replay cannot fail later); its name."""
    name = row.get("case")
    if not isinstance(name, str) or not name:
        raise _error('a recorded case needs a string "case"', display, number, text)
    allowed = _HTTP_KEYS if kind == "http" else _COMMAND_KEYS
    for key in row:
        if key not in allowed:
            raise _error(f"unknown key {key!r} in a {kind} recording", display, number, text)
    if not isinstance(row.get("case_sha256", ""), str):
        raise _error('"case_sha256" must be a string', display, number, text)
    if row.get("failure") is not None:
        if not isinstance(row["failure"], str):
            raise _error('"failure" must be a string', display, number, text)
        return name
    number_key = "status" if kind == "http" else "exit_code"
    value = row.get(number_key)
    if not isinstance(value, Number) or not value.is_integer_literal:
        raise _error(f'case {name!r} needs an integer "{number_key}"', display, number, text)
    streams = ("body",) if kind == "http" else ("stdout", "stderr")
    for stream in streams:
        _check_stream(row, stream, name, display, number, text)
    headers = row.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise _error(f'case {name!r}: "headers" maps names to strings', display, number, text)
    return name


def _check_stream(
    row: dict[str, JSON], stream: str, name: str, display: str, number: int, text: str
) -> None:
    forms = [stream + form for form in _BODY_FORMS if stream + form in row]
    if len(forms) > 1:
        raise _error(
            f"case {name!r} has {' and '.join(forms)}: one form per stream", display, number, text
        )
    if not forms:
        return  # an empty stream
    key = forms[0]
    value = row[key]
    if key.endswith("_jsonl") and not isinstance(value, list):
        raise _error(f'case {name!r}: "{key}" must be a list', display, number, text)
    if key in (stream, stream + "_base64") and not isinstance(value, str):
        raise _error(f'case {name!r}: "{key}" must be a string', display, number, text)
    if key.endswith("_base64"):
        try:
            base64.b64decode(cast(str, value), validate=True)
        except ValueError:
            raise _error(f'case {name!r}: "{key}" is not base64', display, number, text) from None
