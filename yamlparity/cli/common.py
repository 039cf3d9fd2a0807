"""What every command shares: exit codes, spec arguments, loading, the project's settings."""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from yamlparity.core.errors import UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_spec_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="spec files or folders, searched for *.yaml/*.yml (default: the project's "
        "`specs` setting, else specs/)",
    )
    add_env(parser)


def add_env(parser: argparse.ArgumentParser) -> None:
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
        help="let a spec read files outside its folder (cases_from, include, recorded, "
        "report.template)",
    )


def add_select(parser: argparse.ArgumentParser) -> None:
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
        if sep and not key:
            raise UsageError(f"--env takes KEY=VALUE, got {pair!r}: the KEY is missing")
        if not sep or not key:
            raise UsageError(
                f"--env takes KEY=VALUE, got {pair!r} (hint: --env {pair or 'NAME'}=VALUE; "
                "an empty value is --env NAME=)"
            )
        env[key] = value
    return env


def project_config(args: argparse.Namespace) -> Any:
    from yamlparity.cli import config

    return config.load(Path.cwd())


def spec_paths(args: argparse.Namespace, cfg: Any) -> list[Path]:
    if args.paths:
        return list(args.paths)
    if cfg.specs:
        from yamlparity.cli.config import check_specs_exist

        check_specs_exist(cfg)
        return list(cfg.specs)
    # With a project file, specs/ is the project's, wherever in the project we are.
    return [cfg.root / "specs"] if cfg.root else [Path("specs")]


def load_paths(paths: Sequence[Path], args: argparse.Namespace) -> list[Any]:
    """Every spec under `paths`; one bad spec hides no other (their errors come together)."""
    from yamlparity.core.errors import SpecError, SpecErrors
    from yamlparity.spec.load import find_specs, load_spec

    env = parse_env(args.env)
    specs, errors = [], []
    for path in find_specs(paths):
        try:
            specs.append(load_spec(path, env, allow_outside=args.allow_outside))
        except SpecError as exc:
            errors.append(exc)
    if errors:
        raise errors[0] if len(errors) == 1 else SpecErrors(errors)
    return specs


def load_all(args: argparse.Namespace) -> list[Any]:
    return load_paths(spec_paths(args, project_config(args)), args)


def argv_text(run: Any) -> str:
    """A command as a shell would take it: an argv list quoted (`python3 -c 'import sys'`)."""
    return run if isinstance(run, str) else shlex.join(run)


def stop_services() -> None:
    try:
        from yamlparity.targets import services
    except ImportError:
        return
    services.stop_all()


def case_names(spec: Any) -> Iterator[str]:
    """Case names without parsing fixture rows (a lazy case list reads names only)."""
    names = getattr(spec.cases, "names", None)
    return iter(names()) if names is not None else (case.name for case in spec.cases)


def audit_lines(found: Any, paint: Any, verbose: bool = False) -> list[str]:
    """A line per rule the audit flags (results/audit.py): the report says more, but a run
    read in a terminal must not keep from its reader that a rule may hide a divergence.
    `verbose` (-v): also a line per rule that changed nothing (a dead rule hides nothing, but
    a misspelled path is the likeliest reason, and its field then shows up as a DIFF)."""
    from yamlparity.core.printable import terminal_safe
    from yamlparity.results.audit import dead_summary, flag_summary

    lines = [
        f"  {paint.bold('audit:')} {terminal_safe(flag_summary(entry))} — see the report"
        for entry in found.flagged
    ]
    if verbose:
        lines += [
            f"  {paint.bold('audit:')} {terminal_safe(dead_summary(entry))}" for entry in found.dead
        ]
    return lines


