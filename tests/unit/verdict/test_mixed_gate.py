"""Verdicts of a spec mixing a command and an HTTP target (spec/align.py, gate._gate_mixed):
exact, whichever path evaluates them (whole trees, or element by element for large answers)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from yamlparity.core import gcpause
from yamlparity.results.records import CaseResult
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec
from yamlparity.targets.base import RawObservation
from yamlparity.verdict import evaluate as evaluate_module
from yamlparity.verdict.evaluate import evaluate

TARGETS = """\
targets:
  cli: {run: [cli]}
  web: {url: "http://127.0.0.1:9/"}
cases: [{name: c, input: 1}]
"""


def spec_of(tmp_path: Path, extra: str = "") -> Spec:
    path = tmp_path / "t.yaml"
    path.write_text(TARGETS + textwrap.dedent(extra))
    return load_spec(path, {})


def verdict_of(spec: Spec, code: int, status: int, out: bytes, body: bytes) -> CaseResult:
    raws = {
        "cli": RawObservation(target="cli", exit_code=code, stdout=out, duration=0.1),
        "web": RawObservation(target="web", status=status, stdout=body, duration=0.1),
    }
    return evaluate(spec, spec.cases[0], raws)


OUTCOMES = [
    # exit code, status, verdict: the class of each, never the numbers, is compared
    (0, 200, "MATCH"),
    (0, 204, "MATCH"),
    (2, 404, "MATCH"),
    (1, 500, "ERROR"),  # every target failed, one of them with a server error
    (0, 302, "DIFF"),
    (0, 404, "DIFF"),
    (200, 200, "DIFF"),  # exit 200 is a failure, whatever the number
    (3, 200, "DIFF"),
]


@pytest.mark.parametrize(("code", "status", "verdict"), OUTCOMES)
def test_outcomes_compare_classes(tmp_path: Path, code: int, status: int, verdict: str) -> None:
    spec = spec_of(tmp_path, "align: {exit_code: status}\n")
    result = verdict_of(spec, code, status, b'{"v": 1}', b'{"v": 1}')
    assert result.verdict == verdict, result.reason
    if verdict == "DIFF":
        assert [d.facet for d in result.differences] == ["outcome"]


@pytest.mark.parametrize(("code", "status"), [(1, 200), (0, 404), (0, 302)])
def test_without_alignment_a_failure_is_an_error(tmp_path: Path, code: int, status: int) -> None:
    result = verdict_of(spec_of(tmp_path), code, status, b'{"v": 1}', b'{"v": 1}')
    assert result.verdict == "ERROR"
    assert "not a success" in result.reason and "align: {exit_code: status}" in result.reason


@pytest.mark.parametrize("elementwise", [True, False])
def test_large_answers_give_the_same_verdicts(
    tmp_path: Path, elementwise: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluate_module, "ELEMENTWISE", elementwise)
    spec = spec_of(tmp_path, "align: {exit_code: status}\nnormalize: [del(.ts)]\n")
    items = b",".join(b'{"id": %d, "name": "item"}' % i for i in range(gcpause.LARGE // 20))
    same = b'{"ts": 1, "items": [' + items + b"]}"
    other = b'{"ts": 2, "items": [' + items + b"]}"
    assert len(same) > gcpause.LARGE
    match = verdict_of(spec, 0, 200, same, other)
    assert (match.verdict, match.tier) == ("MATCH", "normalized")
    # The element-by-element path keeps each answer as received (no whole tree was built).
    assert match.outcomes["cli"].as_received == (["answer"] if elementwise else [])
    changed = other.replace(b'{"id": 7, "name": "item"}', b'{"id": 7, "name": "Item"}')
    diff = verdict_of(spec, 0, 200, same, changed)
    assert diff.verdict == "DIFF"
    assert [(d.facet, d.path) for d in diff.differences] == [("answer", ".items[7].name")]
    failed = verdict_of(spec, 0, 422, same, other)
    assert failed.verdict == "DIFF"
    assert [d.facet for d in failed.differences] == ["outcome"]
