"""`yamlparity validate`, `list` and `schema`: look at specs without running anything."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from yamlparity.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    add_spec_args,
    argv_text,
    case_names,
    load_all,
    parse_env,
    project_config,
    spec_paths,
)


def register(sub: Any) -> None:
    validate = sub.add_parser("validate", help="load and check specs without running anything")
    add_spec_args(validate)
    validate.set_defaults(handler=validate_command)
    listing = sub.add_parser("list", help="list the specs, targets and cases that would run")
    add_spec_args(listing)
    listing.set_defaults(handler=list_command)
    schema = sub.add_parser("schema", help="print the spec JSON Schema (for editors)")
    schema.set_defaults(handler=schema_command)


def validate_command(args: argparse.Namespace) -> int:
    """Every spec given is checked, and each gets its line: one bad spec hides no other."""
    from yamlparity.core.errors import SpecError
    from yamlparity.spec.load import find_specs, load_spec

    env = parse_env(args.env)
    failed = False
    for given in spec_paths(args, project_config(args)):
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
                print(f"bad {file}", flush=True)
                print(exc.render(), file=sys.stderr, flush=True)
                failed = True
                continue
            print(f"ok  {spec.file}  ({len(spec.targets)} targets, {len(spec.cases)} cases)")
    return EXIT_USAGE if failed else EXIT_OK


def list_command(args: argparse.Namespace) -> int:
    for spec in load_all(args):
        print(f"{spec.name}  ({spec.file})")
        for name, target in spec.targets.items():
            how = target.url if target.kind == "http" else argv_text(target.run)
            print(f"  target {name}: {how}")
        for name in case_names(spec):
            print(f"  case {name}")
    return EXIT_OK


def schema_command(args: argparse.Namespace) -> int:
    import json

    from yamlparity.spec.load import schema

    print(json.dumps(schema(), indent=2, ensure_ascii=False))
    return EXIT_OK
