"""Hostile suite: nothing a target starts outlives the run.

Helpers and services that double-fork, `setsid()` and `setpgid()` (tests/programs/hostile.py,
tests/servers/hostile_server.py) write the pids of what they leave behind; after a normal run,
a first and a second Ctrl-C, each of those pids must be gone, and so must every process that
carries this test session's marker (the autouse check in tests/conftest.py). Figures for
docs/reliability.md: processes left, 0.
"""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

from tests.support.cli import (
    PROGRAMS,
    SERVERS,
    gone_soon,
    run_cli,
    start_cli,
    wait_for,
    write_spec,
)
from tests.support.paths import HELPER_PY
from yamlparity.cli.common import SAME_INTERRUPT_SECONDS

ECHO_LINES = "import sys; [print(line, end='') for line in sys.stdin]"


def _pids(path: Path, at_least: int) -> list[int]:
    wait_for(lambda: path.exists() and len(path.read_text().split()) >= at_least, within=60)
    return [int(word) for word in path.read_text().split()]


def _hostile(tmp_path: Path) -> None:
    shutil.copy(PROGRAMS / "hostile.py", tmp_path / "hostile.py")
    shutil.copy(SERVERS / "hostile_server.py", tmp_path / "hostile_server.py")


def test_escapees_of_command_targets_are_gone_after_the_run(tmp_path: Path) -> None:
    _hostile(tmp_path)
    pids = tmp_path / "pids"
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: escape
        targets:
          a: {{run: [{HELPER_PY}, hostile.py, escape, {pids}]}}
          b: {{run: [{HELPER_PY}, hostile.py, escape, {pids}]}}
        output: json
        cases: [{{name: one, input: 1}}, {{name: two, input: 2}}, {{name: three, input: 3}}]
        """,
    )
    proc = run_cli("run", "spec.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    left = _pids(pids, 12)  # a daemon and a setpgid child per target and case
    assert len(left) == 12
    assert [pid for pid in left if not gone_soon(pid)] == []


def test_a_daemonizing_service_leaves_nothing(tmp_path: Path) -> None:
    _hostile(tmp_path)
    pid_file = tmp_path / "daemon.pid"
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: service_daemon
        targets:
          a:
            url: "http://127.0.0.1:${{port}}"
            port: auto
            service:
              run: [{HELPER_PY}, hostile_server.py, "${{port}}", daemon, {pid_file}]
              ready: {{log: listening}}
          b:
            url: "http://127.0.0.1:${{port}}"
            port: auto
            service:
              run: [{HELPER_PY}, hostile_server.py, "${{port}}"]
              ready: {{log: listening}}
        request: {{method: GET, path: /}}
        normalize: ["del(.pid)"]
        cases: [{{name: one, input: 1}}]
        """,
    )
    proc = run_cli("run", "spec.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (daemon,) = _pids(pid_file, 1)
    assert gone_soon(daemon)


def _interrupt_twice(cli: object, ready: object) -> tuple[int, str]:
    """A terminal's Ctrl-C twice (SIGINT to the foreground process group)."""
    import subprocess

    assert isinstance(cli, subprocess.Popen) and cli.stderr is not None
    wait_for(ready, within=60)
    cli.send_signal(signal.SIGINT)
    # The second Ctrl-C only once the first was handled, and later than the window in which
    # a second signal counts as the same one delivered twice: under load the first handler
    # may run late, and a second sent 0.3 s after it then fell in that window (a CI run hung).
    said = ""
    while "interrupting" not in said:
        line = cli.stderr.readline()
        assert line, "the CLI ended before it said it was interrupted"
        said += line
    time.sleep(SAME_INTERRUPT_SECONDS + 0.2)
    cli.send_signal(signal.SIGINT)
    _, err = cli.communicate(timeout=60)
    return cli.returncode, said + err


def test_second_ctrl_c_stops_commands_and_stream_helpers_and_what_they_left(
    tmp_path: Path,
) -> None:
    _hostile(tmp_path)
    pids = tmp_path / "pids"
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: hang
        targets:
          command: {{run: [{HELPER_PY}, hostile.py, escape_hang, {pids}], timeout: 300}}
          stream: {{run: [{HELPER_PY}, hostile.py, no_read], mode: stream, timeout: 300}}
        output: json
        cases: [{{name: one, input: 1}}]
        """,
    )
    cli = start_cli("run", "spec.yaml", cwd=tmp_path)
    code, err = _interrupt_twice(cli, lambda: pids.exists() and len(pids.read_text().split()) >= 2)
    assert code == 130, err
    assert [pid for pid in _pids(pids, 2) if not gone_soon(pid)] == []


def test_second_ctrl_c_stops_a_build(tmp_path: Path) -> None:
    _hostile(tmp_path)
    pids = tmp_path / "pids"
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: build
        targets:
          a:
            build: [{HELPER_PY}, hostile.py, escape_hang, {pids}]
            build_timeout: 300
            run: [{HELPER_PY}, -c, "print(1)"]
          b: {{run: [{HELPER_PY}, -c, "print(1)"]}}
        output: json
        cases: [{{name: one, input: 1}}]
        """,
    )
    cli = start_cli("run", "spec.yaml", cwd=tmp_path)
    code, err = _interrupt_twice(cli, lambda: pids.exists() and len(pids.read_text().split()) >= 2)
    assert code == 130, err
    assert [pid for pid in _pids(pids, 2) if not gone_soon(pid)] == []


def test_second_ctrl_c_while_rendering_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "slow.md.j2").write_text(
        # Slow only over a real run (the pre-run check renders a synthetic one, dated 2025).
        '{% if date != "2025-01-01T00:00:00Z" %}{% for i in range(100000) %}'
        "{% for j in range(100000) %}{% endfor %}{% endfor %}{% endif %}done\n",
        "utf-8",
    )
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: slow
        targets:
          a: {{run: [{HELPER_PY}, -c, "print(1)"]}}
          b: {{run: [{HELPER_PY}, -c, "print(1)"]}}
        output: json
        report: {{template: slow.md.j2}}
        cases: [{{name: one, input: 1}}]
        """,
    )
    reports = tmp_path / "reports"
    cli = start_cli("run", "spec.yaml", "--format", "json,md", cwd=tmp_path)
    code, err = _interrupt_twice(
        cli,
        lambda: reports.is_dir() and any(p.name.startswith(".slow.md.") for p in reports.iterdir()),
    )
    assert code == 130, err
    names = sorted(p.name for p in reports.iterdir())
    assert names == ["history.jsonl", "slow.json"]  # results (and history) first, no temp


def test_a_stream_helper_that_stops_reading_costs_one_case(tmp_path: Path) -> None:
    _hostile(tmp_path)
    big = "x" * 300_000  # more than a pipe holds: a blocking write would wait forever
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: no_read
        targets:
          stuck: {{run: [{HELPER_PY}, hostile.py, no_read], mode: stream, timeout: 2}}
          fine: {{run: [{HELPER_PY}, -c, "{ECHO_LINES}"], mode: stream}}
        output: json
        cases: [{{name: big, input: "{big}"}}]
        """,
    )
    started = time.monotonic()
    proc = run_cli("run", "spec.yaml", "-v", cwd=tmp_path, timeout=120)
    assert proc.returncode == 1
    assert "writing the input" in proc.stdout, proc.stdout
    assert time.monotonic() - started < 60
