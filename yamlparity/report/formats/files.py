"""File names derived from spec, case and target names, and the full outputs beside a report.

Names come from user data: whatever they contain, a derived path stays inside its folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from yamlparity.core import jsonvalue
from yamlparity.core.atomic import atomic_writer
from yamlparity.core.redact import BOUNDARY
from yamlparity.core.safepath import inside, safe_component
from yamlparity.report.render import SHOWN_CHARS, Attachments, shown_text
from yamlparity.results.records import SpecResult, not_plain
from yamlparity.spec.model import main_facet_of

__all__ = ["inside", "main_facet", "safe_component", "write_attachments"]


def _extension(value: jsonvalue.JSON) -> str:
    return "txt" if isinstance(value, str) else "json"


def write_attachments(
    result: SpecResult, main_facet: str, folder: Path
) -> tuple[Attachments, list[Path]]:
    """Write every output too long to show in full (the same text the report cuts, so "too
    long" means the same thing in both) to `<spec>/<case>.<target>[.<facet>].<ext>` under
    `folder`, and return their links (relative to `folder`) with the text the report shows.

    Each value is serialized once, streamed to its file as it is produced: a 20 MB body is
    neither serialized twice nor held whole as text."""
    attached = Attachments()
    written: list[Path] = []
    spec_folder = safe_component(BOUNDARY.text(result.name))
    used: set[str] = set()
    for case in not_plain(result.cases):  # a stored plain MATCH keeps no output
        for target, outcome in case.outcomes.items():
            for facet, value in outcome.facets.items():
                relative = _unique(spec_folder, (case.name, target, facet), main_facet, value, used)
                with ExitStack() as stack:
                    spill = _opener(stack, folder, relative, written)
                    text = shown_text(value, spill)
                if getattr(text, "full_length", len(text)) > SHOWN_CHARS:  # spilled
                    key = (case.name, target, facet)
                    attached.files[key] = relative
                    attached.shown[key] = text
    return attached, written


def _unique(
    folder: str,
    key: tuple[str, str, str],
    main_facet: str,
    value: jsonvalue.JSON,
    used: set[str],
) -> str:
    """`<spec>/<case>.<target>[.<facet>].<ext>`, distinct for distinct keys: names joined with
    dots can meet (case `c`, target `y.z` and case `c.y`, target `z` both give `c.y.z`), and
    a case-insensitive disk folds `C` into `c`; a name already taken gets a hash of its key."""
    case, target, facet = key
    parts = [case, target] + ([facet] if facet != main_facet else [])
    stem = ".".join(safe_component(BOUNDARY.text(part)) for part in parts)
    relative = f"{folder}/{stem}.{_extension(value)}"
    if relative.lower() in used:
        digest = hashlib.sha256("\0".join(key).encode("utf-8", "surrogatepass")).hexdigest()
        relative = f"{folder}/{stem}-{digest[:10]}.{_extension(value)}"
    used.add(relative.lower())
    return relative


def _opener(
    stack: ExitStack, folder: Path, relative: str, written: list[Path]
) -> Callable[[], Callable[[str], object]]:
    def spill() -> Callable[[str], object]:
        target = inside(folder, relative)  # PathEscapeError: never written
        write = stack.enter_context(atomic_writer(target))
        written.append(target)
        return write

    return spill


def main_facet(result: SpecResult) -> str:
    return main_facet_of(result.kind)
