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


def test_a_command_run_loads_no_http_client_nor_regex_engine(tmp_path: Path) -> None:
    """pycurl, ssl and `regex` cost ~25 ms of every run's start-up: only the specs that have
    HTTP targets, TLS files or spec regexes load them."""
    (tmp_path / "echo.py").write_text("import sys; sys.stdout.write(sys.stdin.read())\n")
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        f"name: plain\ntargets:\n  a: {{run: [{HELPER_PY}, echo.py]}}\n"
        f"  b: {{run: [{HELPER_PY}, echo.py]}}\nnormalize: [del(.t)]\n"
        "cases:\n  - {name: x, input: {n: 1}}\n"
    )
    scrubbed = tmp_path / "scrubbed.yaml"
    scrubbed.write_text(plain.read_text().replace("[del(.t)]", '[\'scrub(.s; "[0-9]+"; "N")\']'))
    code = (
        "import sys, yamlparity\n"
        "yamlparity.render(yamlparity.run_spec(yamlparity.load_spec(sys.argv[1])))\n"
        "print(sorted(m for m in ('pycurl', 'regex', 'yamlparity.targets.curl', "
        "'yamlparity.core.tls') if m in sys.modules))"
    )
    loaded = {
        spec.name: subprocess.run(
            [sys.executable, "-c", code, str(spec)], capture_output=True, text=True, check=True
        ).stdout.strip()
        for spec in (plain, scrubbed)
    }
    assert loaded == {"plain.yaml": "[]", "scrubbed.yaml": "['regex']"}


def test_a_markdown_run_loads_no_html_renderer(tmp_path: Path) -> None:
    """markdown-it (~40 ms of a run's start-up) is loaded by runs that write HTML only: the
    index of a markdown run loaded it too."""
    (tmp_path / "echo.py").write_text("import sys; sys.stdout.write(sys.stdin.read())\n")
    (tmp_path / "plain.yaml").write_text(
        f"name: plain\ntargets:\n  a: {{run: [{HELPER_PY}, echo.py]}}\n"
        f"  b: {{run: [{HELPER_PY}, echo.py]}}\ncases:\n  - {{name: x, input: {{n: 1}}}}\n"
    )
    code = (
        "import sys\n"
        "from yamlparity.cli.main import main\n"
        "code = main(['run', '-q', 'plain.yaml', '--report-dir', 'out', '--format', sys.argv[1]])\n"
        "print(code, sorted(m for m in sys.modules if m.startswith('markdown_it')"
        " or m.endswith('formats.html'))[:1])"
    )
    loaded = {
        formats: subprocess.run(
            [sys.executable, "-c", code, formats],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        ).stdout.splitlines()[-1]
        for formats in ("md", "md,json", "html")
    }
    assert loaded["md"] == loaded["md,json"] == "0 []"
    assert loaded["html"].startswith("0 ['markdown_it")
    assert (tmp_path / "out" / "index.html").exists()
