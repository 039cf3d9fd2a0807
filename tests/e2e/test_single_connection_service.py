"""A service that serves one connection at a time (http.server's plain HTTPServer with
keep-alive): beside other cases, its cases time out; the run says why, and `concurrency: 1`
makes every case answer."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY, SERVERS

SERVER = SERVERS / "one_at_a_time.py"  # one connection at a time, kept alive


def spec_text(concurrency: str) -> str:
    target = (
        f'{{url: "http://127.0.0.1:${{port}}", port: auto, timeout: 1{concurrency}, '
        f'service: {{run: ["{HELPER_PY}", "{SERVER}", "${{port}}"], ready: {{log: listening}}}}}}'
    )
    cases = "".join(f"  - {{name: c{i}, input: {{n: {i}}}}}\n" for i in range(8))
    return (
        f"name: single\ntargets:\n  a: {target}\n  b: {target}\n"
        f"request: {{method: POST, path: /}}\ncases:\n{cases}"
    )


def test_timeouts_beside_other_cases_get_a_hint_and_concurrency_one_fixes_them(
    tmp_path: Path,
) -> None:
    (tmp_path / "spec.yaml").write_text(spec_text(""))
    crowded = run_cli("run", "spec.yaml", "-j", "4", "--report-dir", "out", cwd=tmp_path)
    assert crowded.returncode == 1, crowded.stdout + crowded.stderr
    assert "error" in crowded.stdout, crowded.stdout
    assert "hint: a, b timed out while other requests were in flight" in crowded.stdout
    assert "`concurrency: 1`" in crowded.stdout
    (tmp_path / "spec.yaml").write_text(spec_text(", concurrency: 1"))
    calm = run_cli("run", "spec.yaml", "-j", "4", "--report-dir", "out", cwd=tmp_path)
    assert calm.returncode == 0, calm.stdout + calm.stderr
    assert "8 match / 0 diff (out of 8)" in calm.stdout
    assert "hint" not in calm.stdout
