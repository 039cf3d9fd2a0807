"""An error inside a value points at the character where the file spells it, in every YAML
scalar style: quotes, escapes, folded lines, block scalars (not at the scalar's first column)."""

from __future__ import annotations

from pathlib import Path

import pytest

from yamlparity.core.errors import SpecError
from yamlparity.spec.load import load_spec
from yamlparity.spec.spelling import value_position

# Five lines of targets and one of cases: a spec's `normalize:` is line 7, its first rule line 8.
HEAD = """\
targets:
  python:
    run: [python3, helper.py]
  node:
    run: [node, helper.js]
cases: [{name: c}]
"""


def located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> str:
    """The `-->` line, the source line and the caret of the error loading HEAD + body."""
    (tmp_path / "s.yaml").write_text(HEAD + body, "utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as info:
        load_spec(Path("s.yaml"), environ={})
    lines = info.value.render().splitlines()
    return "\n".join(lines[1:5]) + "\n"


# (the YAML after HEAD, what the error shows); `dell` is the unknown function each rule names.
RULE_ERRORS = [
    pytest.param(
        r"""normalize:
  - "mask(.b; \"x\"; timestmp)"
""",
        r"""  --> s.yaml:8:22 (at normalize[0])
  |
8 |   - "mask(.b; \"x\"; timestmp)"
  |                      ^
""",
        id="double-quoted-escaped-quotes",
    ),
    pytest.param(
        r"""normalize:
  - "del(.[\"😀\"]) | dell(.a)"
""",
        # column 22 counts the emoji as one character; the caret is one cell further right,
        # under the `d`, because a terminal draws the emoji two cells wide
        r"""  --> s.yaml:8:22 (at normalize[0])
  |
8 |   - "del(.[\"😀\"]) | dell(.a)"
  |                       ^
""",
        id="double-quoted-wide-character",
    ),
    pytest.param(
        r"""normalize:
  - "del(.[\"\x41\u00e9\U0001F600\/\\\\\"])\t| dell(.a)"
""",
        r"""  --> s.yaml:8:48 (at normalize[0])
  |
8 |   - "del(.[\"\x41\u00e9\U0001F600\/\\\\\"])\t| dell(.a)"
  |                                                ^
""",
        id="double-quoted-every-escape-length",
    ),
    pytest.param(
        r"""normalize:
  - "del(.a) |\
      \t dell(.b)"
""",
        r"""  --> s.yaml:9:10 (at normalize[0])
  |
9 |       \t dell(.b)"
  |          ^
""",
        id="double-quoted-escaped-line-break",
    ),
    pytest.param(
        r"""normalize:
  - "del(.a)

     |  dell(.b)"
""",
        r"""  --> s.yaml:10:9 (at normalize[0])
   |
10 |      |  dell(.b)"
   |         ^
""",
        id="double-quoted-folded-lines",
    ),
    pytest.param(
        r"""normalize:
  - 'del(.["it''s"]) | dell(.a)'
""",
        r"""  --> s.yaml:8:24 (at normalize[0])
  |
8 |   - 'del(.["it''s"]) | dell(.a)'
  |                        ^
""",
        id="single-quoted-doubled-quote",
    ),
    pytest.param(
        r"""normalize:
  - del(.a)
      |   dell(.b)
""",
        r"""  --> s.yaml:9:11 (at normalize[0])
  |
9 |       |   dell(.b)
  |           ^
""",
        id="plain-multi-line",
    ),
    pytest.param(
        r"""normalize:
  - |
    del(.a) |
      dell(.b)
""",
        r"""  --> s.yaml:10:7 (at normalize[0])
   |
10 |       dell(.b)
   |       ^
""",
        id="literal-block-list-item",
    ),
    pytest.param(
        r"""normalize:
  - rule: >-
      del(.a)

      | dell(.b)
    targets: [python]
""",
        r"""  --> s.yaml:11:9 (at normalize[0].rule)
   |
11 |       | dell(.b)
   |         ^
""",
        id="folded-block-strip",
    ),
    pytest.param(
        r"""normalize:
  - rule: |2-
        del(.a) | dell(.b)
""",
        r"""  --> s.yaml:9:19 (at normalize[0].rule)
  |
9 |         del(.a) | dell(.b)
  |                   ^
""",
        id="literal-block-explicit-indentation",
    ),
    pytest.param(
        r"""normalize:
  - |
    del(.a
""",
        r"""  --> s.yaml:9:11 (at normalize[0])
  |
9 |     del(.a
  |           ^
""",
        id="literal-block-end-of-rule",
    ),
    pytest.param(
        r"""normalize:
  - {rule: "del(.[\"a\"]) | dell(.a)", targets: [python]}
""",
        r"""  --> s.yaml:8:29 (at normalize[0].rule)
  |
8 |   - {rule: "del(.[\"a\"]) | dell(.a)", targets: [python]}
  |                             ^
""",
        id="flow-mapping",
    ),
    pytest.param(
        r"""normalize:
  - &r !!str "del(.a) | dell(.b)"
""",
        r"""  --> s.yaml:8:25 (at normalize[0])
  |
8 |   - &r !!str "del(.a) | dell(.b)"
  |                         ^
""",
        id="anchor-and-tag-before-the-quote",
    ),
    pytest.param(
        r"""normalize:
  - "del(.a) | ${X:-dell}(.b)"
""",
        # interpolated, the rule is no longer the text the file spells: its content's start
        r"""  --> s.yaml:8:6 (at normalize[0])
  |
8 |   - "del(.a) | ${X:-dell}(.b)"
  |      ^
""",
        id="changed-by-interpolation-falls-back-to-the-content",
    ),
]


@pytest.mark.parametrize(("body", "expected"), RULE_ERRORS)
def test_rule_error_points_at_the_character_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, expected: str
) -> None:
    assert located(tmp_path, monkeypatch, body) == expected


def test_interpolation_error_inside_a_block_scalar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "normalize:\n  - >\n    del(.a)\n    | ${X\n"
    assert located(tmp_path, monkeypatch, body) == (
        "  --> s.yaml:10:7 (at normalize[0])\n   |\n10 |     | ${X\n   |       ^\n"
    )


def test_regex_error_in_a_double_quoted_pattern(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = 'expect:\n  - path: $.ok\n    matches: "^\\"a\\"(b"\n'
    assert located(tmp_path, monkeypatch, body) == (
        "  --> s.yaml:9:21 (at expect[0].matches)\n"
        "  |\n"
        '9 |     matches: "^\\"a\\"(b"\n'
        "  |                     ^\n"
    )


@pytest.mark.parametrize(
    ("source", "style", "value"),
    [
        ('k: "a\\x41\\u00e9\\U0001F600\\\\\\n\\tb"', '"', "aAé😀\\\n\tb"),
        ("k: 'it''s ok'", "'", "it's ok"),
        ('k: "one\n  two\n\n  three \\\n  four"', '"', "one two\nthree four"),
        ("k: one\n  two\n\n  three", None, "one two\nthree"),
        ("k: |+\n  one\n   two\n\n", "|", "one\n two\n\n"),
        ("k: >\n  one\n  two\n\n   three\n  four\n", ">", "one two\n\n three\nfour\n"),
    ],
)
def test_every_character_maps_to_its_spelling(source: str, style: str | None, value: str) -> None:
    lines = tuple(source.split("\n"))
    for index, char in enumerate(value):
        line, column = value_position(lines, 1, 4, style, value, index)
        text = lines[line - 1]
        written = text[column - 1] if column <= len(text) else "\n"
        # A character is written as itself, as an escape, as `''`, or (a folded space or a
        # kept line break) by the line break after the text before it.
        if char in " \n" and written == "\n":
            continue
        assert written == char or written in "\\'", (index, char, line, column)


def test_a_value_the_source_does_not_spell_points_at_the_content() -> None:
    lines = ('k: "del(.a) | x"',)
    assert value_position(lines, 1, 4, '"', "something else", 5) == (1, 5)
    assert value_position(lines, 1, 4, "|", "del(.a) | x", 5) == (1, 4)
