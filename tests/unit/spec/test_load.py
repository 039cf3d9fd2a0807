"""load_spec on valid specs: YAML 1.2 scalars, exact numbers, interpolation, includes, paths."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from yamlparity.core.errors import SpecError
from yamlparity.core.jsonvalue import Number
from yamlparity.spec.load import find_specs, load_spec, schema
from yamlparity.spec.model import CommandTarget, HttpTarget

TARGETS = """\
targets:
  python:
    run: [python3, helper.py]
  node:
    run: [node, helper.js]
"""


# The example from docs/spec-format.md, command-shaped (HTTP parts are tested separately).
EXAMPLE = """\
# yaml-language-server: $schema=../../yamlparity/spec/schema/spec.schema.json
name: session_log
title: session_log parity probe — Python vs Node
description: Identical fixtures through each runtime's serializer.
include: [common/targets.yaml]
env:
  PY_HELPER: helper.py

targets:
  python:
    run: [python3, "${PY_HELPER}"]
    shell: false
    cwd: .
    env: {PYTHONIOENCODING: utf-8}
    timeout: 10
    build: [make, helper]
    build_timeout: 600
    when_missing: skip
    mode: process
    max_output: 16777216
  node:
    run: [node, helper.js]

stdin: "{{ case.input | tojson }}"
output: json

normalize:
  - del(.timestamp, .daemon)
  - rule: del(.elapsed_ms)
    targets: [node]
    facet: stdout

compare:
  facets: [stdout]
  numbers: literal
  arrays: ordered
  paths:
    .items: {arrays: multiset}
    .rows: {key: id}
    .price: {numbers: value, tolerance: {abs: 0.01, rel: 0.001}}
  baseline: python

expect:
  - path: $.ok
    exists: true
  - path: $.errors[0].kind
    equals: schema
    targets: [node]
    cases: ["unicode_*"]
  - path: $.id
    matches: "^[a-z]+-[0-9]+$"

known:
  - cases: ["unicode_*", raw_text]
    facets: [stdout]
    reason: serde-tagged enum vs flat Go struct
    link: https://tracker.example/DEC-12

cases:
  - name: unicode_in_prompt
    input:
      {session_id: trace-4, prompt: "Café résumé ⭐ 你好", n: 1.0, flag: no,
       big: 123456789012345678901234567890}
  - name: raw_text
    stdin: "hello\\n"
