"""`python bench/run.py --smoke --only GROUP` runs end to end for every group (no timing is
asserted: figures are printed)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.support.paths import ROOT

BENCH = ROOT / "bench" / "run.py"


# Each group's figures, one test per group (they run on different workers).
FIGURES = {
    "http": ("bare http.client loop", "yamlparity HTTP, 2 targets"),
    "command": ("yamlparity process mode", "yamlparity stream mode, 2 workers"),
    "large": ("large body",),
    "memory": ("peak RSS",),
    "startup": ("yamlparity --version", "yamlparity validate"),
    "lanes": ("lanes sweep",),
}


@pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("node", "jq", "curl")),
    reason="the benchmark needs node, jq and curl",
)
@pytest.mark.parametrize("group", list(FIGURES))
def test_bench_smoke_prints_every_figure(group: str) -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--only", group],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for figure in FIGURES[group]:
        assert figure in out.stdout, out.stdout + out.stderr
