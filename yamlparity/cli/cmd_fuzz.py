"""`yamlparity fuzz SPEC`: inputs from a JSON Schema, every target, minimal divergent inputs
saved as regression cases (docs/fuzzing.md). Needs the `fuzz` extra (Hypothesis and
hypothesis-jsonschema)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

from yamlparity.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_env,
    display_path,
    install_interrupt,
    parse_env,
    project_config,
)
from yamlparity.core.errors import UsageError

MISSING_EXTRA = (
    "yamlparity fuzz needs Hypothesis and hypothesis-jsonschema, which are not installed "
    "({missing}): pip install 'yamlparity[fuzz]'"
)
CACHE = Path(".yamlparity")  # in the project root: the example database
DATABASE = CACHE / "fuzz-db"
KINDS = {"diff": "DIFF", "error": "ERROR", "fail": "FAIL"}
SAVED_TAGS = {
    "not reproduced": "not saved: not reproduced",
    "not reproduced (in the file from an earlier run)": (
        "not saved: not reproduced; a case of this name is in the file from an earlier run"
    ),
}
REFRESH_SECONDS = 0.1


def register(sub: Any) -> None:
    fuzz = sub.add_parser(
        "fuzz", help="generate inputs from a JSON Schema and shrink every divergence found"
    )
    fuzz.set_defaults(handler=fuzz_command)
    fuzz.add_argument("spec", type=Path, help="the spec file whose targets are compared")
    fuzz.add_argument(
        "--schema",
        type=Path,
        metavar="FILE",
        help="JSON Schema of case.input (wins over the spec's fuzz.schema)",
    )
    fuzz.add_argument(
        "--save",
        type=Path,
        metavar="FILE.jsonl",
        help="add each new finding to this fixture file as a case (default: fuzz.save)",
    )
    fuzz.add_argument(
        "--max-examples",
        type=int,
        metavar="N",
        help="search budget: inputs sent while searching, shrinking not counted (default 100, "
        "or no limit with --max-time)",
    )
    fuzz.add_argument(
        "--max-time", type=float, metavar="SECONDS", help="search for at most this long"
    )
    fuzz.add_argument(
        "--seed", type=int, metavar="N", help="random seed (default: a new one, shown)"
    )
    database = fuzz.add_mutually_exclusive_group()
    database.add_argument(
        "--db",
        type=Path,
        metavar="DIR",
        help=f"Hypothesis example database (default: {DATABASE} in the project)",
    )
    database.add_argument(
        "--no-db", action="store_true", help="no example database: nothing is retried or kept"
    )
    fuzz.add_argument(
        "--report-dir",
        type=Path,
        metavar="DIR",
        help="write DIR/<spec name>.fuzz.md and .json (default: the project's report_dir, "
        "else reports/)",
    )
    fuzz.add_argument("-q", "--quiet", action="store_true", help="print only the summary line")
    add_env(fuzz)


def fuzz_command(args: argparse.Namespace) -> int:
    cfg = project_config(args)
    root = cfg.root or Path.cwd()
    _require_extra(root)
    from yamlparity.report.fuzz import check_save_file, save_findings, write_reports
    from yamlparity.run.fuzz import FuzzOptions, fuzz_spec
    from yamlparity.run.fuzz_schema import load_input_schema
    from yamlparity.spec.redact import Redactor

    spec = _load_spec(args)
    recorded = [name for name, target in spec.targets.items() if target.kind == "recorded"]
    if recorded:
        raise UsageError(
            f"{args.spec}: target {recorded[0]!r} replays a recording, which holds answers to "
            "the spec's cases only: fuzzed inputs are new. Fuzz a spec whose targets run"
        )
    schema_path = args.schema or spec.fuzz.schema
    if schema_path is None:
        raise UsageError(
            f"{args.spec}: no input schema: add `fuzz: {{schema: input.schema.json}}` to the "
            "spec, or pass --schema FILE"
        )
    if args.schema and not Path(args.schema).is_file():
        raise UsageError(
            f"--schema {args.schema}: no such file (a path on the command line is read from "
            f"the current folder, {Path.cwd()}; the spec's fuzz.schema from the spec's folder)"
        )
    schema = load_input_schema(Path(schema_path), display_path(Path(schema_path)))
    options = FuzzOptions(
        schema=schema,
        seed=_seed(args, spec),
        max_examples=_positive(args.max_examples, spec.fuzz.max_examples, "--max-examples"),
        max_time=_positive(args.max_time, spec.fuzz.max_time, "--max-time"),
        database=_database(args, root),
    )
    save = args.save or spec.fuzz.save
    if save is not None:  # before the search, whose findings a bad path would lose
        check_save_file(Path(save))
    report = _report_path(spec, args.report_dir or cfg.report_dir)
    _check_writable(report.parent)
    install_interrupt(options.stop, "reporting what was found")
    redactor = Redactor.for_spec(spec)
    live = _live(sys.stderr)
    progress = _Progress(sys.stderr if live else sys.stdout, spec.name, live, args.quiet, redactor)
    result = fuzz_spec(spec, options, listener=progress)
    progress.clear()
    if save is not None and result.findings:
        save_findings(Path(save), result.findings)
        result.save = display_path(Path(save))
    shown = display_path(spec.file)
    written, _ = write_reports(result, report, shown, redact=redactor.text)
    print(redactor.text(_summary(result, display_path(written))), flush=True)
    if not args.quiet:
        for finding in result.findings:
            print(redactor.text(_finding_line(finding)))
    if result.stopped == "interrupted":
        return EXIT_INTERRUPTED
    failed = bool(result.findings) or result.stopped == "unavailable"
    return EXIT_FAILED if failed else EXIT_OK


def _load_spec(args: argparse.Namespace) -> Any:
    """The one spec to fuzz. Loaded knowing the --save file: `cases_from` may name it before
    the first search writes it, as it may name `fuzz.save`."""
    from yamlparity.spec.load import find_specs, load_spec

    paths = find_specs([args.spec])
    if len(paths) != 1:
        raise UsageError(f"fuzz takes one spec file; {args.spec} holds {len(paths)}")
    return load_spec(
        paths[0],
        parse_env(args.env),
        allow_outside=args.allow_outside,
        fuzz_save=Path(args.save) if args.save else None,
    )


def _require_extra(root: Path) -> None:
    """The extra is optional: without it, say what to install (exit 2), never a traceback.
    Hypothesis keeps caches in a folder it creates on import of its strategies, `./.hypothesis`
    unless told: it is told `_hypothesis_home`."""
    for name in ("hypothesis", "hypothesis_jsonschema"):
        if importlib.util.find_spec(name) is None:  # looked up, not imported: nothing written
            raise UsageError(MISSING_EXTRA.format(missing=name))
    try:
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(_hypothesis_home(root))
        import hypothesis_jsonschema  # noqa: F401
    except ImportError as exc:  # installed but broken
        raise UsageError(MISSING_EXTRA.format(missing=exc.name or exc)) from None


def _hypothesis_home(root: Path) -> Path:
    """Hypothesis's caches (a table of the characters UTF-8 can encode, ~1.5 s to build) hold
    nothing of the project: one copy in the user's cache folder serves every project
    (`$XDG_CACHE_HOME/yamlparity/hypothesis`, else `~/.cache/...`); the project's
    `.yamlparity/` where that folder cannot be made."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        cache = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
        folder = cache / "yamlparity" / "hypothesis"
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
        for level in (folder.parent, folder):  # private, as XDG asks
            level.mkdir(mode=0o700, exist_ok=True)
    except (OSError, RuntimeError):  # no home, a read-only one
        return _cache_folder(root) / "hypothesis"
    return folder


