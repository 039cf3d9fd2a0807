"""Property: a stream helper that writes more lines than it was sent cases never gets a verdict
resting on a shifted answer, whatever the timing and whatever the order targets are listed in.

Real helpers (tests/programs/stray_helper.py and .js) write two lines for one case back to back
or 20 ms apart, a JSON banner at start, or a JSON log line on a timer. Each case's answer
carries the case's own `v`, and a well-behaved helper answers beside them: a shifted answer
(the line meant for another case, a banner, a tick) always differs from the right one, so it
could only show up as a DIFF, or as a MATCH of two equally shifted helpers against a third that
is right, which is impossible. Many short runs, both orders: the timing differs every time.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.results.records import SpecResult
from yamlparity.run.engine import RunOptions, run_spec
from yamlparity.spec.load import load_spec

RUNS = 2  # per target order; the runs go at once (helper starts are most of a run)
CASES = 6
STRAY = (1, 4)  # the cases a `twice` or `late` helper answers twice

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


def spec_text(how: str, order: list[str], good_mode: str) -> str:
    targets = {
        "bad_py": f"run: [{HELPER_PY}, {PROGRAMS / 'stray_helper.py'}, {how}]\n    mode: stream",
        "bad_js": f"run: [node, {PROGRAMS / 'stray_helper.js'}, {how}]\n    mode: stream",
        "good": f"run: [{HELPER_PY}, {PROGRAMS / 'stray_helper.py'}, good]\n    mode: {good_mode}",
    }
    lines = ["name: stray", "targets:"]
    for name in order:
        lines += [f"  {name}:", f"    {targets[name]}", "    timeout: 5"]
    lines.append("cases:")
    for n in range(CASES):
        stray = "true" if n in STRAY else "false"
        lines.append(f"  - {{name: c{n}, input: {{v: {n}, stray: {stray}}}}}")
    return "\n".join(lines) + "\n"


def run(folder: Path, how: str, order: list[str], good_mode: str) -> SpecResult:
    folder.mkdir()
    path = folder / "stray.yaml"
    path.write_text(spec_text(how, order, good_mode))
    return run_spec(load_spec(path), RunOptions())


# Every target a stream helper: the lanes read the answers; with a `mode: process` target
# beside them, a thread per helper does.
@pytest.mark.parametrize(
    ("how", "good_mode"),
    [
        ("twice", "stream"),
        ("late", "process"),
        ("banner", "stream"),
        ("tick", "stream"),
    ],
)
def test_no_verdict_rests_on_a_shifted_answer(tmp_path: Path, how: str, good_mode: str) -> None:
    orders = [["bad_py", "bad_js", "good"], ["good", "bad_js", "bad_py"]] * RUNS
    with ThreadPoolExecutor(len(orders)) as pool:
        runs = pool.map(
            lambda n: (orders[n], run(tmp_path / str(n), how, orders[n], good_mode)),
            range(len(orders)),
        )
        for order, result in runs:
            verdicts = {case.name: case.verdict for case in result.cases}
            assert "DIFF" not in verdicts.values(), (how, order, verdicts)
            for case in result.cases:
                if case.verdict == "ERROR":
                    assert "lines for" in case.reason or "out of turn" in case.reason, case
            if how in ("twice", "late"):
                assert all(verdicts[f"c{n}"] == "ERROR" for n in STRAY), (order, verdicts)
            if how == "banner":  # every helper process wrote one line too many
                assert set(verdicts.values()) == {"ERROR"}, (order, verdicts)


# A helper that answers every case right, then says goodbye on stdout when its input ends:
# the extra line is seen only at the end of the run, after every case was reported. Both front
# ends must then show the cases as ERROR, not leave the early verdicts standing.
GOODBYE = """\
import json, sys
for line in sys.stdin:
    print(json.dumps({"v": json.loads(line)["v"]}), flush=True)
print(json.dumps({"bye": True}), flush=True)
"""
QUIET = GOODBYE.replace('print(json.dumps({"bye": True}), flush=True)\n', "")


def goodbye_spec(folder: Path) -> Path:
    (folder / "goodbye.py").write_text(GOODBYE)
    (folder / "quiet.py").write_text(QUIET)
    spec = folder / "specs" / "bye.yaml"
    spec.parent.mkdir()
    spec.write_text(
        "name: bye\ntargets:\n"
        f"  talky: {{run: [{HELPER_PY}, ../goodbye.py], mode: stream}}\n"
        f"  quiet: {{run: [{HELPER_PY}, ../quiet.py], mode: stream}}\n"
        "cases:\n" + "".join(f"  - {{name: c{n}, input: {{v: {n}}}}}\n" for n in range(3))
    )
    return spec


def test_cases_turned_error_at_the_end_of_the_run_are_said_so_by_the_cli(tmp_path: Path) -> None:
    from tests.support.cli import run_cli

    goodbye_spec(tmp_path)
    done = run_cli("run", "specs", "--report-dir", "out", "--format", "md,json", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "bye: 0 match / 0 diff / 3 error (out of 3" in done.stdout
    assert "[parity] bye: 3 cases reported as they finished are ERROR now: talky:" in done.stderr
    assert "wrote 4 lines for 3 cases" in done.stderr
    results = (tmp_path / "out" / "bye.json").read_text()
    assert results.count('"verdict": "ERROR"') == 3


# Found by a trial: a Node helper answering a moment after each input, with a JSON log line
# from a timer, that exits as soon as its input ends. The last case took the answer before it,
# and the helper then dropped the last real answer on exit: as many lines as cases, so the count
# held and the shifted cases were DIFFs. The end of a run now waits for quiet stdout before it
# closes the helpers' input, so the late answer is counted. One log line, 40 ms into the run
# (one stray and one dropped answer balance; two strays would be caught without the wait).
ASYNC_TICKER = """\
const rl = require("readline").createInterface({input: process.stdin, crlfDelay: Infinity});
const answer = (l) => process.stdout.write(JSON.stringify({v: JSON.parse(l)}) + "\\n");
let ticked = false;
rl.on("line", (l) => {
  if (!ticked) {
    ticked = true;
    setTimeout(() => process.stdout.write(JSON.stringify({level: "info"}) + "\\n"), 40);
  }
  setTimeout(() => answer(l), 10);
});
rl.on("close", () => process.exit(0));
"""
ECHO = """\
import json, sys
for line in sys.stdin:
    print(json.dumps({"v": json.loads(line)}), flush=True)
"""


def test_an_async_helper_that_exits_on_end_of_input_is_still_counted(tmp_path: Path) -> None:
    (tmp_path / "ticker.js").write_text(ASYNC_TICKER)
    (tmp_path / "echo.py").write_text(ECHO)
    spec = tmp_path / "ticker.yaml"
    spec.write_text(
        "name: ticker\ntargets:\n"
        f"  good: {{run: [{HELPER_PY}, echo.py], mode: stream, timeout: 5}}\n"
        "  ticker: {run: [node, ticker.js], mode: stream, timeout: 5}\n"
        "cases:\n" + "".join(f"  - {{name: c{n}, input: {n}}}\n" for n in range(12))
    )
    loaded = load_spec(spec)
    for _ in range(2):
        verdicts = [case.verdict for case in run_spec(loaded, RunOptions()).cases]
        assert "DIFF" not in verdicts, verdicts  # a DIFF here rests on a shifted answer
        assert set(verdicts) <= {"MATCH", "ERROR"}
