"""File names derived from spec, case and target names, and the full outputs beside a report.

Names come from user data: whatever they contain, a derived path stays inside its folder.
"""

from __future__ import annotations

from yamlparity import jsonvalue
from yamlparity.report import SHOWN_CHARS, Attachments, text_of
from yamlparity.results import SpecResult
from yamlparity.safepath import inside, safe_component

__all__ = ["inside", "main_facet", "plan_attachments", "safe_component"]


def _facet_text(value: jsonvalue.JSON) -> tuple[str, str]:
    # The same text the report shows (and cuts), so "too long" means the same thing in both.
    return text_of(value), "txt" if isinstance(value, str) else "json"


def plan_attachments(result: SpecResult, main_facet: str) -> tuple[Attachments, dict[str, str]]:
    """Which outputs are too long to show in full: their link (relative to the report's
    folder) and their text. Files go to `<spec>/<case>.<target>[.<facet>].<ext>`."""
    attached = Attachments()
    texts: dict[str, str] = {}
    folder = safe_component(result.name)
    for case in result.cases:
        for target, outcome in case.outcomes.items():
            for facet, value in outcome.facets.items():
                text, ext = _facet_text(value)
                if len(text) <= SHOWN_CHARS:
                    continue
                parts = [safe_component(case.name), safe_component(target)]
                if facet != main_facet:
                    parts.append(safe_component(facet))
                relative = f"{folder}/{'.'.join(parts)}.{ext}"
                attached.files[(case.name, target, facet)] = relative
                texts[relative] = text
    return attached, texts


def main_facet(result: SpecResult) -> str:
    return "stdout" if result.kind == "command" else "body"
