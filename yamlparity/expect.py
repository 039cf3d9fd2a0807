"""Per-target expectations: status equals, a JSONPath (jsonpath-ng) exists / equals / matches.

Values found by JSONPath are compared exactly (a `Number` by its literal), never with Python `==`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from yamlparity import jsonvalue
from yamlparity.jsonvalue import JSON, Number
from yamlparity.model import Expectation


@lru_cache(maxsize=512)
def compile_path(text: str) -> Any:
    """Parse a JSONPath; raises ValueError with jsonpath-ng's message."""
    from jsonpath_ng.ext import parse

    try:
        return parse(text)
    except Exception as exc:  # jsonpath-ng raises bare Exception subclasses of several kinds
        raise ValueError(str(exc)) from None


def find(path: str, value: JSON) -> list[JSON]:
    return [match.value for match in compile_path(path).find(value)]


def check(expectation: Expectation, facets: dict[str, JSON], main_facet: str) -> str | None:
    """None when the expectation holds; otherwise what was seen instead."""
    if expectation.kind == "status":
        seen = facets.get("status")
        if seen == expectation.value:
            return None
        return f"status {jsonvalue.dumps(seen)}"
    assert expectation.path is not None
    found = find(expectation.path, facets.get(main_facet))
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
    pattern = re.compile(expectation.pattern or "")
    for item in found:
        text = item.literal if isinstance(item, Number) else item
        if not isinstance(text, str) or not pattern.search(text):
            return _show(found)
    return None


def _show(values: list[JSON]) -> str:
    shown = ", ".join(jsonvalue.dumps(value) for value in values[:3])
    return shown if len(values) <= 3 else f"{shown}, … ({len(values)} values)"
