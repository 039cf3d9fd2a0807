"""The shards of one split, checked before anything is merged, then merged spec by spec.

Refused, each with a message that says what to do: a shard missing or given twice, shards of
different splits (N, `--durations`, filters), shards that ran different versions of a spec (its
fingerprint) and files of another schema version. A shard that died or was interrupted is not
refused: the cases it was given and did not finish are ERROR in the merged results, each saying
so, and the spec's `error` says the run is incomplete.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yamlparity.core.errors import UsageError
from yamlparity.results import manifest
from yamlparity.results.manifest import Manifest, SpecEntry
from yamlparity.results.merge import Missing, Part, RawFacets, combine, restore_raw
from yamlparity.results.records import SpecResult

# What a results file holds: the spec's results and the file's `shard` block.
Loader = Callable[[Path], tuple[SpecResult, dict[str, Any]]]


@dataclass
class ShardSet:
    shards: list[tuple[Path, Manifest]]  # by shard index, from 1
    notes: list[str] = field(default_factory=list)  # worth saying, not worth refusing

    @property
    def specs(self) -> list[SpecEntry]:
        """The specs, in the order every shard ran them (the first shard's entries)."""
        return self.shards[0][1].specs


def find_manifests(inputs: Sequence[Path]) -> list[tuple[Path, Manifest]]:
    """Every manifest named or found under the inputs, each once: shard folders (searched for
    yamlparity-shard.json, however a CI system unpacked them), the manifests themselves, or a
    file beside one (a shard's results file)."""
    found: dict[Path, Path] = {}
    for given in inputs:
        if given.is_dir():
            paths = sorted(given.rglob(manifest.NAME))
            if not paths:
                raise UsageError(
                    f"no {manifest.NAME} under {given}: give the folders `run --shard K/N "
                    "--report-dir DIR` wrote (each shard's whole folder)"
                )
        elif given.is_file():
            paths = [given if given.name == manifest.NAME else given.parent / manifest.NAME]
            if not paths[0].is_file():
                raise UsageError(f"{given}: not a shard's file (no {manifest.NAME} beside it)")
        else:
            raise UsageError(f"no such file or folder: {given}")
        for path in paths:
            found.setdefault(path.resolve(), path)
    return [(path, manifest.read(path)) for path in found.values()]


def check(found: Sequence[tuple[Path, Manifest]]) -> ShardSet:
    """The shards, sorted, once each and all of them, of one split of the same specs."""
    if not found:
        raise UsageError("no shard to merge")
    first_path, first = found[0]
    by_index: dict[int, Path] = {}
    for path, shard in found:
        _same_split(first_path, first, path, shard)
        if shard.index in by_index:
            raise UsageError(
                f"{shard.label} is given twice: {by_index[shard.index]} and {path} (merge each "
                "shard once; a re-run shard replaces its first attempt)"
            )
        by_index[shard.index] = path
    absent = [str(i) for i in range(1, first.total + 1) if i not in by_index]
    if absent:
        raise UsageError(
            f"shard{'s' if len(absent) > 1 else ''} {', '.join(absent)} of {first.total} "
            f"missing ({len(by_index)} of {first.total} given): every shard's folder must be "
            "merged; re-run the missing shard (same commit, same options) or all of them"
        )
    ordered = sorted(found, key=lambda item: item[1].index)
    for path, shard in ordered[1:]:
        _same_specs(ordered[0], (path, shard))
    notes = []
    generators = sorted({shard.generator for _, shard in ordered})
    if len(generators) > 1:
        notes.append(f"the shards were run by different versions: {', '.join(generators)}")
    return ShardSet(list(ordered), notes)


def _same_split(first_path: Path, first: Manifest, path: Path, shard: Manifest) -> None:
    if shard.total != first.total:
        raise UsageError(
            f"{path} is {shard.label} but {first_path} is {first.label}: shards of different "
            "splits cannot be merged"
        )
    compared = [
        ("split", shard.split, first.split),
        ("--last-failed", shard.skip_empty, first.skip_empty),
    ]
    if not (_selected_known(shard) and _selected_known(first)):
        # Manifests of earlier versions: the filters as the options were spelled.
        compared.insert(1, ("selection", shard.selection, first.selection))
    for what, mine, theirs in compared:
        if mine != theirs:
            raise UsageError(
                f"{path} ({shard.label}) and {first_path} ({first.label}) were run with a "
                f"different {what} ({mine!r} vs {theirs!r}): every shard must be run with the "
                "same options (and the same --durations file)"
            )


def _selected_known(shard: Manifest) -> bool:
    """Whether the manifest says which cases were selected (not just how: `selection`)."""
    return bool(shard.specs) and all(entry.selected_sha256 for entry in shard.specs)


def _same_specs(first: tuple[Path, Manifest], other: tuple[Path, Manifest]) -> None:
    (first_path, one), (path, two) = first, other
    names_one = [e.name for e in one.specs]
    names_two = [e.name for e in two.specs]
    if names_one != names_two:
        raise UsageError(
            f"{one.label} ran the specs {names_one} but {two.label} ran {names_two}: every "
            "shard must be given the same specs (same paths, same commit)"
        )
    for a, b in zip(one.specs, two.specs, strict=True):
        if a.spec_hash != b.spec_hash:
            raise UsageError(
                f"spec {a.name} differs between shards: {one.label} ran version "
                f"{_short(a.spec_hash)} ({first_path}), {two.label} ran {_short(b.spec_hash)} "
                f"({path}): every runner must check out the same commit"
            )
        if (a.total, a.selected) != (b.total, b.selected):
            raise UsageError(
                f"spec {a.name}: {one.label} selected {a.selected} of {a.total} cases, "
                f"{two.label} {b.selected} of {b.total}: the shards are not of one run"
            )
        if a.selected_sha256 and b.selected_sha256 and a.selected_sha256 != b.selected_sha256:
            raise UsageError(
                f"spec {a.name}: {one.label} and {two.label} selected different cases "
                f"({_filters(one)} vs {_filters(two)}): every shard must be run with the same "
                "options (the same -k, the same --last-failed results)"
            )


def _filters(shard: Manifest) -> str:
    return ", ".join(shard.selection) or "every case"


def _short(fingerprint: str) -> str:
    return fingerprint[: len("sha256:") + 12]


# ---------------------------------------------------------------- merging one spec


def merge_spec(
    shards: ShardSet, number: int, load: Loader, describe: Callable[[int, int], str]
) -> SpecResult | None:
    """Spec `number`'s results from every shard (None: a spec the run left out entirely, as
    `--last-failed` leaves out specs where nothing failed). `describe(selected, total)` is the
    selection's description ("" for every case)."""
    entries = shares(shards, number)
    if entries is None:
        return None
    entry = entries[0][2]
    parts: list[Part] = []
    missing: list[Missing] = []
    short: list[str] = []  # the shards that did not finish
    for path, shard, own in entries:
        part, gaps = _shard_part(path, shard, own, load)
        if part is not None:
            parts.append(part)
        if gaps:
            missing += gaps
            short.append(f"{shard.index}/{shard.total}")
    head = _head(entry, [shard for _, shard in shards.shards])
    result = combine(head, parts, missing=missing, interrupted=False)
    result.selection = describe(entry.selected, entry.total)
    result.align = next((p.result.align for p in parts if p.result.align is not None), None)
    result.rules = next((p.result.rules for p in parts if p.result.rules), {})
    result.intended_rules = next((p.result.intended_rules for p in parts), {})
    if missing:
        result.error = (
            f"incomplete run: {len(missing)} of the {entry.selected} selected cases have no "
            f"result (shard {', '.join(short)} did not finish them); they are listed as "
            "ERROR, and `run --last-failed` runs them again"
        )
    return result


def shares(shards: ShardSet, number: int) -> list[tuple[Path, Manifest, SpecEntry]] | None:
    """Spec `number` as each shard was given it (manifest path, manifest, entry), checked to
    hold the selection exactly once; None: a spec the run left out entirely (as `--last-failed`
    leaves out specs where nothing failed). What `merge` merges and what `run --last-failed`
    reads of shard folders."""
    entries = [(path, shard, shard.specs[number]) for path, shard in shards.shards]
    entry = entries[0][2]
    if entry.selected == 0 and entries[0][1].skip_empty:
        return None
    held = sum(len(e.positions) for _, _, e in entries)
    if held != entry.selected:
        raise UsageError(
            f"spec {entry.name}: the shards were given {held} cases in all, but the selection "
            f"holds {entry.selected}: they did not compute the same split"
        )
    return entries


def results_file(path: Path, entry: SpecEntry) -> Path | None:
    """The results file a shard wrote for a spec, if it is there (a shard that died may not
    have written it, or not have listed it yet)."""
    if entry.results is None:
        return None
    results = path.parent / entry.results
    return results if results.is_file() else None


def unfinished(shard: Manifest, entry: SpecEntry, done: Collection[str]) -> list[Missing]:
    """The cases `shard` was given of a spec and holds no result for (`done`: the names its
    results file holds), each with why: merge lists them as ERROR, `run --last-failed` runs
    them again."""
    why = _why(shard)
    return [
        Missing(p, n, why)
        for p, n in zip(entry.positions, entry.names, strict=True)
        if n not in done
    ]


def _shard_part(
    path: Path, shard: Manifest, entry: SpecEntry, load: Loader
) -> tuple[Part | None, list[Missing]]:
    """What one shard holds of a spec, and the cases it was given but holds no result for."""
    if not entry.positions:
        return None, []
    given = dict(zip(entry.positions, entry.names, strict=True))
    part = None
    done: list[str] = []
    results = results_file(path, entry)
    if results is not None:
        result, block = load(results)
        positions = _check_block(results, shard, entry, block, len(result.cases))
        for position, case in zip(positions, _names(result), strict=True):
            if given.get(position) != case:
                raise UsageError(
                    f"{results}: case {case!r} was not given to {shard.label}: the file does "
                    "not belong to this shard's manifest"
                )
        restore_raw(result, _raw(block))
        part = Part(result, positions, shard.label)
        done = [given[p] for p in positions]
    return part, unfinished(shard, entry, frozenset(done))


def _why(shard: Manifest) -> str:
    if shard.status == "running":
        return (
            f"not run: {shard.label} stopped before this case (its runner died or was "
            "killed; the shard never finished)"
        )
    if shard.status == "interrupted":
        return f"not run: {shard.label} was interrupted before this case"
    return f"not run: {shard.label} finished without a result for this case"


def _check_block(
    path: Path, shard: Manifest, entry: SpecEntry, block: dict[str, Any], cases: int
) -> list[int]:
    if not isinstance(block, dict) or not block:
        raise UsageError(f"{path} is not a shard's results file (no `shard` block)")
    expected = {"index": shard.index, "total": shard.total, "spec_hash": entry.spec_hash}
    for key, value in expected.items():
        if block.get(key) != value:
            raise UsageError(
                f"{path}: shard {key} {block.get(key)!r}, but its manifest says {value!r}: "
                "the folder mixes files of different runs"
            )
    positions = block.get("positions")
    if not (
        isinstance(positions, list)
        and len(positions) == cases
        and all(type(p) is int for p in positions)
    ):
        raise UsageError(f"{path}: the shard block's positions do not match its cases")
    return positions


def _raw(block: dict[str, Any]) -> RawFacets:
    raw = block.get("raw") or {}
    return raw if isinstance(raw, dict) else {}


def _names(result: SpecResult) -> list[str]:
    return [case.name for case in result.cases]


def _head(entry: SpecEntry, shards: Sequence[Manifest]) -> SpecResult:
    """The spec's result before any case: what the manifests say about it."""
    started = min((s.started for s in shards if s.started), default="")
    finished = max((s.finished for s in shards if s.finished), default="")
    return SpecResult(
        name=entry.name,
        title=entry.title,
        description=entry.description,
        file=entry.file,
        kind=entry.kind,
        targets=list(entry.targets),
        cases=[],
        started=started,
        finished=finished,
        facets=tuple(entry.facets),
    )
