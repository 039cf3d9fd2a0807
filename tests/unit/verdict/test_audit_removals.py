"""Which changes the rule audit checks: a rule that replaces an array with another array
removed values unless it only reordered them (the same elements, exactly, in another order).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yamlparity.core.jsonvalue import canonical, loads
from yamlparity.results.records import CaseResult, MaskedValue
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec
from yamlparity.targets.base import RawObservation
from yamlparity.verdict import evaluate


def make_spec(folder: Path, rule: str, targets: list[str] | None = None) -> Spec:
    entry = {"rule": rule} if targets is None else {"rule": rule, "targets": targets}
    path = folder / "spec.yaml"
    path.write_text(
        "name: removals\n"
        "targets: {a: {run: [echo]}, b: {run: [echo]}}\n"
        f"normalize: [{json.dumps(entry)}]\n"
        "cases: [{name: c, input: null}]\n"
    )
    return load_spec(path)


def evaluated(spec: Spec, a: str, b: str, plain: bool) -> CaseResult:
    raws = {
        name: RawObservation(target=name, exit_code=0, stdout=out.encode())
        for name, out in (("a", a), ("b", b))
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evaluate, "PLAIN", plain)  # the plain-MATCH path and the general one
        return evaluate.evaluate(spec, spec.cases[0], raws)


def masked(tmp_path: Path, rule: str, a: str, b: str, **kw: list[str]) -> list[MaskedValue]:
    spec = make_spec(tmp_path, rule, kw.get("targets"))
    found = []
    for plain in (True, False):
        result = evaluated(spec, a, b, plain)
        assert result.verdict == "MATCH"  # the rule makes them agree: only the audit can tell
        found.append([m for effect in result.rule_effects for m in effect.masked])
    assert found[0] == found[1]
    return found[0]


@pytest.mark.parametrize(
    ("rule", "a", "b", "path"),
    [
        (".tags |= unique", '{"tags": ["x", "x", "y"]}', '{"tags": ["y", "x"]}', ".tags"),
        (".items = []", '{"items": [1, 2]}', '{"items": [3]}', ".items"),
        ('.more |= ["x"]', '{"more": [5]}', '{"more": [6, 7]}', ".more"),
        ("mask(.m3; [])", '{"m3": [1]}', '{"m3": [2]}', ".m3"),
        (".nest[] |= unique", '{"nest": [["a", "a"]]}', '{"nest": [["a"]]}', ".nest[0]"),
        # Same length, other elements: not a reordering either.
        ('.t |= ["z", "y"]', '{"t": ["y", "x"]}', '{"t": ["y", "w"]}', ".t"),
    ],
)
def test_an_array_replaced_by_another_array_is_audited(
    tmp_path: Path, rule: str, a: str, b: str, path: str
) -> None:
    (found,) = masked(tmp_path, rule, a, b)
    assert found.path == path


@pytest.mark.parametrize(
    ("rule", "a", "b"),
    [
        (".tags |= sort", '{"tags": ["x", "y", "x"]}', '{"tags": ["y", "x", "x"]}'),
        ("sort_by(.k)", '[{"k": 2}, {"k": 1}]', '[{"k": 1}, {"k": 2}]'),
        (".tags |= unique", '{"tags": ["y", "x"]}', '{"tags": ["x", "y"]}'),
        # The same repeat dropped on both, in another order: only the order was hidden (by a
        # rule that rewrites arrays, which may hide an order difference and nothing else).
        (".tags |= unique", '{"tags": ["x", "y", "x"]}', '{"tags": ["y", "x", "x"]}'),
        # Objects by their content: key order is no difference.
        ('.o |= [{"b": 2, "a": 1}]', '{"o": [{"a": 1, "b": 2}]}', '{"o": [{"a": 1, "b": 2}]}'),
    ],
)
def test_a_true_reordering_is_not_audited(tmp_path: Path, rule: str, a: str, b: str) -> None:
    assert masked(tmp_path, rule, a, b) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("[1]", "[1.0]"),  # 1 is not 1.0
        ("[true]", "[1]"),  # true is not 1
        ("[9007199254740993]", "[9007199254740992]"),
        ('["1"]', "[1]"),
        ("[[1, 2]]", "[[2, 1]]"),  # an element's own order is content
    ],
)
def test_a_reordering_keeps_exactly_the_same_elements(tmp_path: Path, old: str, new: str) -> None:
    # `.v |= NEW` on a, which already holds NEW on b: a "reordering" only if exactly equal.
    (found,) = masked(tmp_path, f".v |= {new}", f'{{"v": {old}}}', f'{{"v": {new}}}')
    assert found.path == ".v"
    # b already held it (the rule changed nothing there): shown with the value it sent, not
    # as a target that sent nothing.
    assert list(found.values) == ["a", "b"]
    assert canonical(found.values["b"]) == canonical(loads(new))
    assert found.missing == ()


def test_a_rule_for_one_target_replacing_its_array_is_audited(tmp_path: Path) -> None:
    rule, a, b = ".tags |= unique", '{"tags": ["x"]}', '{"tags": ["x", "x"]}'
    (found,) = masked(tmp_path, rule, a, b, targets=["b"])
    assert found.path == ".tags"
    (tmp_path / "sorted").mkdir()
    rule, a, b = ".tags |= sort", '{"tags": ["x", "y"]}', '{"tags": ["y", "x"]}'
    assert masked(tmp_path / "sorted", rule, a, b, targets=["b"]) == []
