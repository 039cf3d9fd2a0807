"""The house plan holds: each package imports only the packages at or below its step.

Read from the source (every `import` and `from ... import`, type-checking ones included), so a
new module cannot quietly import against the flow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGE = ROOT / "yamlparity"
# The pipeline, lowest first. A package may import itself and anything ranked below it.
RANK = {
    "core": 0,
    "rules": 1,
    "spec": 2,
    "targets": 3,
    "results": 4,
    "verdict": 5,
    "run": 6,
    "report": 7,
    "cli": 8,
    "pytest_plugin": 8,
}
# Top-level modules anybody may import.
SHARED = {"_version"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "yamlparity":
                found += [(node.lineno, f"yamlparity.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("yamlparity.")]


def package_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if len(p.relative_to(PACKAGE).parts) > 1)


def test_every_package_has_a_rank() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages <= set(RANK), f"unranked packages: {packages - set(RANK)}"


@pytest.mark.parametrize("module", package_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_pipeline(module: Path) -> None:
    own = module.relative_to(PACKAGE).parts[0]
    wrong = []
    for line, name in imported_modules(module):
        target = name.split(".")[1]
        if target in SHARED:
            continue
        assert target in RANK, f"{module}:{line} imports unknown yamlparity.{target}"
        if RANK[target] > RANK[own]:
            wrong.append(f"{module.relative_to(ROOT)}:{line}: {own} imports {name}")
    assert wrong == []


def test_the_checker_catches_an_upward_import(tmp_path: Path) -> None:
    """The rule above is not vacuous: an import against the flow is found."""
    module = tmp_path / "m.py"
    module.write_text("from yamlparity.run.engine import run_spec\nimport yamlparity.cli.main\n")
    assert [n for _, n in imported_modules(module)] == [
        "yamlparity.run.engine",
        "yamlparity.cli.main",
    ]


def test_the_report_never_loads_the_engine() -> None:
    """Importing the report layer (as a results viewer would) loads no engine or adapter."""
    import subprocess
    import sys

    code = (
        "import sys, yamlparity.report.render, yamlparity.report.formats;"
        "print(sorted(m for m in sys.modules if m.startswith(('yamlparity.run',"
        "'yamlparity.targets', 'yamlparity.verdict'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
