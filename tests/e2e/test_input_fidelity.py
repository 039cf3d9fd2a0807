"""What a case sends is what the spec says, through the real CLI: the raw bytes a loopback
server receives (headers overridden in another letter case, non-ASCII header values, query
escapes, JSON text in templates) and what a real helper process reads (argv, stdin, numbers),
and the reproducers that must send the same bytes."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.servers.raw_http import RecordingServer
from tests.support.paths import HELPER_PY

CLI = Callable[..., CompletedProcess[str]]

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl tool")


Head = list[tuple[bytes, bytes]]


def heads_by_case(requests: list[bytes]) -> dict[str, Head]:
    """case name (its X-Case header) -> the request line and header lines it arrived with, as
    (name, value) byte pairs, the request line first with the name b""."""
    out: dict[str, Head] = {}
    for request in requests:
        line, *lines = request.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        pairs = [(b"", line)]
        for header in lines:
            name, _, value = header.partition(b":")
            pairs.append((name, value.strip()))
        case = next(v for n, v in pairs if n.lower() == b"x-case").decode()
        out.setdefault(case, pairs)  # the first of the targets' requests
    return out


def named(head: Head, name: bytes) -> Head:
    return [(n, v) for n, v in head if n.lower() == name.lower()]


def test_a_header_overridden_in_another_letter_case_is_sent_once(
    tmp_path: Path, run_cli: CLI
) -> None:
    """Header names are case-insensitive: a case's or an including file's header replaces the
    spec's or the fragment's of the same name in any spelling (its own spelling is sent)."""
    (tmp_path / "part.yaml").write_text(
        'request:\n  headers: {X-Api-Version: "1", Authorization-Hint: shared}\n'
    )
    with RecordingServer() as server:
        (tmp_path / "spec.yaml").write_text(
            "name: override\n"
            "include: [part.yaml]\n"
            "targets:\n"
            f"  a: {{url: '{server.url}', timeout: 5}}\n"
            f"  b: {{url: '{server.url}', timeout: 5}}\n"
            "request:\n"
            "  method: POST\n"
            "  path: /echo\n"
            "  headers:\n"
            "    X-Case: '{{ case.name }}'\n"
            "    x-api-version: '2'\n"
            "    x-team: req\n"
            "    Content-Type: application/json\n"
            "output: text\n"
            "compare: {facets: [status]}\n"
            "cases:\n"
            "  - {name: team, input: 1, request: {headers: {X-TEAM: case}}}\n"
            "  - {name: type, input: 1, request: {headers: {content-type: text/plain}}}\n"
        )
        done = run_cli("run", "spec.yaml", "--report-dir", "out", cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        heads = heads_by_case(server.requests)

    assert named(heads["team"], b"x-team") == [(b"X-TEAM", b"case")]
    assert named(heads["team"], b"x-api-version") == [(b"x-api-version", b"2")]
    assert named(heads["team"], b"authorization-hint") == [(b"Authorization-Hint", b"shared")]
    assert named(heads["type"], b"content-type") == [(b"content-type", b"text/plain")]
    assert named(heads["type"], b"x-team") == [(b"x-team", b"req")]


# A helper that keeps what it was given: argv and stdin, one JSON file per process.
ECHO = """\
import json, os, sys
data = sys.stdin.buffer.read()
seen = {"argv": sys.argv[1:], "stdin": data.decode("latin-1")}
with open(os.path.join(os.environ["ECHO_DIR"], str(os.getpid())), "w") as log:
    json.dump(seen, log)
