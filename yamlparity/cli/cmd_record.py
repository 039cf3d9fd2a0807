"""`yamlparity record`: run one live target and write what it answered (a recording).

`record SPEC --target NAME` writes `baselines/NAME.jsonl` beside the spec (or in `--out DIR`)
and refuses to overwrite one: rewriting a recording is `--update-baseline`, which runs the
whole spec without that recording, refuses when the spec's other comparisons disagree (DIFF,
FAIL, ERROR) or the target failed to answer, unless `--force`, and prints which cases were
added, removed and changed. A run never rewrites a recording: CI cannot bless a change.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from yamlparity._version import __version__
from yamlparity.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_env,
    add_select,
    argv_text,
    display_path,
)
from yamlparity.core.errors import UsageError
from yamlparity.core.printable import cut_around, shown_json, shown_path

SHOWN = 20  # cases listed per kind of change; the rest are counted
CHANGE_WIDTH = 60  # characters of each side of a changed value shown, around the change


def register(sub: Any) -> None:
    record = sub.add_parser(
        "record",
        help="run one target and write what it answered to a recording (baselines/NAME.jsonl)",
    )
    record.set_defaults(handler=record_command)
    record.add_argument("spec", type=Path, help="the spec file")
    record.add_argument("--target", required=True, metavar="NAME", help="the live target to record")
    record.add_argument(
        "--out",
        type=Path,
        metavar="DIR|FILE",
        help="write DIR/NAME.jsonl, or FILE when it ends in .jsonl (default: baselines/ beside "
        "the spec; with --update-baseline, the spec's own recording of NAME when it has one)",
    )
    record.add_argument(
        "--update-baseline",
        action="store_true",
        help="rewrite an existing recording after a deliberate change; prints the added, "
        "removed and changed cases",
    )
    record.add_argument(
        "--force",
        action="store_true",
        help="write even when the target failed on some cases or (with --update-baseline) "
        "the spec's other comparisons disagree",
    )
    record.add_argument(
        "-j", "--jobs", type=int, metavar="N", help="cases in flight at once (default: tuned)"
    )
    add_env(record)
    add_select(record)


def record_command(args: argparse.Namespace) -> int:
    spec = _one_spec(args)
    target = _live_target(spec, args.target)
    _check_selection(spec, args.select)
    path = _recording_path(spec, args)
    shown = display_path(path)
    old = _old_recording(spec, target, path, shown, args.update_baseline)
    run = _Run(spec, target, path, old, args)
    try:
        if run.stopped:
            print(f"[record] {spec.name}: interrupted; {shown} not written", file=sys.stderr)
            return EXIT_INTERRUPTED
        skipped = _skipped_by_spec(spec, run.result, target.name)
        problems = _problems(run.result, target.name, set(skipped), compared=len(run.targets) > 1)
        if problems and not args.force:
            _print_refusal(problems, shown, args.update_baseline)
            return EXIT_FAILED
        if skipped and not run.capture.names():
            what = "updated" if args.update_baseline else "written"
            print(
                f"[record] {shown} not {what}: every selected case is skipped by the spec",
                file=sys.stderr,
            )
            return EXIT_FAILED
        every, changes = _write(spec, target, path, old, run.capture)
        _print_summary(spec.name, target.name, shown, every, run.capture, old, changes)
        _print_skipped(skipped, held=set(old.names()) if old is not None else set())
        return EXIT_OK
    finally:
        run.capture.discard()


def _check_selection(spec: Any, expression: str | None) -> None:
    """A -k that selects nothing is a typo: nothing is recorded nor rewritten (as `run`)."""
    if not expression:
        return
    from yamlparity.cli.common import case_names
    from yamlparity.spec.select import compile_selection

    matches = compile_selection(expression)
    if not any(matches(name) for name in case_names(spec)):
        raise UsageError(f"-k {expression!r} selects no case in {display_path(Path(spec.file))}")


def _old_recording(spec: Any, target: Any, path: Path, shown: str, update: bool) -> Any:
    """The recording --update-baseline rewrites (None when recording anew)."""
    from yamlparity.spec.recording import load_recording

    if not update:
        if path.exists():
            other = _recorded_by_another(spec, path, shown)
            raise UsageError(
                f"{shown} exists: to rewrite it after a deliberate change, add "
                "--update-baseline (it shows what changed)"
                if other is None
                else f"{shown} exists and was recorded by {other}: write this spec's "
                "recording elsewhere with --out FILE.jsonl"
            )
        return None
    if not path.is_file():
        raise UsageError(
            f"no recording at {shown} to update: record it first, without --update-baseline"
        )
    old = load_recording(path, shown)
    own = spec.answer_kind(target.name)  # a spec mixing kinds (align:) records per target
    if old.header.kind != own:
        raise UsageError(f"{shown} records a {old.header.kind} target; {target.name} is {own}")
    return old


def _recorded_by_another(spec: Any, path: Path, shown: str) -> str | None:
    """The spec file that wrote the recording at `path`, when it is not `spec` (by name and
    folder: a recording says which spec recorded it, relative to itself)."""
    from yamlparity.core.errors import SpecError
    from yamlparity.spec.recording import load_recording

    try:
        header = load_recording(path, shown).header
    except SpecError:
        return None  # not a recording we can read: the usual message stands
    recorded = (path.parent / header.spec).resolve()
    return None if recorded == Path(spec.file).resolve() else display_path(recorded)


class _Run:
    """The run whose answers are recorded: the target alone when recording anew; when
    updating, the whole spec without the recording being rewritten, so the spec's other
    comparisons are checked against the new answers."""

    def __init__(self, spec: Any, target: Any, path: Path, old: Any, args: argparse.Namespace):
        from yamlparity.cli.cmd_run import run_options
        from yamlparity.cli.common import install_interrupt
        from yamlparity.cli.progress import Progress, live_terminal
        from yamlparity.run.engine import make_adapter, run_spec
        from yamlparity.spec.redact import Redactor
        from yamlparity.targets.recorded import Capture

        options = run_options(args, args.jobs)
        install_interrupt(options.stop, "finishing the cases in flight")
        # Compared headers are recorded even when they are credentials: the spec asked.
        keep = frozenset(f.removeprefix("headers.") for f in spec.compare.facets if "." in f)
        captures: list[Capture] = []

        def factory(candidate: Any) -> Any:
            adapter = make_adapter(candidate, options.jobs)
            if candidate.name != target.name:
                return adapter
            kind = spec.answer_kind(candidate.name)
            capture = Capture(adapter, kind, spec.output, keep, Redactor.for_spec(spec))
            captures.append(capture)
            return capture

        if old is None:
            self.targets = {target.name: target}
        else:
            self.targets = {n: t for n, t in spec.targets.items() if not _records(t, path)}
        live = live_terminal(sys.stderr)
        progress = Progress(sys.stderr, live=live, quiet=not live, specs=1)
        run = dataclasses.replace(spec, targets=self.targets)
        self.result = run_spec(run, options, listener=progress, adapter_factory=factory)
        progress.clear()
        self.capture = captures[0]
        self.stopped = options.stop.is_set()


def _write(spec: Any, target: Any, path: Path, old: Any, capture: Any) -> tuple[list[str], Any]:
    """Write the recording; (its case names, what changed against the old one)."""
    from yamlparity.run.engine import now_utc
    from yamlparity.spec.recording import (
        RecordingHeader,
        file_sha256,
        target_headers_fingerprint,
    )
    from yamlparity.spec.redact import Redactor
    from yamlparity.targets.recorded import write_recording

    names = set(capture.names())
    spec_names = set(spec.cases.names())
    kept: set[str] = set()
    changes = _Changes()
    if old is not None:
        # With -k only the selected cases ran: the others keep their recorded answers.
        kept = {n for n in old.names() if n in spec_names and n not in names}
        changes = _classify(spec, target.name, old, capture, spec_names)
    every = sorted(names | kept)
    header = RecordingHeader(
        target=target.name,
        kind=spec.answer_kind(target.name),
        description=Redactor.for_spec(spec).text(_description(target)),
        recorded_at=now_utc(),
        yamlparity=__version__,
        spec=os.path.relpath(spec.file, path.parent.resolve()),
        spec_sha256=file_sha256(spec.file),
        cases=len(every),
        kept_headers=_kept_headers(spec, old, kept),
        target_headers_sha256=(
            target_headers_fingerprint(target.headers) if target.kind == "http" else None
        ),
    )

    def line_of(name: str) -> str:
        # An answer equal to its recording under the spec's rules keeps its old line: a
        # baseline diff then shows the cases that changed, not this run's timestamps.
        if name in names and name not in changes.same:
            return str(capture.line(name))
        return str(old.line(name) or "")

    write_recording(path, header, every, line_of)
    return every, changes


def _kept_headers(spec: Any, old: Any, kept: set[str]) -> tuple[str, ...]:
    """The headers a recording leaves out by default that this one keeps (the compared ones);
    with lines kept from the old recording (-k), only those its lines kept too."""
    from yamlparity.spec.recording import UNRECORDED_HEADERS
    from yamlparity.spec.redact import SENSITIVE_HEADERS

    named = {f.removeprefix("headers.") for f in spec.compare.facets if f.startswith("headers.")}
    names = named & (UNRECORDED_HEADERS | SENSITIVE_HEADERS)
    if kept:
        names &= set(old.header.kept_headers or ())
    return tuple(sorted(names))


def _one_spec(args: argparse.Namespace) -> Any:
    from yamlparity.cli.common import parse_env
    from yamlparity.spec.load import load_spec

    if not args.spec.is_file():
        raise UsageError(f"record takes one spec file; {args.spec} is not a file")
    # A spec may name the recording this command is about to write (a live target and its
    # own recording): a recording that does not exist yet is not an error here.
    return load_spec(
        args.spec,
        parse_env(args.env),
        allow_outside=args.allow_outside,
        missing_recordings=True,
    )


def _live_target(spec: Any, name: str) -> Any:
    from yamlparity.spec.validation import suggest

    target = spec.targets.get(name)
    if target is None:
        names = ", ".join(spec.targets)
        hint = suggest(name, list(spec.targets)) or f"its targets: {names}"
        raise UsageError(f"{spec.name} has no target {name!r} ({hint})")
    if target.kind == "recorded":
        raise UsageError(
            f"target {name!r} is a recording ({target.source.display}): record a live target "
            "(one with `run` or `url`)"
        )
    return target


def _records(target: Any, path: Path) -> bool:
    return bool(target.kind == "recorded" and target.path.resolve() == path.resolve())


def _recording_path(spec: Any, args: argparse.Namespace) -> Path:
    """--out (a folder, or a .jsonl file); else, updating, the spec's own recording of NAME;
    else baselines/NAME.jsonl beside the spec."""
    name = args.target
    if args.out is not None:
        out = Path(args.out)
        if out.suffix == ".jsonl":
            return out
        if out.suffix and not out.is_dir():
            # `--out rec.json` would make a folder rec.json/ holding NAME.jsonl.
            raise UsageError(
                f"--out {args.out}: a recording is a JSON Lines file, whose name ends in "
                f".jsonl: --out {out.with_suffix('.jsonl')} (or a folder: one that exists, "
                "or a name without a suffix)"
            )
        return out / f"{name}.jsonl"
    if args.update_baseline:
        own = [
            t.path
            for t in spec.targets.values()
            if t.kind == "recorded"
            and t.path.suffix == ".jsonl"
            and getattr(t.source, "header", None) is not None
            and t.source.header.target == name
        ]
        if len(own) > 1:
            shown = ", ".join(display_path(p) for p in own)
            raise UsageError(
                f"{spec.name} has several recordings of {name!r} ({shown}): pick one with --out"
            )
        if own:
            return Path(str(own[0]))
    return Path(spec.folder) / "baselines" / f"{name}.jsonl"


def _description(target: Any) -> str:
    """How the target is reached, as the spec writes it: stable from one recording to the
    next (a port chosen at run time would change the header every time)."""
    if target.kind == "http":
        service = target.service
        started = f" (service: {argv_text(service.run)})" if service is not None else ""
        return f"{target.url}{started}"
    from yamlparity.spec.recording import STREAM_DESCRIPTION

    stream = STREAM_DESCRIPTION if target.mode == "stream" else ""
    return f"{argv_text(target.run)}{stream}"


def _skipped_by_spec(spec: Any, result: Any, name: str) -> dict[str, str]:
    """case -> why, for the cases the spec itself keeps from target `name` (`skip: reason`,
    or `targets:` without it): not recorded, and no reason to refuse. A target skipped
    because it is missing (`when_missing: skip`) is not among them: it answered nothing."""
    wanted = {
        case.name
        for case in result.cases
        if name in case.outcomes and case.outcomes[name].skipped is not None
    }
    if not wanted:
        return {}
    out: dict[str, str] = {}
    # Only these few cases are read (a fixture row is parsed on reading): names come first.
    for position, case_name in enumerate(spec.cases.names()):
        if case_name not in wanted:
            continue
        try:
            case = spec.cases[position]
        except Exception:  # its fixture changed since loading (as the engine guards it)
            continue  # then it is no deliberate skip, and stays a reason to refuse
        if case.skip is not None:
            out[case_name] = f"skip: {case.skip}"
        elif case.targets is not None and name not in case.targets:
            out[case_name] = f"runs on {', '.join(case.targets)} only"
    return out


def _problems(
    result: Any, name: str, deliberate: set[str], *, compared: bool
) -> list[tuple[str, str]]:
    """(case, why) for cases the recording must not take silently: the target gave no
    usable answer, or (when other targets ran) the spec's comparisons did not pass. Cases in
    `deliberate` are skipped by the spec itself: no answer was asked for."""
    out: list[tuple[str, str]] = []
    for case in result.cases:
        outcome = case.outcomes.get(name)
        if case.name in deliberate:
            continue
        if outcome is not None and outcome.error:
            out.append((case.name, f"ERROR {name}: {outcome.error}"))
        elif outcome is not None and outcome.skipped:
            out.append((case.name, f"SKIP {name}: {outcome.skipped}"))
        elif compared and case.verdict in ("DIFF", "FAIL", "ERROR", "FIXED"):
            why = case.reason
            if not why and case.differences:
                first = case.differences[0]
                more = len(case.differences) - 1
                why = f"{first.facet} {first.path} differs" + (f" (+{more} more)" if more else "")
            out.append((case.name, f"{case.verdict}: {why}" if why else case.verdict))
    return out


def _print_refusal(problems: list[tuple[str, str]], shown: str, update: bool) -> None:
    what = "updated" if update else "written"
    print(f"[record] {shown} not {what}: {len(problems)} case(s) did not pass", file=sys.stderr)
    for name, why in problems[:SHOWN]:
        print(f"  {name}: {' '.join(why.split())[:200]}", file=sys.stderr)
    if len(problems) > SHOWN:
        print(f"  … {len(problems) - SHOWN} more", file=sys.stderr)
    print(
        "  fix them, or pass --force to record these answers as they are",
        file=sys.stderr,
    )


def _print_skipped(skipped: dict[str, str], *, held: set[str]) -> None:
    """The cases the spec skips, said to be missing from the recording; those the recording
    updated held an answer for keep it, and are said to."""
    if not skipped:
        return
    count = f"{len(skipped)} case{'' if len(skipped) == 1 else 's'}"
    print(f"[record] {count} skipped by the spec, not recorded:")
    names = sorted(skipped)
    for name in names[:SHOWN]:
        kept = " (its recorded answer is kept)" if name in held else ""
        print(f"  {name}: {' '.join(skipped[name].split())[:200]}{kept}")
    if len(names) > SHOWN:
        print(f"  … {len(names) - SHOWN} more")


@dataclasses.dataclass
class _Changes:
    """What an update does to each case of the old recording."""

    added: list[str] = dataclasses.field(default_factory=list)
    removed: list[str] = dataclasses.field(default_factory=list)
    changed: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (case, how)
    same: set[str] = dataclasses.field(default_factory=set)  # equal under the spec's rules


def _classify(spec: Any, target: str, old: Any, capture: Any, spec_names: set[str]) -> _Changes:
    """Added, removed and changed cases; a case whose new answer equals the recorded one once
    the spec's rules ran (a timestamp, an elapsed_ms) is not changed."""
    from yamlparity.spec.recording import answer_of

    changes = _Changes()
    recorded = set(old.names())
    changes.removed = sorted(n for n in recorded if n not in spec_names)
    judge = _Judge(spec, target)
    for name in sorted(capture.names()):
        if name not in recorded:
            changes.added.append(name)
            continue
        before, after = old.line(name) or "", capture.line(name)
        if before == after:
            changes.same.add(name)
            continue
        old_answer, new_answer = answer_of(before), answer_of(after)
        if old_answer.parsed and not new_answer.parsed and spec.output == "text":
            # The old line cannot answer an `output: text` replay (it holds a parsed value).
            changes.changed.append((name, f"{old_answer.parsed} → the text"))
            continue
        how = judge.difference(name, old_answer, new_answer)
        if how is None:
            changes.same.add(name)
        else:
            changes.changed.append((name, how))
    return changes


