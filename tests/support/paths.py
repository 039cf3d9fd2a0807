"""Where the test data and the project's files are, for tests in any folder."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
PROGRAMS = TESTS / "programs"
SERVERS = TESTS / "servers"
GOLDEN = TESTS / "golden"
CERTS = TESTS / "certs"
BAD_SPECS = TESTS / "bad_specs"
EXAMPLES = ROOT / "examples"
