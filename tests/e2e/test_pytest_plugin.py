"""The pytest plugin, run as users run it: pytest in a subprocess (pytest's own `pytester`)
over spec files with real helpers and real HTTP servers on loopback.

Every pytest started here carries the leak-check marker in its environment, so the shared
`_nothing_left` fixture finds any helper or service it left running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from importlib.metadata import entry_points
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.support import cli as support
from tests.support import forkcli
from tests.support.paths import HELPER_PY

pytest_plugins = ["pytester"]

PY = sys.executable
PLUGIN = "yamlparity.pytest_plugin.plugin"
FORMATS = ["--report-dir", "from-cli", "--format", "md,json,junit"]

# A command helper: `helper.py SIDE LOG` reads one JSON case, notes its name in LOG (so a test
# can see which cases the engine really sent) and answers {"v": ...}. The right side drifts
# on `drift`, crashes on `crash`.
HELPER = """
import json, sys
side, log = sys.argv[1], sys.argv[2]
case = json.loads(sys.stdin.read())
with open(log, "a") as out:
    out.write(f"{side} {case['name']}\\n")
if side == "right" and case.get("crash"):
    sys.stderr.write("bad crash\\n")
    sys.exit(3)
value = case["v"] + (1 if side == "right" and case.get("drift") else 0)
print(json.dumps({"v": value}))
"""

# An HTTP target: `server.py PORT LOG` notes each start in LOG, answers /health, and echoes a
# POSTed body; a body with "sleep" waits that long first (an interrupt lands mid-case).
SERVER = """
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log = int(sys.argv[1]), sys.argv[2]

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self._answer(200, {"ok": True})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body.get("sleep"):
            with open(log, "a") as out:
                out.write(f"sleeping {os.getpid()}\\n")
            time.sleep(body["sleep"])
        self._answer(200, {"echo": body})

    def _answer(self, status, data):
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
with open(log, "a") as out:
    out.write(f"start {os.getpid()}\\n")
server.serve_forever()
"""

OUTCOMES_SPEC = f"""
name: outcomes
targets:
  left:
    run: [{HELPER_PY}, helper.py, left, seen.log]
    timeout: 20
  right:
    run: [{HELPER_PY}, helper.py, right, seen.log]
    timeout: 20
stdin: '{{{{ case.input | tojson }}}}'
expect:
  - path: $.v
    equals: 7
    cases: [expect_fail]
known:
  - cases: [known_drift, fixed]
    reason: DEC-7 the right side adds one
    link: https://tracker.example/DEC-7
cases:
  - name: same
    input: {{name: same, v: 1}}
  - name: drift
    input: {{name: drift, v: 1, drift: true}}
  - name: expect_fail
    input: {{name: expect_fail, v: 1}}
  - name: crash
    input: {{name: crash, v: 1, crash: true}}
  - name: known_drift
    input: {{name: known_drift, v: 1, drift: true}}
  - name: fixed
    input: {{name: fixed, v: 1}}
"""

SKIP_SPEC = f"""
name: skipping
targets:
  left:
    run: [{HELPER_PY}, helper.py, left, seen.log]
  missing:
    run: [no-such-program-yamlparity-test]
    when_missing: skip
stdin: '{{{{ case.input | tojson }}}}'
cases:
  - name: lonely
    input: {{name: lonely, v: 1}}
"""


def service_spec(name: str, cases: int, *, sleep: float = 0) -> str:
    slow = f", sleep: {sleep}" if sleep else ""
    rows = "\n".join(
        f"  - name: c{i}\n    input: {{n: {i}{slow if i == 0 else ''}}}" for i in range(cases)
    )
    return f"""
name: {name}
targets:
  one:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    timeout: 60
    service:
      run: [{HELPER_PY}, server.py, "${{port}}", {name}.one.log]
      ready: {{http: /health}}
      start_timeout: 30
  two:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    timeout: 60
    service:
      run: [{HELPER_PY}, server.py, "${{port}}", {name}.two.log]
      ready: {{http: /health}}
      start_timeout: 30
