"""Interpolation: `${VAR}`, `${VAR:-default}` and `$$` in the strings of a validated spec.

Values come from --env, then the environment, then the spec's own `env:` defaults. It runs after
schema validation, so `${VAR}` only ever yields strings; case data (`input`, `vars`) is never
interpolated. Separate from load.py because it is one pass over the whole document, with its
own error columns, that the spec builder only calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from yamlparity.core.errors import SpecError
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.spec.source import Document, KeyPath
from yamlparity.spec.templates import is_template

_VAR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)
_ENV_HINT = "set it with --env {name}=VALUE or give a default: ${{{name}:-value}}"


class _Interpolator:
    """`${VAR}`, `${VAR:-default}` and `$$` in every string outside case data."""

    def __init__(self, overrides: Mapping[str, str], environ: Mapping[str, str]) -> None:
        self.layers: list[Mapping[str, str]] = [overrides, environ]

    def lookup(self, name: str) -> str | None:
        for layer in self.layers:
            if name in layer:
                return layer[name]
        return None

    def text(
        self,
        doc: Document,
        path: KeyPath,
        value: str,
        keep_port: bool = False,
        template: bool = False,
    ) -> str:
        """`value` with its variables substituted; in a `template` field a value that holds
        template syntax is inserted as a string literal, so it stays text."""
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
                        value,
                        found,
                        "unclosed ${ (missing })",
                        "write ${NAME}, or $$ for a literal $",
                    )
                found_value = self._variable(doc, path, value, found, end, keep_port)
                out.append(_as_literal(found_value) if template else found_value)
                index = end + 1
            else:
                out.append("$")
                index = found + 1

    def _variable(
        self, doc: Document, path: KeyPath, value: str, at: int, end: int, keep_port: bool
    ) -> str:
        """The text of the `${...}` at `value[at:end + 1]`."""
        inner = value[at + 2 : end]
        match = _VAR.fullmatch(inner)
        if match is None:
            raise self._error(
                doc,
                path,
                value,
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
        raise self._error(doc, path, value, at, f"environment variable {name} is not set", hint)

    def _error(
        self, doc: Document, path: KeyPath, value: str, at: int, message: str, hint: str
    ) -> SpecError:
        return doc.error(path, message, hint, value_offset=(value, at))


def interpolate_all(
    doc: Document, overrides: Mapping[str, str], environ: Mapping[str, str]
) -> dict[str, str]:
    """Interpolate the document in place; return the effective values of the `env:` names."""
    base = _Interpolator(overrides, environ)
    defaults: dict[str, str] = {}
    env = doc.value.get("env") or {}
    assert isinstance(env, dict)
    for name, raw in env.items():
        defaults[name] = base.text(doc, ("env", name), scalar_text(raw))
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
        return interp.text(doc, path, value, _keeps_port(doc, path), _is_template_field(path))
    if isinstance(value, dict):
        return {k: _walk(doc, interp, (*path, k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(doc, interp, (*path, i), v) for i, v in enumerate(value)]
    return value


def _is_template_field(path: KeyPath) -> bool:
    """Strings the plan renders as templates: stdin, requests, command arguments, mappings."""
    if path[0] in ("stdin", "request", "cases_from"):
        return True
    if path[0] == "cases" and len(path) > 2 and path[2] in ("stdin", "request"):
        return True
    return path[0] == "targets" and len(path) > 3 and path[2] == "run"


def _as_literal(value: str) -> str:
    """A variable's value inside a template: a CI variable or a secret may hold `{{`, and its
    text must never become template code (a Jinja string literal renders to exactly it)."""
    if not is_template(value):
        return value
    return "{{ " + json.dumps(value) + " }}"


def _keeps_port(doc: Document, path: KeyPath) -> bool:
    if len(path) < 3 or path[0] != "targets" or path[2] not in ("url", "headers", "service"):
        return False
    target = doc.value["targets"][path[1]]  # type: ignore[index]
    return isinstance(target, dict) and target.get("port") is not None


def scalar_text(value: JSON) -> str:
    if isinstance(value, Number):
        return value.literal
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
