"""HAR replay through the real CLI: entries become cases sent to a live server, and the same
file serves as the recorded target. Two HAR files: the HAR 1.2 spec's own examples assembled
into one document (spec_examples.har), and one Chromium 156 recorded against
tests/servers/har_site.py (chromium.har, made by scripts/record_browser_har.py)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from tests.support.paths import SERVERS, TESTS

Cli = Callable[..., CompletedProcess[str]]
HARS = TESTS / "e2e" / "har"


def _spec(folder: Path, har: str, source: str, output: str = "json") -> Path:
    shutil.copy(HARS / har, folder / har)
    text = f"""\
name: replay
targets:
  site:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    service:
      run: [python3, "{SERVERS / "har_site.py"}", "${{port}}", "{folder / "requests.log"}"]
      ready: {{log: "listening on"}}
  archive:
    recorded: {har}
output: {output}
cases_from: {source}
report: {{path: reports/replay.md}}
"""
    path = folder / "replay.yaml"
    path.write_text(text, "utf-8")
    return path


def _requests(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "requests.log").read_text("utf-8").splitlines()
    return sorted((json.loads(line) for line in lines), key=lambda r: str(r["method"]))


def test_the_har_spec_examples_replay_and_answer(tmp_path: Path, run_cli: Cli) -> None:
    _spec(tmp_path, "spec_examples.har", "[spec_examples.har]", output="text")
    listing = run_cli("list", "replay.yaml")
    assert listing.stdout.splitlines()[1:] == [
        "  target site: http://127.0.0.1:${port}",
        "  target archive: recorded in spec_examples.har",
        "  case spec_examples-000-get-path",
        "  case spec_examples-001-post-path",
    ]
    done = run_cli("run", "replay.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[parity] replay: 1 match / 0 diff / 1 error (out of 2)" in done.stdout
    # The spec's plain `content` example is a lone newline: an empty answer on both sides,
    # which yamlparity never calls parity (two failures are not a match) unless the spec
    # says `allow_empty: true`. Targets that failed alike share one clause, in name order.
    assert (
        "ERROR replay/spec_examples-001-post-path: archive, site: HTTP 200: empty body: "
        "not a value unless"
    ) in done.stdout
    report = (tmp_path / "reports" / "replay.md").read_text("utf-8")
    assert (
        "**archive recording:** `spec_examples.har: HAR 1.2 by Firebug 1.6 (Firefox 3.6), "
        "2 entries, the first at 2009-04-16T12:07:23.596Z`"
    ) in report
    get, post = (r for r in _requests(tmp_path))
    # The query exactly as the URL wrote it; the spec's header example minus Accept-Encoding
    # (encodings are the client's to negotiate); the cookies array is not turned into a header.
    assert get["path"] == "/path/?param=value"
    headers = {k.lower(): v for k, v in dict(get["headers"]).items()}  # type: ignore[call-overload]
    assert headers["accept-language"] == "en-us,en;q=0.5"
    assert headers.get("accept-encoding") != "gzip,deflate"
    assert "cookie" not in headers
    # postData.text sent byte for byte, its mimeType as the Content-Type.
    assert post["path"] == "/path/" and post["body"] == "plain posted data"
    assert dict(post["headers"])["Content-Type"] == "multipart/form-data"  # type: ignore[call-overload]


def test_a_chromium_har_replayed_against_the_live_site(tmp_path: Path, run_cli: Cli) -> None:
    _spec(tmp_path, "chromium.har", '[{har: chromium.har, url: "*/api/*"}]')
    done = run_cli("run", "replay.yaml", "-v")
    assert done.returncode == 1
    assert "[parity] replay: 2 match / 0 diff / 1 error (out of 3)" in done.stdout
    # Chromium did not keep the last body (the page was closed first): an ERROR that says so.
    assert (
        "  ERROR chromium-003-get-api-missing: archive: chromium.har (log.entries[3]): the HAR "
        "file kept no response body for this entry (content.text is absent, content.size is -1)"
    ) in done.stdout
    report = (tmp_path / "reports" / "replay.md").read_text("utf-8")
    assert "HAR 1.2 by Playwright 1.65.2 (chromium 156.0.8078.129), 4 entries" in report
    sent = {str(r["path"]): r for r in _requests(tmp_path)}
    assert set(sent) == {"/api/items?limit=2&sort=name", "/api/echo", "/api/missing"}
    items = {k.lower(): v for k, v in dict(sent["/api/items?limit=2&sort=name"]["headers"]).items()}  # type: ignore[call-overload]
    assert "authorization" not in items  # the browser sent a bearer token: never replayed
    assert items["sec-fetch-mode"] == "cors"
    assert items["user-agent"].startswith("Mozilla/5.0 (X11; Linux x86_64)")
    # JavaScript had rounded 9007199254740993 before sending: replayed as the browser sent it.
    assert sent["/api/echo"]["body"] == '{"n":9007199254740992,"ok":true,"who":"café"}'


def test_har_filters_choose_the_entries(tmp_path: Path, run_cli: Cli) -> None:
    _spec(tmp_path, "chromium.har", "[{har: chromium.har, methods: [post]}]")
    listing = run_cli("list", "replay.yaml")
    assert [line for line in listing.stdout.splitlines() if "case" in line] == [
        "  case chromium-002-post-api-echo"
    ]
    _spec(tmp_path, "chromium.har", '[{har: chromium.har, url: "*/api/*", status: [2xx]}]')
    done = run_cli("run", "replay.yaml")
    assert done.returncode == 0, done.stdout
    assert "[parity] replay: 2 match / 0 diff (out of 2)" in done.stdout


def test_har_errors_point_into_the_file(tmp_path: Path, run_cli: Cli) -> None:
    spec = _spec(tmp_path, "spec_examples.har", "[spec_examples.har]", output="text")
    har = tmp_path / "spec_examples.har"
    har.write_text(har.read_text().replace('"method": "POST",', ""), "utf-8")
    done = run_cli("validate", spec.name)
    assert done.returncode == 2
    assert "error: log.entries[1].request.method: missing (HAR 1.2 requires it)" in done.stderr
    assert "--> spec_examples.har:83:20" in done.stderr
    command = spec.read_text().split("targets:")[0] + (
        "targets:\n  a: {run: [cat]}\n  b: {run: [cat]}\ncases_from: [{har: spec_examples.har}]\n"
    )
    spec.write_text(command, "utf-8")
    har.write_bytes((HARS / "spec_examples.har").read_bytes())
    done = run_cli("validate", spec.name)
    assert done.returncode == 2
    assert "HAR entries are HTTP requests, and this spec has command targets" in done.stderr


def test_a_filtered_out_entry_is_never_checked_for_replay(tmp_path: Path, run_cli: Cli) -> None:
    # The POST's body as base64 cannot be sent as text; the error's hint is to filter it out,
    # and a filter that leaves it out lets the rest load and run.
    spec = _spec(tmp_path, "chromium.har", "[{har: chromium.har, methods: [GET]}]")
    har = tmp_path / "chromium.har"
    doc = json.loads(har.read_text("utf-8"))
    post = doc["log"]["entries"][2]["request"]["postData"]
    post["encoding"], post["text"] = "base64", "eyJxIjoxfQ=="
    har.write_text(json.dumps(doc, indent=1), "utf-8")
    for source in (
        "[{har: chromium.har, methods: [GET]}]",
        '[{har: chromium.har, url: "*/items*"}]',
    ):
        spec.write_text(
            spec.read_text("utf-8").replace(
                spec.read_text("utf-8").split("cases_from: ")[1].splitlines()[0], source
            ),
            "utf-8",
        )
        done = run_cli("validate", spec.name)
        assert done.returncode == 0, source + done.stderr
    done = run_cli("run", spec.name)
    assert "[parity] replay: 1 match / 0 diff (out of 1)" in done.stdout, done.stdout + done.stderr
    spec.write_text(
        spec.read_text("utf-8").replace('[{har: chromium.har, url: "*/items*"}]', "[chromium.har]"),
        "utf-8",
    )
    done = run_cli("validate", spec.name)
    assert done.returncode == 2
    assert (
        "log.entries[2].request.postData.encoding: an encoded request body ('base64')"
        in done.stderr
    )


def test_a_har_answer_is_lent_only_to_the_request_it_recorded(tmp_path: Path, run_cli: Cli) -> None:
    # Two captures of the same name: the cases come from the second, the answers from the
    # first. An entry answers a case only when the case sends the entry's request.
    spec = _spec(tmp_path, "chromium.har", '[{har: other/chromium.har, url: "*/api/*"}]')
    doc = json.loads((HARS / "chromium.har").read_text("utf-8"))
    items, echo = doc["log"]["entries"][1]["request"], doc["log"]["entries"][2]["request"]
    for header in items["headers"]:
        if header["name"] == "Sec-Fetch-Mode":
            header["value"] = "navigate"  # another request; the site answers it the same
    # A credential is never sent by a HAR case: another one is the same request.
    echo["headers"].append({"name": "Authorization", "value": "Bearer another-token-456"})
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "chromium.har").write_text(json.dumps(doc, indent=1), "utf-8")
    done = run_cli("run", "replay.yaml", "-v")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[parity] replay: 1 match / 0 diff / 2 error (out of 3)" in done.stdout
    assert (
        "ERROR chromium-001-get-api-items: archive: the case's request is not the one its HAR "
        "entry recorded (chromium.har (log.entries[1]): GET "
        "http://127.0.0.1:18731/api/items?limit=2&sort=name; they differ in: headers): it answers "
        "another request; make the case from this HAR file, or set `check_input: false` on "
        "the target to compare anyway"
    ) in done.stdout
    assert "chromium-002-post-api-echo" not in done.stdout  # matched
    spec.write_text(
        spec.read_text("utf-8").replace(
            "recorded: chromium.har", "recorded: chromium.har\n    check_input: false"
        ),
        "utf-8",
    )
    done = run_cli("run", "replay.yaml")
    assert "[parity] replay: 2 match / 0 diff / 1 error (out of 3)" in done.stdout, done.stdout
