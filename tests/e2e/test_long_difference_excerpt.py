"""A difference deep inside a long value is shown where it is: the report keeps 256 Ki
characters of each value, and two values that agree in all of them used to be shown as the
same text (the window fell on their last kept characters)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

# Prints {"s": 400,000 a's}, with a `b` at the case's `at` for target `b`.
HELPER = (
    "import json, sys\n"
    "at = int(json.load(sys.stdin)['at'])\n"
    "s = ['a'] * 400_000\n"
    "if sys.argv[1] == 'b':\n"
    "    s[at] = 'b'\n"
    "print(json.dumps({'s': ''.join(s)}))\n"
)
# Inside the kept characters, past them, and the very last character.
AT = (200_000, 300_000, 399_999)


def test_the_excerpt_shows_the_first_differing_character(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(HELPER)
    cases = [{"name": f"at_{at}", "input": {"at": at}} for at in AT]
    (tmp_path / "s.yaml").write_text(
        "name: long\ntargets:\n"
        f"  a: {{run: [{HELPER_PY}, h.py, a]}}\n"
        f"  b: {{run: [{HELPER_PY}, h.py, b]}}\n"
        f"cases: {json.dumps(cases)}\n"
    )
    done = run_cli("run", "s.yaml", "--report-dir", "out", "--format", "md,html", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    report = (tmp_path / "out/long.md").read_text().splitlines()
    rows = [line for line in report if line.startswith("| stdout | `.s` | `")]
    html = (tmp_path / "out/long.html").read_text()
    assert len(rows) == len(AT)
    for at, row in zip(AT, rows, strict=True):
        before = at + 1 - 24  # the opening quote, then 24 characters kept before the difference
        assert row.count(f"({before} characters before) …{'a' * 24}") == 2, row
        shown_b = row.split(" | ")[3]
        assert f"({before} characters before) …{'a' * 24}b" in shown_b, row
        assert f"({before} characters before)" in html
