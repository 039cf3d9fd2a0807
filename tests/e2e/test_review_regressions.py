"""Defects a review found in the hot path, each reproduced through the real CLI first."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY, SERVERS
from yamlparity.core.errors import SpecError
from yamlparity.spec.load import load_spec

PY = sys.executable
SERVER = SERVERS / "big_json_server.py"


def run(spec: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("run", str(spec), "--report-dir", "out", "-v", cwd=spec.parent, timeout=180)


def http_spec(
    tmp_path: Path, extra: str, b_encoding: str = "", flags: tuple[str, ...] = ()
) -> Path:
    """Two targets on big_json_server.py; `b_encoding` ("--compact") changes b's spacing;
    `flags` go to both servers."""

    def target(*own: str) -> str:
        run = ", ".join([str(HELPER_PY), str(SERVER), '"${port}"', *own, *flags])
        text = f"""
            url: "http://127.0.0.1:${{port}}"
            port: auto
            timeout: 0.5
            service: {{run: [{run}], ready: {{log: "listening on"}}}}
        """
        return textwrap.indent(textwrap.dedent(text).strip(), "    ")

    b = target(b_encoding) if b_encoding else target()
    spec = tmp_path / "s.yaml"
    spec.write_text(f"targets:\n  a:\n{target()}\n  b:\n{b}\n" + textwrap.dedent(extra))
    return spec


def test_evaluating_a_big_case_does_not_eat_the_next_cases_timeout(tmp_path: Path) -> None:
    # Each answer is ~9 MB and comes back in a few ms; comparing two of them takes longer than
    # the 0.5 s timeout. The next case's request is already sent while this one is compared:
    # its clock must not run during that comparison.
    # Three cases: two of them sent while the one before is compared. The same value in two
    # encodings: each target's text is parsed (identical texts share their parsed slices and
    # compare in well under the timeout on a fast machine).
    cases = "".join(f"  - {{name: c{i}, input: {{}}}}\n" for i in range(3))
    spec = http_spec(
        tmp_path, "request: {method: POST, path: /p}\ncases:\n" + cases, b_encoding="--compact"
    )
    done = run(spec)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 match / 0 diff (out of 3)" in done.stdout


def test_bodiless_answers_may_announce_a_huge_length(tmp_path: Path) -> None:
    # No case POSTs: the servers need not build the 9 MB body (~0.1 s of CPU each).
    spec = http_spec(
        tmp_path,
        flags=("--bodiless",),
        extra="""
        output: text
        compare: {facets: [status]}
        cases:
          - {name: head_big, input: null, request: {method: HEAD, path: /big}}
          - {name: not_modified, input: null, request: {method: GET, path: /big}}
        """,
    )
    done = run(spec)
    assert done.returncode == 0, done.stdout + done.stderr
    report = (tmp_path / "out" / "s.md").read_text()
    assert "| `head_big` | 200 | 200 |" in report
    assert "| `not_modified` | 304 | 304 |" in report


def test_a_fixture_rewritten_in_place_is_refused_not_misread(tmp_path: Path) -> None:
    rows = tmp_path / "rows.json"
    pad = "p" * 100
    values = {f"c{n}": f"{n}{pad}" for n in range(4000)}  # past one read-ahead block (256 KiB)
    text = json.dumps(values)
    rows.write_text(text)
    spec = tmp_path / "s.yaml"
    spec.write_text(
        f"targets:\n  a: {{run: [{HELPER_PY}, x.py]}}\n  b: {{run: [{HELPER_PY}, x.py]}}\n"
        "cases_from: [rows.json]\n"
    )
    loaded = load_spec(spec)
    assert loaded.cases[0].input == f"0{pad}"
    with rows.open("r+") as handle:  # same inode, one space more before c1's value
        handle.write(text.replace('"c1": ', '"c1":  '))
    # Rows read (ahead) before the change are the rows as loaded; a row read after it is refused.
    assert loaded.cases[1].input == f"1{pad}"
    with pytest.raises(SpecError, match="changed"):
        loaded.cases[3999]


FAULT_SERVER = SERVERS / "fault_server.py"


def five_hundred_spec(tmp_path: Path, expect: str = "") -> Path:
    target = (
        f'{{url: "http://127.0.0.1:${{port}}", port: auto, '
        f'service: {{run: [{HELPER_PY}, {FAULT_SERVER}, "${{port}}"], ready: {{http: /health}}}}}}'
    )
    spec = tmp_path / "s.yaml"
    spec.write_text(
        f"targets:\n  a: {target}\n  b: {target}\n"
        "request: {method: GET, path: /status/500}\n"
        f"{expect}"
        "cases:\n  - {name: boom, input: null}\n"
    )
    return spec


def test_the_same_server_error_on_every_target_is_not_a_match(tmp_path: Path) -> None:
    done = run(five_hundred_spec(tmp_path))
    assert done.returncode == 1
    assert "1 error" in done.stdout and "1 match" not in done.stdout


def test_a_server_error_the_spec_expects_can_match(tmp_path: Path) -> None:
    done = run(five_hundred_spec(tmp_path, "expect:\n  - {status: 500}\n"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 match" in done.stdout
