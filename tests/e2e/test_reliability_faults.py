"""Faulty targets through the real CLI, end to end: every case gets a verdict, the tally adds up,
the report is written, nothing is left running, no traceback.

Real programs (tests/programs/fault_dispatch.py -> faulty.py) and real servers
(tests/servers/fault_server.py, slow_server.py) on 127.0.0.1; specs are written in tmp_path.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.cli import (
    OUTPUTS,
    PROGRAMS,
    PY,
    SERVERS,
    cli_env,
    gone_soon,
    run_cli,
    tally,
    write_spec,
)
from tests.support.paths import HELPER_PY

DISPATCH = PROGRAMS / "fault_dispatch.py"

# case -> (verdict, words the reason must hold)
COMMAND_FAULTS = {
    "echo": ("MATCH", ""),
    "hang": ("ERROR", "timed out after 2 s (process group killed)"),
    "hang_grandchild": ("ERROR", "timed out after 2 s (process group killed)"),
    "segv": ("ERROR", "killed by SIGSEGV"),
    "exit3": ("ERROR", "exited with code 3"),
    "binary": ("ERROR", "invalid UTF-8"),
    "invalid_utf8": ("ERROR", "invalid UTF-8"),
    "huge": ("ERROR", "larger than 16777216 bytes (output cap; process killed)"),
    "drip": ("MATCH", ""),  # slow output, read to its end
    "empty": ("ERROR", "empty stdout"),
    "garbage": ("ERROR", "not valid JSON"),
    "stderr_only": ("ERROR", "empty stdout"),
}


def command_spec(folder: Path, cases: dict[str, dict[str, str]]) -> Path:
    lines = "\n".join(
        f"  - {{name: {name}, input: {{{', '.join(f'{k}: {v!r}' for k, v in data.items())}}}}}"
        for name, data in cases.items()
    )
    return write_spec(
        folder,
        "faults.yaml",
        f"""\
targets:
  calm:
    run: [{HELPER_PY}, {DISPATCH}, --calm]
    timeout: 60
  faulty:
    run: [{HELPER_PY}, {DISPATCH}]
    timeout: 2
cases:
{lines}
""",
    )


def verdicts_from_verbose(stdout: str) -> dict[str, tuple[str, str]]:
    """`-v` prints `  VERDICT name: reason` for every case that is not a MATCH."""
    found: dict[str, tuple[str, str]] = {}
    for line in stdout.splitlines():
        parts = line.strip().split(" ", 1)
        if len(parts) == 2 and parts[0] in ("DIFF", "FAIL", "ERROR", "FIXED", "KNOWN", "SKIP"):
            name, _, reason = parts[1].partition(": ")
            found[name] = (parts[0], reason)
    return found


def test_every_command_fault_gets_its_verdict(tmp_path: Path) -> None:
    grandchild_file = tmp_path / "grandchild.pid"
    cases = {mode: {"mode": mode} for mode in COMMAND_FAULTS}
    cases["hang_grandchild"]["arg"] = str(grandchild_file)
    spec = command_spec(tmp_path, cases)
    proc = run_cli("run", str(spec), "--report-dir", "out", "-v", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    counts, total = tally(proc.stdout)
    assert total == len(COMMAND_FAULTS) == sum(counts.values())
    assert counts["match"] == 2 and counts["error"] == len(COMMAND_FAULTS) - 2
    seen = verdicts_from_verbose(proc.stdout)
    for name, (verdict, words) in COMMAND_FAULTS.items():
        if verdict == "MATCH":
            assert name not in seen
            continue
        assert seen[name][0] == verdict, name
        assert words in seen[name][1], (name, seen[name])
    report = (tmp_path / "out" / "faults.md").read_text("utf-8")
    for name in COMMAND_FAULTS:
        assert name in report
    # The timeout killed the whole process group: the grandchild too.
    assert gone_soon(int(grandchild_file.read_text()))


def test_output_flood_is_capped_and_memory_stays_bounded(tmp_path: Path) -> None:
    spec = command_spec(tmp_path, {"huge": {"mode": "huge"}, "echo": {"mode": "echo"}})
    child = subprocess.Popen(
        [PY, "-m", "yamlparity", "run", str(spec), "--report-dir", "out", "-v"],
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = child.communicate(timeout=300)
    OUTPUTS.append(stdout + stderr)
    assert "Traceback" not in stdout + stderr
    assert child.returncode == 1
    assert "larger than 16777216 bytes (output cap; process killed)" in stdout
    counts, total = tally(stdout)
    assert total == 2 == sum(counts.values())
    assert (tmp_path / "out" / "faults.md").is_file()


# Linux keeps a process's peak RSS across fork and exec, so a child forked straight from a
# big pytest process would report pytest's peak: a small wrapper starts the CLI and reports
# the CLI's own peak from wait4.
_MEASURE = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
)


def test_memory_of_the_cli_stays_bounded_under_a_200_mb_flood(tmp_path: Path) -> None:
    spec = command_spec(tmp_path, {"huge": {"mode": "huge"}})
    cli = [PY, "-m", "yamlparity", "run", str(spec), "--report-dir", "out"]
    measured = subprocess.run(
        [PY, "-c", _MEASURE, *cli],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    code, peak_kib = (int(word) for word in measured.stdout.split())
    assert code == 1
    peak_mib = peak_kib / 1024  # ru_maxrss is in KiB on Linux
    # 200 MB went by; the cap keeps 16 MiB of it; Python and yamlparity need ~30 MiB.
    assert peak_mib < 120, f"peak RSS {peak_mib:.0f} MiB"
    assert (tmp_path / "out" / "faults.md").is_file()


HTTP_SPEC = """\
targets:
  good:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    timeout: 20
    service:
      run: [{py}, {slow}, "${{port}}"]
      ready: {{http: /health}}
  bad:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    timeout: 20
    service:
      run: [{py}, {fault}, "${{port}}"]
      ready: {{http: /health}}
