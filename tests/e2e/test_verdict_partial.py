"""Issue 11 through the real CLI: a jq-manual-style three-way run where some targets fail,
empty answers as a policy, expected failures, skipped cases and per-case targets. Every
output (terminal, markdown, HTML, results JSON, JUnit) must say the same thing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from tests.support.cli import tally
from tests.support.paths import HELPER_PY, PROGRAMS

Cli = Callable[..., CompletedProcess[str]]
HELPER = PROGRAMS / "paced_helper.py"

SPEC = f"""\
name: manual
targets:
  jq: {{run: [{HELPER_PY}, {HELPER}, jq], timeout: 5}}
  gojq: {{run: [{HELPER_PY}, {HELPER}, gojq], timeout: 5}}
  libjq: {{run: [{HELPER_PY}, {HELPER}, libjq], timeout: 5}}
output: jsonl
allow_empty: true
known:
  - cases: [huge_exponent]
    targets: [libjq]
    error: exited with code 4
    reason: libjq rejects 1e400
    link: https://tracker.example/J-1
  - cases: [loc_fixed]
    targets: [gojq]
    error: "/code [34]/"
    reason: gojq lacked $__loc__
cases:
  - {{name: agree, input: {{n: 1}}}}
  - {{name: loc, input: {{n: 2, plan: {{gojq: {{exit: 3}}}}}}}}
  - name: empty_stream
    input: {{n: 3, plan: {{jq: {{empty: true}}, gojq: {{empty: true}}, libjq: {{empty: true}}}}}}
  - {{name: huge_exponent, input: {{n: 4, plan: {{libjq: {{exit: 4}}}}}}}}
  - {{name: loc_fixed, input: {{n: 5}}}}
  - {{name: not_yet, input: {{n: 6}}, skip: "waits for DEC-40"}}
  - {{name: two_only, input: {{n: 7, touch: ran}}, targets: [jq, libjq]}}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CompletedProcess[str]]:
    """One run of the spec, every format; the tests read what it wrote."""
    from tests.support.cli import run_cli

    folder = tmp_path_factory.mktemp("manual")
    (folder / "manual.yaml").write_text(SPEC)
    done = run_cli(
        "run", "manual.yaml", "--report-dir", "out", "--format", "md,html,json,junit", cwd=folder
    )
    return folder, done


def cases(folder: Path) -> dict[str, dict[str, Any]]:
    results = json.loads((folder / "out" / "manual.json").read_text())
    return {case["name"]: case for case in results["cases"]}


def test_tally_and_exit_code(run: tuple[Path, CompletedProcess[str]]) -> None:
    _, done = run
    counts, total = tally(done.stdout)
    assert (counts, total) == ({"match": 3, "diff": 0, "known": 1, "fixed": 1, "error": 1,
                                "skip": 1}, 7)  # fmt: skip
    assert done.returncode == 1  # the ERROR and the FIXED fail the run


def test_results_json_has_partial_agreement(run: tuple[Path, CompletedProcess[str]]) -> None:
    folder, _ = run
    loc = cases(folder)["loc"]
    assert (loc["verdict"], loc["reason"]) == ("ERROR", "gojq: exited with code 3")
    assert loc["groups"] == [["jq", "libjq"]]
    assert loc["failures"] == {"gojq": "exit 3"}
    known = cases(folder)["huge_exponent"]
    assert (known["verdict"], known["known_errors"], known["groups"]) == (
        "KNOWN",
        ["libjq"],
        [["jq", "gojq"]],
    )
    fixed = cases(folder)["loc_fixed"]
    assert (fixed["verdict"], fixed["reason"]) == (
        "FIXED",
        "gojq lacked $__loc__ (expected failure gone)",
    )


def test_empty_streams_match_when_allowed(run: tuple[Path, CompletedProcess[str]]) -> None:
    folder, _ = run
    assert cases(folder)["empty_stream"]["verdict"] == "MATCH"


def test_skip_and_per_case_targets(run: tuple[Path, CompletedProcess[str]]) -> None:
    folder, _ = run
    skipped = cases(folder)["not_yet"]
    assert (skipped["verdict"], skipped["reason"]) == ("SKIP", "waits for DEC-40")
    two = cases(folder)["two_only"]
    assert two["verdict"] == "MATCH"
    assert two["outcomes"]["gojq"]["skipped"] == "not run: this case runs on jq, libjq only"
    ran = sorted(path.name for path in folder.glob("ran.*"))
    assert ran == ["ran.jq", "ran.libjq"]  # gojq was never started for it


def test_markdown_and_html_show_the_agreement(run: tuple[Path, CompletedProcess[str]]) -> None:
    folder, _ = run
    md = (folder / "out" / "manual.md").read_text()
    assert "| `loc` | — | jq = libjq; gojq: exit 3 | ERROR |" in md
    assert "| `huge_exponent` | ✓ | jq = gojq; libjq: exit 4 (known) | KNOWN |" in md
    assert "**Known failure:** libjq rejects 1e400 — https://tracker.example/J-1" in md
    assert "| `not_yet` | `waits for DEC-40` |" in md  # the Skipped section
    assert "| jq · libjq | 5 | 5 |" in md  # the pairwise tally counts the partial answers
    html = (folder / "out" / "manual.html").read_text()
    assert "jq = libjq; gojq: exit 3" in html
    assert "waits for DEC-40" in html


def test_junit_and_terminal(run: tuple[Path, CompletedProcess[str]]) -> None:
    folder, done = run
    root = ET.parse(folder / "out" / "manual.junit.xml").getroot()
    loc = root.find(".//testcase[@name='loc']/error")
    assert loc is not None and "agreement: jq = libjq; gojq: exit 3" in (loc.text or "")
    known = root.find(".//testcase[@name='huge_exponent']/system-out")
    assert known is not None and (known.text or "").startswith("KNOWN failure: libjq rejects")
    assert "  ERROR manual/loc: gojq: exited with code 3\n" in done.stdout
    assert "        agreement: jq = libjq; gojq: exit 3\n" in done.stdout
    assert "FIXED manual/loc_fixed: gojq lacked $__loc__ (expected failure gone)" in done.stdout


def test_strict_empty_says_how_to_allow_it(run_cli: Cli, tmp_path: Path) -> None:
    spec = SPEC.replace("allow_empty: true\n", "").replace("name: manual", "name: strict")
    (tmp_path / "strict.yaml").write_text(spec)
    done = run_cli("run", "strict.yaml", "--report-dir", "out", "-k", "empty_stream")
    why = "empty stdout: not a value unless the spec or the target sets `allow_empty: true`"
    assert f"ERROR strict/empty_stream: gojq, jq, libjq: {why} (then: an empty stream)" in (
        done.stdout
    )
    assert "agreement" not in done.stdout  # nobody answered: nothing to show
