"""Golden files for every output format, from one deterministic SpecResult built here.

The golden files were read line by line when they were written; regenerate them with
`UPDATE_GOLDEN=1 python -m pytest tests/unit/report/test_formats.py` and read the diff before
committing.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.support.paths import GOLDEN, ROOT
from yamlparity import __version__
from yamlparity.core.jsonvalue import Number
from yamlparity.report.formats import paths_for, results_json, write_spec
from yamlparity.report.render import SHOWN_CHARS, TemplateChoice, context
from yamlparity.results.records import (
    CaseResult,
    Difference,
    ExpectationFailure,
    SpecResult,
    TargetInfo,
    TargetOutcome,
)

N = Number


def _outcome(target: str, stdout: object = None, **kwargs: object) -> TargetOutcome:
    facets = {} if stdout is None else {"stdout": stdout}
    return TargetOutcome(target=target, facets=facets, duration=0.25, exit_code=0, **kwargs)  # type: ignore[arg-type]


def _three(stdout: dict[str, object]) -> dict[str, TargetOutcome]:
    return {name: _outcome(name, value) for name, value in stdout.items()}


def sample_result() -> SpecResult:
    """Three targets, every verdict, unicode, a 64-bit id, a long output, a `|` and backticks."""
    long_text = [f"line {i:04d} ✓" for i in range(400)]
    cases = [
        CaseResult("all_agree", "MATCH", _three({"rust": None, "go": None, "python": None}),
                   facet_match={"stdout": True}, groups=[["rust", "go", "python"]], duration=0.5),
        CaseResult(
            "float_literal",
            "DIFF",
            _three({
                "rust": {"mean": N("2"), "id": N("9007199254740993"), "who": "Café ⭐"},
                "go": {"mean": N("2"), "id": N("9007199254740993"), "who": "Café ⭐"},
                "python": {"mean": N("2.0"), "id": N("9007199254740993"), "who": "Café ⭐"},
            }),
            differences=[Difference("stdout", ".mean", {"rust": N("2"), "go": N("2"),
                                                         "python": N("2.0")},
                                    note="same value, different literal")],
            facet_match={"stdout": False},
            groups=[["rust", "go"], ["python"]],
            duration=0.5,
        ),
        CaseResult(
            "pipe_and_ticks",
            "DIFF",
            _three({"rust": {"k|ey": "a`b"}, "go": {"k|ey": "a`b"}, "python": {}}),
            differences=[Difference("stdout", '.["k|ey"]', {"rust": "a`b", "go": "a`b"},
                                    missing=("python",))],
            facet_match={"stdout": False},
            groups=[["rust", "go"], ["python"]],
        ),
        CaseResult(
            "long_output",
            "DIFF",
            _three({"rust": {"lines": long_text}, "go": {"lines": long_text[:-1]},
                    "python": {"lines": long_text}}),
            differences=[Difference("stdout", ".lines[399]", {"rust": long_text[-1],
                                                              "python": long_text[-1]},
                                    missing=("go",))],
            facet_match={"stdout": False},
            groups=[["rust", "python"], ["go"]],
        ),
        CaseResult(
            "go_crashes",
            "ERROR",
            {
                "rust": _outcome("rust", {"ok": True}),
                "go": TargetOutcome("go", error="exit code 2 (expected 0)", exit_code=2,
                                    raw_excerpt="panic: runtime error\n"),
                "python": _outcome("python", {"ok": True}),
            },
            reason="go: exit code 2 (expected 0)",
            groups=[["rust", "python"]],  # who agrees among the targets that answered
            failures={"go": "exit 2"},
        ),
        CaseResult("wire_format", "KNOWN",
                   _three({"rust": {"e": "A"}, "go": {"e": "B"}, "python": {"e": "B"}}),
                   differences=[Difference("stdout", ".e", {"rust": "A", "go": "B",
                                                            "python": "B"})],
                   facet_match={"stdout": False}, groups=[["rust"], ["go", "python"]],
                   reason="enum tagging differs", link="https://tracker.example/DEC-12"),
        CaseResult("gap_closed", "FIXED", _three({"rust": None, "go": None, "python": None}),
                   facet_match={"stdout": True}, groups=[["rust", "go", "python"]],
                   reason="old gap", link="https://tracker.example/DEC-7"),
        CaseResult("expect_ok", "FAIL", _three({"rust": {"ok": False}, "go": {"ok": False},
                                                "python": {"ok": False}}),
                   facet_match={"stdout": True}, groups=[["rust", "go", "python"]],
                   expectation_failures=[ExpectationFailure("rust", "$.ok equals true",
                                                            "false")]),
        CaseResult("no_node", "SKIP", {
            "rust": _outcome("rust"), "go": TargetOutcome("go", skipped="go not installed"),
            "python": TargetOutcome("python", skipped="python not installed")},
            reason="go: go not installed; python: python not installed"),
    ]  # fmt: skip
    return SpecResult(
        name="sample",
        title="Sample — three runtimes",
        description="Every verdict, for golden files. `code` and *emphasis* are markdown.",
        file="specs/sample.yaml",
        kind="command",
        targets=[
            TargetInfo("rust", "command", "./target/release/helper"),
            TargetInfo("go", "command", "./bin/helper"),
            TargetInfo("python", "command", "python3 helper.py"),
        ],
        cases=cases,
        started="2025-01-02T03:04:05Z",
        finished="2025-01-02T03:04:09Z",
        facets=("stdout",),
    )


def _check_golden(name: str, text: str) -> None:
    text = text.replace(f"yamlparity {__version__}", "yamlparity VERSION")
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, "utf-8")
    assert text == path.read_text("utf-8"), f"{name} changed; see the module docstring"


@pytest.fixture
def written(tmp_path: Path) -> dict[str, Path]:
    out = write_spec(sample_result(), tmp_path / "sample.md", ("md", "html", "json", "junit"),
                     TemplateChoice())  # fmt: skip
    return out.paths


@pytest.mark.parametrize("fmt", ["md", "html", "json", "junit"])
def test_golden(written: dict[str, Path], fmt: str) -> None:
    name = paths_for(Path("sample.md"), [fmt])[fmt].name
    _check_golden(name, written[fmt].read_text("utf-8"))


def test_long_output_is_cut_and_written_beside_the_report(
    written: dict[str, Path], tmp_path: Path
) -> None:
    full = tmp_path / "sample" / "long_output.rust.json"
    text = full.read_text("utf-8")
    assert len(text) > SHOWN_CHARS and "line 0399 ✓" in text  # unicode as itself
    report = written["md"].read_text("utf-8")
    assert "[full output](sample/long_output.rust.json)" in report
    assert "line 0399" not in report.split("**rust**")[-1].split("**go**")[0].split("```")[1]


def test_differing_paths_come_before_the_outputs(written: dict[str, Path]) -> None:
    report = written["md"].read_text("utf-8")
    section = report[report.index("DIFF — <code>float_literal</code>") :]
    assert section.index("**Differing paths:**") < section.index("**rust**")
    assert "| stdout | `.mean` — same value, different literal | `2` | `2` | `2.0` |" in section
    assert '"who": "Café ⭐"' in section


def test_three_way_groups_pairs_and_odd_one_out() -> None:
    data = context(sample_result())
    cases = {c["name"]: c for c in data["cases"]}
    assert cases["float_literal"]["groups_text"] == "rust = go ≠ python"
    assert cases["float_literal"]["odd"] == ["python"]
    pairs = {(p["a"], p["b"]): (p["agree"], p["compared"]) for p in data["pairs"]}
    # Compared cases: all but the ERROR and SKIP ones (7); rust/go split on long_output,
    # wire_format.
    assert pairs[("rust", "go")] == (5, 7)
    assert pairs[("go", "python")] == (4, 7)
    assert data["odd_one_out"] == "python"
    assert data["odd_counts"] == [
        {"target": "python", "count": 2},
        {"target": "rust", "count": 1},
        {"target": "go", "count": 1},
    ]


def test_json_results_follow_the_published_schema_and_keep_numbers_exact(
    written: dict[str, Path],
) -> None:
    text = written["json"].read_text("utf-8")
    data = json.loads(text)
    schema = json.loads((ROOT / "docs" / "results-schema.json").read_text("utf-8"))
    jsonschema.validate(data, schema)
    assert data["schema_version"] == 1
    assert '"python": 2.0' in text and '"id": 9007199254740993' in text


def test_json_results_round_trip_into_the_same_template_context(
    written: dict[str, Path],
) -> None:
    again = results_json.loads(written["json"].read_text("utf-8"))
    assert context(again) == context(sample_result())


def test_junit_maps_verdicts_to_junit_outcomes(written: dict[str, Path]) -> None:
    root = ET.parse(written["junit"]).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    kinds = {name: [child.tag for child in case] for name, case in cases.items()}
    assert kinds == {
        "all_agree": [],
        "float_literal": ["failure"],
        "pipe_and_ticks": ["failure"],
        "long_output": ["failure"],
        "go_crashes": ["error"],
        "wire_format": ["system-out"],
        "gap_closed": ["failure"],
        "expect_ok": ["failure"],
        "no_node": ["skipped"],
    }
    failure = cases["float_literal"].find("failure")
    assert failure is not None and failure.text is not None
    assert "stdout .mean: rust=2  go=2  python=2.0" in failure.text
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"),
            suite.get("skipped")) == ("9", "5", "1", "1")  # fmt: skip
