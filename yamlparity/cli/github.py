"""GitHub Actions for the CLI: `run` and `merge` print the workflow commands of
`report/github.py` on standard output and append the job summary; a summary that cannot be
written is a warning on standard error (the run's exit code stands).

The commands themselves live in the report layer, which reads results only, so the pytest plugin
(a front end beside this one) builds the same annotations from the same code.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from yamlparity.report import github as _github
from yamlparity.report.github import Annotations, active

__all__ = ["Annotations", "active", "append_summary"]


def append_summary(markdown: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Append to the job summary file; None when there is none (not under Actions) or when
    it cannot be written (then a warning says why)."""
    try:
        return _github.append_summary(markdown, env)
    except _github.SummaryNotAppended as exc:
        print(f"warning: {exc}", file=sys.stderr)
        return None
