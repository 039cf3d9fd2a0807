"""libyaml's parser under PyYAML's composer (spec/source.py, _FastLoader) gives the very
nodes PyYAML's own parser gives: tags, values, scalar styles and every mark a message can
point at. Errors are always worded by PyYAML's own parser (it reads the file again)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode

from tests.support.paths import ROOT
from yamlparity.core.errors import SpecError
from yamlparity.spec import source

pytestmark = pytest.mark.skipif(source._CParser is None, reason="PyYAML built without libyaml")

FILES = sorted(
    p
    for pattern in ("*.yaml", "*.yml", "*.yaml.inc")
    for p in ROOT.rglob(pattern)
    if ".git" not in p.parts and "__pycache__" not in p.parts
)


def shape(node: Node | None, seen: dict[int, int] | None = None) -> Any:
    """What the spec reader uses of a node, marks included, as plain data (a node met again,
    through an alias, by the order it was first met)."""
    if node is None:
        return None
    seen = {} if seen is None else seen
    if id(node) in seen:
        return ("alias", seen[id(node)])
    seen[id(node)] = len(seen)
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line)
    if isinstance(node, ScalarNode):
        return (node.tag, node.value, node.style, *marks, node.end_mark.column)
    if isinstance(node, MappingNode):
        return (node.tag, *marks, [(shape(k, seen), shape(v, seen)) for k, v in node.value])
    return (node.tag, *marks, [shape(item, seen) for item in node.value])


def both(text: str) -> tuple[Any, Any] | None:
    """The nodes as read (libyaml's parser where it may) and as PyYAML's own parser reads
    them; None where PyYAML refuses the text (its error is then the one shown)."""
    lines = tuple(text.split("\n"))
    read = source.SourceText("t.yaml", Path("t.yaml"), lines)
    try:
        slow = source._compose_slowly(read, "\n".join(lines))
    except SpecError:
        return None
    return shape(slow), shape(source._compose(read))


def test_the_files_of_this_project_give_the_same_nodes() -> None:
    compared = 0
    for path in FILES:
        text = path.read_text("utf-8", errors="replace").removeprefix("\ufeff")
        if source._SLOW_ONLY.search(text):
            continue
        pair = both(text)
        if pair is not None:
            assert pair[0] == pair[1], path
            compared += 1
    assert compared > 100  # the examples, specs, shard suites, bad specs that parse


TRICKY = [
    "a: |\n  x\n   y\n\n",
    "a: >-\n  x\n  y\nb: |+\n  z\n\n",
    "? [a, b]\n: 1\n",
    "a: &x {p: 1}\nb:\n  <<: *x\n  q: 2\n",
    "- - - 1\n  - 2\n- {a: [b, {c: d}]}\n",
    "a: 'it''s'\nb: \"\\u00e9\\U0001F600\\n\"\nc: plain text\n  continued\n",
    "é: [ü, 😀, x]\n😀:\n  - k: v\n",
    "a: 1\r\nb: [1,\r\n 2]\r\n",
    "%YAML 1.1\n---\na: !!str 1\nb: !!int '2'\n...\n",
    "a:\n- 1\n- 2\nb: ~\nc: null\nd:\ne: 0x1F\nf: 1_000\ng: .inf\n",
    "# only a comment\na: b  # trailing\n",
    "",
    "   \n",
    "[]",
    "{a: }\n",
    "a: {b: [c, {d: }]}\n",
    "- {a: ''}\n- [\"\"]\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_give_the_same_nodes(text: str) -> None:
    pair = both(text)
    assert pair is not None
    assert pair[0] == pair[1]


def test_a_text_only_pyyaml_reads_is_never_given_to_libyaml() -> None:
    # libyaml takes a tab after a value (YAML 1.1 and PyYAML do not): such files keep
    # PyYAML's answer, an error at the tab.
    assert source._FastLoader("a: b\t\n").get_single_node() is not None
    assert source._SLOW_ONLY.search("a: b\t\n")
    with pytest.raises(yaml.YAMLError):
        source._Loader("a: b\t\n").get_single_node()


@pytest.mark.parametrize("text", ["{a: }\n", "[a: ]\n", "x: {b: , c: 1}\n", "{a: \n}\n"])
def test_an_empty_value_in_a_flow_collection_is_marked_as_pyyaml_marks_it(text: str) -> None:
    with pytest.raises(source._OtherMarks):
        source._FastLoader(text).get_single_node()
    pair = both(text)
    assert pair is not None
    assert pair[0] == pair[1]


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSONISH, st.sampled_from([None, True, False]), st.booleans())
def test_any_dumped_value_gives_the_same_nodes(value: Any, flow: bool | None, wide: bool) -> None:
    for text in (
        yaml.safe_dump(
            value, default_flow_style=flow, allow_unicode=True, width=10**6 if wide else 20
        ),
        json.dumps(value, ensure_ascii=False, indent=2 if wide else None),
    ):
        if source._SLOW_ONLY.search(text):
            continue
        pair = both(text)
        if pair is not None:
            assert pair[0] == pair[1], text


def outcome(text: str, monkeypatch: pytest.MonkeyPatch, slow: bool) -> Any:
    """load_yaml's value and marks, or its message, read either way."""
    read = source.SourceText("t.yaml", Path("t.yaml"), tuple(text.split("\n")))
    with monkeypatch.context() as patch:
        if slow:
            patch.setattr(source, "_compose", lambda src: source._compose_slowly(src, text))
        try:
            doc = source.load_yaml(read)
        except SpecError as exc:
            return exc.render()
    marks = {key: (m.line, m.column, m.key_line, m.key_column, m.style, m.single_line)
             for key, m in doc.marks.items()}  # fmt: skip
    return repr(doc.value), marks


# Found by an adversarial comparison of both parsers (~450,000 generated texts): libyaml
# takes these where PyYAML refuses them, reads their value otherwise, or marks them otherwise.
READ_OTHERWISE = [
    "request: {path: /health?verbose=1}\n",  # `?` inside a plain value in a flow collection
    "a: [b?c]\n",
    "a: |#c\n  x\n",  # `#` right after a block scalar header
    "a: >-#note\n  x\n",
    "%YAML 1.1#c\n---\na: 1\n",  # `#` right after the YAML directive
    "a: !\n",  # an empty value with the non-specific tag: "" there, null here
    "- !\n",
    "a: !.!x 1\n",  # a tag handle PyYAML words otherwise
    "---",  # no line break at the end: libyaml marks the last value on the next line
    "a: b",
    "- - x",
    "? k",
    "\ud800: 1\n",  # a lone surrogate (only through the API: files are UTF-8)
]


@pytest.mark.parametrize("text", READ_OTHERWISE)
def test_texts_libyaml_reads_otherwise_are_read_as_before(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not source._libyaml_reads_as_pyyaml(text) or "\ud800" in text
    assert outcome(text, monkeypatch, slow=False) == outcome(text, monkeypatch, slow=True)
