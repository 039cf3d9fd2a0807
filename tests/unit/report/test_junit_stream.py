"""JUnit XML written a test case at a time is the text of the whole tree, indented."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

import pytest

from tests.unit.report.test_formats import sample_result
from tests.unit.report.test_formats_html import hostile_result
from tests.unit.report.test_html_chunks import many_cases
from yamlparity.report.formats import junit
from yamlparity.results.records import SpecResult


def _whole_tree(specs: Sequence[SpecResult]) -> str:
    """The document as one tree, indented and serialized at once (how it was written)."""
    root = ET.Element("testsuites", name="yamlparity")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for spec in specs:
        element = junit.suite(spec)
        root.append(element)
        for key in totals:
            totals[key] += int(element.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


@pytest.mark.parametrize(
    "specs",
    [
        lambda: [sample_result()],
        lambda: [hostile_result()],
        lambda: [many_cases(500)],
        lambda: [sample_result(), many_cases(0), hostile_result(), many_cases(3)],
        lambda: [many_cases(0)],
        lambda: [],
    ],
    ids=["sample", "hostile", "500 cases", "several suites", "no cases", "no suites"],
)
def test_written_a_case_at_a_time_equals_the_whole_tree(specs: object) -> None:
    chosen = specs()  # type: ignore[operator]
    pieces: list[str] = []
    junit.write_to(pieces.append, chosen)
    assert "".join(pieces) == _whole_tree(chosen)
    assert len(pieces) >= sum(len(spec.cases) for spec in chosen)  # one piece per case
