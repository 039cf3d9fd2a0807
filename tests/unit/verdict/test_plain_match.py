"""The cheap paths give what the general ones give, on generated answers full of traps
(true vs 1, 1 vs 1.0, 9007199254740993 vs ...992, key order, whitespace, \\u00e9 vs é):

* evaluate's plain-MATCH path (`evaluate.PLAIN`) against the general path: the whole
  CaseResult (verdict, tier, groups, facets, rule audit) and what the run stores of it;
* `del(.a, .b)` on the top object (`ops.Delete.top_keys`) against the general delete: the
  value, the counts and the samples;
* the audit's exact sameness of removed values (`_same_values`) against canonical texts.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yamlparity.core import jsonvalue
from yamlparity.core.jsonvalue import JSON, canonical
from yamlparity.results.records import CaseResults
from yamlparity.rules import normalize, ops
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec
from yamlparity.targets.base import RawObservation
from yamlparity.verdict import evaluate

# Leaves written as JSON text: pairs that a lenient comparison would confuse.
TRAPS = [
    "true",
    "false",
    "null",
    "1",
    "1.0",
    "1e0",
    "0",
    "-0",
    "9007199254740993",
    "9007199254740992",
    '"\\u00e9"',
    '"é"',
    '"1"',
    '"true"',
    "[]",
    "{}",
]
KEYS = ["a", "b", "ts", "elapsed_ms", "x"]
RULES = [
    [],
    ["del(.elapsed_ms)"],
    ["del(.elapsed_ms, .ts)"],
    ["del(.ts, .elapsed_ms, .ts)"],
    ["del(.elapsed_ms?)"],
    ["del(.elapsed_ms)", "del(.. | .ts?)"],
    ["del(.a.b)"],
    ["del(.x[0], .elapsed_ms)"],
    ['.elapsed_ms |= "<t>"'],
    ["del(.elapsed_ms)", "sort_by(.a)"],
]

Tree = Any  # a leaf's JSON text, a list of trees, or a list of (key, tree) pairs in a dict


def trees() -> st.SearchStrategy[Tree]:
    leaf = st.sampled_from(TRAPS)
    return st.recursive(
        leaf,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
        ),
        max_leaves=8,
    )


def render(tree: Tree, spaced: bool, reverse: bool) -> str:
    """JSON text of `tree`: keys in either order, with or without whitespace."""
    sep, colon = (", ", ": ") if spaced else (",", ":")
    if isinstance(tree, str):
        return tree
    if isinstance(tree, list):
        return "[" + sep.join(render(item, spaced, reverse) for item in tree) + "]"
    items = list(tree.items())[::-1] if reverse else list(tree.items())
    pairs = (f"{json.dumps(k)}{colon}{render(v, spaced, reverse)}" for k, v in items)
    return "{" + sep.join(pairs) + "}"


# Built once: a strategy built inside each example costs more than the example (measured:
# 9.4 s of CPU for 400 examples, most of it Hypothesis validating the fresh strategies).
LEAVES = st.sampled_from(TRAPS)
ANSWERS = st.dictionaries(st.sampled_from(KEYS), trees(), max_size=4)
HOW = st.sampled_from(["same", "reencoded", "elapsed", "mutated", "other"])


def mutated(data: st.DataObject, tree: Tree) -> Tree:
    """`tree` with one leaf changed (often into its trap twin), or a top key changed."""
    if isinstance(tree, str):
        return data.draw(LEAVES)
    if isinstance(tree, list):
        if not tree:
            return [data.draw(LEAVES)]
        at = data.draw(st.integers(0, len(tree) - 1))
        return [mutated(data, v) if i == at else v for i, v in enumerate(tree)]
    if not tree:
        return {"elapsed_ms": data.draw(LEAVES)}
    key = data.draw(st.sampled_from(sorted(tree)))
    return {k: mutated(data, v) if k == key else v for k, v in tree.items()}


def answer_pair(data: st.DataObject) -> tuple[str, str]:
    base = data.draw(ANSWERS)
    base.setdefault("elapsed_ms", data.draw(LEAVES))
    how = data.draw(HOW)
    other = base
    if how == "elapsed":
        other = {**base, "elapsed_ms": data.draw(LEAVES)}
    elif how == "mutated":
        other = mutated(data, base)
    elif how == "other":
        other = data.draw(ANSWERS)
    a = render(base, data.draw(st.booleans()), False)
    b = a if how == "same" else render(other, data.draw(st.booleans()), data.draw(st.booleans()))
    return a, b


def make_spec(folder: Path, kind: str, rules: list[str], extra: str = "") -> Spec:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "http":
        targets = "  a: {url: 'http://127.0.0.1:9'}\n  b: {url: 'http://127.0.0.1:9'}\n"
        extra += "compare: {facets: [status, body]}\n"
    else:
        targets = "  a: {run: [echo]}\n  b: {run: [echo]}\n"
    rule_lines = "".join(f"  - {json.dumps(rule)}\n" for rule in rules)
    path = folder / "spec.yaml"
    path.write_text(
        "name: plain\ntargets:\n"
        + targets
        + ("normalize:\n" + rule_lines if rules else "")
        + textwrap.dedent(extra)
        + "cases: [{name: c, input: null}]\n"
    )
    return load_spec(path)


def observations(spec: Spec, outputs: tuple[str, str], **fields: Any) -> dict[str, RawObservation]:
    code = {"status": 200} if spec.kind == "http" else {"exit_code": 0}
    return {
        name: RawObservation(
            target=name, duration=0.5 + n, stdout=out.encode(), **{**code, **fields}
        )
        for n, (name, out) in enumerate(zip(("a", "b"), outputs, strict=True))
    }


def both_paths(spec: Spec, raws: dict[str, RawObservation]) -> tuple[Any, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evaluate, "PLAIN", True)
        plain = evaluate.evaluate(spec, spec.cases[0], raws)
        patch.setattr(evaluate, "PLAIN", False)
        general = evaluate.evaluate(spec, spec.cases[0], raws)
    return plain, general


def stored(spec: Spec, result: Any) -> Any:
    """What a run keeps of the case (the engine drops a MATCH's outputs first)."""
    if result.verdict == "MATCH":
        for outcome in result.outcomes.values():
            outcome.facets = {}
            outcome.raw_excerpt = ""
    store = CaseResults(tuple(spec.targets), spec.compare.facets)
    store.append(result)
    store.finish()
    return store[0]


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Spec]:
    root = tmp_path_factory.mktemp("plain")
    return {
        (kind, n): make_spec(root / f"{kind}{n}", kind, rules)
        for kind in ("command", "http")
        for n, rules in enumerate(RULES)
    }


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_plain_path_gives_the_general_result(
    data: st.DataObject, specs: dict[tuple[str, int], Spec]
) -> None:
    kind = data.draw(st.sampled_from(["command", "http"]))
    spec = specs[kind, data.draw(st.integers(0, len(RULES) - 1))]
    raws = observations(spec, answer_pair(data))
    plain, general = both_paths(spec, raws)
    assert plain == general
    assert stored(spec, plain) == stored(spec, general)


