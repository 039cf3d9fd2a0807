"""Calibration against targets whose noise is real: uuid4, the clock, a counter in a file."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.results.calibration import default_path
from yamlparity.run.calibrate import calibrate_spec
from yamlparity.run.engine import run_spec
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec
from yamlparity.targets.ports import free_port

HELPER = str(PROGRAMS / "noisy_helper.py")
SERVER = str(PROGRAMS / "noisy_server.py")


def write_spec(folder: Path, text: str) -> Spec:
    path = folder / "spec.yaml"
    path.write_text(textwrap.dedent(text))
    return load_spec(path)


def helper_spec(folder: Path, *extra: str, rules: str = "", flavor_b: str = "a") -> Spec:
    """Two targets running the noisy helper; `flavor_b` != "a" makes .record.id drift."""
    a = [HELPER_PY, HELPER, "--flavor", "a", "--counter", str(folder / "a.count"), *extra]
    b = [HELPER_PY, HELPER, "--flavor", flavor_b, "--counter", str(folder / "b.count")]
    b += extra
    return write_spec(
        folder,
        f"""
        name: noisy
        targets:
          a: {{run: {json.dumps(a)}}}
          b: {{run: {json.dumps(b)}}}
        {rules}
        cases:
          - {{name: one, input: {{user: 1, values: [1, 2]}}}}
          - {{name: two, input: {{user: 2, values: [3]}}}}
        """,
    )


def test_noise_becomes_reviewed_rules_that_make_the_run_pass(tmp_path: Path) -> None:
    spec = helper_spec(tmp_path)
    report = calibrate_spec(spec, repeat=3)
    rules = [s.rule for s in report.suggestions]
    assert 'scrub(.links[].request, .request_id; uuid; "<uuid_{n}>")' in rules
    assert 'mask(.at; "<ts>"; timestamp)' in rules
    assert "del(.seq)" in rules  # a counter is not a clock: no timestamp mask for it
    assert 'mask(.trace.id; "<uuid>"; uuid)' in rules
    assert 'mask(.span.id; "<uuid>"; uuid)' in rules
    assert not any("record" in rule or "user" in rule for rule in rules)  # stable: no rule
    assert report.exit_code == 1
    # Without the rules the run diverges; with the pasted YAML it matches.
    assert run_spec(spec).tally()["DIFF"] == 2
    text = report.render_text()
    block = text[text.index("normalize:") : text.index("\n\n", text.index("normalize:"))]
    (tmp_path / "fixed").mkdir()
    fixed = helper_spec(tmp_path / "fixed", rules=textwrap.indent(block, " " * 8).lstrip())
    assert [c.verdict for c in run_spec(fixed).cases] == ["MATCH", "MATCH"]
    assert calibrate_spec(fixed, repeat=2).exit_code == 0  # every noise now covered


def test_broad_recursive_rule_is_refused_when_the_key_is_stable_elsewhere(tmp_path: Path) -> None:
    report = calibrate_spec(helper_spec(tmp_path), repeat=2)
    refused = {r.what: r.reason for r in report.refusals}
    assert "del(.. | .id?)" in refused
    assert ".user.id" in refused["del(.. | .id?)"] or ".record.id" in refused["del(.. | .id?)"]
    assert "Not suggested, and why:" in report.render_text()


def test_structural_noise_is_refused_with_why(tmp_path: Path) -> None:
    report = calibrate_spec(helper_spec(tmp_path, "--jitter"), repeat=4)
    refusal = next(r for r in report.refusals if r.what == ".events")
    assert "structural change: .events changes its array length between runs" in refusal.reason
    assert not any(".events" in s.paths for s in report.suggestions)


def every_other_run_spec(folder: Path, output: str, extra: str, rules: str = "[]") -> Spec:
    """Two targets running one helper that prints `output` (a Python expression), with
    `extra` run on every other run of each target (`n`: the run's number, kept in a file)."""
    code = (
        "import json, pathlib, sys, uuid\n"
        "count = pathlib.Path(sys.argv[1])\n"
        "n = int(count.read_text() or 0) if count.exists() else 0\n"
        f"count.write_text(str(n + 1))\nout = {output}\nif n % 2: {extra}\n"
        "print(json.dumps(out))\n"
    )
    (folder / "flip.py").write_text(code)
    a = [HELPER_PY, str(folder / "flip.py"), str(folder / "a.count")]
    b = [HELPER_PY, str(folder / "flip.py"), str(folder / "b.count")]
    return write_spec(
        folder,
        f"""
        name: flip
        targets:
          a: {{run: {json.dumps(a)}}}
          b: {{run: {json.dumps(b)}}}
        normalize: {rules}
        cases: [{{name: c, input: 1}}]
        """,
    )


def test_a_key_that_comes_and_goes_is_named_with_the_rule_that_deletes_it(tmp_path: Path) -> None:
    # Every other run adds .meta["trace id"]: the refusal names the key, not only .meta.
    spec = every_other_run_spec(tmp_path, "{'meta': {'v': 1}}", "out['meta']['trace id'] = n")
    report = calibrate_spec(spec, repeat=2)
    refusal = next(r for r in report.refusals if r.what == ".meta")
    assert ".meta has key(s) 'trace id' in some runs and not in others" in refusal.reason
    assert 'del(.meta["trace id"])' in refusal.reason
    assert report.suggestions == []


def test_noise_a_rule_covers_stays_covered_beside_a_key_that_comes_and_goes(
    tmp_path: Path,
) -> None:
    spec = every_other_run_spec(
        tmp_path,
        "{'rid': str(uuid.uuid4())}",
        "out['flag'] = True",
        rules='["scrub(.rid; uuid)"]',
    )
    report = calibrate_spec(spec, repeat=2)
    assert [n.path for n in report.noise if n.covered] == [".rid"]
    assert report.suggestions == []  # it was suggested again: the flag at the root uncovered it
    assert [r.what for r in report.refusals] == ["."]


def test_whole_text_output_is_refused(tmp_path: Path) -> None:
    code = "import uuid; print(uuid.uuid4())"
    spec = write_spec(
        tmp_path,
        f"""
        name: text
        output: text
        targets:
          a: {{run: {json.dumps([HELPER_PY, "-c", code])}}}
          b: {{run: {json.dumps([HELPER_PY, "-c", code])}}}
        cases: [{{name: c, input: 1}}]
        """,
    )
    report = calibrate_spec(spec, repeat=2)
    assert report.suggestions == []
    assert "text output varies" in report.refusals[0].reason


def test_saved_data_round_trips_and_names_the_spec(tmp_path: Path) -> None:
    out = default_path("noisy", tmp_path)
    calibrate_spec(helper_spec(tmp_path), repeat=2, select=lambda n: n == "one", output=out)
    data = json.loads(out.read_text())
    assert data["spec"] == "noisy" and data["format"] == 1 and data["repeat"] == 2
    assert list(data["cases"]) == ["one"]
    a = data["cases"]["one"]["targets"]["a"]
    assert a["runs"] == 2 and ".request_id" in a["noise"]["stdout"]
    assert ".user.id" not in a["noise"]["stdout"]


def test_suggested_yaml_parses_as_a_list_of_rules(tmp_path: Path) -> None:
    text = calibrate_spec(helper_spec(tmp_path), repeat=2).render_text()
    block = text[text.index("normalize:") : text.index("\n\n", text.index("normalize:"))]
    rules = yaml.safe_load(block)["normalize"]
    assert all(isinstance(rule, str) for rule in rules) and len(rules) >= 4


def http_spec(folder: Path, unsafe: bool) -> Spec:
    def target(flavor: str) -> str:
        port = free_port()
        run = json.dumps([HELPER_PY, SERVER, str(port), flavor])
        return (
            f"{{url: 'http://127.0.0.1:{port}', service: {{run: {run}, ready: {{http: /health}}}}}}"
        )

    return write_spec(
        folder,
        f"""
        name: noisy_http
        targets:
          a: {target("a")}
          b: {target("a")}
        request: {{method: GET, path: "/item/{{{{ case.input }}}}"}}
        calibration: {{repeat: 3, unsafe_methods: {"true" if unsafe else "false"}}}
        cases:
          - {{name: get, input: 7}}
          - name: create
            input: {{name: x}}
            request: {{method: POST, path: /items, json: "{{{{ case.input }}}}"}}
        """,
    )


def test_http_noise_and_unsafe_methods_are_not_repeated(tmp_path: Path) -> None:
    report = calibrate_spec(http_spec(tmp_path, unsafe=False), repeat=None)
    assert report.repeat == 3
    assert not report.cases["create"].calibrated
    assert "POST may have side effects" in report.cases["create"].reason
    noisy = {(n.facet, n.path) for n in report.noise}
    assert {("body", ".served"), ("body", ".request_id"), ("body", ".at")} <= noisy
    assert ("body", ".owner.id") not in noisy and ("status", ".") not in noisy


def test_unsafe_methods_are_repeated_when_the_spec_allows_it(tmp_path: Path) -> None:
    report = calibrate_spec(http_spec(tmp_path, unsafe=True), repeat=2)
    assert report.cases["create"].calibrated
    assert ".created" in report.cases["create"].targets["a"].noise["body"]


ONE_CONNECTION = """\
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one client holds the only thread

    def do_GET(self):
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("listening", flush=True)
server.serve_forever()
"""


def test_jobs_1_calibrates_a_service_that_serves_one_connection_at_a_time(
    tmp_path: Path, run_cli: Any
) -> None:
    """A plain HTTPServer with keep-alive serves one client: four cases at once time out,
    and the output says to try -j 1, which calibrates every case."""
    (tmp_path / "server.py").write_text(ONE_CONNECTION)
    service = (
        "    url: http://127.0.0.1:${port}\n    port: auto\n    timeout: 1\n"
        f"    service: {{run: [{HELPER_PY}, server.py, '${{port}}'], ready: {{log: listening}}}}\n"
    )
    cases = "".join(f"  - {{name: c{n}, input: {n}}}\n" for n in range(4))
    (tmp_path / "api.yaml").write_text(
        f"name: api\ntargets:\n  a:\n{service}  b:\n{service}"
        f"request: {{method: GET, path: /items}}\ncases:\n{cases}"
    )
    crowded = run_cli("calibrate", "api.yaml", "--repeat", "2", "--report-dir", "out")
    assert "timed out" in crowded.stdout and "try -j 1" in crowded.stdout
    alone = run_cli("calibrate", "api.yaml", "--repeat", "2", "-j", "1", "--report-dir", "out")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "timed out" not in alone.stdout and "try -j 1" not in alone.stdout
    assert "4 of 4 cases run 2 times per target" in alone.stdout


HEADERS_SERVER = """\
import itertools, json, sys, threading, uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECONDS = itertools.count(1796640359)  # a new second on every answer: no --delay needed
LOCK = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def date_time_string(self, timestamp=None):  # the Date header send_response adds
        with LOCK:
            return formatdate(next(SECONDS), usegmt=True)  # Mon, 07 Dec 2026 10:45:59 GMT

    def do_GET(self):
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        self.send_header("X-Served", f"n={next(SECONDS)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("listening", flush=True)
server.serve_forever()
"""


HEADER_FACETS = "[status, body, headers.date, headers.x-request-id, headers.x-served]"


def headers_spec(folder: Path, rules: str = "", facets: str = HEADER_FACETS) -> Spec:
    (folder / "server.py").write_text(HEADERS_SERVER)
    service = (
        "    url: http://127.0.0.1:${port}\n    port: auto\n"
        f"    service: {{run: [{HELPER_PY}, server.py, '${{port}}'], ready: {{log: listening}}}}\n"
    )
    path = folder / "spec.yaml"
    path.write_text(
        f"name: headers\ntargets:\n  a:\n{service}  b:\n{service}"
        f"request: {{method: GET, path: /items}}\ncompare: {{facets: {facets}}}\n"
        f"{rules}cases: [{{name: c, input: 1}}]\n"
    )
    return load_spec(path)


def test_a_varying_date_header_gets_a_shape_checked_mask_on_its_facet(tmp_path: Path) -> None:
    report = calibrate_spec(headers_spec(tmp_path), repeat=2)
    suggested = {(s.facet, s.rule) for s in report.suggestions}
    assert suggested == {
        ("headers.date", 'mask(.; "<date>"; timestamp)'),  # the header must still be sent
        ("headers.x-request-id", 'mask(.; "<uuid>"; uuid)'),
    }
    (refusal,) = report.refusals
    assert refusal.facet == "headers.x-served"  # neither a date nor a uuid: up to the user
    assert "{rule: 'mask(.; \"<varies>\")', facet: headers.x-served}" in refusal.reason
    assert "drop it from compare.facets" not in " ".join(r.reason for r in report.refusals)
    text = report.render_text()
    block = text[text.index("normalize:") : text.index("\n\n", text.index("normalize:"))]
    rules = yaml.safe_load(block)["normalize"]
    assert {"rule": 'mask(.; "<date>"; timestamp)', "facet": "headers.date"} in rules
    # Pasted, with the refused header left out of the comparison, the run matches.
    (tmp_path / "fixed").mkdir()
    pasted = yaml.safe_dump({"normalize": rules})
    facets = HEADER_FACETS.replace(", headers.x-served]", "]")
    fixed = headers_spec(tmp_path / "fixed", pasted, facets)
    assert [c.verdict for c in run_spec(fixed).cases] == ["MATCH"]


def test_no_caution_for_a_header_one_target_never_sends(tmp_path: Path) -> None:
    server = str(PROGRAMS / "request_id_server.py")

    def service(flavor: str) -> str:
        run = f"[{HELPER_PY}, {server}, '${{port}}', {flavor}]"
        return (
            "    url: http://127.0.0.1:${port}\n    port: auto\n"
            f"    service: {{run: {run}, ready: {{log: listening}}}}\n"
        )

    path = tmp_path / "spec.yaml"
    path.write_text(
        f"name: ids\ntargets:\n  py:\n{service('no-id')}  node:\n{service('with-id')}"
        "request: {method: GET, path: /items}\n"
        "compare: {facets: [status, body, headers.x-request-id]}\n"
        "cases: [{name: c, input: 1}]\n"
    )
    report = calibrate_spec(load_spec(path), repeat=3)
    (suggestion,) = report.suggestions
    assert suggestion.rule == 'mask(.; "<uuid>"; uuid)'
    # py sent no header: no stable value (null) the mask would hide, no format of its own.
    assert (suggestion.stable_on, suggestion.formats) == ([], {})
    assert "caution" not in report.render_text()


STABLE_ID = (
    "import json, sys, uuid; sys.stdin.read(); "
    "print(json.dumps({'id': sys.argv[1] if len(sys.argv) > 1 else str(uuid.uuid4())}))"
)


def stable_id_spec(folder: Path, stable: str, rules: str = "") -> Spec:
    fresh = json.dumps([HELPER_PY, "-c", STABLE_ID])
    fixed = json.dumps([HELPER_PY, "-c", STABLE_ID, stable])
    return write_spec(
        folder,
        f"""
        name: ids
        targets:
          py: {{run: {fresh}}}
          node: {{run: {fixed}}}
        {rules}
        cases: [{{name: a, input: 1}}]
        """,
    )


def test_a_stable_value_the_rule_would_not_change_gets_no_caution(tmp_path: Path) -> None:
    # node's stable "req-1" is no UUID: the suggested mask leaves it, the comparison shows it.
    report = calibrate_spec(stable_id_spec(tmp_path, "req-1"), repeat=3)
    (suggestion,) = report.suggestions
    assert suggestion.rule == 'mask(.id; "<uuid>"; uuid)'
    assert (suggestion.stable_on, suggestion.formats) == ([], {})
    assert "caution" not in report.render_text()
    covered = stable_id_spec(tmp_path, "req-1", "normalize: ['mask(.id; \"<uuid>\"; uuid)']")
    assert "stable on" not in calibrate_spec(covered, repeat=3).render_text()
    # A stable UUID the mask would hide still gets the caution, suggested or covered.
    zero = "00000000-0000-4000-8000-000000000000"
    report = calibrate_spec(stable_id_spec(tmp_path, zero), repeat=3)
    (suggestion,) = report.suggestions
    assert (suggestion.stable_on, suggestion.stable_samples) == (["node"], [f'"{zero}"'])
    assert "caution: varies on py only; on node it was the same" in report.render_text()
    covered = stable_id_spec(tmp_path, zero, "normalize: ['mask(.id; \"<uuid>\"; uuid)']")
    text = calibrate_spec(covered, repeat=3).render_text()
    assert "stable on node, whose value the rule hides too" in text
