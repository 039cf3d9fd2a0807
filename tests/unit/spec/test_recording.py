"""The recording format: each body in the form that keeps it exactly, lines that read back to
the same answer, and a file checked line by line with errors at file:line:column."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yamlparity.core.errors import SpecError
from yamlparity.core.jsonvalue import dumps, loads
from yamlparity.spec.recording import (
    Answer,
    RecordingHeader,
    answer_line,
    answer_of,
    header_line,
    input_fingerprint,
    load_recording,
)

HEADER = RecordingHeader(
    target="go",
    kind="http",
    description="http://127.0.0.1:${port}",
    recorded_at="2026-01-02T03:04:05Z",
    yamlparity="0.1.0",
    spec="../gw.yaml",
    spec_sha256="0123456789abcdef",
    cases=1,
)


def _http(body: bytes, output: str = "json", **kw: object) -> str:
    answer = Answer(case="c", input_sha256="ab", status=200, stdout=body, **kw)  # type: ignore[arg-type]
    return answer_line(answer, "http", output)  # type: ignore[arg-type]


def test_a_json_body_keeps_its_literals_and_key_order() -> None:
    body = b'{"z": 1.0, "a": 9007199254740993, "e": 1e2, "s": "caf\\u00e9", "n": -0}'
    line = _http(body, headers={"x-b": "2", "content-type": "application/json"})
    assert line == (
        '{"case":"c","input_sha256":"ab","status":200,'
        '"headers":{"content-type":"application/json","x-b":"2"},'
        '"body_json":{"z":1.0,"a":9007199254740993,"e":1e2,"s":"café","n":-0}}'
    )
    assert loads(answer_of(line).stdout) == loads(body)


@pytest.mark.parametrize(
    ("body", "output", "key"),
    [
        (b"plain words\n", "json", "body"),  # not JSON: the text, which fails the gate the same
        (b'{"a": 1, "a": 2}', "json", "body"),  # a key twice: kept as text, never resolved
        (b'{"a": 1}\n', "text", "body"),  # text specs compare text: kept byte for byte
        (b"caf\xe9", "json", "body_base64"),
        (b'{"a":1}\n{"b":2}\n', "jsonl", "body_jsonl"),
        (b"", "json", "body"),
    ],
)
def test_each_body_in_the_form_that_holds_it(body: bytes, output: str, key: str) -> None:
    line = _http(body, output)
    assert key in loads(line)  # type: ignore[operator]
    replayed = answer_of(line).stdout
    if key in ("body", "body_base64"):
        assert replayed == body
    else:
        assert replayed == b'{"a":1}\n{"b":2}\n'


def test_a_failure_is_kept_with_its_reason() -> None:
    line = answer_line(Answer(case="c", failure="timed out after 5 s"), "http", "json")
    assert line == '{"case":"c","failure":"timed out after 5 s"}'
    assert answer_of(line).failure == "recorded as a failure: timed out after 5 s"


def test_command_answers_keep_exit_code_stdout_and_stderr() -> None:
    answer = Answer(case="c", exit_code=3, stdout=b'{"ok": true}', stderr=b"warn\xff\n")
    line = answer_line(answer, "command", "json")
    assert line == '{"case":"c","exit_code":3,"stdout_json":{"ok":true},"stderr_base64":"d2Fybv8K"}'
    back = answer_of(line)
    assert (back.exit_code, back.stdout, back.stderr) == (3, b'{"ok":true}', b"warn\xff\n")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_come_back_exactly_from_a_text_spec(data: bytes) -> None:
    assert answer_of(_http(data, "text")).stdout == data


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_any_json_body_comes_back_as_the_same_value(value: object) -> None:
    import json

    body = json.dumps(value).encode()
    assert loads(answer_of(_http(body)).stdout) == loads(body)


def test_input_fingerprints_leave_credentials_out() -> None:
    base = input_fingerprint(None, "POST", "/q", {"Content-Type": "a"}, b"{}")
    with_token = input_fingerprint(
        None,
        "POST",
        "/q",
        {"content-type": "a", "Authorization": "Bearer x"},
        b"{}",
        leave_out=frozenset({"authorization"}),
    )
    assert base == with_token and len(base) == 16
    assert input_fingerprint(None, "POST", "/q", {"Content-Type": "a"}, b"{ }") != base
    assert input_fingerprint(None, "POST", "/q", {}, None) != input_fingerprint(
        None, "POST", "/q", {}, b""
    )
    assert input_fingerprint(b"x") != input_fingerprint(b"y")


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "go.jsonl"
    path.write_text("".join(line + "\n" for line in lines), "utf-8")
    return path


def test_a_recording_reads_back_each_case(tmp_path: Path) -> None:
    line = _http(b'{"ok": true}')
    path = _write(tmp_path, header_line(HEADER), line)
    recording = load_recording(path, "baselines/go.jsonl")
    assert recording.kind == "http" and list(recording.names()) == ["c"]
    answer = recording.answer("c")
    assert answer is not None and answer.stdout == b'{"ok":true}'
    assert answer.where == "baselines/go.jsonl:2"
    assert recording.answer("other") is None
    assert recording.provenance() == (
        "recorded 2026-01-02T03:04:05Z from target go: http://127.0.0.1:${port}; "
        "yamlparity 0.1.0, 1 cases"
    )
    # Rewritten since it was loaded: refused rather than read at stale offsets.
    path.write_text(header_line(HEADER) + "\n" + line + "\n\n", "utf-8")
    os.utime(path, ns=(1, 1))
    with pytest.raises(SpecError, match="changed since the spec was loaded"):
        recording.answer("c")


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ('"a=1"', '["a=1"]'),  # written before Set-Cookie was always an array: one line
        ('"[\\"a=1\\", \\"b=2\\"]"', '["a=1", "b=2"]'),  # two lines, then and now
        ('"[\\"a=1\\"]"', '["a=1"]'),  # one line, now
        ('"[]"', '["[]"]'),  # not the text of lines: a line
    ],
)
def test_recorded_set_cookie_reads_as_the_array_of_its_lines(
    tmp_path: Path, stored: str, read: str
) -> None:
    line = f'{{"case":"c","status":200,"headers":{{"set-cookie":{stored},"x":"y"}},"body":""}}'
    recording = load_recording(_write(tmp_path, header_line(HEADER), line), "go.jsonl")
    answer = recording.answer("c")
    assert answer is not None and answer.headers == {"set-cookie": read, "x": "y"}


GOOD = header_line(HEADER)


@pytest.mark.parametrize(
    ("lines", "message", "where"),
    [
        ((), "is empty: not a recording", "go.jsonl"),
        (('{"case": "c"}',), "not a yamlparity recording", "go.jsonl:1:1"),
        (
            (GOOD.replace('"yamlparity_recording":1', '"yamlparity_recording":2'),),
            "recording format 2 is not supported",
            "go.jsonl:1:1",
        ),
        (
            (GOOD.replace('"kind":"http"', '"kind":"grpc"'),),
            "kind must be command or http",
            "go.jsonl:1:1",
        ),
        ((GOOD, '{"case":"c","status":200,'), "invalid JSON in a recording", "go.jsonl:2:26"),
        ((GOOD, '["c"]'), "must be a JSON object", "go.jsonl:2:1"),
        ((GOOD, '{"status":200}'), 'needs a string "case"', "go.jsonl:2:1"),
        ((GOOD, '{"case":"c","status":"200"}'), 'needs an integer "status"', "go.jsonl:2:1"),
        ((GOOD, '{"case":"c","status":200,"stdout":"x"}'), "unknown key 'stdout'", "go.jsonl:2:1"),
        (
            (GOOD, '{"case":"c","status":200,"body":"a","body_json":1}'),
            "has body and body_json: one form per stream",
            "go.jsonl:2:1",
        ),
        ((GOOD, '{"case":"c","status":200,"body_base64":"!!"}'), "is not base64", "go.jsonl:2:1"),
        (
            (GOOD, '{"case":"c","status":200}', '{"case":"c","status":201}'),
            "case 'c' is recorded twice (first at line 2)",
            "go.jsonl:3:1",
        ),
        (
            (GOOD, '{"case":"c","case":"d","status":200}'),
            "key 'case' written twice",
            "go.jsonl:2:1",
        ),
    ],
)
def test_a_bad_recording_is_a_spec_error_at_its_line(
    tmp_path: Path, lines: tuple[str, ...], message: str, where: str
) -> None:
    path = _write(tmp_path, *lines)
    with pytest.raises(SpecError) as caught:
        load_recording(path, "go.jsonl")
    assert message in caught.value.message
    assert str(caught.value.location) == where


def test_header_line_is_stable() -> None:
    assert loads(GOOD) == loads(dumps(loads(GOOD)))
    assert GOOD.startswith('{"yamlparity_recording":1,"target":"go","kind":"http",')
