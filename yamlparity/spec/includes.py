"""Includes: load a spec file with its `include:` fragments merged under it.

`include:` paths are relative to the including file; the including file wins; mappings merge
deeply; the top-level lists in `_CONCAT_KEYS` concatenate (included entries first); every other
list is replaced. The merged document keeps every value's mark, so an error inside an included
file still points at that file's line and column.

Separate from load.py because merging documents is a step of its own, done before the schema
sees the spec, and needs nothing of the spec builder.
"""

from __future__ import annotations

import os
from pathlib import Path

from yamlparity.core.jsonvalue import JSON
from yamlparity.core.safepath import PathEscapeError, inside
from yamlparity.spec.source import (
    Document,
    KeyPath,
    NodeMark,
    format_key_path,
    load_yaml,
    read_text,
)
from yamlparity.spec.validation import suggest, value_at

FRAGMENT_KEYS = (
    "targets",
    "env",
    "normalize",
    "request",
    "compare",
    "expect",
    "known",
    "stdin",
    "output",
    "report",
    "include",
    "secrets",
)
_CONCAT_KEYS = frozenset({"normalize", "expect", "known", "secrets"})


def load_with_includes(
    path: Path, display: str, chain: tuple[tuple[str, str], ...], *, allow_outside: bool = False
) -> Document:
    """Load a file and merge its includes under it; `chain` is (identity, display) of includers.
    Included files must lie inside the first file's folder (symlinks resolved), as fixtures
    must, unless `allow_outside`: an error message quotes the file it could not use."""
    doc = load_yaml(read_text(path, display))
    raw = doc.value.get("include")
    if raw is None:
        return doc
    includes = _include_list(doc, raw)
    merged: Document | None = None
    for index, name in includes:
        target = path.parent / name
        target_display = os.path.normpath(os.path.join(os.path.dirname(display), name))
        where = ("include", index) if isinstance(raw, list) else ("include",)
        key = os.path.normcase(os.path.abspath(target))
        if key in (k for k, _ in chain):
            names = " -> ".join([*(d for _, d in chain), target_display])
            raise doc.error(where, f"include cycle: {names}", "remove one of these includes")
        if not allow_outside and _outside(Path(chain[0][0]).parent, target):
            raise doc.error(
                where,
                f"included file {target_display} is outside the spec's folder",
                "keep included files beside the spec (a symlink leading out counts as "
                "outside), or pass --allow-outside",
            )
        if not target.is_file():
            raise doc.error(
                where,
                f"included path is not a file: {target_display}"
                if target.exists()
                else f"included file not found: {target_display}",
                "include paths are relative to the including file",
            )
        child = load_with_includes(
            target, target_display, (*chain, (key, target_display)), allow_outside=allow_outside
        )
        _check_fragment(child)
        merged = child if merged is None else _merge(merged, child)
    if merged is None:
        return doc
    return _merge(merged, doc)


def _outside(folder: Path, target: Path) -> bool:
    try:
        inside(folder, target.absolute())  # a relative path would be taken from `folder`
    except PathEscapeError:
        return True
    return False


def _include_list(doc: Document, raw: JSON) -> list[tuple[int, str]]:
    items = raw if isinstance(raw, list) else [raw]
    out: list[tuple[int, str]] = []
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item:
            where = ("include", index) if isinstance(raw, list) else ("include",)
            raise doc.error(where, "include must be a file path or a list of file paths")
        out.append((index, item))
    return out


def _check_fragment(doc: Document) -> None:
    for key in doc.value:
        if key not in FRAGMENT_KEYS:
            raise doc.error(
                (key,),
                f"key {key!r} is not allowed in an included file",
                suggest(key, FRAGMENT_KEYS)
                or f"an included file may hold: {', '.join(FRAGMENT_KEYS)}",
                at_key=True,
            )


def _merge(base: Document, over: Document) -> Document:
    """`over` wins; mappings merge deeply; normalize/expect/known concatenate."""
    marks: dict[KeyPath, NodeMark] = {(): over.marks.get((), base.mark(()))}
    value = _merge_map(base, over, (), marks)
    value.pop("include", None)
    return Document(value, over.source, marks)


def _merge_map(
    base: Document,
    over: Document,
    path: KeyPath,
    marks: dict[KeyPath, NodeMark],
) -> dict[str, JSON]:
    left = value_at(base.value, path)
    right = value_at(over.value, path)
    assert isinstance(left, dict) and isinstance(right, dict)
    out: dict[str, JSON] = {}
    # the including file's key order first (target order shows in reports)
    for key in [*right, *(k for k in left if k not in right)]:
        sub = (*path, key)
        if key not in right and _overridden_header(path, key, right):
            continue  # the including file's `x-api-version` replaces `X-Api-Version`
        if key not in right:
            out[key] = left[key]
            _copy_marks(base, sub, sub, marks)
        elif key not in left:
            out[key] = right[key]
            _copy_marks(over, sub, sub, marks)
        elif isinstance(left[key], dict) and isinstance(right[key], dict):
            marks[sub] = over.marks.get(sub, base.mark(sub))
            if path == () and key == "normalize":
                out[key] = _merge_facet_rules(base, over, sub, marks)
            else:
                out[key] = _merge_map(base, over, sub, marks)
        elif not path and key in _CONCAT_KEYS and isinstance(left[key], list):
            out[key] = _concat(base, over, sub, marks)
        else:
            out[key] = right[key]
            _copy_marks(over, sub, sub, marks)
    return out


def _overridden_header(path: KeyPath, key: str, right: dict[str, JSON]) -> bool:
    """A header the including file gives in another letter case: HTTP header names are
    case-insensitive, so merging by exact key would send both spellings."""
    if not path or path[-1] != "headers":
        return False
    return any(name.lower() == key.lower() for name in right)


def _merge_facet_rules(
    base: Document,
    over: Document,
    path: KeyPath,
    marks: dict[KeyPath, NodeMark],
) -> dict[str, JSON]:
    left, right = value_at(base.value, path), value_at(over.value, path)
    assert isinstance(left, dict) and isinstance(right, dict)
    out: dict[str, JSON] = {}
    for key in [*left, *(k for k in right if k not in left)]:
        sub = (*path, key)
        if key in left and key in right and isinstance(left[key], list):
            out[key] = _concat(base, over, sub, marks)
        else:
            src = over if key in right else base
            out[key] = right[key] if key in right else left[key]
            _copy_marks(src, sub, sub, marks)
    return out


def _concat(base: Document, over: Document, path: KeyPath, marks: dict[KeyPath, NodeMark]) -> JSON:
    left, right = value_at(base.value, path), value_at(over.value, path)
    assert isinstance(left, list)
    if not isinstance(right, list):
        raise over.error(
            path,
            f"{format_key_path(path)} is a list in an included file; write a list here too",
        )
    marks[path] = over.mark(path)
    for index in range(len(left)):
        _copy_marks(base, (*path, index), (*path, index), marks)
    for index in range(len(right)):
        _copy_marks(over, (*path, index), (*path, len(left) + index), marks)
    return [*left, *right]


def _copy_marks(doc: Document, old: KeyPath, new: KeyPath, marks: dict[KeyPath, NodeMark]) -> None:
    size = len(old)
    for key, mark in doc.marks.items():
        if key[:size] == old:
            marks[new + key[size:]] = mark
