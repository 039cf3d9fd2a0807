"""Recorded targets: answers replayed from a file, and answers captured to write one.

`RecordedAdapter` is a target like the others: the engine hands it a case and gets back the raw
answer a live target gave when it was recorded (status, headers and body; exit code, stdout and
stderr), so rules, known divergences, N-way agreement and reports treat it like a live one. A
case the recording does not hold, or holds for another input, is an ERROR with the reason.

`Capture` wraps a live adapter and keeps what it answered, one line per case in a scratch file,
until `write` sorts the lines into a recording (spec/recording.py says what a line holds). Only
the raw answer is kept, never how a client received it, so the format does not depend on the
HTTP client.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, cast

from yamlparity.core.errors import SpecError
from yamlparity.spec.har import HarLog, case_request
from yamlparity.spec.model import RecordedTarget
from yamlparity.spec.recording import (
    UNRECORDED_HEADERS,
    Answer,
    OutputKind,
    Recording,
    RecordingHeader,
    SourceKind,
    answer_line,
    case_fingerprint,
    header_line,
    input_fingerprint,
    target_headers_fingerprint,
)
from yamlparity.spec.redact import SENSITIVE_HEADERS, Redactor
from yamlparity.targets.base import Invocation, Pending, RawObservation, TargetAdapter

__all__ = ["Capture", "RecordedAdapter", "fingerprint", "observation", "write_recording"]


def fingerprint(invocation: Invocation) -> str:
    """What the case sends, as a short hash (credential headers left out)."""
    request = invocation.request
    if request is None:
        return input_fingerprint(invocation.stdin or b"")
    return input_fingerprint(
        None,
        request.method,
        request.path,
        request.headers,
        request.body,
        leave_out=SENSITIVE_HEADERS,
    )


def _changed(what: str, answer: Answer, recorded: str, now: str) -> str:
    label = what.split(" ", 1)[0]
    return (
        f"the case's {what} changed since it was recorded ({answer.where}: {label} {recorded}, "
        f"now {now}); record it again with --update-baseline, or set `check_input: false` on the "
        "target to compare anyway"
    )


def _other_request(har: HarLog, invocation: Invocation) -> str | None:
    """Why the case is not the request the HAR entry of its name recorded, if it is not: a
    case of that name from another capture (or a hand-written one) asks another question."""
    case = invocation.case
    entry = har.entry(case.name)
    if entry is None:
        return None
    where = f"{har.display} (log.entries[{entry.index}])"
    try:
        recorded = case_request(entry)
    except SpecError as exc:
        return (
            f"the HAR entry's request cannot be compared with the case's ({where}: {exc.message})"
        )
    sent = case.request or {}
    differs = [
        part
        for part in ("method", "path", "headers", "body")
        if _request_part(sent, part) != _request_part(recorded, part)
    ]
    if not differs:
        return None
    what = ", ".join("path and query" if part == "path" else part for part in differs)
    return (
        f"the case's request is not the one its HAR entry recorded ({where}: {entry.method} "
        f"{entry.url}; they differ in: {what}): it answers another request; make the case from "
        "this HAR file, or set `check_input: false` on the target to compare anyway"
    )


def _request_part(request: dict[str, Any], part: str) -> Any:
    value = request.get(part)
    if part == "headers":
        return {str(name).lower(): item for name, item in (value or {}).items()}
    return value


def observation(answer: Answer, target: str) -> RawObservation:
    """A recorded answer as the raw observation a live target would have given."""
    if answer.failure is not None:
        return RawObservation(target=target, failure=answer.failure)
    return RawObservation(
        target=target,
        exit_code=answer.exit_code,
        status=answer.status,
        headers=dict(answer.headers),
        stdout=answer.stdout,
        stderr=answer.stderr,
        exact=not answer.parsed,
    )


def _record_again(source: Recording) -> str:
    """The command that records `source` again: the spec and target that recorded it (this
    spec may replay it under another name, and has no live target to record from)."""
    header = source.header
    spec = _shown_path(source.path.parent / header.spec)
    return f"yamlparity record {spec} --target {header.target} --update-baseline"


def _shown_path(path: Path) -> str:
    """`path` relative to the working directory when it is below it, for a command to paste."""
    path = Path(os.path.normpath(path))
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class RecordedAdapter:
    """Implements TargetAdapter (and the two-step `begin`) for a `RecordedTarget`."""

    overlaps = True  # nothing is in flight: any number of cases may be "sent" at once

    def __init__(self, target: RecordedTarget, command: str = "yamlparity record SPEC") -> None:
        self.name = target.name
        self.target = target
        self.source = target.source
        self.command = command  # how the person re-records, for messages

    def start(self) -> None:
        """Nothing to start: the file was read and checked when the spec was loaded."""

    def close(self) -> None:
        """Nothing to stop."""

    def begin(self, invocation: Invocation) -> Pending:
        raw = self.execute(invocation)
        return lambda: raw

    def execute(self, invocation: Invocation) -> RawObservation:
        name = invocation.case.name
        try:
            answer = self.source.answer(name)
        except Exception as exc:  # the file changed or vanished since the spec was loaded
            why = getattr(exc, "message", None) or str(exc)  # a SpecError's one-line message
            return RawObservation(target=self.name, failure=f"cannot read the recording: {why}")
        if answer is None:
            return RawObservation(target=self.name, failure=self._missing())
        if answer.failure is not None:
            return RawObservation(target=self.name, failure=f"{answer.where}: {answer.failure}")
        stale = self._stale(answer, invocation)
        if stale is not None:
            return RawObservation(target=self.name, failure=stale)
        unfit = self._unfit(answer)
        if unfit is not None:
            return RawObservation(target=self.name, failure=unfit)
        return observation(self._line_ended(answer), self.name)

    def _line_ended(self, answer: Answer) -> Answer:
        """A stream helper's text answer with the `\\n` that ended its line: every answer
        line has one, but recordings made before yamlparity kept it hold the line without
        (`hello` for `hello\\n`, `hello\\r` for `hello\\r\\n`), which replayed would differ
        from the helper it was recorded from (docs/stream-mode.md)."""
        source = self.source
        if (
            self.target.output == "text"
            and isinstance(source, Recording)
            and source.from_stream_helper
            and not answer.parsed
            and not answer.stdout.endswith(b"\n")
        ):
            return dataclasses.replace(answer, stdout=answer.stdout + b"\n")
        return answer

    def _unfit(self, answer: Answer) -> str | None:
        """Why the recorded answer cannot stand for what this spec compares, if it cannot."""
        if answer.parsed and self.target.output == "text":
            stream = answer.parsed.rsplit("_", 1)[0]
            mode = "jsonl" if answer.parsed.endswith("_jsonl") else "json"
            return (
                f"{answer.where}: the recording holds the parsed JSON of the {stream} "
                f"(`{answer.parsed}`, recorded under `output: {mode}`), not the bytes an "
                "`output: text` comparison needs; record it again with `output: text` in the "
                f"recording spec{self._recorded_from()}"
            )
        for header in sorted(self.target.compared_headers):
            if header in answer.headers:
                continue
            why = self.source.unkept(header)
            if why is not None:
                # Its absence would be compared as "not sent": a MATCH with a target that does
                # not send it, a DIFF with one that does, whatever the recorded target did.
                again = (
                    f"; record it again with headers.{header} in compare.facets"
                    f"{self._recorded_from()}"
                    if isinstance(self.source, Recording)
                    else ""
                )
                return f"{answer.where}: header {header} was not recorded: {why}{again}"
        return None

    def _recorded_from(self) -> str:
        source = self.source
        if not isinstance(source, Recording):
            return ""
        spec = _shown_path(source.path.parent / source.header.spec)
        return f" ({spec}, target {source.header.target})"

    def _missing(self) -> str:
        source = self.source
        hint = ""
        if isinstance(source, Recording):
            hint = (
                f"; record it with `{_record_again(source)}` (the spec that recorded it: the "
                "case must be there too)"
            )
        return f"this case is not in the recording {source.display}{hint}"

    def _stale(self, answer: Answer, invocation: Invocation) -> str | None:
        if not self.target.check_input:
            return None
        if isinstance(self.source, HarLog):
            return _other_request(self.source, invocation)
        if answer.input_sha256 is not None:
            now = fingerprint(invocation)
            if now != answer.input_sha256:
                return _changed("input", answer, answer.input_sha256, now)
        recorded = getattr(self.source, "header", None)
        live = self.target.live_headers
        if recorded is not None and recorded.target_headers_sha256 and live is not None:
            # The live target's own `headers:` went with every recorded request too.
            now = target_headers_fingerprint(live)
            if now != recorded.target_headers_sha256:
                what = f"headers (the `headers:` of target {recorded.target})"
                return _changed(what, answer, recorded.target_headers_sha256, now)
        if answer.case_sha256 is not None:
            # The recorded command's arguments were rendered from the case's data: the same
            # stdin with other arguments (`add` then `mul`) is another question.
            case = invocation.case
            now = case_fingerprint(case.input, case.vars)
            if now != answer.case_sha256:
                return _changed("data (its command's arguments)", answer, answer.case_sha256, now)
        return None

    def describe(self) -> str:
        return f"{self.source.display}: {self.source.provenance()}"

    def _unchecked_arguments(self) -> str | None:
        """A note for an older recording of a command with templated arguments: its answers are
        still compared (the file stays readable), but a changed argument would go unseen."""
        if not self.target.check_input or not getattr(self.source, "unchecked_arguments", False):
            return None
        return (
            "recorded without the case data of the command's templated arguments (made by "
            "an older yamlparity): a case whose arguments changed is compared all the same; "
            f"record it again with `{_record_again(cast(Recording, self.source))}`"
        )

    def _unchecked_headers(self) -> str | None:
        """A note for an older recording of an HTTP target whose own `headers:` this spec
        sets: they were not fingerprinted, so a changed one would go unseen."""
        source, live = self.source, self.target.live_headers
        if not self.target.check_input or not isinstance(source, Recording) or not live:
            return None
        if source.header.target_headers_sha256 is not None:
            return None
        if all(name.lower() in SENSITIVE_HEADERS for name in live):
            return None  # credentials are never part of a fingerprint
        return (
            f"recorded without a fingerprint of target {source.header.target}'s own headers "
            "(made by an older yamlparity): a case whose target headers changed is compared "
            f"all the same; record it again with `{_record_again(source)}`"
        )

    def notes(self) -> list[str]:
        """What the report says under the target: a changed spec, stale recorded cases."""
        out: list[str] = []
        if unchecked := self._unchecked_arguments():
            out.append(unchecked)
        if unchecked := self._unchecked_headers():
            out.append(unchecked)
        header = getattr(self.source, "header", None)
        if self.target.spec_changed and header is not None:
            out.append(f"recorded with a spec file that differs from this one ({header.spec})")
        unused = self.target.unused
        if unused:
            shown = ", ".join(unused[:10]) + (
                f" … ({len(unused) - 10} more)" if len(unused) > 10 else ""
            )
            out.append(
                f"{len(unused)} recorded case{'s' if len(unused) != 1 else ''} no longer in the "
                f"spec (unused): {shown}"
            )
        return out


# ------------------------------------------------------------------------------ capture


class Capture:
    """A live adapter's answers, kept as recording lines in a scratch file while a run goes.

    Thread-safe: lanes call `execute`/`begin` concurrently. `answers()` hands back every
    captured line; `write` puts them, sorted by case name, into the recording.
    """

    def __init__(
        self,
        adapter: TargetAdapter,
        kind: SourceKind,
        output: OutputKind,
        keep_headers: frozenset[str] = frozenset(),
        redactor: Redactor | None = None,
    ) -> None:
        self.adapter = adapter
        self.name = adapter.name
        self.kind = kind
        self.output = output
        self.keep_headers = keep_headers  # compared headers: recorded even when sensitive
        self.redactor = redactor
        self.masked: list[str] = []  # cases whose answer held a secret's value
        self.failed: dict[str, str] = {}  # case -> why the target gave no answer
        self._lock = threading.Lock()
        # Open for the whole run (closed by discard()): answers go to disk as they arrive.
        self._scratch: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._index: dict[str, tuple[int, int]] = {}

    @property
    def overlaps(self) -> bool:
        return bool(getattr(self.adapter, "overlaps", False))

    def start(self) -> None:
        self.adapter.start()

    def close(self) -> None:
        self.adapter.close()

    def describe(self) -> str:
        return self.adapter.describe()

    def execute(self, invocation: Invocation) -> RawObservation:
        raw = self.adapter.execute(invocation)
        self._keep(invocation, raw)
        return raw

    def __getattr__(self, name: str) -> object:
        # `begin` only when the wrapped adapter has it: the engine treats adapters with and
        # without it differently.
        if name == "begin" and hasattr(self.adapter, "begin"):
            return self._begin
        raise AttributeError(name)

    def _begin(self, invocation: Invocation) -> Pending:
        finish: Pending = self.adapter.begin(invocation)

        def done() -> RawObservation:
            raw = finish()
            self._keep(invocation, raw)
            return raw

        return done

    def _keep(self, invocation: Invocation, raw: RawObservation) -> None:
        name = invocation.case.name
        failure = raw.failure
        if failure is None and raw.skipped is not None:
            failure = f"skipped: {raw.skipped}"
        answer = Answer(
            case=name,
            input_sha256=fingerprint(invocation),
            case_sha256=self._case_data(invocation),
            failure=failure,
            status=raw.status,
            headers=self._headers(raw.headers),
            exit_code=raw.exit_code,
            stdout=raw.stdout,
            stderr=raw.stderr,
        )
        line = answer_line(answer, self.kind, self.output)
        if self.redactor:
            masked = self.redactor.text(line)
            if masked != line:
                line = masked
                with self._lock:
                    self.masked.append(name)
        data = (line + "\n").encode("utf-8")
        with self._lock:
            if failure is not None:
                self.failed[name] = failure
            self._scratch.seek(0, os.SEEK_END)
            self._index[name] = (self._scratch.tell(), len(data))
            self._scratch.write(data)

    def _case_data(self, invocation: Invocation) -> str | None:
        """The fingerprint of the case data this command's templated arguments came from."""
        if self.name not in invocation.argv:
            return None  # fixed arguments: stdin is all the case sends
        case = invocation.case
        return case_fingerprint(case.input, case.vars)

    def _headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {
            name: value
            for name, value in headers.items()
            if name in self.keep_headers
            or (name not in UNRECORDED_HEADERS and name not in SENSITIVE_HEADERS)
        }

    def names(self) -> list[str]:
        """The cases answered so far."""
        with self._lock:
            return list(self._index)

    def line(self, name: str) -> str:
        """A captured case's recording line (without its newline)."""
        with self._lock:
            offset, length = self._index[name]
            self._scratch.seek(offset)
            data = self._scratch.read(length)
        return data.decode("utf-8").removesuffix("\n")

    def discard(self) -> None:
        self._scratch.close()


def write_recording(
    path: Path, header: RecordingHeader, names: list[str], line_of: Callable[[str], str]
) -> None:
    """The header, then each case's line in name order; written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(header_line(header) + "\n")
            for name in sorted(names):
                handle.write(line_of(name) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(scratch, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise
