"""Bytes that are not text are shown as `\\xNN` to people, and kept exact everywhere else."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.paths import HELPER_PY
from yamlparity.core.jsonvalue import Number, dumps, loads
from yamlparity.core.printable import (
    LEAD,
    common_prefix,
    cut_around,
    readable,
    readable_json,
    shown_json,
    shown_path,
    terminal_safe,
    visible,
)

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcbH\x1b[31m\x7f\r\n\tend"


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (b"plain \xc3\xa9 text\n\tindented\r\n", "plain é text\n\tindented\r\n"),
        (
            GZIP_HEADER,
            "\\x1f\\x8b\\x08\\x00\\x00\\x00\\x00\\x00\\x02\\x03\\xcbH\\x1b[31m\\x7f\r\n\tend",
        ),
        (b"\\x8b is text here", "\\x8b is text here"),
    ],
)
def test_readable_shows_each_byte_that_is_not_text(data: bytes, shown: str) -> None:
    assert readable(data.decode("utf-8", "surrogateescape")) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("\x1f\udc8b", '"\\u001f\\x8b"'),
        ("\\udc8b", '"\\\\udc8b"'),  # a backslash, then text: not an escape
        ("\\\udc8b", '"\\\\\\x8b"'),  # a backslash, then the byte
        ({"k": ["\udcff", Number("1.0")]}, '{"k":["\\xff",1.0]}'),
        ("\u00e9", '"\u00e9"'),
    ],
)
def test_text_lines_show_undecodable_bytes_as_bytes(value: object, shown: str) -> None:
    assert shown_json(value, "line 1") == readable_json(dumps(value)) == shown  # type: ignore[arg-type]


def test_a_json_string_keeps_the_escape_it_was_sent_with() -> None:
    """`"\\udc8b"` in a JSON answer is an escape the target wrote, not a byte it sent."""
    value = loads(b'{"a": "\\udc8b"}')
    assert shown_json(value, ".") == '{"a":"\\udc8b"}'
    assert shown_json("\udc8b", "after line 2") == '"\\x8b"'


def test_a_binary_difference_is_readable_in_every_report_and_exact_in_the_results(
    tmp_path: Path, run_cli: Callable[..., CompletedProcess[str]]
) -> None:
    """Two helpers write gzip-like bytes that differ in one byte (the compression flag):
    the terminal and the markdown/HTML reports show `\\x8b`, never a NUL or a lone
    surrogate; the JSON results keep the exact text (its escapes decode to the bytes)."""
    for name, flag in (("one.py", b"\x02"), ("two.py", b"\x00")):
        data = GZIP_HEADER.replace(b"\x02", flag)
        (tmp_path / name).write_text(f"import sys; sys.stdout.buffer.write({data!r})\n")
    (tmp_path / "bin.yaml").write_text(
        "name: bin\noutput: text\ntargets:\n"
        f"  one: {{run: [{HELPER_PY}, one.py]}}\n  two: {{run: [{HELPER_PY}, two.py]}}\n"
        "cases: [{name: gz, input: 1}]\n"
    )
    done = run_cli("run", "bin.yaml", "-v", "--format", "md,html,json", "--report-dir", "out")
    assert done.returncode == 1, done.stderr
    assert '"\\u001f\\x8b\\b\\u0000' in done.stdout and "\\udc" not in done.stdout
    for report in ("bin.md", "bin.html"):
        data = (tmp_path / "out" / report).read_bytes()
        text = data.decode("utf-8")  # strict: no lone surrogate was written
        assert "\x00" not in text and "\x1b" not in text, report
        assert "\\x1f\\x8b\\x08\\x00" in text and "\\udc8b" not in text, report
    results = json.loads((tmp_path / "out" / "bin.json").read_text("utf-8"))
    (difference,) = results["cases"][0]["differences"]
    exact = difference["values"]["one"].encode("utf-8", "surrogateescape")
    assert exact == GZIP_HEADER.split(b"\t")[0], exact  # line 1, its line ending included


def test_terminal_safe_also_escapes_line_breaks_but_tab_newline_and_c1_controls() -> None:
    """One line on a terminal (or an excerpt): a CR would overwrite it, U+009B starts an
    escape sequence without ESC; an undecodable byte shows as itself."""
    text = "a\rb\x9b31mc\x1bd\te\n" + b"\xff".decode("utf-8", "surrogateescape")
    assert terminal_safe(text) == "a\\x0db\\x9b31mc\\x1bd\te\n\\xff"
    # Reports keep lines; a C1 control is a character nobody sees there either.
    assert readable(text) == "a\rb\\u009b31mc\\x1bd\te\n\\xff"


# ---------------------------------------------------------------- characters nobody can see

LOOK_ALIKE = [  # pairs of different values a person could not tell apart shown raw
    ("\u200b", ""),  # zero-width space
    ("a\u00a0b", "a b"),  # no-break space
    ("a\u202fb", "a b"),  # narrow no-break space
    ("\u3000", " "),  # ideographic space
    ("\u2028", "\n"),  # line separator (a line break in some renderers, nothing in others)
    ("\u2029", ""),  # paragraph separator
    ("\ufeffid", "id"),  # a byte order mark
    ("\u00ad", ""),  # soft hyphen
    ("\u2060", ""),  # word joiner
    ("abc\u202edef", "abcdef"),  # right-to-left override
    ("e\u0301", "\u00e9"),  # decomposed vs composed
    ("\u0301", ""),  # a mark on nothing
    ("\u3164", ""),  # Hangul filler, a letter drawn as nothing
    ("a\U000e0041", "a"),  # a tag character (beyond U+FFFF)
    ("\ue000", ""),  # private use
    ("\x85", ""),  # a C1 control
]


@pytest.mark.parametrize(("one", "other"), LOOK_ALIKE)
def test_values_differing_by_a_character_nobody_sees_are_shown_differently(
    one: str, other: str
) -> None:
    shown = shown_json(one, "."), shown_json(other, ".")
    assert shown[0] != shown[1]
    assert shown[0].isascii() or one == "e\u0301"  # every hidden character is an escape
    # Display only, and still exact: the shown text is JSON for the same string.
    assert json.loads(shown[0]) == one and json.loads(shown[1]) == other


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("\u200b", '"\\u200b"'),
        ("a\u00a0b", '"a\\u00a0b"'),
        ("\ufeff", '"\\ufeff"'),
        ("e\u0301", '"e\\u0301"'),
        ("a\U000e0041", '"a\\udb40\\udc41"'),  # a surrogate pair: JSON has no \U
    ],
)
def test_hidden_characters_are_json_escapes(value: str, shown: str) -> None:
    assert shown_json(value, ".") == shown
    assert shown_json(value, "line 1") == shown  # a text output's line alike


@pytest.mark.parametrize(
    "text",
    [
        "caf\u00e9",
        "\u65e5\u672c\u8a9e",  # 日本語
        "\ud55c\uad6d\uc5b4",  # 한국어 (composed syllables)
        "\u0915\u093f",  # Devanagari: a vowel sign on a consonant
        "\u0e01\u0e34",  # Thai: a vowel mark on a consonant
        "\u05e9\u05b8\u05dc\u05d5\u05b9\u05dd",  # Hebrew with points
        "\U0001f600",  # 😀
        "\u2764\ufe0f",  # ❤️ (a variation selector on a symbol)
        "\U0001f44d\U0001f3fd",  # 👍🏽
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # 👨‍👩‍👧 (joined by U+200D)
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # 🏳️‍🌈
        "\u00e9\u0301",  # a second accent on é: drawn, so shown as itself
    ],
)
def test_ordinary_text_and_emoji_stay_readable(text: str) -> None:
    assert visible(text) == text
    assert shown_json(text, ".") == json.dumps(text, ensure_ascii=False)


def test_a_joiner_outside_an_emoji_sequence_is_escaped() -> None:
    assert visible("a\u200db") == "a\\u200db"
    assert visible("\U0001f468\u200d") == "\U0001f468\\u200d"


def test_terminal_and_text_outputs_show_hidden_characters_as_escapes() -> None:
    """The CLI and the report's text outputs: a BOM, a bidi override, a no-break space."""
    line = "\ufeffok \u202eevil\u00a0x \U000e0041"
    assert terminal_safe(line) == "\\ufeffok \\u202eevil\\u00a0x \\U000e0041"
    assert readable(line + "\n") == terminal_safe(line) + "\n"


