"""`${VAR}` as a shell reads it: `:-` and `-`, `:?` and `?`, defaults that hold references of
their own (balanced braces, expanded only when taken), `$$`, and errors at their column."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import write_spec
from yamlparity.core.errors import SpecError
from yamlparity.spec.interpolate import references
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import CommandTarget, HttpTarget

# The value under test is the python target's second argument, on line 3 at column 21.
SPEC = """\
targets:
  python:
    run: [python3, {value}]
  node:
    run: [node, helper.js]
cases: [{{name: c, input: 1}}]
"""


def argument(tmp_path: Path, value: str, environ: dict[str, str]) -> str:
    path = write_spec(tmp_path, "s.yaml", SPEC.format(value=f"'{value}'"))
    target = load_spec(path, environ=environ).targets["python"]
    assert isinstance(target, CommandTarget)
    return target.run[1]


def error_of(tmp_path: Path, value: str, environ: dict[str, str]) -> str:
    path = write_spec(tmp_path, "s.yaml", SPEC.format(value=f"'{value}'"))
    with pytest.raises(SpecError) as info:
        load_spec(path, environ=environ)
    return info.value.render().replace(str(path), "s.yaml")


NESTED = "${A:-http://h:${B:-${C:-80}}}"


@pytest.mark.parametrize(
    ("value", "environ", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("${A}", {"A": ""}, ""),
        # `:-`: the default when unset or empty; `-`: only when unset (as in sh).
        ("${A:-d}", {}, "d"),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A:-d}", {"A": "x"}, "x"),
        ("${A-d}", {}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("${A-d}", {"A": "x"}, "x"),
        ("${A:-}", {}, ""),
        # A default holding references, two levels deep; a default not taken is not expanded.
        (NESTED, {}, "http://h:80"),
        (NESTED, {"C": "81"}, "http://h:81"),
        (NESTED, {"B": "82", "C": "81"}, "http://h:82"),
        (NESTED, {"A": "http://elsewhere:9"}, "http://elsewhere:9"),
        (NESTED, {"A": ""}, "http://h:80"),
        ("${A:-${UNSET}}", {"A": "x"}, "x"),
        ("<${A:-a}|${B-b}>", {"B": ""}, "<a|>"),
        # Braces in a default pair up; a `}` outside any reference is text.
        ("${A:-{a}}", {}, "{a}"),
        ("${A:-{a}{b}}", {}, "{a}{b}"),
        ("${A}}", {"A": "x"}, "x}"),
        ("{${A}}", {"A": "x"}, "{x}"),
        # `$$` is a literal `$`, in a default too; a `$` before anything else is text.
        ("$$", {}, "$"),
        ("$${A}", {"A": "x"}, "${A}"),
        ("${A:-$$}", {}, "$"),
        ("${A:-$${B}}", {}, "${B}"),
        ("cost: $5 $", {}, "cost: $5 $"),
        # `:?` and `?`: the value when it is there.
        ("${A:?say A}", {"A": "x"}, "x"),
        ("${A?say A}", {"A": ""}, ""),
    ],
)
def test_expansion_follows_the_shell(
    tmp_path: Path, value: str, environ: dict[str, str], expected: str
) -> None:
    assert argument(tmp_path, value, environ) == expected


def test_an_empty_cli_value_takes_the_default_like_the_shell(tmp_path: Path) -> None:
    """`--env NODE_URL=` is an empty value: `:-` falls back, `-` keeps it empty."""
    text = SPEC.format(value='"${NODE_URL:-http://127.0.0.1:1}", "x${NODE_URL-unset}"')
    path = write_spec(tmp_path, "s.yaml", text)
    spec = load_spec(path, {"NODE_URL": ""}, {"NODE_URL": "http://from-environment"})
    target = spec.targets["python"]
    assert isinstance(target, CommandTarget)
    assert target.run[1:] == ("http://127.0.0.1:1", "x")


def test_an_empty_env_default_takes_the_inner_default(tmp_path: Path) -> None:
    text = "env: {GW: ''}\n" + SPEC.format(value='"${GW:-fallback}"')
    spec = load_spec(write_spec(tmp_path, "s.yaml", text), environ={})
    assert spec.targets["python"].run[1] == "fallback"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "environ", "message", "column", "hint"),
    [
        (
            "${A:?set A to the helper path}",
            {},
            "environment variable A is not set: set A to the helper path",
            21,
            "set it with --env A=VALUE",
        ),
        ("x ${A:?}", {"A": ""}, "environment variable A is empty", 23, "set it with --env A=VALUE"),
        ("${A?needed}", {}, "environment variable A is not set: needed", 21, "--env A=VALUE"),
        # The message may use variables too; the error is at the reference's `$`.
        ("${A:?no ${B:-b}}", {}, "environment variable A is not set: no b", 21, "--env A=VALUE"),
        ("${A:-${B}}", {}, "environment variable B is not set", 26, "${B:-value}"),
        # Unbalanced: the reference that is never closed, even when an inner one is.
        ("${GW:-http://h:${P}", {}, "unclosed ${ (missing })", 21, "a default's braces balance"),
        ("ok ${GW:-{x}", {}, "unclosed ${ (missing })", 24, "a default's braces balance"),
        ("${A:-${B:-x}", {}, "unclosed ${ (missing })", 21, "$$ is a literal $"),
        ("${A:+x}", {}, "bad variable reference ${A:+x}", 21, "${NAME:?message}"),
        ("${A:=x}", {}, "bad variable reference ${A:=x}", 21, "${NAME-default}"),
        ("${A:-${}}", {}, "bad variable reference ${}", 26, "a NAME is letters"),
    ],
)
def test_errors_name_the_reference_at_its_column(
    tmp_path: Path, value: str, environ: dict[str, str], message: str, column: int, hint: str
) -> None:
    text = error_of(tmp_path, value, environ)
    assert text.startswith(f"error: {message}\n  --> s.yaml:3:{column} (at targets.python.run[1])")
    assert "\n  = hint: " in text and hint in text.split("= hint: ")[1]


@pytest.mark.parametrize(
    ("head", "value", "hint"),
    [
        ("", "${A}", "set it with --yamlparity-env A=VALUE or give a default: ${A:-value}"),
        ("", "${A:?needed}", "set it with --yamlparity-env A=VALUE"),
        ("secrets: [API_TOKEN_X]\n", "x", "or pass --yamlparity-env API_TOKEN_X=VALUE"),
        ("secrets: [API_TOKEN_X]\nenv: {API_TOKEN_X: v}\n", "x", "--yamlparity-env API_TOKEN_X"),
    ],
)
def test_a_front_end_names_its_own_option_in_the_hints(
    tmp_path: Path, head: str, value: str, hint: str
) -> None:
    """pytest sets a variable with --yamlparity-env, not the CLI's --env: a hint says so."""
    path = write_spec(tmp_path, "s.yaml", head + SPEC.format(value=f"'{value}'"))
    with pytest.raises(SpecError) as info:
        load_spec(path, environ={}, env_option="--yamlparity-env")
    assert hint in str(info.value.hint)
    assert "--env" not in str(info.value.hint).replace("--yamlparity-env", "")


