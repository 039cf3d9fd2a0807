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
from collections.abc import Callable, Iterator, Sequence
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
    _add_select(run)
    run.add_argument(
        "--report-dir",
        type=Path,
        metavar="DIR",
        help="write every report to DIR/<spec name>.md plus DIR/index.md (default: the "
        "spec's report.path, else reports/<spec name>.md)",
    )
    run.add_argument(
        "--format",
        dest="formats",
        metavar="LIST",
        help="comma-separated outputs: md, html, json, junit (default: md)",
    )
    run.add_argument(
        "--template",
        type=Path,
        metavar="FILE",
        help="report template (wins over report.template and the project's templates/)",
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
        default=None,
        help="a known divergence that has disappeared (FIXED) does not fail the run",
    )
    verbosity = run.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print only summary lines")
    verbosity.add_argument(
        "-v", "--verbose", action="store_true", help="print each divergence's differing paths"
    )

    validate = sub.add_parser("validate", help="load and check specs without running anything")
    _add_spec_args(validate)
    listing = sub.add_parser("list", help="list the specs, targets and cases that would run")
    _add_spec_args(listing)
    sub.add_parser("schema", help="print the spec JSON Schema (for editors)")

    context = sub.add_parser(
        "template-context", help="print, as JSON, the context a report template receives"
    )
    context.add_argument(
        "spec", type=Path, nargs="?", help="the spec to run (omit with --from-results)"
    )
    context.add_argument(
        "--from-results",
        type=Path,
        metavar="FILE",
        help="use a results file written by --format json instead of running the spec",
    )
    _add_env(context)
    _add_select(context)

    calibrate = sub.add_parser("calibrate", help="run each case repeatedly to find noisy paths")
    calibrate.add_argument("paths", nargs="+", type=Path, help="spec files or folders")
    calibrate.add_argument("--repeat", type=int, metavar="N", help="runs per case and target")
    _add_env(calibrate)
    _add_select(calibrate)
    return parser


def _add_spec_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="spec files or folders, searched for *.yaml/*.yml (default: the project's "
        "`specs` setting, else specs/)",
    )
    _add_env(parser)


def _add_env(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a spec variable (wins over the environment and env:)",
    )
    parser.add_argument(
        "--allow-outside",
        action="store_true",
        help="let cases_from read files outside the spec's folder",
    )


