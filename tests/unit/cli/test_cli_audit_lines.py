"""`run` prints a line per rule the audit flags after the spec's summary line (not with -q):
a user working from the terminal learns that a rule may hide a divergence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

# Prints the case's input for the target named in argv[1] (`{"a": {...}, "b": {...}}`).
HELPER = "import json, sys\nprint(json.dumps(json.load(sys.stdin)[sys.argv[1]]))\n"


PRICED = [
    {"name": "c1", "input": {"a": {"price": 1, "n": 1}, "b": {"price": 10, "n": 1}}},
    {"name": "c3", "input": {"a": {"price": 3, "n": 1}, "b": {"price": 30, "n": 1}}},
]


def spec(
    folder: Path, rules: list[object], cases: list[object] = PRICED, name: str = "priced"
) -> None:
    """s.yaml: targets a and b print their part of each case's input."""
    (folder / "h.py").write_text(HELPER)
    (folder / "s.yaml").write_text(
        f"name: {name}\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, h.py, a]}}\n"
        f"  b: {{run: [{HELPER_PY}, h.py, b]}}\n"
        f"normalize: {json.dumps(rules)}\n"
        f"cases: {json.dumps(cases)}\n"
    )


LINE = (
    "  audit: rule 2 del(.price) may hide a divergence (.price: a 1 vs b 10 in c1; "
    "not calibrated) — see the report"
)


DEAD = "  audit: rule 1 del(.nothing) changed nothing in any case (is its path right?)"


