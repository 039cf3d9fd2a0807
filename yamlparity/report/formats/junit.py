"""JUnit XML: one <testsuite> per spec, one <testcase> per case, for CI dashboards.

DIFF, FAIL and FIXED are <failure>; ERROR is <error>; SKIP is <skipped>; KNOWN passes with a
<system-out> note. Failure text lists the differing paths with each target's value.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from yamlparity.core.printable import shown_json, shown_path
from yamlparity.report.render import agreement_text, display_file
from yamlparity.results.records import FAILURE_GONE, CaseResult, SpecResult

# Characters XML 1.0 cannot carry at all (control characters, lone surrogates): written as
# \\uXXXX so the file stays well-formed whatever a target printed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAX_DIFFERENCES = 50  # per case in the failure text; the report has them all


def clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def difference_text(case: CaseResult) -> str:
    lines = []
    for diff in case.differences[:MAX_DIFFERENCES]:
        parts = [
            f"{t}={'(missing)' if t in diff.missing else shown_json(diff.values[t], diff.path)}"
            for t in case.outcomes
            if t in diff.values or t in diff.missing
        ]
        note = f"  ({diff.note})" if diff.note else ""
        lines.append(f"{diff.facet} {shown_path(diff.path)}: {'  '.join(parts)}{note}")
    if len(case.differences) > MAX_DIFFERENCES:
        lines.append(f"… {len(case.differences) - MAX_DIFFERENCES} more differences")
    for failure in case.expectation_failures:
        lines.append(f"{failure.target}: expected {failure.expectation}, saw {failure.seen}")
    if len(case.groups) > 1 or case.failures:
        lines.append("agreement: " + agreement_text(case))
    return "\n".join(lines)


def _error_text(case: CaseResult) -> str:
    lines = [
        f"{name}: {outcome.error}\n{outcome.raw_excerpt}"
        for name, outcome in case.outcomes.items()
        if outcome.error
    ]
    answered = difference_text(case)  # the targets that answered: who agrees with whom
    return "\n".join(lines + ([answered] if answered else [])) or case.reason


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
        what = "differing path" if verdict == "DIFF" else "failed expectation"
        what += "" if count == 1 else "s"
        node = ET.SubElement(element, "failure", message=f"{verdict}: {count} {what}", type=verdict)
        node.text = clean(difference_text(case))
    elif verdict == "FIXED":
        gone = "expected failure" if FAILURE_GONE in case.reason else "known divergence"
        message = f"FIXED: the {gone} is gone ({case.reason})"
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
        what = "failure" if case.known_errors else "divergence"
        out.text = clean(f"KNOWN {what}: {case.reason}{link}\n{difference_text(case)}")


def _counts(spec: SpecResult) -> dict[str, str]:
    tally = spec.tally()
    return {
        "tests": str(len(spec.cases)),
        "failures": str(tally["DIFF"] + tally["FAIL"] + tally["FIXED"]),
        "errors": str(tally["ERROR"]),
        "skipped": str(tally["SKIP"]),
    }


def suite(spec: SpecResult, cases: bool = True) -> ET.Element:
    """One <testsuite>; `cases=False`: without its <testcase>s (write_to streams them)."""
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
    if cases:
        for case in spec.cases:
            _testcase(element, spec, case)
    return element


def _document(specs: Sequence[SpecResult], cases: bool) -> ET.Element:
    root = ET.Element("testsuites", name="yamlparity")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for spec in specs:
        element = suite(spec, cases)
        if not cases:
            ET.SubElement(element, _PLACE)  # where the streamed testcases go
        root.append(element)
        for key in totals:
            totals[key] += int(element.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return root


def dumps(specs: Sequence[SpecResult]) -> str:
    root = _document(specs, cases=True)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


_PLACE = "yamlparity-testcases"
_CASE_LEVEL = 2  # testsuites > testsuite > testcase


def write_to(specs: Sequence[SpecResult], write: Callable[[str], object]) -> None:
    """`dumps(specs)` handed to `write` a testcase at a time: the document skeleton is
    indented as a whole, each testcase as the whole tree would indent it."""
    skeleton = ET.tostring(_document(specs, cases=False), encoding="unicode", xml_declaration=True)
    around = skeleton.split(f"\n{'  ' * _CASE_LEVEL}<{_PLACE} />")
    write(around[0])
    for spec, after in zip(specs, around[1:], strict=True):
        for case in spec.cases:
            holder = ET.Element("testsuite")
            _testcase(holder, spec, case)
            (element,) = holder
            ET.indent(element, level=_CASE_LEVEL)
            write(f"\n{'  ' * _CASE_LEVEL}" + ET.tostring(element, encoding="unicode"))
        write(after)
    write("\n")
