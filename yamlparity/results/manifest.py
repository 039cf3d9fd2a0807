"""The shard manifest: what one `run --shard K/N` was given to do, and how far it got.

Written as `yamlparity-shard.json` beside the shard's results before the first case runs
(`status: running`) and again when the shard ends (`complete`, or `interrupted`). A manifest
still saying `running` is a runner that died: `merge` then knows, from the case names listed
here, exactly which cases have no result. Per spec it also keeps what `merge` needs to write the
reports without the spec file: title, targets, facets, the spec's fingerprint and its template.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, Union

from yamlparity.core.errors import UsageError
from yamlparity.results.records import TargetInfo

NAME = "yamlparity-shard.json"
KIND = "yamlparity shard"
SCHEMA_VERSION = 1
Status = Literal["running", "complete", "interrupted"]


@dataclass
class SpecEntry:
    """One spec as this shard saw it. `positions`/`names`: the cases this shard was given
    (positions in the spec's case list, ascending); `selected`: the cases of the selection in
    every shard together; `results`: the results file, relative to the manifest, or None while
    it is not written (or when this shard has no case of the spec)."""

    name: str
    title: str
    description: str
    file: str
    kind: str
    facets: list[str]
    targets: list[TargetInfo]  # as declared (not started): for a spec no shard ran
    spec_hash: str
    total: int
    selected: int
    positions: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    results: str | None = None
    template: str | None = None  # the spec's report.template, if it has one
    baseline: str | None = None
    # `sha256:` of the names of the selected cases (every shard's together): merge compares
    # what the shards selected, not how the options were spelled (`--last-failed out` and
    # `--last-failed /abs/out`). None in manifests of earlier versions.
    selected_sha256: str | None = None


@dataclass
class Manifest:
    index: int  # this shard, from 1
    total: int  # shards in the split
    split: str  # "hash", or "durations sha256:..." (the durations every runner must share)
    selection: list[str]  # the filters every shard applied before splitting ("-k 'x'", ...)
    skip_empty: bool  # a spec with no selected case is not run at all (--last-failed)
    generator: str
    started: str
    status: Status = "running"
    finished: str = ""
    keyword: str | None = None  # the -k expression, as given (the history records it)
    specs: list[SpecEntry] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"shard {self.index}/{self.total}"

    def to_json(self) -> str:
        data = {"schema_version": SCHEMA_VERSION, "kind": KIND, **asdict(self)}
        # ASCII: a case name with a lone surrogate is still valid JSON text (as \udXXX).
        return json.dumps(data, indent=1) + "\n"


def is_manifest(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") == KIND


def read(path: Path) -> Manifest:
    """A manifest file, every field checked; any problem is a UsageError naming the file."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"{path}: not a shard manifest ({exc})") from None
    return parse(data, str(path))


def parse(data: Any, source: str) -> Manifest:
    if not is_manifest(data):
        raise UsageError(f"{source}: not a yamlparity shard manifest")
    version = data.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:
        raise UsageError(
            f"{source}: shard manifest schema_version {json.dumps(version)} is not supported "
            f"(this yamlparity reads {SCHEMA_VERSION}): merge with the yamlparity version that "
            "ran the shards"
        )
    try:
        specs = [_entry(item) for item in data["specs"]]
        return Manifest(**_fields(Manifest, data, specs=specs))
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{source}: malformed shard manifest ({exc})") from None


def _entry(data: Any) -> SpecEntry:
    targets = [TargetInfo(**_fields(TargetInfo, t)) for t in data["targets"]]
    entry = SpecEntry(**_fields(SpecEntry, data, targets=targets))
    if len(entry.positions) != len(entry.names):
        raise ValueError(
            f"spec {entry.name}: {len(entry.names)} names, {len(entry.positions)} positions"
        )
    return entry


def _fields(cls: type, data: Any, **given: Any) -> dict[str, Any]:
    """The dataclass fields found in `data`, each of exactly its declared type."""
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__}: an object was expected")
    hints = typing.get_type_hints(cls)
    kept: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in given or f.name not in data:
            continue
        if not _is(data[f.name], hints[f.name]):
            raise TypeError(f"{cls.__name__}.{f.name}: {json.dumps(data[f.name])}")
        kept[f.name] = data[f.name]
    return {**kept, **given}


def _is(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_is(value, arg) for arg in typing.get_args(hint))
    if origin is Literal:
        return value in typing.get_args(hint) and type(value) is str
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_is(v, item) for v in value)
    if hint is type(None):
        return value is None
    if hint in (int, str, bool):
        return type(value) is hint
    return False
