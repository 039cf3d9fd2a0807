"""Fuzz: whatever a spec file holds, load_spec returns a Spec or raises SpecError."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yamlparity.core.errors import SpecError
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec

VALID = """\
name: fuzz
env: {HELPER: helper.py}
targets:
  python: &t
    run: [python3, "${HELPER}"]
    timeout: 10
    env: {A: "1"}
  node:
    <<: *t
    run: [node, helper.js]
stdin: "{{ case.input | tojson }}"
normalize:
  - del(.timestamp, .daemon)
  - {rule: del(.x), targets: [node], facet: stdout}
compare: {facets: [stdout, exit_code], paths: {.items: {arrays: multiset}}, baseline: python}
expect:
  - {path: $.ok, exists: true, cases: ["c*"]}
known:
  - {cases: [c1], reason: tracked, facets: [stdout]}
cases:
  - name: c1
    input: {a: 1.0, b: [1, 2, "x"], c: no, d: ~}
  - name: c2
    stdin: "hello\\n"
report: {template: team.md.j2}
"""
TEMPLATE = """\
{% extends "report.md.j2" %}
{% block intro %}{{ spec.title | upper }} {% for c in cases if c.verdict != "MATCH" %}{{ c.name }}
{%- endfor %}{% endblock %}
"""

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_DIR = Path(tempfile.mkdtemp(prefix="yamlparity-fuzz-"))
atexit.register(shutil.rmtree, _DIR, True)  # one folder per process, else left in /tmp


def outcome(text: str, template: str = TEMPLATE) -> Spec | SpecError:
    (_DIR / "team.md.j2").write_text(template, "utf-8", errors="surrogatepass")
    path = _DIR / "spec.yaml"
    path.write_text(text, "utf-8", errors="surrogatepass")
    try:
        return load_spec(path, environ={})
    except SpecError as exc:
        assert exc.message and exc.location is not None
        assert "Traceback" not in exc.render()
        return exc


def test_the_seed_is_valid() -> None:
    assert isinstance(outcome(VALID), Spec)


_CHARS = st.sampled_from([*":-[]{}\"'#&*!|>,%@`\t\n ${}.0123456789aeE<", "\x00", "\u00e9"])


@st.composite
def mutated(draw: Any) -> str:
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        op = draw(st.sampled_from(["del_char", "ins_char", "dup_line", "del_line", "swap"]))
        if op in ("del_char", "ins_char"):
            at = draw(st.integers(0, len(text)))
            text = text[:at] + (draw(_CHARS) if op == "ins_char" else "") + text[at + 1 :]
        else:
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if op == "dup_line":
                lines.insert(j, lines[i])
            elif op == "del_line":
                del lines[i]
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@FUZZ
@given(mutated())
def test_mutated_specs_never_crash(text: str) -> None:
    outcome(text)


_KEYS = st.sampled_from(
    [
        "targets",
        "cases",
        "run",
        "url",
        "name",
        "input",
        "normalize",
        "compare",
        "expect",
        "known",
        "env",
        "timeout",
        "port",
        "include",
        "cases_from",
        "a",
        "<<",
        "stdin",
        "request",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=8),
)
_TREES = st.recursive(
    _SCALARS,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(_KEYS, kids, max_size=5)),
    max_leaves=25,
)


_RULE_PIECES = st.sampled_from(
    [*".[]()|=,\"'$ ", "del", "mask", "sort_by", "..", ".a", "[0]", "[]", "|=", "\\", "\u00e9"]
)
_TEMPLATE_PIECES = st.sampled_from(
    ["{{", "}}", "{%", "%}", "{#", "#}", " if ", " for ", "endfor", "endblock", "|", "'", "\n"]
)


def _splice(draw: Any, text: str, pieces: st.SearchStrategy[str]) -> str:
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3))
        text = text[:at] + draw(pieces) + text[at + cut :]
    return text


@st.composite
def mutated_rules_and_templates(draw: Any) -> tuple[str, str]:
    """The seed spec with its rule texts, its stdin template and its report template spliced:
    these reach the rule parser and Jinja through the loader."""
    # One part mutated per example, so an error early in the loader does not hide the others.
    part = draw(st.sampled_from(["rule", "stdin", "report"]))
    rule, stdin, template = "del(.timestamp, .daemon)", "{{ case.input | tojson }}", TEMPLATE
    if part == "rule":
        rule = _splice(draw, rule, _RULE_PIECES).replace("\n", " ")
    elif part == "stdin":
        stdin = _splice(draw, stdin, _TEMPLATE_PIECES)
    else:
        template = _splice(draw, template, _TEMPLATE_PIECES)
    text = VALID.replace("del(.timestamp, .daemon)", rule)
    text = text.replace('"{{ case.input | tojson }}"', yaml.safe_dump(stdin).split("\n...")[0])
    return text, template


@FUZZ
@given(mutated_rules_and_templates())
def test_mutated_rules_and_templates_never_crash(pair: tuple[str, str]) -> None:
    outcome(*pair)


@FUZZ
@given(st.dictionaries(_KEYS, _TREES, max_size=6))
def test_random_structures_never_crash(tree: dict[str, Any]) -> None:
    outcome(yaml.safe_dump(tree, allow_unicode=True))
