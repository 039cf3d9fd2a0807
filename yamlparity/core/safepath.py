"""File names made from spec data (spec, case and target names) stay inside their folder.

`safe_component` turns any name into one harmless path component; `inside` resolves a path
(symlinks included) and refuses it unless it lies under the given folder.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from yamlparity.core.errors import YamlparityError

__all__ = ["MAX_COMPONENT", "PathEscapeError", "inside", "safe_component"]

MAX_COMPONENT = 120  # well under NAME_MAX (255 bytes) once a suffix such as `.md` is added
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
# Names Windows refuses as files, whatever the extension (a report folder may be shared).
_RESERVED = re.compile(r"(?i)(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?")


class PathEscapeError(YamlparityError, ValueError):
    """A path made from spec data would leave its folder."""


def safe_component(name: str) -> str:
    """`name` as one path component: no separator, NUL or control character, not `.`/`..`,
    not hidden, bounded length. A name that had to change gets a short hash of the original,
    so two different names never map to the same file."""
    cleaned = _UNSAFE.sub("_", name)
    if cleaned.startswith("."):
        cleaned = "_" + cleaned[1:]
    if _RESERVED.fullmatch(cleaned):
        cleaned = "_" + cleaned
    if cleaned == name and 0 < len(name) <= MAX_COMPONENT:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{cleaned[: MAX_COMPONENT - 11]}-{digest}" if cleaned else f"_-{digest}"


def inside(folder: Path | str, path: Path | str) -> Path:
    """The resolved `path` (relative paths are taken from `folder`), or PathEscapeError when it
    names a place outside `folder`: `..`, an absolute path elsewhere, a symlink leading out."""
    text = os.fspath(path)
    if "\x00" in text or "\x00" in os.fspath(folder):
        raise PathEscapeError(f"a path holds a NUL character: {text!r}")
    base = Path(folder).resolve()
    candidate = (base / text).resolve()  # an absolute `text` replaces base, as intended
    if candidate != base and not candidate.is_relative_to(base):
        raise PathEscapeError(f"{text!r} is outside {base}")
    return candidate
