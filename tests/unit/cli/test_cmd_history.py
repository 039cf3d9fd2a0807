"""`yamlparity history` names each run's selection as it was made, from every form a history
line has held: the bare `-k` expression of `run -k`, the CLI's filter list, the pytest plugin's
descriptions, and what the plugin wrote before it described its selections."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli

STORED_AND_SHOWN = [
    (None, ""),
    ("coupon", "  -k coupon"),  # yamlparity run -k coupon
    ("float* or crash", "  -k float* or crash"),
    ("-k 'web', last failed in reports", "  -k 'web', last failed in reports"),
    ("last failed in reports/calc.json", "  last failed in reports/calc.json"),
    ("pytest specs/calc/calc.yaml::f_big", "  pytest specs/calc/calc.yaml::f_big"),
    ("pytest -k 'coupon or accents'", "  pytest -k 'coupon or accents'"),
    ("pytest --lf, stopped early", "  pytest --lf, stopped early"),
    ("pytest's selection", "  pytest's selection"),
    # Written by the plugin before: `--lf` was shown as `-k --lf`.
    ("--lf", "  --lf"),
    ("-k coupon or accents", "  -k coupon or accents"),
    ("-k coupon --lf", "  -k coupon --lf"),
]


def test_every_stored_selection_is_shown_as_it_was_made(tmp_path: Path) -> None:
    lines = [
        {"spec": "calc", "started": f"2025-01-{day:02}T00:00:00Z", "tally": {"DIFF": 1}, "total": 1}
        | {"select": select}
        for day, (select, _) in enumerate(STORED_AND_SHOWN, start=1)
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    (tmp_path / "history.jsonl").write_text(text, "utf-8")
    done = run_cli("history", ".", "--last", "50", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    runs = done.stdout.splitlines()[1:-1]
    assert len(runs) == len(STORED_AND_SHOWN)
    for run, (select, shown) in zip(runs, STORED_AND_SHOWN, strict=True):
        assert run.endswith(f"failing 1{shown}"), (select, run)
