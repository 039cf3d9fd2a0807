"""Expected failures and a case's scope: `known: [{error: ...}]`, a case's `skip` and `targets`.

The loader calls these with its own error factory, so every mistake points at the spec's line
(or the fixture row) like any other spec error. What the verdict makes of them is in
verdict/expected.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, Protocol

from yamlparity.core.errors import SpecError
from yamlparity.core.jsonvalue import JSON

KeyPath = tuple[str | int, ...]


class _Errors(Protocol):
    """What the spec builder offers: an error at a key path, and target-name checks."""

    def err(self, path: KeyPath, message: str, hint: str | None = None, **kw: Any) -> SpecError: ...

    def _target_refs(self, path: KeyPath, value: JSON) -> list[str]: ...


def error_regex(text: str) -> bool:
    """`/.../` is a regular expression; anything else a plain text to find."""
    return len(text) >= 2 and text.startswith("/") and text.endswith("/")


def known_error_fields(builder: _Errors, base: KeyPath, item: dict[str, JSON]) -> dict[str, Any]:
    """`error`, its compiled regex and `targets` of one `known:` entry (KnownDivergence fields)."""
    error = item.get("error")
    if error is None:
        if "targets" in item:
            raise builder.err(
                (*base, "targets"),
                "`targets` in a `known` entry names the targets expected to fail",
                'add `error: "exited with code 3"` (the expected failure), or remove `targets`',
                at_key=True,
            )
        return {}
    if "facets" in item:
        raise builder.err(
            (*base, "facets"),
            "an expected failure (`error`) has no facets: the target gives no answer to compare",
            "remove `facets`, or write the divergence as its own `known` entry",
            at_key=True,
        )
    text = str(error)
    compiled = None
    if error_regex(text):
        try:
            compiled = re.compile(text[1:-1])
        except re.error as exc:
            raise builder.err(
                (*base, "error"),
                f"bad regular expression: {exc}",
                "write /regex/ in Python `re` syntax, or plain text (matched as a substring)",
            ) from None
        if compiled.search("") is not None:
            # `//`, `/.*/`, `/a|/`: found in every text, so the entry would hide any failure.
            raise builder.err(
                (*base, "error"),
                f"the regular expression {text} matches an empty text, so every failure",
                'write the failure it stands for: `/exited with code 3/`, `"timed out"`',
            )
    targets = item.get("targets")
    names = tuple(builder._target_refs((*base, "targets"), targets)) if targets else None
    return {"error": text, "error_regex": compiled, "targets": names}


def case_scope(builder: _Errors, base: KeyPath, raw: dict[str, JSON]) -> dict[str, Any]:
    """`skip` and `targets` of an inline case (Case fields); the schema has checked their
    shapes (a non-empty reason; two distinct targets or more)."""
    targets = raw.get("targets")
    names = tuple(builder._target_refs((*base, "targets"), targets)) if targets else None
    skip = raw.get("skip")
    return {"skip": str(skip) if skip is not None else None, "targets": names}


def row_scope(
    name: str, row: dict[str, JSON], target_names: Sequence[str], fail: Callable[..., NoReturn]
) -> dict[str, Any]:
    """`skip` and `targets` of a fixture row; `fail(message, hint)` raises at the row."""
    skip = row.get("skip")
    if skip is not None and (not isinstance(skip, str) or not skip):
        fail(f'case {name!r}: "skip" must be a non-empty string (the reason)', '"skip": "DEC-40"')
    targets = row.get("targets")
    if targets is None:
        return {"skip": skip, "targets": None}
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        fail(f'case {name!r}: "targets" must be a list of target names', '"targets": ["a", "b"]')
    for target in targets:
        if target not in target_names:
            fail(f"case {name!r}: unknown target {target!r}", f"targets: {', '.join(target_names)}")
    if len(set(targets)) < 2:
        fail(f"case {name!r}: " + _too_few(targets)[0], _too_few(targets)[1])
    return {"skip": skip, "targets": tuple(targets)}


def _too_few(names: Sequence[object]) -> tuple[str, str]:
    return (
        f"a case's `targets` needs at least two distinct targets, not {len(set(names))}",
        "parity compares two answers or more; `skip: reason` leaves a case out",
    )
