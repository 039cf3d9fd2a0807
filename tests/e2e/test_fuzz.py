"""`yamlparity fuzz` through the real CLI, with real helpers and servers, on small budgets.

The helpers are written by each test (Python, stream mode, so an example costs a fraction of a
millisecond); the numbers example runs its real Python and Node formatters.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli, start_cli, tally, write_spec
from tests.support.paths import EXAMPLES, HELPER_PY

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

ECHO = """\
import json, sys
for line in sys.stdin:
    sys.stdout.write(json.dumps(json.loads(line)) + "\\n")
    sys.stdout.flush()
"""
# Writes every number as a double, the way a runtime without integers would: `1` becomes
# `1.0`, integers beyond 2^53 are rounded, large ones take an exponent.
DOUBLES = """\
import json, sys
def doubles(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [doubles(v) for v in value]
    if isinstance(value, dict):
        return {k: doubles(v) for k, v in value.items()}
    return value
for line in sys.stdin:
    sys.stdout.write(json.dumps(doubles(json.loads(line))) + "\\n")
    sys.stdout.flush()
"""
# Crashes on a negative number anywhere in the input (stream mode: the helper dies).
FRAGILE = """\
import json, sys
for line in sys.stdin:
    data = json.loads(line)
    if any(isinstance(v, (int, float)) and v < 0 for v in data.get("n", [])):
        raise SystemExit(3)
    sys.stdout.write(json.dumps(data) + "\\n")
    sys.stdout.flush()
"""
ONE_INTEGER = {
    "type": "object",
    "required": ["n"],
    "additionalProperties": False,
    "properties": {"n": {"type": "integer"}},
}
INTEGERS = {
    "type": "object",
    "required": ["n"],
    "additionalProperties": False,
    "properties": {"n": {"type": "array", "items": {"type": "integer"}, "maxItems": 3}},
}


def project(folder: Path, helpers: dict[str, str], schema: dict[str, Any], extra: str = "") -> Path:
    """A spec with one stream-mode Python helper per target, and its input schema."""
    targets = ""
    for name, source in helpers.items():
        (folder / f"{name}.py").write_text(source, "utf-8")
        targets += f"  {name}:\n    run: [{HELPER_PY}, {name}.py]\n    mode: stream\n"
    (folder / "input.schema.json").write_text(json.dumps(schema), "utf-8")
    text = f"name: probe\ntargets:\n{targets}fuzz:\n  schema: input.schema.json\n{extra}"
    return write_spec(folder, "probe.yaml", text)


def fuzz(folder: Path, *args: str, **kw: Any) -> Any:
    return run_cli("fuzz", *args, "--report-dir", str(folder / "reports"), cwd=folder, **kw)


def report(folder: Path, name: str = "probe") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "reports" / f"{name}.fuzz.json").read_text())
    return data


def labels(data: dict[str, Any], kind: str = "diff") -> list[str]:
    return [finding["label"] for finding in data["findings"][kind]]


def without_timings(data: dict[str, Any]) -> dict[str, Any]:
    """The report minus what the clock decides."""
    data = dict(data, seconds=None, started=None, first_finding=None)
    data["findings"] = {
        kind: [dict(f, first_seconds=None) for f in found]
        for kind, found in data["findings"].items()
    }
    return data


@needs_node
def test_numbers_example_finds_the_known_classes_from_the_schema_alone(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "fuzz_numbers", tmp_path, dirs_exist_ok=True)
    (tmp_path / "found.jsonl").write_text("")
    done = fuzz(tmp_path, "numbers.yaml", "--seed", "3", "--no-db", "--max-examples", "40")
    assert done.returncode == 1, done.stderr
    data = report(tmp_path, "fuzz_numbers")
    found = labels(data)
    assert any("int node=int, value differs beyond 2^53" in label for label in found), found
    assert any("python=frac node=int, same value" in label for label in found), found
    assert any("python=exp node=int, same value" in label for label in found), found
    assert any("python=negzero-frac node=int" in label for label in found), found
    assert data["findings"]["error"] == [] and data["findings"]["fail"] == []
    shrunk = {f["label"]: f["input"] for f in data["findings"]["diff"] if f["shrunk"]}
    assert shrunk["stdout .values[]: python=frac node=int, same value"] == {
        "id": 0,
        "values": [0.0],
    }
    # Each finding is a new case in found.jsonl, with its exact literals...
    rows = [json.loads(line) for line in (tmp_path / "found.jsonl").read_text().splitlines()]
    assert [row["name"] for row in rows] == [f["name"] for f in data["findings"]["diff"]]
    assert '"values":[0.0]' in (tmp_path / "found.jsonl").read_text()
    # ...that `run` keeps (the spec lists found.jsonl under cases_from): every one still DIFFs.
    again = run_cli("run", "numbers.yaml", "--report-dir", str(tmp_path / "run"), cwd=tmp_path)
    assert again.returncode == 1
    counts, total = tally(again.stdout)
    assert (counts["diff"], counts["match"], total) == (len(rows), 1, len(rows) + 1)


def test_same_seed_same_findings_and_report(tmp_path: Path) -> None:
    spec = project(tmp_path, {"exact": ECHO, "doubles": DOUBLES}, INTEGERS)
    outputs = []
    for _ in range(2):
        (tmp_path / "found.jsonl").unlink(missing_ok=True)
        done = fuzz(
            tmp_path, str(spec), "--seed", "7", "--no-db", "--max-examples", "15", "--save",
            "found.jsonl",
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        outputs.append(((tmp_path / "found.jsonl").read_text(), without_timings(report(tmp_path))))
    assert outputs[0] == outputs[1]
    assert outputs[0][0].count("\n") >= 1
    # Hypothesis's caches live in the user's cache folder, not in ./.hypothesis; with --no-db
    # nothing is written in the project but the reports and the saved file.
    assert not (tmp_path / ".hypothesis").exists()
    assert not (tmp_path / ".yamlparity").exists()
    assert (Path(os.environ["XDG_CACHE_HOME"]) / "yamlparity" / "hypothesis").is_dir()


def test_a_rerun_retries_the_stored_failures_first(tmp_path: Path) -> None:
    spec = project(tmp_path, {"exact": ECHO, "doubles": DOUBLES}, INTEGERS)
    # The default database is .yamlparity/fuzz-db in the project, git-ignored; --db names it.
    first = fuzz(tmp_path, str(spec), "--seed", "3", "--max-examples", "20")
    assert first.returncode == 1, first.stderr
    before = report(tmp_path)
    assert (tmp_path / ".yamlparity" / "fuzz-db").is_dir()
    assert (tmp_path / ".yamlparity" / ".gitignore").read_text().endswith("*\n")
    db = str(Path(".yamlparity", "fuzz-db"))
    second = fuzz(tmp_path, str(spec), "--seed", "4", "--db", db, "--max-examples", "20")
    after = report(tmp_path)
    # Every class found before is found again from the database, before anything is drawn:
    # the first examples of the rerun are the stored minimal inputs.
    stored = {f["label"]: f for f in before["findings"]["diff"] if f["shrunk"]}
    assert stored
    replayed = {f["label"]: f for f in after["findings"]["diff"]}
    for label, finding in stored.items():
        assert replayed[label]["first_example"] <= len(stored), second.stdout
        assert replayed[label]["input"] == finding["input"]


def test_a_crash_is_an_error_finding_kept_apart_and_saved(tmp_path: Path) -> None:
    spec = project(tmp_path, {"sturdy": ECHO, "fragile": FRAGILE}, INTEGERS)
    done = fuzz(tmp_path, str(spec), "--seed", "1", "--no-db", "--max-examples", "20", "--save",
                "found.jsonl")  # fmt: skip
    assert done.returncode == 1, done.stderr
    data = report(tmp_path)
    assert data["findings"]["diff"] == []
    (error,) = data["findings"]["error"]
    assert error["label"].startswith("fragile: ")
    assert error["input"] == {"n": [-1]}
    assert error["shrunk"] and error["reproduced"]
    assert set(error["reproducers"]) == {"sturdy", "fragile"}
    markdown = (tmp_path / "reports" / "probe.fuzz.md").read_text()
    assert "## Errors (a target failed on an input the schema allows) (1)" in markdown
    assert "## Divergences (0)" in markdown
    row = json.loads((tmp_path / "found.jsonl").read_text())
    assert row == {"name": error["name"], "input": {"n": [-1]}}
    assert row["name"].startswith("fuzz-error-fragile-")


def test_a_known_divergence_is_not_a_finding(tmp_path: Path) -> None:
    extra = "known:\n  - cases: ['fuzz-*']\n    reason: doubles are the contract\n"
    spec = project(tmp_path, {"exact": ECHO, "doubles": DOUBLES}, ONE_INTEGER, extra)
    done = fuzz(tmp_path, str(spec), "--seed", "1", "--no-db", "--max-examples", "40")
    assert done.returncode == 0, done.stdout + done.stderr
    data = report(tmp_path)
    assert data["findings"] == {"diff": [], "error": [], "fail": []}
    # A divergence the spec declares is KNOWN; an input where the targets agree is FIXED
    # (the entry matches every fuzz case): neither is a finding.
    assert data["verdicts"]["KNOWN"] > 0
    assert set(data["verdicts"]) <= {"KNOWN", "FIXED"}


SERVER = """\
import json, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
LOG, ROUND = sys.argv[2], sys.argv[3] == "round"
with open(LOG, "a") as log:
    log.write("started\\n")
class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if ROUND:
            data = {k: float(v) if isinstance(v, int) else v for k, v in data.items()}
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_http_services_are_started_once(tmp_path: Path) -> None:
    (tmp_path / "server.py").write_text(SERVER, "utf-8")
    (tmp_path / "input.schema.json").write_text(
        json.dumps({"type": "object", "properties": {"id": {"type": "integer"}}})
    )
    targets = ""
    for name, mode in (("exact", "keep"), ("rounded", "round")):
        targets += f"""\
  {name}:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    service:
      run: [{HELPER_PY}, server.py, "${{port}}", {name}.log, {mode}]
      ready: {{port: true}}
"""
    spec = write_spec(
        tmp_path,
        "probe.yaml",
        f"name: probe\ntargets:\n{targets}request:\n  path: /echo\n"
        "fuzz:\n  schema: input.schema.json\n",
    )
    done = fuzz(tmp_path, str(spec), "--seed", "2", "--no-db", "--max-examples", "20")
    assert done.returncode == 1, done.stderr
    data = report(tmp_path)
    assert data["examples"] > 20  # searching and shrinking, all against the same servers
    assert (tmp_path / "exact.log").read_text() == "started\n"
    assert (tmp_path / "rounded.log").read_text() == "started\n"
    # Keys drawn for additionalProperties are any key (`.[]`), not a class each.
    assert {label.split(":")[0] for label in labels(data)} <= {"body .id", "body .[]"}
    reproducer = data["findings"]["diff"][0]["reproducers"]["exact"]
    assert "curl" in reproducer and "/echo" in reproducer


def test_max_time_bounds_the_search(tmp_path: Path) -> None:
    spec = project(tmp_path, {"one": ECHO, "two": ECHO}, INTEGERS)
    started = time.monotonic()
    done = fuzz(tmp_path, str(spec), "--no-db", "--max-time", "2")
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    data = report(tmp_path)
    assert data["stopped"] == "time" and data["findings"]["diff"] == []
    # A round ends near the deadline; past it, shrinking has a 5 s grace (plus an input in flight).
    assert 2 <= data["seconds"] < 2 + 5 + 2
    assert elapsed < 30
    assert data["examples"] > 20 and data["seed"] >= 0
    assert f"seed {data['seed']}" in done.stdout


def test_interrupt_reports_what_was_found(tmp_path: Path) -> None:
    spec = project(tmp_path, {"exact": ECHO, "doubles": DOUBLES}, ONE_INTEGER)
    proc = start_cli(
        "fuzz", str(spec), "--no-db", "--max-time", "120", "--report-dir", "reports",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the first finding's line: the search is under way
    assert "found DIFF" in first
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    data = report(tmp_path)
    assert data["stopped"] == "interrupted" and data["findings"]["diff"]
    assert "Traceback" not in out + err
    # The list says which inputs the interrupt left unshrunk, as the report does.
    found = [f for kind in data["findings"].values() for f in kind]
    unshrunk = [f for f in found if not f["shrunk"]]
    assert out.count("(not fully shrunk: the search ended first)") == len(unshrunk)
    assert out.count("        input: ") == len(found)


def test_progress_lines_and_quiet(tmp_path: Path) -> None:
    spec = project(tmp_path, {"exact": ECHO, "doubles": DOUBLES}, ONE_INTEGER)
    loud = fuzz(tmp_path, str(spec), "--seed", "1", "--no-db", "--max-examples", "10")
    assert "  found DIFF  stdout .n: exact=int doubles=" in loud.stdout
    assert loud.stdout.count("[fuzz] probe: ") == 1
    quiet = fuzz(tmp_path, str(spec), "--seed", "1", "--no-db", "--max-examples", "10", "-q")
    (line,) = quiet.stdout.splitlines()
    assert line.startswith("[fuzz] probe: ")


def test_without_the_extra_it_says_what_to_install(tmp_path: Path) -> None:
    spec = project(tmp_path, {"one": ECHO, "two": ECHO}, INTEGERS)
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "hypothesis_jsonschema.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'hypothesis_jsonschema'\", "
        "name='hypothesis_jsonschema')\n"
    )
    path = os.pathsep.join([str(shadow), os.environ.get("PYTHONPATH", "")])
    done = fuzz(tmp_path, str(spec), env={"PYTHONPATH": path})
    assert done.returncode == 2
    assert "pip install 'yamlparity[fuzz]'" in done.stderr
    assert "hypothesis_jsonschema" in done.stderr


def test_a_broken_schema_is_a_spec_error_with_its_place(tmp_path: Path) -> None:
    spec = project(tmp_path, {"one": ECHO, "two": ECHO}, INTEGERS)
    (tmp_path / "input.schema.json").write_text('{\n  "type": "object",\n  "properties": {,}\n}\n')
    done = fuzz(tmp_path, str(spec))
    assert done.returncode == 2
    assert "error: invalid JSON" in done.stderr
    assert "input.schema.json:3:" in done.stderr
    (tmp_path / "input.schema.json").write_text('{"type": "object", "minProperties": "two"}')
    done = fuzz(tmp_path, str(spec))
    assert done.returncode == 2
    assert "not a valid JSON Schema" in done.stderr and "minProperties" in done.stderr


def test_no_schema_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(ECHO)
    spec = write_spec(
        tmp_path,
        "probe.yaml",
        f"name: probe\ntargets:\n  a: {{run: [{HELPER_PY}, one.py], mode: stream}}\n"
        f"  b: {{run: [{HELPER_PY}, one.py], mode: stream}}\ncases: [{{name: one, input: 1}}]\n",
    )
    done = fuzz(tmp_path, str(spec))
    assert done.returncode == 2
    assert "no input schema" in done.stderr and "--schema" in done.stderr
    (tmp_path / "s.json").write_text('{"type": "integer"}')
    done = fuzz(tmp_path, str(spec), "--schema", "s.json", "--max-examples", "10", "--no-db")
    assert done.returncode == 0, done.stderr
    done = fuzz(tmp_path, str(spec), "--schema", "nope.json")
    assert done.returncode == 2
    assert "--schema nope.json: no such file" in done.stderr
    assert "read from the current folder" in done.stderr and "Traceback" not in done.stderr


def test_a_schema_with_few_inputs_ends_when_all_were_tried(tmp_path: Path) -> None:
    spec = project(tmp_path, {"one": ECHO, "two": ECHO}, {"type": "boolean"})
    done = fuzz(tmp_path, str(spec), "--no-db", "--max-time", "120")
    assert done.returncode == 0, done.stderr
    data = report(tmp_path)
    assert (data["stopped"], data["examples"]) == ("exhausted", 2)
    assert "no new input was left to try" in done.stdout


def test_the_save_file_the_spec_reads_back_may_not_exist_yet(tmp_path: Path) -> None:
    """docs/fuzzing.md: `fuzz: {save: found.jsonl}` with `cases_from: [found.jsonl]`. Before
    the first search writes it, the spec loads with the cases it has (validate, run and fuzz
    stopped on "'found.jsonl' matches no file"); another missing fixture is still an error."""
    extra = (
        "  save: found.jsonl\ncases_from: [found.jsonl]\ncases: [{name: one, input: {n: [1]}}]\n"
    )
    spec = project(tmp_path, {"exact": ECHO, "doubles": DOUBLES}, INTEGERS, extra)
    assert run_cli("validate", spec.name, cwd=tmp_path).returncode == 0
    done = fuzz(tmp_path, spec.name, "--seed", "1", "--no-db", "--max-examples", "20")
    assert done.returncode == 1, done.stderr
    rows = (tmp_path / "found.jsonl").read_text().splitlines()
    assert rows and all(json.loads(row)["name"].startswith("fuzz-") for row in rows)
    again = run_cli("run", spec.name, "--report-dir", "run", cwd=tmp_path)
    assert f"(out of {len(rows) + 1})" in again.stdout
    spec.write_text(
        spec.read_text().replace("cases_from: [found.jsonl]", "cases_from: [gone.jsonl]")
    )
    refused = run_cli("validate", spec.name, cwd=tmp_path)
    assert refused.returncode == 2 and "'gone.jsonl' matches no file" in refused.stderr


def test_a_bad_save_file_or_a_recorded_target_is_refused_before_the_search(
    tmp_path: Path,
) -> None:
    """Checked after the search, a bad --save lost the findings it had just made; a recorded
    target answered every fuzzed input with 'not in the recording', each one a finding."""
    one = "cases: [{name: one, input: {n: [1]}}]\n"
    spec = project(tmp_path, {"exact": ECHO, "doubles": DOUBLES}, INTEGERS, one)
    done = fuzz(tmp_path, spec.name, "--save", "found.txt", "--no-db", "--max-examples", "50")
    assert done.returncode == 2
    assert "findings are saved to a .jsonl file, not found.txt" in done.stderr
    assert done.stdout == "" and not (tmp_path / "reports").exists()
    recorded = run_cli("record", spec.name, "--target", "exact", "--out", "old.jsonl", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    spec.write_text(spec.read_text().replace(
        "  doubles:\n", "  old: {recorded: old.jsonl}\n  doubles:\n"
    ))  # fmt: skip
    done = fuzz(tmp_path, spec.name, "--no-db", "--max-examples", "5")
    assert done.returncode == 2
    assert "target 'old' replays a recording" in done.stderr and done.stdout == ""
