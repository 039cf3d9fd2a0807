"""Recordings replayed where they cannot answer truthfully (findings of a new-user trial): a
recording of parsed JSON under `output: text`, headers it never kept, a HAR entry lent to
another request, `-k` that selects nothing, target headers and the tier of a replayed match.
Real helpers and servers, through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

Cli = Callable[..., CompletedProcess[str]]

# Prints the same JSON value in one of two layouts: `spaced` as `{"a": 1}`, else `{"a":1}`;
# `bare` leaves out the final newline.
LAYOUT = """\
import json, sys
data = json.loads(sys.stdin.read())
spaced = len(sys.argv) > 1 and sys.argv[1] == "spaced"
end = "" if sys.argv[-1] == "bare" else "\\n"
print(json.dumps({"a": data["n"]}, separators=(", ", ": ") if spaced else (",", ":")), end=end)
"""


def _command_spec(
    folder: Path, name: str, targets: dict[str, str], output: str = "json", extra: str = ""
) -> Path:
    """`targets`: name -> its flow mapping (`{run: [python3, layout.py]}`)."""
    (folder / "layout.py").write_text(LAYOUT, "utf-8")
    lines = "".join(f"  {target}: {value}\n" for target, value in targets.items())
    text = (
        f"name: {name}\ntargets:\n{lines}output: {output}\n"
        "compare: {facets: [stdout, stderr, exit_code]}\n"
        "cases:\n  - {name: one, input: {n: 1}}\n  - {name: two, input: {n: 2}}\n"
        f"report: {{path: reports/{name}.md}}\n{extra}"
    )
    path = folder / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return path


LIVE = "{run: [python3, layout.py]}"
SPACED = "{run: [python3, layout.py, spaced]}"


def test_record_with_a_selection_of_no_case_writes_nothing(tmp_path: Path, run_cli: Cli) -> None:
    _command_spec(tmp_path, "sel", {"old": LIVE, "new": LIVE})
    done = run_cli("record", "sel.yaml", "--target", "old", "-k", "nothing_here")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: -k 'nothing_here' selects no case in sel.yaml" in done.stderr
    assert not (tmp_path / "baselines").exists()
    assert run_cli("record", "sel.yaml", "--target", "old").returncode == 0
    file = tmp_path / "baselines" / "old.jsonl"
    before = file.read_bytes()
    done = run_cli(
        "record", "sel.yaml", "--target", "old", "--update-baseline", "-k", "nothing_here"
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: -k 'nothing_here' selects no case in sel.yaml" in done.stderr
    assert file.read_bytes() == before  # the header (recorded_at) not rewritten either


def test_a_recording_of_parsed_json_cannot_answer_an_output_text_spec(
    tmp_path: Path, run_cli: Cli
) -> None:
    _command_spec(tmp_path, "rec", {"old": LIVE, "new": LIVE})
    assert run_cli("record", "rec.yaml", "--target", "old").returncode == 0
    assert '"stdout_json":{"a":1}' in (tmp_path / "baselines" / "old.jsonl").read_text("utf-8")
    # Under `output: text` the bytes are compared, and the recording kept only the value: the
    # same program must not DIFF, another layout must not MATCH; both are ERROR, saying why.
    for live in (LIVE, SPACED):
        replay = {"old": "{recorded: baselines/old.jsonl}", "new": live}
        _command_spec(tmp_path, "replay", replay, output="text")
        done = run_cli("run", "replay.yaml", "-v")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "[parity] replay: 0 match / 0 diff / 2 error (out of 2)" in done.stdout
        assert (
            "ERROR one: old: baselines/old.jsonl:2: the recording holds the parsed JSON of the "
            "stdout (`stdout_json`, recorded under `output: json`), not the bytes an "
            "`output: text` comparison needs; record it again with `output: text` in the "
            "recording spec (rec.yaml, target old)"
        ) in done.stdout
    # Recorded again under `output: text`, the recording holds the bytes and answers.
    _command_spec(tmp_path, "rec", {"old": LIVE, "new": LIVE}, output="text")
    done = run_cli("record", "rec.yaml", "--target", "old", "--update-baseline")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 changed" in done.stdout
    _command_spec(
        tmp_path, "replay", {"old": "{recorded: baselines/old.jsonl}", "new": LIVE}, output="text"
    )
    done = run_cli("run", "replay.yaml")
    assert "[parity] replay: 2 match / 0 diff (out of 2)" in done.stdout, done.stdout
    # A JSON comparison still reads the parsed value.
    _command_spec(tmp_path, "rec", {"old": LIVE, "new": LIVE})
    assert run_cli("record", "rec.yaml", "--target", "old", "--update-baseline").returncode == 0
    _command_spec(tmp_path, "replay", {"old": "{recorded: baselines/old.jsonl}", "new": SPACED})
    done = run_cli("run", "replay.yaml")
    assert "[parity] replay: 2 match / 0 diff (out of 2)" in done.stdout, done.stdout


COOKIE_SERVER = """\
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if sys.argv[2] == "cookie":
            self.send_header("Set-Cookie", "session=abc; HttpOnly")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def _cookie_spec(folder: Path, name: str, targets: dict[str, str], facets: str) -> None:
    (folder / "srv.py").write_text(COOKIE_SERVER, "utf-8")
    lines = "".join(
        f"  {target}: {value}\n"
        if value.startswith("{recorded")
        else f'  {target}: {{url: "http://127.0.0.1:${{port}}", port: auto, service: '
        f'{{run: [python3, srv.py, "${{port}}", {value}], ready: {{port: true}}}}}}\n'
        for target, value in targets.items()
    )
    text = (
        f"name: {name}\ntargets:\n{lines}request: {{method: GET, path: /login}}\n"
        f"compare: {{facets: [{facets}]}}\ncases:\n  - {{name: login, input: 1}}\n"
        f"report: {{path: reports/{name}.md}}\n"
    )
    (folder / f"{name}.yaml").write_text(text, "utf-8")


