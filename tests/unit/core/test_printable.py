"""Bytes that are not text are shown as `\\xNN` to people, and kept exact everywhere else."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.support.paths import HELPER_PY
from yamlparity.core.jsonvalue import Number, dumps, loads
from yamlparity.core.printable import readable, readable_json, shown_json, terminal_safe

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
        ("\u00e9\u2028", json.dumps("\u00e9\u2028", ensure_ascii=False)),
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
    assert readable(text) == "a\rb\x9b31mc\\x1bd\te\n\\xff"  # reports keep lines and C1 text
