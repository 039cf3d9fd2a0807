"""`yamlparity template-context`: the JSON a report template receives."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from yamlparity.cli.cmd_run import run_options
from yamlparity.cli.common import EXIT_OK, add_env, add_select, load_paths
from yamlparity.core.errors import UsageError


def register(sub: Any) -> None:
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
    context.set_defaults(handler=template_context_command)
    add_env(context)
    add_select(context)


def template_context_command(args: argparse.Namespace) -> int:
    import json

    from yamlparity.report.render import context

    if args.from_results is not None:
        from yamlparity.report.formats import results_json

        if args.spec is not None:
            raise UsageError(
                f"template-context takes a SPEC to run or --from-results FILE, not both "
                f"({args.spec} and {args.from_results})"
            )
        if args.select:
            raise UsageError(
                "-k selects the cases to run; with --from-results nothing runs: the context "
                "is the results file's, every case"
            )

        try:
            text = args.from_results.read_text("utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {args.from_results}: {exc}") from None
        result = results_json.loads(text, str(args.from_results))
        baseline = None
    elif args.spec is not None:
        from yamlparity.run.engine import run_spec
        from yamlparity.spec.redact import Redactor

        specs = load_paths([args.spec], args)
        if len(specs) != 1:
            raise UsageError(
                f"template-context takes one spec file; {args.spec} holds {len(specs)}"
            )
        spec = specs[0]
        result = Redactor.for_spec(spec).deep(run_spec(spec, run_options(args, None)))
        baseline = spec.compare.baseline
    else:
        raise UsageError("template-context needs a SPEC or --from-results FILE")
    data = context(result, baseline=baseline)
    # Target values reach the context as text already: plain JSON, nothing to lose.
    # `cases` is a lazy sequence (report.CaseContexts): listed here, built case by case.
    print(json.dumps(data, indent=2, ensure_ascii=False, default=list))
    return EXIT_OK
