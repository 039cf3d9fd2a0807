"""Compare options are layered: a narrower path overrides a broader one, and that is no
contradiction. Two settings of one option for one scope are (tests/bad_specs/compare_*)."""

from __future__ import annotations

from pathlib import Path

from yamlparity.core.jsonvalue import Number
from yamlparity.results.records import Difference
from yamlparity.spec.load import load_spec
from yamlparity.verdict.compare import diff_json

LAYERED = """\
name: layered
targets:
  a: {run: [cat]}
  b: {run: [cat]}
cases: [{name: one, input: 1}]
compare:
  numbers: literal
  arrays: set
  paths:
    .: {key: id}
    .price: {tolerance: {abs: 0.01}}
    .price.cents: {numbers: literal}
    .tags: {arrays: multiset}
    .["tags"]: {key: name}
"""


def test_a_narrower_path_overrides_a_broader_one(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(LAYERED)
    settings = load_spec(tmp_path / "spec.yaml", {}).compare
    one, exact = Number("1"), Number("1.0")

    def differences(a: object, b: object) -> list[Difference]:
        return diff_json({"a": a, "b": b}, settings, "stdout")  # type: ignore[dict-item]

    # The tolerance applies at .price, numbers: literal again at .price.cents and outside.
    assert differences({"price": {"x": one}}, {"price": {"x": exact}}) == []
    assert differences({"price": {"cents": one}}, {"price": {"cents": exact}})
    assert differences({"other": one}, {"other": exact})
