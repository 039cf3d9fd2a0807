"""`python bench/run.py --smoke` runs end to end (no timing is asserted: figures are printed)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.support.paths import ROOT

BENCH = ROOT / "bench" / "run.py"


@pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("node", "jq", "curl")),
    reason="the benchmark needs node, jq and curl",
)
def test_bench_smoke_prints_every_figure() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--smoke"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for figure in (
        "bare http.client loop",
        "yamlparity HTTP, 2 targets",
        "yamlparity process mode",
        "yamlparity stream mode, 2 workers",
        "large body",
        "peak RSS",
        "yamlparity --version",
        "yamlparity validate",
    ):
        assert figure in out.stdout, out.stdout + out.stderr
