"""SpecError.render: the caret sits under the column on screen, whatever the line holds."""

from __future__ import annotations

from yamlparity.core.errors import Location, SpecError


def caret_line(source_line: str, column: int) -> str:
    error = SpecError("bad", Location("s.yaml", 3, column), source_line=source_line)
    return error.render().splitlines()[-1]


def test_caret_counts_cells_not_characters() -> None:
    # column 7 is the `x`: `k: ` takes three cells, the two wide characters four, `=` one
    assert caret_line("k: 你好=x", 7) == "  | " + " " * 8 + "^"


def test_caret_keeps_tabs_and_skips_combining_marks() -> None:
    assert caret_line("\tk: x", 5) == "  | \t" + "   ^"
    assert caret_line("k: e\u0301x", 6) == "  | " + "    " + "^"


def test_caret_after_the_end_of_the_line() -> None:
    assert caret_line("k:", 5) == "  | " + "    ^"
