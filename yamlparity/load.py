"""Load a spec file: includes, JSON Schema validation, interpolation, fixtures, the frozen model.

Everything is checked here, before anything runs; every user error is one `SpecError` with a
file:line:column, a plain message and a hint.

Decisions (see also docs/spec-format.md):
- Includes: `include:` paths are relative to the including file; the including file wins; mappings
  merge deeply; the lists `normalize`, `expect`, `known` concatenate (included entries first);
  every other list is replaced. Other relative paths resolve against the (top) spec's folder.
- Interpolation happens after schema validation, so `${VAR}` only ever yields strings.
- `find_specs`: a YAML file found in a folder is a spec when its top level has `cases` or
  `cases_from`; other YAML files (include fragments, fixtures) are skipped. A file named
  explicitly is always a spec.
"""

from __future__ import annotations

import difflib
import fnmatch
import glob
import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, cast

import jinja2
import jsonschema
from jinja2 import nodes as jinja_nodes
from jinja2.sandbox import SandboxedEnvironment
from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from yamlparity.caselist import CaseList, FixtureFile, FixtureIndex
from yamlparity.errors import Location, RuleError, SpecError
from yamlparity.jsonvalue import (
    JSON,
    JsonDecodeError,
    Number,
    dumps,
    duplicate_key_position,
    type_name,
)
from yamlparity.model import (
    COMMAND_FACETS,
    HTTP_FACETS,
    Calibration,
    Case,
    CommandTarget,
    CompareSettings,
    Expectation,
    HttpTarget,
    KnownDivergence,
    PathOptions,
    ReportConfig,
    RequestTemplate,
    Rule,
    Service,
    Spec,
    Target,
)
from yamlparity.redact import MIN_SECRET_LENGTH, SENSITIVE_HEADERS, Redactor
from yamlparity.source import (
    Document,
    KeyPath,
    NodeMark,
    format_key_path,
    load_yaml,
    read_text,
)

__all__ = ["find_specs", "load_spec", "schema"]

FRAGMENT_KEYS = (
    "targets",
    "env",
    "normalize",
    "request",
    "compare",
    "expect",
    "known",
    "stdin",
    "output",
    "report",
    "include",
    "secrets",
)
_CONCAT_KEYS = frozenset({"normalize", "expect", "known", "secrets"})
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
_VAR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)
_ENV_HINT = "set it with --env {name}=VALUE or give a default: ${{{name}:-value}}"
_CASE_NAME_HINT = "case names use letters, digits, `_`, `.`, `-` and do not start with `.`"
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VAR_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}")
_PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
MAX_SECONDS = 365 * 24 * 3600.0  # a timeout beyond it is a typo (and overflows some waits)


# ---------------------------------------------------------------- public API


