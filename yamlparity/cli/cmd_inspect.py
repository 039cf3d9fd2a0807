"""`yamlparity validate`, `list` and `schema`: look at specs without running anything."""

from __future__ import annotations

import argparse
from typing import Any

from yamlparity.cli.common import EXIT_OK, add_spec_args, argv_text, case_names, load_all


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
    specs = load_all(args)
    for spec in specs:
        print(f"ok  {spec.file}  ({len(spec.targets)} targets, {len(spec.cases)} cases)")
        for target in spec.targets.values():
            if target.kind == "recorded" and target.unused:
                shown = ", ".join(target.unused[:10]) + (" …" if len(target.unused) > 10 else "")
                print(
                    f"    {target.source.display}: {len(target.unused)} recorded case(s) no "
                    f"longer in the spec (unused): {shown}"
                )
    return EXIT_OK


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

    from yamlparity.spec.load import schema

    print(json.dumps(schema(), indent=2, ensure_ascii=False))
    return EXIT_OK