def _database(args: argparse.Namespace, root: Path) -> Path | None:
    """The example database: --db, none with --no-db, else `.yamlparity/fuzz-db` in the project
    (the folder created git-ignored). Checked writable before the search: Hypothesis drops
    what it cannot store without a word, and the report would name a database holding
    nothing."""
    if args.no_db:
        return None
    folder = Path(args.db) if args.db else _cache_folder(root) / DATABASE.name
    problem = _unwritable(folder)
    if problem:
        named = f"--db {args.db}" if args.db else f"the example database {folder}"
        raise UsageError(
            f"{named}: cannot store examples there ({problem}); name a folder that can be "
            "written with --db DIR, or search without one: --no-db"
        )
    return folder


def _unwritable(folder: Path) -> str:
    """Why no file can be written in `folder` (created if missing); "" when one can. A file is
    written and removed: permissions alone say nothing of a read-only file system to root."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".yamlparity-probe-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        return exc.strerror or str(exc)
    return ""


def _cache_folder(root: Path) -> Path:
    """`.yamlparity/` in the project, created with a .gitignore: caches, not sources."""
    folder = root / CACHE
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
            (folder / ".gitignore").write_text("# yamlparity's caches (fuzz database)\n*\n")
        except OSError as exc:
            raise UsageError(f"cannot create {folder}: {exc.strerror}") from None
    return folder


def _seed(args: argparse.Namespace, spec: Any) -> int:
    seed = args.seed if args.seed is not None else spec.fuzz.seed
    if seed is None:
        return secrets.randbelow(2**32)
    if seed < 0:
        raise UsageError("--seed must be 0 or more")
    return int(seed)


def _positive(flag: Any, configured: Any, name: str) -> Any:
    value = flag if flag is not None else configured
    if value is not None and value <= 0:
        raise UsageError(f"{name} must be more than 0")
    return value


def _report_path(spec: Any, report_dir: Path | None) -> Path:
    from yamlparity.core.safepath import safe_component

    return (report_dir or Path("reports")) / f"{safe_component(spec.name)}.fuzz.md"


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the report folder {folder}: {exc.strerror}") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write reports into {folder}")


def _live(stream: TextIO) -> bool:
    from yamlparity.cli.progress import live_terminal

    return live_terminal(stream)


class _Progress:
    """The live line (`[fuzz] numbers: 340 examples · 3 findings · 4.1 s`) on a terminal; a
    line per new finding everywhere unless -q."""

    def __init__(self, stream: TextIO, name: str, live: bool, quiet: bool, redactor: Any) -> None:
        self.stream, self.name, self.live, self.quiet = stream, name, live and not quiet, quiet
        self.redact = redactor.text
        self.drawn = 0.0
        self.width = 0

    def example(self, examples: int, findings: int, seconds: float) -> None:
        if not self.live:
            return
        now = time.monotonic()
        if now - self.drawn < REFRESH_SECONDS:
            return
        self.drawn = now
        line = f"[fuzz] {self.name}: {examples} examples · {findings} found · {seconds:.1f} s"
        self.stream.write("\r" + line + " " * max(0, self.width - len(line)))
        self.stream.flush()
        self.width = len(line)

    def found(self, label: str, kind: str, example: int, seconds: float) -> None:
        if self.quiet:
            return
        from yamlparity.core.printable import visible_json

        label = visible_json(label)  # a key of the input may hold a character nobody sees
        self.clear()
        self.stream.write(
            self.redact(f"  found {KINDS[kind]:<5} {label} (example {example}, {seconds:.2f} s)")
            + "\n"
        )
        self.stream.flush()

    def searching_again(self, reason: str, examples: int, seconds: float) -> None:
        """Said even with -q: the findings printed so far are dropped."""
        self.clear()
        self.stream.write(
            self.redact(
                f"[fuzz] {self.name}: {reason} (after {examples} inputs, {seconds:.2f} s): "
                "what was found is dropped, and the search starts again, waiting until the "
                "helpers' stdout is quiet (50 ms) after each input"
            )
            + "\n"
        )
        self.stream.flush()

    def clear(self) -> None:
        if self.live and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _summary(result: Any, report: str) -> str:
    from yamlparity.results.fuzz import STOPPED_TEXT

    first = result.first_finding
    after = f", first after {first.first_seconds:.2f} s" if first is not None else ""
    stopped = "" if result.stopped in ("examples", "time") else f" ({STOPPED_TEXT[result.stopped]})"
    if result.settled is not None:
        stopped += " (searched again: a stream helper wrote more lines than it was sent)"
    words = {"diff": "divergence", "error": "error", "fail": "failed expectation"}
    found = ", ".join(_found(result, kind, word) for kind, word in words.items())
    return (
        f"[fuzz] {result.spec}: {_plural(result.examples, 'example')} ({result.searched} "
        f"searching), {found} in {result.seconds:.1f} s{after}, seed {result.seed}{stopped} "
        f"→ {report}"
    )


def _found(result: Any, kind: str, word: str) -> str:
    """`2 divergences`, `1 divergence (1 not reproduced)`."""
    text = _plural(len(result.of_kind(kind)), word)
    flaky = result.not_reproduced(kind)
    return text + (f" ({flaky} not reproduced)" if flaky else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _finding_line(finding: Any) -> str:
    from yamlparity.core.printable import visible_json
    from yamlparity.report.fuzz import cut_json, shown_input

    shown = cut_json(shown_input(finding.input), 120)
    saved = f" [{SAVED_TAGS.get(finding.saved, finding.saved)}]" if finding.saved else ""
    label = visible_json(finding.label)
    head = f"  {KINDS[finding.kind]:<5} {finding.name}{saved}: {label}"
    # As the report says it: the search ended before this input was made minimal.
    state = "" if finding.shrunk else " (not fully shrunk: the search ended first)"
    line = f"{head}\n        input: {shown}{state}"
    if not finding.reproduced:  # said on the terminal too: the report is not always read
        from yamlparity.report.fuzz import not_reproduced_text

        line += f"\n        NOT REPRODUCED: {not_reproduced_text(finding)}"
    return line
