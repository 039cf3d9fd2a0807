"""Repeated Set-Cookie lines are never joined into one (RFC 9110 5.3, RFC 6265 3): two lines
differ from one line holding both, and from one line holding the JSON text of their array
(Set-Cookie is always the text of an array), live, recorded and replayed alike, and rules on
`headers.set-cookie` still apply."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from tests.servers.raw_http import ScriptedServer
from yamlparity.spec.recording import response_headers

Cli = Callable[..., CompletedProcess[str]]
BODY = b'{"ok": true}'
SESSION = b"session=abc; Path=/; HttpOnly"
THEME = b"theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT"


def answer(*cookies: bytes) -> list[bytes]:
    lines = b"".join(b"Set-Cookie: " + cookie + b"\r\n" for cookie in cookies)
    return [b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(BODY), lines, BODY)]


TWO_LINES = answer(SESSION, THEME)
# One line whose value is the text two lines used to be compared as (`["a", "b"]`).
THEIR_TEXT = json.dumps([SESSION.decode(), THEME.decode()]).encode()
# case -> (what a answers, what b answers)
ROUTES = {
    "two_lines_vs_one_joined": (TWO_LINES, answer(SESSION + b", " + THEME)),
    "two_lines_both": (TWO_LINES, TWO_LINES),
    "two_lines_other_order": (TWO_LINES, answer(THEME, SESSION)),
    "one_line_both": (answer(SESSION), answer(SESSION)),
    "two_lines_vs_one_holding_their_text": (TWO_LINES, answer(THEIR_TEXT)),
    "one_line_holding_their_text_both": (answer(THEIR_TEXT), answer(THEIR_TEXT)),
}
VERDICTS = {
    "two_lines_vs_one_joined": "DIFF",
    "two_lines_both": "MATCH",
    "two_lines_other_order": "DIFF",
    "one_line_both": "MATCH",
    "two_lines_vs_one_holding_their_text": "DIFF",
    "one_line_holding_their_text_both": "MATCH",
}


def spec(folder: Path, a: str, b: str, rules: str = "") -> Path:
    path = folder / "cookies.yaml"
    path.write_text(
        "name: cookies\n"
        "targets:\n"
        f"  a: {a}\n"
        f"  b: {b}\n"
        "request: {method: GET, path: '/{{ case.name }}'}\n"
        f"{rules}"
        "compare: {facets: [status, body, headers.set-cookie]}\n"
        f"cases: {json.dumps([{'name': name} for name in ROUTES])}\n"
    )
    return path


def verdicts(folder: Path, run_cli: Cli) -> dict[str, dict[str, object]]:
    done = run_cli("run", "cookies.yaml", "--format", "json", "--report-dir", "out", cwd=folder)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    result = json.loads((folder / "out" / "cookies.json").read_text())
    return {case["name"]: case for case in result["cases"]}


def test_two_set_cookie_lines_differ_from_one_joined_line_live_and_replayed(
    tmp_path: Path, run_cli: Cli
) -> None:
    a_routes = {name: pair[0] for name, pair in ROUTES.items()}
    b_routes = {name: pair[1] for name, pair in ROUTES.items()}
    with ScriptedServer(a_routes) as a, ScriptedServer(b_routes) as b:
        spec(tmp_path, f"{{url: '{a.url}'}}", f"{{url: '{b.url}'}}")
        live = verdicts(tmp_path, run_cli)
        assert {name: case["verdict"] for name, case in live.items()} == VERDICTS
        recorded = run_cli("record", "cookies.yaml", "--target", "a", cwd=tmp_path)
        assert recorded.returncode == 0, recorded.stdout + recorded.stderr
        spec(tmp_path, "{recorded: baselines/a.jsonl}", f"{{url: '{b.url}'}}")
        replayed = verdicts(tmp_path, run_cli)
    assert {name: case["verdict"] for name, case in replayed.items()} == VERDICTS
    lines = (tmp_path / "baselines" / "a.jsonl").read_text().splitlines()[1:]
    stored = {row["case"]: row["headers"]["set-cookie"] for row in map(json.loads, lines)}
    assert json.loads(stored["two_lines_both"]) == [SESSION.decode(), THEME.decode()]
    assert json.loads(stored["one_line_both"]) == [SESSION.decode()]
    assert json.loads(stored["one_line_holding_their_text_both"]) == [THEIR_TEXT.decode()]


def test_a_rule_on_headers_set_cookie_still_applies(tmp_path: Path, run_cli: Cli) -> None:
    """A string rule (scrub, mask) sees the JSON text of the lines."""
    other = answer(SESSION, b"theme=dark; Expires=Thu, 22 Oct 2026 07:28:00 GMT")
    routes = {name: other for name in ROUTES}
    with ScriptedServer({name: TWO_LINES for name in ROUTES}) as a, ScriptedServer(routes) as b:
        rules = (
            "normalize:\n"
            '  - {rule: \'scrub("Expires=[^;\\"]*"; "Expires=<date>")\', '
            "facet: headers.set-cookie}\n"
        )
        spec(tmp_path, f"{{url: '{a.url}'}}", f"{{url: '{b.url}'}}", rules)
        found = verdicts(tmp_path, run_cli)
    assert found["two_lines_both"]["verdict"] == "MATCH", found["two_lines_both"]


def test_response_headers_keep_set_cookie_lines_apart_and_join_the_others() -> None:
    pairs = [
        ("Set-Cookie", "a=1"),
        ("X-Multi", "a"),
        ("set-cookie", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"),
        ("x-multi", "b"),
    ]
    assert response_headers(pairs) == {
        "set-cookie": '["a=1", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]',
        "x-multi": "a, b",
    }
    assert response_headers([("Set-Cookie", "a=1")]) == {"set-cookie": '["a=1"]'}
    assert response_headers([("Set-Cookie", "é=\x85")]) == {"set-cookie": '["é=\x85"]'}
    their_text = '["a=1", "b=2"]'
    assert response_headers([("Set-Cookie", their_text)]) != response_headers(
        [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
    )
