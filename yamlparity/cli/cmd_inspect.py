"""`yamlparity validate`, `list` and `schema`: look at specs without running anything."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from yamlparity.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    add_spec_args,
    argv_text,
    case_names,
    check_distinct_reports,
    display_path,
    load_all,
    parse_env,
    project_config,
    spec_paths,
)
from yamlparity.core.errors import UsageError

# In the project, beside its settings: a stable path that does not depend on the install.
DEFAULT_SCHEMA_FILE = Path(".yamlparity") / "spec.schema.json"


def register(sub: Any) -> None:
    validate = sub.add_parser("validate", help="load and check specs without running anything")
    add_spec_args(validate)
    validate.set_defaults(handler=validate_command)
    listing = sub.add_parser("list", help="list the specs, targets and cases that would run")
    add_spec_args(listing)
    listing.set_defaults(handler=list_command)
    schema = sub.add_parser("schema", help="print the spec JSON Schema (for editors)")
    schema.add_argument(
        "--write",
        nargs="?",
        const=DEFAULT_SCHEMA_FILE,
        type=Path,
        metavar="FILE",
        help=f"write it to FILE (default: {DEFAULT_SCHEMA_FILE} in the project) for editors "
        "to point at, and print the line to put at the top of a spec",
    )
    schema.set_defaults(handler=schema_command)


def validate_command(args: argparse.Namespace) -> int:
    """Every spec given is checked, and each gets its line: one bad spec hides no other."""
    from yamlparity.core.errors import SpecError
    from yamlparity.spec.load import find_specs, load_spec

    env = parse_env(args.env)
    failed = False
    cfg = project_config(args)
    loaded = []
    for given in spec_paths(args, cfg):
        try:
            files = find_specs([given])
        except SpecError as exc:
            print(exc.render(), file=sys.stderr)
            failed = True
            continue
        for file in files:
            try:
                spec = load_spec(file, env, allow_outside=args.allow_outside)
            except SpecError as exc:
                print(exc.render(), file=sys.stderr, flush=True)
                failed = True
                continue
            print(f"ok  {spec.file}  ({len(spec.targets)} targets, {len(spec.cases)} cases)")
            _print_unused(spec)
            _print_missing_programs(spec)
            loaded.append(spec)
    try:  # what `run` would refuse between specs, before anything runs
        check_distinct_reports(loaded, cfg.report_dir)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        failed = True
    return EXIT_USAGE if failed else EXIT_OK


def _print_unused(spec: Any) -> None:
    """Recorded cases the spec no longer has: stale lines in a committed recording."""
    for target in spec.targets.values():
        if target.kind == "recorded" and target.unused:
            shown = ", ".join(target.unused[:10]) + (" …" if len(target.unused) > 10 else "")
            print(
                f"    {target.source.display}: {len(target.unused)} recorded case(s) no longer "
                f"in the spec (unused): {shown}"
            )


def _print_missing_programs(spec: Any) -> None:
    """A program a target or its service starts that is not here (`nodee`, a helper not built
    yet): the spec is valid, but `run` would make its cases ERROR. Said, not refused: CI may
    have what this machine lacks. Not for targets with `build:` (it may make the program) or
    `when_missing: skip` (absence planned for), nor for shell strings and templated argv."""
    import os

    from yamlparity.core.printable import terminal_safe
    from yamlparity.targets.command import resolve_executable

    for target in spec.targets.values():
        starts = target if target.kind == "command" else getattr(target, "service", None)
        if starts is None or starts.shell or isinstance(starts.run, str) or not starts.run:
            continue
        if getattr(target, "build", None) is not None:
            continue
        if getattr(target, "when_missing", "error") == "skip":
            continue
        program = starts.run[0]
        if "{{" in program:
            continue
        path = {**os.environ, **starts.env}.get("PATH")
        if resolve_executable(program, starts.cwd, path) is None:
            whose = "its service runs" if starts is not target else "runs"
            then = (
                "its cases would be ERROR (`when_missing: skip` makes them SKIP)"
                if starts is target
                else "the service could not start and its cases would be ERROR"
            )
            print(
                f"    warning: target `{target.name}` ({target.location}) {whose} "
                f"{terminal_safe(program)!r}, which is not found here: {then}"
            )


def list_command(args: argparse.Namespace) -> int:
    for spec in load_all(args):
        print(f"{spec.name}  ({spec.file})")
        for name, target in spec.targets.items():
            if target.kind == "recorded":
                how = f"recorded in {target.source.display}"
            else:
                how = target.url if target.kind == "http" else argv_text(target.run)
            print(f"  target {name}: {how}")
        for name in case_names(spec):
            print(f"  case {name}")
    return EXIT_OK


def schema_command(args: argparse.Namespace) -> int:
    import json

    from yamlparity.spec.validation import editor_schema

    text = json.dumps(editor_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.write is None:
        print(text, end="")
        return EXIT_OK
    cfg = project_config(args)
    root = cfg.root
    target = args.write if args.write.is_absolute() or root is None else root / args.write
    from yamlparity.report.render import write_atomic

    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, text)
    print(f"wrote {display_path(target)}")
    for folder in _spec_folders(cfg):
        # The path is relative to the spec file: a line for a spec in each spec folder.
        where = "this folder" if folder == Path.cwd().resolve() else f"{display_path(folder)}/"
        print(f"first line of a spec in {where} (one more ../ for each folder below it):")
        print(f"# yaml-language-server: $schema={os.path.relpath(target.resolve(), folder)}")
    return EXIT_OK


def _spec_folders(cfg: Any) -> list[Path]:
    """Where the project's specs are: its `specs` setting's folders (a file's folder), else
    the project's specs/ when it has one, else the working directory."""
    root = cfg.root or Path.cwd()
    given = [p if p.is_dir() else p.parent for p in cfg.specs if p.exists()]
    if not given and (root / "specs").is_dir():
        given = [root / "specs"]
    folders: list[Path] = []
    for folder in given or [Path.cwd()]:
        resolved = folder.resolve()
        if resolved not in folders:
            folders.append(resolved)
    return folders
