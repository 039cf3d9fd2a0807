"""The normalization rule language: a small jq subset plus `mask`/`scrub`, evaluated exactly.

Why not libjq (the PyPI `jq` package): it rounds 9007199254740993 to ...992 and prints `1.0` as
`1`, so a rule would change the very values a parity probe must compare. This evaluator works
on `jsonvalue` values (numbers keep their literal text) and never compares with Python `==`
across types. Rules compile once (`compile_rule`) and apply many times (`apply`); applying
copies only the containers on the way to what changes, so it stays linear on large documents.
The grammar and every form are documented in docs/rules.md.

The code is in two parts: rulesyntax.py turns rule text into operations (every RuleError, with
its column and hint, comes from there); ruleops.py is what those operations are and how they
run. This module is the public face of both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yamlparity.core import boundedre
from yamlparity.core.jsonvalue import JSON
from yamlparity.rules.ops import AnyOrder, Change, Ctx, Delete, Op, RuleStats
from yamlparity.rules.ops import CPath as CPath
from yamlparity.rules.syntax import compile_op, parse_path

__all__ = [
    "AnyOrder",
    "Change",
    "Program",
    "RuleStats",
    "apply",
    "compile_rule",
    "parse_path",
]


@dataclass(frozen=True)
class Program:
    """A compiled rule: compile once, apply to many values."""

    text: str
    op: Op = field(repr=False, compare=False)
    # Runs no regex (`del`): no regex time budget to set up around it (~2 us a call).
    regex_free: bool = field(default=False, repr=False, compare=False)


def compile_rule(text: str) -> Program:
    """Parse a rule; raises RuleError (1-based column inside `text`, and a hint), nothing else."""
    op = compile_op(text)
    return Program(text, op, regex_free=isinstance(op, Delete))


def apply(
    program: Program,
    value: JSON,
    stats: RuleStats | None = None,
    any_order: AnyOrder | None = None,
) -> JSON:
    """A new value with the rule applied; `value` is never mutated (unchanged parts are shared).
    `any_order` tells which arrays are compared in any order (a numbering scrub's concern)."""
    if program.regex_free:
        return program.op.run(value, Ctx(stats), ())
    # Regexes in the rule share one time budget over this whole value (core.boundedre).
    with boundedre.budget():
        return program.op.run(value, Ctx(stats, any_order=any_order), ())