@pytest.mark.parametrize("flags", [[], ["-v"]])
def test_a_flagged_rule_is_named_after_the_summary_line(tmp_path: Path, flags: list[str]) -> None:
    spec(tmp_path, ["del(.nothing)", "del(.price)"])
    done = run_cli("run", "s.yaml", "--report-dir", "out", *flags, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr  # a flag does not fail the run
    lines = done.stdout.splitlines()
    summary = next(i for i, line in enumerate(lines) if line.startswith("[parity] priced:"))
    assert lines[summary + 1] == LINE
    audit = [line for line in lines if line.startswith("  audit:")]
    if "-v" in flags:  # the dead rule too, after the flagged ones
        assert audit == [LINE, DEAD]
    else:  # a dead rule hides nothing: only -v names it
        assert audit == [LINE]


def test_quiet_runs_and_runs_without_a_flag_print_no_audit_line(tmp_path: Path) -> None:
    spec(tmp_path, ["del(.price)"])
    quiet = run_cli("run", "s.yaml", "--report-dir", "out", "-q", cwd=tmp_path)
    assert quiet.returncode == 0 and "audit:" not in quiet.stdout
    spec(tmp_path, [{"rule": "del(.price)", "intended": "prices are not compared here"}])
    intended = run_cli("run", "s.yaml", "--report-dir", "out", cwd=tmp_path)
    assert intended.returncode == 0 and "audit:" not in intended.stdout


@pytest.mark.parametrize(
    ("rule", "first", "second", "shown"),
    [
        # Equal in one case, different in the other: the difference is still flagged.
        ("del(.price)", ({"price": 3}, {"price": 3}), ({"price": 3}, {"price": 30}), "3 vs b 30"),
        # The rule only reorders in one case (no repeat) and drops a repeat in the other.
        (
            ".tags |= unique",
            ({"tags": ["y", "x"]}, {"tags": ["x", "y"]}),
            ({"tags": ["x", "x", "y"]}, {"tags": ["x", "y"]}),
            '["x","x","y"]',
        ),
    ],
)
def test_a_difference_in_one_case_of_several_is_flagged(
    tmp_path: Path,
    rule: str,
    first: tuple[object, object],
    second: tuple[object, object],
    shown: str,
) -> None:
    cases: list[object] = [
        {"name": name, "input": {"a": a, "b": b}}
        for name, (a, b) in (("same", first), ("differs", second))
    ]
    spec(tmp_path, [rule], cases, "some")
    done = run_cli("run", "s.yaml", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith("  audit:")]
    assert f"rule 1 {rule} may hide a divergence" in line and shown in line


def test_a_merge_of_shards_prints_the_audit_lines_of_one_run(tmp_path: Path) -> None:
    spec(tmp_path, ["del(.nothing)", "del(.price)"])
    whole = run_cli("run", "s.yaml", "--report-dir", "whole", cwd=tmp_path)
    for k in (1, 2):
        shard = run_cli(
            "run", "s.yaml", "--shard", f"{k}/2", "--report-dir", f"shards/{k}", cwd=tmp_path
        )
        assert shard.returncode == 0, shard.stdout + shard.stderr
    merged = run_cli("merge", "shards", "--report-dir", "out", cwd=tmp_path)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    audit = [line for line in merged.stdout.splitlines() if line.startswith("  audit:")]
    assert audit == [line for line in whole.stdout.splitlines() if line.startswith("  audit:")]
    assert audit == [LINE]
    quiet = run_cli("merge", "shards", "--report-dir", "out", "-q", cwd=tmp_path)
    assert quiet.returncode == 0 and "audit:" not in quiet.stdout


def test_a_target_the_rule_left_unchanged_is_shown_with_its_value(tmp_path: Path) -> None:
    """`.version = "v2"` on a's "v2" changes nothing there: a sent "v2", not nothing."""
    cases: list[object] = [
        {"name": "c1", "input": {"a": {"version": "v2"}, "b": {"version": "v1-legacy"}}}
    ]
    spec(tmp_path, ['.version = "v2"'], cases, "pinned")
    done = run_cli("run", "s.yaml", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith("  audit:")]
    assert 'a "v2" vs b "v1-legacy" in c1' in line and "nothing" not in line, line
    report = (tmp_path / "out/pinned.md").read_text()
    assert '`c1` `.version`: a `"v2"`, b `"v1-legacy"`' in report


def test_verbose_names_a_rule_that_only_skipped_with_its_first_reason(tmp_path: Path) -> None:
    """`del(.price.cents)` on a number: skipped in every case on both targets, so it changed
    nothing; -v says where and why (the report's audit table lists every skip)."""
    spec(tmp_path, ["del(.price.cents)"])
    done = run_cli("run", "s.yaml", "--report-dir", "out", "-v", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr  # the prices differ
    [line] = [line for line in done.stdout.splitlines() if line.startswith("  audit:")]
    dead = "  audit: rule 1 del(.price.cents) changed nothing in any case"
    assert line.startswith(f"{dead} (it skipped .price on a in c1: "), line
    assert line.endswith("; 3 more)"), line  # two cases, two targets


def test_a_rule_on_another_facet_is_named_with_it(tmp_path: Path) -> None:
    """A new-user trial: `mask(.; "<impl>")` on a header read as a rule on the whole answer
    (`.`), in the audit line and in the report's table alike."""
    (tmp_path / "h.py").write_text(
        "import json, sys\nsys.stderr.write(f'impl {sys.argv[1]}\\n')\nprint(json.dumps(1))\n"
    )
    (tmp_path / "s.yaml").write_text(
        "name: se\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, h.py, a]}}\n"
        f"  b: {{run: [{HELPER_PY}, h.py, b]}}\n"
        "compare: {facets: [stdout, stderr]}\n"
        "normalize:\n"
        "  - {rule: 'mask(.; \"<impl>\")', facet: stderr}\n"
        "  - del(.nothing)\n"
        "cases: [{name: c1, input: 1}]\n"
    )
    done = run_cli("run", "s.yaml", "--report-dir", "out", "-v", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    audit = [line for line in done.stdout.splitlines() if line.startswith("  audit:")]
    assert audit[0].startswith('  audit: rule 1 mask(.; "<impl>") on stderr may hide'), audit
    assert audit[1].startswith("  audit: rule 2 del(.nothing) changed"), audit  # the answer's
    report = (tmp_path / "out" / "se.md").read_text()
    assert '| `mask(.; "<impl>")` on `stderr` |' in report
    assert "| `del(.nothing)` |" in report
