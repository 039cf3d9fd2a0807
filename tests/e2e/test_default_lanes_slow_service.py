"""The default lanes against a slow service that serves one request at a time: the lanes a
slow first case brings (engine._Tuner._leap) are bounded by the targets' timeout, so every
case is answered in time where a fixed count that ignores it times out."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY, SERVERS

# One request at a time, each answered DELAY s later; `--close`: each connection closed, so
# waiting requests queue in the listen backlog, not behind an idle keep-alive connection.
SERVER = SERVERS / "one_at_a_time.py"
DELAY = 0.6
TIMEOUT = 2.5  # room for 2 lanes (2 x 0.6 s within half of it); 6 queued requests need 3.6 s


def spec(tmp_path: Path) -> Path:
    run = f'["{HELPER_PY}", "{SERVER}", "${{port}}", --delay, "{DELAY}", --close]'
    service = f"{{run: {run}, ready: {{log: listening}}}}"
    target = (
        f'{{url: "http://127.0.0.1:${{port}}", port: auto, timeout: {TIMEOUT}, service: {service}}}'
    )
    cases = "".join(f"  - {{name: c{i}, input: {{n: {i}}}}}\n" for i in range(6))
    path = tmp_path / "spec.yaml"
    path.write_text(
        f"name: serial\ntargets:\n  a: {target}\n  b: {target}\n"
        f"request: {{method: POST, path: /}}\ncases:\n{cases}"
    )
    return path


def test_a_slow_service_serving_one_request_at_a_time_answers_every_case_by_default(
    tmp_path: Path,
) -> None:
    path = spec(tmp_path)
    tuned = run_cli("run", path.name, "--report-dir", "out", cwd=tmp_path, timeout=120)
    assert tuned.returncode == 0, tuned.stdout + tuned.stderr
    assert "6 match / 0 diff (out of 6)" in tuned.stdout
    # The same cases six at once: the last ones wait past the timeout (what the bound avoids).
    crowded = run_cli("run", path.name, "-j", "6", "--report-dir", "out", cwd=tmp_path, timeout=120)
    assert crowded.returncode == 1, crowded.stdout + crowded.stderr
    assert "error" in crowded.stdout
