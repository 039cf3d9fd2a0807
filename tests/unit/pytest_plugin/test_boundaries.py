"""pytest stays an optional extra: the CLI and the library never import it, and the plugin is
registered through the `pytest11` entry point in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from tests.support.paths import ROOT


def test_the_cli_never_imports_pytest() -> None:
    code = (
        "import sys, yamlparity, yamlparity.cli.main, yamlparity.run.engine, "
        "yamlparity.report.formats;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pytest', '_pytest')"
        " or m.startswith('yamlparity.pytest_plugin')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_plugin_is_an_entry_point_and_pytest_an_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["entry-points"]["pytest11"] == {"yamlparity": "yamlparity.pytest_plugin.plugin"}
    assert any(req.startswith("pytest") for req in project["optional-dependencies"]["pytest"])
    assert not any(req.startswith("pytest") for req in project["dependencies"])