def _add_select(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-k",
        dest="select",
        metavar="EXPR",
        help="only cases whose name matches (substring or glob; and/or/not)",
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
        command = _COMMANDS[args.command]
        return command(args)
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
    except OSError as exc:  # a report folder that cannot be written, a full disk...
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


def _config(args: argparse.Namespace) -> Any:
    from yamlparity import config

    return config.load(Path.cwd())


def _spec_paths(args: argparse.Namespace, cfg: Any) -> list[Path]:
    if args.paths:
        return list(args.paths)
    if cfg.specs:
        return list(cfg.specs)
    # With a project file, specs/ is the project's, wherever in the project we are.
    return [cfg.root / "specs"] if cfg.root else [Path("specs")]


def _load_paths(paths: Sequence[Path], args: argparse.Namespace) -> list[Any]:
    from yamlparity.load import find_specs, load_spec

    env = parse_env(args.env)
    return [load_spec(path, env, allow_outside=args.allow_outside) for path in find_specs(paths)]


def _load_all(args: argparse.Namespace) -> list[Any]:
    return _load_paths(_spec_paths(args, _config(args)), args)


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
        for name in _case_names(spec):
            print(f"  case {name}")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    import json

    from yamlparity.load import schema

    print(json.dumps(schema(), indent=2, ensure_ascii=False))
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


def _run_options(args: argparse.Namespace, jobs: int | None) -> Any:
    from yamlparity.engine import RunOptions
    from yamlparity.select import compile_selection

    options = RunOptions(select=compile_selection(args.select) if args.select else None)
    if jobs is not None:
        if jobs < 1:
            raise UsageError("--jobs must be at least 1")
        options.jobs = jobs
    return options


def _run(args: argparse.Namespace) -> int:
    from yamlparity.engine import run_spec
    from yamlparity.formats import parse_formats, write_index, write_spec
    from yamlparity.progress import Progress, live_terminal
    from yamlparity.redact import RedactingListener, Redactor
    from yamlparity.report import check_template, choose_template, tally_line

    cfg = _config(args)
    formats = parse_formats(args.formats) if args.formats else (cfg.formats or ("md",))
    report_dir = args.report_dir or cfg.report_dir
    fixed_ok = args.fixed_ok if args.fixed_ok is not None else cfg.fixed_ok
    specs = _load_paths(_spec_paths(args, cfg), args)
    _check_distinct_reports(specs, report_dir)
    _check_selection(specs, args.select)
    choices = [_template_for(spec, args, cfg, choose_template) for spec in specs]
    for path, choice in {c.path: c for c in choices}.items():
        # A broken template (even a misspelled name) fails before anything runs: it is
        # rendered over a synthetic run with each spec's own target names and facets.
        shapes = [_shape(s) for s, c in zip(specs, choices, strict=True) if c.path == path]
        check_template(choice, shapes)
    for spec in specs:
        _check_writable(_report_path(spec, report_dir).parent)
    options = _run_options(args, args.jobs if args.jobs is not None else cfg.jobs)
    _install_interrupt(options.stop)
    live = live_terminal(sys.stderr)
    # -v prints each divergence after its spec: the per-case plain lines would repeat them.
    progress = Progress(
        sys.stderr if live else sys.stdout,
        live=live,
        quiet=args.quiet or (args.verbose and not live),
        specs=len(specs),
    )
    written = []
    failed = False
    for spec, choice in zip(specs, choices, strict=True):
        if options.stop.is_set():
            break
        redactor = Redactor.for_spec(spec)
        # Secrets are masked in the results themselves: every format, -v and progress lines.
        listener = RedactingListener(progress, redactor)
        result = redactor.deep(run_spec(spec, options, listener=listener))
        progress.clear()
        path = _report_path(spec, report_dir)
        out = write_spec(result, path, formats, choice, baseline=spec.compare.baseline)
        written.append(out)
        shown = _display_path(out.primary)
        stopped = " (interrupted)" if result.interrupted else ""
        print(
            f"[parity] {spec.name}: {tally_line(result.tally())} "
            f"(out of {len(result.cases)}){stopped} → {shown}",
            flush=True,
        )
        if args.verbose:
            _print_divergences(result)
        failing = [c for c in result.cases if c.failing and not (fixed_ok and c.verdict == "FIXED")]
        failed = failed or bool(failing) or result.interrupted
    if report_dir is not None and written:
        index = write_index(report_dir, written, formats, _index_choice(cfg, choose_template))
        print(f"[parity] index: {len(written)} specs → {_display_path(index)}")
    if options.stop.is_set():
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else EXIT_OK


def _shape(spec: Any) -> Any:
    from yamlparity.report import SpecShape, display_file

    return SpecShape(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        file=display_file(str(spec.file)),
        kind=spec.kind,
        targets=tuple(spec.targets),
        facets=tuple(spec.compare.facets),
        baseline=spec.compare.baseline,
    )


def _template_for(spec: Any, args: argparse.Namespace, cfg: Any, choose: Any) -> Any:
    return choose(
        cli=args.template,
        spec=spec.report.template,
        config=cfg.template,
        project_root=cfg.root or Path.cwd(),
    )


def _index_choice(cfg: Any, choose: Any) -> Any:
    # The index template is looked up in the project's templates/ folder, then the built-in.
    return choose(project_root=cfg.root or Path.cwd())


def _check_distinct_reports(specs: Sequence[Any], report_dir: Path | None) -> None:
    """Two specs writing one report file would lose the first: refuse before running."""
    seen: dict[Path, Any] = {}
    for spec in specs:
        path = _report_path(spec, report_dir).resolve()
        if path in seen:
            raise UsageError(
                f"{seen[path].file} and {spec.file} would both write {path}: give one a "
                "different `name:` or `report.path`"
            )
        seen[path] = spec


def _check_selection(specs: Sequence[Any], expression: str | None) -> None:
    """A -k that selects nothing is a typo, not a green run."""
    if not expression:
        return
    from yamlparity.select import compile_selection

    matches = compile_selection(expression)
    if not any(matches(name) for spec in specs for name in _case_names(spec)):
        raise UsageError(f"-k {expression!r} selects no case in the given specs")


def _case_names(spec: Any) -> Iterator[str]:
    """Case names without parsing fixture rows (a lazy case list reads names only)."""
    names = getattr(spec.cases, "names", None)
    return iter(names()) if names is not None else (case.name for case in spec.cases)


def _check_writable(folder: Path) -> None:
    """Fail before the run, not after it, when a report cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the report folder {folder}: {exc.strerror}") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write reports into {folder}")


def _report_path(spec: Any, report_dir: Path | None) -> Path:
    from yamlparity.safepath import safe_component

    if report_dir is not None:
        return report_dir / f"{safe_component(spec.name)}.md"
    if spec.report.path is not None:
        return Path(spec.report.path)
    return Path("reports") / f"{safe_component(spec.name)}.md"


def _display_path(path: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


def _print_divergences(result: Any) -> None:
    from yamlparity.jsonvalue import dumps
    from yamlparity.report import groups_text

    for case in result.cases:
        if case.verdict in ("MATCH", "SKIP"):
            continue
        print(f"  {case.verdict} {case.name}" + (f": {case.reason}" if case.reason else ""))
        if len(case.groups) > 1 and len(result.targets) > 2:
            print(f"    groups: {groups_text(case.groups)}")
        for diff in case.differences[:20]:
            values = "  ".join(
                f"{t}=(missing)" if t in diff.missing else f"{t}={dumps(diff.values[t])}"
                for t in case.outcomes
                if t in diff.missing or t in diff.values
            )
            print(f"    {diff.facet} {diff.path}: {values}")
        if len(case.differences) > 20:
            print(f"    … {len(case.differences) - 20} more")
        for failure in case.expectation_failures:
            print(f"    {failure.target}: expected {failure.expectation}, saw {failure.seen}")


def _template_context(args: argparse.Namespace) -> int:
    import json

    from yamlparity.report import context

    if args.from_results is not None:
        from yamlparity.formats import results_json

        try:
            text = args.from_results.read_text("utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {args.from_results}: {exc}") from None
        result = results_json.loads(text, str(args.from_results))
        baseline = None
    elif args.spec is not None:
        from yamlparity.engine import run_spec
        from yamlparity.redact import Redactor

        specs = _load_paths([args.spec], args)
        if len(specs) != 1:
            raise UsageError(
                f"template-context takes one spec file; {args.spec} holds {len(specs)}"
            )
        spec = specs[0]
        result = Redactor.for_spec(spec).deep(run_spec(spec, _run_options(args, None)))
        baseline = spec.compare.baseline
    else:
        raise UsageError("template-context needs a SPEC or --from-results FILE")
    data = context(result, baseline=baseline)
    # Target values reach the context as text already: plain JSON, nothing to lose.
    # `cases` is a lazy sequence (report.CaseContexts): listed here, built case by case.
    print(json.dumps(data, indent=2, ensure_ascii=False, default=list))
    return EXIT_OK


def _calibrate(args: argparse.Namespace) -> int:
    try:
        from yamlparity.calibrate import calibrate_spec, default_path
    except ImportError:
        raise UsageError(
            "calibration is not available in this installation (yamlparity.calibrate is missing)"
        ) from None
    from yamlparity.select import compile_selection

    if args.repeat is not None and args.repeat < 2:
        raise UsageError("--repeat must be at least 2")
    select = compile_selection(args.select) if args.select else None
    report_dir = _config(args).report_dir
    code = EXIT_OK
    for spec in _load_paths(args.paths, args):
        # Saved where `run` looks for it, so the next report can say which rules are proven.
        saved = default_path(spec.name, report_dir)
        report = calibrate_spec(spec, args.repeat, select, output=saved)
        print(report.render_text())
        print(f"[calibrate] {spec.name}: saved → {_display_path(saved)}")
        code = max(code, int(report.exit_code))
    return code


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _run,
    "validate": _validate,
    "list": _list,
    "schema": _schema,
    "template-context": _template_context,
    "calibrate": _calibrate,
}