@pytest.mark.parametrize(
    ("a", "b", "verdict"),
    [
        ('{"v": true, "elapsed_ms": 1}', '{"v": 1, "elapsed_ms": 2}', "DIFF"),
        ('{"v": 1, "elapsed_ms": 1}', '{"v": 1.0, "elapsed_ms": 1}', "DIFF"),
        ('{"v": 9007199254740993}', '{"v": 9007199254740992}', "DIFF"),
        ('{"v": "\\u00e9", "w": 1}', '{ "w" : 1 , "v": "é"}', "MATCH"),
        ('{"v": [1, {"k": false}]}', '{"v": [1, {"k": 0}]}', "DIFF"),
    ],
)
def test_traps_keep_their_verdict(tmp_path: Path, a: str, b: str, verdict: str) -> None:
    spec = make_spec(tmp_path, "command", ["del(.elapsed_ms)"])
    plain, general = both_paths(spec, observations(spec, (a, b)))
    assert plain == general
    assert plain.verdict == verdict


@pytest.mark.parametrize(
    ("extra", "fields", "verdict"),
    [
        ("known: [{cases: [c], reason: 'tracked'}]\n", {}, "FIXED"),
        ("expect: [{path: $.v, equals: 2}]\n", {}, "FAIL"),
        ("", {"failure": "timed out after 5 s"}, "ERROR"),
        ("", {"skipped": "not installed"}, "SKIP"),
        ("", {"exit_code": 3}, "ERROR"),
    ],
)
def test_cases_the_plain_path_leaves_to_the_general_one(
    tmp_path: Path, extra: str, fields: dict[str, Any], verdict: str
) -> None:
    spec = make_spec(tmp_path, "command", ["del(.elapsed_ms)"], extra)
    raws = observations(spec, ('{"v": 1, "elapsed_ms": 1}', '{"v": 1, "elapsed_ms": 2}'), **fields)
    plain, general = both_paths(spec, raws)
    assert plain == general
    assert plain.verdict == verdict


