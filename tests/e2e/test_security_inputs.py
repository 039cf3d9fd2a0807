"""Untrusted case data and spec files cannot run code: safe YAML, no shell interpolation of
case data, sandboxed templates, escaped HTML. Real CLI, real programs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import (
    PROGRAMS,
    run_cli,
    tally,
    write_spec,
)
from tests.support.paths import HELPER_PY
from yamlparity.core.errors import SpecError
from yamlparity.spec.load import load_spec

FAULTY = PROGRAMS / "faulty.py"

HOSTILE = [
    "$(touch PWNED1)",
    "`touch PWNED2`",
    "; touch PWNED3; rm -rf victim ;",
    "'; touch PWNED4; '",
    '"; touch PWNED5; "',
    "| touch PWNED6",
    "&& rm -rf victim",
    "${IFS}touch${IFS}PWNED7",
    "{{ 7 * 7 }} {% raw %}",
    "\n touch PWNED8 \n",
]


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch PWNED']",
        "!!python/object/new:subprocess.Popen [['touch', 'PWNED']]",
        "!!python/name:os.system",
        "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch PWNED']",
        "!custom {a: 1}",
    ],
)
def test_language_specific_tags_are_refused(tmp_path: Path, tag: str) -> None:
    spec = write_spec(
        tmp_path,
        "tagged.yaml",
        f"""\
targets:
  a: {{run: [{HELPER_PY}, {FAULTY}, echo]}}
  b: {{run: [{HELPER_PY}, {FAULTY}, echo]}}
cases:
  - name: one
    input: {tag}
""",
    )
    with pytest.raises(SpecError) as caught:
        load_spec(spec, environ={})
    assert "tag" in caught.value.message
    assert caught.value.location is not None and caught.value.location.line == 6
    assert not (tmp_path / "PWNED").exists()


def test_case_data_never_reaches_a_shell(tmp_path: Path) -> None:
    """A `shell: true` target, and a stdin template over the data: the data travels on stdin."""
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "keep").write_text("still here")
    cases = "\n".join(
        f"  - name: hostile{i}\n    input: {{cmd: {json.dumps(text)}}}"
        for i, text in enumerate(HOSTILE)
    )
    spec = write_spec(
        tmp_path,
        "shell.yaml",
        f"""\
targets:
  via_shell:
    run: "{HELPER_PY} {FAULTY} echo"
    shell: true
  via_argv:
    run: [{HELPER_PY}, {FAULTY}, echo]
stdin: '{{"cmd": {{{{ case.input.cmd | tojson }}}}, "name": {{{{ case.name | tojson }}}}}}'
cases:
{cases}
""",
    )
    proc = run_cli("run", str(spec), "--report-dir", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    counts, total = tally(proc.stdout)
    assert total == len(HOSTILE) == counts["match"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "shell.yaml", "victim"]
    assert (tmp_path / "victim" / "keep").read_text() == "still here"


def test_case_data_is_not_rendered_as_a_template(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        "echo.yaml",
        f"""\
targets:
  a: {{run: [{HELPER_PY}, {FAULTY}, echo]}}
  b: {{run: [{HELPER_PY}, {FAULTY}, echo]}}
cases:
  - name: braces
    input: {{text: "{{{{ 7 * 7 }}}} ${{HOME}}"}}
""",
    )
    proc = run_cli("run", str(spec), "--report-dir", "out", "-v", cwd=tmp_path)
    assert proc.returncode == 0
    spec_loaded = load_spec(spec, environ={})
    assert spec_loaded.cases[0].input == {"text": "{{ 7 * 7 }} ${HOME}"}


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "{{ spec.__class__.__base__.__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
]


@pytest.mark.parametrize("escape", SANDBOX_ESCAPES)
def test_report_templates_are_sandboxed(tmp_path: Path, escape: str) -> None:
    (tmp_path / "evil.md.j2").write_text(f"# report\n{escape}\n")
    spec = write_spec(
        tmp_path,
        "evil.yaml",
        f"""\
targets:
  a: {{run: [{HELPER_PY}, {FAULTY}, echo]}}
  b: {{run: [{HELPER_PY}, {FAULTY}, echo]}}
cases:
  - {{name: one, input: {{a: 1}}}}
report: {{template: evil.md.j2}}
""",
    )
    proc = run_cli("run", str(spec), "--report-dir", "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert "report template failed" in proc.stderr
    assert "evil.md.j2:2" in proc.stderr
    assert not (tmp_path / "PWNED").exists()
    report = tmp_path / "out" / "evil.md"
    assert not report.exists() or "subclasses" not in report.read_text()
    assert "<class" not in proc.stdout + proc.stderr


def test_stdin_templates_are_sandboxed(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        "evil_stdin.yaml",
        f"""\
targets:
  a: {{run: [{HELPER_PY}, {FAULTY}, echo]}}
  b: {{run: [{HELPER_PY}, {FAULTY}, echo]}}
stdin: "{{{{ case.input.__class__.__mro__[1].__subclasses__() }}}}"
cases:
  - {{name: one, input: {{a: 1}}}}
""",
    )
    proc = run_cli("run", str(spec), "--report-dir", "out", "-v", cwd=tmp_path)
    assert proc.returncode == 1
    assert "ERROR one: could not render the input" in proc.stdout
    assert "<class" not in proc.stdout + (tmp_path / "out" / "evil_stdin.md").read_text()
    # On `case` itself the attribute is refused before anything runs: a case has no such key.
    text = spec.read_text().replace("case.input.__class__", "case.__class__")
    spec.write_text(text)
    proc = run_cli("run", str(spec), "--report-dir", "out2", "-v", cwd=tmp_path)
    assert proc.returncode == 2
    assert "`case.__class__` in the template" in proc.stderr
    assert "<class" not in proc.stdout + proc.stderr
    assert not (tmp_path / "out2").exists()


def test_html_report_escapes_target_data(tmp_path: Path) -> None:
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    spec = write_spec(
        tmp_path,
        "html.yaml",
        f"""\
targets:
  a: {{run: [{HELPER_PY}, {FAULTY}, echo]}}
  b: {{run: [{HELPER_PY}, {FAULTY}, exit3]}}
cases:
  - name: xss
    input: {{html: {json.dumps(payload)}}}
""",
    )
    proc = run_cli("run", str(spec), "--report-dir", "out", "--format", "html", cwd=tmp_path)
    html = "\n".join(p.read_text("utf-8") for p in (tmp_path / "out").glob("*.html"))
    assert html, proc.stdout + proc.stderr
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the data is there, escaped
    assert "<script>alert" not in html and "<img src=x" not in html
