"""A rule kept on purpose (`intended: "why"`) is reported with its reason, never flagged."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.paths import HELPER_PY

# The two producers name themselves: `.daemon` differs in every case, by design.
HELPER = "import json, sys\nprint(json.dumps({'v': json.load(sys.stdin), 'daemon': sys.argv[1]}))\n"


def spec(folder: Path, rule: str) -> None:
    (folder / "h.py").write_text(HELPER)
    (folder / "s.yaml").write_text(
        "name: named\n"
        "targets:\n"
        f"  a: {{run: [{HELPER_PY}, h.py, alpha]}}\n"
        f"  b: {{run: [{HELPER_PY}, h.py, beta]}}\n"
        f"normalize:\n  - {rule}\n"
        "cases: [{name: one, input: 1}, {name: two, input: 2}]\n"
    )


def audit_of(folder: Path) -> tuple[str, dict[str, object]]:
    done = run_cli("run", "s.yaml", "--report-dir", "out", "--format", "md,json", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    report = (folder / "out" / "named.md").read_text()
    results = json.loads((folder / "out" / "named.json").read_text())
    return report, results


def test_without_intended_the_rule_is_flagged(tmp_path: Path) -> None:
    spec(tmp_path, "del(.daemon)")
    report, _ = audit_of(tmp_path)
    assert "## Rules hiding a divergence" in report
    assert "possible masked divergence" in report


def test_an_intended_rule_is_reported_with_its_reason_and_not_flagged(tmp_path: Path) -> None:
    spec(tmp_path, '{rule: "del(.daemon)", intended: "each producer names itself"}')
    report, results = audit_of(tmp_path)
    assert "## Rules hiding a divergence" not in report
    assert "possible masked divergence" not in report
    assert "| intended: `each producer names itself` |" in report
    assert results["intended_rules"] == {"0": "each producer names itself"}


def test_intended_survives_a_results_round_trip(tmp_path: Path) -> None:
    spec(tmp_path, '{rule: "del(.daemon)", intended: "each producer names itself"}')
    audit_of(tmp_path)
    done = run_cli("template-context", "--from-results", "out/named.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rules = json.loads(done.stdout)["analysis"]["rules"]
    assert [(r["flag"], r["intended"]) for r in rules] == [
        ("intended", "each producer names itself")
    ]
