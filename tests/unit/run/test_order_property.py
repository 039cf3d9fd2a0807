"""Property: the order targets are listed in never changes a verdict, a difference, a reason,
who agrees with whom, which targets failed and how, or any target's duration bucket.

Real programs on real clocks: tests/programs/paced_helper.py (one process per case, or
`mode: stream`) and, over HTTP, tests/servers/paced_server.py on loopback. Each case gives each
target a pace: answer at once, answer slowly, hang past the timeout, fail, or answer something
else. Each target is listed first, in the middle and last once (three rotations), and the
pairs are reversed once more; the four runs go at once, so the property costs about one run.

The HTTP variant holds through the adapter protocol only (targets/base.TargetAdapter: a target
keeps its own clock from `begin`), whatever client is behind it. The raw-socket client started
an answer's clock when the engine began to wait for it: listed after a slow target, a late
answer looked in time and fast (the `late` case); the first libcurl client enforced every
deadline but timed an answer when it was collected, so a fast one listed after a slow one
looked slow. Both failed here.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import PY, free_port
from tests.support.paths import PROGRAMS, SERVERS
from yamlparity.core.jsonvalue import canonical
from yamlparity.results.records import CaseResult
from yamlparity.run.engine import RunOptions, run_spec
from yamlparity.spec.load import load_spec

NAMES = ("a", "b", "c")
# Buckets far from every real duration: on a 2-core machine at load 14 a Python helper's
# start-up alone took 0.4-0.6 s, so a fast answer stays well under 1.25 s, a slow one is 2 s
# plus that, and a hang is cut at 3.5 s.
TIMEOUT = 3.5
SLOW = 2.0
FAST_BELOW = 1.25
# Rotations put every target in every place; the reversal swaps every pair once more.
ORDERS = [("a", "b", "c"), ("b", "c", "a"), ("c", "a", "b"), ("c", "b", "a")]

# Case name -> each target's pace (paced_helper.py / paced_server.py plans).
CASES: dict[str, dict[str, dict[str, Any]]] = {
    "one_slow": {"b": {"sleep": SLOW}},
    # b answers a second after its deadline: awaited after a's slow answer, a client that
    # timed it from the wait would see it in time (a false answer) and a too fast.
    "late": {"a": {"sleep": SLOW}, "b": {"sleep": TIMEOUT + 1}},
    "fail_and_differ": {"a": {"sleep": SLOW}, "b": {"exit": 3}, "c": {"value": "other"}},
    "slow_differ": {"a": {"sleep": SLOW, "value": "other"}},
}
# What each case must come to, whatever the order: verdict and its failures.
EXPECTED = {
    "one_slow": ("MATCH", {}),
    "late": ("ERROR", {"b": "timeout"}),
    "fail_and_differ": ("ERROR", {"b": "exit 3"}),
    "slow_differ": ("DIFF", {}),
}


def bucket(duration: float) -> str:
    if duration < FAST_BELOW:
        return "fast"
    return "slow" if duration < TIMEOUT else "timeout"


def expected_bucket(plan: dict[str, Any]) -> str:
    sleep = plan.get("sleep", 0)
    return "timeout" if sleep >= TIMEOUT else "slow" if sleep else "fast"


def signature(case: CaseResult) -> dict[str, Any]:
    """All a case's verdict says, in a form that does not depend on the order of targets."""
    return {
        "verdict": case.verdict,
        "reason": case.reason,
        "failures": dict(case.failures),
        "groups": frozenset(frozenset(group) for group in case.groups),
        "differences": frozenset(
            (
                d.facet,
                d.path,
                frozenset((t, canonical(v)) for t, v in d.values.items()),
                frozenset(d.missing),
                d.note,
            )
            for d in case.differences
        ),
        "buckets": {name: bucket(o.duration) for name, o in case.outcomes.items()},
    }


def target(name: str, mode: str, port: int) -> dict[str, object]:
    if mode == "http":
        return {"url": f"http://127.0.0.1:{port}/{name}", "timeout": TIMEOUT}
    stream = ["--stream"] if mode == "stream" else []
    # -S: no site import, the cheapest start-up (48 helpers start within a second).
    run = [PY, "-S", str(PROGRAMS / "paced_helper.py"), name, *stream]
    found: dict[str, object] = {"run": run, "mode": mode, "timeout": TIMEOUT}
    if stream:
        found["workers"] = len(CASES)  # the cases run at once here too
    return found


def write_spec(folder: Path, order: tuple[str, ...], mode: str, port: int) -> Path:
    targets = {name: target(name, mode, port) for name in order}
    cases = [
        {"name": name, "input": {"n": number, "plan": plan}}
        for number, (name, plan) in enumerate(CASES.items())
    ]
    path = folder / f"order_{''.join(order)}.yaml"
    # JSON is YAML: the spec is written as one JSON document.
    path.write_text(json.dumps({"name": path.stem, "targets": targets, "cases": cases}))
    return path


def run_order(folder: Path, order: tuple[str, ...], mode: str, port: int) -> dict[str, Any]:
    spec = load_spec(write_spec(folder, order, mode, port), {})
    result = run_spec(spec, RunOptions(jobs=len(CASES)))  # every case at once: one run ~4 s
    return {case.name: signature(case) for case in result.cases}


@pytest.fixture
def server() -> Iterator[int]:
    """paced_server.py on a free loopback port, stopped when the test ends."""
    port = free_port()
    proc = subprocess.Popen(
        [PY, str(SERVERS / "paced_server.py"), str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "listening"  # "" if it died: no hang
        yield port
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("mode", ["process", "stream", "http"])
def test_target_order_never_changes_a_verdict(
    tmp_path: Path, mode: str, request: pytest.FixtureRequest
) -> None:
    port = request.getfixturevalue("server") if mode == "http" else 0
    with ThreadPoolExecutor(len(ORDERS)) as pool:
        runs = list(pool.map(lambda order: run_order(tmp_path, order, mode, port), ORDERS))
    first = runs[0]
    for order, run in zip(ORDERS, runs, strict=True):
        assert run == first, f"listing the targets as {order} changed the verdicts"
    for name, plans in CASES.items():
        verdict, failures = EXPECTED[name]
        got = first[name]
        if mode == "http":  # the server's failure is an empty 200 answer, not an exit code
            failures = {t: "HTTP 200 empty" if k == "exit 3" else k for t, k in failures.items()}
        assert (got["verdict"], got["failures"]) == (verdict, failures), (name, got)
        assert got["buckets"] == {n: expected_bucket(plans.get(n, {})) for n in NAMES}, name
    # Partial answers: b failed, a and c both answered and disagree.
    assert first["fail_and_differ"]["groups"] == {frozenset("a"), frozenset("c")}
    assert first["late"]["groups"] == {frozenset("ac")}
