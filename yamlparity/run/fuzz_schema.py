"""The JSON Schema of a fuzz run's `case.input`: read from a .json or .yaml file and checked
before anything starts, each problem a SpecError at its file:line:column with a hint.

Checked: that it is a JSON Schema (the meta-schema of its `$schema`, the latest draft by
default; a misspelt `type` gets the closest type), that every local `$ref` points at something,
and that some value satisfies it. The last is hypothesis-jsonschema's own reduction of the
schema (`canonicalish`, which knows `minimum` above `maximum`, types that exclude each other
under `allOf`, an empty `enum`), plus the bound pairs it lets through (`minLength` above
`maxLength`, which Hypothesis then refuses with an error of its own). Left alone, such a schema
made Hypothesis filter every draw out and print "Unable to satisfy assumptions of test".
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeGuard, cast

import jsonschema

from yamlparity.core.errors import SpecError
from yamlparity.core.jsonvalue import JSON, JsonDecodeError, loads, to_python
from yamlparity.spec.source import SourceText, format_key_path, load_yaml, read_text
from yamlparity.spec.validation import suggest

__all__ = ["InputSchema", "load_input_schema"]

KeyPath = tuple[str | int, ...]
_ErrorAt = Callable[[KeyPath, str, str], SpecError]
_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
# Lower and upper bounds that leave no room when the lower is above the upper.
_BOUNDS = (
    ("minimum", "maximum"),
    ("minLength", "maxLength"),
    ("minItems", "maxItems"),
    ("minProperties", "maxProperties"),
    ("minContains", "maxContains"),
)
_DATA = ("const", "enum", "default", "examples")  # values, not schemas
_DRAFTS = {
    "Draft3Validator": "draft 3",
    "Draft4Validator": "draft 4",
    "Draft6Validator": "draft 6",
    "Draft7Validator": "draft 7",
    "Draft201909Validator": "draft 2019-09",
    "Draft202012Validator": "draft 2020-12",
}


class InputSchema:
    """A checked JSON Schema, as plain Python data, with the validator for its draft."""

    def __init__(self, schema: dict[str, Any], display: str) -> None:
        self.schema = schema
        self.display = display
        cls = jsonschema.validators.validator_for(schema)
        self.validator = cls(schema)
        self.declared = frozenset(_declared_keys(schema))

    def free_keys(self, value: JSON) -> frozenset[str]:
        """The object keys in `value` that the schema names nowhere (drawn at random for
        `additionalProperties`)."""
        return frozenset(_keys(value)) - self.declared

    def is_valid(self, value: JSON) -> bool:
        """Is this exact value allowed? Numbers are judged by value (integer literals as int,
        others as float), as a JSON Schema validator reading the wire would."""
        return bool(self.validator.is_valid(to_python(value)))


def _declared_keys(schema: Any) -> set[str]:
    """Every key named under `properties` or `required` anywhere in the schema."""
    found: set[str] = set()
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict):
            found.update(properties)
        required = schema.get("required")
        if isinstance(required, list):
            found.update(key for key in required if isinstance(key, str))
        for key, item in schema.items():
            if key not in _DATA:
                found |= _declared_keys(item)
    elif isinstance(schema, list):
        for item in schema:
            found |= _declared_keys(item)
    return found


def _keys(value: JSON) -> set[str]:
    if isinstance(value, dict):
        out = set(value)
        for item in value.values():
            out |= _keys(item)
        return out
    if isinstance(value, list):
        out = set()
        for item in value:
            out |= _keys(item)
        return out
    return set()


# ---------------------------------------------------------------- reading


def load_input_schema(path: Path, display: str) -> InputSchema:
    """Read a JSON (or YAML) schema file; SpecError with file:line:column when it is wrong."""
    text = read_text(path, display)
    if path.suffix in (".yaml", ".yml"):
        doc = load_yaml(text)
        schema: Any = to_python(doc.value)

        def error_at(key_path: KeyPath, message: str, hint: str) -> SpecError:
            return doc.error(key_path, message, hint)
    else:
        body = "\n".join(text.lines)
        try:
            schema = to_python(loads(body))
        except JsonDecodeError as exc:
            raise text.error(f"invalid JSON: {exc.message}", exc.line, exc.column) from None
        if not isinstance(schema, dict):
            raise text.error("a JSON Schema file holds an object", 1, 1, '{"type": "object", ...}')

        def error_at(key_path: KeyPath, message: str, hint: str) -> SpecError:
            return _json_error(text, body, key_path, message, hint)

    _check_meta_schema(schema, error_at)
    _check_refs(schema, error_at)
    _check_satisfiable(schema, error_at)
    return InputSchema(schema, display)


def _json_error(
    text: SourceText, body: str, key_path: KeyPath, message: str, hint: str
) -> SpecError:
    """A SpecError at the value `key_path` names in the JSON text (or its nearest ancestor)."""
    index = None
    for depth in range(len(key_path), -1, -1):
        index = json_position(body, key_path[:depth])
        if index is not None:
            break
    line, column = _line_column(body, index or 0)
    return text.error(message, line, column, hint, format_key_path(key_path))


def json_position(text: str, key_path: KeyPath) -> int | None:
    """The index in `text`, a valid JSON document, where the value at `key_path` starts;
    None when there is no such value. Values on the way are skipped with the json module's
    own decoder, so a string with escapes or a bracket inside is never miscounted."""
    decoder = json.JSONDecoder()
    index = _skip_space(text, 0)
    for step in key_path:
        found = _child(text, index, step, decoder)
        if found is None:
            return None
        index = found
    return index


def _child(text: str, index: int, step: str | int, decoder: json.JSONDecoder) -> int | None:
    """Where the member `step` of the object (or array) starting at `index` starts."""
    opening = text[index : index + 1]
    if (opening, type(step)) not in (("{", str), ("[", int)):
        return None
    index = _skip_space(text, index + 1)
    position = 0
    while index < len(text) and text[index] not in "}]":
        if opening == "{":
            key, index = decoder.raw_decode(text, index)
            index = _skip_space(text, _skip_space(text, index) + 1)  # past the colon
            if key == step:
                return index
        elif position == step:
            return index
        _, index = decoder.raw_decode(text, index)
        index = _skip_space(text, index)
        if text[index : index + 1] == ",":
            index = _skip_space(text, index + 1)
        position += 1
    return None


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


# ---------------------------------------------------------------- a JSON Schema at all


def _check_meta_schema(schema: dict[str, Any], error_at: _ErrorAt) -> None:
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        draft = _DRAFTS.get(cls.__name__, cls.__name__)
        checked = f"checked against {draft} (the schema's `$schema`, else the latest draft)"
        raise _meta_schema_error(exc, checked, error_at) from None


def _meta_schema_error(exc: jsonschema.SchemaError, checked: str, error_at: _ErrorAt) -> SpecError:
    """The error at its place; a word that is not one of the few a keyword takes (a `type`
    above all) with the closest of them."""
    wrong = _enum_error(exc)
    if wrong is None or not isinstance(wrong.instance, str):
        return error_at(tuple(exc.path), f"not a valid JSON Schema: {exc.message}", checked)
    path = tuple(wrong.absolute_path)
    options = [str(option) for option in cast(list[Any], wrong.validator_value)]
    keyword = next((step for step in reversed(path) if isinstance(step, str)), "")
    if keyword == "type":
        message = f"{wrong.instance!r} is not a JSON Schema type"
    else:
        message = f"{wrong.instance!r} is not a value `{keyword}` takes"
    listed = f"one of {', '.join(options)}"
    close = suggest(wrong.instance, options)
    return error_at(path, message, f"{close} ({listed})" if close else listed)


_Failure = jsonschema.ValidationError | jsonschema.SchemaError


def _enum_error(exc: _Failure) -> _Failure | None:
    """The deepest `enum` the schema's word failed (`type` is an `anyOf` of a name and a
    list of names, each checked by an `enum`)."""
    found = exc if exc.validator == "enum" and isinstance(exc.validator_value, list) else None
    for sub in exc.context or ():
        deeper = _enum_error(sub)
        if deeper is not None and (found is None or len(deeper.path) > len(found.path)):
            found = deeper
    return found


# ---------------------------------------------------------------- $ref


def _check_refs(schema: dict[str, Any], error_at: _ErrorAt) -> None:
    """Each `$ref` to a place in this schema (`#/definitions/x`) finds something there."""
    for path, node in _nodes(schema, ()):
        ref = node.get("$ref")
        if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
            continue
        if _pointer(schema, ref) is None:
            known = [f"#/{section}/{name}" for section in ("definitions", "$defs")
                     for name in schema.get(section) or {}]  # fmt: skip
            close = suggest(ref, known)
            listed = f"defined: {', '.join(known)}" if known else "the schema defines nothing"
            raise error_at(
                (*path, "$ref"),
                f"$ref {ref!r} points at nothing in this schema",
                f"{close} ({listed})" if close else listed,
            )


def _pointer(schema: Any, ref: str) -> Any:
    """The value a JSON Pointer fragment names (`#/definitions/a~1b`), else None."""
    from urllib.parse import unquote

    node = schema
    for raw in ref[2:].split("/") if ref != "#" else ():
        step = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return None
    return node


def _nodes(schema: Any, path: KeyPath) -> Iterator[tuple[KeyPath, dict[str, Any]]]:
    """Every object in the schema that is a schema (not the data under `enum`, `const`...)."""
    if isinstance(schema, dict):
        yield path, schema
        for key, item in schema.items():
            if key not in _DATA:
                yield from _nodes(item, (*path, key))
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _nodes(item, (*path, index))


# ---------------------------------------------------------------- some value satisfies it


def _check_satisfiable(schema: dict[str, Any], error_at: _ErrorAt) -> None:
    for path, node in _nodes(schema, ()):
        if _under_not(path):
            continue  # a contradiction under `not` allows everything: odd, not wrong
        for low, high in _BOUNDS:
            below, above = node.get(low), node.get(high)
            if _number(below) and _number(above) and below > above:
                raise error_at(
                    (*path, low),
                    f"`{low}` {_shown(below)} is above `{high}` {_shown(above)}: no value is both",
                    f"swap them, or fix the one that is wrong (`{low}` <= `{high}`)",
                )
    if not _empty(schema, resolve=True):
        return
    # An optional property no value satisfies only forbids that key; the culprit is found
    # where every value of the whole must also satisfy the part.
    path, node = _culprit(schema, ())
    if isinstance(node, dict) and node.get("enum") == []:
        raise error_at((*path, "enum"), "`enum` is empty: no value satisfies this schema", _HINT)
    raise error_at(
        path, "no value satisfies this schema: its constraints contradict each other", _HINT
    )


# Keywords whose members are named by the user: a property called "not" is no `not`.
_NAMED = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")


def _under_not(path: KeyPath) -> bool:
    return any(
        step == "not" and (index == 0 or path[index - 1] not in _NAMED)
        for index, step in enumerate(path)
    )


_HINT = (
    "hypothesis-jsonschema reduced it to a schema nothing satisfies: look for bounds that "
    "leave no room (an integer between 1.2 and 1.7), types that exclude each other under "
    "`allOf`, a required property whose schema is `false`"
)


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    return json.dumps(value)


def _culprit(node: Any, path: KeyPath) -> tuple[KeyPath, Any]:
    """The deepest part of an empty schema that every value must satisfy and none does."""
    for step, part in _needed_parts(node):
        if _empty(part):
            return _culprit(part, (*path, *step))
    return path, node


def _needed_parts(node: Any) -> Iterator[tuple[KeyPath, Any]]:
    """The subschemas every value of `node` must satisfy too: `allOf`, required properties,
    the items an array must have."""
    if not isinstance(node, dict):
        return
    for index, part in enumerate(node.get("allOf") or ()):
        yield ("allOf", index), part
    properties = node.get("properties") or {}
    for name in node.get("required") or ():
        if isinstance(properties, dict) and name in properties:
            yield ("properties", name), properties[name]
    least = node.get("minItems", 0)
    items = node.get("items")
    if isinstance(items, dict | bool) and _number(least) and least >= 1:
        yield ("items",), items
    for key in ("prefixItems", "items"):
        listed = node.get(key)
        if isinstance(listed, list) and _number(least):
            for index, part in enumerate(listed[: int(least)]):
                yield (key, index), part


def _empty(schema: Any, resolve: bool = False) -> bool:
    """hypothesis-jsonschema's reduction of `schema` is the schema nothing satisfies. With
    `resolve`, local `$ref`s are followed first (as hypothesis-jsonschema does); a schema it
    cannot reduce is not called empty (drawing from it says what is wrong)."""
    try:
        from hypothesis_jsonschema._canonicalise import FALSEY, canonicalish
        from hypothesis_jsonschema._resolve import resolve_all_refs
    except ImportError:  # another version of the library: nothing to tell
        return False
    try:
        if resolve and isinstance(schema, dict):
            schema = resolve_all_refs(copy.deepcopy(schema))
        return bool(canonicalish(schema) == FALSEY)
    except Exception:  # a recursive $ref, a schema it does not know: said when drawing
        return False
