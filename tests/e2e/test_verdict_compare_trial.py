"""Comparison verdicts a new-user trial found wrong, through the real CLI with real helpers:
JSON Lines split only at `\\n`, `line_endings: ignore`, multisets under a tolerance, three
targets under a tolerance, deeply nested documents."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.cli import run_cli, tally, write_spec
from tests.support.paths import HELPER_PY
from yamlparity.core import jsonvalue as jv


def run(spec: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    out = str(spec.parent / "out")
    return run_cli("run", str(spec), "--report-dir", out, *extra, cwd=spec.parent, timeout=120)


def helper(folder: Path, name: str, body: str) -> str:
    (folder / name).write_text(body, "utf-8")
    return name


# --- JSON Lines ----------------------------------------------------------------------------------

ROWS = """\
import json, sys
for row in json.loads(sys.stdin.read()):
    print(json.dumps(row, ensure_ascii=False))
"""


def test_jsonl_rows_with_raw_line_separators_in_strings_match(tmp_path: Path) -> None:
    # U+2028, U+2029, U+0085 are legal raw inside JSON strings; str.splitlines()
    # broke each row in two ("Unterminated string") and both targets were an ERROR.
    rows = helper(tmp_path, "rows.py", ROWS)
    crlf = helper(
        tmp_path,
        "crlf.py",
        "import json, sys\n"
        "rows = json.loads(sys.stdin.read())\n"
        "sys.stdout.write(''.join(json.dumps(r, ensure_ascii=False) + '\\r\\n' for r in rows))\n",
    )
    texts = ["a\u2028b", "a\u2029b", "a\u0085b", "a\x1cb"]  # \x1c: written escaped
    cases = "\n".join(
        f"  - {{name: c{n}, input: [{json.dumps({'id': n, 'text': t})}, {{id: 9}}]}}"
        for n, t in enumerate(texts)
    )
    spec = write_spec(
        tmp_path,
        "jsonl.yaml",
        f"""\
name: jsonl
targets:
  lf: {{run: [{HELPER_PY}, {rows}]}}
  crlf: {{run: [{HELPER_PY}, {crlf}]}}
output: jsonl
cases:
{cases}
""",
    )
    done = run(spec)
    assert done.returncode == 0, done.stdout + done.stderr
    assert tally(done.stdout) == ({"match": 4, "diff": 0}, 4)


# --- text: line_endings: ignore -----------------------------------------------------------------


def text_spec(folder: Path, left: str, right: str) -> Path:
    a = helper(folder, "a.py", f"import sys; sys.stdin.read(); sys.stdout.write({left!r})\n")
    b = helper(folder, "b.py", f"import sys; sys.stdin.read(); sys.stdout.write({right!r})\n")
    return write_spec(
        folder,
        "text.yaml",
        f"""\
name: text
targets:
  a: {{run: [{HELPER_PY}, {a}]}}
  b: {{run: [{HELPER_PY}, {b}]}}
output: text
compare:
  text: {{line_endings: ignore}}
cases:
  - {{name: c1, input: {{}}}}
""",
    )


def test_ignored_line_endings_match_crlf_but_not_a_missing_final_newline(tmp_path: Path) -> None:
    (tmp_path / "crlf").mkdir()
    same = run(text_spec(tmp_path / "crlf", "total: 3\nstatus: ok\n", "total: 3\r\nstatus: ok\r\n"))
    assert same.returncode == 0, same.stdout
    (tmp_path / "cut").mkdir()
    cut = run(text_spec(tmp_path / "cut", "total: 3\nstatus: ok\n", "total: 3\r\nstatus: ok"))
    assert cut.returncode == 1 and tally(cut.stdout)[0]["diff"] == 1, cut.stdout
    report = (tmp_path / "cut" / "out" / "text.md").read_text("utf-8")
    assert "`line 2` — no newline at the end of the text in some targets" in report


def test_a_lone_carriage_return_is_not_called_a_line_ending(tmp_path: Path) -> None:
    done = run(text_spec(tmp_path, "a\r", "a"))
    assert done.returncode == 1 and tally(done.stdout)[0]["diff"] == 1, done.stdout
    report = (tmp_path / "out" / "text.md").read_text("utf-8")
    assert "line ending differs" not in report
    assert "not followed by" in report


# --- multiset under a tolerance -----------------------------------------------------------------

ECHO_ARG = "import json, sys; sys.stdin.read(); print(json.dumps({'x': json.loads(sys.argv[1])}))\n"


def test_multiset_with_tolerance_matches_whatever_the_element_order(tmp_path: Path) -> None:
    # [1.0, 1.1] and [1.05, 0.95] are equal multisets within 0.1 (1.0~0.95, 1.1~1.05); greedy
    # pairing took 1.0~1.05 first and stranded the rest: one order MATCHed, the other DIFFed.
    echo = helper(tmp_path, "echo.py", ECHO_ARG)
    orders = [("[1.1, 1.0]", "[1.05, 0.95]"), ("[1.0, 1.1]", "[1.05, 0.95]")]
    orders += [(right, left) for left, right in orders]
    cases = "\n".join(
        f'  - {{name: o{n}, input: {{py: "{left}", node: "{right}"}}}}'
        for n, (left, right) in enumerate(orders)
    )
    spec = write_spec(
        tmp_path,
        "multiset.yaml",
        f"""\
