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


def _row(data: SpecResult, path: str) -> list[str]:
    """The cells of the differing-paths row at `path` (as the report shows the path)."""
    start = f"| stdout | `{path}`"
    row = next(line for line in render(data).splitlines() if line.startswith(start))
    return [cell.strip() for cell in row.strip("|").split(" | ")]


def test_long_values_that_differ_late_show_the_difference_in_both_cells() -> None:
    """Two 1,001-character strings that differ at character 501: each cell holds the same
    window around the difference, and the characters left out on each side are counted."""
    data = result()
    one, other = "Q" * 1001, "Q" * 500 + "R" + "Q" * 500
    data.cases[0].differences[0] = Difference("stdout", ".e", {"a": one, "b": other})
    _, _, a, b = _row(data, ".e")
    assert a != b
    assert a.startswith("`(477 characters before) …") and b.startswith("`(477 characters before) …")
    assert a.endswith("… (406 more characters)`") and b.endswith("… (406 more characters)`")
    assert "R" in b and "R" not in a
    assert b.index("R") == a.index("Q" * 25) + 24  # at the same place in both windows


def test_values_differing_by_an_invisible_character_look_different() -> None:
    data = result()
    data.cases[0].differences[0] = Difference("stdout", ".e", {"a": "\u200b", "b": ""})
    data.cases[2].differences[0] = Difference("stdout", ".k", {"a": "a\u00a0b", "b": "a b"})
    assert _row(data, ".e")[2:] == ['`"\\u200b"`', '`""`']
    assert _row(data, ".k")[2:] == ['`"a\\u00a0b"`', '`"a b"`']


def test_keys_differing_only_by_nfc_show_escaped_with_the_note() -> None:
    data = result()
    note = "key: same text after Unicode NFC normalization (composed vs decomposed)"
    data.cases[0].differences[:] = [
        Difference("stdout", '.["\u00e9"]', {"a": Number("1")}, ("b",), note),
        Difference("stdout", '.["e\u0301"]', {"b": Number("1")}, ("a",), note),
    ]
    composed = _row(data, '.["\u00e9"]')
    decomposed = _row(data, '.["e\\u0301"]')
    assert composed[1] == f'`.["\u00e9"]` — {note}'
    assert decomposed[1] == f'`.["e\\u0301"]` — {note}'


def test_one_blank_line_after_the_target_lines() -> None:
    assert "`b`\n\n**Tally:**" in render(result())
