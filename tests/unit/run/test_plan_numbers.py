"""Templates compute with case numbers by value and still print their exact literals."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY
from yamlparity.core import jsonvalue
from yamlparity.core.errors import Location
from yamlparity.core.jsonvalue import Number
from yamlparity.core.numbers import NumberView, to_exact, to_view
from yamlparity.run.plan import render_native, render_text
from yamlparity.spec.model import Case, RequestTemplate
from yamlparity.spec.templates import template_env

INPUT = jsonvalue.loads('{"n": 7, "f": 2.50, "t": true, "l": [1, 2], "big": 12345678901234567890}')


def case(data: Any = INPUT) -> Case:
    return Case(name="c", location=Location("spec.yaml"), input=data)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ case.input.n | int }}", "7"),
        ("{{ case.input.f | float }}", "2.5"),
        ("{{ case.input.f }}", "2.50"),  # the literal, not the float
        ("{{ case.input.f | tojson }}", "2.50"),
        ("{{ case.input.l | tojson }}", "[1,2]"),
        ("{% if case.input.n == 7 %}yes{% else %}no{% endif %}", "yes"),
        ("{% if case.input.f == 2.5 %}yes{% else %}no{% endif %}", "yes"),
        ("{{ case.input.n is number }}", "True"),
        ("{{ case.input.t == 1 }}", "False"),  # a boolean is never a number
        ("{{ case.input.l[1] == true }}", "False"),
        (
            "{{ case.input.t is true }}{{ case.input.t is boolean }}{{ not case.input.t }}",
            "TrueTrueFalse",
        ),
        ("{% if case.input.t == true %}yes{% endif %}", "yes"),
        ("{{ case.input.n + 1 }}", "8"),
        ("{{ case.input.n > 3 }}", "True"),
        ("{{ case.input.l | sum }}", "3"),
        ("{{ case.input.l | max }}", "2"),
        ("{{ [case.input.n, 3, case.input.f] | sort | join(',') }}", "2.50,3,7"),
        ("{{ case.input.f | round }}", "2.0"),
        ("{{ case.input.big + 1 }}", "12345678901234567891"),  # integers stay exact
        ("{{ '%05.1f' | format(case.input.f) }}", "002.5"),
        ("{{ [10, 20, 30][case.input.l[0]] }}", "20"),
    ],
)
def test_text_templates_compute_by_value(source: str, expected: str) -> None:
    assert render_text(source, case()) == expected


def test_native_results_become_exact_json() -> None:
    template = {
        "len": "{{ case.input.l | length }}",
        "sum": "{{ case.input.n + case.input.f }}",
        "f": "{{ case.input.f }}",
        "big": "{{ case.input.big }}",
        "top": "{{ case.input.l | max }}",
        "list": "{{ case.input.l }}",
        "doubled": "{{ case.input.l | map('int') | list }}",
        "flag": "{{ case.input.t }}",
    }
    rendered = render_native(template, case())
    assert jsonvalue.dumps(rendered, sort_keys=False) == (
        '{"len":2,"sum":9.5,"f":2.50,"big":12345678901234567890,"top":2,"list":[1,2],'
        '"doubled":[1,2],"flag":true}'
    )
    # Only plain Numbers leave the template: the comparator must never see a view.
    assert all(type(v) is Number for v in jsonvalue.iter_leaves(rendered) if isinstance(v, Number))
    assert not any(isinstance(v, NumberView) for _, v in jsonvalue.iter_leaves(rendered))


def test_default_body_keeps_the_input_object() -> None:
    data = case()
    assert render_native("{{ case.input }}", data) is data.input  # the fast path: no copy


def test_views_are_numbers_by_value_but_never_booleans() -> None:
    one = NumberView("1")
    assert one == 1 and one == 1.0 and one == NumberView("1.0")
    assert one != True  # noqa: E712 - the point of the test
    assert hash(one) == hash(1)
    assert not NumberView("0")
    with pytest.raises(TypeError):
        [1, 2][NumberView("1.5")]
    with pytest.raises(TypeError):
        _ = one < "a"


def test_to_exact_rejects_what_json_cannot_hold() -> None:
    with pytest.raises(ValueError, match="not representable"):
        to_exact(float("inf"))
    with pytest.raises(TypeError, match="not a JSON value: set"):
        to_exact({1, 2})
    assert to_exact(to_view(INPUT)) == INPUT  # round trip keeps every literal


def test_request_json_renders_lengths(tmp_path: Path) -> None:
    from yamlparity.run.plan import _merged_request

    merged = _merged_request(RequestTemplate(), {"json": {"k": "{{ case.input.l | length }}"}})
    assert jsonvalue.dumps(render_native(merged["json"], case())) == '{"k":2}'


def test_tojson_filter_is_registered() -> None:
    assert template_env().filters["tojson"](to_view(INPUT["l"])) == "[1,2]"  # type: ignore[index]


def test_stdin_template_through_the_cli(tmp_path: Path) -> None:
    """A real run: the helper echoes the rendered stdin; expectations check what it got."""
    echo = tmp_path / "echo.py"
    echo.write_text("import sys\nsys.stdout.write(sys.stdin.read())\n")
    stdin = (
        '{"i": {{ case.input.n | int }}, "next": {{ case.input.n + 1 }}, '
        '"seven": {{ (case.input.n == 7) | tojson }}, "one": {{ (case.input.t == 1) | tojson }}, '
        '"total": {{ case.input.l | sum }}, "f": {{ case.input.f }}}'
    )
    spec = tmp_path / "s.yaml"
    spec.write_text(
        textwrap.dedent(
            f"""
            name: numbers
            targets:
              a: {{run: [{HELPER_PY}, {echo}]}}
              b: {{run: [{HELPER_PY}, {echo}]}}
            stdin: {json.dumps(stdin)}
            expect:
              - {{path: $.i, equals: 7}}
              - {{path: $.next, equals: 8}}
              - {{path: $.seven, equals: true}}
              - {{path: $.one, equals: false}}
              - {{path: $.total, equals: 3}}
              - {{path: $.f, equals: 2.50}}
            cases:
              - name: c
                input: {{n: 7, f: 2.50, t: true, l: [1, 2]}}
            """
        )
    )
    done = run_cli("run", str(spec), "--report-dir", str(tmp_path), cwd=Path.cwd(), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 match" in done.stdout


def test_lists_render_literals_and_number_tests_follow_the_literal() -> None:
    from yamlparity.core.errors import Location
    from yamlparity.core.jsonvalue import Number
    from yamlparity.run.plan import render_text
    from yamlparity.spec.model import Case

    case = Case(
        name="c",
        location=Location("t.yaml"),
        input={"ids": [Number("1"), Number("2.50")], "n": Number("7"), "f": Number("1e2")},
    )
    assert render_text("{{ case.input.ids }}", case) == "[1,2.50]"  # JSON text
    assert (
        render_text(
            "{{ case.input.n is integer }} {{ case.input.n is float }} "
            "{{ case.input.f is integer }} {{ case.input.f is float }}",
            case,
        )
        == "True False False True"
    )


def test_booleans_print_as_json_spells_them() -> None:
    from yamlparity.core.errors import Location
    from yamlparity.run.plan import render_text
    from yamlparity.spec.model import Case

    case = Case(name="c", location=Location("t.yaml"), input={"t": True, "l": [True, False]})
    assert render_text("{{ case.input.t }} {{ case.input.l }}", case) == "true [true,false]"
    assert render_text("{{ 'y' if case.input.t else 'n' }}", case) == "y"
