"""The `.. | .key?` fast pass of normalize makes exactly the changes of the general path.

The general path is forced by the same rule written so the fast pass does not recognise it
(`(.. | .ts?), .nothing_here?` has two paths); results and recorded stats must agree.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from yamlparity.core import jsonvalue
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.rules.normalize import RuleStats, apply, compile_rule

KEYS = st.sampled_from(["ts", "a", "b", "id"])
LEAVES = st.one_of(
    st.none(), st.booleans(), st.text(max_size=3), st.integers(0, 99).map(lambda n: Number(str(n)))
)
VALUES: st.SearchStrategy[JSON] = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=25,
)


def both(fast_rule: str, general_rule: str, value: JSON) -> None:
    fast_stats, general_stats = RuleStats(), RuleStats()
    before = jsonvalue.canonical(value)
    fast = apply(compile_rule(fast_rule), value, fast_stats)
    general = apply(compile_rule(general_rule), value, general_stats)
    assert jsonvalue.canonical(value) == before  # never mutated
    assert jsonvalue.canonical(fast) == jsonvalue.canonical(general)
    assert fast_stats.counts == general_stats.counts
    assert [c.describe() for c in fast_stats.samples] == [
        c.describe() for c in general_stats.samples
    ]


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_delete_everywhere_matches_the_general_path(value: JSON) -> None:
    both("del(.. | .ts?)", "del(.. | .ts?, .nothing_here?)", value)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_update_everywhere_matches_the_general_path(value: JSON) -> None:
    both('(.. | .ts?) |= "<ts>"', '(.. | .ts?, .nothing_here?) |= "<ts>"', value)
    both("(.. | .ts?) |= del(.a)", "(.. | .ts?, .nothing_here?) |= del(.a)", value)


def test_nested_match_hands_over_without_double_counting() -> None:
    # `.ts` holds `.ts`: the fast pass starts (the first `.a.ts`), then hands over.
    value = jsonvalue.loads('{"a": {"ts": 1}, "ts": {"ts": 2}}')
    both('(.. | .ts?) |= "<ts>"', '(.. | .ts?, .nothing_here?) |= "<ts>"', value)
