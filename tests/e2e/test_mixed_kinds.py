"""One spec, a command target and an HTTP target (issue 15, item 3): a real Python CLI helper
(tests/programs/sum_cli.py) against a real Python HTTP server that yamlparity starts as a
service (tests/servers/sum_server.py), compared through `align:`; and what cannot be aligned
refused with exit 2 at file:line:column with a hint."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import PROGRAMS, SERVERS, run_cli, write_spec
from tests.support.paths import HELPER_PY

CLI = PROGRAMS / "sum_cli.py"
SERVER = SERVERS / "sum_server.py"

TARGETS = f"""\
targets:
  cli:
    run: [{HELPER_PY}, {CLI}]
    timeout: 20
  daemon:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    timeout: 20
    service: {{run: [{HELPER_PY}, {SERVER}, "${{port}}"], ready: {{http: /health}}}}
"""
# The command reads {"payload": input} (its `stdin:`); the server answers only POST /sum (its
# `request:`): a case reaches each kind of target only through its own template.
SHAPES = """\
stdin: '{"payload": {{ case.input | tojson }}}'
request: {method: POST, path: /sum}
normalize:
  - del(.served_by)   # the answer's only intended difference; rules address `answer`
"""
CASES = """\
cases:
  - {name: sum, input: {a: 1, b: 2}}
  - {name: greet, input: {greet: ann}}
  - {name: bad, input: {bad: true}}
  - {name: strict, input: {strict: true}}
  - {name: crash_cli, input: {crash: cli}}
  - {name: crash_http, input: {crash: http}}
