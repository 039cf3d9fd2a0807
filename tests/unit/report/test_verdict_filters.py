"""`selectattr`/`rejectattr` on the cases' verdict skip a store's plain MATCH rows when the
test leaves MATCH out, and give exactly what Jinja's own filters give."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import Environment

from tests.unit.results.test_not_plain import results
from yamlparity.report import render
from yamlparity.report.render import CaseContexts, TemplateChoice

FILTERS = [
    'selectattr("verdict", "in", ["DIFF", "FAIL", "ERROR", "FIXED", "KNOWN"])',
    'selectattr("verdict", "equalto", "SKIP")',
    'selectattr("verdict", "ne", "MATCH")',
    'selectattr("verdict", "==", "ERROR")',
    'selectattr("verdict", "in", ["MATCH", "ERROR"])',  # keeps MATCH: the general path
    'selectattr("verdict")',  # truthy: every case
    'rejectattr("verdict", "equalto", "MATCH")',
    'rejectattr("verdict", "in", ["DIFF"])',  # keeps MATCH: the general path
    'selectattr("name", "equalto", "m2")',  # another attribute: the general path
]


def _names(env: Environment, expression: str, cases: Any) -> list[str]:
    template = env.from_string("{% for c in cases | " + expression + " %}{{ c.name }},{% endfor %}")
    return template.render(cases=cases).rstrip(",").split(",")


@pytest.mark.parametrize("expression", FILTERS)
def test_the_same_cases_as_jinjas_own_filters(expression: str) -> None:
    ours = render.environment()
    stored = results(store=True)
    contexts = CaseContexts(stored.cases, ("stdout",), render.Attachments())
    plain = [dict(c) for c in contexts]  # a list: Jinja's own filters, no shortcut
    assert _names(ours, expression, contexts) == _names(Environment(), expression, plain)


def test_plain_matches_are_not_rebuilt_when_the_test_leaves_match_out() -> None:
    stored = results(store=True)
    built: list[str] = []
    contexts = CaseContexts(stored.cases, ("stdout",), render.Attachments())
    one = contexts._one

    def counting(case: Any) -> dict[str, Any]:
        built.append(case.name)
        return one(case)

    contexts._one = counting  # type: ignore[method-assign]
    assert _names(render.environment(), FILTERS[0], contexts) == ["diff", "error"]
    assert built == ["diff", "error"]  # the stored MATCH rows m1, m2, m3 never read
    built.clear()
    expected = ["m1", "m2", "error", "match-kept", "m3"]
    assert _names(render.environment(), FILTERS[4], contexts) == expected
    assert len(built) == 6  # a test that keeps MATCH reads every case


def test_the_built_in_report_is_the_same_over_a_store_and_over_every_case() -> None:
    assert render.render(results(store=True), TemplateChoice()) == render.render(
        results(store=False), TemplateChoice()
    )
