"""`compare:` as written: options that contradict each other, and paths that lack their
leading dot, found while the spec loads.

Options scoped to paths are meant to be layered: a narrower path overrides a broader one
(`numbers: literal` everywhere, a `tolerance` at `.price`, `numbers: literal` again at
`.price.cents`), so an option and a broader one never contradict. What does is two settings of
one option for one scope, where one of them would be silently ignored:

- `tolerance` with `numbers: literal` in one entry: a tolerance compares numbers by value
  (`1.0` = `1`), so `literal` was ignored and `1.0` against `1` gave MATCH;
- two entries naming one path (`.price` and `.["price"]`), or the top-level `numbers`/`arrays`
  and a `.` entry (both the whole output), that set one option differently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from yamlparity.core.jsonvalue import JSON, dumps

__all__ = ["Contradiction", "contradiction", "dotted_path"]

_KeyPath = tuple[str | int, ...]
# The options of a scope: option -> (its setting, comparable; the key that sets it).
_Settings = dict[str, tuple[str, str]]
_OPTION_WORDS = {"arrays": "how arrays compare", "key": "the key arrays are matched by",
                 "numbers": "how numbers compare"}  # fmt: skip


@dataclass(frozen=True)
class Contradiction:
    """Where in `compare:` (a key path below it), what is wrong, and what to do."""

    path: _KeyPath
    message: str
    hint: str


def contradiction(
    top: Mapping[str, JSON],
    entries: Sequence[tuple[str, tuple[str | int | None, ...], Mapping[str, JSON]]],
) -> Contradiction | None:
    """The first contradiction among the top-level options `top` and the `paths` entries
    (each its text, its parsed pattern and its options), in the order written."""
    for text, _, options in entries:
        if "tolerance" in options and options.get("numbers") == "literal":
            return Contradiction(
                ("paths", text, "numbers"),
                f"`numbers: literal` and a `tolerance` in one entry (`{text}`): a tolerance "
                "compares numbers by value (`1.0` = `1`, then within it), `literal` by their "
                "text (`1.0` ≠ `1`)",
                "drop `numbers: literal` (a tolerance implies `numbers: value`); to compare "
                "literals exactly below this path, set `numbers: literal` on a narrower one",
            )
    seen: dict[tuple[str | int | None, ...], tuple[str, _Settings]] = {
        (): ("in the top-level `compare`", _settings(top))
    }
    for text, pattern, options in entries:
        mine = _settings(options)
        if pattern in seen:
            found = _clash(seen[pattern], text, pattern, mine)
            if found is not None:
                return found
        earlier = seen.get(pattern, ("", {}))
        seen[pattern] = (earlier[0] or f"at `{text}`", {**earlier[1], **mine})
    return None


def _settings(options: Mapping[str, JSON]) -> _Settings:
    """The options an entry sets, each as its setting (a tolerance is how numbers compare)."""
    out: _Settings = {}
    for option in ("arrays", "key"):
        if option in options:
            out[option] = (f"{option}: {_plain(options[option])}", option)
    if "tolerance" in options:
        out["numbers"] = (f"tolerance: {dumps(options['tolerance'])}", "tolerance")
    elif "numbers" in options:
        out["numbers"] = (f"numbers: {_plain(options['numbers'])}", "numbers")
    return out


def _clash(
    before: tuple[str, _Settings],
    text: str,
    pattern: tuple[str | int | None, ...],
    mine: _Settings,
) -> Contradiction | None:
    where, settings = before
    for option, (setting, key) in mine.items():
        other = settings.get(option)
        if other is None or other[0] == setting:
            continue
        scope = "the whole output" if not pattern else "the same path"
        return Contradiction(
            ("paths", text, key),
            f"`{setting}` at `{text}` and `{other[0]}` {where} both set "
            f"{_OPTION_WORDS[option]} for {scope}: one of them would be ignored",
            "keep one of them; a narrower path may override a broader one "
            "(`.items` inside `.`, `.price.cents` inside `.price`)",
        )
    return None


def _plain(value: JSON) -> str:
    return value if isinstance(value, str) else dumps(value)


def dotted_path(text: str) -> tuple[str, str] | None:
    """For a comparison path written without its leading `.` (`items`, `items[]`) or as
    JSONPath (`$.items`, the form `expect:` takes): what is wrong and the path meant, when
    that path parses. None for any other text."""
    from yamlparity.core.errors import RuleError
    from yamlparity.rules.normalize import parse_path

    if text.startswith("."):
        return None
    rest = text[1:] if text.startswith("$") else text
    meant = rest if rest.startswith(".") else "." + rest
    try:
        parse_path(meant)
    except RuleError:
        return None
    if text.startswith("$"):
        problem = "comparison paths are jq-style and start with `.`, not JSONPath's `$`"
    else:
        problem = "a comparison path starts with `.`"
    return problem, f"did you mean {meant!r}? (paths are jq-style: .items, .rows[], .a.b)"