request:
  method: POST
  path: /
compare:
  facets: [status, body]
cases:
{rows}
"""


@pytest.fixture(autouse=True)
def _marked(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest, its helpers and services carry the marker the leak check looks for."""
    monkeypatch.setenv(support.MARKER_NAME, support.MARKER)
    for name in list(os.environ):
        if name.startswith("PYTEST_"):
            monkeypatch.delenv(name)  # this run's xdist worker variables are not the child's
    for name in support.AMBIENT:
        # Run by CI on GitHub: the child's annotations and job summary are not this job's.
        monkeypatch.delenv(name, raising=False)
    # The child loads only the plugins it uses (half of its start-up went to hypothesis and
    # benchmark); test_the_installed_entry_point_loads_the_plugin covers the entry point.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def plugin_args(*args: str) -> list[str]:
    """`-p` the plugin (and xdist's, for a run with workers): entry points are not loaded."""
    workers = ["-p", "xdist.plugin"] if any(a in ("-n", "--dist") for a in args) else []
    return ["-p", PLUGIN, *workers]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), "utf-8")
    return path


def run(pytester: pytest.Pytester, *args: str, fork: bool = True) -> pytest.RunResult:
    """`python -m pytest ARGS` in the test's folder, as `pytester.runpytest_subprocess` runs
    it; forked from a process that imported pytest and yamlparity already (what the plugin
    imports, never the plugin: pytest imports it) unless `fork` is off or the run cannot be."""
    full = (*plugin_args(*args), *args)
    result = _forked_pytest(pytester, full) if fork else None
    if result is None:
        result = pytester.runpytest_subprocess(*full, timeout=240)
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    return result


def _forked_pytest(pytester: pytest.Pytester, args: tuple[str, ...]) -> pytest.RunResult | None:
    # What differs from runpytest_subprocess, and why no test here depends on it: sys.path[0]
    # is "" (the folder the child changes to) rather than its absolute path, PYTHONPATH does
    # not get the folder prepended (only the inner run's own xdist workers would see it), the
    # basetemp has a random suffix, argv[0] is "pytest". With plugin autoload off (set by
    # `_marked`) pytest rewrites only the `-p` plugin, which the zygote never imported.
    env = dict(os.environ)
    base = {k: v for k, v in env.items() if k != support.MARKER_NAME}  # the zygote is no leak
    zygote = forkcli.zygote_for(support.PY, base, program="pytest")
    if zygote is None or not zygote.fits(env):
        return None
    basetemp = tempfile.mkdtemp(prefix="runpytest-", dir=pytester.path)
    started = time.monotonic()
    done = zygote.start((f"--basetemp={basetemp}", *args), pytester.path, env).result(240)
    lines = (done.stdout.splitlines(), done.stderr.splitlines())
    return pytest.RunResult(done.returncode, *lines, time.monotonic() - started)


@pytest.fixture
def outcomes(pytester: pytest.Pytester) -> Path:
    write(pytester.path, "helper.py", HELPER)
    write(pytester.path, "skip.parity.yaml", SKIP_SPEC)
    return write(pytester.path, "outcomes.parity.yaml", OUTCOMES_SPEC)


def seen(folder: Path) -> list[str]:
    path = folder / "seen.log"
    return path.read_text().split("\n")[:-1] if path.exists() else []


# ---------------------------------------------------------------------- collection


def test_without_configuration_the_specs_folder_is_the_projects(
    pytester: pytest.Pytester, outcomes: Path
) -> None:
    """As `yamlparity run` with no path: specs/ holds the specs when nothing names others."""
    write(pytester.path, "specs/api.yaml", SKIP_SPEC.replace("skipping", "api"))
    write(pytester.path, "specs/parts/shared.yaml", "targets: {}\n")  # a fragment: no cases
    write(pytester.path, "other/api.yaml", SKIP_SPEC.replace("skipping", "other"))
    result = run(pytester, "--co", "-q", "specs", "other")
    result.stdout.fnmatch_lines(["specs/api.yaml::lonely", "1 test collected*"])


