"""Services through the real CLI: a port that is not the service's, a service that dies, a wait
for readiness cut short, a closed terminal.

A readiness check asks "does something answer there?", so a service whose port another process
held passed it, died ("Address already in use"), and the other process answered every case: a
MATCH, exit 0. The servers (tests/servers/slow_server.py) write their pid to a file and one line
per request to a log: the tests wait on those, and read them to see who was asked.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import (
    OUTPUTS,
    PY,
    SERVERS,
    alive,
    cli_env,
    free_port,
    gone_soon,
    run_cli,
    start_cli,
    wait_for,
    write_spec,
)
from tests.support.paths import HELPER_PY

SLOW = SERVERS / "slow_server.py"


def slow_target(name: str, port: int | str, *extra: str, reuse: bool = False) -> str:
    args = "".join(f', "{arg}"' for arg in extra)
    return f"""\
  {name}:
    url: "http://127.0.0.1:${{port}}"
    port: {port}
    service:
      run: [{HELPER_PY}, {SLOW}, "${{port}}", --pid-file, {name}.pid, --log-file, {name}.log{args}]
      ready: {{http: /health}}
      start_timeout: 10
      reuse: {str(reuse).lower()}
"""


def spec_with(folder: Path, targets: str, cases: int = 1) -> Path:
    lines = "\n".join(f"  - {{name: c{i}, input: {{n: {i}}}}}" for i in range(cases))
    return write_spec(folder, "svc.yaml", f"targets:\n{targets}cases:\n{lines}\n")


def results(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "out" / "svc.json").read_text("utf-8"))
    return data


def requests(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


@contextlib.contextmanager
def server(folder: Path, port: int, name: str, *extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """A slow_server this test starts itself, as another program would (not the run)."""
    proc = subprocess.Popen(
        [PY, str(SLOW), str(port), "--log-file", f"{name}.log", *extra],
        cwd=folder,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


def listening(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith(b"listening on")


# ----------------------------------------------------------------------------- the port


def test_two_targets_on_one_fixed_port_are_an_error_not_a_match(tmp_path: Path) -> None:
    # Refused when the spec loads (the run used to answer both targets from one server);
    # a port only known at run time is claimed by the first service that starts on it
    # (tests/unit/targets/test_services.py).
    port = free_port()
    spec = spec_with(tmp_path, slow_target("a", port) + slow_target("b", port), cases=3)
    proc = run_cli("run", str(spec), "--report-dir", "out", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr  # was 0: both answered by one server
    assert f"targets 'a' and 'b' both start a service on port {port}" in proc.stderr
    assert not (tmp_path / "a.pid").exists() and not (tmp_path / "b.pid").exists()


def test_a_port_another_process_listens_on_is_refused_unless_reused(tmp_path: Path) -> None:
    port = free_port()
    targets = slow_target("a", port) + slow_target("b", "auto")
    spec = spec_with(tmp_path, targets)
    with server(tmp_path, port, "old") as old:
        listening(old)
        proc = run_cli("run", str(spec), "--report-dir", "out", "--format", "json", cwd=tmp_path)
        assert proc.returncode == 1, proc.stdout + proc.stderr  # was 0, answered by `old`
        data = results(tmp_path)
        assert data["cases"][0]["verdict"] == "ERROR"
        reason = data["targets"][0]["unavailable"]
        assert reason.startswith(
            f"port {port} is already in use: another process listens on 127.0.0.1:{port}"
        )
        for hint in ("Stop that process", "`reuse: true`", "`port: auto`"):
            assert hint in reason
        assert requests(tmp_path / "old.log") == 0  # it was asked nothing
        assert not (tmp_path / "a.pid").exists()
        # On purpose: `reuse: true` tests the server already there.
        spec_with(tmp_path, slow_target("a", port, reuse=True) + slow_target("b", "auto"))
        proc = run_cli("run", str(spec), "--report-dir", "out", "--format", "json", cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "(reused: already answering)" in results(tmp_path)["targets"][0]["description"]
        assert requests(tmp_path / "old.log") == 1
        assert old.poll() is None  # not stopped: yamlparity did not start it


IPV6_ONLY = r"""
import socket, sys
server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
server.bind(("::1", int(sys.argv[1])))
server.listen()
print("listening", flush=True)
while True:
    conn, _ = server.accept()
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
    conn.close()
