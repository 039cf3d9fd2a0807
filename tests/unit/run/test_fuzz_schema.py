"""A fuzz input schema that is wrong, or that no value satisfies, is refused when it is read:
what is wrong, at file:line:column in the schema file, and a hint (exit 2 through the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import HELPER_PY
from yamlparity.core.errors import SpecError
from yamlparity.run.fuzz import FuzzOptions, fuzz_spec
from yamlparity.run.fuzz_schema import load_input_schema
from yamlparity.spec.load import load_spec


def refused(folder: Path, text: str, name: str = "s.json") -> SpecError:
    path = folder / name
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_input_schema(path, name)
    error = caught.value
    assert error.location is not None and error.location.file == name
    assert "Unable to satisfy" not in error.render() and "Traceback" not in error.render()
    return error


def place(error: SpecError) -> tuple[int, int]:
    assert error.location is not None
    return error.location.line, error.location.column


def test_a_type_that_does_not_exist_is_named_with_its_place_and_the_closest_type(
    tmp_path: Path,
) -> None:
    """A new-user trial: `{"type":"strin"}` said `--> s1.json (at type)`: no line, no column,
    no suggestion."""
    error = refused(tmp_path, '{\n  "type": "strin"\n}\n')
    assert error.message == "'strin' is not a JSON Schema type"
    assert place(error) == (2, 11) and error.source_line == '  "type": "strin"'
    assert error.hint is not None and error.hint.startswith("did you mean 'string'?")
    error = refused(
        tmp_path, '{"type": "object", "properties": {"a": {"type": ["string", "nul"]}}}'
    )
    assert error.message == "'nul' is not a JSON Schema type" and place(error) == (1, 60)
    assert error.hint is not None and error.hint.startswith("did you mean 'null'?")
    error = refused(tmp_path, '{"type": "object",\n "properties": {"s": {"pattern": "(a"}}}')
    assert "not a valid JSON Schema: '(a' is not a 'regex'" in error.message
    assert place(error) == (2, 34) and error.key_path == "properties.s.pattern"
    error = refused(tmp_path, "type: object\nproperties:\n  n: {type: intger}\n", "s.yaml")
    assert place(error) == (3, 13) and (error.hint or "").startswith("did you mean 'integer'?")


def test_a_minimum_above_the_maximum_is_named_not_left_to_hypothesis(tmp_path: Path) -> None:
    """A new-user trial: `{"type":"integer","minimum":5,"maximum":1}` printed Hypothesis's
    "Unable to satisfy assumptions of test ... .filter()" and a hint about drafts."""
    error = refused(tmp_path, '{"type": "integer",\n  "minimum": 5, "maximum": 1}')
    assert error.message == "`minimum` 5 is above `maximum` 1: no value is both"
    assert place(error) == (2, 14)
    assert "draft" not in (error.hint or "")
    # Lengths too (Hypothesis raised its own InvalidArgument there), wherever they are.
    error = refused(
        tmp_path, '{"type": "object", "properties": {"s": {"minLength": 3, "maxLength": 1}}}'
    )
    assert error.message == "`minLength` 3 is above `maxLength` 1: no value is both"
    assert error.key_path == "properties.s.minLength"


def test_a_schema_no_value_satisfies_points_at_the_part_that_allows_none(tmp_path: Path) -> None:
    text = """{
  "type": "object",
  "required": ["n"],
  "properties": {
    "n": {"allOf": [{"type": "string"}, {"type": "integer"}]},
    "m": false
  }
}"""
    error = refused(tmp_path, text)
    assert error.message == "no value satisfies this schema: its constraints contradict each other"
    assert error.key_path == "properties.n" and place(error) == (5, 10)
    error = refused(tmp_path, '{"type": "integer", "minimum": 1.2, "maximum": 1.7}')
    assert error.message.startswith("no value satisfies this schema") and place(error) == (1, 1)
    error = refused(tmp_path, '{"enum": []}')
    assert error.message == "`enum` is empty: no value satisfies this schema"
    # An optional property no value satisfies is a way to forbid it, not an error.
    forbidden = tmp_path / "ok.json"
    forbidden.write_text('{"type": "object", "properties": {"gone": false}}')
    load_input_schema(forbidden, "ok.json")


def test_a_ref_to_nothing_is_named_with_its_place(tmp_path: Path) -> None:
    text = (
        '{"definitions": {"name": {"type": "string"}},\n'
        ' "properties": {"s": {"$ref": "#/definitions/nmae"}}}'
    )
    error = refused(tmp_path, text)
    assert error.message == "$ref '#/definitions/nmae' points at nothing in this schema"
    assert place(error) == (2, 31)
    assert (error.hint or "").startswith("did you mean '#/definitions/name'?")


def test_a_schema_hypothesis_cannot_draw_from_is_a_clear_error(tmp_path: Path) -> None:
    """Satisfiable as far as the check can tell, but nothing Hypothesis draws passes it."""
    (tmp_path / "s.json").write_text('{"type": "string", "pattern": "^a$", "not": {"const": "a"}}')
    schema = load_input_schema(tmp_path / "s.json", "s.json")
    (tmp_path / "probe.yaml").write_text(
        f"name: probe\ntargets:\n  a: {{run: [{HELPER_PY}, -c, 'print(1)']}}\n"
        f"  b: {{run: [{HELPER_PY}, -c, 'print(1)']}}\nfuzz: {{}}\n"
    )
    spec = load_spec(tmp_path / "probe.yaml", {})
    with pytest.raises(SpecError) as caught:
        fuzz_spec(spec, FuzzOptions(schema, seed=1, max_examples=10))
    error = caught.value
    assert error.message.startswith("cannot draw an input the schema allows")
    assert "Unable to satisfy" not in error.render() and "draft" not in (error.hint or "")