def test_a_header_the_recording_never_kept_is_not_compared_as_absent(
    tmp_path: Path, run_cli: Cli
) -> None:
    # Recorded while set-cookie was not compared: the recording leaves it out (a credential).
    _cookie_spec(tmp_path, "rec", {"old": "cookie", "new": "cookie"}, "status, body")
    assert run_cli("record", "rec.yaml", "--target", "old").returncode == 0
    assert "set-cookie" not in (tmp_path / "baselines" / "old.jsonl").read_text("utf-8")
    replay = {"old": "{recorded: baselines/old.jsonl}", "new": "plain"}
    _cookie_spec(tmp_path, "replay", replay, "status, body, headers.set-cookie")
    done = run_cli("run", "replay.yaml", "-v")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[parity] replay: 0 match / 0 diff / 1 error (out of 1)" in done.stdout
    assert (
        "ERROR login: old: baselines/old.jsonl:2: header set-cookie was not recorded: the "
        "recording did not keep `set-cookie`: a recording leaves it out unless compare.facets "
        "names it when it is recorded; record it again with headers.set-cookie in "
        "compare.facets (rec.yaml, target old)"
    ) in done.stdout
    # Recorded with the header compared: kept, and the header line says so; an answer without
    # it then means the target did not send it.
    facets = "status, body, headers.set-cookie"
    _cookie_spec(tmp_path, "rec", {"old": "cookie", "new": "cookie"}, facets)
    done = run_cli("record", "rec.yaml", "--target", "old", "--update-baseline")
    assert done.returncode == 0, done.stdout + done.stderr
    header = (tmp_path / "baselines" / "old.jsonl").read_text("utf-8").splitlines()[0]
    assert header.endswith(',"kept_headers":["set-cookie"]}')
    done = run_cli("run", "replay.yaml", "-v")
    assert "[parity] replay: 0 match / 1 diff (out of 1)" in done.stdout, done.stdout
    _cookie_spec(tmp_path, "rec", {"old": "plain", "new": "plain"}, facets)
    done = run_cli("record", "rec.yaml", "--target", "old", "--update-baseline", "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli("run", "replay.yaml")
    assert "[parity] replay: 1 match / 0 diff (out of 1)" in done.stdout, done.stdout


def test_a_match_with_a_recording_of_parsed_json_is_canonical_not_identical(
    tmp_path: Path, run_cli: Cli
) -> None:
    bare = "{run: [python3, layout.py, bare]}"
    _command_spec(tmp_path, "rec", {"old": bare, "new": bare})
    assert run_cli("record", "rec.yaml", "--target", "old").returncode == 0
    # The live program writes exactly the bytes the recording's value is dumped as: still,
    # the recording never kept the bytes, so the two cannot be byte-equal.
    _command_spec(tmp_path, "replay", {"old": "{recorded: baselines/old.jsonl}", "new": bare})
    done = run_cli("run", "replay.yaml", "--format", "json", "--report-dir", "out")
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "out" / "replay.json").read_text("utf-8"))
    assert [case["tier"] for case in results["cases"]] == ["canonical", "canonical"]
    # Two live targets writing the same bytes are identical.
    _command_spec(tmp_path, "live", {"old": bare, "new": bare})
    done = run_cli("run", "live.yaml", "--format", "json", "--report-dir", "out")
    results = json.loads((tmp_path / "out" / "live.json").read_text("utf-8"))
    assert [case["tier"] for case in results["cases"]] == ["identical", "identical"]


