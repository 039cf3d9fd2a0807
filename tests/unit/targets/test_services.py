"""ServiceProcess and ports: real processes, real sockets on 127.0.0.1, no mocks."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3

from tests.support.paths import HELPER_PY, TESTS
from yamlparity.spec.model import Service
from yamlparity.targets.base import TargetUnavailable
from yamlparity.targets.ports import free_port, substitute_port
from yamlparity.targets.services import (
    PortInUse,
    ServiceProcess,
    allow_starts,
    interrupt_starts,
    running_services,
    stop_all,
)

HERE = TESTS
FAULT_SERVER = str(HERE / "servers" / "fault_server.py")
# The servers and snippets started here need the standard library only: `python -S`
# (tests/support/paths.py) starts in a third of the CPU.
PY = HELPER_PY


def service(run: tuple[str, ...] | str, **options: object) -> Service:
    fields: dict[str, object] = {"shell": False, "cwd": HERE, "env": {}, "start_timeout": 10.0}
    fields.update(options)
    return Service(run=run, **fields)  # type: ignore[arg-type]


def process(svc: Service, port: int | None = None, **kw: object) -> ServiceProcess:
    port = port or free_port()
    return ServiceProcess(svc, "t", port, "http://127.0.0.1:${port}", **kw)  # type: ignore[arg-type]


def gone(pid: int) -> bool:
    """No such process, or only a zombie left for an init that does not reap."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2] == "Z"


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def started() -> Iterator[list[ServiceProcess]]:
    """Services a test starts; stopped afterwards whatever happened."""
    services: list[ServiceProcess] = []
    yield services
    for svc in services:
        svc.stop()


# ----------------------------------------------------------------------------- ports


def test_free_port_can_be_bound_on_loopback() -> None:
    port = free_port()
    assert 0 < port < 65536
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_substitute_port_replaces_every_placeholder() -> None:
    assert substitute_port("http://127.0.0.1:${port}/x?p=${port}", 8123) == (
        "http://127.0.0.1:8123/x?p=8123"
    )
    assert substitute_port("no placeholder $port", 1) == "no placeholder $port"


# ----------------------------------------------------------------------------- start failures


def test_exit_before_ready_reports_code_and_log_tail() -> None:
    code = "import sys; print('config missing: /etc/validator.toml', flush=True); sys.exit(3)"
    svc = process(service((PY, "-c", code), ready_port=True))
    svc.start()
    with pytest.raises(TargetUnavailable) as info:
        svc.wait_ready()
    assert info.value.reason == "service exited with code 3 before it was ready"
    assert "config missing: /etc/validator.toml" in info.value.log_tail
    assert not svc.alive()
    assert svc not in running_services()


def test_killed_by_signal_is_named() -> None:
    code = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    svc = process(service((PY, "-c", code)))
    with pytest.raises(TargetUnavailable, match="killed by signal SIGKILL before it was ready"):
        svc.start_and_wait()


def test_missing_executable_is_unavailable() -> None:
    svc = process(service(("/nonexistent/server-binary", "${port}")))
    with pytest.raises(TargetUnavailable, match="cannot start service"):
        svc.start()


def test_never_ready_times_out_and_leaves_no_process_group() -> None:
    code = "import time; print('warming up', flush=True); time.sleep(60)"
    svc = process(service((PY, "-c", code), ready_port=True, start_timeout=0.5))
    svc.start()
    pgid = svc.pgid
    assert pgid is not None
    with pytest.raises(TargetUnavailable) as info:
        svc.wait_ready()
    assert info.value.reason.startswith("service not ready after 0.5 s (TCP connect to 127.0.0.1:")
    assert "warming up" in info.value.log_tail
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)


# ----------------------------------------------------------------------------- probes


def test_ready_http_waits_past_5xx(started: list[ServiceProcess]) -> None:
    run = (PY, FAULT_SERVER, "${port}", "--unhealthy-for", "0.4")
    svc = process(service(run, ready_http="/health"))
    started.append(svc)
    svc.start_and_wait()
    # Had a 503 counted as ready, this first look would still see 503.
    resp = urllib3.request("GET", f"{svc.base_url}/health", retries=False)
    assert resp.status == 200


def test_ready_http_never_below_500_is_unavailable() -> None:
    run = (PY, FAULT_SERVER, "${port}", "--unhealthy-for", "60")
    # Long enough for the server to be up and answer 503 on a loaded machine: at 0.6 s, at
    # load 10, it was not listening yet (the reason was a refused connection), and at 2 s
    # neither in the first suite after a boot, with nothing in the page cache. The wait
    # sleeps between probes: a worker's core is free for the others meanwhile.
    svc = process(service(run, ready_http="health", start_timeout=6.0))
    with pytest.raises(TargetUnavailable, match=r"GET http://127\.0\.0\.1:\d+/health: HTTP 503"):
        svc.start_and_wait()
    assert not svc.alive()