"""


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_a_localhost_url_is_refused_when_another_process_listens_on_ipv6(tmp_path: Path) -> None:
    # libcurl tries ::1 first for `localhost`: a process there alone answered every case.
    port = free_port()
    (tmp_path / "six.py").write_text(IPV6_ONLY)
    target = slow_target("a", port).replace("http://127.0.0.1:", "http://localhost:")
    spec = spec_with(tmp_path, target + slow_target("b", "auto"))
    imposter = subprocess.Popen(
        [PY, str(tmp_path / "six.py"), str(port)], stdout=subprocess.PIPE, env=cli_env()
    )
    try:
        assert imposter.stdout is not None and imposter.stdout.readline() == b"listening\n"
        proc = run_cli("run", str(spec), "--report-dir", "out", "--format", "json", cwd=tmp_path)
    finally:
        imposter.kill()
        imposter.wait()
        assert imposter.stdout is not None
        imposter.stdout.close()
    assert proc.returncode == 1, proc.stdout + proc.stderr  # was 0: answered from [::1]
    reason = results(tmp_path)["targets"][0]["unavailable"]
    assert reason.startswith(f"port {port} is already in use: another process listens on")
    assert not (tmp_path / "a.pid").exists()


def test_a_service_that_dies_is_never_answered_for_by_the_next_process_on_its_port(
    tmp_path: Path,
) -> None:
    port = free_port()
    cases = 10
    targets = slow_target("a", port, "--exit-after", "3", "--delay", "0.05")
    targets += slow_target("b", "auto", "--delay", "0.05")
    spec = spec_with(tmp_path, targets, cases)
    cli = start_cli(
        "run", str(spec), "--report-dir", "out", "--format", "json", "-j", "1", cwd=tmp_path
    )
    try:
        wait_for(lambda: requests(tmp_path / "a.log") >= 1)
        # Takes the port as soon as the service has left it, and answers as it did.
        with server(tmp_path, port, "squatter", "--squat", "--delay", "0.05"):
            stdout, stderr = cli.communicate(timeout=120)
            squatted = requests(tmp_path / "squatter.log")
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
    OUTPUTS.append(stdout + stderr)
    assert cli.returncode == 1, stdout + stderr
    verdicts = {c["name"]: c for c in results(tmp_path)["cases"]}
    assert [verdicts[f"c{i}"]["verdict"] for i in range(3)] == ["MATCH"] * 3
    for i in range(3, cases):  # were MATCH once the squatter had the port
        case = verdicts[f"c{i}"]
        assert case["verdict"] == "ERROR", case
        assert "the service exited with code 0" in case["outcomes"]["a"]["error"]
    assert squatted == 0  # never asked in the service's place


# ----------------------------------------------------------------------------- signals


def never_ready_spec(folder: Path) -> Path:
    code = "import os, time; open('a.pid', 'w').write(str(os.getpid())); time.sleep(600)"
    targets = f"""\
  a:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    service:
      run: [{HELPER_PY}, -c, "{code}"]
      ready: {{http: /health}}
      start_timeout: 20
"""
    return spec_with(folder, targets + slow_target("b", "auto"))


def _pid_written(path: Path) -> bool:
    return path.exists() and path.read_text().strip().isdigit()


def test_first_ctrl_c_ends_a_wait_for_readiness(tmp_path: Path) -> None:
    spec = never_ready_spec(tmp_path)
    proc = start_cli("run", str(spec), "--report-dir", "out", cwd=tmp_path)
    try:
        # Each service creates its pid file, then writes its pid: wait for both numbers (a
        # file seen between the two read '' and failed the test now and then under load).
        wait_for(lambda: all(_pid_written(tmp_path / f"{name}.pid") for name in ("a", "b")))
        pids = [int((tmp_path / f"{name}.pid").read_text()) for name in ("a", "b")]
        os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C
        signalled = time.monotonic()
        stdout, stderr = proc.communicate(timeout=60)
        took = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    OUTPUTS.append(stdout + stderr)
    assert "Traceback" not in stdout + stderr
    assert proc.returncode == 130, stderr
    assert took < 5, took  # was the rest of start_timeout: 19.5 s of 20
    report = (tmp_path / "out" / "svc.md").read_text("utf-8")
    assert "Interrupted" in report
    assert "interrupted while waiting for the service to be ready, after " in report
    assert "Nothing compared — no case ran: the run was interrupted first." in report
    assert "parity holds" not in report
    assert all(gone_soon(pid) for pid in pids)


def test_sighup_from_a_closed_terminal_stops_the_run_as_ctrl_c_does(tmp_path: Path) -> None:
    # The run's terminal goes away: the kernel sends SIGHUP to the session's leader (the run),
    # and anything it writes to the terminal then fails. It used to die at once (exit 129),
    # with no report and no history line, and its services ran on under init.
    targets = slow_target("a", "auto", "--delay", "0.2") + slow_target("b", "auto")
    spec = spec_with(tmp_path, targets, cases=40)
    parent, child = pty.openpty()
    try:
        proc = subprocess.Popen(
            [PY, "-m", "yamlparity", "run", str(spec), "--report-dir", "out", "-j", "1"],
            cwd=tmp_path,
            env=cli_env(),
            stdin=child,
            stdout=child,
            stderr=child,
            start_new_session=True,
            preexec_fn=_take_terminal,
        )
    finally:
        os.close(child)
    try:
        wait_for(lambda: requests(tmp_path / "a.log") >= 2)
        pids = [int((tmp_path / f"{name}.pid").read_text()) for name in ("a", "b")]
        assert all(alive(pid) for pid in pids)
        os.close(parent)  # the terminal hangs up
        parent = -1
        code = proc.wait(timeout=60)
    finally:
        if parent >= 0:
            os.close(parent)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert code == 130
    report = (tmp_path / "out" / "svc.md").read_text("utf-8")
    assert "Interrupted" in report
    assert len((tmp_path / "out" / "history.jsonl").read_text().splitlines()) == 1
    assert all(gone_soon(pid) for pid in pids)


def _take_terminal() -> None:
    """In the child, a session leader now: make the pty its controlling terminal."""
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
