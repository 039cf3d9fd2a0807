"""Hostile suite: planted secrets never leave the process, whatever form the targets give them.

A secret with quotes, `&`, `<`, `/`, a non-ASCII letter, `$`, a backquote and `{{ }}`/`{% %}`
is handed to hostile helpers (tests/programs/hostile.py) and a hostile service
(tests/servers/hostile_server.py), which echo it in every encoding a runtime may use (JSON of
Go, PHP, JS and Python, full \\uXXXX, nested JSON, URL, form, base64 of a Basic credential,
shell quoting, HTML references), on stdout, on stderr, across the 200-character cut of an
excerpt. Every command (`run` in every format with -v, `list`, `validate`, `calibrate`,
`template-context`) runs through the real CLI; every byte it prints and every file (and file
name) it writes is searched for the secret in each of those forms. Found: must be 0.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from tests.support.cli import PROGRAMS, SERVERS, run_cli, write_spec
from tests.support.paths import HELPER_PY

# `{{` and `{%` included: such a secret was never masked. Starts with a marker no form hides.
TOKEN = "Zq9SeCrEt-t0k&n/<\u00e9>\"x'$`y {{z}} {%w%} 12345"
HEADER_TOKEN = "Zq9HeAdEr-t0k3n/+=&x"  # what an HTTP header can carry
MARKERS = ("Zq9SeCrEt", "Zq9HeAdEr")
# Figures for docs/reliability.md: what this module plants and looks for.
PLANTED_SECRETS = 2
COMMANDS_CHECKED = ("run", "list", "validate", "calibrate", "template-context")


def forms(token: str) -> dict[str, str]:
    """The encodings hostile.py writes, computed here independently of yamlparity."""
    js = json.dumps(token)[1:-1]
    return {
        "raw": token,
        "python_json": js,
        "ascii_json": json.dumps(token, ensure_ascii=True)[1:-1],
        "go_json": js.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"),
        "php_json": js.replace("/", "\\/"),
        "full_u": "".join(f"\\u{ord(c):04x}" for c in token),
        "nested_json": json.dumps(json.dumps(token))[1:-1],
        "url": urllib.parse.quote(token, safe=""),
        "form": urllib.parse.quote_plus(token),
        "basic": base64.b64encode(f"user:{token}".encode()).decode(),
        "bare_base64": base64.b64encode(token.encode()).decode()[4:-4],
        "shell": "'" + token.replace("'", "'\"'\"'") + "'",
        "ansi_c": "".join(f"\\x{b:02x}" for b in token.encode()),
        "html": "".join(f"&#{ord(c)};" for c in token),
    }


def leaks(text: str) -> list[str]:
    """Which form of which planted secret `text` holds (a marker alone counts: a secret cut
    in half before masking starts with it)."""
    found = [
        f"{token[:9]}:{name}"
        for token in (TOKEN, HEADER_TOKEN)
        for name, form in forms(token).items()
        if form in text
    ]
    found += [marker for marker in MARKERS if marker in text]
    found += [f"{m}:full_u" for m in MARKERS if "".join(f"\\u{ord(c):04x}" for c in m) in text]
    found += [f"{m}:html" for m in MARKERS if "".join(f"&#{ord(c)};" for c in m) in text]
    return found


def scan(folder: Path) -> dict[str, list[str]]:
    """Every file under `folder` (its name too) that holds a planted secret."""
    hits: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        found = leaks(str(path.relative_to(folder)))
        if path.is_file():
            found += leaks(path.read_bytes().decode("utf-8", "replace"))
        if found:
            hits[str(path)] = found
    return hits


SPEC = """\
name: leaky
secrets: [API_TOKEN, HEADER_TOKEN]
targets:
  python:
    run: [{py}, {hostile}, leak, "--token=${{HEADER_TOKEN}}"]
    env: {{HOSTILE_TOKEN: "${{API_TOKEN}}"}}
  again:
    run: [{py}, {hostile}, leak]
    env: {{HOSTILE_TOKEN: "${{API_TOKEN}}"}}
  failing:
    run: [{py}, {hostile}, leak, fail]
    env: {{HOSTILE_TOKEN: "${{API_TOKEN}}"}}
output: json
cases:
  - {{name: leak, input: {{a: 1}}}}
"""

HTTP_SPEC = """\
name: leaky_http
secrets: [HEADER_TOKEN, API_TOKEN]
targets:
  first:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    headers: {{Authorization: "Bearer ${{HEADER_TOKEN}}"}}
    service:
      run: [{py}, {server}, "${{port}}"]
      ready: {{log: listening}}
  second:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    headers: {{Authorization: "Bearer ${{HEADER_TOKEN}}"}}
    service:
      run: [{py}, {server}, "${{port}}"]
      ready: {{log: listening}}
  broken:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    service:
      run: [{py}, -c, "import sys; print(sys.argv); sys.exit(3)", "--api-key=${{API_TOKEN}}"]
      ready: {{log: never}}
      start_timeout: 5
