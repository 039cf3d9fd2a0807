"""Saved calibration data: where `calibrate` writes it and how a run's audit reads it back.

Kept apart from run/calibrate.py (which runs cases) so the audit, and the reports above it,
never load the engine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FORMAT = 1


def default_path(spec_name: str, report_dir: Path | None = None) -> Path:
    """Where `calibrate` saves and the run's audit looks: `<report-dir>/<spec>.calibration.json`."""
    return (report_dir or Path("reports")) / f"{spec_name}.calibration.json"


def load(path: Path) -> dict[str, Any]:
    """Saved calibration data (see CalibrationReport.to_dict); ValueError when unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read calibration data {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path} is not yamlparity calibration data (format {FORMAT})")
    return data