def test_every_target_failing_with_5xx_is_still_an_error(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, "http", [])
    plain, general = both_paths(spec, observations(spec, ("{}", "{}"), status=503))
    assert plain == general
    assert plain.verdict == "ERROR"


def general_delete(program: normalize.Program) -> normalize.Program:
    """The same rule with the top-key shortcut off (the general delete runs)."""
    op = program.op
    assert isinstance(op, ops.Delete)
    slow = ops.Delete(op.paths)
    object.__setattr__(slow, "top_keys", None)
    return normalize.Program(program.text, slow)


@settings(max_examples=300, deadline=None)
@given(
    tree=trees(),
    rule=st.sampled_from(
        ["del(.elapsed_ms)", "del(.a, .b)", "del(.b, .a, .b)", "del(.x?)", 'del(.["a"], .ts)']
    ),
    cap=st.integers(0, 3),
)
def test_top_key_delete_is_the_general_delete(tree: Tree, rule: str, cap: int) -> None:
    value = jsonvalue.loads(render(tree, False, False))
    program = normalize.compile_rule(rule)
    assert isinstance(program.op, ops.Delete) and program.op.top_keys is not None
    fast_stats, slow_stats = ops.RuleStats(max_samples=cap), ops.RuleStats(max_samples=cap)
    fast = normalize.apply(program, value, fast_stats)
    slow = normalize.apply(general_delete(program), value, slow_stats)
    assert canonical(fast) == canonical(slow)
    assert (fast is value) == (slow is value)  # an untouched value is shared, not copied
    assert fast_stats == slow_stats


def test_a_path_deeper_than_the_top_takes_the_general_delete() -> None:
    for rule in ("del(.a.b)", "del(.[0])", "del(.a[])", "del(.. | .ts?)", "del(.a, .b.c)"):
        op = normalize.compile_rule(rule).op
        assert isinstance(op, ops.Delete) and op.top_keys is None, rule


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TRAPS) | trees(), min_size=1, max_size=3), st.data())
def test_same_values_is_canonical_equality(trees_: list[Tree], data: st.DataObject) -> None:
    values: list[JSON] = [
        jsonvalue.loads(render(t, data.draw(st.booleans()), data.draw(st.booleans())))
        for t in trees_
    ]
    assert evaluate._same_values(values) == (len({canonical(v) for v in values}) == 1)


@pytest.mark.parametrize(
    ("texts", "same"),
    [
        (["true", "1"], False),
        (["1", "1.0"], False),
        (["9007199254740993", "9007199254740992"], False),
        (['"\\u00e9"', '"é"'], True),
        (['{"a": 1, "b": [true]}', '{"b":[true],"a":1}'], True),
        (["null", "null", "false"], False),
    ],
)
def test_same_values_on_traps(texts: list[str], same: bool) -> None:
    assert evaluate._same_values([jsonvalue.loads(text) for text in texts]) is same
