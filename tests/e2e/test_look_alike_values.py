"""Differences a person must be able to see: through the real CLI, two helpers answer values
that differ late in a long string, or by a character nobody sees (a zero-width space, a
no-break space, U+2028, a BOM, a decomposed key). The terminal (`-v`) and the markdown report
show each pair differently; the JSON results keep the exact values."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli, write_spec
from tests.support.paths import HELPER_PY

# case -> (what `one` prints, what `other` prints), as Python literals of the JSON document.
ANSWERS = {
    "late": ({"v": "Q" * 1001}, {"v": "Q" * 500 + "R" + "Q" * 500}),
    "zero_width": ({"v": "\u200b"}, {"v": ""}),
    "no_break": ({"v": "a\u00a0b"}, {"v": "a b"}),
    "separator": ({"v": "\u2028"}, {"v": "\n"}),
    "nfd_key": ({"\u00e9": 1}, {"e\u0301": 1}),
}


def _helper(folder: Path, name: str, side: int) -> None:
    answers = {case: pair[side] for case, pair in ANSWERS.items()}
    # ensure_ascii: the helper's own output is plain bytes; the characters arrive parsed.
    (folder / name).write_text(
        "import json, sys\n"
        f"answers = json.loads({json.dumps(json.dumps(answers))})\n"
        "print(json.dumps(answers[json.load(sys.stdin)]))\n",
        "utf-8",
    )


def test_look_alike_differences_are_seen_in_the_terminal_and_the_report(tmp_path: Path) -> None:
    _helper(tmp_path, "one.py", 0)
    _helper(tmp_path, "other.py", 1)
    cases = ", ".join(f"{{name: {case}, input: {case}}}" for case in ANSWERS)
    write_spec(
        tmp_path,
        "look.yaml",
        f"""\
        name: look
        targets:
          one: {{run: [{HELPER_PY}, one.py]}}
          other: {{run: [{HELPER_PY}, other.py]}}
        output: json
        cases: [{cases}]
        """,
    )
    done = run_cli(
        "run", "look.yaml", "-v", "--format", "md,json", "--report-dir", "out", cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    report = (tmp_path / "out" / "look.md").read_text("utf-8")
    rows = [line for line in report.splitlines() if line.startswith("| stdout |")]

    # Late in a long value: the same window around character 501 on both sides.
    window = "(477 characters before) …" + "Q" * 24
    late = next(line for line in lines if line.startswith("    stdout .v: one=(477"))
    assert f"one={window}{'Q' * 76}… (426 more characters)" in late
    assert f"other={window}R{'Q' * 75}… (426 more characters)" in late
    assert f"| `{window}{'Q' * 96}… (406 more characters)` " in rows[0]
    assert f"| `{window}R{'Q' * 95}… (406 more characters)` |" in rows[0]

    # Characters nobody sees: escapes, in the terminal as in the report.
    # One character for another of the same length: the note names both.
    for one, other, note in (
        ('"\\u200b"', '""', ""),
        ('"a\\u00a0b"', '"a b"', "character 2 differs: U+00A0 NO-BREAK SPACE vs U+0020 SPACE"),
        (
            '"\\u2028"',
            '"\\n"',
            "character 1 differs: U+2028 LINE SEPARATOR vs U+000A, a control character",
        ),
    ):
        after = f"  ({note}" if note else ""
        shown = f"    stdout .v: one={one}  other={other}{after}"
        assert any(line.startswith(shown) for line in lines), shown
        cell = f"| stdout | `.v`{f' — {note}' if note else ''}"
        assert any(row.startswith(cell) and f"| `{one}` | `{other}` |" in row for row in rows)

    # Keys: `é` and `e\u0301`, two rows that look different, each with the note.
    note = "key: same text after Unicode NFC normalization (composed vs decomposed)"
    assert f'    stdout .["\u00e9"]: one=1  other=(missing)  ({note})' in lines
    assert f'    stdout .["e\\u0301"]: one=(missing)  other=1  ({note})' in lines
    assert f'| stdout | `.["\u00e9"]` — {note} | `1` | (missing) |' in rows
    assert f'| stdout | `.["e\\u0301"]` — {note} | (missing) | `1` |' in rows
    assert not any(c in report + done.stdout for c in "\u200b\u00a0\u2028\u0301")

    # Display only: the JSON results hold the exact values and keys.
    results = json.loads((tmp_path / "out" / "look.json").read_text("utf-8"))
    shown = {c["name"]: c["differences"] for c in results["cases"]}
    assert shown["zero_width"][0]["values"] == {"one": "\u200b", "other": ""}
    assert shown["late"][0]["values"]["other"] == ANSWERS["late"][1]["v"]
    assert {d["path"] for d in shown["nfd_key"]} == {'.["\u00e9"]', '.["e\u0301"]'}


def test_a_byte_order_mark_in_a_text_output_is_seen(tmp_path: Path) -> None:
    for name, text in (("bom.py", "\ufeffid\n"), ("plain.py", "id\n")):
        (tmp_path / name).write_text(
            f"import sys; sys.stdin.read(); sys.stdout.write({text!r})\n", "utf-8"
        )
    write_spec(
        tmp_path,
        "bom.yaml",
        f"""\
        name: bom
        output: text
        targets:
          bom: {{run: [{HELPER_PY}, bom.py]}}
          plain: {{run: [{HELPER_PY}, plain.py]}}
        cases: [{{name: first, input: 1}}]
        """,
    )
    done = run_cli("run", "bom.yaml", "-v", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert '    stdout line 1: bom="\\ufeffid\\n"  plain="id\\n"' in done.stdout.splitlines()
    report = (tmp_path / "out" / "bom.md").read_text("utf-8")
    assert '| stdout | `line 1` | `"\\ufeffid\\n"` | `"id\\n"` |' in report
    assert "\ufeff" not in report  # the output's own block shows the escape too
