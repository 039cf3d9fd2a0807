"""`output: text` verdicts a new-user trial with real CLI tools (cat, sed, awk, cut) found
wrong, through the real CLI: a stream helper's answer line keeps its line end, an allowed
empty text is the text as written, and a byte that is not UTF-8 is named as a byte."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.cli import run_cli, tally, write_spec


def run(spec: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    out = str(spec.parent / "out")
    return run_cli("run", str(spec), "--report-dir", out, *extra, cwd=spec.parent, timeout=120)


# --- stream mode: the answer line with its line end ------------------------------------------

CR = r"s/$/\r/"  # sed: every line ends `\r\n`


def modes_spec(folder: Path, compare: str) -> Path:
    """`cat` and `sed -u 's/$/\\r/'` (lines ending `\\r\\n`), each in stream and process mode."""
    return write_spec(
        folder,
        "modes.yaml",
        f"""\
name: modes
targets:
  cat_stream: {{run: [cat], mode: stream}}
  cat_process: {{run: [cat]}}
  sed_stream: {{run: [sed, -u, '{CR}'], mode: stream}}
  sed_process: {{run: [sed, '{CR}']}}
output: text
{compare}cases:
  - {{name: a, stdin: "hello\\n"}}
  - {{name: b, stdin: "x y\\n"}}
""",
    )


def test_a_stream_text_answer_keeps_its_line_end(tmp_path: Path) -> None:
    # `cat` in stream mode answered "hello" and in process mode "hello\n": a DIFF between the
    # same program in two modes; `sed -u 's/$/\r/'` answered "hello\r", a lone CR that
    # `line_endings: ignore` could not take for a line end.
    done = run(modes_spec(tmp_path, "compare: {text: {line_endings: ignore}}\n"), "-v")
    assert done.returncode == 0, done.stdout + done.stderr
    assert tally(done.stdout) == ({"match": 2, "diff": 0}, 2), done.stdout


def test_a_stream_text_answer_is_the_exact_line_without_a_text_rule(tmp_path: Path) -> None:
    # Without `line_endings: ignore` each mode still gets the very bytes the program wrote:
    # cat's `\n` against cat's, sed's `\r\n` against sed's, and the two programs differ.
    done = run(modes_spec(tmp_path, ""), "-v")
    assert done.returncode == 1, done.stdout + done.stderr
    assert tally(done.stdout) == ({"match": 0, "diff": 2}, 2), done.stdout
    assert "agreement: cat_stream = cat_process ≠ sed_stream = sed_process" in done.stdout


def test_a_recording_of_a_stream_helper_replays_its_line_ends(tmp_path: Path) -> None:
    # Recorded from `cat` in stream mode, the answer is "hello\n" as a process's would be; an
    # older recording (the line without its `\n`) is replayed with it.
    spec = write_spec(
        tmp_path,
        "rec.yaml",
        """\
name: rec
targets:
  old: {run: [cat], mode: stream}
  now: {run: [cat]}
output: text
cases:
  - {name: a, stdin: "hello\\n"}
  - {name: b, stdin: "crlf\\r\\n"}
""",
    )
    recorded = run_cli("record", "rec.yaml", "--target", "old", cwd=tmp_path, timeout=120)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    header, *rows = (tmp_path / "baselines" / "old.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(row)["stdout"] for row in rows] == ["hello\n", "crlf\r\n"]
    replay = spec.read_text("utf-8").replace(
        "old: {run: [cat], mode: stream}", "old: {recorded: baselines/old.jsonl}"
    )
    spec.write_text(replay, "utf-8")
    done = run(spec, "-v")
    assert done.returncode == 0, done.stdout + done.stderr
    # As an older yamlparity recorded it: each line without its `\n`.
    older = [header]
    for row in rows:
        answer = json.loads(row)
        answer["stdout"] = answer["stdout"].removesuffix("\n")
        older.append(json.dumps(answer))
    (tmp_path / "baselines" / "old.jsonl").write_text("\n".join(older) + "\n", "utf-8")
    done = run(spec, "-v")
    assert done.returncode == 0, done.stdout + done.stderr
    assert tally(done.stdout) == ({"match": 2, "diff": 0}, 2), done.stdout


# --- allow_empty: an empty text is the text as written -------------------------------------

FIELD_2 = """\
name: ws
targets:
  awk: {run: [awk, -F, ",", "{print $$2}"]}
  cut: {run: [cut, -s, -d, ",", -f, "2"]}
  pad: {run: [sed, "s/.*/  /"]}
output: text
allow_empty: true
cases:
  - {name: no_delims, stdin: "abc\\nabc\\n"}
"""


def test_allowed_empty_texts_are_compared_as_written(tmp_path: Path) -> None:
    # awk writes "\n\n", cut nothing, sed "  \n  \n": three whitespace-only answers that were
    # all the same empty text "", a MATCH; awk's lines were shown as (missing).
    spec = write_spec(tmp_path, "ws.yaml", FIELD_2)
    done = run(spec, "-v")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "agreement: awk ≠ cut ≠ pad" in done.stdout
    assert 'stdout line 1: awk="\\n"  cut=(missing)  pad="  \\n"' in done.stdout
    # compare.text options apply as to any text: awk's blank lines and sed's spaces agree.
    ignore = FIELD_2.replace("cases:", "compare: {text: {trailing_whitespace: ignore}}\ncases:")
    spec = write_spec(tmp_path, "ws.yaml", ignore)
    done = run(spec, "-v")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "agreement: awk = pad ≠ cut" in done.stdout
    # Not allowed, each is still an empty answer: an ERROR, never a verdict.
    spec = write_spec(tmp_path, "ws.yaml", FIELD_2.replace("allow_empty: true\n", ""))
    done = run(spec, "-v")
    assert done.returncode == 1, done.stdout + done.stderr
    assert tally(done.stdout) == ({"match": 0, "diff": 0, "error": 1}, 1), done.stdout
    assert "(then: the text as written)" in done.stdout


# --- bytes that are not UTF-8 -------------------------------------------------------------------


def test_a_differing_byte_is_named_as_a_byte(tmp_path: Path) -> None:
    # printf writes the bytes 0xFF and 0xFE, shown as \xff and \xfe; the note called them
    # "U+DCFF, a lone surrogate vs U+DCFE, a lone surrogate".
    spec = write_spec(
        tmp_path,
        "bytes.yaml",
        """\
name: bytes
targets:
  ff: {run: [printf, '\\377ok\\n']}
  fe: {run: [printf, '\\376ok\\n']}
output: text
cases:
  - {name: c, stdin: ""}
""",
    )
    done = run(spec, "-v")
    assert done.returncode == 1, done.stdout + done.stderr
    values = 'stdout line 1: ff="\\xffok\\n"  fe="\\xfeok\\n"'
    line = values + "  (character 1 differs: byte 0xFF vs byte 0xFE)"
    assert line in done.stdout
    report = (tmp_path / "out" / "bytes.md").read_text("utf-8")
    assert "byte 0xFF vs byte 0xFE" in report and "surrogate" not in report
