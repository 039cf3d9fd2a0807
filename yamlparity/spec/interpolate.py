"""Interpolation: `${VAR}`, its shell forms (`${VAR:-default}`, `${VAR-default}`,
`${VAR:?message}`, `${VAR?message}`) and `$$` in the strings of a validated spec.

Values come from --env, then the environment, then the spec's own `env:` defaults. It runs after
schema validation, so `${VAR}` only ever yields strings; case data (`input`, `vars`, a case's
raw `stdin`) is never interpolated. Separate from load.py because it is one pass over the whole
document, with its own error columns, that the spec builder only calls.

A reference is parsed as a shell parses it: a default may hold references of its own
(`${GW:-http://127.0.0.1:${port}}`), its braces must balance, and it is only expanded when it
is used (an unset variable in a default that is not taken is no error).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from yamlparity.core.errors import SpecError
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.spec.source import Document, KeyPath
from yamlparity.spec.templates import is_template

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What may follow a name: `:-` (unset or empty: the default), `-` (unset only), `:?` and `?`
# (an error with the given message), as in the shell.
_OPERATORS = (":-", ":?", "-", "?")
_FORMS = "${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message} or ${NAME?message}"
ENV_OPTION = "--env"  # how the CLI sets a variable; a front end may name its own option
_ENV_HINT = "set it with {option} {name}=VALUE or give a default: ${{{name}:-value}}"
PORT = "port"  # `${port}` in an HTTP target: its port, substituted when the run starts
PORT_PLACEHOLDER = "${" + PORT + "}"


@dataclass(frozen=True)
class _Ref:
    """One `${...}`: `at` is the index of its `$` in the whole string."""

    name: str
    operator: str | None
    word: tuple[_Part, ...]
    at: int


_Part = str | _Ref


class InterpolationSyntaxError(ValueError):
    """A `${` the parser cannot read; `at` is the index of the `$` it is about."""

    def __init__(self, message: str, hint: str, at: int) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.at = at


def parse(value: str) -> tuple[_Part, ...]:
    """`value` as text and references; raises InterpolationSyntaxError."""
    parts, end = _parse_word(value, 0, None)
    assert end == len(value)
    return parts


def _parse_word(value: str, index: int, opened: int | None) -> tuple[tuple[_Part, ...], int]:
    """Text and references from `index`; inside a reference opened at `opened`, up to its
    closing `}` (the index returned is the one after it). Bare braces inside a default pair up,
    as in the shell: `${X:-{a}}` is `{a}`."""
    parts: list[_Part] = []
    text: list[str] = []
    depth = 0
    while index < len(value):
        char = value[index]
        if char == "$" and value.startswith("$$", index):
            text.append("$")
            index += 2
        elif char == "$" and value.startswith("${", index):
            ref, index = _parse_ref(value, index)
            parts.extend(["".join(text), ref])
            text = []
        elif opened is not None and char == "{":
            depth += 1
            text.append(char)
            index += 1
        elif opened is not None and char == "}":
            if depth == 0:
                parts.append("".join(text))
                return tuple(p for p in parts if p != ""), index + 1
            depth -= 1
            text.append(char)
            index += 1
        else:
            text.append(char)
            index += 1
    if opened is not None:
        raise InterpolationSyntaxError(
            "unclosed ${ (missing })",
            "close it with } (a default's braces balance: ${GW:-http://host:${port}}); "
            "$$ is a literal $",
            opened,
        )
    parts.append("".join(text))
    return tuple(p for p in parts if p != ""), index


def _parse_ref(value: str, at: int) -> tuple[_Ref, int]:
    """The reference whose `${` is at `at`; returns it and the index after its `}`."""
    start = at + 2
    name = _NAME.match(value, start)
    after = name.end() if name is not None else start
    operator = next((op for op in _OPERATORS if value.startswith(op, after)), None)
    if name is None or (operator is None and not value.startswith("}", after)):
        _, end = _parse_word(value, start, at)  # the whole reference, for the message
        raise InterpolationSyntaxError(
            f"bad variable reference {value[at:end]}",
            f"write {_FORMS}; a NAME is letters, digits and _, not starting with a digit; "
            "$$ is a literal $",
            at,
        )
    if operator is None:
        return _Ref(name.group(), None, (), at), after + 1
    word, end = _parse_word(value, after + len(operator), at)
    return _Ref(name.group(), operator, word, at), end


def references(value: str) -> list[str] | None:
    """Every variable `value` names, those in defaults included (None: it does not parse; the
    interpolation pass reports where)."""
    try:
        parts = parse(value)
    except InterpolationSyntaxError:
        return None
    names: list[str] = []
    pending = list(parts)
    while pending:
        part = pending.pop(0)
        if isinstance(part, _Ref):
            names.append(part.name)
            pending[:0] = part.word
    return names


class _Interpolator:
    """Expands the references of every string outside case data."""

    def __init__(
        self, overrides: Mapping[str, str], environ: Mapping[str, str], env_option: str
    ) -> None:
        self.layers: list[Mapping[str, str]] = [overrides, environ]
        self.env_option = env_option  # named in the hints: `--env` in the CLI
        self.port_dropped: set[KeyPath] = set()
        self.value = ""  # the string being expanded: errors point into it

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
        if "$" not in value:
            return value  # most strings: nothing to parse
        self.value = value
        try:
            parts = parse(value)
        except InterpolationSyntaxError as exc:
            raise self._error(doc, path, exc.at, exc.message, exc.hint) from None
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            found = self._variable(doc, path, part, keep_port)
            out.append(_as_literal(found) if template else found)
        result = "".join(out)
        if keep_port and _names_port(parts) and PORT_PLACEHOLDER not in result:
            # `${GW:-http://127.0.0.1:${port}}` with GW set: the target is pointed elsewhere.
            self.port_dropped.add(path)
        return result

    def _expand(self, doc: Document, path: KeyPath, word: tuple[_Part, ...], keep: bool) -> str:
        return "".join(
            part if isinstance(part, str) else self._variable(doc, path, part, keep)
            for part in word
        )

    def _variable(self, doc: Document, path: KeyPath, ref: _Ref, keep_port: bool) -> str:
        name, operator = ref.name, ref.operator
        if keep_port and name == PORT and operator is None:
            return PORT_PLACEHOLDER  # the target's port, substituted when the run starts
        found = self.lookup(name)
        # `:` makes an empty value count as missing, as in the shell.
        if found is not None and not (found == "" and operator in (":-", ":?")):
            return found
        if operator in (":-", "-"):
            return self._expand(doc, path, ref.word, keep_port)
        state = "not set" if found is None else "empty"
        if operator in (":?", "?"):
            said = self._expand(doc, path, ref.word, keep_port)
            message = f"environment variable {name} is {state}" + (f": {said}" if said else "")
            hint = f"set it with {self.env_option} {name}=VALUE"
            raise self._error(doc, path, ref.at, message, hint)
        hint = _ENV_HINT.format(option=self.env_option, name=name)
        if name == PORT and path[0] == "targets":
            hint = "declare `port: auto` (or a number) on this HTTP target to use ${port}"
            if not _http_target(doc, path):
                hint = (
                    "${port} is the port of an HTTP target's service; a command target has "
                    "none: write the port, or use a variable of your own (${MY_PORT})"
                )
        raise self._error(doc, path, ref.at, f"environment variable {name} is not set", hint)

    def _error(self, doc: Document, path: KeyPath, at: int, message: str, hint: str) -> SpecError:
        return doc.error(path, message, hint, value_offset=(self.value, at))


def _http_target(doc: Document, path: KeyPath) -> bool:
    targets = doc.value.get("targets") if isinstance(doc.value, dict) else None
    raw = targets.get(str(path[1])) if isinstance(targets, dict) and len(path) > 1 else None
    return not isinstance(raw, dict) or "url" in raw


def _names_port(parts: tuple[_Part, ...]) -> bool:
    """Whether `${port}` appears anywhere, defaults included."""
    return any(
        isinstance(part, _Ref)
        and ((part.name == PORT and part.operator is None) or _names_port(part.word))
        for part in parts
    )


@dataclass(frozen=True)
class Interpolated:
    """What the pass found: the effective `env:` values, and the strings whose `${port}` sat
    in a default that was not taken (a variable pointed the target at a running server)."""

    env: dict[str, str]
    port_dropped: frozenset[KeyPath] = field(default_factory=frozenset)


def interpolate_all(
    doc: Document,
    overrides: Mapping[str, str],
    environ: Mapping[str, str],
    env_option: str = ENV_OPTION,
) -> Interpolated:
    """Interpolate the document in place. `env_option`: the option that sets a variable where
    the spec is loaded, named in the hints (pytest's is `--yamlparity-env`)."""
    base = _Interpolator(overrides, environ, env_option)
    defaults: dict[str, str] = {}
    env = doc.value.get("env") or {}
    assert isinstance(env, dict)
    for name, raw in env.items():
        defaults[name] = base.text(doc, ("env", name), scalar_text(raw))
    full = _Interpolator(overrides, environ, env_option)
    full.layers.append(defaults)
    for key in list(doc.value):
        if key != "env":
            doc.value[key] = _walk(doc, full, (key,), doc.value[key])
    effective = {name: full.lookup(name) or "" for name in defaults}
    doc.value["env"] = dict(effective)
    return Interpolated(effective, frozenset(full.port_dropped))


def _walk(doc: Document, interp: _Interpolator, path: KeyPath, value: JSON) -> JSON:
    if len(path) == 3 and path[0] == "cases" and path[2] in ("input", "vars", "stdin"):
        # Case data is never interpolated: its raw `stdin` neither, so a case sends the same
        # bytes written inline as from a fixture row (shell text keeps its `$`s).
        return value
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
