"""`yamlparity fuzz` and stream helpers that write more lines than they were sent inputs (a
JSON banner, a second line a little after the answer): no verdict rests on an answer that may
be another input's, as `yamlparity run` promises (docs/stream-mode.md), and the input that
makes a helper write twice is found, shrunk and reproduced. Real Python helpers."""

from __future__ import annotations

from pathlib import Path

from tests.support.fuzzing import search_stream_helpers
from yamlparity.core.jsonvalue import canonical
from yamlparity.results.fuzz import FuzzResult

ECHO = """\
import json, sys
for line in sys.stdin:
    sys.stdout.write(json.dumps({"n": json.loads(line)}) + "\\n")
    sys.stdout.flush()
"""
# A start-up banner that is itself JSON, and looks like an answer (to 0); each answer takes
# 5 ms, so the banner is never followed at once by the answer it displaces.
BANNER = """\
import json, sys, time
print(json.dumps({"n": 0}), flush=True)
for line in sys.stdin:
    time.sleep(0.005)
    sys.stdout.write(json.dumps({"n": json.loads(line)}) + "\\n")
    sys.stdout.flush()
"""
# Above 5, the answer again 30 ms later: after the answer was taken, before the next input
# (a fuzz example takes a few ms), or while the next one is in flight.
LATE = """\
import json, sys, time
for line in sys.stdin:
    n = json.loads(line)
    text = json.dumps({"n": n}) + "\\n"
    sys.stdout.write(text)
    sys.stdout.flush()
    if n > 5:
        time.sleep(0.03)
        sys.stdout.write(text)
        sys.stdout.flush()
"""
SMALL = {"type": "integer", "minimum": 0, "maximum": 10}
TWICE = "the helper answered with more than one line (out of turn)"


def search(folder: Path, helpers: dict[str, str], examples: int) -> FuzzResult:
    return search_stream_helpers(folder, helpers, SMALL, examples)


def found(result: FuzzResult) -> list[tuple[str, str, str, bool]]:
    return [(f.kind, f.label, canonical(f.input), f.reproduced) for f in result.findings]


def test_a_json_banner_makes_every_input_an_error_never_a_match_or_diff(tmp_path: Path) -> None:
    """A new-user trial: fuzz took the banner for the first input's answer, and every answer
    after it for the input before, and reported DIFF (`{"k":1}` answered `0`) and MATCH
    verdicts that `run` turns into ERRORs. Every input the helper answered is an ERROR."""
    result = search(tmp_path, {"banner": BANNER, "plain": ECHO}, 8)
    assert set(result.verdicts) == {"ERROR"}, result.verdicts
    assert found(result) == [("error", f"banner: {TWICE}", "0", True)]
    assert result.settled is not None and "banner: wrote" in result.settled


def test_a_late_second_line_is_the_error_of_the_input_that_wrote_it(tmp_path: Path) -> None:
    """A new-user trial: a second line 30 ms after the answer to n > 5 was taken as a later
    input's answer; fuzz reported a DIFF and an ERROR on innocent inputs, both not
    reproduced, and never an input above 5. Now the input that makes the helper write twice
    is the finding, shrunk to the smallest (6), reproduced; nothing rests on a shifted answer,
    and the same seed finds the same."""
    first = search(tmp_path, {"late": LATE, "plain": ECHO}, 20)
    assert "DIFF" not in first.verdicts, first.verdicts
    assert found(first) == [("error", f"late: {TWICE}", "6", True)]
    again = search(tmp_path, {"late": LATE, "plain": ECHO}, 20)
    assert found(again) == found(first)
    assert again.verdicts == first.verdicts


def test_well_behaved_helpers_are_not_waited_for(tmp_path: Path) -> None:
    """Helpers that write one line per input never cost a wait after each: the search is not
    started again."""
    result = search(tmp_path, {"one": ECHO, "two": ECHO}, 20)
    assert result.settled is None and result.findings == []
    assert set(result.verdicts) == {"MATCH"}
