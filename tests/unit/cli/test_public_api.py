"""The public surface is what yamlparity/__init__.py exports, and it works end to end."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import yamlparity
from tests.support.paths import HELPER_PY


def test_exported_members() -> None:
    assert sorted(yamlparity.__all__) == sorted(
        [
            "__version__",
            "load_spec",
            "find_specs",
            "run_spec",
            "RunOptions",
            "render",
            "Spec",
            "SpecResult",
            "CaseResult",
            "SpecError",
        ]
    )
    for name in yamlparity.__all__:
        assert getattr(yamlparity, name) is not None


def test_load_run_render_from_python(tmp_path: Path) -> None:
    (tmp_path / "echo.py").write_text("import sys; sys.stdout.write(sys.stdin.read())\n")
    spec_file = tmp_path / "p.yaml"
    spec_file.write_text(
        textwrap.dedent(
            f"""
            targets:
              a: {{run: [{HELPER_PY}, echo.py]}}
              b: {{run: [{HELPER_PY}, echo.py]}}
            cases:
              - {{name: x, input: {{n: 1.0}}}}
            """
        )
    )
    spec = yamlparity.load_spec(spec_file)
    result = yamlparity.run_spec(spec)
    assert [case.verdict for case in result.cases] == ["MATCH"]
    assert "**Tally:** 1 match" in yamlparity.render(result)


def test_version_does_not_import_heavy_modules() -> None:
    code = (
        "import sys, yamlparity.cli.main as c\n"
        "heavy = [m for m in ('jsonschema', 'jinja2', 'urllib3', 'requests', 'yaml') "
        "if m in sys.modules]\n"
        "print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
