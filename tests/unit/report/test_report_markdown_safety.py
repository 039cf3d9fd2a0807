"""Markdown reports: target data outside fences cannot close a <details> or split a table;
differing values are compact exact JSON; no `\\|` outside tables; one blank line per gap."""

from __future__ import annotations

from yamlparity.core.jsonvalue import Number
from yamlparity.report.formats.html import markdown_to_html
from yamlparity.report.render import render
from yamlparity.results.records import (
    CaseResult,
    Difference,
    ExpectationFailure,
    SpecResult,
    TargetInfo,
    TargetOutcome,
)

EVIL = "</details><b>x</b> | y"


def result() -> SpecResult:
    def out(target: str, value: object) -> TargetOutcome:
        return TargetOutcome(target, facets={"stdout": value}, exit_code=0)  # type: ignore[dict-item]

    nested = {"field": "fingerprint", "reason": "missing", "n": Number("1.50")}
    cases = [
        CaseResult(
            f"diff {EVIL}",
            "DIFF",
            {"a": out("a", {"e": nested}), "b": out("b", {"e": EVIL})},
            differences=[Difference("stdout", ".e", {"a": nested, "b": EVIL})],
            facet_match={"stdout": False},
            groups=[["a"], ["b"]],
        ),
        CaseResult(
            "crash",
            "ERROR",
            {
                "a": TargetOutcome("a", error=f"exited: {EVIL}", raw_excerpt=EVIL, exit_code=1),
                "b": out("b", {}),
            },
            reason=f"a: exited: {EVIL}",
        ),
        CaseResult(
            "known",
            "KNOWN",
            {"a": out("a", {"k": Number("1")}), "b": out("b", {"k": Number("2")})},
            differences=[Difference("stdout", ".k", {"a": Number("1"), "b": Number("2")})],
            reason=f"gap {EVIL}",
        ),
        CaseResult(
            "fail",
            "FAIL",
            {"a": out("a", {}), "b": out("b", {})},
            expectation_failures=[ExpectationFailure("a", "$.x matches a|b", "c|d")],
        ),
    ]
    return SpecResult(
        name="s",
        title="t",
        description="",
        file="s.yaml",
        kind="command",
        targets=[
            TargetInfo("a", "command", "tool --sep '|'", unavailable=None),
            TargetInfo("b", "command", "b"),
        ],
        cases=cases,
        started="2025-01-01T00:00:00Z",
        facets=("stdout",),
    )


def test_target_data_cannot_close_details() -> None:
    markdown = render(result())
    html = markdown_to_html(markdown)
    opened = markdown.count("<details>")
    assert opened == 4
    assert html.count("</details>") == opened  # only the template's own
    assert "<b>x</b>" not in html


def test_table_cells_escape_pipes_and_list_items_do_not() -> None:
    markdown = render(result())
    assert "| `.e` |" in markdown
    assert '| `"</details><b>x</b> \\| y"` |' in markdown  # a cell: the pipe escaped
    assert "expected `$.x matches a|b`, saw `c|d`" in markdown  # a list item: no backslash
    assert "**a helper:** `tool --sep '|'`" in markdown


def test_differing_values_are_compact_exact_json() -> None:
    markdown = render(result())
    assert '| `{"field":"fingerprint","reason":"missing","n":1.50}` |' in markdown


def test_long_values_are_cut_in_cells() -> None:
    data = result()
    long = {"k": "x" * 500}
    data.cases[0].differences[0] = Difference("stdout", ".e", {"a": long, "b": EVIL})
    row = next(line for line in render(data).splitlines() if line.startswith("| stdout | `.e`"))
    assert len(row) < 300
    assert "more characters)" in row


def test_one_blank_line_after_the_target_lines() -> None:
    assert "`b`\n\n**Tally:**" in render(result())
