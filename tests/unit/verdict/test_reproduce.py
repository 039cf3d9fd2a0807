"""Reproducers: the shell command for each target of a divergent case, run for real."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.run.engine import run_spec
from yamlparity.spec.load import load_spec
from yamlparity.targets.base import PreparedRequest
from yamlparity.targets.ports import free_port
from yamlparity.verdict.reproduce import http_command

ECHO = "import json, sys; print(json.dumps({'got': sys.stdin.read(), 'who': sys.argv[1]}))"


def bash(command: str, **env: str) -> str:
    done = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=30,
        check=True,
    )
    return done.stdout


def test_command_reproducer_feeds_the_exact_stdin(tmp_path: Path) -> None:
    a = json.dumps([HELPER_PY, "-c", ECHO, "a"])
    b = json.dumps([HELPER_PY, "-c", ECHO, "b"])
    (tmp_path / "spec.yaml").write_text(
        f"name: r\ntargets:\n  a: {{run: {a}, env: {{MODE: x, API_TOKEN: hunter22}}}}\n"
        f"  b: {{run: {b}}}\n"
        "cases:\n"
        """  - {name: quotes, input: {s: "it's \\"q\\" $HOME `x` é"}}\n"""
        """  - {name: control, stdin: "a\\u0001b\\n"}\n"""
    )
    result = run_spec(load_spec(tmp_path / "spec.yaml"))
    for case in result.cases:
        assert case.verdict == "DIFF"
        assert set(case.reproducers) == {"a", "b"}
        command = case.reproducers["a"]
        assert "hunter22" not in command and 'API_TOKEN="$API_TOKEN"' in command
        seen = json.loads(bash(command, API_TOKEN="t"))
        assert seen["who"] == "a"
        sent = seen["got"]
        if case.name == "quotes":
            assert json.loads(sent) == {"s": 'it\'s "q" $HOME `x` é'}
        else:
            assert sent == "a\x01b\n" and "printf '%b'" in command


def test_match_cases_get_no_reproducer(tmp_path: Path) -> None:
    run = json.dumps([HELPER_PY, "-c", ECHO, "same"])
    (tmp_path / "spec.yaml").write_text(
        f"name: r\ntargets:\n  a: {{run: {run}}}\n  b: {{run: {run}}}\n"
        "cases: [{name: c, input: 1}]\n"
    )
    case = run_spec(load_spec(tmp_path / "spec.yaml")).cases[0]
    assert case.verdict == "MATCH" and case.reproducers == {}


def test_a_stream_helper_is_fed_its_line_with_the_newline(tmp_path: Path) -> None:
    """A stream helper is sent `{"n":1}\n`, and under `output: text` the line's `\n` is in
    its answer: the command feeds the line as sent, or `cat` prints `{"n":1}` alone."""
    (tmp_path / "spec.yaml").write_text(
        "name: r\noutput: text\ntargets:\n  s: {run: [cat], mode: stream}\n"
        "  p: {run: [sed, 's/^/>/']}\n"
        'cases: [{name: json, input: {n: 1}}, {name: line, stdin: "x\\n"}]\n'
    )
    result = run_spec(load_spec(tmp_path / "spec.yaml"))
    shown = {case.name: bash(case.reproducers["s"]) for case in result.cases}
    assert all(case.verdict == "DIFF" for case in result.cases)
    assert shown == {"json": '{"n":1}\n', "line": "x\n"}


@pytest.fixture
def servers() -> Iterator[dict[str, int]]:
    ports = {"a": free_port(), "b": free_port()}
    procs = [
        subprocess.Popen([HELPER_PY, str(PROGRAMS / "noisy_server.py"), str(port), flavor])
        for flavor, port in ports.items()
    ]
    try:
        for port in ports.values():
            _wait(port)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def _wait(port: int) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def test_http_reproducer_is_a_curl_with_secrets_as_variables(
    tmp_path: Path, servers: dict[str, int]
) -> None:
    token = "Bearer s3cret-token-value"
    (tmp_path / "spec.yaml").write_text(
        "name: h\nsecrets: [API_TOKEN]\ntargets:\n"
        + "".join(
            f"  {name}: {{url: 'http://127.0.0.1:{port}', "
            "headers: {Authorization: '${API_TOKEN}', X-Plain: 'v 1'}}\n"
            for name, port in servers.items()
        )
        + 'request: {method: GET, path: "/item/{{ case.input }}"}\n'
        + 'normalize: ["del(.served, .request_id, .at)"]\n'
        + "cases: [{name: seven, input: 7}]\n"
    )
    spec = load_spec(tmp_path / "spec.yaml", environ={**os.environ, "API_TOKEN": token})
    case = run_spec(spec).cases[0]
    assert case.verdict == "DIFF"
    command = case.reproducers["b"]
    assert token not in command and "s3cret" not in command
    # Text single-quoted (inert), our own placeholder double-quoted (it expands).
    guard = "${AUTHORIZATION:?set AUTHORIZATION to the Authorization header value}"
    assert f"-H 'Authorization: '\"{guard}\"" in command
    # The same request yamlparity sent: a GET, so no body (tests/e2e/test_http_fidelity.py
    # compares the bytes of both).
    assert command.startswith("curl -q -sS -i http://127.0.0.1:")  # shell-safe: unquoted
    assert "-X" not in command and "--data-binary" not in command
    answer = bash(command, AUTHORIZATION=token)
    # Unset, the command stops and says what to set: it never sends the request without it.
    unset = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
    assert unset.returncode != 0 and unset.stdout == ""
    assert "AUTHORIZATION: set AUTHORIZATION to the Authorization header value" in unset.stderr
    assert answer.startswith("HTTP/1.") and '"owner": {"id": "b-7"}' in answer


def test_a_started_service_is_shown_with_the_port_variable_the_curl_line_uses(
    tmp_path: Path,
) -> None:
    (tmp_path / "spec.yaml").write_text(
        "name: s\ntargets:\n"
        "  a:\n    url: 'http://127.0.0.1:${port}'\n    port: auto\n"
        "    service: {run: [python3, server.py, '--port=${port}', 'x y'], ready: {http: /}}\n"
        "  b:\n    url: 'http://127.0.0.1:${port}'\n    port: auto\n"
        "    service: {run: 'python3 server.py ${port}', shell: true, ready: {http: /}}\n"
        "cases: [{name: c, input: 1}]\n"
    )
    spec = load_spec(tmp_path / "spec.yaml", environ={})
    request = PreparedRequest("GET", "/", {}, None)
    listed = http_command(spec.targets["a"], request).splitlines()[0]
    port = '"${PORT:?set PORT to the port the service listens on}"'
    assert listed.endswith(f"python3 server.py --port={port} 'x y'")
    shell = http_command(spec.targets["b"], request).splitlines()[0]
    assert shell.endswith(f"python3 server.py {port}")
    assert "curl -q -sS -i http://127.0.0.1:" + port in http_command(spec.targets["a"], request)


def test_a_fixed_port_is_written_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(
        "name: s\ntargets:\n"
        "  a:\n    url: 'http://127.0.0.1:${port}'\n    port: 18097\n"
        "    service: {run: [python3, server.py, '--port=${port}'], ready: {http: /}}\n"
        "  b: {url: 'http://127.0.0.1:18098'}\n"
        "cases: [{name: c, input: 1}]\n"
    )
    spec = load_spec(tmp_path / "spec.yaml", environ={})
    command = http_command(spec.targets["a"], PreparedRequest("GET", "/", {}, None))
    assert "PORT" not in command
    assert command.splitlines()[0].endswith(
        "for it (cd " + str(tmp_path) + "): python3 server.py --port=18097"
    )
    assert "curl -q -sS -i http://127.0.0.1:18097/" in command