request: {{method: GET, path: "/x?api_key=${{HEADER_TOKEN}}"}}   # a secret in the URL
compare: {{facets: [status, body, headers.set-cookie]}}
cases:
  - {{name: echo, input: {{a: 1}}}}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(PROGRAMS / "hostile.py", specs / "hostile.py")
    shutil.copy(SERVERS / "hostile_server.py", specs / "hostile_server.py")
    write_spec(specs, "leaky.yaml", SPEC.format(py=HELPER_PY, hostile="hostile.py"))
    write_spec(specs, "leaky_http.yaml", HTTP_SPEC.format(py=HELPER_PY, server="hostile_server.py"))
    return tmp_path


ENV = {"API_TOKEN": TOKEN, "HEADER_TOKEN": HEADER_TOKEN}


def test_the_detector_finds_every_form_it_plants() -> None:
    """Honesty check: each planted form is found by `leaks` (so a 0 below means something)."""
    for token in (TOKEN, HEADER_TOKEN):
        for name, form in forms(token).items():
            assert leaks(f"... {form} ..."), name


def test_no_command_leaks_a_planted_secret(project: Path) -> None:
    printed: list[str] = []
    run = run_cli(
        "run",
        "specs",
        "--report-dir",
        "reports",
        "--format",
        "md,html,json,junit",
        "-v",
        cwd=project,
        env=ENV,
    )
    assert run.returncode == 1, run.stderr  # the helpers differ and one fails: not a pass
    printed += [run.stdout, run.stderr]
    assert "ERROR" in run.stdout or "ERROR" in run.stderr
    for args in (
        ("list", "specs"),
        ("validate", "specs"),
        ("calibrate", "specs/leaky.yaml", "--repeat", "2"),
        ("template-context", "specs/leaky.yaml"),
    ):
        proc = run_cli(*args, cwd=project, env=ENV)
        assert proc.returncode in (0, 1), (args, proc.stderr)
        printed += [proc.stdout, proc.stderr]
    # The outputs really carry the echoes (masked): the test is not passing on empty output.
    everything = "\n".join(printed)
    assert "***" in everything
    assert "*** (sha256" in (project / "reports" / "leaky_http.md").read_text("utf-8")
    assert leaks(everything) == []
    hits = scan(project / "reports")
    assert hits == {}, hits
    files = [p for p in (project / "reports").rglob("*") if p.is_file()]
    assert len(files) >= 8  # md, html, json, junit of both specs, the index, calibration


def test_a_secret_in_report_path_is_refused_without_printing_it(tmp_path: Path) -> None:
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: named
        secrets: [API_TOKEN]
        targets:
          a: {{run: [{HELPER_PY}, -c, "print(1)"]}}
          b: {{run: [{HELPER_PY}, -c, "print(1)"]}}
        report: {{path: "reports/${{API_TOKEN}}.md"}}
        cases: [{{name: one, input: 1}}]
        """,
    )
    token = "Zq9SeCrEtfilename"
    proc = run_cli("run", "spec.yaml", cwd=tmp_path, env={"API_TOKEN": token})
    assert proc.returncode == 2
    assert "report.path holds the value of a secret" in proc.stderr
    assert token not in proc.stdout + proc.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_reproducers_keep_case_variables_inert(tmp_path: Path, free_port: int) -> None:
    """A `${GITHUB_TOKEN}` in case data, pasted from a report into a shell, stays text."""
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: inert
        targets:
          a: {{url: "http://127.0.0.1:{free_port}"}}
          b: {{url: "http://127.0.0.1:{free_port}/other"}}
        request: {{method: POST, path: /x, headers: {{X-Note: "{{{{ case.input.text }}}}"}}}}
        cases: [{{name: one, input: {{text: "${{GITHUB_TOKEN}} $(echo hi)"}}}}]
        """,
    )
    proc = run_cli("run", "spec.yaml", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    results = json.loads((tmp_path / "reports" / "inert.json").read_text("utf-8"))
    command = results["cases"][0]["reproducers"]["a"]
    # The curl line's words as bash would pass them (printf in curl's place runs nothing).
    line = next(row for row in command.splitlines() if "curl" in row)
    words = line[line.index("curl") :].replace("curl", "printf '%s\\n'", 1)
    shell = subprocess.run(
        ["bash", "-c", words],
        capture_output=True,
        text=True,
        env={**os.environ, "GITHUB_TOKEN": "Zq9SeCrEtgh"},
        timeout=60,
        check=False,
    ).stdout
    assert "X-Note: ${GITHUB_TOKEN} $(echo hi)" in shell, shell
    assert "Zq9SeCrEtgh" not in shell
