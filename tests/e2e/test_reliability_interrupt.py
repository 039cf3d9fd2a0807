"""Ctrl-C, SIGTERM and SIGHUP through the real CLI: the first stops starting cases, stops the
services, writes a report of the finished cases marked interrupted and exits 130; a second
Ctrl-C stops at once, services included.

The services (tests/servers/slow_server.py) write their pid to a file and one line per request
to a log; the tests wait on those lines, never on time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.cli import (
    OUTPUTS,
    SERVERS,
    alive,
    gone_soon,
    start_cli,
    tally,
    wait_for,
    write_spec,
)
from tests.support.paths import HELPER_PY
from yamlparity.cli.common import SAME_INTERRUPT_SECONDS

CASES = 40


def slow_spec(folder: Path, delay: float) -> Path:
    slow = SERVERS / "slow_server.py"
    targets = "\n".join(
        f"""\
  {name}:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    timeout: 120
    service:
      run: [{HELPER_PY}, {slow}, "${{port}}", --delay, "{delay}", --pid-file, {name}.pid,
            --log-file, {name}.log]
      cwd: {folder}
      ready: {{http: /health}}"""
        for name in ("a", "b")
    )
    cases = "\n".join(f"  - {{name: c{i:02}, input: {{n: {i}}}}}" for i in range(CASES))
    return write_spec(folder, "slow.yaml", f"targets:\n{targets}\ncases:\n{cases}\n")


def requests_seen(folder: Path, name: str) -> int:
    log = folder / f"{name}.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def service_pids(folder: Path) -> list[int]:
    return [int((folder / f"{name}.pid").read_text()) for name in ("a", "b")]


def signalled_after(
    proc: subprocess.Popen[str], folder: Path, requests: int, sig: int
) -> tuple[list[int], str, str]:
    """Once both services have had `requests` requests, `sig` to the command's process group
    (a terminal's Ctrl-C reaches the whole foreground group); the services' pids and the
    command's output once it ended."""
    try:
        wait_for(lambda: min(requests_seen(folder, n) for n in ("a", "b")) >= requests)
        pids = service_pids(folder)
        assert all(alive(pid) for pid in pids)
        os.killpg(proc.pid, sig)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    OUTPUTS.append(stdout + stderr)
    assert "Traceback" not in stdout + stderr
    return pids, stdout, stderr


SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]  # SIGHUP: the terminal closed


@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
def test_first_signal_finishes_in_flight_cases_and_reports(tmp_path: Path, sig: int) -> None:
    spec = slow_spec(tmp_path, delay=0.2)
    proc = start_cli("run", str(spec), "--report-dir", "out", "-j", "1", cwd=tmp_path)
    pids, stdout, stderr = signalled_after(proc, tmp_path, 4, sig)
    assert proc.returncode == 130, stderr
    counts, total = tally(stdout)
    assert 0 < total < CASES and sum(counts.values()) == total
    report = (tmp_path / "out" / "slow.md").read_text("utf-8")
    assert "Interrupted" in report
    assert f"after {total} cases" in report
    assert all(gone_soon(pid) for pid in pids)


def test_timeouts_signal_sent_twice_at_once_is_one_interrupt(tmp_path: Path) -> None:
    # GNU `timeout -s INT` signals the command, then its own process group (the command too):
    # two SIGINTs at once are one interrupt, whose report must not be lost. When both land
    # before the handler runs they are one already; here the first is handled in between.
    spec = slow_spec(tmp_path, delay=0.2)
    proc = start_cli("run", str(spec), "--report-dir", "out", "-j", "1", cwd=tmp_path)
    try:
        wait_for(lambda: requests_seen(tmp_path, "a") >= 2 and requests_seen(tmp_path, "b") >= 2)
        os.kill(proc.pid, signal.SIGINT)
        assert proc.stderr is not None
        while "interrupting" not in (line := proc.stderr.readline()) and line:
            pass
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    OUTPUTS.append(stdout + stderr)
    assert proc.returncode == 130, stderr
    assert "stopped at once" not in stderr
    _, total = tally(stdout)
    assert f"after {total} cases" in (tmp_path / "out" / "slow.md").read_text("utf-8")


@pytest.mark.parametrize("sig", SIGNALS[1:], ids=[s.name for s in SIGNALS[1:]])
def test_sigterm_or_sighup_stops_a_calibration_and_its_services(tmp_path: Path, sig: int) -> None:
    spec = slow_spec(tmp_path, delay=0.2)
    spec.write_text(spec.read_text() + "calibration: {unsafe_methods: true}\n")  # POSTs
    proc = start_cli("calibrate", str(spec), "--repeat", "3", cwd=tmp_path)
    pids, _, stderr = signalled_after(proc, tmp_path, 2, sig)
    assert proc.returncode == 130, stderr
    assert all(gone_soon(pid) for pid in pids)


def test_second_ctrl_c_stops_at_once_and_stops_the_services(tmp_path: Path) -> None:
    # Every request takes 100 s: after the first Ctrl-C the run would wait for them.
    spec = slow_spec(tmp_path, delay=100)
    proc = start_cli("run", str(spec), "--report-dir", "out", "-j", "1", cwd=tmp_path)
    try:
        wait_for(lambda: requests_seen(tmp_path, "a") >= 1 and requests_seen(tmp_path, "b") >= 1)
        pids = service_pids(tmp_path)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.stderr is not None
        while "interrupting" not in proc.stderr.readline():
            pass  # the first signal was handled: the run is finishing its cases in flight
        time.sleep(SAME_INTERRUPT_SECONDS)  # a person's second Ctrl-C, not a repeated one
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)  # far less than the 100 s requests
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    OUTPUTS.append(stdout + stderr)
    assert "Traceback" not in stdout + stderr
    assert proc.returncode == 130
    assert "stopped at once: what was still running is not reported" in stderr
    assert all(gone_soon(pid) for pid in pids)
