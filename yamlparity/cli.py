"""Command line: the only module that prints or exits.

Exit codes: 0 every case MATCH/SKIP/KNOWN, 1 any DIFF/FAIL/ERROR/FIXED, 2 spec or usage error,
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from yamlparity import __version__
from yamlparity.errors import SpecError, UsageError, YamlparityError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise UsageError(f"{message}\n{self.format_usage().rstrip()}")


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="yamlparity", description="Parity probes from YAML specs.")
    parser.add_argument("--version", action="version", version=f"yamlparity {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)

    run = sub.add_parser("run", help="run specs and write their reports")
    _add_spec_args(run)
    run.add_argument(
        "-k",
        dest="select",
        metavar="EXPR",
        help="only cases whose name matches (substring or glob; and/or/not)",
    )
    run.add_argument(
        "--report-dir",
        type=Path,
        metavar="DIR",
        help="write every report to DIR/<spec name>.md (default: the spec's "
        "report.path, else reports/<spec name>.md)",
    )
    run.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="cases in flight at once (default: 4 x CPU count, at most 32)",
    )
    run.add_argument(
        "--fixed-ok",
        action="store_true",
        help="a known divergence that has disappeared (FIXED) does not fail the run",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="print only the summary lines")
    run.add_argument(
        "-v", "--verbose", action="store_true", help="print each divergence's differing paths"
    )

    validate = sub.add_parser("validate", help="load and check specs without running anything")
    _add_spec_args(validate)
    listing = sub.add_parser("list", help="list the specs, targets and cases that would run")
    _add_spec_args(listing)
    return parser


def _add_spec_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path("specs")],
        help="spec files or folders (searched for *.yaml, *.yml)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a spec variable (wins over the environment and env:)",
    )


def parse_env(pairs: Sequence[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--env takes KEY=VALUE, got {pair!r}")
        env[key] = value
    return env


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "validate":
            return _validate(args)
        if args.command == "list":
            return _list(args)
        return _run(args)
    except SpecError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USAGE
    except (UsageError, YamlparityError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        _stop_services()
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _load_all(args: argparse.Namespace) -> list[Any]:
    from yamlparity.load import find_specs, load_spec

    env = parse_env(args.env)
    return [load_spec(path, env) for path in find_specs(args.paths)]


def _validate(args: argparse.Namespace) -> int:
    specs = _load_all(args)
    for spec in specs:
        print(f"ok  {spec.file}  ({len(spec.targets)} targets, {len(spec.cases)} cases)")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    for spec in _load_all(args):
        print(f"{spec.name}  ({spec.file})")
        for name, target in spec.targets.items():
            how = target.url if target.kind == "http" else _argv_text(target.run)
            print(f"  target {name}: {how}")
        for case in spec.cases:
            print(f"  case {case.name}")
    return EXIT_OK


def _argv_text(run: Any) -> str:
    return run if isinstance(run, str) else " ".join(run)


def _stop_services() -> None:
    try:
        from yamlparity import services
    except ImportError:
        return
    services.stop_all()


def _install_interrupt(stop: threading.Event) -> None:
    """First Ctrl-C/SIGTERM: stop starting cases, report what is done. Second: stop now."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            _stop_services()
            os._exit(EXIT_INTERRUPTED)
        stop.set()
        print(
            "\ninterrupting: finishing the cases in flight (Ctrl-C again to stop now)",
            file=sys.stderr,
        )

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _run(args: argparse.Namespace) -> int:
    from yamlparity.engine import RunOptions, run_spec
    from yamlparity.report import render, tally_line, write_atomic
    from yamlparity.select import compile_selection

    specs = _load_all(args)
    options = RunOptions(select=compile_selection(args.select) if args.select else None)
    if args.jobs is not None:
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        options.jobs = args.jobs
    _install_interrupt(options.stop)
    failed = False
    for spec in specs:
        if options.stop.is_set():
            break
        result = run_spec(spec, options)
        path = _report_path(spec, args.report_dir)
        write_atomic(path, render(result, spec.report.template, report_path=str(path)))
        tally = result.tally()
        shown = _display_path(path)
        print(f"[parity] {spec.name}: {tally_line(tally)} (out of {len(result.cases)}) → {shown}")
        if args.verbose and not args.quiet:
            _print_divergences(result)
        failing = [
            c for c in result.cases if c.failing and not (args.fixed_ok and c.verdict == "FIXED")
        ]
        failed = failed or bool(failing) or result.interrupted
    if options.stop.is_set():
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else EXIT_OK


def _report_path(spec: Any, report_dir: Path | None) -> Path:
    if report_dir is not None:
        return report_dir / f"{spec.name}.md"
    if spec.report.path is not None:
        return Path(spec.report.path)
    return Path("reports") / f"{spec.name}.md"


def _display_path(path: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


def _print_divergences(result: Any) -> None:
    for case in result.cases:
        if case.verdict in ("MATCH", "SKIP"):
            continue
        print(f"  {case.verdict} {case.name}" + (f": {case.reason}" if case.reason else ""))
        for diff in case.differences[:20]:
            print(f"    {diff.facet} {diff.path}")
