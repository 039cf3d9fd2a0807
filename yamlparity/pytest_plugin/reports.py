"""yamlparity's own reports from a pytest session, merged across runs and xdist workers.

Every spec's results are gathered where the session ends: in the only process, or in the xdist
controller, to which each worker sends its results as results JSON (the documented
`--format json` document, exact numbers) at the end of its session. The controller merges
them per spec, in spec order, and writes what `yamlparity run --report-dir DIR` writes for the
same cases: DIR/<spec>.md (and .html/.json/.junit.xml), files beside them, DIR/index.md.
The report paths and template lookup follow `cli/cmd_run.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yamlparity.core.errors import Location, UsageError
from yamlparity.core.safepath import safe_component
from yamlparity.report.formats import Written, results_json, write_index, write_spec
from yamlparity.report.history import Recording
from yamlparity.report.render import (
    SpecShape,
    TemplateChoice,
    check_template,
    choose_template,
    display_file,
    tally_line,
)
from yamlparity.results.records import SpecResult
from yamlparity.run.selection import describe
from yamlparity.spec.model import Spec

from .runner import Part, merge
from .selection import Counts, Narrowing, chosen


@dataclass(frozen=True)
class SpecSettings:
    """What the reports need to know of a spec besides its results (sent with them)."""

    file: str
    name: str
    title: str
    description: str
    kind: str
    targets: tuple[str, ...]
    facets: tuple[str, ...]
    template: str | None
    baseline: str | None
    total: int = 0  # the spec's cases: a report of fewer says it is not a full run

    @classmethod
    def of(cls, spec: Spec) -> SpecSettings:
        return cls(
            file=str(spec.file),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            kind=spec.kind,
            targets=tuple(spec.targets),
            facets=tuple(spec.compare.facets),
            template=str(spec.report.template) if spec.report.template else None,
            baseline=spec.compare.baseline,
            total=len(spec.cases),
        )

    def shape(self) -> SpecShape:
        return SpecShape(
            name=self.name,
            title=self.title,
            description=self.description,
            file=display_file(self.file),
            kind=self.kind,
            targets=self.targets,
            facets=self.facets,
            baseline=self.baseline,
        )


@dataclass
class SpecParts:
    """One spec's results from one process (or merged from several), with how many of its
    cases pytest collected and kept: every process of a session collects the same items."""

    settings: SpecSettings
    parts: list[Part]
    collected: int = 0
    selected: int = 0
    # Failing case -> its place in the spec or fixture file (for GitHub annotations), found
    # where the spec is loaded: an xdist controller has none.
    places: dict[str, Location] = field(default_factory=dict)
    # The cases pytest kept, (spec position, name as the reports show it), in spec order:
    # those the session never showed are the JUnit file's "not run" errors, as for an
    # interrupted `yamlparity run`. Every process of a session keeps the same ones.
    chosen: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: SpecParts) -> None:
        self.parts.extend(other.parts)
        self.collected = max(self.collected, other.collected)
        self.selected = max(self.selected, other.selected)
        self.places.update(other.places)
        self.chosen = self.chosen or other.chosen

    def counts(self, shown: int) -> Counts:
        total = self.settings.total
        # As pytest counted them (the xdist controller has the workers' counts); 0 is "not
        # counted": what ran stands for them.
        collected = self.collected or total
        return Counts(total, collected, self.selected or min(shown, collected), shown)


@dataclass(frozen=True)
class ReportSettings:
    folder: Path
    formats: tuple[str, ...]
    template: Path | None  # --yamlparity-template
    project: Any  # cli.config.Config
    history: bool = True  # append each spec's run to DIR/history.jsonl, as `yamlparity run`
    fixed_ok: bool = False  # --yamlparity-fixed-ok: FIXED passes in JUnit and the index too

    def choice(self, spec: SpecSettings) -> TemplateChoice:
        return choose_template(
            cli=self.template,
            spec=Path(spec.template) if spec.template else None,
            config=self.project.template,
            project_root=self.project.root or Path.cwd(),
        )

    def index_choice(self) -> TemplateChoice:
        return choose_template(project_root=self.project.root or Path.cwd())

    def report_path(self, spec: SpecSettings) -> Path:
        return self.folder / f"{safe_component(spec.name)}.md"


def check(specs: Sequence[SpecSettings], settings: ReportSettings) -> None:
    """What `yamlparity run` refuses before running: a broken template, two specs writing
    one report, a folder that cannot be written."""
    seen: dict[Path, SpecSettings] = {}
    for spec in specs:
        path = settings.report_path(spec).resolve()
        if path in seen:
            raise UsageError(
                f"{seen[path].file} and {spec.file} would both write {path}: give one a "
                "different `name:`"
            )
        seen[path] = spec
    choices: dict[Path | None, tuple[TemplateChoice, list[SpecShape]]] = {}
    for spec in specs:
        choice = settings.choice(spec)
        choices.setdefault(choice.path, (choice, []))[1].append(spec.shape())
    for choice, shapes in choices.values():
        check_template(choice, shapes)
    try:
        settings.folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the report folder {settings.folder}: {exc}") from None


@dataclass
class Finished:
    """One spec at the end of the session: its parts, merged into one result."""

    parts: SpecParts
    result: SpecResult
    select: str | None  # how pytest chose its cases; None when every case ran
    # As `yamlparity run` hands them to the JUnit file and the index: the spec's cases the
    # selection left out (one skipped testcase says so), and the selected cases the session
    # stopped before showing (-x, --maxfail, Ctrl-C: errors, "not run").
    unselected: int = 0
    not_run: list[str] = field(default_factory=list)


def finished(collected: Iterable[SpecParts], narrowing: Narrowing) -> list[Finished]:
    """Each spec's parts merged, in spec file order, saying how its cases were chosen."""
    specs = []
    for parts in sorted(collected, key=lambda parts: parts.settings.file):
        result = merge(parts.parts)
        counts = parts.counts(len(result.cases))
        # Cases the session selected but never reached (-x, Ctrl-C): the run stopped early.
        result.interrupted = result.interrupted or counts.shown < counts.selected
        # As `yamlparity run -k` says it: a partial report never reads as a full run, and its
        # history line is compared only with runs chosen alike.
        select = chosen(narrowing, parts.settings.file, counts)
        if select is not None:
            result.selection = describe([select], counts.shown, counts.total)
        unselected = counts.total - counts.selected if select is not None else 0
        not_run: list[str] = []
        if counts.shown < counts.selected:
            shown = {position for part in parts.parts for position in part.positions}
            not_run = [name for position, name in parts.chosen if position not in shown]
        specs.append(Finished(parts, result, select, max(0, unselected), not_run))
    return specs


