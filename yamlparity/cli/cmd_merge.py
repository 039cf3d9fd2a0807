"""`yamlparity merge`: the results of `run --shard K/N` runs, put together into the reports one
run of every case would have written (docs/scaling.md).

Takes shard folders (searched for `yamlparity-shard.json`, as CI artifacts unpack them) or the
manifests themselves. Refuses a set that is not one whole split (exit 2, results/shardset.py);
writes a merged report that says so when a shard did not finish.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yamlparity.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    audit_lines,
    display_path,
    project_config,
)
from yamlparity.core.errors import UsageError


def register(sub: Any) -> None:
    merge = sub.add_parser(
        "merge",
        help="merge the results of `run --shard K/N` runs into the reports of one run",
    )
    merge.set_defaults(handler=merge_command)
    merge.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="DIR-or-FILE",
        help="shard folders (searched for yamlparity-shard.json) or the manifests themselves",
    )
    merge.add_argument(
        "--report-dir",
        type=Path,
        metavar="DIR",
        help="write the merged reports to DIR/<spec name>.md plus DIR/index.md (default: the "
        "project's report_dir, else reports/)",
    )
    merge.add_argument(
        "--format",
        dest="formats",
        metavar="LIST",
        help="comma-separated outputs: md, html, json, junit (default: the project's, else md)",
    )
    merge.add_argument(
        "--template",
        type=Path,
        metavar="FILE",
        help="report template (wins over report.template and the project's templates/)",
    )
    merge.add_argument(
        "--fixed-ok",
        action="store_true",
        default=None,
        help="a known divergence that has disappeared (FIXED) does not fail the merge",
    )
    merge.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the summary lines: no audit lines, no index line",
    )
    merge.add_argument(
        "--no-history",
        dest="history",
        action="store_false",
        help="do not append the merged run to <report folder>/history.jsonl",
    )


def merge_command(args: argparse.Namespace) -> int:
    from yamlparity.cli.colors import palette_for
    from yamlparity.report.formats import parse_formats, write_index, write_spec
    from yamlparity.report.history import Recording
    from yamlparity.report.render import check_template, choose_template
    from yamlparity.results import shardset
    from yamlparity.run.selection import describe

    cfg = project_config(args)
    formats = parse_formats(args.formats) if args.formats else (cfg.formats or ("md",))
    report_dir = args.report_dir or cfg.report_dir or Path("reports")
    fixed_ok = args.fixed_ok if args.fixed_ok is not None else cfg.fixed_ok
    shards = shardset.check(shardset.find_manifests(args.inputs))
    for note in shards.notes:
        print(f"note: {note}", file=sys.stderr)
    first = shards.shards[0][1]
    filters = first.selection
    # Recorded as the single run would have been: with its `-k` (or every filter, as run does).
    select = (", ".join(filters) if first.skip_empty else first.keyword) if filters else None
    recording = Recording(select=select) if args.history else None
    root = cfg.root or Path.cwd()
    merged = []
    for number, entry in enumerate(shards.specs):
        result = shardset.merge_spec(
            shards, number, _load, lambda selected, total: describe(filters, selected, total)
        )
        if result is None:
            print(f"[parity] {entry.name}: no case selected; not merged", flush=True)
            continue
        template = Path(entry.template) if entry.template else None
        choice = choose_template(
            cli=args.template, spec=template, config=cfg.template, project_root=root
        )
        merged.append((entry, result, choice))
    for path, choice in {c.path: c for _, _, c in merged}.items():
        check_template(choice, [_shape(e) for e, _, c in merged if c.path == path])
    _check_writable(report_dir)
    written = []
    failed = False
    paint = palette_for(sys.stdout)
    for entry, result, choice in merged:
        path = report_dir / f"{_safe(entry.name)}.md"
        out = write_spec(
            result,
            path,
            formats,
            choice,
            baseline=entry.baseline,
            recording=recording,
            fixed_ok=fixed_ok,
            unselected=entry.total - entry.selected,  # left out by -k, as one run says
        )
        written.append(out)
        _summary(result, out.primary)
        if not args.quiet and out.audit is not None:  # as `run` prints them for one run
            for line in audit_lines(out.audit, paint):
                print(line, flush=True)
        failing = [c for c in result.cases if c.failing and not (fixed_ok and c.verdict == "FIXED")]
        failed = failed or bool(failing) or result.interrupted
    if written:
        index = write_index(report_dir, written, formats, choose_template(project_root=root))
        if not args.quiet:
            print(index.line(display_path(index.path)))
        _job_summary(written)
    return EXIT_FAILED if failed else EXIT_OK


def _job_summary(written: Sequence[Any]) -> None:
    """Under GitHub Actions, the merged run's job summary (the one `run` writes for a run)."""
    from yamlparity.cli import github
    from yamlparity.report.summary import render_summary, report_link, spec_entry

    if github.active():
        entries = [
            spec_entry(w.result, report_link(w.primary), w.history, w.passed) for w in written
        ]
        github.append_summary(render_summary(entries))


def _load(path: Path) -> tuple[Any, dict[str, Any]]:
    """A shard's results file: the spec's results, and the file's `shard` block."""
    from yamlparity.core import gcpause, jsonvalue
    from yamlparity.report.formats import results_json

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    with gcpause.paused(len(raw) >= gcpause.LARGE):  # as results_json.loads reads one
        try:
            data = jsonvalue.loads(raw)
        except jsonvalue.JsonDecodeError as exc:
            raise UsageError(f"{path}: not a results file ({exc})") from None
        result = results_json.from_document(data, str(path))
    assert isinstance(data, dict)  # from_document refuses anything else
    block = jsonvalue.to_python(data.get("shard") or {})
    return result, block if isinstance(block, dict) else {}


def _shape(entry: Any) -> Any:
    from yamlparity.report.render import SpecShape, display_file

    return SpecShape(
        name=entry.name,
        title=entry.title,
        description=entry.description,
        file=display_file(entry.file),
        kind=entry.kind,
        targets=tuple(t.name for t in entry.targets),
        facets=tuple(entry.facets),
        baseline=entry.baseline,
    )


def _summary(result: Any, primary: Path) -> None:
    from yamlparity.report.render import tally_line

    chosen = f" [{result.selection}]" if result.selection else ""
    incomplete = " (incomplete)" if result.error else ""
    print(
        f"[parity] {result.name}: {tally_line(result.tally())} (out of {len(result.cases)})"
        f"{incomplete}{chosen} → {display_path(primary)}",
        flush=True,
    )
    if result.error:
        print(f"  {result.error}", file=sys.stderr)


def _check_writable(folder: Path) -> None:
    import os

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the report folder {folder}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write reports into {folder}")


def _safe(name: str) -> str:
    from yamlparity.core.safepath import safe_component

    return safe_component(name)
