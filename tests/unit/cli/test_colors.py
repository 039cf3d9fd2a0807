"""When the terminal gets colours, and what they wrap."""

from __future__ import annotations

import io

import pytest

from yamlparity.cli.colors import Palette, color_enabled


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # empty is unset (no-color.org)
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "0"}, False, True),  # any non-empty value forces (force-color.org)
        ({"FORCE_COLOR": ""}, False, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),  # NO_COLOR wins
        ({"TERM": "dumb"}, True, False),
        ({"TERM": "dumb", "FORCE_COLOR": "1"}, False, True),
        ({"GITHUB_ACTIONS": "true"}, False, True),  # the Actions log shows ANSI colours
        ({"GITHUB_ACTIONS": "true", "NO_COLOR": "x"}, False, False),
    ],
)
def test_color_decision(env: dict[str, str], tty: bool, expected: bool) -> None:
    stream = _Tty() if tty else io.StringIO()
    assert color_enabled(stream, env) is expected


def test_palette_colours_verdicts_and_non_zero_tally_counts_only_when_enabled() -> None:
    line = "4 match / 0 diff / 1 error"
    assert Palette(False).tally(line) == line
    assert Palette(False).verdict("DIFF") == "DIFF"
    coloured = Palette(True).tally(line)
    assert coloured == "\033[1;32m4 match\033[0m / 0 diff / \033[1;35m1 error\033[0m"
    assert Palette(True).verdict("DIFF", "DIFF ") == "\033[1;31mDIFF \033[0m"
