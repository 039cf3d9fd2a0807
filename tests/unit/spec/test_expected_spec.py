"""Loading issue 11's spec keys: `allow_empty`, `known: [{error, targets}]`, a case's `skip` and
`targets` (inline and in fixture rows). Mistakes are spec errors at their line, with a hint."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from yamlparity.core.errors import SpecError
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec

TARGETS = """\
name: t
targets:
  a: {run: [a]}
  b: {run: [b]}
  c: {run: [c], allow_empty: false}
"""


def load(tmp_path: Path, text: str) -> Spec:
    path = tmp_path / "t.yaml"
    path.write_text(TARGETS + textwrap.dedent(text))
    return load_spec(path, {})


def error(tmp_path: Path, text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        load(tmp_path, text)
    return info.value


def test_allow_empty_at_spec_and_target_level(tmp_path: Path) -> None:
    spec = load(tmp_path, "allow_empty: true\ncases: [{name: x}]\n")
    assert spec.allow_empty is True
    assert (spec.allows_empty("a"), spec.allows_empty("c")) == (True, False)
    assert load(tmp_path, "cases: [{name: x}]\n").allows_empty("a") is False


def test_known_error_entries(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        """\
        known:
          - {cases: [x], error: exited with code 3, targets: [b], reason: r1}
          - {cases: [x], error: "/code [34]/", reason: r2}
          - {cases: [x], reason: a plain divergence}
        cases: [{name: x}]
        """,
    )
    first, second, third = spec.known
    assert (first.error, first.error_regex, first.targets) == ("exited with code 3", None, ("b",))
    assert isinstance(second.error_regex, re.Pattern) and second.targets is None
    assert third.error is None and third.targets is None


@pytest.mark.parametrize(
    ("entry", "message", "hint"),
    [
        ("{cases: [x], targets: [a], reason: r}", "names the targets expected to fail", "error:"),
        ("{cases: [x], error: e, facets: [stdout], reason: r}", "has no facets", "remove"),
        ('{cases: [x], error: "/(/", reason: r}', "bad regular expression", "/regex/"),
        ("{cases: [x], error: e, targets: [z], reason: r}", "unknown target 'z'", "targets:"),
    ],
)
def test_known_error_mistakes(tmp_path: Path, entry: str, message: str, hint: str) -> None:
    problem = error(tmp_path, f"known:\n  - {entry}\ncases: [{{name: x}}]\n")
    assert message in problem.message
    assert hint in (problem.hint or "")
    assert problem.location is not None and problem.location.line == 7


def test_inline_case_scope(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        """\
        cases:
          - {name: x, skip: flaky upstream}
          - {name: y, targets: [a, c]}
          - {name: z}
        """,
    )
    x, y, z = spec.cases
    assert (x.skip, x.targets) == ("flaky upstream", None)
    assert (y.skip, y.targets) == (None, ("a", "c"))
    assert (z.skip, z.targets) == (None, None)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("{name: x, targets: [a]}", "targets needs at least 2 items"),  # the schema says so
        ("{name: x, targets: [a, a]}", "targets lists the same value twice"),
        ("{name: x, targets: [a, q]}", "unknown target 'q'"),
        ('{name: x, skip: ""}', "skip"),
    ],
)
def test_inline_case_scope_mistakes(tmp_path: Path, case: str, message: str) -> None:
    problem = error(tmp_path, f"cases:\n  - {case}\n")
    assert message in problem.message
    assert problem.location is not None and problem.location.line == 7


def test_fixture_rows_carry_skip_and_targets(tmp_path: Path) -> None:
    rows = [
        {"name": "x", "input": 1, "skip": "DEC-40"},
        {"name": "y", "input": 2, "targets": ["b", "c"]},
    ]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = load(tmp_path, "cases_from: [rows.jsonl]\n")
    x, y = spec.cases  # read back when their cases run
    assert (x.skip, x.targets) == ("DEC-40", None)
    assert (y.skip, y.targets) == (None, ("b", "c"))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"name": "x", "skip": 3}, '"skip" must be a non-empty string'),
        ({"name": "x", "targets": "a"}, '"targets" must be a list of target names'),
        ({"name": "x", "targets": ["a"]}, "at least two distinct targets"),
        ({"name": "x", "targets": ["a", "nope"]}, "unknown target 'nope'"),
        ({"name": "x", "skp": "r"}, "unknown key 'skp'"),
    ],
)
def test_fixture_row_mistakes(tmp_path: Path, row: dict[str, object], message: str) -> None:
    (tmp_path / "rows.jsonl").write_text('{"name": "ok"}\n' + json.dumps(row) + "\n")
    problem = error(tmp_path, "cases_from: [rows.jsonl]\n")
    assert message in problem.message
    assert problem.location is not None
    assert problem.location.file.endswith("rows.jsonl") and problem.location.line == 2
    assert problem.hint
