"""`-v` values: long ones are cut around the first difference, short ones left whole."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY
from yamlparity.cli.divergences import VALUE_WIDTH, difference_values
from yamlparity.core.printable import LEAD
from yamlparity.results.records import Difference


def test_short_values_are_whole() -> None:
    diff = Difference("stdout", ".v", {"a": "x"}, missing=("b",))
    assert difference_values(diff, ["a", "b"]) == {"a": '"x"', "b": "(missing)"}


def test_long_values_are_cut_at_the_same_place_around_the_difference() -> None:
    blob = "QUJD" * 1000
    diff = Difference("stdout", ".v", {"a": f"{blob}X{blob}", "b": f"{blob}Y{blob}"}, ("c",))
    cut = difference_values(diff, ["a", "b", "c"])
    assert cut["c"] == "(missing)"  # left out of where the values differ
    a, b = f'"{blob}X{blob}"', f'"{blob}Y{blob}"'
    start = len(blob) + 1 - LEAD
    before, after = (
        f"({start} characters before) …",
        f"… ({len(a) - start - VALUE_WIDTH} more characters)",
    )
    assert cut["a"] == before + a[start : start + VALUE_WIDTH] + after
    assert cut["b"] == before + b[start : start + VALUE_WIDTH] + after
    assert "X" in cut["a"] and "Y" in cut["b"]  # the differing character is shown


def test_verbose_says_when_two_literals_are_one_value(tmp_path: Path) -> None:
    """`-v` words a difference as the JUnit failure text and pytest do."""
    (tmp_path / "a.py").write_text('print(\'{"v": 2.0, "w": 1}\')\n')
    (tmp_path / "b.py").write_text('print(\'{"v": 2, "w": 3}\')\n')
    spec = (
        f"name: t\ntargets:\n  a: {{run: [{HELPER_PY}, a.py]}}\n  b: {{run: [{HELPER_PY}, b.py]}}\n"
    )
    (tmp_path / "t.yaml").write_text(spec + "cases: [{name: c, input: 1}]\n")
    lines = run_cli("run", "t.yaml", "-v", cwd=tmp_path).stdout.splitlines()
    assert "    stdout .v: a=2.0  b=2  (same value, different literal)" in lines
    assert "    stdout .w: a=1  b=3" in lines  # no note where the values differ


def test_verbose_shows_what_a_failed_process_wrote(tmp_path: Path) -> None:
    """`exited with code 2` alone does not say why: -v shows the start of what the helper wrote
    (its stderr, else its stdout), as the report and the pytest plugin do; a helper that
    failed silently gets no such line, and neither does the one that answered."""
    (tmp_path / "ok.py").write_text("print(1)\n")
    (tmp_path / "crash.py").write_text(
        "import sys\nsys.stderr.write('config missing: /etc/app.toml\\nbye\\n')\nsys.exit(2)\n"
    )
    (tmp_path / "garbage.py").write_text("print('<html>not json')\n")
    (tmp_path / "silent.py").write_text("raise SystemExit(3)\n")
    targets = "".join(
        f"  {name}: {{run: [{HELPER_PY}, {name}.py]}}\n"
        for name in ("ok", "crash", "garbage", "silent")
    )
    (tmp_path / "t.yaml").write_text(
        f"name: t\ntargets:\n{targets}cases: [{{name: c, input: 1}}]\n"
    )
    done = run_cli("run", "t.yaml", "-v", cwd=tmp_path)
    lines = done.stdout.splitlines()
    at = lines.index("    crash (the start of what it wrote):")
    assert lines[at + 1 : at + 3] == ["      config missing: /etc/app.toml", "      bye"]
    at = lines.index("    garbage (the start of what it wrote):")
    assert lines[at + 1] == "      <html>not json"
    assert not any(line.startswith(("    silent (", "    ok (")) for line in lines), done.stdout
    quiet = run_cli("run", "t.yaml", cwd=tmp_path).stdout
    assert "what it wrote" not in quiet  # -v only
