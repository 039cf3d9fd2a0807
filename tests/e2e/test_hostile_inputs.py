"""Hostile suite: inputs built to crash, hang or exhaust yamlparity, through the CLI.

Bad specs and arguments end with exit 2 and a message with a location, never a traceback;
rules and templates that would run for hours or build gigabytes are stopped by their bounds,
costing one case (rules, input templates) or failing the run before it starts (report
templates). Most runs call the CLI's `main()` in this process (an uncaught exception fails
the test as a traceback would), one per kind goes through `python -m yamlparity`, to keep the
suite fast. Figures for docs/reliability.md: INPUTS_TRIED.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli, write_spec
from tests.support.paths import HELPER_PY
from yamlparity.cli.main import main
from yamlparity.report import render


class Result:
    """What one in-process CLI call printed, and its exit code."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> object:
    """`yamlparity ARGS` in-process, in a folder: the same code as the program, no startup."""

    def call(*args: str, cwd: Path) -> Result:
        monkeypatch.chdir(cwd)
        code = main(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        return Result(code, captured.out, captured.err)

    return call


ECHO = "import sys; sys.stdout.write(sys.stdin.read())"
BASE = f"""\
name: {{name}}
targets:
  a: {{{{run: [{HELPER_PY}, -c, "{ECHO}"]{{target_extra}}}}}}
  b: {{{{run: [{HELPER_PY}, -c, "{ECHO}"]}}}}
output: json
cases:
  - {{{{name: one, input: {{input}}}}}}
{{extra}}
"""

HTTP = """\
name: {name}
targets:
  a: {{url: {url}{target_extra}}}
  b: {{url: "http://127.0.0.1:1"}}
cases:
  - {{name: one, input: 1}}
"""

# name -> (spec text, what the message must say)
BAD_SPECS: dict[str, tuple[str, str]] = {
    "hex_int": (
        BASE.format(name="hex", target_extra="", input="0x" + "f" * 3600, extra=""),
        "more than 4300 digits",
    ),
    "octal_int": (
        BASE.format(name="oct", target_extra="", input="0o" + "7" * 5000, extra=""),
        "more than 4300 digits",
    ),
    "astral_escape": (
        BASE.format(name="uni", target_extra="", input='"\\U00110000"', extra=""),
        "invalid escape",
    ),
    "huge_max_output": (
        BASE.format(name="m", target_extra=", max_output: " + "9" * 5000, input="1", extra=""),
        "more than the maximum",
    ),
    "huge_concurrency": (
        HTTP.format(
            name="c", url='"http://127.0.0.1:2"', target_extra=", concurrency: " + "9" * 5000
        ),
        "more than the maximum",
    ),
    "proxy_ipv6_unclosed": (
        HTTP.format(name="p", url='"http://127.0.0.1:2"', target_extra=', proxy: "http://[::1"'),
        "proxy is not a valid URL",
    ),
    "proxy_port_range": (
        HTTP.format(
            name="p", url='"http://127.0.0.1:2"', target_extra=", proxy: http://proxy:99999"
        ),
        "proxy is not a valid URL",
    ),
    "url_ipv6_unclosed": (
        HTTP.format(name="u", url='"http://[::1/"', target_extra=""),
        "url is not a valid URL",
    ),
    "nul_in_report_path": (
        BASE.format(name="n", target_extra="", input="1", extra='report: {path: "r/a\\0b.md"}'),
        "NUL",
    ),
    "template_outside": (
        BASE.format(
            name="t", target_extra="", input="1", extra="report: {template: ../outside.j2}"
        ),
        "outside the spec's folder",
    ),
    "include_outside": (
        "include: [/etc/passwd]\n" + BASE.format(name="i", target_extra="", input="1", extra=""),
        "outside the spec's folder",
    ),
    "include_symlink_outside": (
        "include: [linked.yaml]\n" + BASE.format(name="s", target_extra="", input="1", extra=""),
        "outside the spec's folder",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_SPECS))
def test_bad_spec_is_exit_2_with_a_location(kind: str, tmp_path: Path, cli: Any) -> None:
    text, expected = BAD_SPECS[kind]
    folder = tmp_path / "specs"
    folder.mkdir()
    (tmp_path / "outside.j2").write_text("{{ spec.name }}\n", "utf-8")
    (tmp_path / "outside.yaml").write_text("env: {X: secret line of another file}\n", "utf-8")
    (folder / "linked.yaml").symlink_to(tmp_path / "outside.yaml")
    (folder / "spec.yaml").write_text(text, "utf-8")
    proc = cli("run", "specs/spec.yaml", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert expected in proc.stderr
    assert "spec.yaml:" in proc.stderr  # file:line:column
    assert "secret line of another file" not in proc.stderr and "root:" not in proc.stderr


def test_a_huge_spec_is_refused_at_once_with_the_true_reason(tmp_path: Path) -> None:
    filler = "# " + "x" * (4 * 1024 * 1024) + "\n"
    text = BASE.format(name="huge", target_extra="", input="1", extra="") + filler
    (tmp_path / "huge.yaml").write_text(text, "utf-8")
    assert (tmp_path / "huge.yaml").stat().st_size > 4 * 1024 * 1024
    started = time.monotonic()
    proc = run_cli("validate", "huge.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "a spec may be at most 4.0 MB" in proc.stderr and "alias" not in proc.stderr
    assert time.monotonic() - started < 20


def test_many_values_fail_while_composing(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The value count is checked as nodes are composed (200k in production; 2k here, so the
    pure-Python composer does not spend seconds reaching it)."""
    from yamlparity.spec import source

    monkeypatch.setattr(source, "MAX_EXPANDED_NODES", 2_000)
    cases = "".join(f"  - {{name: c{i}, input: [1, 2, 3]}}\n" for i in range(2_000))
    text = BASE.format(name="many", target_extra="", input="1", extra="").replace(
        "cases:\n", "cases:\n" + cases, 1
    )
    (tmp_path / "many.yaml").write_text(text, "utf-8")
    proc = cli("validate", "many.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "holds more than 2000 values" in proc.stderr and "alias" not in proc.stderr
    line = int(proc.stderr.split("-->")[1].split(":")[1])
    assert line < 500  # stopped where the limit was passed, not at the end (line 2,000+)


@pytest.mark.parametrize(
    "expression",
    ["(" * 500 + "one" + ")" * 500, "not " * 3000 + "one"],
    ids=["parentheses", "nots"],
)
def test_a_deeply_nested_k_is_exit_2(expression: str, tmp_path: Path, cli: Any) -> None:
    write_spec(tmp_path, "spec.yaml", BASE.format(name="k", target_extra="", input="1", extra=""))
    proc = cli("run", "spec.yaml", "-k", expression, cwd=tmp_path)
    assert proc.returncode == 2 and "nested more than 100 deep" in proc.stderr


def test_a_long_k_chain_runs(tmp_path: Path, cli: Any) -> None:
    write_spec(tmp_path, "spec.yaml", BASE.format(name="k", target_extra="", input="1", extra=""))
    proc = cli("run", "spec.yaml", "-k", " or ".join(["one"] * 2000), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_integers_over_4300_digits_render_and_exist(tmp_path: Path, cli: Any) -> None:
    big = "9" * 5000
    extra = 'stdin: "{{ case.input | tojson }}"\nexpect: [{path: $.x, exists: true}]'
    write_spec(
        tmp_path,
        "spec.yaml",
        BASE.format(name="big", target_extra="", input=f"{{x: {big}}}", extra=extra),
    )
    proc = cli("run", "spec.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 match" in proc.stdout


@pytest.mark.parametrize(
    ("rule", "value", "reason"),
    [
        ('scrub("(a+)+$"; "x")', f'"{"a" * 5000}b"', "ran past its time bound"),
        (".a[200000000] = 0", "[1]", "at most 100000"),
    ],
    ids=["catastrophic_regex", "huge_index"],
)
def test_a_rule_that_would_run_for_hours_costs_one_case(
    rule: str, value: str, reason: str, tmp_path: Path
) -> None:
    extra = f"normalize: ['{rule}']\n"
    write_spec(
        tmp_path,
        "spec.yaml",
        BASE.format(name="rule", target_extra="", input=f"{{a: {value}}}", extra=extra),
    )
    started = time.monotonic()
    proc = run_cli("run", "spec.yaml", "-v", cwd=tmp_path)
    assert proc.returncode == 1
    assert "1 error" in proc.stdout and reason in proc.stdout, proc.stdout
    assert time.monotonic() - started < 60


@pytest.mark.parametrize(
    "template",
    [
        "{{ 'a' * 10**10 }}",
        "{{ '{:>1000000000}'.format(1) }}",
        "{{ '%1000000000d' % 1 }}",
        "{{ 'x' | center(10**9) }}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s | length }}",
    ],
    ids=["repeat", "format_width", "percent_width", "center", "nested_loops", "doubling"],
)
def test_a_report_template_that_would_exhaust_the_machine_fails_before_the_run(
    template: str, tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check's time bound is a setting (5 s); 1 s stops the loops the same way, sooner.
    monkeypatch.setattr(render, "CHECK_SECONDS", 1.0)
    (tmp_path / "bomb.md.j2").write_text(template + "\n", "utf-8")
    extra = "report: {template: bomb.md.j2}"
    write_spec(
        tmp_path, "spec.yaml", BASE.format(name="bomb", target_extra="", input="1", extra=extra)
    )
    started = time.monotonic()
    proc = cli("run", "spec.yaml", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "template limit" in proc.stderr and "bomb.md.j2:" in proc.stderr
    assert time.monotonic() - started < 60
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").iterdir())


def test_an_input_template_bomb_costs_its_case(tmp_path: Path, cli: Any) -> None:
    extra = "stdin: \"{{ 'a' * 10**10 }}\""
    write_spec(
        tmp_path, "spec.yaml", BASE.format(name="stdin", target_extra="", input="1", extra=extra)
    )
    proc = cli("run", "spec.yaml", "-v", cwd=tmp_path)
    assert proc.returncode == 1
    assert "template limit" in proc.stdout


INPUTS_TRIED = len(BAD_SPECS) + 2 + 2 + 1 + 1 + 2 + 6 + 1
