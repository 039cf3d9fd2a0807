"""`run`'s selection options — `--last-failed`, `--failed-first`, `--shard K/N`, `--durations` —
and what a shard writes: its results JSON (with a `shard` block) and `yamlparity-shard.json`.

`cmd_run` asks a `RunPlan` what to do with each spec; without any of these options (and
without `-k`) the plan runs every case exactly as before.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yamlparity.core.errors import UsageError


def register(run: argparse.ArgumentParser) -> None:
    group = run.add_argument_group("selection and shards (docs/scaling.md)")
    group.add_argument(
        "--last-failed",
        type=Path,
        action="append",
        metavar="RESULTS",
        help="run only the cases that were DIFF, FAIL, ERROR or FIXED in RESULTS (a results "
        "file written by --format json, a folder of them, or shard folders); a spec none of "
        "whose failed cases it still holds runs in full; repeatable",
    )
    group.add_argument(
        "--failed-first",
        type=Path,
        action="append",
        metavar="RESULTS",
        help="run every case, those that were DIFF, FAIL, ERROR or FIXED in RESULTS first",
    )
    group.add_argument(
        "--shard",
        metavar="K/N",
        help="run shard K of N (from 1): every runner computes the same split from case "
        "names; needs --report-dir, where the shard's results go for `yamlparity merge`",
    )
    group.add_argument(
        "--durations",
        type=Path,
        action="append",
        metavar="RESULTS",
        help="with --shard: balance the shards by the case durations in RESULTS (an earlier "
        "run's --format json results; every runner must be given the same)",
    )


def plan(args: argparse.Namespace, specs: Sequence[Any], report_dir: Path | None) -> RunPlan:
    """What this run does with each spec (see RunPlan)."""
    return RunPlan(specs, _criteria(args, report_dir))


def _criteria(args: argparse.Namespace, report_dir: Path | None) -> Any:
    from yamlparity.results.history import read_history
    from yamlparity.run.selection import Criteria
    from yamlparity.run.shard import parse_shard

    shard = parse_shard(args.shard) if args.shard else None
    if args.durations and shard is None:
        raise UsageError("--durations balances a split between shards: add --shard K/N")
    if args.last_failed and args.failed_first:
        raise UsageError(
            "--last-failed runs only the failed cases, --failed-first runs every case with the "
            "failed ones first: choose one"
        )
    if shard is not None and report_dir is None:
        raise UsageError(
            "--shard needs --report-dir DIR (or report_dir in the project's settings): the "
            "shard's results and yamlparity-shard.json go there for `yamlparity merge`"
        )
    if not (args.select or args.last_failed or args.failed_first or shard):
        return None
    return Criteria(
        keyword=args.select,
        last_failed=(
            read_history(args.last_failed, whole_shards=True) if args.last_failed else None
        ),
        last_failed_from=", ".join(str(p) for p in args.last_failed or ()),
        failed_first=read_history(args.failed_first) if args.failed_first else None,
        shard=shard,
        durations=read_history(args.durations) if args.durations else None,
    )


class RunPlan:
    """Per spec: whether it runs, which of its cases, and (for a shard) what is written."""

    def __init__(self, specs: Sequence[Any], criteria: Any) -> None:
        from yamlparity.run.selection import select

        self.criteria = criteria
        self.chosen = (
            {id(s.spec): s for s in select(specs, criteria)} if criteria is not None else {}
        )
        self.shard: _ShardFiles | None = None

    @property
    def nothing_to_run(self) -> str | None:
        """Why this run has nothing to do (a --last-failed where nothing failed), if so."""
        history = self.criteria.last_failed if self.criteria is not None else None
        if history is None or any(s.selected for s in self.chosen.values()):
            return None
        if self.criteria.shard is not None:
            return None  # a shard still writes its (empty) manifest: the merge expects one
        where = self.criteria.last_failed_from
        if history.failed_count == 0:
            return f"[parity] nothing failed in {where}: nothing to run again"
        # The failures are in specs not given (or renamed): a green retry would hide them.
        specs = sorted(name for name in history.verdicts if history.failed(name))
        raise UsageError(
            f"the cases that failed in {where} are in specs not given here "
            f"({', '.join(specs)}): nothing of them can run again (hint: give those specs, "
            "or run without --last-failed)"
        )

    def start(self, specs: Sequence[Any], report_dir: Path | None) -> None:
        """A shard writes its manifest before the first case runs."""
        if self.criteria is None or self.criteria.shard is None:
            return
        assert report_dir is not None
        self.shard = _ShardFiles(report_dir, self.criteria, [self.chosen[id(s)] for s in specs])
        self.shard.begin()

    def note(self, spec: Any) -> str | None:
        """A line saying that `spec` runs in full because its failed cases are gone, or None."""
        chosen = self.chosen.get(id(spec))
        if chosen is None or not chosen.gone:
            return None
        shown = ", ".join(chosen.gone[:5]) + (" …" if len(chosen.gone) > 5 else "")
        return (
            f"[parity] {spec.name}: the cases that failed in {self.criteria.last_failed_from} "
            f"({shown}) are not in it any more: running every case"
        )

    def skipped(self, spec: Any) -> str | None:
        """A line saying why `spec` does not run at all, or None when it runs."""
        chosen = self.chosen.get(id(spec))
        if chosen is None or chosen.count:
            return None
        if self.criteria.shard is not None:
            return f"[parity] {spec.name}: no case in shard {self.criteria.shard}; nothing started"
        if self.criteria.last_failed is not None:
            return (
                f"[parity] {spec.name}: no case failed in {self.criteria.last_failed_from}; "
                "not run, its report is left as it was"
            )
        if not self.criteria.keyword:
            return None  # a spec of no cases (a fuzz spec) runs as it would without options
        # -k selecting nothing of this spec: a report of 0 cases would replace its last full
        # one and show a failing spec as passing (and add a run of 0 cases to its history).
        return (
            f"[parity] {spec.name}: no case selected ({', '.join(self.criteria.filters)}); "
            "its report is left as it was"
        )

    def run(self, spec: Any, options: Any, listener: Any) -> Any:
        from yamlparity.run.engine import run_spec
        from yamlparity.run.selection import execute

        chosen = self.chosen.get(id(spec))
        if chosen is None:
            return run_spec(spec, options, listener=listener)
        result = execute(chosen, options, listener, on_first=_first_line(spec, listener))
        if self.shard is not None:
            # Where each result stands in the spec, from the names before secrets are masked.
            self.shard.held[id(spec)] = _positions(chosen, result)
        return result

    def unselected(self, spec: Any) -> int:
        """How many of the spec's cases this run's selection left out."""
        chosen = self.chosen.get(id(spec))
        return len(spec.cases) - len(chosen.names) if chosen is not None else 0

    def not_run(self, spec: Any, result: Any) -> list[str]:
        """The selected cases an interrupted run never finished, in spec order: JUnit lists
        them as errors (the run failed; a report of the finished cases alone looks green)."""
        if not result.interrupted:
            return []
        from yamlparity.cli.common import case_names

        chosen = self.chosen.get(id(spec))
        names = chosen.names if chosen is not None else case_names(spec)
        cases = result.cases
        name = getattr(cases, "name", None)  # the compact store: names without the cases
        done = {name(i) for i in range(len(cases))} if name else {c.name for c in cases}
        return [n for n in names if n not in done]

    def write(
        self,
        result: Any,
        spec: Any,
        path: Path,
        formats: Sequence[str],
        choice: Any,
        *,
        history: bool = True,
        fixed_ok: bool = False,
        not_run: Sequence[str] = (),
    ) -> Any:
        """The spec's outputs (report.formats.write_spec), the run appended to the report
        folder's history unless `history` is false. A shard writes its JSON always, with its
        block, and no history: the merged run is the one recorded."""
        from yamlparity.report.formats import Written, write_spec
        from yamlparity.report.history import Recording

        baseline = spec.compare.baseline
        if self.shard is None:
            recording = Recording(select=self._recorded_selection()) if history else None
            return write_spec(
                result,
                path,
                formats,
                choice,
                baseline=baseline,
                recording=recording,
                fixed_ok=fixed_ok,
                not_run=not_run,
                unselected=self.unselected(spec),
            )
        json_path = self.shard.write_results(self.chosen[id(spec)], result, path)
        rest = [f for f in formats if f != "json"]
        if not rest:
            return Written(result, {"json": json_path})
        out = write_spec(
            result,
            path,
            rest,
            choice,
            baseline=baseline,
            fixed_ok=fixed_ok,
            not_run=not_run,
            unselected=self.unselected(spec),
        )
        out.paths = {"json": json_path, **out.paths}
        return out

    def _recorded_selection(self) -> str | None:
        """What the history records as the cases' selection: the `-k` expression, or every
        filter when there is more than `-k` (compare like with like)."""
        if self.criteria is None:
            return None
        if self.criteria.last_failed is None:
            keyword: str | None = self.criteria.keyword
            return keyword
        return ", ".join(self.criteria.filters)

    def finish(self, stopped: bool) -> None:
        if self.shard is not None:
            self.shard.end(stopped)


def _first_line(spec: Any, listener: Any) -> Any:
    """--failed-first: once the failed cases have run, say how they went."""

    def show(result: Any, remaining: int) -> None:
        from yamlparity.report.render import tally_line

        clear = getattr(listener, "clear", None)
        if clear is not None:
            clear()
        then = f"; now the other {remaining}" if remaining else ""
        print(
            f"[parity] {spec.name}: the {len(result.cases)} that failed last time: "
            f"{tally_line(result.tally())}{then}",
            flush=True,
        )

    return show


class _ShardFiles:
    """The manifest and the results files of one shard (results/manifest.py)."""

    def __init__(self, folder: Path, criteria: Any, chosen: Sequence[Any]) -> None:
        from yamlparity._version import __version__
        from yamlparity.results import manifest
        from yamlparity.run.engine import now_utc

        self.folder = folder
        self.path = folder / manifest.NAME
        self.held: dict[int, list[int]] = {}  # spec -> positions of its results, in order
        self.criteria = criteria
        self.entries = {id(c.spec): self._entry(c) for c in chosen}
        self.manifest = manifest.Manifest(
            index=criteria.shard.index,
            total=criteria.shard.total,
            split=criteria.split,
            selection=criteria.filters,
            skip_empty=criteria.last_failed is not None,
            keyword=criteria.keyword,
            generator=f"yamlparity {__version__}",
            started=now_utc(),
            specs=list(self.entries.values()),
        )

    @staticmethod
    def _entry(chosen: Any) -> Any:
        from yamlparity.report.render import display_file
        from yamlparity.results import manifest
        from yamlparity.run.selection import declared_targets
        from yamlparity.spec.fingerprint import spec_hash

        spec = chosen.spec
        template = spec.report.template
        return manifest.SpecEntry(
            name=spec.name,
            title=spec.title,
            description=spec.description,
            file=str(spec.file),
            kind=spec.kind,
            facets=list(spec.compare.facets),
            targets=declared_targets(spec),
            spec_hash=spec_hash(spec),
            total=len(spec.cases),
            selected=chosen.selected,
            positions=list(chosen.positions),
            names=list(chosen.names),
            template=display_file(str(template)) if template is not None else None,
            baseline=spec.compare.baseline,
            selected_sha256=chosen.selected_sha256 or None,
        )

    def begin(self) -> None:
        from yamlparity.report.formats import paths_for

        for entry in self.entries.values():
            taken = paths_for(self.folder / f"{_safe(entry.name)}.md", ["json"])["json"]
            if taken.name == self.path.name:
                raise UsageError(
                    f"spec {entry.name!r}: its results would be written to {taken}, the shard "
                    "manifest's name: rename the spec for sharded runs"
                )
        self._save()

    def write_results(self, chosen: Any, result: Any, report_path: Path) -> Path:
        from yamlparity.report.formats import paths_for, results_json
        from yamlparity.report.render import atomic_writer
        from yamlparity.results.merge import raw_facets

        json_path = paths_for(report_path, ["json"])["json"]
        entry = self.entries[id(chosen.spec)]
        block = {
            "index": self.manifest.index,
            "total": self.manifest.total,
            "split": self.manifest.split,
            "spec_hash": entry.spec_hash,
            "positions": self.held.pop(id(chosen.spec)),
            "raw": raw_facets(result),
        }
        with atomic_writer(json_path) as write:  # a case at a time: memory stays flat
            results_json.write_to(result, write, extra={"shard": block})
        entry.results = json_path.name
        self._save()
        return json_path

    def end(self, stopped: bool) -> None:
        from yamlparity.run.engine import now_utc

        self.manifest.status = "interrupted" if stopped else "complete"
        self.manifest.finished = now_utc()
        self._save()

    def _save(self) -> None:
        from yamlparity.report.render import write_atomic

        write_atomic(self.path, self.manifest.to_json())


def _positions(chosen: Any, result: Any) -> list[int]:
    """The position in the spec of each case in `result`, in order."""
    at = {name: position for position, name in zip(chosen.positions, chosen.names, strict=True)}
    cases = result.cases
    name = getattr(cases, "name", None)
    if name is not None:  # the compact store: names without rebuilding 100k MATCH cases
        return [at[name(i)] for i in range(len(cases))]
    return [at[case.name] for case in cases]


def _safe(name: str) -> str:
    from yamlparity.core.safepath import safe_component

    return safe_component(name)