def test_ready_http_counts_any_answer_below_500_as_ready(started: list[ServiceProcess]) -> None:
    # The server is up and answering: a redirect (not followed), a 401 from a health path
    # behind auth (the probe sends no credentials), a 404 from a server without that path.
    for path in ("/status/204", "/redirect", "/status/401", "/status/404"):
        svc = process(service((PY, FAULT_SERVER, "${port}"), ready_http=path, start_timeout=5))
        started.append(svc)
        svc.start_and_wait()
        assert svc.alive()


def test_ready_port_waits_for_a_late_listener(started: list[ServiceProcess]) -> None:
    svc = process(service((PY, FAULT_SERVER, "${port}", "--listen-delay", "0.3"), ready_port=True))
    started.append(svc)
    svc.start_and_wait()
    with socket.create_connection(("127.0.0.1", svc.port), timeout=2):
        pass


def test_default_probe_is_the_port(started: list[ServiceProcess]) -> None:
    svc = process(service((PY, FAULT_SERVER, "${port}", "--listen-delay", "0.2")))
    started.append(svc)
    svc.start_and_wait()
    with socket.create_connection(("127.0.0.1", svc.port), timeout=2):
        pass


def test_ready_log_needs_no_port(started: list[ServiceProcess]) -> None:
    code = "import time; print('loading'); print('ready now', end='', flush=True); time.sleep(60)"
    svc = process(service((PY, "-c", code), ready_log=r"^ready\s+now$"))
    started.append(svc)
    svc.start_and_wait()
    assert svc.alive()


def test_ready_log_without_match_times_out() -> None:
    code = "import time; print('still loading', flush=True); time.sleep(60)"
    svc = process(service((PY, "-c", code), ready_log="ready", start_timeout=0.4))
    with pytest.raises(TargetUnavailable, match="log line matching /ready/"):
        svc.start_and_wait()


# ----------------------------------------------------------------------------- a port in use


