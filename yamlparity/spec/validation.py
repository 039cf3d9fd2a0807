"""Schema validation: check a spec against the shipped JSON Schema, and turn what is wrong
into one SpecError at the file:line:column of the bad value, with a plain message and a hint
(the schema's description, or a did-you-mean for a misspelt key or value).

Separate from load.py because choosing the most useful of the validator's errors and wording it
is a job of its own; `suggest` and `CASE_NAME_HINT` are shared with the includes and the spec
builder, which word their own errors the same way.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, cast

import jsonschema
from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from yamlparity.core.errors import SpecError
from yamlparity.core.jsonvalue import JSON, Number, dumps, type_name
from yamlparity.spec import methods
from yamlparity.spec.source import Document, KeyPath, format_key_path

CASE_NAME_HINT = "case names use letters, digits, `_`, `.`, `-` and do not start with `.`"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema of a spec file (Draft 2020-12)."""
    text = resources.files("yamlparity.spec.schema").joinpath("spec.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def editor_schema() -> dict[str, Any]:
    """The schema an editor checks one file against: every key and type of a spec, without the
    keys only a whole spec must have (a spec that takes its `targets` from `include:`, or a part
    file that holds only targets, is fine as it is; the loader checks the merged spec)."""
    data = json.loads(json.dumps(schema()))
    data.pop("required", None)
    data["description"] = (
        f"{data.get('description', '')} (Editor schema: keys that may come from `include:` "
        "are not required here; `yamlparity validate` checks the whole spec.)"
    ).strip()
    return cast(dict[str, Any], data)


def _is_number(_checker: Any, instance: object) -> bool:
    return type(instance) is Number


def _is_integer(_checker: Any, instance: object) -> bool:
    return type(instance) is Number and instance.is_integer_literal


def _bound(op: Callable[[Decimal, Decimal], bool], words: str) -> Any:
    """A `minimum`-style keyword that compares a Number by its exact decimal value."""

    def check(
        validator: Any, limit: Any, instance: object, _schema: Any
    ) -> Iterator[ValidationError]:
        if type(instance) is Number and not op(instance.value, Decimal(str(limit))):
            yield ValidationError(f"{_short(instance)} is {words} {limit}")

    return check


_TYPES = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many(
    {"number": _is_number, "integer": _is_integer},
)
_Validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator,
    validators={
        "minimum": _bound(lambda a, b: a >= b, "less than the minimum,"),
        "maximum": _bound(lambda a, b: a <= b, "more than the maximum,"),
        "exclusiveMinimum": _bound(lambda a, b: a > b, "not above"),
        "exclusiveMaximum": _bound(lambda a, b: a < b, "not below"),
    },
    type_checker=_TYPES,
)


def validate(doc: Document) -> None:
    validator = _Validator(schema())
    errors = list(validator.iter_errors(doc.value))
    if not errors:
        return
    error = best_match(errors, key=_relevance(doc))
    assert error is not None
    raise _schema_error(doc, error)


def _relevance(doc: Document) -> Callable[[ValidationError], tuple[Any, ...]]:
    weak = {"anyOf", "oneOf", "if", "then", "else"}

    def key(error: ValidationError) -> tuple[Any, ...]:
        mark = doc.mark(tuple(error.absolute_path))
        # shallow first (more is wrong), then earlier in the file (stable, reads in order)
        return (-len(error.absolute_path), -mark.line, -mark.column, error.validator not in weak)

    return key


