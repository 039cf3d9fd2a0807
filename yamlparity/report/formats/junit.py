"""JUnit XML: one <testsuite> per spec, one <testcase> per case, for CI dashboards.

DIFF, FAIL and FIXED are <failure>; ERROR is <error>; SKIP is <skipped>; KNOWN passes with a
<system-out> note. Failure text lists the differing paths with each target's value.
`write_to` writes it a test case at a time (the same text as the whole indented tree).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from yamlparity.core import jsonvalue
from yamlparity.report.render import display_file
from yamlparity.results.records import CaseResult, SpecResult

# Characters XML 1.0 cannot carry at all (control characters, lone surrogates): written as
# \\uXXXX so the file stays well-formed whatever a target printed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAX_DIFFERENCES = 50  # per case in the failure text; the report has them all


def clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _value(value: jsonvalue.JSON) -> str:
    return jsonvalue.dumps(value)


def difference_text(case: CaseResult) -> str:
    lines = []
    for diff in case.differences[:MAX_DIFFERENCES]:
        parts = [
            f"{t}={'(missing)' if t in diff.missing else _value(diff.values[t])}"
            for t in case.outcomes
            if t in diff.values or t in diff.missing
        ]
        note = f"  ({diff.note})" if diff.note else ""
        lines.append(f"{diff.facet} {diff.path}: {'  '.join(parts)}{note}")
    if len(case.differences) > MAX_DIFFERENCES:
        lines.append(f"… {len(case.differences) - MAX_DIFFERENCES} more differences")
    for failure in case.expectation_failures:
        lines.append(f"{failure.target}: expected {failure.expectation}, saw {failure.seen}")
    if len(case.groups) > 1:
        lines.append("groups: " + " ≠ ".join(" = ".join(g) for g in case.groups))
    return "\n".join(lines)


def _error_text(case: CaseResult) -> str:
    lines = [
        f"{name}: {outcome.error}\n{outcome.raw_excerpt}"
        for name, outcome in case.outcomes.items()
        if outcome.error
    ]
    return "\n".join(lines) or case.reason  # e.g. an input that could not be rendered


def _testcase(suite: ET.Element, spec: SpecResult, case: CaseResult) -> None:
    element = ET.SubElement(
        suite,
        "testcase",
        classname=clean(spec.name),
        name=clean(case.name),
        time=_seconds(case.duration),
    )
    verdict = case.verdict
    if verdict in ("DIFF", "FAIL"):
        count = len(case.differences) or len(case.expectation_failures)
        what = "differing paths" if verdict == "DIFF" else "failed expectations"
        node = ET.SubElement(element, "failure", message=f"{verdict}: {count} {what}", type=verdict)
        node.text = clean(difference_text(case))
    elif verdict == "FIXED":
        message = f"FIXED: the known divergence is gone ({case.reason})"
        node = ET.SubElement(element, "failure", message=clean(message), type="FIXED")
        node.text = clean(f"update the tracker and remove the known entry: {case.link or ''}")
    elif verdict == "ERROR":
        node = ET.SubElement(element, "error", message=clean(case.reason[:500]), type="ERROR")
        node.text = clean(_error_text(case))
    elif verdict == "SKIP":
        ET.SubElement(element, "skipped", message=clean(case.reason))
    elif verdict == "KNOWN":
        out = ET.SubElement(element, "system-out")
        link = f" — {case.link}" if case.link else ""
        out.text = clean(f"KNOWN divergence: {case.reason}{link}\n{difference_text(case)}")


def _counts(spec: SpecResult) -> dict[str, str]:
    tally = spec.tally()
    return {
        "tests": str(len(spec.cases)),
        "failures": str(tally["DIFF"] + tally["FAIL"] + tally["FIXED"]),
        "errors": str(tally["ERROR"]),
        "skipped": str(tally["SKIP"]),
    }


def suite(spec: SpecResult) -> ET.Element:
    element = _suite_head(spec)
    for case in spec.cases:
        _testcase(element, spec, case)
    return element


def _suite_head(spec: SpecResult) -> ET.Element:
    """The <testsuite> element with its properties, without its test cases."""
    attributes = {
        "name": clean(spec.name),
        **_counts(spec),
        "time": _seconds(sum(case.duration for case in spec.cases)),
        "timestamp": spec.started,
    }
    element = ET.Element("testsuite", attributes)
    props = ET.SubElement(element, "properties")
    ET.SubElement(props, "property", name="spec", value=clean(display_file(spec.file)))
    for target in spec.targets:
        name = f"target.{clean(target.name)}"
        ET.SubElement(props, "property", name=name, value=clean(target.description))
    if spec.interrupted:
        ET.SubElement(props, "property", name="interrupted", value="true")
    return element


def dumps(specs: Sequence[SpecResult]) -> str:
    parts: list[str] = []
    write_to(parts.append, specs)
    return "".join(parts)


# Where a suite's test cases go in the indented skeleton: a comment, indented as they are.
_MARK = "yamlparity-cases-{}"
_CASE_DEPTH = 2  # testsuites > testsuite > testcase


def write_to(write: Callable[[str], object], specs: Sequence[SpecResult]) -> None:
    """The whole document, handed to `write` a test case at a time: 100k cases never make a
    tree of 100k elements. The text is what indenting and serializing the whole tree gives:
    the skeleton (suites and properties) is serialized with a comment in each suite's place
    for its cases, and each case is indented at its depth and serialized in that place."""
    root = ET.Element("testsuites", name="yamlparity")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for index, spec in enumerate(specs):
        element = _suite_head(spec)
        if len(spec.cases):
            element.append(ET.Comment(_MARK.format(index)))
        root.append(element)
        for key in totals:
            totals[key] += int(element.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    skeleton = ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
    for index, spec in enumerate(specs):
        mark = f"<!--{_MARK.format(index)}-->"
        if mark not in skeleton:
            continue
        before, skeleton = skeleton.split(mark, 1)
        write(before)
        _write_cases(write, spec)
    write(skeleton)


def _write_cases(write: Callable[[str], object], spec: SpecResult) -> None:
    holder = ET.Element("testsuite")
    between = "\n" + "  " * _CASE_DEPTH
    cases = iter(spec.cases)
    case = next(cases, None)
    while case is not None:
        _testcase(holder, spec, case)
        element = holder[0]
        del holder[0]
        ET.indent(element, level=_CASE_DEPTH)
        case = next(cases, None)
        # The last case's tail is the comment's own, already in the skeleton.
        element.tail = between if case is not None else None
        write(ET.tostring(element, encoding="unicode"))