print(json.dumps({"who": os.environ.get("WHO", "")}))
"""


def run_echo(
    tmp_path: Path, run_cli: CLI, body: str, argv: str = "", differ: bool = False
) -> dict[str, list[dict]]:
    """Run a spec of two echo targets (`body`: its request-free rest, `argv`: extra
    arguments; `differ`: they answer differently, so every case is a DIFF with reproducers);
    case name (the helper's first argument) -> what each target's helper saw."""
    (tmp_path / "echo.py").write_text(ECHO)
    seen = tmp_path / "seen"
    seen.mkdir()
    run = f"[{HELPER_PY}, echo.py, '{{{{ case.name }}}}'{argv}]"
    (tmp_path / "spec.yaml").write_text(
        "name: echo\n"
        "targets:\n"
        f"  a: {{run: {run}, env: {{ECHO_DIR: '{seen}', WHO: '{'a' if differ else ''}'}}}}\n"
        f"  b: {{run: {run}, env: {{ECHO_DIR: '{seen}', WHO: '{'b' if differ else ''}'}}}}\n" + body
    )
    done = run_cli("run", "spec.yaml", "--report-dir", "out", "--format", "json", cwd=tmp_path)
    assert done.returncode == (1 if differ else 0), done.stdout + done.stderr
    out: dict[str, list[dict]] = {}
    for log in seen.iterdir():
        found = json.loads(log.read_text())
        out.setdefault(found["argv"][0], []).append(found)
    return out


def test_a_float_tag_sends_a_float_literal(tmp_path: Path, run_cli: CLI) -> None:
    """`!!float 1` is a float: a decoder must read `1.0`, never the integer `1`."""
    seen = run_echo(
        tmp_path,
        run_cli,
        "cases:\n"
        "  - {name: tagged, input: {price: !!float 1, neg: !!float -0, hex: !!float 0x10}}\n"
        "  - {name: plain, input: {int: 1, float: 1.50, str: !!str 1, int_tag: !!int '12'}}\n",
    )
    assert [s["stdin"] for s in seen["tagged"]] == ['{"price":1.0,"neg":-0.0,"hex":16.0}'] * 2
    assert [s["stdin"] for s in seen["plain"]] == [
        '{"int":1,"float":1.50,"str":"1","int_tag":12}'
    ] * 2


def test_text_templates_print_json_values_as_json(tmp_path: Path, run_cli: CLI) -> None:
    """`{{ case.input.x }}` inside text: null is `null`, objects and arrays are JSON text,
    booleans `true`, numbers their literal, strings their plain text (never Python's
    `None` or a dict's repr)."""
    seen = run_echo(
        tmp_path,
        run_cli,
        "stdin: 'obj={{ case.input.obj }} list={{ case.input.list }} all={{ case.input }}'\n"
        "cases:\n"
        "  - name: values\n"
        "    input: {id: null, flag: true, s: 'a b', n: 1.0,\n"
        "            obj: {a: null, b: false, c: 1.0, s: x}, list: [null, 'y']}\n",
        argv=", '--id={{ case.input.id }}', '{{ case.input.flag }}', '{{ case.input.s }}',"
        " '{{ case.input.n }}', '{{ case.input.obj }}'",
    )
    want_argv = [
        "values",
        "--id=null",
        "true",
        "a b",
        "1.0",
        '{"a":null,"b":false,"c":1.0,"s":"x"}',
    ]
    assert [s["argv"] for s in seen["values"]] == [want_argv] * 2
    want_stdin = (
        'obj={"a":null,"b":false,"c":1.0,"s":"x"} list=[null,"y"] all={"id":null,"flag":true,'
        '"s":"a b","n":1.0,"obj":{"a":null,"b":false,"c":1.0,"s":"x"},"list":[null,"y"]}'
    )
    assert [s["stdin"] for s in seen["values"]] == [want_stdin] * 2


def test_request_templates_print_json_values_as_json(tmp_path: Path, run_cli: CLI) -> None:
    """The same in a request's path, query, headers and text body."""
    with RecordingServer() as server:
        (tmp_path / "spec.yaml").write_text(
            "name: null_http\n"
            "targets:\n"
            f"  a: {{url: '{server.url}', timeout: 5}}\n"
            f"  b: {{url: '{server.url}', timeout: 5}}\n"
            "request:\n"
            "  method: POST\n"
            "  path: '/items/{{ case.input.id }}'\n"
            "  query: {q: '{{ case.input.id }}'}\n"
            "  headers: {X-Case: '{{ case.name }}', X-Obj: '{{ case.input.obj }}'}\n"
            "  body: 'id={{ case.input.id }} obj={{ case.input.obj }}'\n"
            "output: text\n"
            "compare: {facets: [status]}\n"
            "cases:\n"
            "  - {name: nulls, input: {id: null, obj: {a: null}}}\n"
        )
        done = run_cli("run", "spec.yaml", "--report-dir", "out", cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        sent = server.requests[0]

    assert sent.startswith(b"POST /items/null?q=null HTTP/1.1\r\n")
    assert b'\r\nX-Obj: {"a":null}\r\n' in sent
    assert sent.endswith(b'\r\n\r\nid=null obj={"a":null}')


def test_raw_stdin_is_sent_as_written_inline_and_from_a_fixture(
    tmp_path: Path, run_cli: CLI
) -> None:
    """A case's raw `stdin:` is case data: never `${VAR}`-interpolated, so the same text sends
    the same bytes written in the spec or in a fixture row."""
    raw = "echo $$ ${HOME} ${NOPE:-d} $(date)\n"
    (tmp_path / "rows.jsonl").write_text(json.dumps({"name": "row", "stdin": raw}) + "\n")
    seen = run_echo(
        tmp_path,
        run_cli,
        f"cases_from: [rows.jsonl]\ncases:\n  - {{name: inline, stdin: {json.dumps(raw)}}}\n",
    )
    assert [s["stdin"] for s in seen["inline"]] == [raw] * 2
    assert [s["stdin"] for s in seen["row"]] == [raw] * 2


# A stream helper that reads lines as Node's readline does (CR, LF or CRLF end a line).
LINES = """\
import io, json, sys
for line in io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline=None):
    sys.stdout.write(json.dumps({"echo": line.rstrip("\\n")}) + "\\n")
    sys.stdout.flush()
"""


def test_stream_mode_refuses_a_carriage_return_inside_a_line(tmp_path: Path, run_cli: CLI) -> None:
    """A lone CR is a line end to the helper: the case is an ERROR saying so (nothing sent),
    and the cases around it are not blamed; a CRLF at the end is one line; an empty second
    line is refused too."""
    (tmp_path / "lines.py").write_text(LINES)
    (tmp_path / "spec.yaml").write_text(
        "name: stream_cr\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, lines.py], mode: stream}}\n"
        f"  b: {{run: [{HELPER_PY}, lines.py], mode: stream}}\n"
        "cases:\n"
        "  - {name: before, stdin: '1'}\n"
        '  - {name: cr_inside, stdin: "2\\r3"}\n'
        '  - {name: crlf_end, stdin: "4\\r\\n"}\n'
        '  - {name: two_newlines, stdin: "5\\n\\n"}\n'
        "  - {name: after, stdin: '6'}\n"
    )
    done = run_cli(
        "run", "spec.yaml", "--report-dir", "out", "--format", "json", "-j", "1", cwd=tmp_path
    )
    assert done.returncode == 1, done.stdout + done.stderr
    cases = json.loads((tmp_path / "out" / "stream_cr.json").read_text())["cases"]
    verdicts = {case["name"]: (case["verdict"], case["reason"]) for case in cases}
    assert verdicts["before"] == verdicts["after"] == verdicts["crlf_end"] == ("MATCH", "")
    assert verdicts["cr_inside"][0] == "ERROR"
    assert "one line per case, but this input has a carriage return" in verdicts["cr_inside"][1]
    assert verdicts["two_newlines"][0] == "ERROR"
    assert "one line per case, but this input has several lines" in verdicts["two_newlines"][1]


def test_a_reproducer_sends_a_nul_byte_and_what_follows(tmp_path: Path, run_cli: CLI) -> None:
    """The shell reproducer feeds the helper the run's exact stdin, NUL bytes included (bash's
    $'...' ended the text at the NUL)."""
    raw = "before\u0000after 'q' \\x41 %s é\n"
    seen = run_echo(
        tmp_path,
        run_cli,
        f"cases:\n  - {{name: nul, stdin: {json.dumps(raw)}}}\n",
        differ=True,  # a DIFF has reproducers
    )
    assert [s["stdin"] for s in seen["nul"]] == [raw.encode().decode("latin-1")] * 2
    (case,) = json.loads((tmp_path / "out" / "echo.json").read_text())["cases"]
    for log in (tmp_path / "seen").iterdir():
        log.unlink()
    subprocess.run(["bash", "-c", case["reproducers"]["a"]], check=True, timeout=30)
    (replayed,) = [json.loads(log.read_text()) for log in (tmp_path / "seen").iterdir()]
    assert replayed["stdin"] == raw.encode().decode("latin-1")


def test_an_argument_no_program_can_get_is_a_worded_error(tmp_path: Path, run_cli: CLI) -> None:
    """A templated argument with a NUL or a lone surrogate: the case is an ERROR saying so,
    never Python's `embedded null byte` or a codec's repr."""
    rows = [
        {"name": "nul", "input": {"s": "a\u0000b"}},
        {"name": "sur", "input": {"s": "a\ud800b"}},
    ]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (tmp_path / "echo.py").write_text(ECHO)
    run = f"[{HELPER_PY}, echo.py, '{{{{ case.input.s }}}}']"
    (tmp_path / "spec.yaml").write_text(
        f"name: args\ntargets:\n  a: {{run: {run}}}\n  b: {{run: {run}}}\n"
        "cases_from: [rows.jsonl]\n"
    )
    done = run_cli("run", "spec.yaml", "--report-dir", "out", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    cases = json.loads((tmp_path / "out" / "args.json").read_text())["cases"]
    reasons = {case["name"]: (case["verdict"], case["reason"]) for case in cases}
    assert reasons["nul"][0] == reasons["sur"][0] == "ERROR"
    assert "holds a NUL byte, which no argument can carry" in reasons["nul"][1]
    assert "holds a lone surrogate" in reasons["sur"][1]
    assert "Error(" not in reasons["nul"][1] + reasons["sur"][1]
