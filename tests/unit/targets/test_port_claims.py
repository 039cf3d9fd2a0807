"""`port: auto` ports are claimed for the yamlparity process that picked them: parallel runs on
one machine (CI runners, shards) never hand two services one port (a pipeline's four runners
did: one service's readiness was answered by another runner's server before its own died on
"address in use")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from yamlparity.targets import ports


@pytest.fixture
def claims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "claims"
    monkeypatch.setattr(ports, "_claims", lambda: folder)
    return folder


def test_a_port_claimed_by_a_live_process_is_not_handed_out(claims: Path) -> None:
    taken = ports.free_port()
    assert (claims / str(taken)).read_text() == str(os.getpid())
    assert ports._claim(taken) is False  # claimed by a live process: this one
    assert ports.free_port() != taken  # the next pick skips it


def test_a_dead_process_claim_is_stale_and_taken_over(claims: Path) -> None:
    claims.mkdir(mode=0o700)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (claims / "40001").write_text(dead)
    assert ports._claim(40001) is True
    assert (claims / "40001").read_text() == str(os.getpid())


def test_a_live_claim_holds_and_goes_with_its_process(claims: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    code = (
        "import sys; from pathlib import Path; from yamlparity.targets import ports; "
        f"ports._claims = lambda: Path({str(claims)!r}); "
        "print(ports.free_port(), flush=True); sys.stdin.read()"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    port = int(child.stdout.readline())
    try:
        assert ports._claim(port) is False  # a live process holds it
    finally:
        child.communicate("")
    assert not (claims / str(port)).exists()  # released at its exit
    assert ports._claim(port) is True


def test_a_folder_others_may_write_is_not_trusted(claims: Path) -> None:
    claims.mkdir(mode=0o777)
    claims.chmod(0o777)
    assert ports._claim(40002) is True  # taken as claimed, as before claims existed
    assert not (claims / "40002").exists()
