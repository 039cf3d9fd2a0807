"""The HTML report in a real browser: scripts/browser_check.py drives headless Chromium.

Where the machine has no Chromium the check cannot run: the test then warns by name (the
warning is in pytest's summary, even with -q) and skips — never a silent pass. CI keeps the
screenshots when YAMLPARITY_ARTIFACTS names a folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.support.cli import cli_env
from tests.support.paths import ROOT

SCRIPT = ROOT / "scripts" / "browser_check.py"
NOT_RUN = 3


@pytest.mark.browser
def test_html_report_in_headless_chromium(tmp_path: Path) -> None:
    artifacts = os.environ.get("YAMLPARITY_ARTIFACTS")
    out = Path(artifacts) / "browser-check" if artifacts else tmp_path / "shots"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
        env=cli_env({"PYTHONPATH": str(ROOT)}),
    )
    if done.returncode == NOT_RUN:
        warnings.warn(done.stdout.strip(), UserWarning, stacklevel=1)
        pytest.skip(done.stdout.strip())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "browser check: 0 failed" in done.stdout
    for name in ("report.png", "divergence.png", "no-script.png"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, name


@pytest.mark.browser
def test_without_chromium_the_check_says_so_plainly(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path), "--chromium", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env({"PYTHONPATH": str(ROOT)}),
    )
    assert done.returncode == NOT_RUN
    assert done.stdout.startswith("browser check NOT RUN: no Chromium on this machine")
    assert list(tmp_path.iterdir()) == []
