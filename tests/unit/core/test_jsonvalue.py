"""Exact JSON values: literals kept, invalid input rejected, paths written the jq way."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yamlparity.core import jsonvalue as jv
from yamlparity.core.jsonvalue import JsonDecodeError, Number

NUMBER_LITERAL = st.from_regex(
    r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,6})?([eE][+-]?[0-9]{1,3})?", fullmatch=True
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | NUMBER_LITERAL.map(Number) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.parametrize(
    "literal",
    ["0", "-0", "1", "1.0", "1.50", "1e2", "1E+2", "-1.5e-7", "9007199254740993", "1" * 40],
)
def test_number_literals_survive_a_round_trip(literal: str) -> None:
    value = jv.loads(f'{{"n": {literal}}}')
    assert value == {"n": Number(literal)}
    assert jv.dumps(value) == f'{{"n":{literal}}}'


def test_numbers_compare_by_literal_not_value() -> None:
    assert Number("1") != Number("1.0")
    assert Number("1").value == Number("1.0").value == Decimal(1)
    assert Number("1") != 1  # never equal to a Python int
    assert Number("1") != True  # noqa: E712 - the point of the test


@given(JSON_VALUES)
@settings(max_examples=200)
def test_dumps_then_loads_gives_the_same_value(value: jv.JSON) -> None:
    for indent in (None, 2):
        assert jv.canonical(jv.loads(jv.dumps(value, indent=indent))) == jv.canonical(value)


@given(JSON_VALUES)
@settings(max_examples=100)
def test_canonical_text_is_a_fixed_point(value: jv.JSON) -> None:
    text = jv.canonical(value)
    assert jv.canonical(jv.loads(text)) == text


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", '{"a": NaN}', "[1, Infinity]"])
def test_nan_and_infinity_are_rejected(text: str) -> None:
    with pytest.raises(JsonDecodeError):
        jv.loads(text)


@pytest.mark.parametrize("text", ["", "{", "[1,]", "{'a': 1}", '"\x01"', "1 2", "tru"])
def test_invalid_json_raises_only_json_decode_error(text: str) -> None:
    with pytest.raises(JsonDecodeError):
        jv.loads(text)


def test_decode_error_has_line_and_column() -> None:
    with pytest.raises(JsonDecodeError) as info:
        jv.loads('{\n  "a": 1,\n  "b": }')
    assert (info.value.line, info.value.column) == (3, 8)
    assert "line 3, column 8" in str(info.value)


@pytest.mark.parametrize("data", [b'"\xff"', b'{"a": "caf\xe9"}', b'"\xed\xa0\x80"'])
def test_invalid_utf8_bytes_raise_json_decode_error(data: bytes) -> None:
    with pytest.raises(JsonDecodeError) as info:
        jv.loads(data)
    assert "invalid UTF-8" in info.value.message


def test_utf8_bytes_are_decoded() -> None:
    assert jv.loads('{"a": "café ⭐"}'.encode()) == {"a": "café ⭐"}


def test_lone_surrogates_are_dumped_as_escapes() -> None:
    value = jv.loads('["\\ud800", "a\\udfffb"]')
    assert value == ["\ud800", "a\udfffb"]
    text = jv.dumps(value)
    assert text == '["\\ud800","a\\udfffb"]'
    text.encode("utf-8")  # writable as UTF-8
    assert jv.loads(text) == value


def test_a_surrogate_pair_escape_is_one_character() -> None:
    assert jv.loads('"\\ud83d\\ude00"') == "\U0001f600"
    assert jv.dumps("\U0001f600") == '"\U0001f600"'


def test_non_ascii_is_written_as_itself_and_keys_are_sorted() -> None:
    assert jv.dumps({"b": "é", "a": [True, None]}) == '{"a":[true,null],"b":"é"}'
    assert jv.dumps(jv.loads('{"b": 1, "a": 2}'), sort_keys=False) == '{"b":1,"a":2}'


def test_indented_dump() -> None:
    assert jv.dumps(jv.loads('{"a":[1,{}]}'), indent=2) == '{\n  "a": [\n    1,\n    {}\n  ]\n}'


def test_dumps_rejects_python_numbers() -> None:
    with pytest.raises(TypeError):
        jv.dumps({"a": 1})


def test_duplicate_keys_are_an_error_with_their_place() -> None:
    # Their meaning is parser-dependent; "the last wins" silently equalled {"a": 2}.
    with pytest.raises(JsonDecodeError, match="duplicate key 'a'") as info:
        jv.loads('{"a": 1,\n "a": 2}')
    assert (info.value.line, info.value.column) == (2, 2)
    assert jv.loads('[{"a": 1}, {"a": 2}]') == [{"a": Number("1")}, {"a": Number("2")}]


def test_loads_lines_names_the_bad_row() -> None:
    assert jv.loads_lines('{"a": 1}\n\n[2]\n') == [{"a": Number("1")}, [Number("2")]]
    with pytest.raises(JsonDecodeError) as info:
        jv.loads_lines('{"a": 1}\n{oops}\n')
    assert info.value.line == 2
    assert info.value.message.startswith("row 2:")


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), "."),
        (("a",), ".a"),
        (("attempts", 0, "span_id"), ".attempts[0].span_id"),
        (("odd key",), '.["odd key"]'),
        (("a.b", "c"), '.["a.b"].c'),
        (("",), '.[""]'),
        (("café",), '.["café"]'),
        (('q"uote',), '.["q\\"uote"]'),
        (("1abc",), '.["1abc"]'),
        ((0,), ".[0]"),
        ((0, "x", 1, 2), ".[0].x[1][2]"),
    ],
)
def test_format_path(path: tuple[str | int, ...], text: str) -> None:
    assert jv.format_path(path) == text


def test_type_names_never_mix_bool_and_number() -> None:
    values: list[jv.JSON] = [None, True, Number("1"), "1", [], {}]
    assert [jv.type_name(v) for v in values] == [
        "null",
        "boolean",
        "number",
        "string",
        "array",
        "object",
    ]


def test_from_python_and_to_python() -> None:
    value = jv.from_python({"a": [1, 1.5, True, None, (2,)]})
    assert value == {"a": [Number("1"), Number("1.5"), True, None, [Number("2")]]}
    assert jv.to_python(value) == {"a": [1, 1.5, True, None, [2]]}
    with pytest.raises(ValueError):
        jv.from_python(float("nan"))


def test_sort_key_follows_jq_order() -> None:
    values = jv.loads('[{"a":1}, [1], "s", 2, 1.5, true, false, null]')
    assert isinstance(values, list)
    ordered = sorted(values, key=jv.sort_key)
    assert jv.canonical(ordered) == '[null,false,true,1.5,2,"s",[1],{"a":1}]'


def test_iter_leaves_yields_scalars_and_empty_containers() -> None:
    value = jv.loads('{"a": [1, {}], "b": null}')
    assert [(p, jv.canonical(v)) for p, v in jv.iter_leaves(value)] == [
        (("a", 0), "1"),
        (("a", 1), "{}"),
        (("b",), "null"),
    ]


def test_plain_json_module_would_lose_what_we_keep() -> None:
    # Why jsonvalue exists: the standard module retypes and rounds.
    assert json.loads("1.0") == json.loads("1")
    assert jv.loads("1.0") != jv.loads("1")


@pytest.mark.parametrize("inside", ["\u2028", "\u2029", "\u0085"])
def test_loads_lines_ends_lines_at_newline_only(inside: str) -> None:
    # Legal raw inside a JSON string; str.splitlines() cut the row there (\x1c-\x1e must be
    # escaped in JSON strings, so they only matter as the escapes they are).
    row = '{"t": "a' + inside + 'b"}'
    assert jv.loads_lines(row + "\n" + row + "\r\n\r\n") == [{"t": "a" + inside + "b"}] * 2
    assert jv.json_lines("x\r\ny\n") == ["x", "y", ""]


def test_loads_lines_blank_means_json_whitespace() -> None:
    assert jv.loads_lines(' \t\r\n{"a": 1}\n') == [{"a": Number("1")}]
    with pytest.raises(JsonDecodeError) as info:
        jv.loads_lines('{"a": 1}\n\x0c\n')  # a form feed is not JSON whitespace
    assert info.value.line == 2
