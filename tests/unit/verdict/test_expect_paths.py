"""JSONPath expectations: filters compare by value (never a boolean as 1), results stay exact."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.support import cli as support_cli
from tests.support.paths import HELPER_PY
from yamlparity.core import jsonvalue
from yamlparity.core.errors import Location
from yamlparity.rules.jsonpath import compile_path, find
from yamlparity.spec.model import Expectation
from yamlparity.verdict.expect import check

DOC = jsonvalue.loads(
    '{"items": [{"id": 1, "v": "a", "p": 2.50}, {"id": true, "v": "b", "p": 3},'
    ' {"id": 1.0, "v": "c"}, {"id": "1", "v": "d"}, {"id": 1.5, "v": "e"}]}'
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.items[?(@.id == 1)].v", '["a","c"]'),  # not true, "1" or 1.5
        ("$.items[?(@.id != 1)].v", '["b","d","e"]'),
        ("$.items[?(@.id == true)].v", '["b"]'),
        ('$.items[?(@.id == "1")].v', '["d"]'),
        ("$.items[?(@.id > 1)].v", '["e"]'),
        ("$.items[?(@.p >= 2.5)].p", "[2.50,3]"),  # found values keep their literals
        ("$.items.`len`", "[5]"),
        ("$.items[0].p", "[2.50]"),
        ('$.items[?(@.v =~ "^[ab]")].v', '["a","b"]'),
    ],
)
def test_find_compares_by_value_and_returns_exact_values(path: str, expected: str) -> None:
    assert jsonvalue.dumps(find(path, DOC)) == expected


def expectation(path: str, value: str) -> Expectation:
    return Expectation(
        location=Location("s.yaml"),
        description=f"{path} equals {value}",
        kind="equals",
        path=path,
        value=jsonvalue.loads(value),
    )


def test_equals_stays_exact() -> None:
    facets = {"stdout": DOC}
    assert check(expectation("$.items[0].p", "2.50"), facets, "stdout") is None
    assert check(expectation("$.items[0].p", "2.5"), facets, "stdout") == "2.50"
    assert check(expectation("$.items[2].id", "1"), facets, "stdout") == "1.0"
    assert check(expectation("$.items.`len`", "5"), facets, "stdout") is None


@pytest.mark.parametrize(
    ("path", "seen"),
    [
        ("$.items[3].id", None),  # "1": a string of digits
        ("$.items[0].id", "1 (not a string: `matches` checks strings)"),  # the number 1
        ("$.items[1].id", "true (not a string: `matches` checks strings)"),
        ("$.items[2].id", "1.0 (not a string: `matches` checks strings)"),
    ],
)
def test_matches_checks_strings_only(path: str, seen: str | None) -> None:
    """`^[0-9.]+$` written to pin an id that is a string of digits: the number 1 fails it."""
    digits = Expectation(
        location=Location("s.yaml"),
        description=f"{path} matches",
        kind="matches",
        path=path,
        pattern="^[0-9.]+$",
    )
    assert check(digits, {"stdout": DOC}, "stdout") == seen


def test_a_path_that_fails_on_one_value_is_a_failed_expectation() -> None:
    seen = check(expectation("$.items[/id]", "1"), {"stdout": DOC}, "stdout")
    assert seen is not None and seen.startswith("the path could not be evaluated")


def test_bare_null_is_rejected() -> None:
    with pytest.raises(ValueError, match="no null literal"):
        compile_path("$.items[?(@.id == null)]")
    compile_path('$.items[?(@.id == "null")]')  # the string, quoted: fine


def test_paths_share_one_parser_and_a_bad_path_leaves_it_usable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # jsonpath-ng's parse() builds PLY's tables again at every call (~20 ms a path).
    import jsonpath_ng._ply.yacc as yacc

    from yamlparity.rules import jsonpath

    built: list[object] = []
    real_yacc = yacc.yacc
    monkeypatch.setattr(yacc, "yacc", lambda *a, **k: built.append(a) or real_yacc(*a, **k))
    jsonpath._parser.cache_clear()
    compile_path.cache_clear()
    with pytest.raises(ValueError, match="Parse error"):
        compile_path("$.items[?(@.id == 1)")  # cut short
    assert jsonvalue.dumps(find("$.items[?(@.id == 1)].v", DOC)) == '["a","c"]'
    assert jsonvalue.dumps(find("$.items[1].v", DOC)) == '["b"]'
    assert len(built) == 1


def run_cli(tmp_path: Path, expect: str, command: str = "run") -> subprocess.CompletedProcess[str]:
    helper = tmp_path / "helper.py"
    helper.write_text(f"print({jsonvalue.dumps(DOC)!r})\n")
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "name: paths\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, {helper}]}}\n"
        f"  b: {{run: [{HELPER_PY}, {helper}]}}\n"
        "expect:\n"
        f"{textwrap.indent(expect, '  ')}"
        "cases:\n"
        "  - {name: c, input: {}}\n"
    )
    args = [str(spec)] if command == "validate" else [str(spec), "--report-dir", str(tmp_path)]
    return support_cli.run_cli(command, *args, cwd=tmp_path, timeout=120)


def test_filters_and_len_through_the_cli(tmp_path: Path) -> None:
    done = run_cli(
        tmp_path,
        textwrap.dedent(
            """\
            - {path: '$.items[?(@.id == 1)].v', matches: '^[ac]$'}
            - {path: '$.items.`len`', equals: 5}
            - {path: '$.items[?(@.id == true)].v', equals: b}
            """
        ),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 match" in done.stdout


def test_bare_null_is_refused_at_load(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "- {path: '$.items[?(@.id == null)]', exists: true}\n", "validate")
    assert done.returncode == 2
    assert "no null literal" in done.stderr