name: multiset
targets:
  py: {{run: [{HELPER_PY}, {echo}, "{{{{ case.input.py }}}}"]}}
  node: {{run: [{HELPER_PY}, {echo}, "{{{{ case.input.node }}}}"]}}
compare:
  paths:
    .x: {{arrays: multiset, tolerance: {{abs: 0.1}}}}
cases:
{cases}
  - {{name: apart, input: {{py: "[1.0, 1.1]", node: "[1.05, 0.8]"}}}}
""",
    )
    done = run(spec)
    assert tally(done.stdout) == ({"match": 4, "diff": 1}, 5), done.stdout
    assert "DIFF  multiset/apart" in done.stdout


# --- three targets under a tolerance ------------------------------------------------------------

SCORE = "import json, sys; sys.stdin.read(); print(json.dumps({'score': float(sys.argv[1])}))\n"
SCORES = {"py": "1.0", "node": "1.08", "legacy": "1.16"}  # py~node, node~legacy, py vs legacy not


def scores_spec(folder: Path, order: list[str], extra: str = "") -> Path:
    score = helper(folder, "score.py", SCORE)
    targets = "\n".join(f"  {n}: {{run: [{HELPER_PY}, {score}, '{SCORES[n]}']}}" for n in order)
    return write_spec(
        folder,
        "tol3.yaml",
        f"""\
name: tol3
targets:
{targets}
compare:
  paths:
    .score: {{tolerance: {{abs: 0.1}}}}
{extra}cases:
  - {{name: score, input: {{}}}}
""",
    )


def test_three_targets_under_a_tolerance_get_one_verdict_in_every_order(tmp_path: Path) -> None:
    # Listed node first, node was the representative every other target agreed with: MATCH;
    # listed otherwise: DIFF. Now a case MATCHes only when every pair agrees.
    for order in (["node", "py", "legacy"], ["py", "node", "legacy"], ["legacy", "node", "py"]):
        folder = tmp_path / "-".join(order)
        folder.mkdir()
        done = run(scores_spec(folder, order), "--format", "json")
        assert done.returncode == 1 and tally(done.stdout) == ({"match": 0, "diff": 1}, 1)
        [case] = json.loads((folder / "out" / "tol3.json").read_text("utf-8"))["cases"]
        assert sorted(map(sorted, case["groups"])) == [["legacy"], ["node"], ["py"]]


def test_pairs_that_agree_within_the_tolerance_count_as_agreeing_in_the_report(
    tmp_path: Path,
) -> None:
    # Three groups (each target agrees with other targets than the next one does), but
    # py~node and node~legacy agree: the pair table said 0 of 1 for every pair.
    done = run(scores_spec(tmp_path, ["py", "node", "legacy"]), "--format", "json,md")
    assert done.returncode == 1
    [case] = json.loads((tmp_path / "out" / "tol3.json").read_text("utf-8"))["cases"]
    assert case["agreeing"] == [["py", "node"], ["node", "legacy"]]
    report = (tmp_path / "out" / "tol3.md").read_text("utf-8")
    assert "| py · node | 1 | 1 |" in report
    assert "| py · legacy | 0 | 1 |" in report
    assert "| node · legacy | 1 | 1 |" in report


def test_a_pair_agreeing_within_the_tolerance_but_not_on_another_facet_is_not_agreeing(
    tmp_path: Path,
) -> None:
    score = helper(tmp_path, "score.py", SCORE + "if len(sys.argv) > 2: sys.stderr.write('x')\n")
    targets = {"py": "1.0', 'loud", "node": "1.08", "legacy": "1.16"}
    lines = "\n".join(f"  {n}: {{run: [{HELPER_PY}, {score}, '{v}']}}" for n, v in targets.items())
    spec = write_spec(
        tmp_path,
        "tol3.yaml",
        f"name: tol3\ntargets:\n{lines}\ncompare:\n  facets: [stdout, stderr]\n"
        "  paths:\n    .score: {tolerance: {abs: 0.1}}\ncases:\n  - {name: score, input: {}}\n",
    )
    done = run(spec, "--format", "json")
    assert done.returncode == 1
    [case] = json.loads((tmp_path / "out" / "tol3.json").read_text("utf-8"))["cases"]
    assert case["agreeing"] == [["node", "legacy"]]


def test_a_baseline_every_target_agrees_with_matches_and_groups_alike(tmp_path: Path) -> None:
    # compare.baseline: node compares every target with node, so MATCH; the groups said
    # [[py, node], [legacy]] beside that MATCH.
    done = run(
        scores_spec(tmp_path, ["py", "node", "legacy"], "  baseline: node\n"), "--format", "json"
    )
    assert done.returncode == 0 and tally(done.stdout) == ({"match": 1, "diff": 0}, 1)
    [case] = json.loads((tmp_path / "out" / "tol3.json").read_text("utf-8"))["cases"]
    assert case["groups"] == [["py", "node", "legacy"]]


# --- deep nesting -------------------------------------------------------------------------------

NESTED = """\
import json, sys
d = json.loads(sys.stdin.read())
n, leaf = d["n"], str(d.get(sys.argv[1], 1))
sys.stdout.write('{"a":' * n + leaf + "}" * n if d.get("obj") else "[" * n + leaf + "]" * n)
"""


def test_deep_nesting_gets_one_verdict_whatever_ran_before(tmp_path: Path) -> None:
    # Whether a 1,500-deep answer parsed depended on whether another case had raised the
    # recursion limit first: DIFF in one run, "not valid JSON" with -k or -j 8, and
    # "internal error: RecursionError" at 2,500 levels. Now up to 2,000 levels compare, and
    # deeper is one clearly worded ERROR.
    nested = helper(tmp_path, "nested.py", NESTED)
    spec = write_spec(
        tmp_path,
        "deep.yaml",
        f"""\
