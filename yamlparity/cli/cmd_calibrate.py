"""`yamlparity calibrate`: repeat cases to find noisy paths and suggest rules."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from yamlparity.cli.common import (
    EXIT_OK,
    add_env,
    add_select,
    display_path,
    load_paths,
    project_config,
)
from yamlparity.core.errors import UsageError


def register(sub: Any) -> None:
    calibrate = sub.add_parser("calibrate", help="run each case repeatedly to find noisy paths")
    calibrate.add_argument("paths", nargs="+", type=Path, help="spec files or folders")
    calibrate.add_argument("--repeat", type=int, metavar="N", help="runs per case and target")
    calibrate.add_argument(
        "--delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pause between two runs of a case on a target, so values that change with the "
        "clock (a Date header, a seconds timestamp) get the time to change (default: 0)",
    )
    calibrate.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="cases calibrated at once (default: 4, or the project's `jobs` setting); `-j 1` "
        "for a service that serves one connection at a time",
    )
    calibrate.add_argument(
        "--report-dir",
        type=Path,
        metavar="DIR",
        help="save DIR/<spec>.calibration.json, where `run --report-dir DIR` looks for it "
        "(default: the project's report_dir, else reports/)",
    )
    calibrate.set_defaults(handler=calibrate_command)
    add_env(calibrate)
    add_select(calibrate)


def calibrate_command(args: argparse.Namespace) -> int:
    try:
        from yamlparity.results.calibration import default_path
        from yamlparity.run.calibrate import CASE_WORKERS, calibrate_spec
    except ImportError:
        raise UsageError(
            "calibration is not available in this installation "
            "(yamlparity.run.calibrate is missing)"
        ) from None
    from yamlparity.spec.select import compile_selection

    if args.repeat is not None and args.repeat < 2:
        raise UsageError("--repeat must be at least 2")
    if not 0 <= args.delay <= 3600:
        raise UsageError("--delay takes seconds from 0 to 3600")
    select = compile_selection(args.select) if args.select else None
    cfg = project_config(args)
    report_dir = args.report_dir or cfg.report_dir
    jobs = args.jobs if args.jobs is not None else cfg.jobs
    if jobs is not None and jobs < 1:
        raise UsageError(
            "--jobs must be at least 1 (hint: leave it out for the tuned default, or -j 1 "
            "for one case at a time)"
        )
    code = EXIT_OK
    for spec in load_paths(args.paths, args):
        # Saved where `run` looks for it, so the next report can say which rules are proven.
        saved = default_path(spec.name, report_dir)
        report = calibrate_spec(
            spec, args.repeat, select, output=saved, delay=args.delay, jobs=jobs or CASE_WORKERS
        )
        print(report.render_text())
        if (jobs or CASE_WORKERS) > 1 and any("timed out" in e for _, _, e in report.errors):
            print(
                f"  hint: {jobs or CASE_WORKERS} cases ran at once; a service that serves one "
                "connection at a time times out then: try -j 1"
            )
        print(f"[calibrate] {spec.name}: saved → {display_path(saved)}")
        code = max(code, int(report.exit_code))
    return code
