"""Inputs from a JSON Schema: every number reaches the targets as an exact literal, and the
literal classes runtimes disagree on (integers beyond 2^53, `1.0`, exponents, `-0`) do come."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings

from yamlparity.core.errors import SpecError
from yamlparity.core.jsonvalue import JSON, Number, dumps, iter_leaves
from yamlparity.run.fuzz import _schema_alone
from yamlparity.run.fuzz_inputs import _FORMS, _kind, ecmascript, inputs, spellings
from yamlparity.run.fuzz_schema import InputSchema, load_input_schema

JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
NUMBERS = [0, 7, -12345, 10**21, 2**53 + 1, 0.0, 1.0, -2.5, 1e16, 1e-7, 5e-324, 2.0**60, 1e21]


@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_every_spelling_is_a_json_literal_of_the_same_number(number: int | float) -> None:
    forms = spellings(number)
    assert len(forms) == _FORMS[_kind(number)]
    for form in forms:
        assert JSON_NUMBER.fullmatch(form), form
    # The plain spelling comes first. An integer keeps its exact value in every spelling; a
    # double's spellings all read back as that double, the last of an integral one beyond
    # 2^53 being the next integer (which no double holds: it reads back rounded).
    assert forms[0] == (repr(number) if isinstance(number, float) else str(number))
    if isinstance(number, int):
        assert all(Decimal(form) == number for form in forms)
    else:
        assert all(float(form) == number for form in forms)
        if number.is_integer() and abs(number) > 2**53:
            assert forms[-1] == str(int(number) + 1)


def test_zero_and_integral_doubles_have_their_telling_spellings() -> None:
    assert {"-0", "-0.0", "0e0"} <= set(spellings(0)) and {"-0.0", "-0"} <= set(spellings(0.0))
    assert spellings(1.0)[:5] == ["1.0", "1.0", "1e0", "1", "1"]
    assert "10000000000000000" in spellings(1e16) and "1e+16" in spellings(1e16)
    assert spellings(10**21)[2] == "1e21"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_ecmascript_form_is_what_node_writes() -> None:
    doubles = [1e21, 1e-7, 1.23e-18, 1.5, 100.0, 1e-6, 1e16, -2.5e-8, 5e-324, 123456789012e9, 0.1]
    script = "const xs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
    script += "for (const x of xs) console.log(String(x));"
    node = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(doubles),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert [ecmascript(x) for x in doubles] == node.stdout.split()


SCHEMA = {
    "type": "object",
    "required": ["id", "values"],
    "properties": {
        "id": {"type": "integer"},
        "values": {"type": "array", "items": {"type": "number"}, "maxItems": 4},
        "label": {"type": "string", "maxLength": 3},
    },
}


def _drawn(schema: dict[str, object], count: int = 300) -> list[JSON]:
    found: list[JSON] = []

    @seed(2)
    @settings(max_examples=count, database=None, suppress_health_check=list(HealthCheck))
    @given(inputs(InputSchema(schema, "test")))
    def collect(value: JSON) -> None:
        found.append(value)

    collect()
    return found


def test_drawn_inputs_are_valid_and_bring_the_literal_classes() -> None:
    schema = InputSchema(SCHEMA, "test")
    drawn = _drawn(SCHEMA)
    assert all(schema.is_valid(value) for value in drawn)
    literals = [
        leaf.literal for value in drawn for _, leaf in iter_leaves(value) if type(leaf) is Number
    ]
    assert any(JSON_NUMBER.fullmatch(x) and "." not in x and "e" not in x and abs(int(x)) > 2**53
               for x in literals)  # fmt: skip
    assert any(x.endswith(".0") and "e" not in x for x in literals)  # 1.0 beside 1
    assert any("e" in x.lower() for x in literals)
    assert any(x in ("-0", "-0.0") for x in literals)
    # And the JSON text sent is exactly those literals.
    text = dumps(drawn[-1], sort_keys=False)
    assert all(literal in text for _, leaf in iter_leaves(drawn[-1]) if type(leaf) is Number
               for literal in [leaf.literal])  # fmt: skip


def test_a_draft4_integer_stays_an_integer_literal() -> None:
    """Draft 4 says `1.0` is not an integer: such spellings are checked out again."""
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "array",
        "items": {"type": "integer"},
    }
    literals = [leaf.literal for v in _drawn(schema, 200) for _, leaf in iter_leaves(v)
                if type(leaf) is Number]  # fmt: skip
    assert literals and all("." not in x and "e" not in x.lower() for x in literals)
    later = {**schema, "$schema": "http://json-schema.org/draft-07/schema#"}
    assert any("." in leaf.literal for v in _drawn(later, 200) for _, leaf in iter_leaves(v)
               if type(leaf) is Number)  # fmt: skip


def test_free_keys_are_the_keys_no_schema_names() -> None:
    schema = InputSchema(
        {"type": "object", "properties": {"a": {"type": "object"}}, "required": ["b"]}, "t"
    )
    value: JSON = {"a": {"x": 1, "b": [{"y": None}]}, "b": 2}
    assert schema.free_keys(value) == {"x", "y"}


def test_schema_file_errors_name_their_place(tmp_path: Path) -> None:
    broken = tmp_path / "s.json"
    broken.write_text('{\n  "type": "object",\n  "properties": {\n    "a": {"type": 5}\n  ]\n}')
    with pytest.raises(SpecError) as bad_json:
        load_input_schema(broken, "s.json")
    assert bad_json.value.location is not None and bad_json.value.location.line == 5
    broken.write_text('{"type": "object", "properties": {"a": {"type": 5}}}')
    with pytest.raises(SpecError) as bad_schema:
        load_input_schema(broken, "s.json")
    assert "not a valid JSON Schema" in bad_schema.value.message
    assert bad_schema.value.key_path == "properties.a.type"
    yaml_schema = tmp_path / "s.yaml"
    yaml_schema.write_text("type: object\nproperties:\n  a:\n    type: 5\n")
    with pytest.raises(SpecError) as in_yaml:
        load_input_schema(yaml_schema, "s.yaml")
    assert in_yaml.value.location is not None and in_yaml.value.location.line == 4
    yaml_schema.write_text("type: object\nproperties:\n  a: {type: integer, maximum: 9.5}\n")
    loaded = load_input_schema(yaml_schema, "s.yaml")
    assert loaded.is_valid({"a": Number("9")}) and not loaded.is_valid({"a": Number("10")})


def test_inputs_come_from_the_schema_and_the_seed_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hypothesis would also draw constants from the source of every "local" module loaded
    (yamlparity's own when installed editable, any other the process imports): the same seed
    would draw other inputs where other code is loaded. A fuzz run draws from the schema."""
    from hypothesis.internal.conjecture import providers

    original = providers._get_local_constants
    schema: dict[str, object] = {"type": "array", "items": {"type": "integer"}}
    planted = [10**15 + 13 * k for k in range(300)]
    (tmp_path / "constants_here.py").write_text(f"VALUES = {planted}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "constants_here", raising=False)  # forgotten after the test
    _drawn(schema, 20)  # Hypothesis caches the constants it found: the run must drop them
    with _schema_alone():
        assert providers._get_local_constants is not original  # the hook is in place
        before = _drawn(schema, 150)
        importlib.import_module("constants_here")
        after = _drawn(schema, 150)
    assert providers._get_local_constants is original  # and put back
    assert after == before
    literals = {str(n) for n in planted}
    drawn = {leaf.literal for v in after for _, leaf in iter_leaves(v) if isinstance(leaf, Number)}
    assert drawn and not drawn & literals
