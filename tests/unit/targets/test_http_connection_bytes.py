"""Bytes on a kept-alive HTTP/1 connection that belong to no request are never read as the next
case's answer: an answer with no body by rule (HEAD, 204, 304) retires its connection, bytes
found after an answer are that case's ERROR, and bytes found later keep the connection from
being used (the next case goes out on a fresh one, with no ERROR of its own)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator

import pytest

from tests.servers.raw_http import ScriptedServer
from tests.support.paths import TESTS
from yamlparity.core.errors import Location
from yamlparity.spec.model import Case, HttpTarget, Service
from yamlparity.targets.base import Invocation, PreparedRequest, RawObservation
from yamlparity.targets.http import HttpAdapter

LOC = Location("test")
CASE = Case(name="c", location=LOC, input=None)
SMUGGLED = b'HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{"smuggled": 1}'
OWN = b'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{"k": 0}'
HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED)
NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"
NOT_MODIFIED = b'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'
ROUTES = {
    "own": [OWN],
    "head_with_body": [HEAD + SMUGGLED],
    "head_then_body": [HEAD, SMUGGLED],
    "head_then_body_soon": [HEAD, SMUGGLED],
    "no_content_with_body": [NO_CONTENT + SMUGGLED],
    "no_content_then_body": [NO_CONTENT, SMUGGLED],
    "not_modified_then_body": [NOT_MODIFIED, SMUGGLED],
    "extra_with_body": [OWN + SMUGGLED],
    "extra_after_body": [OWN, SMUGGLED],
}
LATE = 0.05  # the second piece comes this long after the first
SOON = 0.001  # ...or this long, for head_then_body_soon (a body written right after the head)


def call(adapter: HttpAdapter, path: str, method: str = "GET") -> RawObservation:
    request = PreparedRequest(method=method, path="/" + path.lstrip("/"), headers={}, body=None)
    return adapter.execute(Invocation(case=CASE, request=request))


@pytest.fixture
def scripted() -> Iterator[tuple[ScriptedServer, HttpAdapter]]:
    pause = {name: LATE for name, pieces in ROUTES.items() if len(pieces) > 1}
    pause["head_then_body_soon"] = SOON
    with ScriptedServer(ROUTES, pause) as server:
        adapter = HttpAdapter(HttpTarget(name="t", location=LOC, url=server.url, timeout=2.0))
        adapter.start()
        try:
            yield server, adapter
        finally:
            adapter.close()


def assert_own(obs: RawObservation) -> None:
    assert obs.failure is None, obs.failure
    assert obs.stdout == b'{"k": 0}'


@pytest.mark.parametrize(
    ("path", "method", "reason"),
    [
        ("head_with_body", "HEAD", "answered HEAD with some bytes after the head"),
        ("no_content_with_body", "GET", "answered 204 with some bytes after the head"),
        ("extra_with_body", "GET", "bytes after the end of the answer"),
    ],
)
def test_bytes_read_with_the_answer_are_its_error(
    scripted: tuple[ScriptedServer, HttpAdapter], path: str, method: str, reason: str
) -> None:
    _, adapter = scripted
    assert_own(call(adapter, "own"))
    obs = call(adapter, path, method)
    assert obs.failure is not None and obs.failure.startswith(reason), obs.failure
    assert_own(call(adapter, "own"))  # its own answer, on a new connection


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("head_then_body", "HEAD"),
        ("no_content_then_body", "GET"),
        ("not_modified_then_body", "GET"),
        ("extra_after_body", "GET"),
    ],
)
def test_bytes_that_come_later_are_never_the_next_answer(
    scripted: tuple[ScriptedServer, HttpAdapter], path: str, method: str
) -> None:
    server, adapter = scripted
    first = call(adapter, path, method)
    assert first.failure is None or "after the" in first.failure, first.failure
    time.sleep(LATE * 4)  # the stray answer is on the connection now
    for _ in range(3):
        assert_own(call(adapter, "own"))  # no ERROR for the innocent case, no shift
    assert server.connections == 2  # the first connection was not used again


def test_a_body_written_just_after_a_head_answer_is_waited_for(
    scripted: tuple[ScriptedServer, HttpAdapter],
) -> None:
    """A HEAD body sent a millisecond after the head (as `http.server`'s do_HEAD calling the
    GET path writes it) is looked for a few ms (curl._NO_BODY_WAIT): looked for without
    waiting it was never seen, and the case was MATCH or ERROR from run to run."""
    _, adapter = scripted
    failures = [call(adapter, "head_then_body_soon", "HEAD").failure for _ in range(5)]
    # Each is the bytes named or, on a machine too busy to send them within the wait, a MATCH.
    assert all(f is None or f.startswith("answered HEAD with ") for f in failures), failures
    assert any(f is not None for f in failures), failures
    assert_own(call(adapter, "own"))


def test_bytes_found_right_after_a_body_are_that_cases_error(
    scripted: tuple[ScriptedServer, HttpAdapter],
) -> None:
    """Found at the end of the transfer, before any other request: charged to the case."""
    _, adapter = scripted
    assert_own(call(adapter, "own"))
    outcomes = []
    for _ in range(5):
        obs = call(adapter, "extra_after_body")
        outcomes.append(obs.failure)
        time.sleep(LATE * 4)
        assert_own(call(adapter, "own"))
    for failure in outcomes:  # MATCH when they came too late to be seen: never misread
        assert failure is None or "bytes after the end of the answer" in failure, failure


def test_http_server_whose_head_writes_the_body_never_shifts_answers() -> None:
    """The trial's server (its own process): every GET gets its own answer. A HEAD is an
    ERROR naming the bytes when its body is there once the head is read, else MATCH (the
    body comes a moment later, and its connection is closed unread): never a misread answer."""
    service = Service(
        run=(sys.executable, str(TESTS / "servers" / "buggy_head_server.py"), "${port}"),
        shell=False,
        cwd=TESTS,
        env={},
        start_timeout=10.0,
        ready_http="/",
    )
    tgt = HttpTarget(
        name="t",
        location=LOC,
        url="http://127.0.0.1:${port}",
        port="auto",
        timeout=2.0,
        service=service,
    )
    adapter = HttpAdapter(tgt)
    adapter.start()
    try:
        heads = []
        for round_ in range(10):
            heads.append(call(adapter, f"/h{round_}", "HEAD").failure)
            for n in range(2):
                obs = call(adapter, f"/g{round_}.{n}")
                assert obs.failure is None, obs.failure
                assert json.loads(obs.stdout) == {"path": f"/g{round_}.{n}"}
        assert all(f is None or f.startswith("answered HEAD with ") for f in heads), heads
    finally:
        adapter.close()
