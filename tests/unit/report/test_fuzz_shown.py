"""A fuzz finding as people see it, on the terminal and in the .fuzz.md report: characters
nobody can see are escaped in its minimal input and its class, as in the differences table."""

from __future__ import annotations

from yamlparity.cli.cmd_fuzz import _finding_line
from yamlparity.core.jsonvalue import JSON
from yamlparity.report.fuzz import render_markdown
from yamlparity.results.fuzz import Finding, FuzzResult
from yamlparity.results.records import CaseResult

HIDDEN = "\u200b\ue000\u00a0"  # a zero-width space, a private-use character, a no-break space


def finding(value: JSON, label: str = "stdout .s: a=string b=string") -> Finding:
    return Finding(
        kind="diff",
        label=label,
        name="fuzz-s-string-vs-string-0000",
        input=value,
        result=CaseResult("fuzz-s-string-vs-string-0000", "DIFF", {}),
        shrunk=True,
        reproduced=True,
        first_example=1,
        first_seconds=0.1,
        examples=1,
        shown_again=2,
        reruns=2,
    )


def test_hidden_characters_of_a_minimal_input_are_escaped() -> None:
    """A new-user trial: U+E000 and a zero-width space were shown raw in the input line and
    the report's "Minimal input" block, while the differences table escaped them."""
    found = finding({"s": f"a{HIDDEN}b", "é": "日本"}, f'stdout .["k{HIDDEN}"]: a=int b=frac')
    line = _finding_line(found)
    markdown = render_markdown(
        FuzzResult("p", "p", "p.yaml", "s.json", 1, 10, None, findings=[found]), "p.yaml"
    )
    for shown in (line, markdown):
        assert not any(char in shown for char in HIDDEN), shown
        assert '"a\\u200b\\ue000\\u00a0b"' in shown  # JSON escapes: the same string
        assert '.["k\\u200b\\ue000\\u00a0"]' in shown
        assert '"é":"日本"' in shown  # what can be seen stays as it is


def test_a_long_input_is_cut_after_escaping_never_inside_an_escape() -> None:
    for pad in range(100, 120):
        line = _finding_line(finding({"s": "x" * pad + "\u200b" * 40}))
        shown = line.splitlines()[1].removeprefix("        input: ")
        assert shown.endswith("…") and len(shown) <= 120
        tail = shown[:-1].rsplit("\\", 1)[-1]
        assert tail.startswith("u200b") or "\\" not in shown, shown
