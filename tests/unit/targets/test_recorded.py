"""The recorded target adapter (answers, missing and stale cases, notes) and the capture that
writes recordings (headers kept, secrets masked, lines sorted, written whole)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from yamlparity.core.errors import Location
from yamlparity.spec.model import Case, RecordedTarget
from yamlparity.spec.recording import (
    Answer,
    RecordingHeader,
    answer_line,
    header_line,
    load_recording,
)
from yamlparity.spec.redact import Redactor
from yamlparity.targets.base import Invocation, PreparedRequest, RawObservation
from yamlparity.targets.recorded import Capture, RecordedAdapter, fingerprint, write_recording

HERE = Location("spec.yaml", 1, 1)
HEADER = RecordingHeader(
    "go", "http", "http://x", "2026-01-01T00:00:00Z", "0.1.0", "../s.yaml", "", 2
)


def _invocation(name: str, body: bytes = b"{}", token: str = "a") -> Invocation:
    request = PreparedRequest("POST", "/q", {"Authorization": token, "X": "1"}, body)
    return Invocation(case=Case(name, HERE, None), request=request)


def _recording(tmp_path: Path, *answers: Answer) -> Path:
    path = tmp_path / "go.jsonl"
    lines = [header_line(HEADER), *(answer_line(a, "http", "json") for a in answers)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _adapter(tmp_path: Path, *answers: Answer, **kw: object) -> RecordedAdapter:
    path = _recording(tmp_path, *answers)
    source = load_recording(path, "baselines/go.jsonl")
    return RecordedAdapter(RecordedTarget("go", HERE, path, source, **kw))  # type: ignore[arg-type]


def test_answers_come_back_as_the_target_gave_them(tmp_path: Path) -> None:
    asked = _invocation("a")
    answer = Answer("a", fingerprint(asked), status=201, headers={"x": "1"}, stdout=b'{"v": 1.0}')
    adapter = _adapter(tmp_path, answer)
    raw = adapter.execute(asked)
    assert (raw.failure, raw.status, raw.headers, raw.stdout) == (
        None,
        201,
        {"x": "1"},
        b'{"v":1.0}',
    )
    assert adapter.begin(asked)() == raw
    # A credential is not part of the question: another token, the same case.
    assert adapter.execute(_invocation("a", token="b")).failure is None


def test_missing_stale_and_failed_cases_are_failures_with_reasons(tmp_path: Path) -> None:
    asked = _invocation("a")
    adapter = _adapter(
        tmp_path,
        Answer("a", fingerprint(asked), status=200, stdout=b"{}"),
        Answer("b", "x", failure="timed out after 1 s"),
    )
    # The hint names the spec that recorded it (beside the recording, as its header says).
    source = adapter.source
    recorded_by = os.path.normpath(source.path.parent / source.header.spec)  # type: ignore[attr-defined]
    assert adapter.execute(_invocation("zz")).failure == (
        "this case is not in the recording baselines/go.jsonl; record it with "
        f"`yamlparity record {recorded_by} --target go --update-baseline` (the spec that "
        "recorded it: the case must be there too)"
    )
    stale = adapter.execute(_invocation("a", body=b'{"n": 2}')).failure
    assert stale is not None
    assert stale.startswith("the case's input changed since it was recorded (baselines/go.jsonl:2")
    assert adapter.execute(_invocation("b")).failure == (
        "baselines/go.jsonl:3: recorded as a failure: timed out after 1 s"
    )
    lenient = _adapter(
        tmp_path, Answer("a", fingerprint(asked), status=200, stdout=b"{}"), check_input=False
    )
    assert lenient.execute(_invocation("a", body=b'{"n": 2}')).failure is None


def test_describe_and_notes(tmp_path: Path) -> None:
    unused = tuple(f"old_{n:02d}" for n in range(12))
    adapter = _adapter(tmp_path, unused=unused, spec_changed=True)
    assert adapter.describe() == (
        "baselines/go.jsonl: recorded 2026-01-01T00:00:00Z from target go: http://x; "
        "yamlparity 0.1.0, 0 cases"
    )
    assert adapter.notes() == [
        "recorded with a spec file that differs from this one (../s.yaml)",
        "12 recorded cases no longer in the spec (unused): old_00, old_01, old_02, old_03, "
        "old_04, old_05, old_06, old_07, old_08, old_09 … (2 more)",
    ]
    assert _adapter(tmp_path).notes() == []


class _Live:
    """A real (in-process) adapter: answers every case with the headers and body it is given."""

    name = "live"
    overlaps = True

    def __init__(self, raw: RawObservation) -> None:
        self.raw = raw
        self.started = self.closed = False

    def start(self) -> None:
        self.started = True

    def close(self) -> None:
        self.closed = True

    def describe(self) -> str:
        return "in process"

    def execute(self, invocation: Invocation) -> RawObservation:
        return self.raw


def test_capture_keeps_what_the_recording_needs(tmp_path: Path) -> None:
    raw = RawObservation(
        "live",
        status=200,
        headers={
            "content-type": "application/json",
            "date": "Mon",
            "connection": "keep-alive",
            "set-cookie": "s=1",
            "x-trace": "t",
        },
        stdout=b'{"token": "secret-value-123"}',
    )
    live = _Live(raw)
    redactor = Redactor(["secret-value-123"])
    capture = Capture(live, "http", "json", frozenset({"x-trace"}), redactor)
    assert not hasattr(capture, "begin")  # the engine treats one-step adapters differently
    assert capture.overlaps and capture.describe() == "in process"
    capture.start()
    for name in ("b", "a"):
        assert capture.execute(_invocation(name)) is raw
    capture.close()
    assert live.started and live.closed
    assert sorted(capture.names()) == ["a", "b"]
    assert capture.line("a") == (
        f'{{"case":"a","input_sha256":"{fingerprint(_invocation("a"))}","status":200,'
        '"headers":{"content-type":"application/json","x-trace":"t"},'
        '"body_json":{"token":"***"}}'
    )
    assert sorted(capture.masked) == ["a", "b"]
    path = tmp_path / "out" / "live.jsonl"
    write_recording(path, HEADER, capture.names(), capture.line)
    capture.discard()
    lines = path.read_text("utf-8").splitlines()
    assert lines[0] == header_line(HEADER)
    assert [line[:12] for line in lines[1:]] == ['{"case":"a",', '{"case":"b",']
    assert [p.name for p in path.parent.iterdir()] == ["live.jsonl"]  # no scratch file left


def test_a_skipped_target_is_captured_as_a_failure(tmp_path: Path) -> None:
    capture = Capture(
        _Live(RawObservation("live", skipped="node not installed")), "command", "json"
    )
    capture.execute(Invocation(case=Case("a", HERE, None), stdin=b"{}"))
    assert capture.failed == {"a": "skipped: node not installed"}
    assert '"failure":"skipped: node not installed"' in capture.line("a")
    capture.discard()


def test_a_failed_write_leaves_the_old_recording(tmp_path: Path) -> None:
    path = _recording(tmp_path)
    before = path.read_bytes()

    def broken(name: str) -> str:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_recording(path, HEADER, ["a"], broken)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["go.jsonl"]


def test_a_recording_changed_during_the_run_is_refused_case_by_case(tmp_path: Path) -> None:
    asked = _invocation("a")
    adapter = _adapter(tmp_path, Answer("a", fingerprint(asked), status=200, stdout=b"{}"))
    path = tmp_path / "go.jsonl"
    path.write_text(path.read_text("utf-8") + "\n", "utf-8")
    assert adapter.execute(asked).failure == (
        "cannot read the recording: baselines/go.jsonl changed since the spec was loaded"
    )