cases_from: [fixtures/*.jsonl, fixtures/more.json]

report:
  path: reports/session_log_parity.md
  template: templates/team.md.j2
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def spec_with_input(tmp_path: Path, input_yaml: str) -> object:
    path = write(tmp_path, "s.yaml", TARGETS + "cases:\n  - name: c\n    input:\n" + input_yaml)
    return load_spec(path, environ={}).cases[0].input


def test_yaml_12_core_scalars(tmp_path: Path) -> None:
    value = spec_with_input(
        tmp_path,
        "      a: no\n      b: yes\n      c: on\n      d: true\n      e: ~\n      f:\n"
        "      g: 1:20\n      h: 1_000\n      i: TRUE\n      j: Null\n",
    )
    assert value == {
        "a": "no",
        "b": "yes",
        "c": "on",
        "d": True,
        "e": None,
        "f": None,
        "g": "1:20",
        "h": "1_000",
        "i": True,
        "j": None,
    }


def test_number_literals_are_kept(tmp_path: Path) -> None:
    value = spec_with_input(
        tmp_path,
        "      a: 1.0\n      b: 1e2\n      c: 123456789012345678901234567890\n      d: +1\n"
        "      e: 0x1F\n      f: .5\n      g: 0o17\n      h: -0\n      i: 007\n      j: 1.\n",
    )
    assert value == {
        "a": Number("1.0"),
        "b": Number("1e2"),
        "c": Number("123456789012345678901234567890"),
        "d": Number("1"),
        "e": Number("31"),
        "f": Number("0.5"),
        "g": Number("15"),
        "h": Number("-0"),
        "i": Number("7"),
        "j": Number("1.0"),
    }


def test_fixture_numbers_are_kept(tmp_path: Path) -> None:
    write(tmp_path, "fx/a.jsonl", '{"name": "a", "input": {"n": 1.0, "big": 9007199254740993}}\n')
    write(tmp_path, "fx/b.json", '{"b": [1e2, 0.10]}')
    write(tmp_path, "fx/c.json", '[{"name": "c", "input": -0}]')
    spec = load_spec(write(tmp_path, "s.yaml", TARGETS + "cases_from: [fx/*.json*]\n"), environ={})
    cases = {c.name: c for c in spec.cases}
    assert cases["a"].input == {"n": Number("1.0"), "big": Number("9007199254740993")}
    assert cases["b"].input == [Number("1e2"), Number("0.10")]
    assert cases["c"].input == Number("-0")
    assert cases["a"].location.line == 1


def test_interpolation_precedence(tmp_path: Path) -> None:
    text = """\
    env:
      A: from-spec
      B: from-spec
      C: from-spec
      D: "${HOME_X:-dflt}-${HOME_X}"
    targets:
      python:
        run: [python3, "${A}", "${B}", "${C}", "${D}", "$${A}", "${NOPE:-fallback}"]
      node:
        run: [node, helper.js]
    cases:
      - name: c
        input: "${A}"
    """
    path = write(tmp_path, "s.yaml", text)
    spec = load_spec(path, {"A": "from-cli"}, {"A": "from-env", "B": "from-env", "HOME_X": "h"})
    target = spec.targets["python"]
    assert isinstance(target, CommandTarget)
    assert target.run == ("python3", "from-cli", "from-env", "from-spec", "h-h", "${A}", "fallback")
    assert spec.cases[0].input == "${A}"  # case data is never interpolated
    assert spec.env == {"A": "from-cli", "B": "from-env", "C": "from-spec", "D": "h-h"}


def test_unset_variable_names_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.yaml",
        TARGETS.replace("helper.py", '"${MISSING_ONE}"') + "cases: [{name: c}]\n",
    )
    with pytest.raises(SpecError) as info:
        load_spec(path, environ={})
    assert "MISSING_ONE" in info.value.message
    assert info.value.hint is not None and "--env MISSING_ONE=VALUE" in info.value.hint
    assert info.value.location is not None and info.value.location.line == 3


def test_port_stays_literal_in_http_targets(tmp_path: Path) -> None:
    text = """\
    targets:
      rust:
        url: "http://127.0.0.1:${port}"
        port: auto
        headers: {X-Port: "${port}"}
        service: {run: [./server, "${port}"], ready: {http: /health}}
      go:
        url: http://127.0.0.1:${GO_PORT:-4110}
    request: {path: "/v1/validate", headers: {X-Case: "{{ case.name }}"}}
    cases: [{name: c, input: {a: 1}}]
    expect: [{status: 200}]
    """
    spec = load_spec(write(tmp_path, "s.yaml", text), environ={})
    rust, go = spec.targets["rust"], spec.targets["go"]
    assert isinstance(rust, HttpTarget) and isinstance(go, HttpTarget)
    assert rust.url == "http://127.0.0.1:${port}" and rust.port == "auto"
    assert rust.headers == {"X-Port": "${port}"}
    assert rust.service is not None and rust.service.run == ("./server", "${port}")
    assert rust.service.ready_http == "/health"
    assert go.url == "http://127.0.0.1:4110"
    assert spec.kind == "http" and spec.compare.facets == ("status", "body")
    assert spec.request is not None and spec.request.path == "/v1/validate"
    # No json:/body: written: the method decides at run time (the case input for POST).
    assert spec.request.json is None and not spec.request.has_json and not spec.request.no_body
    assert spec.expectations[0].kind == "status"


def test_includes_merge_and_override(tmp_path: Path) -> None:
    write(
        tmp_path,
        "common/base.yaml",
        """\
    include: [more.yaml]
    targets:
      node: {run: [node, helper.js], timeout: 5}
      python: {run: [python3, base.py], env: {A: "1"}}
    normalize: [del(.a)]
    """,
    )
    write(tmp_path, "common/more.yaml", "normalize: [del(.z)]\noutput: jsonl\n")
    spec_path = write(
        tmp_path,
        "s.yaml",
        """\
    include: [common/base.yaml]
    targets:
      python: {run: [python3, own.py], env: {B: "2"}}
    normalize: [del(.b)]
    cases: [{name: c}]
    """,
    )
    spec = load_spec(spec_path, environ={})
    python, node = spec.targets["python"], spec.targets["node"]
    assert isinstance(python, CommandTarget) and isinstance(node, CommandTarget)
    assert list(spec.targets) == ["python", "node"]
    assert python.run == ("python3", "own.py") and python.env == {"A": "1", "B": "2"}
    assert node.timeout == 5.0 and spec.output == "jsonl"
    assert [r.text for r in spec.rules] == ["del(.z)", "del(.a)", "del(.b)"]
    assert spec.rules[1].location.file.endswith("common/base.yaml")
    assert spec.rules[2].location.line == 4


def test_error_inside_included_file_points_there(tmp_path: Path) -> None:
    write(tmp_path, "inc.yaml", "targets:\n  node:\n    run: [node]\n    timout: 3\n")
    spec_path = write(
        tmp_path, "s.yaml", "include: [inc.yaml]\n" + TARGETS + "cases: [{name: c}]\n"
    )
    with pytest.raises(SpecError) as info:
        load_spec(spec_path, environ={})
    assert info.value.location is not None
    assert info.value.location.file.endswith("inc.yaml") and info.value.location.line == 4
    assert "did you mean 'timeout'" in (info.value.hint or "")


def test_merge_keys(tmp_path: Path) -> None:
    # anchors live inside real keys (a spec has no free-form `defaults:` section)
    text = """\
    targets:
      python: &d {run: [python3, helper.py], timeout: 7}
      node:
        <<: *d
        run: [node, helper.js]
    cases: [{name: c, input: {<<: {a: 1, b: 2}, b: 3}}]
    """
    spec = load_spec(write(tmp_path, "s.yaml", text), environ={})
    node = spec.targets["node"]
    assert isinstance(node, CommandTarget)
    assert node.run == ("node", "helper.js") and node.timeout == 7.0
    assert spec.cases[0].input == {"a": Number("1"), "b": Number("3")}


def test_relative_paths_resolve_against_spec_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "probe/fx/a.jsonl", '{"name": "a"}\n')
    write(tmp_path, "probe/t.md.j2", "{{ spec.name }}\n")
    spec_path = write(
        tmp_path,
        "probe/s.yaml",
        """\
    targets:
      python: {run: [python3, helper.py], cwd: helpers}
      node: {run: [node, helper.js]}
    cases_from: fx/a.jsonl
    report: {path: out/r.md, template: t.md.j2}
    """,
    )
    monkeypatch.chdir(tmp_path)
    spec = load_spec(Path("probe/s.yaml"), environ={})
    folder = spec_path.parent.resolve()
    assert spec.file == spec_path.resolve()
    assert spec.targets["python"].cwd == folder / "helpers"  # type: ignore[union-attr]
    assert spec.targets["node"].cwd == folder  # type: ignore[union-attr]
    assert spec.report.path == folder / "out/r.md"
    assert spec.report.template == folder / "t.md.j2"
    assert spec.cases[0].location.file == "probe/fx/a.jsonl"
    assert spec.name == "s" and spec.title == "s"


def test_fixture_outside_allowed_with_flag(tmp_path: Path) -> None:
    write(tmp_path, "shared/a.jsonl", '{"name": "a"}\n')
    spec_path = write(tmp_path, "probe/s.yaml", TARGETS + "cases_from: [../shared/a.jsonl]\n")
    with pytest.raises(SpecError):
        load_spec(spec_path, environ={})
    assert load_spec(spec_path, environ={}, allow_outside=True).cases[0].name == "a"


def test_rule_error_column_points_inside_expression(tmp_path: Path) -> None:
    spec_path = write(
        tmp_path, "s.yaml", TARGETS + "cases: [{name: c}]\nnormalize:\n  - rule: 'del(.a | )'\n"
    )
    with pytest.raises(SpecError) as info:
        load_spec(spec_path, environ={})
    location = info.value.location
    assert location is not None and location.line == 8
    # the scalar starts at column 11 (the quote); ')' is the 10th character of the rule
    assert location.column == 11 + 1 + 9


def test_example_shaped_spec_loads(tmp_path: Path) -> None:
    write(tmp_path, "common/targets.yaml", "targets:\n  node: {timeout: 5}\n")
    write(tmp_path, "fixtures/a.jsonl", '{"name": "fx_one", "input": {"x": 1}}\n')
    write(tmp_path, "fixtures/more.json", '{"fx_two": [1, 2]}')
    write(tmp_path, "templates/team.md.j2", '{% extends "report.md.j2" %}\n')
    spec_path = write(tmp_path, "session_log.yaml", EXAMPLE)
    spec = load_spec(spec_path, environ={})
    assert spec.name == "session_log" and spec.kind == "command"
    assert [c.name for c in spec.cases] == ["unicode_in_prompt", "raw_text", "fx_one", "fx_two"]
    assert spec.compare.baseline == "python" and len(spec.compare.paths) == 3
    assert spec.known[0].cases == ("unicode_*", "raw_text")
    assert spec.rules[1].targets == frozenset({"node"})
    assert spec.stdin == "{{ case.input | tojson }}"


def test_find_specs(tmp_path: Path) -> None:
    write(tmp_path, "a/one.yaml", TARGETS + "cases: [{name: c}]\n")
    write(tmp_path, "a/sub/two.yml", TARGETS + "cases_from: [x.jsonl]\n")
    write(tmp_path, "a/common/fragment.yaml", TARGETS)
    write(tmp_path, "a/.hidden/three.yaml", TARGETS + "cases: [{name: c}]\n")
    write(tmp_path, "a/broken.yaml", "cases: [\n")
    write(tmp_path, "a/rows.yaml", "- {name: r1, input: 1}\n- {name: r2, input: 2}\n")
    write(tmp_path, "a/scalar.yaml", "just text\n")
    write(tmp_path, "a/listed.yaml", "- targets: {a: {run: [cat]}}\n  cases: [{name: c}]\n")
    explicit = write(tmp_path, "b/frag.yaml", TARGETS)
    found = find_specs([tmp_path / "a", explicit])
    names = [p.name for p in found]
    # A list is a YAML fixture's rows (cases_from reads them): not a spec, unless its items
    # have targets (a spec written as a list item, which load_spec reports). Anything else
    # that is not a mapping is reported by load_spec too.
    assert names == [
        "broken.yaml",
        "listed.yaml",
        "one.yaml",
        "scalar.yaml",
        "two.yml",
        "frag.yaml",
    ]
    with pytest.raises(SpecError):
        find_specs([tmp_path / "nowhere"])
    with pytest.raises(SpecError):
        find_specs([tmp_path / "a" / "common"])


def test_schema_documents_every_property() -> None:
    missing: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                for field in ("description", "examples"):
                    if field not in prop:
                        missing.append(f"{where}.{name}: {field}")
                if "default" not in prop and name not in node.get("required", []):
                    missing.append(f"{where}.{name}: default")
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(schema(), "$")
    assert missing == []


def test_a_fixture_named_as_a_spec_is_refused_with_what_it_is(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"name": "c", "input": 1}\n')
    with pytest.raises(SpecError) as info:
        find_specs([rows])
    assert info.value.message == f"not a spec: {rows} is a JSONL file"
    assert info.value.hint is not None and "cases_from" in info.value.hint


def test_a_missing_spec_path_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        find_specs([tmp_path / "specs"])
    assert info.value.message == f"no such file or folder: {tmp_path / 'specs'}"
    assert info.value.hint is not None and "yamlparity run specs/probe.yaml" in info.value.hint


def test_workers_one_on_a_process_target_is_accepted(tmp_path: Path) -> None:
    spec = tmp_path / "w.yaml"
    spec.write_text(
        "targets:\n  a: {run: [python3, x.py], workers: 1}\n  b: {run: [python3, x.py]}\n"
        "cases:\n  - {name: c, input: 1}\n"
    )
    assert load_spec(spec).targets["a"].workers == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "template",
    [
        "{{ case.input | tojson }}",
        "{{ case['input'].a }} {{ case.name }} {{ case.vars.x | default(1) }}",
        "{% for k, v in case.items() %}{{ k }}{% endfor %}{{ case.get('vars') }}",
        "{% macro show(case) %}{{ case.a }}{% endmacro %}{{ show(case.input) }}",
        "{% for case in [case.input] %}{{ case.a }}{% endfor %}",
        "{% set n = namespace(k=0) %}{% for i in range(2) %}{{ loop.index }}{% endfor %}",
        "{% raw %}{{ anything }}{% endraw %}",
    ],
)
def test_case_templates_users_write_load(tmp_path: Path, template: str) -> None:
    spec = write(tmp_path, "t.yaml", TARGETS + "cases: [{name: c, input: {a: 1}}]\n")
    spec.write_text(spec.read_text() + f"stdin: {json.dumps(template)}\n")
    assert load_spec(spec, environ={}).stdin == template


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ case.inptu }}", "`case.inptu` in the template: a case has name, input, vars"),
        ("{{ item.id }}", "unknown name `item` in the template: a case's templates see `case`"),
        ("{{ case.input | tostring }}", "template error: No filter named 'tostring'."),
    ],
)
def test_case_templates_that_would_fail_every_case_fail_the_load(
    tmp_path: Path, template: str, message: str
) -> None:
    spec = write(tmp_path, "t.yaml", TARGETS + "cases: [{name: c, input: {a: 1}}]\n")
    spec.write_text(spec.read_text() + f"stdin: {json.dumps(template)}\n")
    with pytest.raises(SpecError) as caught:
        load_spec(spec, environ={})
    assert caught.value.message == message


def test_the_case_keys_the_load_checks_are_those_a_case_template_receives() -> None:
    """spec/load.py refuses `case.X` for any X the run's template context (run/plan.py) does
    not give: the two lists must stay one."""
    from yamlparity.core.errors import Location
    from yamlparity.run.plan import context_for
    from yamlparity.spec.load import _CASE_KEYS
    from yamlparity.spec.model import Case

    given = context_for(Case("c", Location("t.yaml"), {"a": 1}))["case"]
    assert tuple(given) == _CASE_KEYS


def test_a_spec_whose_cases_key_is_misspelt_is_found_not_skipped(tmp_path: Path) -> None:
    """`case:` or `cases_form:` made discovery skip the file as if it were an include fragment:
    the spec never ran and nobody knew. A file with `targets:` and a key no fragment may hold,
    or with `targets:`/`include:` and a key close to `cases`, is a spec (load_spec reports it);
    a fragment, a fixture and another tool's YAML are still skipped."""
    write(tmp_path, "a/typo.yaml", "name: typo\n" + TARGETS + "case: [{name: c}]\n")
    write(tmp_path, "a/form.yaml", TARGETS + "cases_form: [rows.jsonl]\n")
    write(tmp_path, "a/forgot.yaml", "name: forgot\n" + TARGETS)
    write(tmp_path, "a/inc.yaml", "include: [common/fragment.yaml]\ncasess: [{name: c}]\n")
    write(tmp_path, "a/common/fragment.yaml", TARGETS + "normalize: [del(.ts)]\n")
    write(tmp_path, "a/ci.yml", "include: [{template: x.yml}]\nstages: [test]\n")
    write(tmp_path, "a/rows.yaml", "- {name: r1, input: 1}\n")
    # No targets (they come from nowhere yet): a spec only beyond doubt, a key close to
    # `cases` beside two keys of a spec; another tool's `name:` + `case:` is not one.
    write(tmp_path, "a/bare.yaml", "name: bare\nrequest: {method: GET}\ncase: [{name: c}]\n")
    write(tmp_path, "a/other.yaml", "name: other tool\ncase: sensitive\n")
    names = [p.name for p in find_specs([tmp_path / "a"])]
    assert names == ["bare.yaml", "forgot.yaml", "form.yaml", "inc.yaml", "typo.yaml"]
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "a" / "form.yaml")
    assert info.value.message == "unknown key 'cases_form' in the top level"
    assert info.value.hint == "did you mean 'cases_from'?"


def test_a_folder_of_fragments_only_says_which_files_it_took_for_fragments(
    tmp_path: Path,
) -> None:
    write(tmp_path, "parts/services.yaml", TARGETS)
    with pytest.raises(SpecError) as info:
        find_specs([tmp_path / "parts"])
    assert info.value.message == f"no spec found under {tmp_path / 'parts'}"
    assert info.value.hint is not None
    assert "one file with `targets:` but no cases, taken for an include fragment" in info.value.hint
    assert str(tmp_path / "parts" / "services.yaml") in info.value.hint