def _schema_error(doc: Document, error: ValidationError) -> SpecError:
    path: KeyPath = tuple(error.absolute_path)
    where = format_key_path(path) or "the top level"
    instance = error.instance
    kind = str(error.validator)
    sub = error.schema if isinstance(error.schema, dict) else {}
    described = sub.get("description") or _nearest_description(error)
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = list(sub.get("properties", {}))
        unknown = next(k for k in instance if k not in allowed)
        hint = (
            _MISPLACED.get((_last_key(path), unknown))
            or suggest(unknown, allowed)
            or f"valid keys here: {', '.join(allowed)}"
        )
        return doc.error((*path, unknown), f"unknown key {unknown!r} in {where}", hint, at_key=True)
    if kind == "required" and isinstance(instance, dict):
        missing = [k for k in sub.get("required", []) if k not in instance]
        name = missing[0] if missing else str(error.validator_value)
        return doc.error(
            path,
            f"{where} is missing the required key {name!r}",
            _prop_hint(sub, name),
            at_key=True,
        )
    if kind == "type":
        wanted = _type_words(error.validator_value)
        quoted = isinstance(instance, bool | Number) and error.validator_value == "string"
        return doc.error(
            path,
            f"{where} must be {wanted}, not {_describe(instance)}",
            _quote_hint(doc, path, cast(bool | Number, instance)) if quoted else described,
        )
    if kind in ("enum", "const"):
        options: list[Any] = (
            list(cast(Any, error.validator_value)) if kind == "enum" else [error.validator_value]
        )
        shown = ", ".join(dumps(cast(JSON, o)) for o in options)
        close = (
            suggest(instance, [o for o in options if isinstance(o, str)])
            if isinstance(instance, str)
            else None
        )
        return doc.error(
            path, f"{where} must be one of: {shown}; got {_short(instance)}", close or described
        )
    if kind == "propertyNames":
        bad = (
            next((k for k in instance if not re.fullmatch(_pattern_of(sub), k)), None)
            if isinstance(instance, dict)
            else None
        )
        return doc.error(
            (*path, bad) if bad is not None else path,
            f"{_short(bad)} is not a valid name in {where}",
            "names use letters, digits, `_`, `.`, `-` (environment names: letters, digits, `_`)",
            at_key=True,
        )
    if kind == "pattern" and isinstance(instance, str):
        return _pattern_error(doc, path, instance, described)
        return doc.error(
            path, f"{where}: {_short(instance)} does not have the expected form", described
        )
    if kind in ("minItems", "minProperties", "minLength"):
        counted = {"minItems": "item", "minProperties": "entry", "minLength": "character"}[kind]
        if kind == "minProperties" and path == ("targets",):
            return doc.error(
                path,
                f"a spec needs at least two targets; found {len(cast(dict[str, Any], instance))}",
                "add another implementation under `targets:` to compare with",
            )
        need = error.validator_value
        return doc.error(
            path,
            f"{where} needs at least {need} {_plural(counted, need)}",
            _KEY_HINTS.get(_last_key(path)) or described,
        )
    if kind in ("maxProperties", "maxItems"):
        return doc.error(
            path, f"{where} allows at most {error.validator_value} entry here", described
        )
    if kind == "uniqueItems":
        return doc.error(path, f"{where} lists the same value twice", described)
    return doc.error(path, f"{where}: {error.message}", described)


def _nearest_description(error: ValidationError) -> str | None:
    """The description of the closest schema around the failing keyword (`then: {const}` has
    none of its own; the property that holds it does)."""
    root = schema()
    node: Any = root
    found: str | None = None
    for step in error.absolute_schema_path:
        if isinstance(node, dict) and "$ref" in node and step not in node:
            node = _resolve_ref(root, node["$ref"])
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("description"), str):
            found = node["description"]
    return found


