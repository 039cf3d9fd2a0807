"""Issue 11's two timing bugs, through the real CLI with real helpers: a target's deadline and
duration are its own, whichever target is listed (and so awaited) first.

Before the fix, the second of two identical 3 s helpers (timeout 5) was fed its stdin only
when the engine started waiting for it, after the first had finished: it "timed out after 5 s"
on every case. And a healthy helper listed after a hanging one was blamed as timed out too.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from tests.support.paths import HELPER_PY, PROGRAMS

HELPER = PROGRAMS / "paced_helper.py"
Cli = Callable[..., CompletedProcess[str]]


def spec(folder: Path, names: list[str], mode: str, timeout: float, plan: dict[str, Any]) -> Path:
    """Targets `names` (in that order) running paced_helper.py; one case with this plan."""
    stream = ", --stream" if mode == "stream" else ""
    targets = "".join(
        f"  {name}: {{run: [{HELPER_PY}, {HELPER}, {name}{stream}], mode: {mode}, "
        f"timeout: {timeout}}}\n"
        for name in names
    )
    case = json.dumps({"n": 1, "plan": plan})
    path = folder / f"{'_'.join(names)}_{mode}.yaml"
    path.write_text(
        f"name: {path.stem}\ntargets:\n{targets}cases:\n  - name: one\n    input: {case}\n"
    )
    return path


def run(run_cli: Cli, path: Path) -> dict[str, Any]:
    """Run one spec; its results document (the one case)."""
    out = f"out_{path.stem}"
    done = run_cli("run", str(path), "--report-dir", out, "--format", "json,md")
    assert done.returncode in (0, 1), done.stderr
    results = json.loads((path.parent / out / f"{path.stem}.json").read_text())
    case: dict[str, Any] = results["cases"][0]
    return case


def both_orders(run_cli: Cli, paths: list[Path]) -> list[dict[str, Any]]:
    """The specs run at the same time (each waits seconds on purpose)."""
    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(lambda path: run(run_cli, path), paths))


@pytest.mark.parametrize("mode", ["process", "stream"])
def test_two_three_second_helpers_both_answer_in_their_own_time(
    run_cli: Cli, tmp_path: Path, mode: str
) -> None:
    plan = {"a": {"sleep": 3}, "b": {"sleep": 3}}
    orders = (["a", "b"], ["b", "a"])
    cases = both_orders(run_cli, [spec(tmp_path, order, mode, 5, plan) for order in orders])
    for order, case in zip(orders, cases, strict=True):
        assert case["verdict"] == "MATCH", case["reason"]
        for name in order:
            # Each took its own ~3 s; before the fix the second one was killed at 5 s.
            assert 2.9 <= case["outcomes"][name]["duration"] < 4.5, case["outcomes"]


@pytest.mark.parametrize("mode", ["process", "stream"])
def test_a_hang_never_blames_its_healthy_partner(run_cli: Cli, tmp_path: Path, mode: str) -> None:
    plan = {"hang": {"sleep": 30}, "healthy": {"sleep": 0.2}}
    orders = (["hang", "healthy"], ["healthy", "hang"])
    cases = both_orders(run_cli, [spec(tmp_path, order, mode, 2, plan) for order in orders])
    for order, case in zip(orders, cases, strict=True):
        assert case["verdict"] == "ERROR"
        assert case["reason"].startswith("hang: timed out after 2 s"), case["reason"]
        assert "healthy" not in case["reason"]
        healthy = case["outcomes"]["healthy"]
        assert healthy["error"] is None
        assert healthy["duration"] < 1.5  # its own time, not the hang's 2 s
        stem = f"{'_'.join(order)}_{mode}"
        report = (tmp_path / f"out_{stem}" / f"{stem}.md").read_text()
        assert '"value": "ok"' in report  # the healthy answer is shown, not an empty one


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
@pytest.mark.parametrize("banner", ["ready", "[app] listening on 8080", "1.2.3", ""])
def test_a_stream_helper_with_a_banner_never_lends_an_answer_to_another_case(
    tmp_path: Path, run_cli: Cli, banner: str
) -> None:
    """A Node helper prints a banner on stdout as it starts (a word, a log line, a version,
    a blank line), then answers each line; for
    `bug` inputs it answers "BUG". Whether the banner comes before or after the first case is
    sent is up to the machine: each case is ERROR on that helper either way, never a verdict
    made from another case's answer (c3 was a MATCH with the answer to c2 in some runs)."""
    node = (
        f"console.log({json.dumps(banner)});"
        "require('readline').createInterface({input: process.stdin}).on('line', l => {"
        " const o = JSON.parse(l); console.log(o.bug ? '\"BUG\"' : JSON.stringify(o.v)) })"
    )
    python = (
        "import sys, json\nfor line in sys.stdin:\n    print(json.loads(line)['v'], flush=True)"
    )
    cases = [{"name": f"c{n}", "input": {"v": n % 3, "bug": n % 2 == 0}} for n in range(1, 9)]
    (tmp_path / "banner.yaml").write_text(
        "name: banner\ntargets:\n"
        f"  py: {{run: [{HELPER_PY}, -c, {json.dumps(python)}], mode: stream, timeout: 5}}\n"
        f"  node: {{run: [node, -e, {json.dumps(node)}], mode: stream, timeout: 5}}\n"
        f"cases: {json.dumps(cases)}\n"
    )
    for _ in range(2):
        done = run_cli("run", "banner.yaml", "--format", "json", "--report-dir", "out")
        assert done.returncode == 1, done.stderr
        data = json.loads((tmp_path / "out" / "banner.json").read_text())
        verdicts = {case["name"]: case["verdict"] for case in data["cases"]}
        assert set(verdicts.values()) == {"ERROR"}, verdicts
        for case in data["cases"]:
            assert case["outcomes"]["py"]["error"] is None
            assert "node" in case["reason"], case["reason"]