def write_reports(
    specs: Sequence[Finished], settings: ReportSettings
) -> tuple[list[str], list[Written]]:
    """Write every spec's reports and the index: the lines to show at the end of the session,
    and what was written (for the job summary)."""
    check([spec.parts.settings for spec in specs], settings)
    written: list[Written] = []
    lines: list[str] = []
    for finished_spec in specs:
        spec, result = finished_spec.parts.settings, finished_spec.result
        recording = Recording(select=finished_spec.select) if settings.history else None
        out = write_spec(
            result,
            settings.report_path(spec),
            settings.formats,
            settings.choice(spec),
            baseline=spec.baseline,
            recording=recording,
            fixed_ok=settings.fixed_ok,
            not_run=finished_spec.not_run,
            unselected=finished_spec.unselected,
        )
        written.append(out)
        # The line `yamlparity run` prints: a partial run says so here too.
        notes = " (interrupted)" if result.interrupted else ""
        notes += f" [{result.selection}]" if result.selection else ""
        lines.append(
            f"[parity] {spec.name}: {tally_line(result.tally())} (out of {len(result.cases)})"
            f"{notes} → {_shown(out.primary)}"
        )
    if written:
        index = write_index(settings.folder, written, settings.formats, settings.index_choice())
        lines.append(index.line(_shown(index.path)))
    return lines, written


def _shown(path: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


# ---------------------------------------------------------------------- xdist wire


def to_wire(parts: SpecParts) -> dict[str, Any]:
    """A worker's results for one spec as plain data execnet can carry (JSON text inside)."""
    spec = parts.settings
    return {
        "settings": {
            "file": spec.file,
            "name": spec.name,
            "title": spec.title,
            "description": spec.description,
            "kind": spec.kind,
            "targets": list(spec.targets),
            "facets": list(spec.facets),
            "template": spec.template,
            "baseline": spec.baseline,
            "total": spec.total,
        },
        "parts": [
            {"positions": part.positions, "results": results_json.dumps(part.result)}
            for part in parts.parts
        ],
        "collected": parts.collected,
        "selected": parts.selected,
        "places": {
            name: [where.file, where.line, where.column] for name, where in parts.places.items()
        },
        "chosen": [[position, name] for position, name in parts.chosen],
    }


def from_wire(data: dict[str, Any]) -> SpecParts:
    raw = data["settings"]
    settings = SpecSettings(
        file=raw["file"],
        name=raw["name"],
        title=raw["title"],
        description=raw["description"],
        kind=raw["kind"],
        targets=tuple(raw["targets"]),
        facets=tuple(raw["facets"]),
        template=raw["template"],
        baseline=raw["baseline"],
        total=int(raw.get("total", 0)),
    )
    parts = []
    for part in data["parts"]:
        result = results_json.loads(part["results"], f"results of {settings.file}")
        parts.append(Part(result, list(part["positions"])))
    places = {
        name: Location(str(file), int(line), int(column))
        for name, (file, line, column) in data.get("places", {}).items()
    }
    counts = int(data.get("collected", 0)), int(data.get("selected", 0))
    chosen = [(int(position), str(name)) for position, name in data.get("chosen", [])]
    return SpecParts(settings, parts, *counts, places=places, chosen=chosen)
