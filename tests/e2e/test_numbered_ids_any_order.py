"""Rows that reference each other by generated ids, in an order of each runtime's own: with
`scrub(uuid)` and arrays compared in any order, the verdict is the forest, never the order.

Python writes the rows in the order given, with uuid4 ids; Node writes them reversed, with
crypto.randomUUID() ids. Alike forests MATCH; a forest linked otherwise is a DIFF.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

PY = """
import json, sys, uuid
case = json.load(sys.stdin)
jsonl = len(sys.argv) > 1
ids = [str(uuid.uuid4()) for _ in case["parents"]]
rows = [{"id": ids[i], "parent": None if p is None else ids[p], "kind": "node"}
        for i, p in enumerate(case["parents"])]
print("\\n".join(json.dumps(r) for r in rows) if jsonl else json.dumps(rows))
"""

NODE = """
const crypto = require("crypto");
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const parents = input.other || input.parents;
const ids = parents.map(() => crypto.randomUUID());
const rows = parents.map(
  (p, i) => ({kind: "node", parent: p === null ? null : ids[p], id: ids[i]}));
rows.reverse();
const jsonl = process.argv.length > 2;
console.log(jsonl ? rows.map((r) => JSON.stringify(r)).join("\\n") : JSON.stringify(rows));
"""

CASES = [
    {"name": "two_roots", "input": {"parents": [None, None]}},
    # a root with two children, one of which has a child: the children are alike but for
    # how they are linked
    {"name": "uneven", "input": {"parents": [None, 0, 0, 1]}},
    {"name": "wide", "input": {"parents": [None, 0, 0, 0, 1, 1, 2, 2, 3, 3]}},
    {"name": "two_trees", "input": {"parents": [None, 0, 1, None, 3, 3]}},
    # the same four rows, linked as a chain on one side and a star on the other
    {"name": "chain_vs_star", "input": {"parents": [None, 0, 1, 2], "other": [None, 0, 0, 0]}},
]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
@pytest.mark.parametrize("output", ["json", "jsonl"])
def test_rows_linked_by_ids_match_in_any_order(tmp_path: Path, output: str) -> None:
    (tmp_path / "rows.py").write_text(PY)
    (tmp_path / "rows.js").write_text(NODE)
    flag = ', "lines"' if output == "jsonl" else ""
    (tmp_path / "spec.yaml").write_text(
        f"name: linked\noutput: {output}\ntargets:\n"
        f'  python: {{run: ["{HELPER_PY}", rows.py{flag}]}}\n'
        f"  node: {{run: [node, rows.js{flag}]}}\n"
        "normalize: [scrub(uuid)]\ncompare: {arrays: multiset}\n"
        f"cases: {json.dumps(CASES)}\n"
    )
    for _ in range(2):  # fresh ids and another interleaving each time: the same verdicts
        done = run_cli("run", "spec.yaml", "--report-dir", "out", "-v", cwd=tmp_path)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "4 match / 1 diff (out of 5)" in done.stdout, done.stdout
        assert "DIFF chain_vs_star" in done.stdout
