"""Earlier results, read for what the next run needs from them: which cases failed
(`--last-failed`, `--failed-first`) and how long each took (`--durations`).

Takes what `run --format json` and `merge --format json` write: a results file, a folder of them,
or shard folders (their `yamlparity-shard.json` lists their results; for `--last-failed` they
are read as one run, as `merge` reads them: results/shardset.py). Only names, verdicts and
durations are read, with the standard JSON parser: a 100k-case file is read in about a second.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yamlparity.core.errors import UsageError
from yamlparity.results import manifest, shardset
from yamlparity.results.records import FAILING, VERDICTS

SCHEMA_VERSION = 1  # the results files this reader knows (report/formats/results_json.py)
# What --last-failed runs again and --failed-first puts first: every verdict that fails a run,
# FIXED included (it exits 1 too; with --fixed-ok its re-run passes again).
RERUN: frozenset[str] = FAILING


@dataclass
class History:
    verdicts: dict[str, dict[str, str]] = field(default_factory=dict)  # spec -> case -> verdict
    durations: dict[str, dict[str, float]] = field(default_factory=dict)  # ... -> seconds
    files: list[Path] = field(default_factory=list)

    def failed(self, spec: str) -> frozenset[str]:
        """The cases of `spec` whose verdict failed the run (DIFF, FAIL, ERROR, FIXED)."""
        cases = self.verdicts.get(spec, {})
        return frozenset(name for name, verdict in cases.items() if verdict in RERUN)

    @property
    def failed_count(self) -> int:
        return sum(len(self.failed(spec)) for spec in self.verdicts)

    def durations_digest(self) -> str:
        """What a split by these durations depends on, as one hash: runners that read the same
        numbers (from the same file, or from copies laid out differently) split alike."""
        digest = hashlib.sha256()
        for spec in sorted(self.durations):
            for case, seconds in sorted(self.durations[spec].items()):
                digest.update(json.dumps([spec, case, repr(seconds)]).encode() + b"\n")
        return "sha256:" + digest.hexdigest()


def read_history(paths: Sequence[Path], *, whole_shards: bool = False) -> History:
    """Every results file under `paths` (see the module docstring); none at all is an error.

    With `whole_shards` (`--last-failed`), shard folders are read as `merge` reads them
    (results/shardset.py): together, refused unless they are every shard of one split, and a
    case a shard was given but never finished (killed, interrupted) counts as ERROR, as the
    merged report lists it, so it runs again. Without it each shard's results are read as
    found (`--failed-first`, `--durations`)."""
    history = History()
    shards: list[Path] = []
    for path in paths:
        if whole_shards and _is_shard_input(Path(path)):
            shards.append(Path(path))
            continue
        found = list(_results_files(Path(path)))
        if not found:
            raise UsageError(
                f"no results file in {path}: give a file written by --format json (or its folder)"
            )
        for file in found:
            _add(history, file)
    if shards:
        _add_shards(history, shards)
    return history


def _is_shard_input(path: Path) -> bool:
    """A shard's folder (or a folder of shard folders), its manifest, or its results file."""
    if path.is_dir():
        return next(path.rglob(manifest.NAME), None) is not None
    if path.name == manifest.NAME:
        return True
    beside = path.parent / manifest.NAME
    return path.is_file() and beside.is_file() and beside.resolve() != path.resolve()


def _add_shards(history: History, inputs: Sequence[Path]) -> None:
    """The shards under `inputs` as one run, as `merge` would put them together."""
    try:
        found = shardset.check(shardset.find_manifests(inputs))
    except UsageError as exc:
        given = ", ".join(str(p) for p in inputs)
        raise UsageError(
            f"--last-failed {given}: {exc} (--last-failed reads shard folders as `yamlparity "
            "merge` does: a case a missing shard was given would never run again; give every "
            "shard's folder, or the merged reports folder)"
        ) from None
    for number in range(len(found.specs)):
        for path, shard, entry in shardset.shares(found, number) or ():
            results = shardset.results_file(path, entry)
            done = _add(history, results) if results is not None else []
            verdicts = history.verdicts.setdefault(entry.name, {})
            for gap in shardset.unfinished(shard, entry, frozenset(done)):
                verdicts[gap.name] = "ERROR"  # as the merged report lists it


def _results_files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        manifests = sorted(path.rglob(manifest.NAME))
        if manifests:
            for found in manifests:
                yield from _listed(found)
            return
        for candidate in sorted(path.glob("*.json")):
            if _is_results(_load(candidate, quiet=True)):
                yield candidate
        return
    if not path.exists():
        raise UsageError(f"no such file or folder: {path}")
    data = _load(path)
    if manifest.is_manifest(data):
        yield from _listed(path)
    elif _is_results(data):
        yield path
    else:
        raise UsageError(f"{path} is not a yamlparity results file (--format json writes them)")


def _listed(path: Path) -> Iterator[Path]:
    """The results files a shard manifest lists (a shard that died may not have written all)."""
    shard = manifest.read(path)
    for entry in shard.specs:
        if entry.results is not None and (path.parent / entry.results).is_file():
            yield path.parent / entry.results


def _load(path: Path, *, quiet: bool = False) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except OSError as exc:
        if quiet:
            return None
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # not JSON (UnicodeDecodeError is a ValueError too)
        if quiet:
            return None
        raise UsageError(
            f"{path} is not a yamlparity results file (not JSON: {exc}); --format json writes them"
        ) from None


def _is_results(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and "schema_version" in data
        and isinstance(data.get("cases"), list)
        and str(data.get("generator", "")).startswith("yamlparity")
    )


def _add(history: History, path: Path) -> list[str]:
    """Reads one results file into `history`; returns the names of its cases."""
    data = _load(path)
    if not _is_results(data):
        raise UsageError(f"{path} is not a yamlparity results file (--format json writes them)")
    version = data["schema_version"]
    if type(version) is not int or version != SCHEMA_VERSION:
        raise UsageError(
            f"{path}: results schema_version {json.dumps(version)} is not supported (this "
            f"yamlparity reads {SCHEMA_VERSION})"
        )
    spec = data.get("name")
    if not isinstance(spec, str):
        raise UsageError(f"{path}: malformed results file (no spec name)")
    verdicts = history.verdicts.setdefault(spec, {})
    durations = history.durations.setdefault(spec, {})
    names = []
    for index, case in enumerate(data["cases"]):
        name, verdict, seconds = _case(case)
        if name is None:
            raise UsageError(f"{path}: malformed results file (case {index})")
        verdicts[name] = verdict
        names.append(name)
        if seconds is not None:
            durations[name] = seconds
    history.files.append(path)
    return names


def _case(case: Any) -> tuple[str | None, str, float | None]:
    if not isinstance(case, dict):
        return None, "", None
    name, verdict, seconds = case.get("name"), case.get("verdict"), case.get("duration")
    if not isinstance(name, str) or verdict not in VERDICTS:
        return None, "", None
    # bool is an int to Python: a duration of `true` is not one second.
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return name, str(verdict), None
    if not math.isfinite(seconds) or seconds < 0:
        return name, str(verdict), None
    return name, str(verdict), float(seconds)
