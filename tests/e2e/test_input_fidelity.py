"""What a case sends is what the spec says, through the real CLI: the raw bytes a loopback
server receives (headers overridden in another letter case, non-ASCII header values, query
escapes, JSON text in templates) and what a real helper process reads (argv, stdin, numbers),
and the reproducers that must send the same bytes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.servers.raw_http import RecordingServer

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
