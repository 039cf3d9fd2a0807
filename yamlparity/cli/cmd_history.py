"""`yamlparity history`: the last runs of each spec, from `<report folder>/history.jsonl`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from yamlparity.cli.colors import Palette, palette_for
from yamlparity.cli.common import EXIT_OK, display_path, project_config
from yamlparity.core.errors import UsageError

DEFAULT_RUNS = 10
_OLD_PYTEST_LAST_FAILED = "--lf"  # a valid -k expression, but only ever written by pytest


def register(sub: Any) -> None:
    history = sub.add_parser(
        "history", help="print the last runs of each spec (the report folder's history.jsonl)"
    )
    history.set_defaults(handler=history_command)
    history.add_argument(
        "folder",
        nargs="?",
        type=Path,
        help="the report folder, or a history.jsonl file (default: the project's "
        "`report_dir`, else reports/)",
    )
    history.add_argument("--spec", metavar="NAME", help="only this spec")
    history.add_argument(
        "--last",
        type=int,
        default=DEFAULT_RUNS,
        metavar="N",
        help=f"runs per spec (default: {DEFAULT_RUNS})",
    )
    history.add_argument(
        "--json", action="store_true", help="print the entries as they are stored (JSON Lines)"
    )


def history_command(args: argparse.Namespace) -> int:
    from yamlparity.report.history import HISTORY_NAME, read_entries, trend

    if args.last < 1:
        raise UsageError("--last must be at least 1")
    folder = args.folder or project_config(args).report_dir or Path("reports")
    path = folder if folder.suffix == ".jsonl" else folder / HISTORY_NAME
    if folder.suffix.lower() in (".yaml", ".yml"):
        raise UsageError(
            f"{folder} is a spec: history reads a report folder (where `yamlparity run "
            "--report-dir` appends to history.jsonl); one spec's runs: --spec NAME"
        )
    if not path.is_file():
        raise UsageError(
            f"no history at {path}: each `yamlparity run` appends to the history.jsonl in "
            "its report folder (give that folder, or a history.jsonl file)"
        )
    entries = read_entries(path, args.spec)
    if not entries:
        wanted = f" for spec {args.spec!r}" if args.spec else ""
        raise UsageError(f"{path} holds no runs{wanted}")
    by_spec: dict[str, list[Any]] = {}
    for item in entries:
        by_spec.setdefault(str(item.get("spec")), []).append(item)
    paint = palette_for(None)
    for name, items in by_spec.items():
        last = items[-args.last :]
        if args.json:
            for item in last:
                print(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
            continue
        _print_spec(name, last, trend(last), paint)
    if not args.json:
        runs, specs = _count(len(entries), "run"), _count(len(by_spec), "spec")
        print(f"[history] {runs} of {specs} in {display_path(path)}")
    return EXIT_OK


def _print_spec(name: str, items: list[Any], runs: list[dict[str, Any]], paint: Palette) -> None:
    from yamlparity.report.render import tally_line

    file = items[-1].get("file") or ""
    print(
        paint.bold(name) + (f"  ({file})" if file else "") + f" — last {_count(len(runs), 'run')}"
    )
    for run in runs:
        commit = run["short_commit"] or "-" * 8
        change = f" ({run['change']:+d})" if run["change"] else ""
        selected = f"  {_selection_label(run['select'])}" if run["select"] else ""
        took = f"  {_took(run['wall_s'])}" if isinstance(run["wall_s"], int | float) else ""
        print(
            f"  {run['started']}  {commit}  {paint.tally(tally_line(run['tally']))} "
            f"(out of {run['total']})  failing {run['failing']}{change}{took}{selected}"
        )


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _took(seconds: float) -> str:
    """A run's wall time, from its start and end stamps (whole seconds)."""
    return f"{seconds:.0f} s" if seconds >= 1 else "under 1 s"


def _selection_label(select: str) -> str:
    """How a run chose its cases. `yamlparity run -k EXPR` alone records the bare EXPR; every
    other selection records its description, as the report words it (`-k 'x', last failed in
    reports/calc.json`, `pytest -k 'x'`, `pytest --lf`). A description is never a `-k`
    expression (two words side by side), so telling them apart needs no guessing, except for
    `--lf`, which the pytest plugin recorded alone before it wrote descriptions."""
    if select == _OLD_PYTEST_LAST_FAILED or not _is_expression(select):
        return select
    return f"-k {select}"


def _is_expression(text: str) -> bool:
    from yamlparity.spec.select import compile_selection

    try:
        compile_selection(text)
    except UsageError:
        return False
    return True