request: {{method: GET, path: "/{{{{ case.input.path }}}}", body: ""}}
normalize:
  - {{rule: "del(.method, .headers)", targets: [bad]}}
cases:
  - {{name: ok, input: {{path: echo}}}}
  - {{name: http_500, input: {{path: status/500}}}}
  - {{name: reset_mid_body, input: {{path: truncated}}}}
  - {{name: dropped, input: {{path: drop}}}}
"""


def test_http_faults_get_verdicts(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        "http.yaml",
        HTTP_SPEC.format(
            py=HELPER_PY, slow=SERVERS / "slow_server.py", fault=SERVERS / "fault_server.py"
        ),
    )
    proc = run_cli("run", str(spec), "--report-dir", "out", "-v", cwd=tmp_path)
    assert proc.returncode == 1
    counts, total = tally(proc.stdout)
    assert total == 4 == sum(counts.values())
    seen = verdicts_from_verbose(proc.stdout)
    assert "ok" not in seen  # MATCH
    assert seen["http_500"][0] == "DIFF"  # a 500 is an answer: its status differs
    assert seen["reset_mid_body"][0] == "ERROR"
    assert "connection closed while reading the body" in seen["reset_mid_body"][1]
    assert seen["dropped"][0] == "ERROR"
    assert "connection closed before the response" in seen["dropped"][1]
    assert (tmp_path / "out" / "http.md").is_file()


def test_a_service_that_dies_halfway_leaves_verdicts_for_every_case(tmp_path: Path) -> None:
    slow = SERVERS / "slow_server.py"
    cases = "\n".join(f"  - {{name: c{i}, input: {{n: {i}}}}}" for i in range(1, 7))
    spec = write_spec(
        tmp_path,
        "dies.yaml",
        f"""\
targets:
  dying:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    concurrency: 1
    service:
      run: [{HELPER_PY}, {slow}, "${{port}}", --exit-after, "3"]
      ready: {{http: /health}}
  steady:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    service:
      run: [{HELPER_PY}, {slow}, "${{port}}"]
      ready: {{http: /health}}
cases:
{cases}
""",
    )
    proc = run_cli("run", str(spec), "--report-dir", "out", "-v", "-j", "1", cwd=tmp_path)
    assert proc.returncode == 1
    counts, total = tally(proc.stdout)
    assert total == 6 == sum(counts.values())
    assert counts == {"match": 3, "diff": 0, "error": 3}
    seen = verdicts_from_verbose(proc.stdout)
    assert sorted(seen) == ["c4", "c5", "c6"]
    assert all("the service exited with code 0" in reason for _, reason in seen.values())
    assert (tmp_path / "out" / "dies.md").is_file()