name: deep
targets:
  py: {{run: [{HELPER_PY}, {nested}, py]}}
  node: {{run: [{HELPER_PY}, {nested}, node]}}
normalize: ["del(.. | .ts?)"]
compare: {{arrays: multiset}}
cases:
  - {{name: small_diff, input: {{n: 10, py: 1, node: 2}}}}
  - {{name: d1500_diff, input: {{n: 1500, py: 1, node: 2}}}}
  - {{name: d2000_same, input: {{n: 2000}}}}
  - {{name: o2000_diff, input: {{n: 2000, obj: true, py: 1, node: 2}}}}
  - {{name: d2001_same, input: {{n: 2001}}}}
  - {{name: d2500_diff, input: {{n: 2500, py: 1, node: 2}}}}
  - {{name: d100000_same, input: {{n: 100000}}}}
""",
    )
    expected = {
        "small_diff": "DIFF",
        "d1500_diff": "DIFF",
        "d2000_same": "MATCH",
        "o2000_diff": "DIFF",
        "d2001_same": "ERROR",
        "d2500_diff": "ERROR",
        "d100000_same": "ERROR",
    }
    for extra in (["-j", "1"], ["-j", "8"], ["-j", "1", "-k", "d1500_diff"], ["-k", "d2500_diff"]):
        done = run(spec, *extra, "--format", "json")
        assert "internal error" not in done.stdout and "not valid JSON" not in done.stdout
        # yamlparity's parser: the results hold 2,000-deep values (json.loads: 1,000 at most)
        results = jv.loads((tmp_path / "out" / "deep.json").read_text("utf-8"))
        assert isinstance(results, dict)
        cases = results["cases"]
        verdicts = {case["name"]: case["verdict"] for case in cases}
        assert verdicts == {name: expected[name] for name in verdicts}, (extra, done.stdout)
        reasons = {case["name"]: case.get("reason", "") for case in cases}
        for name in verdicts.keys() & {"d2001_same", "d2500_diff", "d100000_same"}:
            assert "stdout is nested deeper than 2000 levels" in reasons[name]


STREAM_NESTED = """\
import json, sys
for line in sys.stdin:
    n = json.loads(line)["n"]
    sys.stdout.write("[" * n + "1" + "]" * n + "\\n")
    sys.stdout.flush()
"""


def test_deep_nesting_bound_is_the_same_in_stream_mode(tmp_path: Path) -> None:
    # A stream target parses its answer ahead of the gate: the bound must hold there too.
    stream = helper(tmp_path, "stream.py", STREAM_NESTED)
    once = helper(tmp_path, "once.py", NESTED)
    spec = write_spec(
        tmp_path,
        "deep_stream.yaml",
        f"""\
name: deep_stream
targets:
  live: {{run: [{HELPER_PY}, {stream}], mode: stream}}
  once: {{run: [{HELPER_PY}, {once}, once]}}
cases:
  - {{name: d2000, input: {{n: 2000}}}}
  - {{name: d2001, input: {{n: 2001}}}}
""",
    )
    done = run(spec)
    assert tally(done.stdout) == ({"match": 1, "diff": 0, "error": 1}, 2), done.stdout
    assert "ERROR deep_stream/d2001: live, once: stdout is nested deeper than 2000" in done.stdout
