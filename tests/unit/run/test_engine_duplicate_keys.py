"""A target answer with a key written twice fails the gate (ERROR), never a silent MATCH."""

from __future__ import annotations

from pathlib import Path

from yamlparity.run.engine import RunOptions, run_spec
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Target
from yamlparity.targets.base import Invocation, Pending, RawObservation

SPEC = """\
name: dupes
targets:
  a: {url: "http://127.0.0.1:9"}
  b: {url: "http://127.0.0.1:9"}
compare: {facets: [status, body]}
cases:
  - {name: dup, input: 1}
"""

ANSWERS = {"a": b'{"x": 1,\n "x": 2}', "b": b'{"x": 2}'}


class Fixed:
    def __init__(self, target: Target) -> None:
        self.name = target.name

    def start(self) -> None:
        return None

    def execute(self, invocation: Invocation) -> RawObservation:
        return RawObservation(self.name, status=200, stdout=ANSWERS[self.name])

    def begin(self, invocation: Invocation) -> Pending:
        raw = self.execute(invocation)
        return lambda: raw

    def close(self) -> None:
        return None

    def describe(self) -> str:
        return "fixed answer"


def test_duplicate_keys_in_an_answer_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SPEC)
    spec = load_spec(tmp_path / "s.yaml", environ={})
    case = run_spec(spec, RunOptions(jobs=1), adapter_factory=Fixed).cases[0]
    assert case.verdict == "ERROR"
    assert "duplicate key 'x' (parser-dependent meaning) (line 2, column 2)" in case.reason