@pytest.fixture
def listener() -> Iterator[int]:
    """A port something (this test) listens on: a server no run started."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_port_already_listened_on_is_refused_before_starting(listener: int) -> None:
    # It used to pass the readiness check and answer every case while the service died with
    # "Address already in use".
    svc = process(service((PY, FAULT_SERVER, "${port}"), ready_http="/health"), listener)
    with pytest.raises(PortInUse) as info:
        svc.start_and_wait()
    reason = info.value.reason
    assert reason.startswith(f"port {listener} is already in use: another process listens on ")
    assert f"127.0.0.1:{listener}" in reason
    for hint in ("Stop that process", "`reuse: true`", "`port: auto`"):
        assert hint in reason
    assert svc.proc is None  # nothing was started
    svc.stop()


def test_a_port_another_target_holds_is_refused_unless_reused(
    started: list[ServiceProcess],
) -> None:
    first = process(service((PY, FAULT_SERVER, "${port}"), ready_http="/health"))
    started.append(first)
    first.start()  # not ready yet: nothing may listen there, and the port is still its

    def second(reuse: bool) -> ServiceProcess:
        run = (PY, FAULT_SERVER, "${port}")
        svc = service(run, ready_http="/health", reuse=reuse)
        return ServiceProcess(svc, "u", first.port, "http://127.0.0.1:${port}")

    refused = second(reuse=False)
    with pytest.raises(PortInUse, match=rf"port {first.port} is already taken by .* `t` in"):
        refused.start()
    assert refused.proc is None
    first.wait_ready()
    adopted = second(reuse=True)  # asked for: what answers there is used
    adopted.start_and_wait()
    assert adopted.reused and adopted.proc is None
    first.stop()
    # Stopped, it holds the port no more.
    again = process(service((PY, FAULT_SERVER, "${port}"), ready_http="/health"), first.port)
    started.append(again)
    again.start_and_wait()


# ----------------------------------------------------------------------------- interrupt


@pytest.fixture
def interruptible() -> Iterator[None]:
    yield
    allow_starts()  # module state: the next test starts services again


def test_first_ctrl_c_ends_a_wait_for_readiness(interruptible: None) -> None:
    code = "import time; print('booting', flush=True); time.sleep(60)"
    svc = process(service((PY, "-c", code), ready_http="/health", start_timeout=30))
    svc.start()
    pgid = svc.pgid
    timer = threading.Timer(0.3, interrupt_starts)
    timer.start()
    began = time.monotonic()
    with pytest.raises(TargetUnavailable) as info:
        svc.wait_ready()
    took = time.monotonic() - began
    timer.join()
    assert took < 3, took  # was the whole start_timeout (30 s)
    reason = info.value.reason
    assert reason.startswith("interrupted while waiting for the service to be ready, after ")
    assert "of start_timeout 30 s (GET http://127.0.0.1:" in reason
    assert "booting" in info.value.log_tail
    assert pgid is not None and group_gone(pgid)
    # And nothing starts once interrupted.
    late = process(service((PY, FAULT_SERVER, "${port}")))
    with pytest.raises(TargetUnavailable, match="not started: the run was interrupted"):
        late.start()
    assert late.proc is None


# ----------------------------------------------------------------------------- environment


def test_env_cwd_and_port_are_substituted(tmp_path: Path, started: list[ServiceProcess]) -> None:
    code = (
        "import os, sys, time; "
        "print('GREETING', os.environ['GREETING'], sys.argv[1], os.getcwd(), flush=True); "
        "time.sleep(60)"
    )
    port = free_port()
    svc = process(
        service(
            (PY, "-c", code, "arg=${port}"),
            cwd=tmp_path,
            env={"GREETING": "p${port}"},
            ready_log="GREETING",
        ),
        port,
    )
    started.append(svc)
    svc.start_and_wait()
    assert f"GREETING p{port} arg={port} {tmp_path}" in svc.log_tail()


def test_shell_string_runs_through_sh(started: list[ServiceProcess]) -> None:
    run = (
        f"echo shell-$((40 + 2)) port=${{port}}; exec {HELPER_PY} -c 'import time; time.sleep(60)'"
    )
    port = free_port()
    svc = process(service(run, shell=True, ready_log=r"shell-42"), port)
    started.append(svc)
    svc.start_and_wait()
    assert f"shell-42 port={port}" in svc.log_tail()


def test_log_dir_keeps_the_log(tmp_path: Path) -> None:
    code = "print('hello from the service', flush=True)"
    svc = process(service((PY, "-c", code), ready_port=True), log_dir=tmp_path / "logs")
    with pytest.raises(TargetUnavailable):
        svc.start_and_wait()
    assert (tmp_path / "logs" / "t.log").read_text() == "hello from the service\n"
    assert svc.log_tail() == "hello from the service"


# ----------------------------------------------------------------------------- stop


def test_stop_reaches_a_grandchild_that_ignores_sigterm() -> None:
    run = (PY, FAULT_SERVER, "${port}", "--spawn-grandchild")
    svc = process(service(run, ready_log="listening on", stop_timeout=0.5))
    svc.start_and_wait()
    match = re.search(r"grandchild (\d+)", svc.log_tail())
    assert match is not None
    grandchild = int(match.group(1))
    assert not gone(grandchild)
    assert svc.pgid is not None and os.getpgid(grandchild) == svc.pgid
    svc.stop()
    assert gone(grandchild)
    assert not svc.alive()
    svc.stop()  # idempotent


def test_reuse_adopts_an_answering_server_and_never_stops_it() -> None:
    port = free_port()
    own = subprocess.Popen(
        [PY, FAULT_SERVER, str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert own.stdout is not None
        assert own.stdout.readline().startswith(b"listening on")
        # `false` would fail at once if it were run: reuse must not run it.
        svc = process(service(("false",), ready_http="/health", reuse=True), port)
        svc.start_and_wait()
        assert svc.reused and svc.proc is None
        assert svc not in running_services()
        svc.stop()
        resp = urllib3.request("GET", f"http://127.0.0.1:{port}/health", retries=False)
        assert resp.status == 200
        assert own.poll() is None
    finally:
        own.terminate()
        own.wait()


def test_reuse_starts_a_server_when_none_answers(started: list[ServiceProcess]) -> None:
    svc = process(service((PY, FAULT_SERVER, "${port}"), ready_http="/health", reuse=True))
    started.append(svc)
    svc.start_and_wait()
    assert not svc.reused and svc.alive()


def test_stop_all_stops_every_started_service() -> None:
    svcs = [process(service((PY, FAULT_SERVER, "${port}"))) for _ in range(2)]
    for svc in svcs:
        svc.start_and_wait()
        assert svc in running_services()
    stop_all()
    for svc in svcs:
        assert not svc.alive()
        assert svc not in running_services()
        assert svc.pgid is not None and group_gone(svc.pgid)
