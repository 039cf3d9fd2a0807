"""What `yamlparity fuzz` makes of what it saw: each finding checked again after the search,
saved only when it shows again, in one order whatever the order sets iterate in. Real
stream-mode helpers, small budgets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fuzzing import search_stream_helpers
from yamlparity.cli.cmd_fuzz import _finding_line, _summary
from yamlparity.report.fuzz import render_markdown, save_findings
from yamlparity.run import fuzz as fuzz_module
from yamlparity.run.fuzz_signature import FindingClass, classes_of

# Answers `true` the first time it reads a line and `false` ever after: what a helper that keeps
# state between inputs does (a JavaScript regex with the `g` flag keeps its `lastIndex`).
FIRST_TIME = """\
import json, sys
seen = set()
for line in sys.stdin:
    sys.stdout.write(json.dumps({"new": line not in seen}) + "\\n")
    sys.stdout.flush()
    seen.add(line)
"""
NEVER = """\
import json, sys
for line in sys.stdin:
    sys.stdout.write(json.dumps({"new": False}) + "\\n")
    sys.stdout.flush()
"""
# Diverges on every other line it reads, whatever the line: a rerun shows it once in two.
EVERY_OTHER = """\
import json, sys
count = 0
for line in sys.stdin:
    count += 1
    sys.stdout.write(json.dumps({"new": count % 2 == 0}) + "\\n")
    sys.stdout.flush()
"""
INTEGER = {"type": "integer"}


def test_a_finding_that_does_not_show_again_is_said_so_and_not_saved(tmp_path: Path) -> None:
    """A new-user trial: a Node helper's global regex answered by history; fuzz printed and
    saved `{"s":"2"}` as a minimal divergent case, which `run` then gave MATCH."""
    result = search_stream_helpers(tmp_path, {"stateful": FIRST_TIME, "plain": NEVER}, INTEGER, 5)
    (finding,) = result.findings
    assert finding.kind == "diff" and not finding.reproduced
    assert (finding.shown_again, finding.reruns) == (0, 2)
    saved = tmp_path / "found.jsonl"
    save_findings(saved, result.findings)
    assert finding.saved == "not reproduced"
    assert not saved.exists() or saved.read_text() == ""
    line = _finding_line(finding)
    assert "[not saved: not reproduced]" in line.splitlines()[0]
    assert "NOT REPRODUCED: 0 of 2 reruns showed it" in line
    assert "1 divergence (1 not reproduced)" in _summary(result, "r.md")
    markdown = render_markdown(result, "probe.yaml")
    assert "**not reproduced: 0 of 2 reruns showed it" in markdown
    assert "Not a regression case (not reproduced)" in markdown


def test_a_finding_not_reproduced_now_is_not_called_saved_when_its_name_is_in_the_file(
    tmp_path: Path,
) -> None:
    """A new-user trial: a finding printed `[already saved]` beside `NOT REPRODUCED: 1 of 2
    reruns showed it`. A case of its name from an earlier run is left as it is, and the
    finding says both: not saved (not reproduced), the name is in the file already."""
    result = search_stream_helpers(tmp_path, {"stateful": FIRST_TIME, "plain": NEVER}, INTEGER, 5)
    (finding,) = result.findings
    assert not finding.reproduced
    saved = tmp_path / "found.jsonl"
    before = json.dumps({"name": finding.name, "input": 7}) + "\n"
    saved.write_text(before)
    save_findings(saved, result.findings)
    assert saved.read_text() == before
    assert finding.saved != "already saved"
    head = _finding_line(finding).splitlines()[0]
    assert "[not saved: not reproduced; a case of this name is in the file from an earlier " in head
    result.save = "found.jsonl"
    markdown = render_markdown(result, "probe.yaml")
    assert "0 new case(s), 0 already there, 1 not saved (not reproduced)" in markdown


def test_a_finding_shown_by_one_rerun_of_two_is_not_reproduced(tmp_path: Path) -> None:
    """One rerun of an input whose answer flips on every line shows it half the time: a
    finding is reproduced when every rerun shows it."""
    result = search_stream_helpers(tmp_path, {"flips": EVERY_OTHER, "plain": NEVER}, INTEGER, 5)
    assert result.findings
    for finding in result.findings:
        assert finding.shown_again == 1 and not finding.reproduced, finding


def test_a_finding_that_shows_again_is_saved(tmp_path: Path) -> None:
    flipped = NEVER.replace('{"new": False}', '{"new": True}')
    result = search_stream_helpers(tmp_path, {"yes": flipped, "no": NEVER}, INTEGER, 5)
    (finding,) = result.findings
    assert finding.reproduced and (finding.shown_again, finding.reruns) == (2, 2)
    saved = tmp_path / "found.jsonl"
    save_findings(saved, result.findings)
    assert finding.saved == "added"
    assert json.loads(saved.read_text()) == {"name": finding.name, "input": 0}
    assert "NOT REPRODUCED" not in _finding_line(finding)


# Writes every number as a double: an input `{"x": 1, "y": 1}` shows two classes at once.
DOUBLES = """\
import json, sys
for line in sys.stdin:
    data = json.loads(line)
    sys.stdout.write(json.dumps({k: float(v) for k, v in data.items()}) + "\\n")
    sys.stdout.flush()
"""
ECHO = NEVER.replace('json.dumps({"new": False})', "line.strip()")
PAIR = {
    "type": "object",
    "required": ["x", "y"],
    "additionalProperties": False,
    "properties": {k: {"type": "integer"} for k in "xy"},
}


class _Ordered(frozenset[FindingClass]):
    """A set of classes that iterates in a chosen order (a frozenset's own order follows
    the strings' hashes, which change with every process)."""

    reverse = False

    def __iter__(self) -> Iterator[FindingClass]:
        return iter(sorted(super().__iter__(), reverse=self.reverse))


def test_findings_first_seen_together_come_in_one_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new-user trial: the same seed saved two files whose lines were swapped (two classes
    first seen at one example came in the order a set iterated them)."""
    saved = []
    for reverse in (False, True):

        def ordered(*args: Any, reverse: bool = reverse) -> frozenset[FindingClass]:
            found = _Ordered(classes_of(*args))
            found.reverse = reverse
            return found

        monkeypatch.setattr(fuzz_module, "classes_of", ordered)
        folder = tmp_path / str(reverse)
        folder.mkdir()
        result = search_stream_helpers(folder, {"exact": ECHO, "doubles": DOUBLES}, PAIR, 2)
        firsts = [f.first_example for f in result.findings]
        assert len(set(firsts)) < len(firsts), firsts  # some were first seen together
        save_findings(folder / "found.jsonl", result.findings)
        saved.append((folder / "found.jsonl").read_text())
    assert saved[0] == saved[1]
    names = [json.loads(row)["name"] for row in saved[0].splitlines()]
    assert names[:2] == ["fuzz-x-int-vs-frac-6663", "fuzz-y-int-vs-frac-fde6"], names
