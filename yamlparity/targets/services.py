"""Service lifecycle for HTTP targets: start a server in its own process group, wait until it is
ready, stop the whole group. A registry lets the CLI stop everything on a signal or at exit.

A readiness check only asks "does something answer there?": it cannot tell our server from
another process on the same port. So a service is only started on a port where nothing listens
yet and that no other target of the run holds, and it is ready only while its own process
still runs."""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

from yamlparity.core import boundedre
from yamlparity.spec.model import Service
from yamlparity.targets import reaper
from yamlparity.targets.base import TargetUnavailable
from yamlparity.targets.ports import substitute_port

if TYPE_CHECKING:
    from yamlparity.targets.curl import TransportOptions

__all__ = [
    "PortInUse",
    "ServiceProcess",
    "allow_starts",
    "interrupt_starts",
    "running_services",
    "stop_all",
]

TAIL_LINES = 40
_TAIL_BYTES = 64 * 1024
_KILL_GRACE = 2.0  # seconds to wait for the group to vanish after SIGKILL
_PROBE_TIMEOUT = 1.0  # one readiness probe never blocks longer than this

# A probe answers (ready?, what it saw) so a timeout can say what was last observed.
Probe = Callable[[float], tuple[bool, str]]

# Set by the first Ctrl-C (SIGTERM, SIGHUP): every wait for readiness ends at once and no
# service starts after it. A wait of `start_timeout: 20` used to outlast the Ctrl-C by 19 s.
_interrupted = threading.Event()


class PortInUse(TargetUnavailable):
    """Another process (or another target of this run) already listens where the service
    would: its answers would pass for the service's."""


