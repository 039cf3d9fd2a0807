"""Output shown to people (reports, the terminal), where bytes that are not text become `\\xNN`.

`output: text` keeps a target's output exact: bytes that are not UTF-8 survive as surrogate
escapes (U+DC80-U+DCFF, one per byte), and control characters as themselves. Written into a
markdown report or a terminal they would be a lone surrogate, a NUL, an ESC sequence: shown
here as the byte they stand for. Comparison and the JSON results keep the exact text.
"""

from __future__ import annotations

import re

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


def _byte(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00 if code >= 0xDC80 else code:02x}"


def readable(text: str) -> str:
    """`text` with control characters (but tab and line breaks) and undecodable bytes as
    `\\xNN`: `b"\\x1f\\x8b"` decoded with surrogateescape shows as `\\x1f\\x8b`."""
    return _UNREADABLE.sub(_byte, text)


def terminal_safe(text: str) -> str:
    """Text from targets (a service's log, a helper's stderr, an excerpt) as a terminal should
    get it: control characters, ESC sequences above all, shown as `\\xNN` instead of obeyed."""
    return _UNSAFE.sub(_byte, text)


def readable_json(dumped: str) -> str:
    """Compact JSON text with the escapes of undecodable bytes (`\\udc8b`) shown as the byte
    (`\\x8b`); every other escape (`\\u0000`, `\\n`) is already readable."""
    return _JSON_SURROGATE.sub(lambda m: f"{m.group(1)}\\x{m.group(2).lower()}", dumped)


def shown_json(value: JSON, path: str) -> str:
    """A differing value at `path` as compact exact JSON for people. A text output's line
    (`line 3`, `after line 3`: not a JSON path, which starts with `.`) shows the bytes that
    are not UTF-8 as `\\xNN`; a JSON string keeps its `\\udc8b` escape, which is what was
    sent."""
    dumped = dumps(value)
    return dumped if path.startswith(".") else readable_json(dumped)
