"""Output shown to people (reports, the terminal), where bytes that are not text become `\\xNN`
and characters that cannot be seen become `\\uXXXX`.

`output: text` keeps a target's output exact: bytes that are not UTF-8 survive as surrogate
escapes (U+DC80-U+DCFF, one per byte), and control characters as themselves. Written into a
markdown report or a terminal they would be a lone surrogate, a NUL, an ESC sequence: shown
here as the byte they stand for. Comparison and the JSON results keep the exact text.

Two values that differ by a character nobody can see (`"\\u200b"` and `""`, a no-break space
and a space, `"e\\u0301"` and `"é"`) would be shown identically: those characters are shown
as escapes (`_hidden`), in JSON text as JSON escapes, so the text stays exact JSON. And two
long differing values are shown cut to one window around their first difference
(`cut_around`), never both as the same first characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

from yamlparity.core.jsonvalue import JSON, dumps

# C0 controls but tab, line feed and carriage return (lines stay lines), DEL, and the
# surrogate escapes of undecodable bytes.
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")
# For one line on a terminal or in an excerpt: carriage returns too, and the C1 controls
# (U+009B is a CSI: an escape sequence without ESC).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\udc80-\udcff]")
# The same inside JSON text: a `\uXXXX` escape of a surrogate byte, after an even number of
# backslashes (an escaped backslash followed by `udc80` is text, not an escape).
_JSON_SURROGATE = re.compile(r"(?<!\\)((?:\\\\)*)\\u[dD][cC]([89a-fA-F][0-9a-fA-F])")


# Categories never seen as themselves: controls, format characters (U+200B, U+FEFF, bidi
# controls), surrogates, private use, spaces other than U+0020 (U+00A0, U+3000), and the line
# and paragraph separators U+2028/U+2029. Unassigned code points (Cn) are not among them:
# this Python's Unicode tables call an emoji newer than themselves unassigned.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zs", "Zl", "Zp"})
# Letters, symbols and marks drawn as nothing at all (Hangul fillers, the braille blank, the
# combining grapheme joiner, Khmer inherent vowels, Mongolian variation selectors).
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f")
_ZWJ = "\u200d"
_EMOJI_PRESENTATION = "\ufe0f"
_NON_ASCII = re.compile("[^\x00-\x7f]+")


def _hidden(char: str) -> bool:
    code = ord(char)
    noncharacter = code & 0xFFFE == 0xFFFE or 0xFDD0 <= code <= 0xFDEF
    return noncharacter or char in _BLANK or unicodedata.category(char) in _HIDDEN_CATEGORIES


def _pictographic(char: str) -> bool:
    """An emoji or another symbol a zero-width joiner may join (`👨‍💻`, `🏳️‍🌈`)."""
    return char == _EMOJI_PRESENTATION or unicodedata.category(char) in ("So", "Sk")


def _escaped_run(run: str, escape: Callable[[str], str]) -> str:
    """One run of non-ASCII characters with the hidden ones escaped. A combining mark is
    escaped when it would sit on an ASCII character, the start of the text or an escape:
    `e\\u0301` is what decomposed text looks like, and after a quote or a space a mark
    would be drawn on that. After a letter shown as itself it stays (`कि`, `❤️`, Thai)."""
    out: list[str] = []
    base_shown = False  # a run starts after ASCII or at the start of the text
    for index, char in enumerate(run):
        mark = unicodedata.category(char).startswith("M")
        joins_emoji = (
            char == _ZWJ
            and base_shown
            and _pictographic(run[index - 1])
            and index + 1 < len(run)
            and _pictographic(run[index + 1])
        )
        if (_hidden(char) and not joins_emoji) or (mark and not base_shown):
            out.append(escape(char))
            base_shown = False
        else:
            out.append(char)
            base_shown = True
    return "".join(out)


def _escape_text(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _escape_json(char: str) -> str:
    """A JSON escape: a character beyond U+FFFF as its surrogate pair, as JSON writes it."""
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _visible(text: str, escape: Callable[[str], str]) -> str:
    if text.isascii():  # the usual case, and every character that can hide is non-ASCII
        return text
    return _NON_ASCII.sub(lambda m: _escaped_run(m.group(), escape), text)


def visible(text: str) -> str:
    """`text` with the characters nobody can see (see `_hidden`, and combining marks on ASCII)
    as `\\u200b`, `\\u00a0`, `\\U000e0041`; `é`, `日本`, emoji stay as they are."""
    return _visible(text, _escape_text)


def visible_json(text: str) -> str:
    """JSON text with the characters nobody can see as JSON escapes (`"\\u200b"`): they only
    occur inside strings, where an escape means the same character, so the text stays exact."""
    return _visible(text, _escape_json)


def _byte(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00 if code >= 0xDC80 else code:02x}"


def readable(text: str) -> str:
    """`text` with control characters (but tab and line breaks) and undecodable bytes as
    `\\xNN`: `b"\\x1f\\x8b"` decoded with surrogateescape shows as `\\x1f\\x8b`; characters
    nobody can see as `\\uXXXX` (`visible`)."""
    return visible(_UNREADABLE.sub(_byte, text))


def terminal_safe(text: str) -> str:
    """Text from targets (a service's log, a helper's stderr, an excerpt) as a terminal should
    get it: control characters, ESC sequences above all, shown as `\\xNN` instead of obeyed;
    characters nobody can see (bidi controls among them) as `\\uXXXX`."""
    return visible(_UNSAFE.sub(_byte, text))


def readable_json(dumped: str) -> str:
    """Compact JSON text with the escapes of undecodable bytes (`\\udc8b`) shown as the byte
    (`\\x8b`); every other escape (`\\u0000`, `\\n`) is already readable."""
    return _JSON_SURROGATE.sub(lambda m: f"{m.group(1)}\\x{m.group(2).lower()}", dumped)


def shown_dump(dumped: str, path: str) -> str:
    """JSON text of a value at `path` (or a piece of it cut between two values) as
    `shown_json` shows it."""
    # Bytes first: a character beyond U+FFFF escaped as a surrogate pair may end in `\\udc8b`.
    text = dumped if path.startswith(".") else readable_json(dumped)
    return visible_json(text)


def shown_json(value: JSON, path: str) -> str:
    """A differing value at `path` as compact exact JSON for people. A text output's line
    (`line 3`, `after line 3`: not a JSON path, which starts with `.`) shows the bytes that
    are not UTF-8 as `\\xNN`; a JSON string keeps its `\\udc8b` escape, which is what was
    sent. Characters nobody can see are JSON escapes (`"\\u200b"`)."""
    return shown_dump(dumps(value), path)


def shown_path(path: str) -> str:
    """A difference's path for people: `.["e\\u0301"]`, not a key that looks like `.["é"]`.
    A key with anything but ASCII letters, digits and `_` is quoted JSON in a path (so is a
    keyed step's value), where a JSON escape means the same character."""
    return visible_json(path)


# ---------------------------------------------------------------- long differing values

LEAD = 24  # characters kept before the first difference, at most a quarter of the window


_BLOCK = 4096  # characters compared at once by `common_prefix`


def common_prefix(texts: Sequence[str]) -> int:
    """How many leading characters every text shares: the least each shares with the first."""
    if not texts:
        return 0
    first = texts[0]
    shared = min(len(text) for text in texts)
    for text in texts[1:]:
        shared = _shared_prefix(first, text, shared)
    return shared


def _shared_prefix(a: str, b: str, limit: int) -> int:
    """The length of the prefix `a` and `b` share, up to `limit`. Compared a block at a time
    (slice equality runs in C), then the differing block a character at a time: a loop over
    every character took ~2 s of a 3 s run on two 400,000-character values."""
    start = 0
    while start < limit:
        end = min(start + _BLOCK, limit)
        if a[start:end] != b[start:end]:
            return next(i for i in range(start, end) if a[i] != b[i])
        start = end
    return limit


def cut_around(values: Mapping[str, str], width: int) -> dict[str, str]:
    """The values of one difference (target -> shown text), each cut to the same window of
    `width` characters around the first character where any two of them differ, with what
    was left out counted on each side: `(476 characters before) …QQQRQQ… (427 more
    characters)`. Values that all fit are returned whole. Cut each on its own, two values
    that differ past their first `width` characters would be shown identically.

    A text may hold only part of a longer value (`full_length`, as the report's `ShownText`
    does; from `offset` characters in, the same for every value of one difference): the
    counts before and after it are the full value's."""
    if all(_length(text) <= width for text in values.values()):
        return dict(values)
    start = _window_start(list(values.values()), width)
    return {name: _window(text, start, width) for name, text in values.items()}


def _length(text: str) -> int:
    return int(getattr(text, "full_length", len(text)))


def _offset(text: str) -> int:
    return int(getattr(text, "offset", 0))


def _window_start(texts: Sequence[str], width: int) -> int:
    """Where every value's window starts: at 0 when the first difference is seen with
    `lead` characters after it, else `lead` characters before it."""
    lead = min(LEAD, width // 4)
    differs_at = common_prefix(texts) if len(texts) > 1 else 0
    return 0 if differs_at + lead <= width else differs_at - lead


def _window(text: str, start: int, width: int) -> str:
    shown = text[start : start + width]
    before = _offset(text) + start
    after = _length(text) - before - len(shown)
    head = f"({before} character{'s' if before != 1 else ''} before) …" if before else ""
    tail = f"… ({after} more character{'s' if after != 1 else ''})" if after > 0 else ""
    return f"{head}{shown}{tail}"
