"""Memory of a run: matching cases must not keep their outputs (measured in child processes).

Each figure is the child's peak RSS (ru_maxrss). What the loaded spec itself holds is measured
separately (`--cases-only`) and subtracted, so the check is on what the engine keeps per case.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.paths import ROOT

CHILD = ROOT / "bench" / "memory_child.py"
PAD = 4000  # bytes added to every answer: kept outputs would cost > 8 KB per case


def peak_kib(cases: int, *flags: str) -> int:
    out = subprocess.run(
        [sys.executable, str(CHILD), str(cases), *flags],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    peak: int = json.loads(out.stdout)["peak_kib"]
    return peak


def run_growth_kib(cases: int) -> int:
    """Peak of the run minus the peak of loading the same spec."""
    return peak_kib(cases, "--pad", str(PAD)) - peak_kib(cases, "--cases-only")


def test_matching_cases_do_not_keep_their_outputs() -> None:
    small, large = 2_000, 20_000
    per_case = (run_growth_kib(large) - run_growth_kib(small)) * 1024 / (large - small)
    # Today a CaseResult summary costs ~1.7 KB; two kept 4 KB answers would add over 8 KB.
    assert per_case < 3 * 1024, f"{per_case:.0f} bytes per matching case"


def test_peak_at_50000_matching_cases_is_within_1_5x_of_2000() -> None:
    # Fixture rows stay on disk until their case runs (caselist.py) and a MATCH is kept as a
    # row of columns (results.CaseResults): ~80 bytes a case in all, where it was ~3.2 KB.
    small, large = peak_kib(2_000), peak_kib(50_000)
    assert large <= 1.5 * small, f"{small} KiB at 2,000 cases, {large} KiB at 50,000"