def test_a_target_s_own_headers_are_part_of_what_a_recording_checks(
    tmp_path: Path, run_cli: Cli
) -> None:
    (tmp_path / "srv.py").write_text(COOKIE_SERVER, "utf-8")
    (tmp_path / "probe.yaml").write_text(
        "name: probe\ntargets:\n"
        '  old: {url: "http://127.0.0.1:${port}", port: auto, headers: {X-Tenant: "${TENANT:-a}"},'
        ' service: {run: [python3, srv.py, "${port}", plain], ready: {port: true}}}\n'
        "  last: {recorded: baselines/old.jsonl}\n"
        "request: {method: GET, path: /login}\ncompare: {facets: [status, body]}\n"
        "cases:\n  - {name: login, input: 1}\nreport: {path: reports/probe.md}\n",
        "utf-8",
    )
    assert run_cli("record", "probe.yaml", "--target", "old").returncode == 0
    file = tmp_path / "baselines" / "old.jsonl"
    assert '"target_headers_sha256":"' in file.read_text("utf-8").splitlines()[0]
    assert "[parity] probe: 1 match" in run_cli("run", "probe.yaml").stdout
    # Another tenant is another question, although the server answers it the same.
    done = run_cli("run", "probe.yaml", "-v", "--env", "TENANT=b")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "ERROR login: last: the case's headers (the `headers:` of target old) changed since it "
        "was recorded (baselines/old.jsonl:2: headers "
    ) in done.stdout
    assert "record it again with --update-baseline, or set `check_input: false`" in done.stdout
    # A recording made before the target's headers were fingerprinted is compared, and the
    # report says that a changed target header goes unseen.
    header, *rows = file.read_text("utf-8").splitlines()
    older = json.loads(header)
    del older["target_headers_sha256"]
    file.write_text("\n".join([json.dumps(older, separators=(",", ":")), *rows]) + "\n", "utf-8")
    done = run_cli("run", "probe.yaml", "--env", "TENANT=b")
    assert "[parity] probe: 1 match / 0 diff (out of 1)" in done.stdout, done.stdout
    report = (tmp_path / "reports" / "probe.md").read_text("utf-8")
    assert (
        "recorded without a fingerprint of target old's own headers (made by an older "
        "yamlparity): a case whose target headers changed is compared all the same; record it "
        "again with `yamlparity record probe.yaml --target old --update-baseline`"
    ) in report
