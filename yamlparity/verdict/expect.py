"""Per-target expectations: status equals, a JSONPath (rules/jsonpath.py) exists / equals / matches.

What the path finds is exact JSON, and `equals` compares it exactly (a `Number` by its literal:
`1` is not `1.0`), never with Python `==`.
"""

from __future__ import annotations

from yamlparity.core import boundedre, jsonvalue
from yamlparity.core.jsonvalue import JSON
from yamlparity.rules.jsonpath import find
from yamlparity.spec.model import Expectation


def check(expectation: Expectation, facets: dict[str, JSON], main_facet: str) -> str | None:
    """None when the expectation holds; otherwise what was seen instead."""
    if expectation.kind == "status":
        seen = facets.get("status")
        if seen == expectation.value:
            return None
        return f"status {jsonvalue.dumps(seen)}"
    assert expectation.path is not None
    try:
        found = find(expectation.path, facets.get(main_facet))
    except (TypeError, ValueError, ArithmeticError) as exc:  # e.g. `sorted` over mixed types
        return f"the path could not be evaluated on this value: {exc}"
    if expectation.kind == "exists":
        return None if found else "nothing at that path"
    if expectation.kind == "absent":
        return None if not found else f"found {_show(found)}"
    if not found:
        return "nothing at that path"
    if expectation.kind == "equals":
        wanted = jsonvalue.canonical(expectation.value)
        if all(jsonvalue.canonical(item) == wanted for item in found):
            return None
        return _show(found)
    pattern = boundedre.compile(expectation.pattern or "")  # target text: time-bounded
    with boundedre.budget():
        for item in found:
            # Only strings: a number matched by its literal let `^[0-9]+$`, written to pin an
            # id that is a string of digits, pass on the number 12 (types never mix).
            if not isinstance(item, str):
                return f"{_show(found)} (not a string: `matches` checks strings)"
            if not pattern.search(item):
                return _show(found)
    return None


def _show(values: list[JSON]) -> str:
    shown = ", ".join(jsonvalue.dumps(value) for value in values[:3])
    return shown if len(values) <= 3 else f"{shown}, … ({len(values)} values)"
