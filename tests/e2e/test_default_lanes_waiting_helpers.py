"""The default lanes for helpers that wait (a CLI calling a remote service): their process and
its children leave the cores idle through the first round, so lanes grow fourfold at once
(engine._Tuner._idle) instead of doubling after samples of four cases a lane. Seen from the
helpers: how many ran at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.run.engine import default_jobs

HELPER = PROGRAMS / "overlap_helper.py"
CORES = os.cpu_count() or 1  # the lanes such targets start with (engine._tuner_for)


@pytest.mark.skipif(default_jobs() < 4 * CORES, reason="no room above the starting lanes")
def test_helpers_that_wait_run_on_more_lanes_than_they_start_with(tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    run = f"[{HELPER_PY}, {HELPER}, live, '0.3']"
    cases = "".join(f"  - {{name: c{i}, input: {{v: {i}}}}}\n" for i in range(6 * CORES))
    (tmp_path / "s.yaml").write_text(
        f"targets:\n  a: {{run: {run}}}\n  b: {{run: {run}}}\ncases:\n{cases}"
    )
    done = run_cli("run", "s.yaml", "--report-dir", "out", cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    most = max(int(n) for n in (tmp_path / "live.max").read_text().split())
    # Two targets a case: 2 x CORES helpers at once on the starting lanes. Doubling after
    # samples of four cases a lane never left them in 6 rounds' worth of cases.
    assert most > 2 * CORES, most