def display_path(path: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


# A second signal this soon after the first is the same interrupt delivered twice: GNU
# `timeout` signals yamlparity, then its own process group, yamlparity included (a new-user
# trial lost the report 2 runs in 5 that way). A person's second Ctrl-C comes later.
SAME_INTERRUPT_SECONDS = 0.25


# What stops a run as Ctrl-C does: SIGTERM (kill, CI cancelling a job) and SIGHUP (the terminal
# or SSH session closed; left at its default, it killed yamlparity and orphaned the services).
INTERRUPT_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


_SIGNAL_NAMES = {signal.SIGTERM: " (SIGTERM)", signal.SIGHUP: " (SIGHUP: the terminal closed)"}
_AGAIN = {
    signal.SIGINT: "Ctrl-C again to stop now",
    signal.SIGTERM: "the signal again stops it now",
    signal.SIGHUP: "the signal again stops it now",
}


def install_interrupt(stop: threading.Event, first: str) -> None:
    """First Ctrl-C/SIGTERM/SIGHUP: set `stop`, end any wait for a service to be ready, and
    say what happens now (`first`, e.g. "finishing the cases in flight"); the command then
    reports what it has. Second: stop now."""
    from yamlparity.targets import services

    services.allow_starts()
    first_at: list[float] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        if stop.is_set():
            if first_at and now - first_at[0] < SAME_INTERRUPT_SECONDS:
                return
            stop_now("stopped at once: what was still running is not reported")
        first_at.append(now)
        stop.set()
        services.interrupt_starts()
        again = (
            "Ctrl-C again to stop now" if signum == signal.SIGINT else "signal again to stop now"
        )
        name = {signal.SIGTERM: " (SIGTERM)", signal.SIGHUP: " (SIGHUP: the terminal closed)"}
        say(f"\ninterrupting{name.get(signal.Signals(signum), '')}: {first} ({again})")

    for sig in INTERRUPT_SIGNALS:
        catch(sig, handler)


def catch(sig: signal.Signals, handler: Callable[[int, FrameType | None], None]) -> None:
    """Handle `sig`, unless it is ignored: `nohup yamlparity run ...` ignores SIGHUP so that
    the run outlives the terminal, and must keep doing so."""
    if sig == signal.SIGHUP and signal.getsignal(sig) is signal.SIG_IGN:
        return
    signal.signal(sig, handler)


def say(text: str) -> None:
    """Print to stderr; a terminal that hung up (SIGHUP) cannot take it, and then nothing
    printed afterwards may fail the run: stdout and stderr go to /dev/null."""
    try:
        print(text, file=sys.stderr, flush=True)
    except OSError:
        silence_terminal()


def silence_terminal() -> None:
    """Point stdout and stderr at /dev/null (their reader is gone)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)


def stop_now(note: str = "") -> None:
    """Exit 130 at once. os._exit skips every `finally`: stop what runs (services, every process
    started) and drop half-written files first; then say `note` (if stderr can take it)."""
    from yamlparity.core.atomic import remove_temporaries
    from yamlparity.targets import reaper

    remove_temporaries()
    stop_services()
    reaper.kill_all()
    remove_temporaries()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        if note:
            print(f"\n{note}", file=sys.stderr)
        sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def check_distinct_reports(specs: Sequence[Any], report_dir: Path | None) -> None:
    """Two specs writing one report file would lose the first: refuse before running."""
    seen: dict[Path, Any] = {}
    for spec in specs:
        path = report_path(spec, report_dir).resolve()
        if path in seen:
            raise UsageError(
                f"{seen[path].file} and {spec.file} would both write {path}: give one a "
                "different `name:` or `report.path`"
            )
        seen[path] = spec


def report_path(spec: Any, report_dir: Path | None) -> Path:
    from yamlparity.core.redact import BOUNDARY
    from yamlparity.core.safepath import safe_component

    # A name holding a secret's value would become a file name, listed and printed.
    if report_dir is not None:
        return report_dir / f"{safe_component(BOUNDARY.text(spec.name))}.md"
    if spec.report.path is not None:
        return Path(spec.report.path)
    return Path("reports") / f"{safe_component(BOUNDARY.text(spec.name))}.md"
