"""The rule audit's shortcut for one deletion per target (`del(.elapsed_ms)` on every answer)
gives what masked_values' general pass gives: the same masked paths, values and order, on
removed values full of traps (true vs 1, 1 vs 1.0, key order) and on shapes the shortcut must
leave alone (other actions, several changes, other paths, a target the rule did not change).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yamlparity.core.jsonvalue import JSON, canonical, loads
from yamlparity.results.records import MaskedValue
from yamlparity.rules.ops import Change, RuleStats
from yamlparity.verdict import evaluate

LEAVES = ["true", "1", "1.0", "1e0", "null", '"1"', "[1, 2]", "[2, 1]", '{"a": 1, "b": 2}']
LEAVES += ['{"b": 2, "a": 1}', "[]", "{}", "9007199254740993", "9007199254740992"]


def stats(*changes: Change, extra: dict[str, int] | None = None) -> RuleStats:
    out = RuleStats(max_samples=evaluate.AUDIT_SAMPLES)
    for change in changes:
        out.record(change)
    for action, count in (extra or {}).items():
        out.counts[action] = out.counts.get(action, 0) + count
    return out


def deleted(path: tuple[str | int, ...], old: str) -> Change:
    return Change("deleted", path, loads(old))


def both_ways(
    applied: dict[str, RuleStats], kept: dict[str, JSON] | None = None
) -> list[MaskedValue]:
    fast = evaluate.masked_values(applied, kept)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evaluate, "_one_deletion", lambda _: None)
        general = evaluate.masked_values(applied, kept)
    assert fast == general
    assert [list(m.values) for m in fast] == [list(m.values) for m in general]  # target order
    return fast


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LEAVES), min_size=2, max_size=4))
def test_one_deletion_per_target_is_masked_as_the_general_pass_says(olds: list[str]) -> None:
    applied = {f"t{n}": stats(deleted(("elapsed_ms",), old)) for n, old in enumerate(olds)}
    found = both_ways(applied)
    assert bool(found) == (len({canonical(loads(old)) for old in olds}) > 1)


@pytest.mark.parametrize(
    "applied",
    [
        # Another path on one target: two masked paths, one target missing at each.
        {"a": stats(deleted(("x",), "1")), "b": stats(deleted(("y",), "2"))},
        # Several changes on a target.
        {"a": stats(deleted(("x",), "1"), deleted(("y",), "1")), "b": stats(deleted(("x",), "2"))},
        # A replacement, not a deletion.
        {
            "a": stats(Change("replaced", ("x",), loads("1"), "<n>")),
            "b": stats(deleted(("x",), "2")),
        },
        # An array rewritten into an array beside a deletion.
        {
            "a": stats(Change("replaced", ("x",), loads("[1, 2]"), loads("[2, 1]"))),
            "b": stats(deleted(("x",), "[1, 2]")),
        },
        # A skipped value counted beside the deletion.
        {
            "a": stats(deleted(("x",), "1"), Change("skipped", ("y",), reason="not a number")),
            "b": stats(deleted(("x",), "2")),
        },
        # Samples capped: more deletions counted than kept.
        {"a": stats(deleted(("x",), "1"), extra={"deleted": 3}), "b": stats(deleted(("x",), "2"))},
        # A target the rule did not change at all.
        {"a": stats(deleted(("x",), "1")), "b": stats()},
        # The same value everywhere: nothing hidden.
        {"a": stats(deleted(("x", 0), "1.0")), "b": stats(deleted(("x", 0), "1.0"))},
        # Equal as Python values, not as JSON.
        {"a": stats(deleted(("x",), "true")), "b": stats(deleted(("x",), "1"))},
        {"a": stats(deleted(("x",), "1")), "b": stats(deleted(("x",), "1.0"))},
    ],
)
def test_shapes_beside_the_shortcut_agree_with_the_general_pass(
    applied: dict[str, RuleStats],
) -> None:
    kept: dict[str, Any] = {name: {"x": loads("1")} for name in applied}
    both_ways(applied)
    both_ways(applied, kept)


def test_the_shortcut_keeps_every_target_value_in_target_order() -> None:
    applied = {
        "b": stats(deleted(("elapsed_ms",), "2.5")),
        "a": stats(deleted(("elapsed_ms",), "1.5")),
    }
    (masked,) = both_ways(applied)
    assert masked.path == ".elapsed_ms" and masked.missing == ()
    assert list(masked.values) == ["b", "a"]