"""


def run_mixed(tmp_path: Path, align: str) -> tuple[Any, dict[str, Any], str]:
    spec = write_spec(tmp_path, "mixed.yaml", f"name: mixed\n{TARGETS}{align}{SHAPES}{CASES}")
    done = run_cli(
        "run", str(spec), "--report-dir", "out", "--format", "md,json", "-v", cwd=tmp_path
    )
    results = json.loads((tmp_path / "out" / "mixed.json").read_text("utf-8"))
    report = (tmp_path / "out" / "mixed.md").read_text("utf-8")
    return done, results, report


def verdicts(results: dict[str, Any]) -> dict[str, str]:
    return {case["name"]: case["verdict"] for case in results["cases"]}


def case_of(results: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in results["cases"] if c["name"] == name)
    return found


def test_outcomes_aligned_compare_successes_and_failures(tmp_path: Path) -> None:
    done, results, report = run_mixed(tmp_path, "align: {stdout: body, exit_code: status}\n")
    assert done.returncode == 1, done.stdout + done.stderr  # DIFFs and an ERROR
    assert verdicts(results) == {
        "sum": "MATCH",  # equal after the rule on `answer`
        "greet": "DIFF",  # "hello ann" vs "Hello ann"
        "bad": "MATCH",  # exit 2 and HTTP 400, both failures, the same error answer
        "strict": "DIFF",  # exit 0 vs HTTP 422: the same answer, not the same outcome
        "crash_cli": "ERROR",  # exit 3 with nothing on stdout: no answer on the command side
        "crash_http": "DIFF",  # HTTP 500 is a failure answer, the command succeeded
    }
    assert results["kind"] == "mixed"
    assert results["facets"] == ["answer", "outcome"]
    assert results["align"]["facets"] == {
        "answer": {"command": "stdout", "http": "body"},
        "outcome": {"command": "exit_code", "http": "status"},
    }
    greet = case_of(results, "greet")
    assert [(d["facet"], d["path"]) for d in greet["differences"]] == [("answer", ".greeting")]
    assert greet["outcomes"]["cli"]["facets"] == {
        "answer": {"greeting": "hello ann"},
        "outcome": "success",
    }
    assert greet["outcomes"]["daemon"]["status"] == 200
    assert greet["outcomes"]["cli"]["exit_code"] == 0
    strict = case_of(results, "strict")
    assert strict["facet_match"] == {"answer": True, "outcome": False}
    assert strict["outcomes"]["daemon"]["facets"]["outcome"] == "failure"
    bad = case_of(results, "bad")
    assert bad["outcomes"]["cli"]["exit_code"] == 2 and bad["outcomes"]["daemon"]["status"] == 400
    assert (
        "cli: exited with code 3 and printed nothing on stdout"
        in case_of(results, "crash_cli")["reason"]
    )
    # Reproducers stay per target: the helper fed its rendered stdin, curl sent the request.
    cli, daemon = greet["reproducers"]["cli"], greet["reproducers"]["daemon"]
    assert str(CLI) in cli and '{"payload": {"greet":"ann"}}' in cli and "curl" not in cli
    assert daemon.count("curl ") == 1 and "/sum" in daemon and '{"greet":"ann"}' in daemon
    assert "payload" not in daemon
    assert "**Aligned** (commands and HTTP targets in one spec): answer = stdout ↔ body; " in report
    assert "outcome = exit_code ↔ status (exit 0 ↔ 2xx: success" in report
    assert re.search(r"\| Case \| answer match \| outcome match \| Verdict \|", report)


def test_by_default_only_successes_are_compared(tmp_path: Path) -> None:
    done, results, report = run_mixed(tmp_path, "")
    assert done.returncode == 1, done.stdout + done.stderr
    assert verdicts(results) == {
        "sum": "MATCH",
        "greet": "DIFF",
        "bad": "ERROR",  # exit 2 and HTTP 400 are failures: not compared, both sides say so
        "strict": "ERROR",  # the HTTP side's 422
        "crash_cli": "ERROR",
        "crash_http": "ERROR",
    }
    assert results["facets"] == ["answer"]
    assert list(results["align"]["facets"]) == ["answer"]
    reasons = {c["name"]: c["reason"] for c in results["cases"] if c["verdict"] == "ERROR"}
    assert reasons["crash_http"].startswith("daemon: HTTP 500: not a success")
    assert reasons["strict"].startswith("daemon: HTTP 422: not a success")
    assert "cli: exited with code 3: not a success" in reasons["crash_cli"]
    assert "cli: exited with code 2: not a success" in reasons["bad"]
    assert "daemon: HTTP 400: not a success" in reasons["bad"]
    assert "align: {exit_code: status}" in reasons["bad"]
    assert "exit codes and statuses not compared (only successes are)" in report


LOAD_ERRORS = [
    pytest.param(
        "targets:\n  a: {run: [x]}\n  b: {run: [y]}\nalign: {stdout: body}\n",
        "4:1",
        "`align` lines up command and HTTP targets; this spec's targets are all commands",
        "remove `align:`",
        id="align-without-mixing",
    ),
    pytest.param(
        "{targets}compare: {{facets: [stdout]}}\n",
        "4:20",
        "'stdout' is not a facet of a spec that mixes kinds",
        "write `answer`",
        id="own-facet-name",
    ),
    pytest.param(
        "{targets}compare: {{facets: [answer, outcome]}}\n",
        "4:28",
        "`outcome` is compared only when exit codes are aligned with statuses",
        "add `align: {exit_code: status}`",
        id="outcome-not-aligned",
    ),
    pytest.param(
        "{targets}normalize: {{body: [del(.x)]}}\n",
        "4:13",
        "'body' is not a facet of a spec that mixes kinds",
        "write `answer`",
        id="rule-on-own-facet",
    ),
    pytest.param(
        "{targets}align: {{stderr: body}}\n",
        "4:9",
        "a command's stderr has no HTTP counterpart",
        "compare stderr in a spec whose targets are all commands",
        id="stderr",
    ),
    pytest.param(
        "{targets}align: {{status: exit_code}}\n",
        "4:9",
        "`align` keys are a command's facets, not 'status'",
        "`exit_code: status`",
        id="reversed",
    ),
    pytest.param(
        "{targets}align: {{exit_code: class}}\n",
        "4:20",
        "align.exit_code",
        "`none`: not compared",
        id="bad-value",
    ),
    pytest.param(
        "{targets}expect: [{{status: 200}}]\n",
        "4:11",
        "`status` expectations apply to HTTP specs, and this one has command targets",
        "align: {exit_code: status}",
        id="status-expectation",
    ),
]


@pytest.mark.parametrize(("body", "where", "message", "hint"), LOAD_ERRORS)
def test_what_cannot_be_aligned_is_refused(
    tmp_path: Path, body: str, where: str, message: str, hint: str
) -> None:
    targets = "targets:\n  cli: {run: [x]}\n  web: {url: 'http://127.0.0.1:9/'}\n"
    text = body.replace("{targets}", targets).replace("{{", "{").replace("}}", "}")
    spec = write_spec(tmp_path, "bad.yaml", text + "cases: [{name: a, input: 1}]\n")
    done = run_cli("run", str(spec), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert f"bad.yaml:{where}" in done.stderr
    assert hint in done.stderr.split("hint:", 1)[1]


def test_a_recording_of_the_http_side_stands_in_for_it(tmp_path: Path) -> None:
    align = "align: {stdout: body, exit_code: status}\n"
    spec = write_spec(tmp_path, "mixed.yaml", f"name: mixed\n{TARGETS}{align}{SHAPES}{CASES}")
    recorded = run_cli("record", str(spec), "--target", "daemon", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    header = json.loads((tmp_path / "baselines" / "daemon.jsonl").read_text("utf-8").split("\n")[0])
    assert header["kind"] == "http"  # the target's own kind, not the spec's
    replay = TARGETS.split("  daemon:")[0] + "  daemon:\n    recorded: baselines/daemon.jsonl\n"
    write_spec(tmp_path, "replay.yaml", f"name: replay\n{replay}{align}{SHAPES}{CASES}")
    done = run_cli("run", "replay.yaml", "--report-dir", "out", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    results = json.loads((tmp_path / "out" / "replay.json").read_text("utf-8"))
    assert verdicts(results) == {
        "sum": "MATCH",
        "greet": "DIFF",
        "bad": "MATCH",
        "strict": "DIFF",
        "crash_cli": "ERROR",
        "crash_http": "DIFF",
    }
    assert case_of(results, "strict")["outcomes"]["daemon"]["facets"]["outcome"] == "failure"


def test_mixed_results_follow_the_results_schema(tmp_path: Path) -> None:
    import jsonschema

    from tests.support.paths import ROOT

    _, results, _ = run_mixed(tmp_path, "align: {exit_code: status}\n")
    schema = json.loads((ROOT / "docs" / "results-schema.json").read_text("utf-8"))
    jsonschema.validate(results, schema)
