"""Verdict rules through the real CLI with real helpers written in the test."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

PY = sys.executable


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def run(spec: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    out = str(spec.parent / "out")
    return run_cli("run", str(spec), "--report-dir", out, *extra, cwd=spec.parent, timeout=120)


def helper(tmp: Path, name: str, body: str) -> str:
    write(tmp / name, body)
    return name


def spec_with(tmp: Path, left: str, right: str, extra: str = "", cases: str | None = None) -> Path:
    cases = (
        cases
        or """
        cases:
          - name: one
            input: {a: 1}
        """
    )
    text = f"""
        name: t
        targets:
          left:
            run: [{HELPER_PY}, {left}]
            timeout: 5
          right:
            run: [{HELPER_PY}, {right}]
            timeout: 5
        """
    return write(
        tmp / "t.yaml", textwrap.dedent(text) + textwrap.dedent(extra) + textwrap.dedent(cases)
    )


def test_two_identical_failures_are_error_never_match(tmp_path: Path) -> None:
    crash = helper(tmp_path, "crash.py", "import sys; sys.exit(1)\n")
    done = run(spec_with(tmp_path, crash, crash))
    assert done.returncode == 1
    assert "1 error" in done.stdout and "1 match" not in done.stdout


def test_two_empty_outputs_are_error(tmp_path: Path) -> None:
    empty = helper(tmp_path, "empty.py", "import sys; sys.stdin.read()\n")
    done = run(spec_with(tmp_path, empty, empty))
    assert done.returncode == 1
    report = (tmp_path / "out" / "t.md").read_text()
    assert "empty stdout" in report


def test_two_empty_streams_match_only_when_allowed(tmp_path: Path) -> None:
    empty = helper(tmp_path, "empty.py", "import sys; sys.stdin.read(); print()\n")
    strict = run(spec_with(tmp_path, empty, empty, "output: jsonl\n"))
    assert "1 error" in strict.stdout and "allow_empty: true" in strict.stdout
    allowed = run(spec_with(tmp_path, empty, empty, "output: jsonl\nallow_empty: true\n"))
    assert allowed.returncode == 0 and "1 match" in allowed.stdout
    as_json = run(spec_with(tmp_path, empty, empty, "allow_empty: true\n"))
    assert "1 error" in as_json.stdout and "empty stdout: not JSON" in as_json.stdout


def test_a_declared_failure_is_known_and_its_end_is_fixed(tmp_path: Path) -> None:
    crash = helper(tmp_path, "crash.py", "import sys; sys.exit(3)\n")
    ok = helper(tmp_path, "ok.py", "import sys; sys.stdin.read(); print(1)\n")
    known = "known: [{cases: [one], targets: [right], error: code 3, reason: DEC-9}]\n"
    done = run(spec_with(tmp_path, ok, crash, known))
    assert done.returncode == 0 and "1 known" in done.stdout
    done = run(spec_with(tmp_path, ok, ok, known))
    assert done.returncode == 1 and "FIXED" in done.stdout and "1 fixed" in done.stdout


def test_true_is_not_one_and_one_is_not_one_point_zero(tmp_path: Path) -> None:
    left = helper(tmp_path, "l.py", 'print(\'{"flag": true, "n": 1, "big": 9007199254740993}\')\n')
    right = helper(tmp_path, "r.py", 'print(\'{"flag": 1, "n": 1.0, "big": 9007199254740992}\')\n')
    done = run(spec_with(tmp_path, left, right))
    assert done.returncode == 1
    report = (tmp_path / "out" / "t.md").read_text()
    for path in ("`.flag`", "`.n`", "`.big`"):
        assert path in report


def test_encodings_of_the_same_value_match(tmp_path: Path) -> None:
    left = helper(tmp_path, "l.py", 'print(\'{"b": [1, 2], "name": "caf\\\\u00e9"}\')\n')
    right = helper(tmp_path, "r.py", 'print(\'{\\n  "name": "café",\\n  "b": [1,2]\\n}\')\n')
    done = run(spec_with(tmp_path, left, right))
    assert done.returncode == 0, (tmp_path / "out" / "t.md").read_text()


def test_exit_code_and_stderr_can_be_compared_facets(tmp_path: Path) -> None:
    left = helper(tmp_path, "l.py", "import sys; sys.stderr.write('bad input\\n'); sys.exit(2)\n")
    right = helper(tmp_path, "r.py", "import sys; sys.stderr.write('bad input\\n'); sys.exit(3)\n")
    extra = """
        compare:
          facets: [stdout, exit_code, stderr]
        """
    done = run(spec_with(tmp_path, left, right, extra))
    assert done.returncode == 1
    report = (tmp_path / "out" / "t.md").read_text()
    assert "| exit_code | `.` | `2` | `3` |" in report


def test_rules_for_one_target_only(tmp_path: Path) -> None:
    left = helper(tmp_path, "l.py", 'print(\'{"a": 1, "producer": "left"}\')\n')
    right = helper(tmp_path, "r.py", "print('{\"a\": 1}')\n")
    extra = """
        normalize:
          - rule: del(.producer)
            targets: [left]
        """
    assert run(spec_with(tmp_path, left, right, extra)).returncode == 0


def test_fixed_known_divergence_fails_unless_fixed_ok(tmp_path: Path) -> None:
    same = helper(tmp_path, "same.py", "print('{\"a\": 1}')\n")
    extra = """
        known:
          - cases: [one]
            reason: used to differ
        """
    spec = spec_with(tmp_path, same, same, extra)
    done = run(spec)
    assert done.returncode == 1 and "1 fixed" in done.stdout
    assert run(spec, "--fixed-ok").returncode == 0


def test_a_known_divergence_with_a_failed_expectation_is_fail(tmp_path: Path) -> None:
    left = helper(tmp_path, "l.py", "print('{\"a\": 1}')\n")
    right = helper(tmp_path, "r.py", "print('{\"a\": 1.0}')\n")
    known = """
        known:
          - cases: [one]
            reason: right writes floats
        """
    spec = spec_with(tmp_path, left, right, known)
    assert "1 known" in run(spec).stdout  # the divergence alone is accepted
    expect = (
        known
        + """
        expect:
          - path: $.ok
            exists: true
        """
    )
    done = run(spec_with(tmp_path, left, right, expect), "-v")
    # The known gap is accepted; the failed expectation is not, and it is what the line names.
    assert done.returncode == 1
    assert "0 match / 0 diff / 1 fail (out of 1)" in done.stdout and "  FAIL one\n" in done.stdout
    assert "right writes floats" not in done.stdout


def test_missing_helper_with_when_missing_skip_is_skip(tmp_path: Path) -> None:
    ok = helper(tmp_path, "ok.py", 'print("{}")\n')
    text = f"""
        name: t
        targets:
          left:
            run: [{HELPER_PY}, {ok}]
          right:
            run: [./not-built-yet]
            when_missing: skip
        cases:
          - name: one
            input: {{}}
        """
    done = run(write(tmp_path / "t.yaml", text))
    assert done.returncode == 0
    assert "1 skip" in done.stdout


def test_k_selects_cases(tmp_path: Path) -> None:
    echo = helper(tmp_path, "echo.py", "import sys; sys.stdout.write(sys.stdin.read())\n")
    cases = """
        cases:
          - {name: playbook_happy, input: {a: 1}}
          - {name: playbook_sad, input: {a: 2}}
          - {name: fill_phantom, input: {a: 3}}
        """
    spec = spec_with(tmp_path, echo, echo, cases=cases)
    done = run(spec, "-k", "playbook and not happy")
    assert "1 match / 0 diff (out of 1)" in done.stdout
    done = run(spec, "-k", "playbook_* or fill")
    assert "3 match / 0 diff (out of 3)" in done.stdout


def test_stdin_template_and_yaml_12_scalars_reach_the_helper_exactly(tmp_path: Path) -> None:
    echo = helper(tmp_path, "echo.py", "import sys; sys.stdout.write(sys.stdin.read())\n")
    record = helper(
        tmp_path,
        "record.py",
        "import sys; open('seen.txt', 'w').write(sys.stdin.read()); print('{}')\n",
    )
    cases = """
        cases:
          - name: scalars
            input: {answer: no, switch: on, n: 1.0, e: 1e2, big: 123456789012345678901234567890}
        """
    extra = """
        stdin: '{"wrapped": {{ case.input | tojson }}}'
        """
    spec = spec_with(tmp_path, echo, record, extra, cases)
    run(spec)
    seen = (tmp_path / "seen.txt").read_text()
    assert seen == (
        '{"wrapped": {"answer":"no","switch":"on","n":1.0,"e":1e2,'
        '"big":123456789012345678901234567890}}'
    )