def test_paths_show_keys_that_only_look_alike() -> None:
    composed, decomposed = '.["\u00e9"]', '.["e\u0301"]'
    assert shown_path(composed) == composed
    assert shown_path(decomposed) == '.["e\\u0301"]'
    assert shown_path('.a["\u200b"][0]') == '.a["\\u200b"][0]'
    assert shown_path(".plain.key[3]") == ".plain.key[3]"


# ---------------------------------------------------------------- long differing values


def test_long_values_are_cut_in_one_window_around_the_first_difference() -> None:
    """1,001 characters that differ at character 501: cut each from its start, both read
    `"QQQQ…`; cut together, the window holds the difference, at the same place in both."""
    one, other = json.dumps("Q" * 1001), json.dumps("Q" * 500 + "R" + "Q" * 500)
    cut = cut_around({"a": one, "b": other}, 120)
    assert cut["a"] != cut["b"]
    start = 501 - LEAD  # the difference is at index 501 of the JSON text (after the quote)
    for name, text in (("a", one), ("b", other)):
        after = len(text) - start - 120
        assert cut[name] == (
            f"({start} characters before) …{text[start : start + 120]}… ({after} more characters)"
        )
    assert "R" in cut["b"] and "R" not in cut["a"]


def test_a_difference_near_the_start_keeps_the_start_and_one_at_the_end_the_end() -> None:
    one, other = "A" + "z" * 500, "B" + "z" * 500
    assert (
        cut_around({"a": one, "b": other}, 100)["a"] == "A" + "z" * 99 + "… (401 more characters)"
    )
    tail_a, tail_b = "z" * 500 + "1", "z" * 500 + "2"
    cut = cut_around({"a": tail_a, "b": tail_b}, 100)
    assert cut["a"] == "(476 characters before) …" + "z" * 24 + "1"
    assert cut["b"].endswith("z2")