class ServiceProcess:
    """One server process (and everything it spawns) for one HTTP target."""

    def __init__(
        self,
        service: Service,
        target: str,
        port: int,
        base_url: str,
        *,
        log_dir: Path | None = None,
        transport: TransportOptions | None = None,
    ) -> None:
        self.service = service
        self.target = target
        # The readiness check goes the way the target's requests go (TLS trust, Unix socket,
        # HTTP version), with a short deadline of its own and no proxy (the service is local).
        self.transport = transport
        self.port = port
        self.base_url = substitute_port(base_url, port).rstrip("/")
        self.command: tuple[str, ...] | str = _substitute_run(service.run, port)
        self.cwd = Path(substitute_port(str(service.cwd), port))
        self.env = {k: substitute_port(v, port) for k, v in service.env.items()}
        self.log_dir = log_dir
        self.log_path: Path | None = None
        self.reused = False
        self.proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stopped = False
        self._temp_log = False
        self._final_tail: str | None = None
        self._log_offset = 0
        self._log_pending = ""
        self._log_pattern = boundedre.compile(service.ready_log) if service.ready_log else None
        self.owner = reaper.Owner(f"service {target}")

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Start the process (or adopt an already answering server when `reuse` is set).

        Raises PortInUse, rather than start it, when the port is another target's in this run
        or something listens there already: it, not the service, would answer its cases."""
        if _interrupted.is_set():
            raise TargetUnavailable("not started: the run was interrupted")
        if self.service.reuse and self._probe()(_PROBE_TIMEOUT)[0]:
            self.reused = True  # asked for: whatever answers there, even another target's
            return
        self._hold_endpoint()
        try:
            self._refuse_if_taken()
            self._spawn()
        except BaseException:
            _release_endpoint(self)
            raise

    def _spawn(self) -> None:
        self.log_path = self._open_log_path()
        env = self.owner.env({**os.environ, **self.env})
        with open(self.log_path, "wb") as log:
            try:
                self.proc = subprocess.Popen(
                    self._popen_args(),
                    shell=self.service.shell,
                    cwd=self.cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # own process group: stop() reaches grandchildren
                )
            except OSError as exc:
                self._drop_temp_log()
                raise TargetUnavailable(
                    f"cannot start service `{self.describe_command()}`: "
                    f"{exc.strerror or exc} ({exc.filename or self.cwd})"
                ) from None
        self.owner.started(self.proc.pid)
        _register(self)

    def wait_ready(self) -> None:
        """Poll the readiness probe until `start_timeout`; raise TargetUnavailable otherwise.

        Ready means the probe passed *and* our process still runs: a server that died at once
        (its port taken, say) is never ready, whoever answers on its port. The first Ctrl-C
        ends the wait (interrupt_starts)."""
        if self.reused:
            return
        probe = self._probe()
        started = time.monotonic()
        deadline = started + self.service.start_timeout
        delay = 0.02
        seen = "no answer yet"
        while True:
            self._fail_if_exited()
            if _interrupted.is_set():
                waited = time.monotonic() - started
                self._fail(
                    f"interrupted while waiting for the service to be ready, after {waited:.1f} s "
                    f"of start_timeout {self.service.start_timeout:g} s "
                    f"({self.probe_description()}: {seen})"
                )
            remaining = deadline - time.monotonic()
            ready, seen = probe(max(0.05, min(_PROBE_TIMEOUT, remaining)))
            if ready:
                # It may have answered for a process of ours that died meanwhile: not ready.
                self._fail_if_exited()
                return
            if time.monotonic() >= deadline:
                self._fail(
                    f"service not ready after {self.service.start_timeout:g} s "
                    f"({self.probe_description()}: {seen})"
                )
            _interrupted.wait(delay)  # a sleep the first Ctrl-C cuts short
            delay = min(delay * 1.5, 0.2)  # quick for fast servers, gentle for slow ones

    def start_and_wait(self) -> None:
        """start() then wait_ready(); on failure nothing is left running."""
        self.start()
        self.wait_ready()

    def stop(self) -> None:
        """SIGTERM the whole group, wait `stop_timeout`, then SIGKILL it. Safe to call twice."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        proc = self.proc
        if proc is None:  # never started, or reused: never stop what we did not start
            _release_endpoint(self)
            return
        try:
            _terminate_group(proc, self.service.stop_timeout)
            # A daemon that left the group (double fork, setsid): found by its mark.
            self.owner.release(proc.pid)
        finally:
            _unregister(self)
            _release_endpoint(self)
            self._final_tail = self._read_tail(200)
            self._drop_temp_log()

    # ----------------------------------------------------------------- state

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def pgid(self) -> int | None:
        """The process group id (the leader's pid, thanks to start_new_session)."""
        return self.pid

    def alive(self) -> bool:
        """True while the started process runs (a reused server is assumed alive)."""
        if self.reused:
            return True
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout: float) -> bool:
        """Give a dying process up to `timeout` s to finish; True once it has exited."""
        if self.proc is None:
            return False
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def exit_description(self) -> str | None:
        """'exited with code N' / 'killed by signal SIGX' once the process ended, else None."""
        if self.proc is None:
            return None
        code = self.proc.poll()
        if code is None:
            return None
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"killed by signal {name}"
        return f"exited with code {code}"

    def log_tail(self, lines: int = TAIL_LINES) -> str:
        """The last `lines` lines the server wrote (stdout and stderr together)."""
        if self._final_tail is not None:
            return "\n".join(self._final_tail.splitlines()[-lines:])
        return self._read_tail(lines)

    def describe_command(self) -> str:
        if isinstance(self.command, str):
            return self.command
        return shlex.join(self.command)

    def probe_description(self) -> str:
        svc = self.service
        if svc.ready_http is not None:
            return f"GET {self.base_url}{_as_path(substitute_port(svc.ready_http, self.port))}"
        if svc.ready_log is not None:
            return f"log line matching /{svc.ready_log}/"
        unix = self.transport.unix_socket if self.transport is not None else None
        if unix is not None:
            return f"connect to Unix socket {unix}"
        host, port = self._host_port()
        return f"TCP connect to {host}:{port}"

    def endpoint(self) -> str:
        """Where the service listens, as the messages name it: `port 8080`, `Unix socket X`."""
        unix = self.transport.unix_socket if self.transport is not None else None
        if unix is not None:
            return f"Unix socket {unix}"
        return f"port {self._host_port()[1]}"

    # ----------------------------------------------------------------- internals

    def _hold_endpoint(self) -> None:
        """Hold the endpoint for this target, or refuse it when another target of the run does
        (two targets on one fixed port: both would be answered by one server)."""
        holder = _claim_endpoint(self)
        if holder is not None:
            raise PortInUse(
                f"{self.endpoint()} is already taken by the service of target `{holder}` in "
                "this run: two targets on one port would both be answered by one server. "
                "Give each target its own `port:` (or `port: auto`)"
            )

    def _refuse_if_taken(self) -> None:
        """Something listening before the service starts would pass its readiness check and
        answer its cases while the service dies with "Address already in use"."""
        if not self._listener_present():
            return
        host, port = self._host_port()
        where = self.endpoint() if self.endpoint().startswith("Unix") else f"{host}:{port}"
        raise PortInUse(
            f"{self.endpoint()} is already in use: another process listens on {where} "
            "before this service starts, and would answer in its place. Stop that process, "
            "set `reuse: true` to test the server already there on purpose, or use "
            "`port: auto`"
        )

    def _listener_present(self) -> bool:
        unix = self.transport.unix_socket if self.transport is not None else None
        if unix is not None:
            return _probe_unix(unix, _PROBE_TIMEOUT)[0]
        host, port = self._host_port()
        return any(_probe_port(address, port, _PROBE_TIMEOUT)[0] for address in _addresses(host))

    def _fail_if_exited(self) -> None:
        exit_text = self.exit_description()
        if exit_text is not None:
            self._fail(f"service {exit_text} before it was ready")

    def _popen_args(self) -> str | list[str]:
        if self.service.shell:
            return self.command if isinstance(self.command, str) else shlex.join(self.command)
        if isinstance(self.command, str):
            return shlex.split(self.command)
        return list(self.command)

    def _open_log_path(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", self.target) or "service"
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            return self.log_dir / f"{safe}.log"
        fd, name = tempfile.mkstemp(prefix=f"yamlparity-{safe}-", suffix=".log")
        os.close(fd)
        self._temp_log = True
        return Path(name)

    def _drop_temp_log(self) -> None:
        """Temp logs go with the process; a log in `log_dir` stays for the reader."""
        if self._temp_log and self.log_path is not None:
            with contextlib.suppress(OSError):
                self.log_path.unlink()

    def _fail(self, reason: str) -> NoReturn:
        """Stop what was started and raise, with the server's last words."""
        self.stop()
        raise TargetUnavailable(reason, log_tail=self.log_tail())

    def _read_tail(self, lines: int) -> str:
        if self.log_path is None:
            return ""
        try:
            with open(self.log_path, "rb") as log:
                size = log.seek(0, os.SEEK_END)
                log.seek(max(0, size - _TAIL_BYTES))
                data = log.read()
        except OSError:
            return ""
        text = data.decode("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _host_port(self) -> tuple[str, int]:
        url = urlsplit(self.base_url)
        default = 443 if url.scheme == "https" else 80
        return (url.hostname or "127.0.0.1"), (url.port or default)

    def _probe(self) -> Probe:
        if self.service.ready_http is not None:
            # Imported here: pycurl and ssl cost ~12 ms of start-up, for HTTP probes only.
            from yamlparity.targets.curl import probe

            path = _as_path(substitute_port(self.service.ready_http, self.port))
            return lambda timeout: probe(self.base_url + path, timeout, self.transport)
        if self.service.ready_log is not None and not self.reused and self.proc is not None:
            return lambda timeout: self._probe_log()
        unix = self.transport.unix_socket if self.transport is not None else None
        if unix is not None:
            return lambda timeout: _probe_unix(unix, timeout)
        host, port = self._host_port()
        return lambda timeout: _probe_port(host, port, timeout)

    def _probe_log(self) -> tuple[bool, str]:
        """Read what the log gained since the last call; match the regex line by line."""
        assert self._log_pattern is not None and self.log_path is not None
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_offset)
                data = log.read()
        except OSError:
            return False, "no log yet"
        self._log_offset += len(data)
        # A partial last line is kept and retried: a server may print without a newline.
        text = self._log_pending + data.decode("utf-8", errors="replace")
        lines = text.split("\n")
        self._log_pending = lines[-1]
        if any(self._log_pattern.search(line) for line in lines):
            return True, "matched"
        return False, "no matching line"


def _substitute_run(run: tuple[str, ...] | str, port: int) -> tuple[str, ...] | str:
    if isinstance(run, str):
        return substitute_port(run, port)
    return tuple(substitute_port(arg, port) for arg in run)


def _as_path(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def _addresses(host: str) -> list[str]:
    """Every address a client may reach `host` at. libcurl resolves `localhost` to ::1 and
    127.0.0.1 whatever /etc/hosts says, and tries ::1 first: a server listening there alone
    answers a `localhost` url (measured: a new-user trial's imposter on [::1] got every case)."""
    found = {"127.0.0.1", "::1"} if host.lower() in ("localhost", "localhost.") else set()
    try:
        found.update(
            str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        )
    except OSError:
        found.add(host)
    return sorted(found)


def _probe_port(host: str, port: int, timeout: float) -> tuple[bool, str]:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True, "accepting"
    except OSError as exc:
        return False, exc.strerror or type(exc).__name__


def _probe_unix(path: str, timeout: float) -> tuple[bool, str]:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            return True, "accepting"
    except OSError as exc:
        return False, exc.strerror or type(exc).__name__


# --------------------------------------------------------------------- process groups


def _terminate_group(proc: subprocess.Popen[bytes], stop_timeout: float) -> None:
    pgid = proc.pid
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + stop_timeout
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    # The leader may be gone while children it spawned still run: wait for the whole group.
    if wait_group_gone(pgid, deadline):
        proc.poll()
        return
    _signal_group(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=_KILL_GRACE)
    wait_group_gone(pgid, time.monotonic() + _KILL_GRACE)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def wait_group_gone(pgid: int, deadline: float) -> bool:
    while _group_alive(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _group_alive(pgid: int) -> bool:
    """Does any non-zombie process remain in the group?"""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # kill(0) also succeeds for zombies, which an init that never reaps may leave behind.
    return _linux_group_has_live_member(pgid)


def _linux_group_has_live_member(pgid: int) -> bool:
    proc_root = Path("/proc")
    if not proc_root.is_dir():
        return True
    for entry in proc_root.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces and parentheses): state ppid pgrp
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 3 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


# --------------------------------------------------------------------- registry

_registry_lock = threading.Lock()
_registry: dict[int, ServiceProcess] = {}


def _register(service: ServiceProcess) -> None:
    with _registry_lock:
        _registry[id(service)] = service


def _unregister(service: ServiceProcess) -> None:
    with _registry_lock:
        _registry.pop(id(service), None)


# Endpoints (`port 8080`) held by the services this run starts: a second target started on
# one of them would die at once ("Address already in use") or, worse, be answered by the
# first one's server.
_claims: dict[str, ServiceProcess] = {}


def _claim_endpoint(service: ServiceProcess) -> str | None:
    """Hold `service`'s endpoint; the name of the target holding it already, if another."""
    with _registry_lock:
        holder = _claims.setdefault(service.endpoint(), service)
    return None if holder is service else holder.target


def _release_endpoint(service: ServiceProcess) -> None:
    with _registry_lock:
        if _claims.get(service.endpoint()) is service:
            del _claims[service.endpoint()]


def interrupt_starts() -> None:
    """The run is interrupted: waits for readiness end now, and no service starts after."""
    _interrupted.set()


def allow_starts() -> None:
    """A new run (the CLI installs its interrupt handler): services may start again."""
    _interrupted.clear()


def running_services() -> list[ServiceProcess]:
    """Every service started and not yet stopped."""
    with _registry_lock:
        return list(_registry.values())


def stop_all() -> None:
    """Stop every started service (the CLI calls this on SIGINT/SIGTERM and at exit)."""
    # In parallel: each stop may wait its stop_timeout, and a signal handler should not dawdle.
    threads: list[threading.Thread] = []
    for service in running_services():
        thread = threading.Thread(target=_stop_quietly, args=(service,), daemon=True)
        try:
            thread.start()
        except RuntimeError:  # no new threads late in interpreter shutdown: stop it here
            _stop_quietly(service)
            continue
        threads.append(thread)
    for thread in threads:
        thread.join()


def _stop_quietly(service: ServiceProcess) -> None:
    with contextlib.suppress(Exception):  # one stubborn service must not keep the others up
        service.stop()


atexit.register(stop_all)  # last resort when the CLI did not get to it
