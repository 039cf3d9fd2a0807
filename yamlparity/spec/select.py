"""`-k` expressions, as pytest has them: words matched as substrings (or globs with * ? [),
combined with `and`, `or`, `not` and parentheses."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from yamlparity.core.errors import UsageError

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")

Matcher = Callable[[str], bool]


def compile_selection(expression: str) -> Matcher:
    tokens = _TOKEN.findall(expression)
    if not tokens:
        raise UsageError("-k needs an expression, e.g. -k unicode or -k 'playbook and not happy'")
    matcher, rest = _parse_or(tokens, expression)
    if rest:
        raise UsageError(f"-k {expression!r}: unexpected {rest[0]!r}")
    return matcher


def _parse_or(tokens: list[str], source: str) -> tuple[Matcher, list[str]]:
    left, tokens = _parse_and(tokens, source)
    while tokens and tokens[0] == "or":
        right, tokens = _parse_and(tokens[1:], source)
        left = (lambda a, b: lambda name: a(name) or b(name))(left, right)
    return left, tokens


def _parse_and(tokens: list[str], source: str) -> tuple[Matcher, list[str]]:
    left, tokens = _parse_not(tokens, source)
    while tokens and tokens[0] == "and":
        right, tokens = _parse_not(tokens[1:], source)
        left = (lambda a, b: lambda name: a(name) and b(name))(left, right)
    return left, tokens


def _parse_not(tokens: list[str], source: str) -> tuple[Matcher, list[str]]:
    if not tokens:
        raise UsageError(f"-k {source!r}: the expression ends too early")
    if tokens[0] == "not":
        inner, rest = _parse_not(tokens[1:], source)
        return (lambda name: not inner(name)), rest
    if tokens[0] == "(":
        inner, rest = _parse_or(tokens[1:], source)
        if not rest or rest[0] != ")":
            raise UsageError(f"-k {source!r}: missing ')'")
        return inner, rest[1:]
    word = tokens[0]
    if word in ("and", "or", ")"):
        raise UsageError(f"-k {source!r}: unexpected {word!r}")
    if any(c in word for c in "*?["):
        return (lambda name: fnmatch.fnmatchcase(name, word)), tokens[1:]
    return (lambda name: word in name), tokens[1:]