def _resolve_ref(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node


def _pattern_error(doc: Document, path: KeyPath, text: str, described: str | None) -> SpecError:
    if path == ("name",):
        return doc.error(
            path,
            f"{text!r} is not a valid spec name",
            "the name becomes the report's file name: letters, digits, `_`, `.`, `-` "
            "(no `/`, not starting with `.`)",
        )
    if len(path) == 2 and path[0] == "secrets":
        return doc.error(
            path,
            f"{text!r} is not a valid variable name",
            "secrets name environment variables: letters, digits, `_`, not starting with a digit",
        )
    parent = _at_or_none(doc.value, path)
    if isinstance(parent, dict) and text in parent:  # propertyNames: a bad key
        return doc.error(
            (*path, text),
            f"{text!r} is not a valid name in {format_key_path(path)}",
            "names use letters, digits, `_`, `.`, `-` (environment names: letters, digits, `_`)",
            at_key=True,
        )
    if len(path) == 3 and path[0] == "cases" and path[2] == "name":
        return doc.error(path, f"bad case name {text!r}", CASE_NAME_HINT)
    if path[-2:] == ("request", "method"):
        return doc.error(path, *methods.wrong_form(text))
    where = format_key_path(path) or "the top level"
    return doc.error(path, f"{where}: {_short(text)} is not allowed here", described)


# Keys written one level off: where they belong.
_MISPLACED = {
    ("compare", "tolerance"): "a tolerance is set for a path, under `paths` (`.` is the whole "
    "output): `compare: {paths: {.: {tolerance: {abs: 0.01}}}}`",
}

_KEY_HINTS = {
    "run": "write the command and its arguments, e.g. [python3, helper.py]",
    "build": "write the build command, e.g. [make, helper], or drop `build:`",
    "normalize": "write a jq-style rule such as del(.timestamp), or drop the item",
}


def _last_key(path: KeyPath) -> str:
    """The nearest key name in a path (`normalize[0]` -> normalize)."""
    return next((str(step) for step in reversed(path) if isinstance(step, str)), "")


def value_at(value: JSON, path: KeyPath) -> JSON:
    for step in path:
        value = value[step]  # type: ignore[index]
    return value


def _at_or_none(value: JSON, path: KeyPath) -> JSON:
    try:
        return value_at(value, path)
    except (KeyError, IndexError, TypeError):
        return None


def _plural(word: str, count: object) -> str:
    if count == 1:
        return word
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


def _pattern_of(sub: dict[str, Any]) -> str:
    names = sub.get("propertyNames", {})
    return str(names.get("pattern", ".*")).strip("^$")


def _prop_hint(sub: dict[str, Any], name: str) -> str | None:
    prop = sub.get("properties", {}).get(name, {})
    text = prop.get("description")
    return f"{name}: {text}" if text else None


def _type_words(value: Any) -> str:
    words = {
        "string": "a string",
        "number": "a number",
        "integer": "an integer",
        "boolean": "true or false",
        "object": "a mapping",
        "array": "a list",
        "null": "null",
    }
    kinds = value if isinstance(value, list) else [value]
    return " or ".join(words.get(str(k), str(k)) for k in kinds)


def _describe(value: object) -> str:
    kind = type_name(cast(JSON, value))
    words = {"object": "a mapping", "array": "a list", "null": "null", "boolean": "a boolean"}
    if kind in words:
        return words[kind]
    if kind == "number":
        assert isinstance(value, Number)
        return (
            f"the number {value.literal}"
            if not value.is_integer_literal
            else f"the integer {value.literal}"
        )
    return f"the string {_short(value)}"


def _short(value: object) -> str:
    text = dumps(cast(JSON, value)) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _quote_hint(doc: Document, path: KeyPath, instance: bool | Number) -> str:
    """YAML read a bare `-6`, `+5`, `0755` or `true` as a number or a boolean: quoted as
    written, it is text (the parsed value, `5` or `755`, would change the command)."""
    return f'quote it to make it text: "{_written(doc, path) or dumps(instance)}"'


def _written(doc: Document, path: KeyPath) -> str | None:
    """A plain scalar's text as written in the file (up to `,`, `]`, `}` or a comment)."""
    mark = doc.mark(path)
    line = mark.source.line(mark.line)
    if line is None or mark.style is not None or not mark.column:
        return None
    text = re.split(r"[,\]}]|\s#", line[mark.column - 1 :], maxsplit=1)[0].strip()
    return text or None


def suggest(word: str, options: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None
