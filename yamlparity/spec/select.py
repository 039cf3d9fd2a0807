"""`-k` expressions, as pytest has them: words matched as substrings (or globs with * ? [),
combined with `and`, `or`, `not` and parentheses."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from yamlparity.core.errors import UsageError

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")

Matcher = Callable[[str], bool]
# Parentheses and `not`s nested deeper than this are refused (Python's recursion would be
# exhausted near 1000 levels); nobody writes more than a handful.
MAX_DEPTH = 100


def compile_selection(expression: str) -> Matcher:
    tokens = _TOKEN.findall(expression)
    if not tokens:
        raise UsageError("-k needs an expression, e.g. -k unicode or -k 'playbook and not happy'")
    matcher, rest = _parse_or(tokens, expression)
    if rest:
        raise UsageError(f"-k {expression!r}: unexpected {rest[0]!r}")
    return matcher


def _parse_or(tokens: list[str], source: str, depth: int = 0) -> tuple[Matcher, list[str]]:
    first, tokens = _parse_and(tokens, source, depth)
    either = [first]
    while tokens and tokens[0] == "or":
        right, tokens = _parse_and(tokens[1:], source, depth)
        either.append(right)
    # One flat `any` (not nested lambdas): `a or b or ...` 5000 times deep would recurse.
    return (first if len(either) == 1 else lambda name: any(m(name) for m in either)), tokens


def _parse_and(tokens: list[str], source: str, depth: int = 0) -> tuple[Matcher, list[str]]:
    first, tokens = _parse_not(tokens, source, depth)
    both = [first]
    while tokens and tokens[0] == "and":
        right, tokens = _parse_not(tokens[1:], source, depth)
        both.append(right)
    return (first if len(both) == 1 else lambda name: all(m(name) for m in both)), tokens


def _parse_not(tokens: list[str], source: str, depth: int = 0) -> tuple[Matcher, list[str]]:
    if not tokens:
        raise UsageError(f"-k {source!r}: the expression ends too early")
    if depth > MAX_DEPTH:
        raise UsageError(
            f"-k: parentheses and `not` nested more than {MAX_DEPTH} deep; simplify the expression"
        )
    if tokens[0] == "not":
        inner, rest = _parse_not(tokens[1:], source, depth + 1)
        return (lambda name: not inner(name)), rest
    if tokens[0] == "(":
        inner, rest = _parse_or(tokens[1:], source, depth + 1)
        if not rest or rest[0] != ")":
            raise UsageError(f"-k {source!r}: missing ')'")
        return inner, rest[1:]
    word = tokens[0]
    if word in ("and", "or", ")"):
        raise UsageError(f"-k {source!r}: unexpected {word!r}")
    if any(c in word for c in "*?["):
        return (lambda name: fnmatch.fnmatchcase(name, word)), tokens[1:]
    return (lambda name: word in name), tokens[1:]
