"""Reading results back (template-context --from-results): nothing but the baseline and the
full-output links is lost, and fields are type-checked exactly."""

from __future__ import annotations

import dataclasses
import gc
import json
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY
from yamlparity.core import gcpause
from yamlparity.core.errors import SpecError
from yamlparity.report.formats import results_json
from yamlparity.report.render import SpecShape, context, synthetic_result


def test_rule_audit_survives_the_round_trip() -> None:
    result = synthetic_result(SpecShape())
    again = results_json.loads(results_json.dumps(result))
    before, after = context(result), context(again)
    assert before["analysis"]["rules"] and before["analysis"]["flagged"]
    assert after["analysis"] == before["analysis"]
    assert after == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("schema_version", True, "schema_version true is not supported"),
        ("schema_version", 1.0, "schema_version 1.0 is not supported"),
        ("schema_version", "1", 'schema_version "1" is not supported'),
        ("interrupted", 1, "SpecResult.interrupted: 1"),
        ("name", 7, "SpecResult.name: 7"),
        ("rules", ["x"], 'SpecResult.rules: ["x"]'),
        ("intended_rules", "why", 'SpecResult.intended_rules: "why"'),
    ],
)
def test_types_are_checked_exactly(field: str, value: object, message: str) -> None:
    data = json.loads(results_json.dumps(synthetic_result(SpecShape())))
    data[field] = value
    with pytest.raises(SpecError) as info:
        results_json.loads(json.dumps(data))
    assert message in info.value.message


def test_a_case_field_of_the_wrong_type_is_refused() -> None:
    data = json.loads(results_json.dumps(synthetic_result(SpecShape())))
    data["cases"][0]["verdict"] = "MAYBE"
    with pytest.raises(SpecError, match=r"CaseResult\.verdict"):
        results_json.loads(json.dumps(data))


def test_template_context_from_results_keeps_flagged_rules(tmp_path: Path) -> None:
    """A real run where a rule deletes a differing field: the audit flags it, and the context
    rebuilt from the JSON results still does."""
    for name, stamp in (("a.py", 1), ("b.py", 2)):
        (tmp_path / name).write_text(f'print(\'{{"ok": true, "ts": {stamp}}}\')\n')
    (tmp_path / "s.yaml").write_text(
        "name: s\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, a.py]}}\n"
        f"  b: {{run: [{HELPER_PY}, b.py]}}\n"
        "normalize: [del(.ts)]\n"
        "cases:\n"
        "  - {name: c, input: {}}\n"
    )
    (tmp_path / ".git").mkdir()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, cwd=tmp_path, timeout=120)

    assert cli("run", "s.yaml", "--format", "json", "--report-dir", "out").returncode == 0
    live = json.loads(cli("template-context", "s.yaml").stdout)
    done = cli("template-context", "--from-results", "out/s.json")
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    assert read["analysis"]["flagged"] and read["analysis"]["rules"]
    assert read["analysis"]["flagged"] == live["analysis"]["flagged"]
    assert read["analysis"]["rules"] == live["analysis"]["rules"]


def _large_results() -> str:
    """A results file past gcpause.LARGE (the sample run's cases, again and again)."""
    from tests.unit.report.test_formats import sample_result

    sample = sample_result()
    many = dataclasses.replace(sample, cases=list(sample.cases) * 60)
    text = results_json.dumps(many)
    assert len(text) >= gcpause.LARGE
    return text


def test_a_large_results_file_is_read_without_collections() -> None:
    """The parsed tree and the records made from it form no cycle: the collector's passes
    over them were half the time a 10,000-case file took to read (bench/README.md). One
    collection may start as the collector resumes (the allocations counted meanwhile)."""
    text = _large_results()
    collections: list[str] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(phase)

    gc.callbacks.append(count)
    try:
        back = results_json.loads(text)
    finally:
        gc.callbacks.remove(count)
    assert len(collections) <= 1, collections
    assert len(back.cases) == len(json.loads(text)["cases"])
    assert gc.isenabled()


def test_a_malformed_large_results_file_leaves_the_collector_on() -> None:
    text = _large_results().replace('"verdict": "MATCH"', '"verdict": 1', 1)
    with pytest.raises(SpecError, match="malformed results file"):
        results_json.loads(text)
    assert gc.isenabled()
