"""Large outputs compared element by element (yamlparity/elementwise.py) give the results the
whole-tree path gives: same verdict, differences, tier, groups and rule audit. Each case is
evaluated both ways on the same raw outputs (the size threshold and slice length are lowered so
small documents take the element-wise path, sliced into several slices)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import SERVERS
from yamlparity.core import gcpause
from yamlparity.core.jsonvalue import Number, RawJson, canonical
from yamlparity.results.records import CaseResult
from yamlparity.rules.normalize import compile_rule
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec
from yamlparity.targets.base import RawObservation
from yamlparity.verdict import elementwise, evaluate


@pytest.fixture(autouse=True)
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gcpause, "LARGE", 1)
    monkeypatch.setattr(elementwise, "SLICE", 3)


def make_spec(
    folder: Path,
    rules: list[str] | list[dict[str, Any]],
    extra: str = "",
    targets: int = 2,
    compare: str = "{facets: [status, body]}",
) -> Spec:
    names = "abc"[:targets]
    lines = "".join(f"  {n}: {{url: 'http://127.0.0.1:9'}}\n" for n in names)
    rule_lines = "".join(f"  - {json.dumps(rule)}\n" for rule in rules)
    path = folder / "spec.yaml"
    path.write_text(
        "name: big\ntargets:\n"
        + lines
        + ("normalize:\n" + rule_lines if rules else "")
        + f"compare: {compare}\n"
        + textwrap.dedent(extra)
        + "cases: [{name: c, input: null}]\n"
    )
    return load_spec(path)


def raws(bodies: dict[str, str], status: int = 200) -> dict[str, RawObservation]:
    return {
        name: RawObservation(target=name, status=status, stdout=body.encode())
        for name, body in bodies.items()
    }


def both_ways(
    spec: Spec, bodies: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> tuple[CaseResult, CaseResult]:
    monkeypatch.setattr(evaluate, "ELEMENTWISE", True)
    fast = evaluate.evaluate(spec, spec.cases[0], raws(bodies))
    monkeypatch.setattr(evaluate, "ELEMENTWISE", False)
    whole = evaluate.evaluate(spec, spec.cases[0], raws(bodies))
    return fast, whole


def took_elementwise(result: CaseResult) -> bool:
    return all(isinstance(o.facets.get("body"), RawJson) for o in result.outcomes.values())


def summary(result: CaseResult) -> dict[str, Any]:
    return {
        "verdict": result.verdict,
        "reason": result.reason,
        "tier": result.tier,
        "groups": result.groups,
        "differences": [
            (
                d.facet,
                d.path,
                d.missing,
                d.note,
                sorted((k, canonical(v)) for k, v in d.values.items()),
            )
            for d in result.differences
        ],
        "effects": [
            (
                e.rule,
                e.changed,
                e.skipped,
                e.masked_paths,
                [m.path for m in e.masked],
                [(k.target, k.path) for k in e.skipped_samples],
            )
            for e in result.rule_effects
        ],
    }


def rows(n: int, **change: Any) -> list[dict[str, Any]]:
    out = [
        {"id": i, "name": f"row-{i}", "ts": 1700000000 + i, "tags": ["a", i % 3], "v": i * 1.5}
        for i in range(n)
    ]
    for key, value in change.items():
        index, field = key.split("_", 1)
        out[int(index.removeprefix("r"))][field] = value
    return out


A = json.dumps({"elapsed_ms": 1.5, "rows": rows(10), "next": None})


@pytest.mark.parametrize(
    ("rules", "b", "verdict"),
    [
        ([], A, "MATCH"),
        (
            ["del(.elapsed_ms)"],
            json.dumps({"elapsed_ms": 9, "rows": rows(10), "next": None}),
            "MATCH",
        ),
        (
            ["del(.elapsed_ms)", "del(.. | .ts?)"],
            json.dumps({"elapsed_ms": 2, "rows": rows(10, r4_ts=0), "next": None}),
            "MATCH",
        ),
        (
            ["del(.elapsed_ms, .rows[7].name)"],
            json.dumps({"elapsed_ms": 2, "rows": rows(10, r7_name="x", r8_name="y"), "next": None}),
            "DIFF",
        ),
        (
            ["del(.elapsed_ms)"],
            A.replace('"v": 7.5', '"v": 7.50').replace('"elapsed_ms": 1.5', '"elapsed_ms": 1'),
            "DIFF",
        ),
        ([], json.dumps({"elapsed_ms": 1.5, "rows": rows(8), "next": None}), "DIFF"),
        ([], json.dumps({"elapsed_ms": 1.5, "rows": rows(12), "next": None}), "DIFF"),
        ([], json.dumps({"elapsed_ms": 1.5, "rows": rows(10, r9_id=True), "next": None}), "DIFF"),
        (
            ['mask(.rows[].ts; "<ts>"; timestamp)'],
            json.dumps({"elapsed_ms": 1.5, "rows": rows(10, r2_ts="soon"), "next": None}),
            "DIFF",
        ),
        (
            ["(.rows[].tags) |= sort"],
            json.dumps({"elapsed_ms": 1.5, "rows": rows(10, r3_tags=[0, "a"]), "next": None}),
            "MATCH",
        ),
        ([".rows[].extra = 1"], A, "MATCH"),
    ],
)
def test_same_results_as_whole_trees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: list[str], b: str, verdict: str
) -> None:
    spec = make_spec(tmp_path, rules)
    fast, whole = both_ways(spec, {"a": A, "b": b}, monkeypatch)
    assert took_elementwise(fast) and not took_elementwise(whole)
    assert fast.verdict == verdict
    assert summary(fast) == summary(whole)


def test_a_top_level_array_and_three_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = make_spec(tmp_path, ["del(.[].ts)"], targets=3)
    bodies = {
        "a": json.dumps(rows(11)),
        "b": json.dumps(rows(11, r10_name="odd")),
        "c": json.dumps(rows(11, r0_ts=1)),
    }
    fast, whole = both_ways(spec, bodies, monkeypatch)
    assert took_elementwise(fast)
    assert fast.verdict == "DIFF" and [d.path for d in fast.differences] == [".[10].name"]
    assert summary(fast) == summary(whole)


def nested(rows_: list[dict[str, Any]], total: object = 10) -> str:
    return json.dumps({"data": {"search": {"edges": rows_, "total": total}}, "ms": 1})


@pytest.mark.parametrize(
    ("rules", "b", "elementwise_path"),
    [
        (["del(.data.search.edges[].ts)"], nested(rows(10, r3_ts=0)), True),
        (["del(.. | .ts?)", "del(.ms)"], nested(rows(10, r9_name="x"), total=11), True),
        (["del(.data.search.total, .data.search.edges[2].v)"], nested(rows(10, r2_v=0), 1), True),
        ([".data.search |= del(.total)"], nested(rows(10)), False),  # holds the array
        (["del(.data[] | .total?)"], nested(rows(10)), False),  # iterates an object holding it
        (["(.. | .search?) |= del(.total)"], nested(rows(10)), False),
    ],
)
def test_arrays_inside_wrapper_objects(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rules: list[str],
    b: str,
    elementwise_path: bool,
) -> None:
    spec = make_spec(tmp_path, rules)
    fast, whole = both_ways(spec, {"a": nested(rows(10)), "b": b}, monkeypatch)
    assert took_elementwise(fast) == elementwise_path
    assert summary(fast) == summary(whole)


def test_a_big_map_is_not_a_wrapper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    by_id = {f"u{i}": {"tags": [i, "x"], "ts": i} for i in range(40)}
    other = {**by_id, "u30": {"tags": [30, "y"], "ts": 0}}
    spec = make_spec(tmp_path, ["del(.. | .ts?)"])
    fast, whole = both_ways(
        spec, {"a": json.dumps({"by_id": by_id}), "b": json.dumps({"by_id": other})}, monkeypatch
    )
    assert took_elementwise(fast)
    assert [d.path for d in fast.differences] == [".by_id.u30.tags[1]"]
    assert summary(fast) == summary(whole)


def test_the_difference_is_located_and_the_output_shown_as_it_arrived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = make_spec(tmp_path, ["del(.elapsed_ms)"])
    b = json.dumps({"elapsed_ms": 3, "rows": rows(10, r8_name="changed"), "next": None})
    fast, _ = both_ways(spec, {"a": A, "b": b}, monkeypatch)
    (diff,) = fast.differences
    assert diff.path == ".rows[8].name"
    assert {k: canonical(v) for k, v in diff.values.items()} == {"a": '"row-8"', "b": '"changed"'}
    body = fast.outcomes["b"].facets["body"]
    assert isinstance(body, RawJson) and body.text == b


U1, U2, U3 = (f"{n}0000000-0000-4000-8000-000000000000" for n in (1, 2, 3))


@pytest.mark.parametrize(
    ("rule", "a", "b"),
    [
        # one path into the array: strings are numbered in element order, whole or sliced
        (
            '.rows[] |= scrub("[A-Z]"; "<{n}>")',
            {"rows": list("ABCABC")},
            {"rows": list("ABCDEF")},
        ),
        (
            "scrub(.rows[].id; uuid)",
            {"rows": [{"id": U1}] * 4},
            {"rows": [{"id": U2}] * 3 + [{"id": U3}]},
        ),
        # paths outside the array (calibrate's "one id at two paths")
        (
            'scrub(.request_id, .audit.request; uuid; "<uuid_{n}>")',
            {"request_id": U1, "audit": {"request": U1}, "rows": [1, 2, 3, 4]},
            {"request_id": U2, "audit": {"request": U3}, "rows": [1, 2, 3, 4]},
        ),
    ],
)
def test_numbering_scrubs_that_keep_their_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule: str, a: Any, b: Any
) -> None:
    spec = make_spec(tmp_path, [rule])
    fast, whole = both_ways(spec, {"a": json.dumps(a), "b": json.dumps(b)}, monkeypatch)
    assert took_elementwise(fast)
    assert fast.verdict == "DIFF"
    assert summary(fast) == summary(whole)


def test_audit_samples_are_in_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec(tmp_path, ["del(.. | .ts?)"])
    a = {"ts": 1, "rows": [{"ts": 1}, {"ts": 2}, {"ts": 3}, {"ts": 4}]}
    b = {"ts": 9, "rows": [{"ts": 5}, {"ts": 6}, {"ts": 7}, {"ts": 8}]}
    fast, whole = both_ways(spec, {"a": json.dumps(a), "b": json.dumps(b)}, monkeypatch)
    assert took_elementwise(fast)
    masked = [m.path for m in fast.rule_effects[0].masked]
    assert masked == [".rows[0].ts", ".rows[1].ts", ".rows[2].ts"]
    assert summary(fast) == summary(whole)


def test_a_change_outside_the_arrays_stays_among_the_audit_samples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 60 elements skipped by the shape (over the 50 samples kept), one top-level id masked:
    # its divergence must still be reported, as the whole tree (which meets it first) does.
    rows_ = [{"id": f"row-{i}"} for i in range(60)]
    spec = make_spec(tmp_path, ["mask(.. | .id?; 0; uuid)"])
    a, b = json.dumps({"id": U1, "rows": rows_}), json.dumps({"id": U2, "rows": rows_})
    fast, whole = both_ways(spec, {"a": a, "b": b}, monkeypatch)
    assert took_elementwise(fast)
    assert [m.path for m in fast.rule_effects[0].masked] == [".id"]
    assert summary(fast) == summary(whole)


def test_rule_audit_paths_name_places_in_the_whole_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = make_spec(tmp_path, ["del(.rows[].ts)"])
    b = json.dumps({"elapsed_ms": 1.5, "rows": rows(10, r7_ts=5), "next": None})
    fast, whole = both_ways(spec, {"a": A, "b": b}, monkeypatch)
    (effect,) = fast.rule_effects
    assert effect.changed == {"a": 10, "b": 10}
    assert [m.path for m in effect.masked] == [".rows[7].ts"]
    assert summary(fast) == summary(whole)


@pytest.mark.parametrize(
    ("rules", "extra"),
    [
        ([".rows |= sort_by(.id)"], ""),  # needs the whole array
        (["del(.rows[-1])"], ""),  # counts from the end
        (["del(.rows[2])"], ""),  # renumbers the elements after it
        (["del(.[] | .ts?)"], ""),  # iterates the top-level object
        ([".rows"], ""),  # selects: the output is no longer the document
        (["(.. | .rows?) |= reverse"], ""),  # `..` finds the array itself
        (["mask(.. | .rows?)"], ""),
        # numbers follow the order strings are met in the whole document
        (['scrub("row-[0-9]+"; "<row-{n}>")', "del(.next)"], ""),
        (['scrub(.next, .rows[].name; "[0-9]+"; "<{n}>")'], ""),  # the array and elsewhere
        (['scrub(.rows[].name, .rows[].id; "[0-9]+"; "<{n}>")'], ""),  # two paths in turn
        (["scrub(uuid)"], ""),
        ([], "{facets: [status, body], paths: {'.[]': {arrays: set}}}"),  # `[]` matches keys
        ([], "{facets: [status, body], paths: {'.[]': {key: id}}}"),
        ([], "{facets: [status, body], paths: {.rows: {arrays: multiset}}}"),
        ([], "{facets: [status, body], paths: {.: {arrays: set}}}"),
        ([], "expect: [{path: '$.next', exists: true}]\n"),
    ],
)
def test_whole_trees_when_a_rule_or_option_needs_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: list[str], extra: str
) -> None:
    if extra.startswith("{"):
        spec = make_spec(tmp_path, rules, compare=extra)
    else:
        spec = make_spec(tmp_path, rules, extra)
    b = json.dumps({"elapsed_ms": 1.5, "rows": rows(10)[::-1], "next": None})
    fast, whole = both_ways(spec, {"a": A, "b": b}, monkeypatch)
    assert not took_elementwise(fast)
    assert summary(fast) == summary(whole)


@pytest.mark.parametrize(
    "b",
    [
        '{"elapsed_ms": 1, "rows": [1, 2,], "next": null}',  # bad JSON inside the array
        '{"rows": [], "rows": [1]}',  # a key written twice
        '{"elapsed_ms": 1, "rows": [{"x": 1, "x": 2}]}',  # ... inside an element
        '{"rows": [1]} trailing',
        "\ufeff" + A,  # a byte-order mark
    ],
)
def test_bad_output_gets_the_whole_tree_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, b: str
) -> None:
    spec = make_spec(tmp_path, [])
    fast, whole = both_ways(spec, {"a": A, "b": b}, monkeypatch)
    assert fast.verdict == "ERROR"
    assert summary(fast) == summary(whole)


def test_arrays_in_different_places_fall_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = make_spec(tmp_path, [])
    b = json.dumps({"next": None, "rows": rows(10), "more": [1]})
    fast, whole = both_ways(spec, {"a": A, "b": b}, monkeypatch)
    assert not took_elementwise(fast)
    assert summary(fast) == summary(whole)


# ------------------------------------------- slices whose text is the first target's, shared


def test_identical_text_with_rules_for_one_target_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same characters, parsed once, normalized by each target's own rules: `a`'s rule
    # must not reach `b`'s elements, and each target's audit counts only its own changes.
    rules = [
        {"rule": "del(.rows[].ts)", "targets": ["a"]},
        {"rule": ".rows[].name |= ascii_upcase", "targets": ["b"]},
    ]
    spec = make_spec(tmp_path, rules)
    fast, whole = both_ways(spec, {"a": A, "b": A}, monkeypatch)
    assert took_elementwise(fast) and fast.verdict == "DIFF"
    assert ".rows[0].ts" in [d.path for d in fast.differences]
    assert summary(fast) == summary(whole)


@pytest.mark.parametrize("targets", [2, 3])
@pytest.mark.parametrize("changed", [0, 2, 3, 5, 9])  # first, inside, at the edges of slices
def test_identical_slices_but_one_element(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, targets: int, changed: int
) -> None:
    spec = make_spec(tmp_path, ["del(.rows[].ts)"], targets=targets)
    bodies = {name: A for name in "abc"[:targets]}
    bodies["b"] = json.dumps(
        {"elapsed_ms": 1.5, "rows": rows(10, **{f"r{changed}_v": 1}), "next": None}
    )
    fast, whole = both_ways(spec, bodies, monkeypatch)
    assert took_elementwise(fast) and fast.verdict == "DIFF"
    assert [d.path for d in fast.differences] == [f".rows[{changed}].v"]
    assert summary(fast) == summary(whole)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("[1, 2, 12]", "[1, 2, 123]"),  # `12` is a prefix of `123`: the `]` is compared too
        ("[1, 2, 12, 4]", "[1, 2, 12]"),  # same slice text up to where one array goes on
        ("[1, 2, 3, 4]", "[1, 2, 3, 4.0]"),
        ("[true, 1, 1]", "[true, 1, 1.0]"),
    ],
)
def test_text_that_only_begins_like_the_first_targets_slice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, a: str, b: str
) -> None:
    spec = make_spec(tmp_path, [])
    fast, whole = both_ways(spec, {"a": a, "b": b}, monkeypatch)
    assert took_elementwise(fast) and fast.verdict == "DIFF"
    assert summary(fast) == summary(whole)


def test_more_space_after_a_shared_slice_is_still_compared_element_by_element(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slices of 3: b's text has the same first slice ("1, 2, 3, ") and then one more space.
    a, b = "[1, 2, 3, 4, 5, 6, 7]", "[1, 2, 3,  4, 5, 6, 8]"
    documents = elementwise.compare_documents({"a": a, "b": b}, {"a": [], "b": []}, 5)
    assert documents.sparse == {"a": [None] * 6 + [Number("7")], "b": [None] * 6 + [Number("8")]}
    fast, whole = both_ways(make_spec(tmp_path, []), {"a": a, "b": b}, monkeypatch)
    assert took_elementwise(fast) and fast.verdict == "DIFF"
    assert summary(fast) == summary(whole)


def test_a_duplicate_key_in_a_slice_every_target_shares_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = '{"rows": [{"id": 1}, {"id": 2, "id": 3}, {"id": 4}, {"id": 5}]}'
    with pytest.raises(elementwise.Unsupported):
        elementwise.compare_documents({"a": body, "b": body}, {"a": [], "b": []}, 5)
    fast, whole = both_ways(make_spec(tmp_path, []), {"a": body, "b": body}, monkeypatch)
    assert not took_elementwise(fast)
    assert summary(fast) == summary(whole)


def test_shared_slices_give_the_documents_separate_parsing_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With the space after `"id":` left out of the second text, no slice of it has the first
    # target's characters, so every target parses its own elements: the results must not differ.
    bodies = [A, json.dumps({"elapsed_ms": 1.5, "rows": rows(10, r4_v=0), "next": None})]
    rules = [(0, compile_rule("del(.rows[].ts)")), (1, compile_rule("del(.elapsed_ms)"))]
    for texts in ({"a": bodies[0], "b": bodies[0]}, {"a": bodies[0], "b": bodies[1]}):
        shared = elementwise.compare_documents(texts, {n: rules for n in texts}, 5)
        apart = elementwise.compare_documents(
            {
                n: t.replace('"id": ', '"id":' + " " * (i == 0))
                for i, (n, t) in enumerate(texts.items())
            },
            {n: rules for n in texts},
            5,
        )
        assert shared.sparse == apart.sparse and shared.parsed_equal == apart.parsed_equal
        assert {
            n: {i: (s.counts, s.samples) for i, s in r.items()} for n, r in shared.stats.items()
        } == {n: {i: (s.counts, s.samples) for i, s in r.items()} for n, r in apart.stats.items()}


# ---------------------------------------------------------------- property: any document


RULES = [
    "del(.elapsed_ms)",
    "del(.. | .ts?)",
    "del(.rows[].ts)",
    "del(.rows[1].name, .meta.at)",
    '(.. | .ts?) |= "<ts>"',
    "(.rows[].tags) |= sort",
    'mask(.rows[].name; "<n>"; string)',
    "mask(.. | .id?; 0; uuid)",
    'scrub("[0-9]+"; "<d>")',
    ".meta.v = 1",
    ".rows[0].name |= ascii_upcase",
    "del(.data.rows[].v, .data.id)",
    '.rows[] |= scrub("[0-9a]"; "<{n}>")',
    'scrub(.rows[].name; "[0-9a]+"; "<{n}>")',
    'scrub(.meta.id, .meta.name; "."; "<{n}>")',
    'scrub("[0-9]"; "<{n}>")',
    "del(.meta.v, .rows[0])",
    "(.data.rows[0].tags) |= reverse",
    # these need whole trees: the element-wise path must hand over, with the same results
    ".rows |= sort_by(.id)",
    "del(.rows[-1])",
    "(.. | .rows?) |= reverse",
    "del(.[] | .ts?)",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["1", "1.0", "9007199254740993", "-0", "2e3", "0.5"]).map(json.loads),
    st.text(max_size=4),
)
leaf_keys = st.sampled_from(["id", "ts", "name", "tags", "v"])
elements = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(leaf_keys, inner, max_size=3)
    ),
    max_leaves=6,
)


def _literal_json(value: Any) -> str:
    return json.dumps(value)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, str]:
    base = draw(st.lists(elements, max_size=8))
    other = list(base)
    for _ in range(draw(st.integers(0, 2))):
        if other and draw(st.booleans()):
            other[draw(st.integers(0, len(other) - 1))] = draw(elements)
        else:
            other.append(draw(elements))
    top = draw(st.sampled_from(["array", "object", "nested"]))
    if top == "array":
        return json.dumps(base), json.dumps(other)
    if top == "nested":
        wrap = draw(st.dictionaries(leaf_keys, scalars, max_size=2))
        a = {"data": {**wrap, "rows": base}, "elapsed_ms": draw(scalars)}
        b = {"elapsed_ms": draw(scalars), "data": {"rows": other, **wrap}}
        return json.dumps(a), json.dumps(b)
    meta = draw(st.dictionaries(leaf_keys, scalars, max_size=2))
    a = {"elapsed_ms": draw(scalars), "rows": base, "meta": meta}
    b = {"meta": meta, "rows": other, "elapsed_ms": draw(scalars)}
    return json.dumps(a), json.dumps(b, indent=draw(st.sampled_from([None, 1])))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(docs=documents(), rules=st.lists(st.sampled_from(RULES), max_size=3, unique=True))
def test_property_same_results_as_whole_trees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, docs: tuple[str, str], rules: list[str]
) -> None:
    spec = make_spec(tmp_path, rules)
    fast, whole = both_ways(spec, {"a": docs[0], "b": docs[1]}, monkeypatch)
    assert summary(fast) == summary(whole)


# ---------------------------------------------------------------- through the real CLI

ROWS_SERVER = SERVERS / "rows_server.py"


def test_large_bodies_through_the_cli_every_format(tmp_path: Path) -> None:
    def target(variant: int) -> str:
        return (
            f'{{url: "http://127.0.0.1:${{port}}", port: auto, service: {{run: '
            f'[{json.dumps(sys.executable)}, {json.dumps(str(ROWS_SERVER))}, "${{port}}", '
            f'"{variant}"], ready: {{log: "listening on"}}}}}}'
        )

    spec = tmp_path / "big.yaml"
    spec.write_text(
        f"name: big\ntargets:\n  a: {target(0)}\n  b: {target(1)}\n"
        "request: {method: POST, path: /rows}\n"
        "normalize: ['del(.elapsed_ms)', 'del(.rows[].ts)']\n"
        "compare: {facets: [status, body]}\n"
        "cases: [{name: same, input: 1}]\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "yamlparity",
            "run",
            str(spec),
            "--report-dir",
            "out",
            "--format",
            "md,html,json,junit",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    report = (tmp_path / "out" / "big.md").read_text()
    assert ".rows[4321].name" in report and "renamed" in report
    results = json.loads((tmp_path / "out" / "big.json").read_text())
    (case,) = results["cases"]
    assert [d["path"] for d in case["differences"]] == [".rows[4321].name"]
    assert len(case["outcomes"]["b"]["facets"]["body"]["rows"]) == 20_000  # as it arrived
    beside = sorted(p.name for p in (tmp_path / "out" / "big").iterdir())
    assert beside == ["same.a.json", "same.b.json"]
    shown = json.loads((tmp_path / "out" / "big" / "same.b.json").read_text())
    assert shown["rows"][4321]["name"] == "renamed" and "ts" in shown["rows"][0]
