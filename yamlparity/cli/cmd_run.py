"""`yamlparity run`: run specs, write their reports, print one line per spec."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yamlparity.cli import run_selection
from yamlparity.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    add_select,
    add_spec_args,
    audit_lines,
    case_names,
    check_distinct_reports,
    display_path,
    install_interrupt,
    load_paths,
    project_config,
    report_path,
    spec_paths,
)
from yamlparity.core.errors import SpecError, UsageError


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="run specs and write their reports")
    run.set_defaults(handler=run_command)
    add_spec_args(run)
    add_select(run)
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
        help=(
            "cases in flight at once, fixed (default: with only stream targets, one lane "
            "that keeps a case on every helper of the fewest workers while it evaluates one; "
            "with stream targets beside "
            "process targets, twice their fewest workers; otherwise tuned while running: "
            "from one lane (one per CPU when every target starts a process per case; one "
            "lane over HTTP sends the next case while it evaluates one), doubled while each "
            "doubling brings at least 10%% more cases a second, up to 4 x CPU count, at most "
            "32; when the first case takes half a second or more over HTTP, at once as many "
            "lanes as the targets' timeouts leave room for, taken back if they do not pay; "
            "process helpers that leave the cores idle (they wait) grow fourfold a step; "
            "the project's `jobs` setting fixes it too)"
        ),
    )
    run.add_argument(
        "--fixed-ok",
        action="store_true",
        default=None,
        help="a known divergence that has disappeared (FIXED) does not fail the run",
    )
    run.add_argument(
        "--no-history",
        dest="history",
        action="store_false",
        help="do not append this run to <report folder>/history.jsonl (reports then show no trend)",
    )
    run_selection.register(run)
    verbosity = run.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print only summary lines")
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print each divergence's differing paths (and a failed stream helper's stderr)",
    )


def run_options(args: argparse.Namespace, jobs: int | None) -> Any:
    from yamlparity.run.engine import RunOptions
    from yamlparity.spec.select import compile_selection

    options = RunOptions(select=compile_selection(args.select) if args.select else None)
    if jobs is not None:
        if jobs < 1:
            raise UsageError(
                "--jobs must be at least 1 (hint: leave it out for the tuned default, or -j 1 "
                "for one case at a time)"
            )
        options.jobs = jobs
    return options


def run_command(args: argparse.Namespace) -> int:
    from yamlparity.cli import github
    from yamlparity.cli.colors import palette_for
    from yamlparity.cli.divergences import divergence_lines
    from yamlparity.cli.progress import Progress, live_terminal
    from yamlparity.report.formats import parse_formats, write_index
    from yamlparity.report.render import check_template, choose_template, tally_line
    from yamlparity.results.records import not_plain
    from yamlparity.spec.redact import RedactingListener, Redactor

    cfg = project_config(args)
    formats = parse_formats(args.formats) if args.formats else (cfg.formats or ("md",))
    report_dir = args.report_dir or cfg.report_dir
    fixed_ok = args.fixed_ok if args.fixed_ok is not None else cfg.fixed_ok
    specs = load_paths(spec_paths(args, cfg), args)
    check_distinct_reports(specs, report_dir)
    _check_selection(specs, args.select)
    plan = run_selection.plan(args, specs, report_dir)
    if plan.nothing_to_run:
        print(plan.nothing_to_run)
        return EXIT_OK
    choices = [_template_for(spec, args, cfg, choose_template) for spec in specs]
    for path, choice in {c.path: c for c in choices}.items():
        # A broken template (even a misspelled name) fails before anything runs: it is
        # rendered over a synthetic run with each spec's own target names and facets.
        shapes = [_shape(s) for s, c in zip(specs, choices, strict=True) if c.path == path]
        check_template(choice, shapes)
    for spec in specs:
        _check_writable(report_path(spec, report_dir).parent)
    options = run_options(args, args.jobs if args.jobs is not None else cfg.jobs)
    install_interrupt(options.stop, "finishing the cases in flight")
    live = live_terminal(sys.stderr)
    paint = palette_for(sys.stdout)
    # -v prints each divergence after its spec: the per-case plain lines would repeat them.
    progress = Progress(
        sys.stderr if live else sys.stdout,
        live=live,
        quiet=args.quiet or (args.verbose and not live),
        specs=len(specs),
        paint=palette_for(sys.stderr if live else sys.stdout),
    )
    annotations = github.Annotations(fixed_ok=fixed_ok) if github.active() else None
    written = []
    failed = unwritten = False
    plan.start(specs, report_dir)
    for spec, choice in zip(specs, choices, strict=True):
        if options.stop.is_set():
            break
        if skipped := plan.skipped(spec):
            print(skipped, flush=True)
            continue
        if note := plan.note(spec):
            print(note, flush=True)
        redactor = Redactor.for_spec(spec)
        # Secrets are masked in the results themselves: every format, -v and progress lines.
        listener = RedactingListener(progress, redactor)
        found = plan.run(spec, options, listener)
        # Named before secrets are masked: the spec's names are the unmasked ones.
        not_run = [redactor.text(name) for name in plan.not_run(spec, found)]
        result = redactor.deep(found)
        progress.clear()
        path = report_path(spec, report_dir)
        out = plan.write(
            result,
            spec,
            path,
            formats,
            choice,
            history=args.history,
            fixed_ok=fixed_ok,
            not_run=not_run,
        )
        written.append(out)
        unwritten = unwritten or bool(out.failures)
        for file, problem in out.failures:
            # Each artefact that failed names its file; the others were written.
            print(_write_failure(file, problem), file=sys.stderr)
        shown = display_path(out.primary)
        stopped = " (interrupted)" if result.interrupted else ""
        stopped += f" [{result.selection}]" if result.selection else ""
        print(
            f"[parity] {paint.bold(spec.name)}: {paint.tally(tally_line(result.tally()))} "
            f"(out of {len(result.cases)}){stopped} → {shown}",
            flush=True,
        )
        if not args.quiet:  # -q: the summary lines only
            for line in _audit_lines(spec, out, path, paint, args.verbose):
                print(line, flush=True)
        if args.verbose:
            for line in divergence_lines(result, paint):
                print(line)
        if hint := _crowded_timeouts_hint(spec, result, options.jobs):
            print(hint, flush=True)
        if annotations is not None:
            for line in annotations.for_spec(spec, result):
                print(line, flush=True)
        # A plain MATCH never fails: only the other cases are looked at.
        failing = [
            c
            for c in not_plain(result.cases)
            if c.failing and not (fixed_ok and c.verdict == "FIXED")
        ]
        failed = failed or bool(failing) or result.interrupted
    plan.finish(options.stop.is_set())
    if report_dir is not None and written:
        index = write_index(report_dir, written, formats, _index_choice(cfg, choose_template))
        print(index.line(display_path(index.path)))
    if annotations is not None:
        for line in annotations.finish():
            print(line)
        _job_summary(written)
    if options.stop.is_set():
        return EXIT_INTERRUPTED
    if unwritten:
        return EXIT_USAGE
    return EXIT_FAILED if failed else EXIT_OK


def _audit_lines(spec: Any, out: Any, report: Path, paint: Any, verbose: bool) -> list[str]:
    """The audit lines of one spec: the reports' own audit when they made one (it reads the
    calibration data beside the report), else made here the same way."""
    if not spec.rules:
        return []
    from yamlparity.report.render import calibration_beside
    from yamlparity.results.audit import audit

    found = out.audit or audit(out.result, calibration_beside(out.result, str(report)), spec)
    return audit_lines(found, paint, verbose)


def _crowded_timeouts_hint(spec: Any, result: Any, jobs: int | None) -> str:
    """Timeouts on a service while other cases were sent to it too: a server that serves one
    connection at a time (a single-threaded HTTPServer with keep-alive) starves every other
    connection, and its cases time out only because they ran beside others."""
    if jobs == 1:
        return ""
    from yamlparity.results.records import not_plain

    crowded = sorted(
        name
        for name, target in spec.targets.items()
        if target.kind == "http"
        and target.concurrency != 1
        and any(_timed_out(case, name) for case in not_plain(result.cases))
    )
    if not crowded:
        return ""
    names = ", ".join(crowded)
    them, its = ("it", "its target") if len(crowded) == 1 else ("them", "their targets")
    return (
        f"  hint: {names} timed out while other requests were in flight to {them}: a service "
        f"that serves one connection at a time needs `concurrency: 1` on {its} (or -j 1)"
    )


def _timed_out(case: Any, target: str) -> bool:
    outcome = case.outcomes.get(target)
    return outcome is not None and "timed out" in (outcome.error or "")


def _write_failure(file: Path, problem: Exception) -> str:
    if isinstance(problem, SpecError):
        return problem.render()
    if isinstance(problem, OSError):
        name = problem.filename or file
        return f"error: cannot write {name}: {problem.strerror or problem}"
    return f"error: cannot write {file}: {problem}"


def _shape(spec: Any) -> Any:
    from yamlparity.report.render import SpecShape, display_file

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


def _check_selection(specs: Sequence[Any], expression: str | None) -> None:
    """A -k that selects nothing is a typo, not a green run."""
    if not expression:
        return
    from yamlparity.spec.select import compile_selection

    matches = compile_selection(expression)
    if not any(matches(name) for spec in specs for name in case_names(spec)):
        raise UsageError(f"-k {expression!r} selects no case in the given specs")


def _check_writable(folder: Path) -> None:
    """Fail before the run, not after it, when a report cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the report folder {folder}: {exc.strerror}") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write reports into {folder}")


def _job_summary(written: Sequence[Any]) -> None:
    """GitHub's job summary: appended once per run, after every spec."""
    from yamlparity.cli import github
    from yamlparity.report.summary import render_summary, report_link, spec_entry

    if not written:
        return
    entries = [spec_entry(w.result, report_link(w.primary), w.history, w.passed) for w in written]
    github.append_summary(render_summary(entries))