def test_values_that_fit_are_whole_and_a_shorter_one_shares_the_window() -> None:
    assert cut_around({"a": '"x"', "b": '"y"'}, 100) == {"a": '"x"', "b": '"y"'}
    cut = cut_around({"a": "Q" * 300 + "x", "b": "Q" * 300 + "yyyy" + "Q" * 300}, 100)
    assert cut["a"] == "(276 characters before) …" + "Q" * 24 + "x"
    assert cut["b"].startswith("(276 characters before) …" + "Q" * 24 + "yyyy")


def test_the_counts_are_of_the_whole_value_when_a_text_holds_its_start() -> None:
    class Start(str):
        full_length: int

    held = Start("Q" * 1000 + "x" + "Q" * 999)
    held.full_length = 50_000
    cut = cut_around({"a": held, "b": "Q" * 1000 + "y"}, 100)
    assert cut["a"].endswith(f"… ({50_000 - 976 - 100} more characters)")


def test_common_prefix() -> None:
    assert common_prefix(["abcd", "abxd", "ab"]) == 2
    assert common_prefix(["same", "same"]) == 4
    assert common_prefix([]) == 0


def _common_prefix_by_character(texts: list[str]) -> int:
    """The definition, a character at a time."""
    if not texts:
        return 0
    shortest = min(len(text) for text in texts)
    return next((i for i in range(shortest) if len({t[i] for t in texts}) > 1), shortest)


# Texts sharing a long prefix (past the 4,096-character blocks compared at once), each with a
# tail of its own, some cut short: the first difference may lie in any block, at a block's
# edge, or nowhere (one text a prefix of the others).
_SHARED = st.integers(0, 10_000).map(lambda n: "a\u00e9\U0001f600" * (n // 3) + "a" * (n % 3))
_TAILS = st.lists(st.text(alphabet="a\u00e9\U0001f600b", max_size=6), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(shared=_SHARED, tails=_TAILS, cut=st.integers(0, 10_010))
def test_common_prefix_is_the_definition_for_long_texts(
    shared: str, tails: list[str], cut: int
) -> None:
    texts = [shared + tail for tail in tails]
    texts.append(texts[0][:cut])
    assert common_prefix(texts) == _common_prefix_by_character(texts)


def test_a_difference_past_the_first_blocks_is_found_at_its_place() -> None:
    a = "a" * 400_000
    for at in (0, 4_095, 4_096, 200_000, 399_999):
        b = a[:at] + "b" + a[at + 1 :]
        assert common_prefix([a, a, b]) == at
    assert common_prefix([a, a[:-1]]) == 399_999
