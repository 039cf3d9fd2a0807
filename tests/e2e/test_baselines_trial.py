"""Recordings replayed where they cannot answer truthfully (findings of a new-user trial): a
recording of parsed JSON under `output: text`, headers it never kept, a HAR entry lent to
another request, `-k` that selects nothing, target headers and the tier of a replayed match.
Real helpers and servers, through the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

Cli = Callable[..., CompletedProcess[str]]

# Prints the same JSON value in one of two layouts: `spaced` as `{"a": 1}`, else `{"a":1}`.
LAYOUT = """\
import json, sys
data = json.loads(sys.stdin.read())
spaced = len(sys.argv) > 1 and sys.argv[1] == "spaced"
print(json.dumps({"a": data["n"]}, separators=(", ", ": ") if spaced else (",", ":")))
"""


def _command_spec(
    folder: Path, name: str, targets: dict[str, str], output: str = "json", extra: str = ""
) -> Path:
    """`targets`: name -> its flow mapping (`{run: [python3, layout.py]}`)."""
    (folder / "layout.py").write_text(LAYOUT, "utf-8")
    lines = "".join(f"  {target}: {value}\n" for target, value in targets.items())
    text = (
        f"name: {name}\ntargets:\n{lines}output: {output}\n"
        "compare: {facets: [stdout, stderr, exit_code]}\n"
        "cases:\n  - {name: one, input: {n: 1}}\n  - {name: two, input: {n: 2}}\n"
        f"report: {{path: reports/{name}.md}}\n{extra}"
    )
    path = folder / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return path


LIVE = "{run: [python3, layout.py]}"
SPACED = "{run: [python3, layout.py, spaced]}"


def test_record_with_a_selection_of_no_case_writes_nothing(tmp_path: Path, run_cli: Cli) -> None:
    _command_spec(tmp_path, "sel", {"old": LIVE, "new": LIVE})
    done = run_cli("record", "sel.yaml", "--target", "old", "-k", "nothing_here")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: -k 'nothing_here' selects no case in sel.yaml" in done.stderr
    assert not (tmp_path / "baselines").exists()
    assert run_cli("record", "sel.yaml", "--target", "old").returncode == 0
    file = tmp_path / "baselines" / "old.jsonl"
    before = file.read_bytes()
    done = run_cli(
        "record", "sel.yaml", "--target", "old", "--update-baseline", "-k", "nothing_here"
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: -k 'nothing_here' selects no case in sel.yaml" in done.stderr
    assert file.read_bytes() == before  # the header (recorded_at) not rewritten either


def test_a_recording_of_parsed_json_cannot_answer_an_output_text_spec(
    tmp_path: Path, run_cli: Cli
) -> None:
    _command_spec(tmp_path, "rec", {"old": LIVE, "new": LIVE})
    assert run_cli("record", "rec.yaml", "--target", "old").returncode == 0
    assert '"stdout_json":{"a":1}' in (tmp_path / "baselines" / "old.jsonl").read_text("utf-8")
    # Under `output: text` the bytes are compared, and the recording kept only the value: the
    # same program must not DIFF, another layout must not MATCH; both are ERROR, saying why.
    for live in (LIVE, SPACED):
        replay = {"old": "{recorded: baselines/old.jsonl}", "new": live}
        _command_spec(tmp_path, "replay", replay, output="text")
        done = run_cli("run", "replay.yaml", "-v")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "[parity] replay: 0 match / 0 diff / 2 error (out of 2)" in done.stdout
        assert (
            "ERROR one: old: baselines/old.jsonl:2: the recording holds the parsed JSON of the "
            "stdout (`stdout_json`, recorded under `output: json`), not the bytes an "
            "`output: text` comparison needs; record it again with `output: text` in the "
            "recording spec (rec.yaml, target old)"
        ) in done.stdout
    # Recorded again under `output: text`, the recording holds the bytes and answers.
    _command_spec(tmp_path, "rec", {"old": LIVE, "new": LIVE}, output="text")
    done = run_cli("record", "rec.yaml", "--target", "old", "--update-baseline")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 changed" in done.stdout
    _command_spec(
        tmp_path, "replay", {"old": "{recorded: baselines/old.jsonl}", "new": LIVE}, output="text"
    )
    done = run_cli("run", "replay.yaml")
    assert "[parity] replay: 2 match / 0 diff (out of 2)" in done.stdout, done.stdout
    # A JSON comparison still reads the parsed value.
    _command_spec(tmp_path, "rec", {"old": LIVE, "new": LIVE})
    assert run_cli("record", "rec.yaml", "--target", "old", "--update-baseline").returncode == 0
    _command_spec(tmp_path, "replay", {"old": "{recorded: baselines/old.jsonl}", "new": SPACED})
    done = run_cli("run", "replay.yaml")
    assert "[parity] replay: 2 match / 0 diff (out of 2)" in done.stdout, done.stdout