def test_a_default_not_taken_may_name_an_unset_variable_but_must_parse(tmp_path: Path) -> None:
    assert argument(tmp_path, "${A:-${MISSING}}", {"A": "x"}) == "x"
    assert "unclosed ${" in error_of(tmp_path, "${A:-${MISSING}", {"A": "x"})


def test_references_name_every_variable_defaults_included() -> None:
    assert references("${A:-x${B:-${C}}} $${D} ${E?m}") == ["A", "B", "C", "E"]
    assert references("${A:-") is None


def test_a_secret_behind_a_required_form_is_recognised(tmp_path: Path) -> None:
    """Credential checks read references with the same parser: `${TOKEN:?...}` is a secret's
    reference, not a credential written in the spec."""
    text = """\
    secrets: [TOKEN]
    targets:
      a:
        url: http://127.0.0.1:1
        headers: {Authorization: "Bearer ${TOKEN:?export TOKEN first}"}
      b: {url: "http://127.0.0.1:2"}
    cases: [{name: c, input: 1}]
    """
    spec = load_spec(write_spec(tmp_path, "s.yaml", text), environ={"TOKEN": "t0ken-value-long"})
    target = spec.targets["a"]
    assert isinstance(target, HttpTarget)
    assert target.headers["Authorization"] == "Bearer t0ken-value-long"