def test_the_installed_entry_point_loads_the_plugin(
    pytester: pytest.Pytester, outcomes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a user's pytest finds it: through the `pytest11` entry point, with every installed
    plugin loaded (the other tests name the plugin with -p and load nothing else)."""
    assert any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-k", "same or drift", timeout=240)
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1, failed=1, xfailed=1, deselected=4)


def test_collection_names_one_item_per_case(pytester: pytest.Pytester, outcomes: Path) -> None:
    write(pytester.path, "pyproject.toml", '[tool.yamlparity]\nspecs = ["probes"]\n')
    write(pytester.path, "probes/api.yaml", SKIP_SPEC.replace("skipping", "api"))
    write(pytester.path, "probes/parts/shared.yaml", "targets: {}\n")  # a fragment: no cases
    write(pytester.path, "other/data.yaml", "cases: []\n")  # not a spec by name or place
    result = run(pytester, "--co", "-q")
    result.stdout.fnmatch_lines(
        [
            "outcomes.parity.yaml::same",
            "outcomes.parity.yaml::drift",
            "outcomes.parity.yaml::expect_fail",
            "outcomes.parity.yaml::crash",
            "outcomes.parity.yaml::known_drift",
            "outcomes.parity.yaml::fixed",
            "probes/api.yaml::lonely",
            "skip.parity.yaml::lonely",
            "8 tests collected*",
        ]
    )
    assert seen(pytester.path) == []  # collecting runs nothing
    # A YAML file named on the command line is a spec whatever its name.
    explicit = write(pytester.path, "other/named.yaml", SKIP_SPEC.replace("skipping", "named"))
    run(pytester, "--co", "-q", str(explicit)).stdout.fnmatch_lines(["other/named.yaml::lonely"])


def test_a_yaml_fixture_in_the_specs_folder_is_passed_over_as_run_passes_over_it(
    pytester: pytest.Pytester, outcomes: Path
) -> None:
    """A spec's `cases_from` rows in a YAML list beside it were collected as a spec: a
    collection error ("the top level must be a mapping") that stopped the whole session,
    where `yamlparity run specs` passes over the file."""
    spec = SKIP_SPEC.replace("skipping", "rows").split("cases:")[0]
    write(pytester.path, "specs/rows.yaml", spec + "cases_from: [fixtures/rows.yaml]\n")
    write(pytester.path, "specs/fixtures/rows.yaml", "- {name: r1, input: {name: r1, v: 1}}\n")
    result = run(pytester, "--co", "-q", "specs")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["specs/rows.yaml::r1", "1 test collected*"])
    listed = support.run_cli("list", "specs", cwd=pytester.path)
    assert listed.returncode == 0 and "r1" in listed.stdout, listed.stderr
    # Named on the command line it is a spec, and its error is shown, as `run FILE` does.
    named = run(pytester, "--co", "-q", "specs/fixtures/rows.yaml")
    named.stdout.fnmatch_lines(["*the top level must be a mapping, not a list*"])


def test_a_bad_spec_is_a_collection_error_with_its_position(pytester: pytest.Pytester) -> None:
    write(
        pytester.path,
        "bad.parity.yaml",
        """
        name: bad
        targets:
          a: {run: [echo]}
          b: {run: [echo]}
        normalize:
          - del(.x
        cases:
          - {name: one, input: 1}
        """,
    )
    # A variable that is not set: the hint names the option pytest sets it with.
    write(pytester.path, "unset.parity.yaml", SKIP_SPEC.replace("seen.log", "'${UNSET_LOG}'"))
    # A spec under specs/ whose cases key is misspelt is collected, to show its error.
    write(pytester.path, "specs/typo.yaml", SKIP_SPEC.replace("cases:", "case:"))
    result = run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED  # pytest stops on collection errors
    result.stdout.fnmatch_lines(
        ["*ERROR collecting bad.parity.yaml*", "*--> bad.parity.yaml:6:*", "*del(.x*"]
    )
    result.stdout.fnmatch_lines(
        ["*ERROR collecting unset.parity.yaml*", "*hint: set it with --yamlparity-env UNSET_LOG=*"]
    )
    result.stdout.fnmatch_lines(["*ERROR collecting specs/typo.yaml*", "*did you mean 'cases'*"])
    # A broken project configuration is shown the same way.
    write(pytester.path, "pyproject.toml", '[tool.yamlparity]\nspecz = ["x"]\n')
    broken = run(pytester)
    broken.stdout.fnmatch_lines(
        ["error: unknown key `specz` in [[]tool.yamlparity[]]", "*pyproject.toml:2:1*"]
    )


# ---------------------------------------------------------------------- outcomes


def test_every_verdict_becomes_its_pytest_outcome(
    pytester: pytest.Pytester, outcomes: Path
) -> None:
    result = run(pytester, "-rA")
    result.assert_outcomes(passed=1, failed=3, errors=1, skipped=1, xfailed=1)
    out = result.stdout.str()
    for line in (
        "PASSED outcomes.parity.yaml::same",
        "FAILED outcomes.parity.yaml::drift - Failed: DIFF: 1 differing path",
        "FAILED outcomes.parity.yaml::expect_fail - Failed: FAIL: 2 failed expectations",
        "FAILED outcomes.parity.yaml::fixed - [[]XPASS(strict)[]] FIXED: the known*",
        "ERROR outcomes.parity.yaml::crash - Failed: ERROR: right: exited with code 3",
        "XFAIL outcomes.parity.yaml::known_drift - known divergence: DEC-7 the right side "
        "adds one (https://tracker.example/DEC-7)",
        "SKIPPED [[]1[]] skip.parity.yaml: lonely: missing: executable not found: no-such-pr*",
        "[[]XPASS(strict)[]] FIXED: the known divergence is gone (DEC-7 the right side adds "
        "one); update the tracker and remove the known entry: https://tracker.example/DEC-7",
    ):
        result.stdout.fnmatch_lines([line])
    # The failure text is the differing path with both values; the reproducer waits for -vv.
    assert "stdout .v: left=1  right=2" in out
    # An error says its reason once, then what the failed target printed.
    assert "\nERROR: right: exited with code 3\n    bad crash\n" in out, out
    assert "(-vv shows how to reproduce it)" in out and "reproduce:" not in out
    verbose = run(pytester, "-vv", "-k", "drift and not known")
    verbose.assert_outcomes(failed=1, deselected=6)
    verbose.stdout.fnmatch_lines(["reproduce:", "  left:", "    *helper.py left seen.log*"])


def test_fixed_ok_turns_fixed_into_an_xpass(pytester: pytest.Pytester, outcomes: Path) -> None:
    """And the reports say the session passed, as `yamlparity run --fixed-ok` writes them:
    the JUnit file counted the FIXED case as a failure."""
    reports = ("--yamlparity-report-dir", "out", "--yamlparity-format", "md,junit")
    result = run(pytester, "--yamlparity-fixed-ok", "-k", "fixed", *reports)
    result.assert_outcomes(xpassed=1, deselected=6)
    assert result.ret == pytest.ExitCode.OK
    suite = ElementTree.parse(pytester.path / "out" / "outcomes.junit.xml").getroot()
    assert suite.find(".//failure") is None
    assert 'failures="0"' in (pytester.path / "out" / "outcomes.junit.xml").read_text()
    # The note names no flag of the CLI's (it said `passes with --fixed-ok` under pytest).
    notes = [out.text or "" for out in suite.iter("system-out")]
    assert any("; passes: fixed-ok is on" in note for note in notes), notes
    strict = run(pytester, "-k", "fixed", *reports)
    strict.assert_outcomes(failed=1, deselected=6)
    suite = ElementTree.parse(pytester.path / "out" / "outcomes.junit.xml").getroot()
    assert suite.find(".//failure") is not None


def test_env_sets_a_spec_variable(pytester: pytest.Pytester, outcomes: Path) -> None:
    text = OUTCOMES_SPEC.replace("helper.py, right,", 'helper.py, "${SECOND:-right}",')
    write(pytester.path, "outcomes.parity.yaml", text)
    run(pytester, "-k", "drift and not known").assert_outcomes(failed=1, deselected=6)
    # The second target now runs the left side: no drift left.
    calm = run(pytester, "-k", "drift and not known", "--yamlparity-env", "SECOND=left")
    calm.assert_outcomes(passed=1, deselected=6)
    bad = run(pytester, "--yamlparity-env", "SECOND")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["ERROR: --yamlparity-env takes KEY=VALUE, got 'SECOND'"])


def test_report_options_without_a_report_folder_are_a_usage_error(
    pytester: pytest.Pytester, outcomes: Path
) -> None:
    """They were accepted and did nothing (no reports are written without the folder)."""
    for option, value in (("--yamlparity-format", "xml"), ("--yamlparity-template", "t.j2")):
        bad = run(pytester, option, value)
        assert bad.ret == pytest.ExitCode.USAGE_ERROR
        bad.stderr.fnmatch_lines([f"ERROR: {option} shapes the reports, *--yamlparity-report-dir*"])


def test_only_the_selected_cases_reach_the_targets(
    pytester: pytest.Pytester, outcomes: Path
) -> None:
    result = run(pytester, "-k", "same or drift")
    result.assert_outcomes(passed=1, failed=1, xfailed=1, deselected=4)
    assert sorted({line.split()[1] for line in seen(pytester.path)}) == [
        "drift",
        "known_drift",
        "same",
    ]


def test_x_stops_the_run_and_its_helpers(pytester: pytest.Pytester, outcomes: Path) -> None:
    out = pytester.path / "reports"
    # Two lanes: when `drift` fails, the next two cases are in flight (they finish, unshown).
    reports = ("--yamlparity-report-dir", str(out), "--yamlparity-format", "md,junit")
    result = run(pytester, "-x", "--yamlparity-jobs", "2", "outcomes.parity.yaml", *reports)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])
    # The report holds what pytest showed, and says why it holds 2 of the 6 cases: the stop.
    result.stdout.fnmatch_lines(
        [
            "[[]parity[]] outcomes: 1 match / 1 diff (out of 2) (interrupted) "
            "[[]pytest stopped early: 2 of 6 cases[]] → *"
        ]
    )
    report = (out / "outcomes.md").read_text("utf-8")
    assert "**Selection:** pytest stopped early: 2 of 6 cases" in report
    assert recorded(out) == [("outcomes", "pytest stopped early")]
    # Its JUnit file lists the cases the stop left unrun as errors, as an interrupted
    # `yamlparity run` does: a gate on it fails as the session did.
    suite = ElementTree.parse(out / "outcomes.junit.xml").getroot()
    errors = [c.get("name") for c in suite.iter("testcase") if c.find("error") is not None]
    assert errors == ["expect_fail", "crash", "known_drift", "fixed"]
    assert suite.get("tests") == "6" and suite.get("errors") == "4"


def test_last_failed_reruns_only_the_diff(pytester: pytest.Pytester, outcomes: Path) -> None:
    run(pytester, "outcomes.parity.yaml").assert_outcomes(passed=1, failed=3, errors=1, xfailed=1)
    (pytester.path / "seen.log").unlink()
    again = run(pytester, "--lf", "outcomes.parity.yaml", "--yamlparity-report-dir", "out")
    again.assert_outcomes(failed=3, errors=1, deselected=2)
    assert recorded(pytester.path / "out") == [("outcomes", "pytest --lf")]
    names = {line.split()[1] for line in seen(pytester.path)}
    assert names == {"drift", "expect_fail", "crash", "fixed"}
    first = run(pytester, "--ff", "-x", "outcomes.parity.yaml")
    first.stdout.fnmatch_lines(["*run-last-failure: rerun previous 4 failures first*"])


# ---------------------------------------------------------------------- services


def service_project(pytester: pytest.Pytester, *names: str, cases: int = 4) -> None:
    write(pytester.path, "server.py", SERVER)
    for name in names:
        write(pytester.path, f"{name}.parity.yaml", service_spec(name, cases))


def starts(folder: Path, log: str) -> list[int]:
    path = folder / log
    lines = path.read_text().split("\n")[:-1] if path.exists() else []
    return [int(line.split()[1]) for line in lines if line.startswith("start ")]


def test_services_start_once_per_spec_and_stop(pytester: pytest.Pytester) -> None:
    service_project(pytester, "alpha", "beta", cases=5)
    result = run(pytester)
    result.assert_outcomes(passed=10)
    for log in ("alpha.one.log", "alpha.two.log", "beta.one.log", "beta.two.log"):
        pids = starts(pytester.path, log)
        assert len(pids) == 1, log
        assert support.gone_soon(pids[0]), f"{log}: the server is still running"


@pytest.mark.parametrize("dist", ["load", "loadfile"])
def test_two_xdist_workers_share_nothing_and_merge_the_reports(
    pytester: pytest.Pytester, dist: str
) -> None:
    service_project(pytester, "alpha", "beta", cases=6)
    out = pytester.path / "out"
    result = run(
        pytester,
        "-n",
        "2",
        "--dist",
        dist,
        "--yamlparity-report-dir",
        str(out),
        "--yamlparity-format",
        "json,md",
    )
    result.assert_outcomes(passed=12)
    for spec in ("alpha", "beta"):
        for target in ("one", "two"):
            pids = starts(pytester.path, f"{spec}.{target}.log")
            # Once per spec per worker at most; loadfile sends a whole spec to one worker.
            assert 1 <= len(pids) <= (1 if dist == "loadfile" else 2)
            assert all(support.gone_soon(pid) for pid in pids)
        data = json.loads((out / f"{spec}.json").read_text())
        assert [case["name"] for case in data["cases"]] == [f"c{i}" for i in range(6)]
        assert data["tally"]["MATCH"] == 6
    result.stdout.fnmatch_lines(["*[[]parity[]] index: 2 specs*"])
    # Every case ran, on one worker or the other: a full run for the history too.
    assert recorded(out) == [("alpha", None), ("beta", None)]
    # Merged from the workers, the results equal what one `yamlparity run` writes.
    cli = support.run_cli("run", "alpha.parity.yaml", "beta.parity.yaml", *FORMATS, cwd=out.parent)
    assert cli.returncode == 0, cli.stderr
    for spec in ("alpha", "beta"):
        ours = json.loads((out / f"{spec}.json").read_text())
        theirs = json.loads((out.parent / "from-cli" / f"{spec}.json").read_text())
        assert comparable(ours) == comparable(theirs)


# ---------------------------------------------------------------------- reports


def comparable(document: dict[str, object]) -> object:
    """A results document without what differs between two runs (times, ports, pids)."""
    volatile = {"duration", "started", "finished", "description", "generator"}

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in volatile}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(document)


def github(folder: Path, summary: str) -> dict[str, str]:
    """GitHub Actions' variables, the job summary at `folder/summary`."""
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(folder),
        "GITHUB_STEP_SUMMARY": str(folder / summary),
    }


def workflow_commands(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("::")]


def test_reports_equal_what_yamlparity_run_writes(
    pytester: pytest.Pytester, outcomes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under GitHub Actions, too: the same annotations at the same places, one job summary."""
    for name, value in github(pytester.path, "pytest-summary.md").items():
        monkeypatch.setenv(name, value)
    out = pytester.path / "from-pytest"
    result = run(
        pytester, "--yamlparity-report-dir", str(out), "--yamlparity-format", "md,json,junit"
    )
    (pytester.path / "seen.log").unlink()
    cli = support.run_cli(
        "run",
        "outcomes.parity.yaml",
        "skip.parity.yaml",
        *FORMATS,
        cwd=pytester.path,
        env=github(pytester.path, "cli-summary.md"),
        timeout=120,
    )
    assert cli.returncode == 1, cli.stderr
    for name in ("outcomes", "skipping"):
        ours = json.loads((out / f"{name}.json").read_text())
        theirs = json.loads((pytester.path / "from-cli" / f"{name}.json").read_text())
        assert comparable(ours) == comparable(theirs)
    assert (out / "index.md").exists() and (out / "junit.xml").exists()
    # drift, expect_fail, crash and fixed, each at its case's line of the spec.
    annotations = workflow_commands(result.stdout.str())
    assert len(annotations) == 4
    assert annotations == workflow_commands(cli.stdout)
    head = (
        "::error file=outcomes.parity.yaml,line=21,col=11,title=yamlparity DIFF%3A outcomes/drift"
    )
    assert annotations[0].startswith(head)
    ours = (pytester.path / "pytest-summary.md").read_text("utf-8")
    theirs = (pytester.path / "cli-summary.md").read_text("utf-8")
    assert ours.count("## yamlparity") == 1
    assert ours.replace("from-pytest/", "from-cli/") == theirs


def test_under_xdist_the_controller_annotates_each_case_once(
    pytester: pytest.Pytester, outcomes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--dist each` runs every case on every worker: still one annotation per failing case
    and one job summary, both from the controller."""
    for name, value in github(pytester.path, "summary.md").items():
        monkeypatch.setenv(name, value)
    result = run(pytester, "-n", "2", "--dist", "each", "--yamlparity-report-dir", "out")
    annotations = workflow_commands(result.stdout.str())
    titles = sorted(line.split("title=")[1].split("::")[0] for line in annotations)
    assert titles == [
        f"yamlparity {verdict}%3A outcomes/{case}"
        for verdict, case in (
            ("DIFF", "drift"),
            ("ERROR", "crash"),
            ("FAIL", "expect_fail"),
            ("FIXED", "fixed"),
        )
    ]
    assert (pytester.path / "summary.md").read_text("utf-8").count("## yamlparity") == 1


def test_a_report_of_selected_cases_says_it_is_not_a_full_run(
    pytester: pytest.Pytester, outcomes: Path
) -> None:
    out = pytester.path / "partial"
    result = run(pytester, "-k", "same or drift", "--yamlparity-report-dir", str(out))
    # The summary line marks a partial run as `yamlparity run -k` does.
    result.stdout.fnmatch_lines(
        ["[[]parity[]] outcomes: * (out of 3) [[]pytest -k 'same or drift': 3 of 6 cases[]] → *"]
    )
    report = (out / "outcomes.md").read_text()
    assert "**Selection:** pytest -k 'same or drift': 3 of 6 cases — not a full run." in report
    # A node id narrows its spec; a spec whose every case ran is a full run.
    run(pytester, "outcomes.parity.yaml::drift", "skip.parity.yaml",
        "--yamlparity-report-dir", str(out))  # fmt: skip
    report = (out / "outcomes.md").read_text()
    assert "**Selection:** pytest outcomes.parity.yaml::drift: 1 of 6 cases" in report
    # The history records each run's selection as the report words it: like with like.
    assert recorded(out) == [
        ("outcomes", "pytest -k 'same or drift'"),
        ("outcomes", "pytest outcomes.parity.yaml::drift"),
        ("skipping", None),
    ]


def junit_cases(path: Path) -> list[tuple[str | None, list[str]]]:
    """Each testcase of a JUnit file: its name and the tags inside it."""
    suite = ElementTree.parse(path).getroot()
    return [(c.get("name"), [child.tag for child in c]) for c in suite.iter("testcase")]


def test_a_partial_session_writes_the_junit_file_yamlparity_run_writes(
    pytester: pytest.Pytester, outcomes: Path
) -> None:
    """The spec's cases the selection left out are one skipped testcase, `(cases not
    selected)`, as `yamlparity run -k` writes it: the plugin's file had only the cases run,
    so a gate on it read a partial run as a full pass."""
    out = pytester.path / "out"
    run(pytester, "-k", "same or drift", "--yamlparity-report-dir", str(out),
        "--yamlparity-format", "md,junit")  # fmt: skip
    cli = support.run_cli("run", "outcomes.parity.yaml", "-k", "same or drift", *FORMATS,
                          cwd=pytester.path)  # fmt: skip
    assert cli.returncode == 1, cli.stderr
    ours = junit_cases(out / "outcomes.junit.xml")
    assert ours == junit_cases(pytester.path / "from-cli" / "outcomes.junit.xml")
    assert ours[-1] == ("(cases not selected)", ["skipped"])
    suite = ElementTree.parse(out / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("skipped") == "1" and suite.get("tests") == "4"
    skipped = suite.find("testcase/skipped")
    assert skipped is not None
    assert skipped.get("message") == (
        "not selected: this run held pytest -k 'same or drift': 3 of 6 cases; "
        "3 cases of the spec not run"
    )


def recorded(folder: Path) -> list[tuple[str, str | None]]:
    """(spec, select) of each run in the folder's history, oldest first."""
    lines = (folder / "history.jsonl").read_text("utf-8").splitlines()
    return [(entry["spec"], entry["select"]) for entry in map(json.loads, lines)]


# ---------------------------------------------------------------------- interrupts


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_stops_every_service(pytester: pytest.Pytester, signum: int) -> None:
    write(pytester.path, "server.py", SERVER)
    write(pytester.path, "slow.parity.yaml", service_spec("slow", 3, sleep=60))
    proc = subprocess.Popen(
        [PY, "-m", "pytest", *plugin_args(), "-p", "no:cacheprovider"],
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        log = pytester.path / "slow.one.log"
        support.wait_for(lambda: log.exists() and "sleeping" in log.read_text(), within=120)
        proc.send_signal(signum)
        signalled = time.monotonic()
        output, _ = proc.communicate(timeout=120)
        # The answer in flight is abandoned, not awaited: the server sleeps 60 s before it.
        waited = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, output
    assert waited < 30, f"the interrupt waited {waited:.0f} s for the answer in flight"
    assert "KeyboardInterrupt" in output
    assert "Traceback" not in output
    for target in ("one", "two"):
        pids = starts(pytester.path, f"slow.{target}.log")
        assert len(pids) == 1
        assert support.gone_soon(pids[0]), f"{target}: the server is still running"


# ---------------------------------------------------------------------- inert


def test_a_session_without_specs_loads_no_engine(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="""
        import sys

        def test_nothing_of_yamlparity_runs():
            loaded = [m for m in sys.modules if m.startswith("yamlparity.")]
            assert "yamlparity.pytest_plugin.plugin" in loaded
            assert not [m for m in loaded if m.startswith(("yamlparity.run", "yamlparity.targets"))]
        """
    )
    run(pytester, fork=False).assert_outcomes(passed=1)  # a new interpreter: its own imports


def test_cases_turned_error_after_their_test_fail_the_session(pytester: pytest.Pytester) -> None:
    # Every case passes as it finishes; when the helpers' input ends, one says goodbye on
    # stdout: its answers are proved misaligned after the tests ran (tests/e2e/
    # test_stream_stray_lines.py). The reports hold the ERRORs, and the session fails.
    from tests.e2e.test_stream_stray_lines import goodbye_spec

    goodbye_spec(pytester.path)
    result = run(pytester, "--yamlparity-report-dir", "out", "--yamlparity-format", "json")
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*yamlparity: cases turned ERROR after their test*",
            "*bye: 3 cases reported as they finished are ERROR now: talky: wrote 4 lines*",
        ]
    )
    assert (pytester.path / "out" / "bye.json").read_text().count('"verdict": "ERROR"') == 3
