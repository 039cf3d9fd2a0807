"""Hostile suite: HTTP answers built to outlast every deadline or every cap (issue 14), through
the real CLI on the libcurl client: a head dripped a byte at a time, a negative chunk size
followed by a flood, a readiness probe that never gets a whole answer. Each ends at its
deadline with an ERROR (or the target unavailable), never hours later and never a MATCH.
tests/e2e/test_http_hostile.py holds the wider table of malformed answers."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from tests.servers.raw_http import ScriptedServer
from tests.support.cli import SERVERS, run_cli, write_spec
from tests.support.paths import HELPER_PY, ROOT

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Pad: " + b"p" * 4000
DRIP = [HEAD[i : i + 1] for i in range(len(HEAD))]  # ~4,000 pieces, 0.05 s apart: 200 s
FLOOD = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-FFFFFFFFFFFF\r\n"] + [
    b"x" * (1 << 20)
] * 64  # 64 MB after a chunk size no reader may take


def test_hostile_answers_end_at_their_deadline(tmp_path: Path) -> None:
    routes = {"drip": DRIP, "flood": FLOOD}
    with (
        ScriptedServer(routes, {"drip": 0.05}) as hostile,
        ScriptedServer(
            {name: [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"] for name in routes}
        ) as clean,
    ):
        write_spec(
            tmp_path,
            "spec.yaml",
            f"""\
            name: hostile_http
            targets:
              hostile: {{url: "{hostile.url}", timeout: 2, max_output: 100000}}
              clean: {{url: "{clean.url}", timeout: 2}}
            request: {{method: GET, path: "/{{{{ case.name }}}}"}}
            cases: [{{name: drip, input: 1}}, {{name: flood, input: 2}}]
            """,
        )
        started = time.monotonic()
        proc = run_cli("run", "spec.yaml", "--format", "json", cwd=tmp_path, timeout=120)
        took = time.monotonic() - started
    assert proc.returncode == 1, proc.stdout + proc.stderr
    cases = {
        c["name"]: c
        for c in json.loads((tmp_path / "reports" / "hostile_http.json").read_text())["cases"]
    }
    assert {name: case["verdict"] for name, case in cases.items()} == {
        "drip": "ERROR",
        "flood": "ERROR",
    }
    assert "timed out after 2 s" in cases["drip"]["reason"]
    assert took < 30  # the drip alone would take 200 s, the 1-byte drip hours


def test_a_readiness_probe_that_never_gets_an_answer_ends_at_start_timeout(tmp_path: Path) -> None:
    shutil.copy(SERVERS / "hostile_server.py", tmp_path / "hostile_server.py")
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: slow_ready
        targets:
          dripping:
            url: "http://127.0.0.1:${{port}}"
            port: auto
            service:
              run: [{HELPER_PY}, hostile_server.py, "${{port}}", drip]
              ready: {{http: /health}}
              start_timeout: 3
          other:
            url: "http://127.0.0.1:${{port}}"
            port: auto
            service:
              run: [{HELPER_PY}, hostile_server.py, "${{port}}"]
              ready: {{log: listening}}
        request: {{method: GET, path: /}}
        cases: [{{name: one, input: 1}}]
        """,
    )
    started = time.monotonic()
    proc = run_cli("run", "spec.yaml", "-v", cwd=tmp_path, timeout=120)
    assert proc.returncode == 1
    assert "not ready after 3 s" in proc.stdout + proc.stderr, proc.stdout
    assert time.monotonic() - started < 30  # was 80 s for a start_timeout of 3


def test_a_never_ready_service_s_log_tail_is_where_the_readme_says(tmp_path: Path) -> None:
    """The README said its cases are ERROR "with its log tail"; a trial looked for it under
    the cases and under -v. The report ends with it, and the README says so."""
    (tmp_path / "booting.py").write_text(
        "import sys, time\nprint('booting: config read', flush=True)\ntime.sleep(60)\n"
    )
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: never
        targets:
          stuck:
            url: "http://127.0.0.1:${{port}}"
            port: auto
            service:
              run: [{HELPER_PY}, booting.py]
              ready: {{log: this never appears}}
              start_timeout: 1
          other:
            url: "http://127.0.0.1:${{port}}"
            port: auto
            service: {{run: [{HELPER_PY}, booting.py], ready: {{log: booting}}}}
        request: {{method: GET, path: /}}
        cases: [{{name: one, input: 1}}]
        """,
    )
    proc = run_cli("run", "spec.yaml", "--report-dir", "out", cwd=tmp_path, timeout=60)
    assert proc.returncode == 1
    report = (tmp_path / "out" / "never.md").read_text("utf-8")
    last = report[report.rindex("\n## ") :]  # the last section, the rule audit, ends with it
    assert "### stuck: log tail\n\n```\nbooting: config read\n```" in last
    assert last.rstrip().endswith("_Generated by yamlparity from `spec.yaml`._")
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "never ready by then: its cases are ERROR; the report ends with its log tail" in readme