def load_spec(
    path: Path,
    env_overrides: dict[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    allow_outside: bool = False,
) -> Spec:
    """Load, validate and build one spec; raises SpecError (and nothing else) on user errors."""
    builder = _SpecBuilder(
        Path(path),
        env_overrides or {},
        os.environ if environ is None else environ,
        allow_outside,
    )
    try:
        return builder.build()
    except RecursionError:
        raise SpecError("the spec is nested too deeply", Location(os.path.normpath(path))) from None
    except SpecError as exc:
        # After interpolation a message may quote a secret's value (a hint echoing a command).
        _redact_error(exc, Redactor(builder.secret_values))
        raise


def _redact_error(exc: SpecError, redactor: Redactor) -> None:
    if not redactor:
        return
    exc.message = redactor.text(exc.message)
    exc.args = (exc.message,)
    if exc.hint is not None:
        exc.hint = redactor.text(exc.hint)
    if exc.source_line is not None:
        exc.source_line = redactor.text(exc.source_line)


def find_specs(paths: Sequence[Path]) -> list[Path]:
    """Spec files named directly, plus specs found recursively under folders (sorted)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            specs = [p for p in _yaml_files(path) if _looks_like_spec(p)]
            if not specs:
                raise SpecError(
                    f"no spec found under {path}",
                    Location(str(path)),
                    "a spec is a .yaml/.yml file with a top-level `cases` or `cases_from`",
                )
            found.extend(specs)
        elif path.exists():
            raise SpecError(
                f"not a regular file: {path} ({_file_kind(path)})",
                Location(str(path)),
                "a spec is a .yaml/.yml file (or a folder of them)",
            )
        else:
            raise SpecError(f"no such file or folder: {path}", Location(str(path)))
    unique = {os.path.normpath(p): p for p in found}
    return [unique[k] for k in sorted(unique)]


def _file_kind(path: Path) -> str:
    """What a path that is neither a file nor a folder is (`/dev/null`: a character device)."""
    mode = path.stat().st_mode
    kinds = (
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((word for test, word in kinds if test(mode)), "not a file or folder")


def _yaml_files(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .git, .venv...
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")) and not name.startswith("."):
                yield Path(root) / name


def _looks_like_spec(path: Path) -> bool:
    """True unless the file parses as a mapping without `cases`/`cases_from` (a fragment)."""
    try:
        doc = load_yaml(read_text(path, str(path)))
    except (SpecError, RecursionError):
        return True  # broken: let load_spec report it
    return "cases" in doc.value or "cases_from" in doc.value


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema of a spec file (Draft 2020-12)."""
    text = resources.files("yamlparity.schema").joinpath("spec.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# ---------------------------------------------------------------- includes


def _load_with_includes(path: Path, display: str, chain: tuple[tuple[str, str], ...]) -> Document:
    """Load a file and merge its includes under it; `chain` is (identity, display) of includers."""
    doc = load_yaml(read_text(path, display))
    raw = doc.value.get("include")
    if raw is None:
        return doc
    includes = _include_list(doc, raw)
    merged: Document | None = None
    for index, name in includes:
        target = path.parent / name
        target_display = os.path.normpath(os.path.join(os.path.dirname(display), name))
        where = ("include", index) if isinstance(raw, list) else ("include",)
        key = os.path.normcase(os.path.abspath(target))
        if key in (k for k, _ in chain):
            names = " -> ".join([*(d for _, d in chain), target_display])
            raise doc.error(where, f"include cycle: {names}", "remove one of these includes")
        if not target.is_file():
            raise doc.error(
                where,
                f"included path is not a file: {target_display}"
                if target.exists()
                else f"included file not found: {target_display}",
                "include paths are relative to the including file",
            )
        child = _load_with_includes(target, target_display, (*chain, (key, target_display)))
        _check_fragment(child)
        merged = child if merged is None else _merge(merged, child)
    if merged is None:
        return doc
    return _merge(merged, doc)


def _include_list(doc: Document, raw: JSON) -> list[tuple[int, str]]:
    items = raw if isinstance(raw, list) else [raw]
    out: list[tuple[int, str]] = []
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item:
            where = ("include", index) if isinstance(raw, list) else ("include",)
            raise doc.error(where, "include must be a file path or a list of file paths")
        out.append((index, item))
    return out


def _check_fragment(doc: Document) -> None:
    for key in doc.value:
        if key not in FRAGMENT_KEYS:
            raise doc.error(
                (key,),
                f"key {key!r} is not allowed in an included file",
                _suggest(key, FRAGMENT_KEYS)
                or f"an included file may hold: {', '.join(FRAGMENT_KEYS)}",
                at_key=True,
            )


def _merge(base: Document, over: Document) -> Document:
    """`over` wins; mappings merge deeply; normalize/expect/known concatenate."""
    marks: dict[KeyPath, NodeMark] = {(): over.marks.get((), base.mark(()))}
    value = _merge_map(base, over, (), marks)
    value.pop("include", None)
    return Document(value, over.source, marks)


def _merge_map(
    base: Document,
    over: Document,
    path: KeyPath,
    marks: dict[KeyPath, NodeMark],
) -> dict[str, JSON]:
    left = _at(base.value, path)
    right = _at(over.value, path)
    assert isinstance(left, dict) and isinstance(right, dict)
    out: dict[str, JSON] = {}
    # the including file's key order first (target order shows in reports)
    for key in [*right, *(k for k in left if k not in right)]:
        sub = (*path, key)
        if key not in right:
            out[key] = left[key]
            _copy_marks(base, sub, sub, marks)
        elif key not in left:
            out[key] = right[key]
            _copy_marks(over, sub, sub, marks)
        elif isinstance(left[key], dict) and isinstance(right[key], dict):
            marks[sub] = over.marks.get(sub, base.mark(sub))
            if path == () and key == "normalize":
                out[key] = _merge_facet_rules(base, over, sub, marks)
            else:
                out[key] = _merge_map(base, over, sub, marks)
        elif not path and key in _CONCAT_KEYS and isinstance(left[key], list):
            out[key] = _concat(base, over, sub, marks)
        else:
            out[key] = right[key]
            _copy_marks(over, sub, sub, marks)
    return out


def _merge_facet_rules(
    base: Document,
    over: Document,
    path: KeyPath,
    marks: dict[KeyPath, NodeMark],
) -> dict[str, JSON]:
    left, right = _at(base.value, path), _at(over.value, path)
    assert isinstance(left, dict) and isinstance(right, dict)
    out: dict[str, JSON] = {}
    for key in [*left, *(k for k in right if k not in left)]:
        sub = (*path, key)
        if key in left and key in right and isinstance(left[key], list):
            out[key] = _concat(base, over, sub, marks)
        else:
            src = over if key in right else base
            out[key] = right[key] if key in right else left[key]
            _copy_marks(src, sub, sub, marks)
    return out


def _concat(base: Document, over: Document, path: KeyPath, marks: dict[KeyPath, NodeMark]) -> JSON:
    left, right = _at(base.value, path), _at(over.value, path)
    assert isinstance(left, list)
    if not isinstance(right, list):
        raise over.error(
            path,
            f"{format_key_path(path)} is a list in an included file; write a list here too",
        )
    marks[path] = over.mark(path)
    for index in range(len(left)):
        _copy_marks(base, (*path, index), (*path, index), marks)
    for index in range(len(right)):
        _copy_marks(over, (*path, index), (*path, len(left) + index), marks)
    return [*left, *right]


def _copy_marks(doc: Document, old: KeyPath, new: KeyPath, marks: dict[KeyPath, NodeMark]) -> None:
    size = len(old)
    for key, mark in doc.marks.items():
        if key[:size] == old:
            marks[new + key[size:]] = mark


def _at(value: JSON, path: KeyPath) -> JSON:
    for step in path:
        value = value[step]  # type: ignore[index]
    return value


# ---------------------------------------------------------------- schema validation


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
            yield ValidationError(f"{instance.literal} is {words} {limit}")

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


def _validate(doc: Document) -> None:
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
        hint = _suggest(unknown, allowed) or f"valid keys here: {', '.join(allowed)}"
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
        return doc.error(
            path,
            f"{where} must be {wanted}, not {_describe(instance)}",
            described,
        )
    if kind in ("enum", "const"):
        options: list[Any] = (
            list(cast(Any, error.validator_value)) if kind == "enum" else [error.validator_value]
        )
        shown = ", ".join(dumps(cast(JSON, o)) for o in options)
        close = (
            _suggest(instance, [o for o in options if isinstance(o, str)])
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
        return doc.error(path, f"bad case name {text!r}", _CASE_NAME_HINT)
    where = format_key_path(path) or "the top level"
    return doc.error(path, f"{where}: {_short(text)} is not allowed here", described)


_KEY_HINTS = {
    "run": "write the command and its arguments, e.g. [python3, helper.py]",
    "build": "write the build command, e.g. [make, helper], or drop `build:`",
    "normalize": "write a jq-style rule such as del(.timestamp), or drop the item",
}


def _last_key(path: KeyPath) -> str:
    """The nearest key name in a path (`normalize[0]` -> normalize)."""
    return next((str(step) for step in reversed(path) if isinstance(step, str)), "")


def _at_or_none(value: JSON, path: KeyPath) -> JSON:
    try:
        return _at(value, path)
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


def _suggest(word: str, options: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


# ---------------------------------------------------------------- interpolation


class _Interpolator:
    """`${VAR}`, `${VAR:-default}` and `$$` in every string outside case data."""

    def __init__(self, overrides: Mapping[str, str], environ: Mapping[str, str]) -> None:
        self.layers: list[Mapping[str, str]] = [overrides, environ]

    def lookup(self, name: str) -> str | None:
        for layer in self.layers:
            if name in layer:
                return layer[name]
        return None

    def text(self, doc: Document, path: KeyPath, value: str, keep_port: bool = False) -> str:
        out: list[str] = []
        index = 0
        while True:
            found = value.find("$", index)
            if found < 0:
                out.append(value[index:])
                return "".join(out)
            out.append(value[index:found])
            nxt = value[found + 1 : found + 2]
            if nxt == "$":
                out.append("$")
                index = found + 2
            elif nxt == "{":
                end = value.find("}", found)
                if end < 0:
                    raise self._error(
                        doc,
                        path,
                        found,
                        "unclosed ${ (missing })",
                        "write ${NAME}, or $$ for a literal $",
                    )
                out.append(self._variable(doc, path, found, value[found + 2 : end], keep_port))
                index = end + 1
            else:
                out.append("$")
                index = found + 1

    def _variable(self, doc: Document, path: KeyPath, at: int, inner: str, keep_port: bool) -> str:
        match = _VAR.fullmatch(inner)
        if match is None:
            raise self._error(
                doc,
                path,
                at,
                f"bad variable reference ${{{inner}}}",
                "write ${NAME} or ${NAME:-default} (NAME: letters, digits, _); $$ is a literal $",
            )
        name, default = match.group(1), match.group(2)
        if keep_port and name == "port" and default is None:
            return "${port}"  # the target's port, substituted when the run starts
        found = self.lookup(name)
        if found is not None:
            return found
        if default is not None:
            return default
        hint = _ENV_HINT.format(name=name)
        if name == "port" and path[0] == "targets":
            hint = "declare `port: auto` (or a number) on this HTTP target to use ${port}"
        raise self._error(doc, path, at, f"environment variable {name} is not set", hint)

    def _error(self, doc: Document, path: KeyPath, at: int, message: str, hint: str) -> SpecError:
        return doc.error(path, message, hint, column_offset=_offset(doc.mark(path), at))


def _offset(mark: NodeMark, index: int) -> int:
    """Columns from a scalar's start to character `index` of its value (single-line scalars)."""
    if not mark.single_line or mark.style in ("|", ">"):
        return 0
    return index + (1 if mark.style in ("'", '"') else 0)


def _interpolate_all(
    doc: Document, overrides: Mapping[str, str], environ: Mapping[str, str]
) -> dict[str, str]:
    """Interpolate the document in place; return the effective values of the `env:` names."""
    base = _Interpolator(overrides, environ)
    defaults: dict[str, str] = {}
    env = doc.value.get("env") or {}
    assert isinstance(env, dict)
    for name, raw in env.items():
        defaults[name] = base.text(doc, ("env", name), _scalar_text(raw))
    full = _Interpolator(overrides, environ)
    full.layers.append(defaults)
    for key in list(doc.value):
        if key != "env":
            doc.value[key] = _walk(doc, full, (key,), doc.value[key])
    effective = {name: full.lookup(name) or "" for name in defaults}
    doc.value["env"] = dict(effective)
    return effective


def _walk(doc: Document, interp: _Interpolator, path: KeyPath, value: JSON) -> JSON:
    if len(path) == 3 and path[0] == "cases" and path[2] in ("input", "vars"):
        return value  # case data is never interpolated
    if isinstance(value, str):
        return interp.text(doc, path, value, _keeps_port(doc, path))
    if isinstance(value, dict):
        return {k: _walk(doc, interp, (*path, k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(doc, interp, (*path, i), v) for i, v in enumerate(value)]
    return value


def _keeps_port(doc: Document, path: KeyPath) -> bool:
    if len(path) < 3 or path[0] != "targets" or path[2] not in ("url", "headers", "service"):
        return False
    target = doc.value["targets"][path[1]]  # type: ignore[index]
    return isinstance(target, dict) and target.get("port") is not None


def _scalar_text(value: JSON) -> str:
    if isinstance(value, Number):
        return value.literal
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------- the spec builder


@dataclass
class _SpecBuilder:
    path: Path
    overrides: Mapping[str, str]
    environ: Mapping[str, str]
    allow_outside: bool
    secret_values: frozenset[str] = frozenset()
    fixture_paths: dict[str, Path] = field(default_factory=dict)

    def build(self) -> Spec:
        display = os.path.normpath(str(self.path))
        root_key = os.path.normcase(os.path.abspath(self.path))
        self.doc = _load_with_includes(self.path, display, ((root_key, display),))
        self.folder = self.path.resolve().parent
        self._check_target_kinds()
        _validate(self.doc)
        secret_names = self._secrets()
        self._check_credentials(secret_names)
        env = _interpolate_all(self.doc, self.overrides, self.environ)
        data = self.doc.value
        targets = {name: self._target(name) for name in cast(dict[str, JSON], data["targets"])}
        kind = self._spec_kind(targets)
        self.kind = kind
        self.target_names = tuple(targets)
        cases = self._cases()
        stem = self.path.name.rsplit(".", 1)[0]
        name = cast(str, data.get("name", stem))
        return Spec(
            name=name,
            title=cast(str, data.get("title", name)),
            description=cast(str, data.get("description", "")),
            file=self.path.resolve(),
            env=env,
            targets=targets,
            kind=kind,
            output=cast(Any, data.get("output", "json")),
            stdin=self._stdin(),
            request=self._request(),
            rules=self._rules(),
            compare=self._compare(),
            expectations=self._expectations(cases),
            known=self._known(cases),
            cases=cases,
            report=self._report(),
            location=Location(display, 1, 1),
            calibration=self._calibration(),
            secrets=self.secret_values,
            secret_names=secret_names,
        )

    # -- secrets

    def _secrets(self) -> tuple[str, ...]:
        """The `secrets:` names; their values come from --env or the environment, never the
        spec, and are long enough to be masked without masking ordinary text."""
        names = cast(list[str], self.doc.value.get("secrets") or [])
        defaults = cast(dict[str, JSON], self.doc.value.get("env") or {})
        values: set[str] = set()
        for index, name in enumerate(names):
            if name in defaults:
                raise self.err(
                    ("env", name),
                    f"secret {name} has a value written in the spec",
                    f"remove {name} from `env:`; pass it with --env {name}=VALUE or the "
                    "environment",
                    at_key=True,
                )
            value = self.overrides.get(name, self.environ.get(name))
            if value is None:
                raise self.err(
                    ("secrets", index),
                    f"secret {name} is not set",
                    f"export {name}=... or pass --env {name}=VALUE (a secret never has a value "
                    "in the spec)",
                )
            if len(value) < MIN_SECRET_LENGTH:
                raise self.err(
                    ("secrets", index),
                    f"secret {name} is too short to be masked ({len(value)} characters)",
                    f"a secret needs at least {MIN_SECRET_LENGTH} characters; masking a shorter "
                    "one would hide ordinary text in reports",
                )
            values.add(value)
        self.secret_values = frozenset(values)
        return tuple(names)

    def _check_credentials(self, secret_names: tuple[str, ...]) -> None:
        """Credential headers take their value from a listed secret (or from case data)."""
        for base, headers in self._header_maps():
            for header, value in headers.items():
                if header.lower() not in SENSITIVE_HEADERS or not isinstance(value, str):
                    continue
                text = value.replace("$$", "")
                if "{{" in text:
                    continue  # rendered from case data: a test credential the case supplies
                refs = _VAR_REF.findall(text)
                unlisted = [r for r in refs if r not in secret_names]
                if not refs:
                    raise self.err(
                        (*base, header),
                        f"the {header} header holds a credential written in the spec",
                        f'list a variable under `secrets:` and write `{header}: "${{API_TOKEN}}"`',
                    )
                if unlisted:
                    raise self.err(
                        (*base, header),
                        f"the {header} header uses ${{{unlisted[0]}}}, which is not listed under "
                        "`secrets:`",
                        f"add `secrets: [{unlisted[0]}]` so its value is masked in reports",
                    )

    def _header_maps(self) -> Iterator[tuple[KeyPath, dict[str, JSON]]]:
        data = self.doc.value
        for name, target in cast(dict[str, JSON], data.get("targets") or {}).items():
            if isinstance(target, dict) and isinstance(target.get("headers"), dict):
                yield ("targets", name, "headers"), cast(dict[str, JSON], target["headers"])
        request = data.get("request")
        if isinstance(request, dict) and isinstance(request.get("headers"), dict):
            yield ("request", "headers"), cast(dict[str, JSON], request["headers"])
        for index, case in enumerate(cast(list[JSON], data.get("cases") or [])):
            override = case.get("request") if isinstance(case, dict) else None
            if isinstance(override, dict) and isinstance(override.get("headers"), dict):
                path: KeyPath = ("cases", index, "request", "headers")
                yield path, cast(dict[str, JSON], override["headers"])

    def _calibration(self) -> Calibration:
        raw = cast(dict[str, JSON], self.doc.value.get("calibration") or {})
        return Calibration(
            repeat=_int(raw.get("repeat"), 3), unsafe_methods=bool(raw.get("unsafe_methods"))
        )

    # -- helpers

    def err(self, path: KeyPath, message: str, hint: str | None = None, **kw: Any) -> SpecError:
        return self.doc.error(path, message, hint, **kw)

    def loc(self, path: KeyPath) -> Location:
        return self.doc.mark(path).location

    def resolve(self, text: str) -> Path:
        return (self.folder / text) if not os.path.isabs(text) else Path(text)

    # -- targets

    def _check_target_kinds(self) -> None:
        """Before the schema: a target is command (`run`) or HTTP (`url`), never both or neither."""
        targets = self.doc.value.get("targets")
        if not isinstance(targets, dict):
            return
        for name, target in targets.items():
            if not isinstance(target, dict):
                continue
            has_run, has_url = "run" in target, "url" in target
            if has_run and has_url:
                raise self.err(
                    ("targets", name, "url"),
                    f"target {name!r} has both `run` and `url`",
                    "a target is either a command (`run`) or an HTTP service (`url`); to start "
                    "a server for an HTTP target, put its command under `service: {run: ...}`",
                    at_key=True,
                )
            if not has_run and not has_url:
                raise self.err(
                    ("targets", name),
                    f"target {name!r} has neither `run` nor `url`",
                    "give `run: [argv...]` for a command target or `url: http://...` for an "
                    "HTTP target",
                    at_key=True,
                )

    def _target(self, name: str) -> Target:
        raw = cast(dict[str, JSON], self.doc.value["targets"][name])  # type: ignore[call-overload,index]
        base: KeyPath = ("targets", name)
        if "url" in raw:
            return self._http_target(name, raw, base)
        return CommandTarget(
            name=name,
            location=self.loc(base),
            run=self._argv(raw, (*base, "run"), bool(raw.get("shell", False))),
            shell=bool(raw.get("shell", False)),
            cwd=self.resolve(cast(str, raw.get("cwd", "."))),
            env=_texts(raw.get("env")),
            timeout=self._seconds(raw, base, "timeout", 30.0),
            build=self._build_cmd(raw.get("build")),
            build_timeout=self._seconds(raw, base, "build_timeout", 600.0),
            when_missing=cast(Any, raw.get("when_missing", "error")),
            mode=cast(Any, raw.get("mode", "process")),
            workers=_int(raw.get("workers"), 1),
            max_output=_int(raw.get("max_output"), 16 * 1024 * 1024),
        )

    def _http_target(self, name: str, raw: dict[str, JSON], base: KeyPath) -> HttpTarget:
        url = cast(str, raw["url"])
        if not re.match(r"https?://", url):
            raise self.err(
                (*base, "url"), f"target {name!r}: url must start with http:// or https://"
            )
        port = raw.get("port")
        if "${port}" in url and port is None:
            raise self.err(
                (*base, "url"),
                f"target {name!r} uses ${{port}} but has no `port:`",
                "add `port: auto` (a free port) or `port: 8080`",
            )
        return HttpTarget(
            name=name,
            location=self.loc(base),
            url=url,
            headers=_texts(raw.get("headers")),
            timeout=self._seconds(raw, base, "timeout", 30.0),
            port="auto" if port == "auto" else (_int(port, 0) if port is not None else None),
            service=self._service(cast(dict[str, JSON], raw["service"]), (*base, "service"))
            if "service" in raw
            else None,
            concurrency=_int(raw["concurrency"], 1) if "concurrency" in raw else None,
            max_output=_int(raw.get("max_output"), 64 * 1024 * 1024),
        )

    def _service(self, raw: dict[str, JSON], base: KeyPath) -> Service:
        ready = cast(dict[str, JSON], raw.get("ready") or {"port": True})
        if "log" in ready:
            self._regex((*base, "ready", "log"), cast(str, ready["log"]))
        shell = bool(raw.get("shell", False))
        return Service(
            run=self._argv(raw, (*base, "run"), shell),
            shell=shell,
            cwd=self.resolve(cast(str, raw.get("cwd", "."))),
            env=_texts(raw.get("env")),
            ready_http=cast(str | None, ready.get("http")),
            ready_port=ready.get("port") is True,
            ready_log=cast(str | None, ready.get("log")),
            start_timeout=self._seconds(raw, base, "start_timeout", 30.0),
            stop_timeout=self._seconds(raw, base, "stop_timeout", 5.0),
            reuse=bool(raw.get("reuse", False)),
        )

    def _seconds(self, raw: dict[str, JSON], base: KeyPath, key: str, default: float) -> float:
        """A duration the schema found > 0, still a usable float: `1e-400` would round to 0
        (no time at all) and `1e400` to infinity (waits refuse it, or never end)."""
        if key not in raw:
            return default
        value = _float(raw[key], default)
        literal = cast(Number, raw[key]).literal
        if value == 0:
            raise self.err(
                (*base, key),
                f"{key} {literal} is too small: it rounds to 0 seconds",
                "durations are in seconds, e.g. 0.5",
            )
        if not value <= MAX_SECONDS:
            raise self.err(
                (*base, key),
                f"{key} {literal} is too large (at most {MAX_SECONDS:.0f} seconds, a year)",
                "durations are in seconds, e.g. 30",
            )
        return value

    def _argv(self, raw: dict[str, JSON], path: KeyPath, shell: bool) -> tuple[str, ...] | str:
        value = raw[cast(str, path[-1])]
        if isinstance(value, str):
            if not shell:
                raise self.err(
                    path,
                    "`run` is a string but `shell` is not true",
                    f"write an argv list such as {dumps(value.split())}, or set `shell: true` "
                    "to run the string with /bin/sh",
                )
            return value
        if shell:
            raise self.err(
                path,
                "`shell: true` needs `run` to be one string",
                "write the command as one string, or drop `shell: true`",
            )
        return tuple(cast(list[str], value))

    def _build_cmd(self, value: JSON) -> tuple[str, ...] | str | None:
        if value is None or isinstance(value, str):
            return value
        return tuple(cast(list[str], value))

    def _spec_kind(self, targets: dict[str, Target]) -> Any:
        kinds = {t.kind for t in targets.values()}
        if len(kinds) > 1:
            first = next(iter(targets.values()))
            other = next(t for t in targets.values() if t.kind != first.kind)
            raise self.err(
                ("targets", other.name),
                f"targets mix kinds: {first.name!r} is a {first.kind} target, "
                f"{other.name!r} is an {other.kind} target"
                if other.kind == "http"
                else f"targets mix kinds: {first.name!r} is an {first.kind} target, "
                f"{other.name!r} is a {other.kind} target",
                "all targets of one spec must be commands (`run`) or all HTTP (`url`); "
                "split the spec in two",
                at_key=True,
            )
        return kinds.pop()

    # -- stdin / request

    def _stdin(self) -> str | None:
        value = self.doc.value.get("stdin")
        if value is None:
            return None
        if self.kind == "http":
            raise self.err(
                ("stdin",),
                "`stdin` applies to command targets; this spec's targets are HTTP",
                "use `request:` to shape HTTP requests",
                at_key=True,
            )
        self._template(("stdin",), cast(str, value))
        return cast(str, value)

    def _request(self) -> RequestTemplate | None:
        raw = self.doc.value.get("request")
        if self.kind == "command":
            if raw is not None:
                raise self.err(
                    ("request",),
                    "`request` applies to HTTP targets; this spec's targets are commands",
                    "use `stdin:` to shape what a command reads",
                    at_key=True,
                )
            return None
        if raw is None:
            return RequestTemplate(json="{{ case.input }}", has_json=True)
        request = self._request_overrides(("request",), cast(dict[str, JSON], raw))
        has_json = "json" in request or "body" not in request
        return RequestTemplate(
            method=cast(str, request.get("method", "POST")),
            path=cast(str, request.get("path", "/")),
            query=cast(dict[str, str], request.get("query", {})),
            headers=cast(dict[str, str], request.get("headers", {})),
            json=cast(JSON, request.get("json", "{{ case.input }}")) if has_json else None,
            has_json=has_json,
            body=cast(str | None, request.get("body")),
        )

    def _request_overrides(self, base: KeyPath, raw: dict[str, JSON]) -> dict[str, Any]:
        if "json" in raw and "body" in raw:
            raise self.err(
                (*base, "body"),
                "a request has either `json` or `body`, not both",
                "`json:` sends a structure as JSON, `body:` sends text; keep one",
                at_key=True,
            )
        out: dict[str, Any] = dict(raw)
        for key in ("query", "headers"):
            if key in raw:
                out[key] = _texts(raw[key])
        for key in ("path", "body"):
            if key in raw:
                self._template((*base, key), cast(str, raw[key]))
        for key in ("query", "headers"):
            for name, text in out.get(key, {}).items():
                self._template((*base, key, name), text)
        if "json" in raw:
            self._json_templates((*base, "json"), raw["json"])
        return out

    def _json_templates(self, path: KeyPath, value: JSON) -> None:
        if isinstance(value, str):
            self._template(path, value)
        elif isinstance(value, dict):
            for key, item in value.items():
                self._json_templates((*path, key), item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._json_templates((*path, index), item)

    def _template(self, path: KeyPath, text: str) -> None:
        try:
            _JINJA.parse(text)
        except jinja2.TemplateSyntaxError as exc:
            line = exc.lineno or 1
            where = f" (template line {line})" if line > 1 else ""
            raise self.err(
                path,
                f"template syntax error{where}: {exc.message}",
                "templates use Jinja syntax: {{ case.input }}, {{ case.input | tojson }}",
            ) from None

    # -- rules

    def _rules(self) -> tuple[Rule, ...]:
        raw = self.doc.value.get("normalize")
        items: list[tuple[KeyPath, JSON, str | None]] = []
        if isinstance(raw, list):
            items = [(("normalize", i), r, None) for i, r in enumerate(raw)]
        elif isinstance(raw, dict):
            for facet, rules in raw.items():
                self._facet(("normalize", facet), facet, at_key=True)
                items += [
                    (("normalize", facet, i), r, facet)
                    for i, r in enumerate(cast(list[JSON], rules))
                ]
        return tuple(self._rule(path, item, facet) for path, item, facet in items)

    def _rule(self, path: KeyPath, item: JSON, facet: str | None) -> Rule:
        targets: frozenset[str] | None = None
        text_path = path
        if isinstance(item, dict):
            text_path = (*path, "rule")
            text = cast(str, item["rule"])
            if "targets" in item:
                targets = frozenset(self._target_refs((*path, "targets"), item["targets"]))
            if "facet" in item:
                if facet is not None:
                    raise self.err(
                        (*path, "facet"),
                        "a rule under a facet key cannot name another facet",
                        at_key=True,
                    )
                facet = self._facet((*path, "facet"), cast(str, item["facet"]))
        else:
            text = cast(str, item)
        program = self._compile(text_path, text)
        return Rule(
            text=text,
            location=self.loc(text_path),
            program=program,
            facet=_facet_name(facet) if facet else self._main_facet(),
            targets=targets,
        )

    def _compile(self, path: KeyPath, text: str) -> Any:
        from yamlparity.normalize import compile_rule

        try:
            return compile_rule(text)
        except RuleError as exc:
            raise self._rule_error(path, text, exc) from None

    def _rule_error(self, path: KeyPath, text: str, exc: RuleError) -> SpecError:
        mark = self.doc.mark(path)
        column = max(exc.column, 1)
        offset = _offset(mark, min(column - 1, len(text)))
        return self.err(
            path,
            f"bad rule: {exc.message}",
            exc.hint or f"in the rule {text!r}",
            column_offset=offset,
        )

    def _main_facet(self) -> str:
        return "stdout" if self.kind == "command" else "body"

    def _facet(self, path: KeyPath, facet: str, at_key: bool = False) -> str:
        valid = COMMAND_FACETS if self.kind == "command" else HTTP_FACETS
        if facet in valid:
            return facet
        if (
            self.kind == "http"
            and facet.lower().startswith("headers.")
            and _HEADER_NAME.fullmatch(facet[8:])
        ):
            return _facet_name(facet)
        extra = ", headers.<name>" if self.kind == "http" else ""
        hint = _suggest(facet, valid) or f"{self.kind} facets: {', '.join(valid)}{extra}"
        raise self.err(path, f"{facet!r} is not a facet of a {self.kind} spec", hint, at_key=at_key)

    def _target_refs(self, path: KeyPath, value: JSON) -> list[str]:
        names = [value] if isinstance(value, str) else cast(list[str], value)
        for index, name in enumerate(names):
            if name not in self.target_names:
                where = (*path, index) if isinstance(value, list) else path
                raise self.err(
                    where,
                    f"unknown target {name!r}",
                    _suggest(name, self.target_names) or f"targets: {', '.join(self.target_names)}",
                )
        return names

    # -- compare

    def _compare(self) -> CompareSettings:
        raw = cast(dict[str, JSON], self.doc.value.get("compare") or {})
        base: KeyPath = ("compare",)
        facets = raw.get("facets")
        if facets is None:
            chosen: tuple[str, ...] = ("stdout",) if self.kind == "command" else ("status", "body")
        else:
            chosen = tuple(
                self._facet((*base, "facets", i), f) for i, f in enumerate(cast(list[str], facets))
            )
        baseline = raw.get("baseline")
        if baseline is not None:
            self._target_refs((*base, "baseline"), baseline)
        text = cast(dict[str, str], raw.get("text") or {})
        paths = cast(dict[str, dict[str, JSON]], raw.get("paths") or {})
        return CompareSettings(
            facets=chosen,
            arrays=cast(Any, raw.get("arrays", "ordered")),
            numbers=cast(Any, raw.get("numbers", "literal")),
            paths=tuple(self._path_options((*base, "paths", k), k, v) for k, v in paths.items()),
            text_trailing_whitespace=cast(Any, text.get("trailing_whitespace", "keep")),
            text_line_endings=cast(Any, text.get("line_endings", "keep")),
            baseline=cast(str | None, baseline),
        )

    def _path_options(self, path: KeyPath, text: str, raw: dict[str, JSON]) -> PathOptions:
        from yamlparity.normalize import parse_path

        try:
            pattern = parse_path(text)
        except RuleError as exc:
            raise self.err(
                path,
                f"bad path {text!r}: {exc.message}",
                exc.hint or "paths are jq-style: .items, .rows[], .a.b",
                at_key=True,
            ) from None
        tolerance = cast(dict[str, JSON], raw.get("tolerance") or {})
        return PathOptions(
            path=pattern,
            path_text=text,
            arrays=cast(Any, raw.get("arrays")),
            key=cast(str | None, raw.get("key")),
            numbers=cast(Any, raw.get("numbers")),
            tolerance_abs=_float(tolerance["abs"], 0.0) if "abs" in tolerance else None,
            tolerance_rel=_float(tolerance["rel"], 0.0) if "rel" in tolerance else None,
        )

    # -- expect / known

    def _expectations(self, cases: CaseList) -> tuple[Expectation, ...]:
        raw = cast(list[dict[str, JSON]], self.doc.value.get("expect") or [])
        return tuple(self._expectation(("expect", i), item, cases) for i, item in enumerate(raw))

    def _expectation(self, base: KeyPath, raw: dict[str, JSON], cases: CaseList) -> Expectation:
        checks = [k for k in ("exists", "equals", "matches") if k in raw]
        description = ", ".join(
            f"{k}: {dumps(v)}" for k, v in raw.items() if k not in ("targets", "cases")
        )
        targets = (
            frozenset(self._target_refs((*base, "targets"), raw["targets"]))
            if "targets" in raw
            else None
        )
        globs = (
            self._case_globs((*base, "cases"), raw["cases"], cases, stale_ok=False)
            if "cases" in raw
            else ()
        )
        common: dict[str, Any] = {
            "location": self.loc(base),
            "description": description,
            "targets": targets,
            "cases": globs,
        }
        if "status" in raw:
            if self.kind != "http":
                raise self.err(
                    (*base, "status"),
                    "`status` expectations apply to HTTP specs",
                    "a command's exit code is compared with `compare: {facets: [stdout, "
                    "exit_code]}`; or check the output with a `path` expectation",
                    at_key=True,
                )
            if "path" in raw or checks:
                raise self.err(
                    (*base, "status"),
                    "an expectation checks `status` or a `path`, not both",
                    "split it into two list items",
                    at_key=True,
                )
            return Expectation(kind="status", value=raw["status"], **common)
        if "path" not in raw:
            raise self.err(
                base,
                "an expectation needs `status` or `path`",
                "e.g. `- status: 200` or `- {path: $.ok, exists: true}`",
            )
        if len(checks) != 1:
            raise self.err(
                base,
                "a `path` expectation needs exactly one of exists, equals, matches",
                "e.g. `- {path: $.ok, exists: true}`",
            )
        path_text = cast(str, raw["path"])
        self._jsonpath((*base, "path"), path_text)
        check = checks[0]
        if check == "exists":
            return Expectation(
                kind="exists" if raw["exists"] else "absent", path=path_text, **common
            )
        if check == "equals":
            return Expectation(kind="equals", path=path_text, value=raw["equals"], **common)
        pattern = cast(str, raw["matches"])
        self._regex((*base, "matches"), pattern)
        return Expectation(kind="matches", path=path_text, pattern=pattern, **common)

    def _jsonpath(self, path: KeyPath, text: str) -> None:
        from yamlparity.expect import compile_path

        try:
            compile_path(text)
        except Exception as exc:  # jsonpath-ng raises several unrelated exception types
            raise self.err(
                path, f"bad JSONPath {text!r}: {exc}", "e.g. $.ok, $.errors[0].kind"
            ) from None

    def _regex(self, path: KeyPath, pattern: str) -> None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise self.err(
                path,
                f"bad regular expression: {exc}",
                "patterns use Python `re` syntax; escape special characters with \\",
                column_offset=_offset(self.doc.mark(path), exc.pos or 0),
            ) from None

    def _known(self, cases: CaseList) -> tuple[KnownDivergence, ...]:
        raw = cast(list[dict[str, JSON]], self.doc.value.get("known") or [])
        out: list[KnownDivergence] = []
        for index, item in enumerate(raw):
            base: KeyPath = ("known", index)
            facets = item.get("facets")
            out.append(
                KnownDivergence(
                    location=self.loc(base),
                    cases=self._case_globs((*base, "cases"), item["cases"], cases, stale_ok=False),
                    facets=tuple(
                        self._facet((*base, "facets", i), f)
                        for i, f in enumerate(cast(list[str], facets))
                    )
                    if facets is not None
                    else None,
                    reason=cast(str, item["reason"]),
                    link=cast(str | None, item.get("link")),
                )
            )
        return tuple(out)

    def _case_globs(
        self, path: KeyPath, value: JSON, cases: CaseList, stale_ok: bool
    ) -> tuple[str, ...]:
        globs = [value] if isinstance(value, str) else cast(list[str], value)
        for index, pattern in enumerate(globs):
            if stale_ok or _any_name_matches(cases, pattern):
                continue
            where = (*path, index) if isinstance(value, list) else path
            raise self.err(
                where,
                f"{pattern!r} matches no case (a stale entry?)",
                _suggest(pattern, list(cases.names())) or "remove it, or fix the case name or glob",
            )
        return tuple(globs)

    # -- cases

    def _cases(self) -> CaseList:
        raw = cast(list[dict[str, JSON]], self.doc.value.get("cases") or [])
        inline = [self._inline_case(("cases", i), item) for i, item in enumerate(raw)]
        seen: set[str] = set()
        for case in inline:
            if case.name in seen:
                self._duplicate(case.name, case.location, inline)
            seen.add(case.name)
        index = FixtureIndex()
        cases = CaseList(inline, index)
        self._fixture_cases(index, seen, cases)
        index.seal()
        if not cases:
            raise self.err(
                (),
                "the spec has no cases",
                "add `cases:` (a list of {name, input}) or `cases_from:` (fixture files)",
            )
        return cases

    def _duplicate(self, name: str, location: Location, cases: Sequence[Case]) -> NoReturn:
        """A name seen before: only now is its first place looked up."""
        if isinstance(cases, CaseList):
            first_index = next(i for i, n in enumerate(cases.names()) if n == name)
            first = cases.location(first_index)
        else:
            first = next(c.location for c in cases if c.name == name)
        raise SpecError(
            f"duplicate case name {name!r} (first at {first})",
            location,
            "case names must be unique",
            source_line=self._line_of(location),
        )

    def _line_of(self, location: Location) -> str | None:
        if location.file == self.doc.source.display:
            return self.doc.source.line(location.line)
        path = self.fixture_paths.get(location.file)
        return _read_line(path, location.line) if path is not None and location.line else None

    def _row_error(
        self, display: str, line: int, message: str, hint: str | None = None, column: int = 0
    ) -> SpecError:
        """An error on one fixture row (line 0: a .json file's item, no single line)."""
        location = Location(display, line, (column or 1) if line else 0)
        return SpecError(message, location, hint, source_line=self._line_of(location))

    def _inline_case(self, base: KeyPath, raw: dict[str, JSON]) -> Case:
        request = None
        if "request" in raw:
            if self.kind != "http":
                raise self.err(
                    (*base, "request"), "a case `request` applies to HTTP specs", at_key=True
                )
            request = self._request_overrides(
                (*base, "request"), cast(dict[str, JSON], raw["request"])
            )
        if "stdin" in raw and self.kind != "command":
            raise self.err((*base, "stdin"), "a case `stdin` applies to command specs", at_key=True)
        mark = self.doc.mark((*base, "name"))
        return Case(
            name=cast(str, raw["name"]),
            location=mark.location,
            input=raw.get("input"),
            stdin=cast(str | None, raw.get("stdin")),
            request=request,
            vars=cast(dict[str, JSON], raw.get("vars") or {}),
        )

    def _fixture_cases(self, index: FixtureIndex, seen: set[str], cases: CaseList) -> None:
        raw = self.doc.value.get("cases_from")
        if raw is None:
            return
        patterns = [raw] if isinstance(raw, str) else cast(list[str], raw)
        for number, pattern in enumerate(patterns):
            path: KeyPath = ("cases_from", number) if isinstance(raw, list) else ("cases_from",)
            for file in self._glob(path, pattern):
                self._fixture_file(path, file, _Rows(index, seen, cases))

    def _glob(self, path: KeyPath, pattern: str) -> list[Path]:
        outside_hint = (
            "fixtures must live in the spec's folder tree; pass --allow-outside to lift this"
        )
        if not self.allow_outside and (os.path.isabs(pattern) or ".." in Path(pattern).parts):
            raise self.err(path, f"{pattern!r} points outside the spec's folder", outside_hint)
        full = (
            pattern
            if os.path.isabs(pattern)
            else os.path.join(glob.escape(str(self.folder)), pattern)
        )
        matches = sorted(Path(p) for p in glob.glob(full, recursive=True) if os.path.isfile(p))
        if not matches:
            raise self.err(
                path,
                f"{pattern!r} matches no file",
                "fixture paths are relative to the spec's folder",
            )
        for match in matches:
            if not self.allow_outside and not match.resolve().is_relative_to(self.folder):
                raise self.err(
                    path, f"{pattern!r} reaches {match} outside the spec's folder", outside_hint
                )
        return matches

    def _fixture_file(self, path: KeyPath, file: Path, rows: _Rows) -> None:
        display = self._display(file)
        if file.suffix not in (".json", ".jsonl"):
            raise self.err(
                path,
                f"{display}: fixture files are .json or .jsonl",
                'a .jsonl file holds one {"name": ..., "input": ...} per line',
            )
        self.fixture_paths[display] = file
        if file.suffix == ".jsonl":
            self._fixture_jsonl(file, display, rows)
        else:
            self._fixture_json(file, display, rows)

    def _fixture_jsonl(self, file: Path, display: str, rows: _Rows) -> None:
        """One pass over the file, a line at a time: each row is parsed, checked and
        forgotten; only its name, offset, length and line number are kept."""
        with _open_fixture(file, display) as handle:
            info = os.fstat(handle.fileno())
            file_id = rows.index.add_file(
                FixtureFile(file, display, False, True, (info.st_size, info.st_mtime_ns))
            )
            offset = 0
            for number, data in enumerate(handle, start=1):
                start, offset = offset, offset + len(data)
                if number == 1 and data.startswith(_BOM):
                    data, start = data[len(_BOM) :], start + len(_BOM)
                data = data.removesuffix(b"\n")
                text = _decode_line(data, display, number)
                if not text.strip():
                    continue
                row = self._parse_row(text, display, number)
                case = self._fixture_row(display, row, number)
                if case.name in rows.seen or not rows.index.add(
                    file_id, case.name, start, len(data), number
                ):
                    self._duplicate(case.name, case.location, rows.cases)

    def _parse_row(self, text: str, display: str, line: int) -> JSON:
        try:
            return _parse_checked(text)
        except JsonDecodeError as exc:
            raise SpecError(
                f"invalid JSON: {exc.message}",
                Location(display, line, exc.column),
                "each line holds one JSON object",
                source_line=text,
            ) from None
        except _DuplicateKey as exc:
            column = (duplicate_key_position(text) or 0) + 1
            raise self._row_error(
                display,
                line,
                f"duplicate key {exc.key!r} in a fixture row (JSON leaves its meaning to the "
                "parser)",
                "keep one of them",
                column,
            ) from None

    def _fixture_json(self, file: Path, display: str, rows: _Rows) -> None:
        """A .json fixture is one document: its items are scanned one at a time (each parsed,
        checked and forgotten), keeping only each item's byte range."""
        text = read_text(file, display)
        info = file.stat()
        body = "\n".join(text.lines)
        bom = len(_BOM) if _starts_with_bom(file) else 0
        items = _JsonItems(body)
        file_id = -1
        done_chars, done_bytes = 0, bom  # spans are found in order: encode each gap once
        try:
            for number, (key, start, end, item) in enumerate(items):
                if file_id < 0:
                    stamp = (info.st_size, info.st_mtime_ns)
                    file_id = rows.index.add_file(
                        FixtureFile(file, display, items.object_form, False, stamp)
                    )
                case = (
                    self._make_case(display, 0, cast(str, key), {"input": item})
                    if items.object_form
                    else self._fixture_row(display, item, 0, f"item {number}")
                )
                done_bytes += _utf8_length(body[done_chars:start])
                length = _utf8_length(body[start:end])
                if case.name in rows.seen or not rows.index.add(
                    file_id, case.name, done_bytes, length, 0
                ):
                    line, column = _line_column(body, items.key_start if key else start)
                    self._duplicate(case.name, Location(display, line, column), rows.cases)
                done_chars, done_bytes = end, done_bytes + length
        except JsonDecodeError as exc:
            raise text.error(f"invalid JSON: {exc.message}", exc.line, exc.column) from None
        except _DuplicateKey as exc:
            at = duplicate_key_position(body, exc.start) or exc.start
            line, column = _line_column(body, at)
            raise text.error(
                f"duplicate key {exc.key!r} (JSON leaves its meaning to the parser)",
                line,
                column,
                "keep one of them",
            ) from None
        if file_id < 0 and items.shape_error:
            raise SpecError(
                f"{display}: a .json fixture holds a list of cases or an object name -> input",
                Location(display),
            )

    def _fixture_row(self, display: str, row: JSON, line: int, what: str | None = None) -> Case:
        label = what or f"line {line}"
        if not isinstance(row, dict):
            raise self._row_error(
                display,
                line,
                f'{label}: a fixture row must be an object {{"name": ..., "input": ...}}, '
                f"not {type_name(row)}",
                'write {"name": "case_name", "input": ...}',
            )
        for key in row:
            if key not in ("name", "input", "stdin", "vars"):
                raise self._row_error(
                    display,
                    line,
                    f"{label}: unknown key {key!r} in a fixture row",
                    _suggest(key, ("name", "input", "stdin", "vars"))
                    or "rows hold name, input, stdin, vars",
                )
        name = row.get("name")
        if not isinstance(name, str):
            raise self._row_error(
                display,
                line,
                f'{label}: a fixture row needs a string "name"',
                'write {"name": "case_name", "input": ...}',
            )
        return self._make_case(display, line, name, row)

    def _make_case(self, display: str, line: int, name: str, row: dict[str, JSON]) -> Case:
        location = Location(display, line, 1 if line else 0)
        if not _SAFE_NAME.fullmatch(name):
            raise self._row_error(display, line, f"bad case name {name!r}", _CASE_NAME_HINT)
        stdin, variables = row.get("stdin"), row.get("vars")
        if stdin is not None and not isinstance(stdin, str):
            raise self._row_error(
                display, line, f'case {name!r}: "stdin" must be a string', "raw stdin is text"
            )
        if variables is not None and not isinstance(variables, dict):
            raise self._row_error(
                display, line, f'case {name!r}: "vars" must be an object', 'e.g. "vars": {"k": 1}'
            )
        return Case(
            name=name, location=location, input=row.get("input"), stdin=stdin, vars=variables or {}
        )

    # -- report

    def _report(self) -> ReportConfig:
        raw = cast(dict[str, str], self.doc.value.get("report") or {})
        return ReportConfig(
            path=self.resolve(raw["path"]) if "path" in raw else None,
            template=self._report_template(raw["template"]) if "template" in raw else None,
        )

    def _display(self, file: Path) -> str:
        """How a file the spec names is shown in messages: relative to the spec's display."""
        return os.path.normpath(
            os.path.join(
                os.path.dirname(self.doc.source.display) or ".", os.path.relpath(file, self.folder)
            )
        )

    def _report_template(self, text: str) -> Path:
        """The template must exist and parse now: a broken one would lose the run's report."""
        path: KeyPath = ("report", "template")
        file = self.resolve(text)
        display = self._display(file)
        if not file.is_file():
            raise self.err(
                path,
                f"report template not found: {display}"
                if not file.exists()
                else f"report template is not a file: {display}",
                "the path is relative to the spec's folder; omit `template:` for the default",
            )
        source = read_text(file, display)
        named_by = f"the report template named at {self.loc(path)} (report.template)"
        try:
            tree = SandboxedEnvironment().parse("\n".join(source.lines))
        except jinja2.TemplateSyntaxError as exc:
            line = exc.lineno or 1
            raise source.error(
                f"report template syntax error: {exc.message}", line, 1, f"in {named_by}"
            ) from None
        self._template_references(source, file, tree, named_by)
        return file

    def _template_references(
        self, source: Any, file: Path, tree: jinja_nodes.Template, named_by: str
    ) -> None:
        kinds = (jinja_nodes.Extends, jinja_nodes.Include, jinja_nodes.Import)
        for node in tree.find_all((*kinds, jinja_nodes.FromImport)):
            if getattr(node, "ignore_missing", False):
                continue
            ref = getattr(node, "template", None)
            if not isinstance(ref, jinja_nodes.Const) or not isinstance(ref.value, str):
                continue  # computed at render time
            name = ref.value
            if (file.parent / name).is_file() or (_PACKAGE_TEMPLATES / name).is_file():
                continue
            raise source.error(
                f"report template refers to {name!r}, which does not exist",
                node.lineno,
                1,
                f"templates are looked up beside the template and in yamlparity's own "
                f"(report.md.j2); in {named_by}",
            )


_JINJA = jinja2.Environment(autoescape=False)


# ---------------------------------------------------------------- fixture files

_BOM = b"\xef\xbb\xbf"
_WS = re.compile(r"[ \t\n\r]*")


@dataclass
class _Rows:
    """Where fixture rows go as they stream in, and the names seen so far."""

    index: FixtureIndex
    seen: set[str]
    cases: CaseList


class _DuplicateKey(ValueError):
    def __init__(self, key: str, start: int = 0) -> None:
        super().__init__(key)
        self.key, self.start = key, start


def _checked_object(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _DuplicateKey(key)
    return value


def _reject_constant(name: str) -> JSON:
    raise ValueError(f"{name} is not valid JSON")


# Like jsonvalue's decoder, and a key written twice is an error, not "the last one wins".
_CHECKED = json.JSONDecoder(
    parse_int=Number,
    parse_float=Number,
    parse_constant=_reject_constant,
    object_pairs_hook=_checked_object,
)


def _parse_checked(text: str) -> JSON:
    try:
        value: JSON = _CHECKED.decode(text)
    except json.JSONDecodeError as exc:
        raise JsonDecodeError(exc.msg, exc.lineno, exc.colno, exc.pos) from None
    except _DuplicateKey:
        raise
    except (ValueError, RecursionError) as exc:
        raise JsonDecodeError(str(exc) or type(exc).__name__) from None
    return value


class _JsonItems:
    """The items of a .json fixture (a list of rows, or an object name -> input), one at a
    time: (key or None, start, end, parsed item); errors are JsonDecodeError as json gives them."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.object_form = False
        self.shape_error = False
        self.key_start = 0

    def __iter__(self) -> Iterator[tuple[str | None, int, int, JSON]]:
        body = self.body
        pos = _WS.match(body, 0).end()  # type: ignore[union-attr]
        if pos >= len(body) or body[pos] not in "[{":
            _parse_checked(body)  # the document's own error, if it has one
            self.shape_error = True
            return
        self.object_form = body[pos] == "{"
        closer = "}" if self.object_form else "]"
        pos = self._skip(pos + 1)
        if body.startswith(closer, pos):
            self._end(pos + 1)
            return
        while True:
            key: str | None = None
            if self.object_form:
                key, pos = self._key(pos)
            try:
                item, end = _CHECKED.raw_decode(body, pos)
            except json.JSONDecodeError as exc:
                raise JsonDecodeError(exc.msg, exc.lineno, exc.colno, exc.pos) from None
            except _DuplicateKey as exc:
                raise _DuplicateKey(exc.key, pos) from None
            except (ValueError, RecursionError) as exc:
                raise self._error(str(exc) or type(exc).__name__, pos) from None
            yield key, pos, end, item
            pos = self._skip(end)
            if body.startswith(",", pos):
                pos = self._skip(pos + 1)
                continue
            if body.startswith(closer, pos):
                self._end(pos + 1)
                return
            raise self._error("Expecting ',' delimiter", pos)

    def _key(self, pos: int) -> tuple[str, int]:
        body = self.body
        if not body.startswith('"', pos):
            raise self._error("Expecting property name enclosed in double quotes", pos)
        self.key_start = pos
        try:
            key, pos = json.decoder.scanstring(body, pos + 1)  # type: ignore[attr-defined]
        except json.JSONDecodeError as exc:
            raise JsonDecodeError(exc.msg, exc.lineno, exc.colno, exc.pos) from None
        pos = self._skip(pos)
        if not body.startswith(":", pos):
            raise self._error("Expecting ':' delimiter", pos)
        return cast(str, key), self._skip(pos + 1)

    def _skip(self, pos: int) -> int:
        return _WS.match(self.body, pos).end()  # type: ignore[union-attr]

    def _end(self, pos: int) -> None:
        if self._skip(pos) != len(self.body):
            raise self._error("Extra data", self._skip(pos))

    def _error(self, message: str, pos: int) -> JsonDecodeError:
        line, column = _line_column(self.body, pos)
        return JsonDecodeError(message, line, column, pos)


def _line_column(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _starts_with_bom(file: Path) -> bool:
    with file.open("rb") as handle:
        return handle.read(len(_BOM)) == _BOM


def _open_fixture(file: Path, display: str) -> BinaryIO:
    """The file for reading, or the SpecError read_text would give."""
    try:
        return file.open("rb")
    except FileNotFoundError:
        raise SpecError(f"file not found: {display}", Location(display)) from None
    except IsADirectoryError:
        raise SpecError(f"not a file: {display}", Location(display)) from None
    except OSError as exc:
        raise SpecError(f"cannot read {display}: {exc.strerror}", Location(display)) from None


def _decode_line(data: bytes, display: str, line: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        column = len(data[: exc.start].decode("utf-8", "replace")) + 1
        raise SpecError(
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02X})",
            Location(display, line, column),
            "save the file as UTF-8",
            source_line=data.decode("utf-8", "replace"),
        ) from None


def _read_line(path: Path, number: int) -> str | None:
    """One line of a fixture file, for an error message (the file is not kept)."""
    try:
        with path.open("rb") as handle:
            for current, data in enumerate(handle, start=1):
                if current == number:
                    text = data.removesuffix(b"\n").decode("utf-8", "replace")
                    return text.removeprefix("\ufeff")
    except OSError:
        return None
    return None


def _any_name_matches(cases: CaseList, pattern: str) -> bool:
    matches = re.compile(fnmatch.translate(pattern)).match
    return any(matches(name) for name in cases.names())


def _facet_name(facet: str) -> str:
    return facet.lower() if facet.lower().startswith("headers.") else facet


def _texts(value: JSON) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: _scalar_text(v) for k, v in value.items()}


def _float(value: JSON, default: float) -> float:
    return float(value.literal) if isinstance(value, Number) else default


def _int(value: JSON, default: int) -> int:
    return int(value.literal) if isinstance(value, Number) and value.is_integer_literal else default