class _Judge:
    """Compares a recorded answer with a new one the way the spec compares two targets,
    with the recorded target's own rules on both sides (and no known/expect entries)."""

    def __init__(self, spec: Any, target: str) -> None:
        self.target = target
        self.twin = f"{target} (recorded)"
        rules = tuple(
            dataclasses.replace(rule, targets=rule.targets | {self.twin})
            if rule.targets is not None and target in rule.targets
            else rule
            for rule in spec.rules
        )
        targets = {target: spec.targets[target], self.twin: spec.targets[target]}
        self.spec = dataclasses.replace(
            spec, targets=targets, rules=rules, known=(), expectations=()
        )

    def difference(self, name: str, old: Any, new: Any) -> str | None:
        """None when the answers agree; else what differs (`status 200 → 201`, paths)."""
        from yamlparity.spec.model import Case
        from yamlparity.targets.recorded import observation
        from yamlparity.verdict.evaluate import evaluate

        if old.input_sha256 != new.input_sha256:
            return "input changed"
        if (old.failure, new.failure) != (None, None):
            return f"failure: {old.failure} → {new.failure}"
        raws = {self.target: observation(new, self.target), self.twin: observation(old, self.twin)}
        result = evaluate(self.spec, Case(name, self.spec.location, None), raws)
        if result.verdict == "MATCH":
            return None
        if not result.differences:
            return result.reason or result.verdict
        parts = []
        for diff in result.differences[:3]:
            sides = (self.twin, self.target)
            # Cut together around the first difference: cut from the start, the new value of
            # a long line never showed, and two long values could read the same.
            shown = cut_around(
                {
                    side: shown_json(diff.values[side], diff.path)
                    for side in sides
                    if side in diff.values
                },
                CHANGE_WIDTH,
            )
            old, new = (shown.get(side, "(missing)") for side in sides)
            parts.append(f"{diff.facet} {shown_path(diff.path)}: {old} → {new}")
        more = len(result.differences) - 3
        return "; ".join(parts) + (f"; … {more} more" if more > 0 else "")


def _print_summary(
    spec: str,
    target: str,
    shown: str,
    every: list[str],
    capture: Any,
    old: Any,
    changes: _Changes,
) -> None:
    if capture.masked:
        print(
            f"[record] {len(capture.masked)} case(s) held the value of a spec secret: written "
            "as *** (those answers will differ from the live target there)"
        )
    if old is None:
        count = f"{len(every)} case{'' if len(every) == 1 else 's'}"
        print(f"[record] {spec}: {count} of {target} → {shown}")
        return
    unchanged = len(every) - len(changes.added) - len(changes.changed)
    print(
        f"[record] {spec}: {shown} updated from {target}: {len(changes.added)} added, "
        f"{len(changes.removed)} removed, {len(changes.changed)} changed, {unchanged} unchanged"
    )
    for label, items in (
        ("added", [(n, "") for n in changes.added]),
        ("removed", [(n, "") for n in changes.removed]),
        ("changed", changes.changed),
    ):
        for name, detail in items[:SHOWN]:
            print(f"  {label:<8} {name}{': ' + detail if detail else ''}")
        if len(items) > SHOWN:
            print(f"  {label:<8} … {len(items) - SHOWN} more")
