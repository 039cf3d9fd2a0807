"""JUnit XML: one <testsuite> per spec, one <testcase> per case, for CI dashboards.

DIFF, FAIL and FIXED are <failure>; ERROR is <error>; SKIP is <skipped>; KNOWN passes with a
<system-out> note, and so does FIXED in a run with `--fixed-ok` (`fixed_ok`): the file fails
exactly when the run does. An interrupted run's cases that never ran (`not_run`, by spec name)
are <error>s, "not run": a gate on the file fails as the run did. The cases a selection left
out (`unselected`, a count by spec name) are one skipped testcase that says the selection.
Failure text lists the differing paths with each target's value.

A report folder's combined `junit.xml` also holds the specs that earlier runs left there: each
copied from its own `<spec>.junit.xml` when that file holds the spec's last run (`StoredSuite`),
else one stand-in testcase that carries its last run's tally (`stand_in`).
"""

from __future__ import annotations

import codecs
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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


def _testcase(suite: ET.Element, spec: SpecResult, case: CaseResult, fixed_ok: bool) -> None:
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
        todo = f"update the tracker and remove the known entry: {case.link or ''}"
        if fixed_ok:  # the run passes: so does the case, with the note
            out = ET.SubElement(element, "system-out")
            # Named as every entry point spells it in part: --fixed-ok, --yamlparity-fixed-ok,
            # `fixed_ok` in the settings (a pytest run's JUnit named the CLI's flag).
            out.text = clean(f"{message}; passes: fixed-ok is on\n{todo}")
            return
        node = ET.SubElement(element, "failure", message=clean(message), type="FIXED")
        node.text = clean(todo)
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


def _not_run_case(suite: ET.Element, spec: SpecResult, name: str) -> None:
    element = ET.SubElement(suite, "testcase", classname=clean(spec.name), name=clean(name))
    element.set("time", _seconds(0))
    why = "not run: the run was interrupted before this case"
    ET.SubElement(element, "error", message=why, type="ERROR")


def _unselected_case(suite: ET.Element, spec: SpecResult, count: int) -> None:
    element = ET.SubElement(suite, "testcase", classname=clean(spec.name), name=UNSELECTED_CASE)
    element.set("time", _seconds(0))
    cases = "case" if count == 1 else "cases"
    why = f"not selected: this run held {spec.selection}; {count} {cases} of the spec not run"
    ET.SubElement(element, "skipped", message=clean(why))


UNSELECTED_CASE = "(cases not selected)"


def _counts(spec: SpecResult, fixed_ok: bool, not_run: int, unselected: int) -> dict[str, str]:
    tally = spec.tally()
    left_out = 1 if unselected else 0  # one testcase stands for them all
    return {
        "tests": str(len(spec.cases) + not_run + left_out),
        "failures": str(tally["DIFF"] + tally["FAIL"] + (0 if fixed_ok else tally["FIXED"])),
        "errors": str(tally["ERROR"] + not_run),
        "skipped": str(tally["SKIP"] + left_out),
    }


def suite(
    spec: SpecResult,
    cases: bool = True,
    fixed_ok: bool = False,
    not_run: Sequence[str] = (),
    unselected: int = 0,
) -> ET.Element:
    """One <testsuite>; `cases=False`: without its <testcase>s (write_to streams them)."""
    attributes = {
        "name": clean(spec.name),
        **_counts(spec, fixed_ok, len(not_run), unselected),
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
            _testcase(element, spec, case, fixed_ok)
        for name in not_run:
            _not_run_case(element, spec, name)
        if unselected:
            _unselected_case(element, spec, unselected)
    return element


COUNTS = ("tests", "failures", "errors", "skipped")


@dataclass(frozen=True)
class StoredSuite:
    """A spec's <testsuite> as its own JUnit file held it, kept in `spool` (bytes `start` to
    `start + size`) until it is copied into a combined file."""

    spool: BinaryIO
    counts: Mapping[str, int]
    start: int
    size: int


# What a combined file is made of: this run's results, suites copied from earlier runs' files,
# and stand-ins (elements) for specs whose last run left no usable file.
Part = SpecResult | StoredSuite | ET.Element


# Per spec name: the cases an interrupted run never started.
NotRun = Mapping[str, Sequence[str]]
# Per spec name: how many of its cases a selection left out.
Unselected = Mapping[str, int]


def _document(
    parts: Sequence[Part], cases: bool, fixed_ok: bool, not_run: NotRun, unselected: Unselected
) -> ET.Element:
    root = ET.Element("testsuites", name="yamlparity")
    totals = dict.fromkeys(COUNTS, 0)
    for part in parts:
        if isinstance(part, StoredSuite):
            element = ET.Element(_STORED)  # where the copied suite goes
            counts = dict(part.counts)
        else:
            if isinstance(part, SpecResult):
                left_out = unselected.get(part.name, 0)
                element = suite(part, cases, fixed_ok, not_run.get(part.name, ()), left_out)
            else:
                element = part
            if isinstance(part, SpecResult) and not cases:
                ET.SubElement(element, _PLACE)  # where the streamed testcases go
            counts = {key: int(element.get(key, "0")) for key in COUNTS}
        root.append(element)
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return root


def dumps(
    specs: Sequence[SpecResult], fixed_ok: bool = False, not_run: NotRun | None = None
) -> str:
    root = _document(specs, cases=True, fixed_ok=fixed_ok, not_run=not_run or {}, unselected={})
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


_PLACE = "yamlparity-testcases"
_STORED = "yamlparity-stored-suite"
_CASE_LEVEL = 2  # testsuites > testsuite > testcase
_PLACES = re.compile(f"\n(?:{'  ' * _CASE_LEVEL}<{_PLACE} />|  <{_STORED} />)")


def write_to(
    parts: Sequence[Part],
    write: Callable[[str], object],
    fixed_ok: bool = False,
    not_run: NotRun | None = None,
    unselected: Unselected | None = None,
) -> None:
    """`dumps(specs)` handed to `write` a testcase at a time: the document skeleton is
    indented as a whole, each testcase as the whole tree would indent it. A StoredSuite is
    copied from its file a block at a time: memory stays flat with its size too."""
    unstarted = not_run or {}
    left_out = unselected or {}
    document = _document(parts, False, fixed_ok, unstarted, left_out)
    skeleton = ET.tostring(document, encoding="unicode", xml_declaration=True)
    around = _PLACES.split(skeleton)
    filled = [part for part in parts if not isinstance(part, ET.Element)]
    write(around[0])
    for part, after in zip(filled, around[1:], strict=True):
        if isinstance(part, StoredSuite):
            write("\n")
            for block in _copied(part):
                write(block)
        else:
            _write_cases(part, write, fixed_ok, unstarted.get(part.name, ()))
            if left_out.get(part.name):
                holder = ET.Element("testsuite")
                _unselected_case(holder, part, left_out[part.name])
                _write_case(holder, write)
        write(after)
    write("\n")


def _write_cases(
    spec: SpecResult, write: Callable[[str], object], fixed_ok: bool, not_run: Sequence[str]
) -> None:
    for case in spec.cases:
        holder = ET.Element("testsuite")
        _testcase(holder, spec, case, fixed_ok)
        _write_case(holder, write)
    for name in not_run:
        holder = ET.Element("testsuite")
        _not_run_case(holder, spec, name)
        _write_case(holder, write)


def _write_case(holder: ET.Element, write: Callable[[str], object]) -> None:
    (element,) = holder
    ET.indent(element, level=_CASE_LEVEL)
    write(f"\n{'  ' * _CASE_LEVEL}" + ET.tostring(element, encoding="unicode"))


# ------------------------------------------------------------ suites of earlier runs

_HEAD_BYTES = 64 * 1024  # the declaration, <testsuites ...> and <testsuite ...> lines
_TAIL = b"\n</testsuites>\n"
_BLOCK = 1 << 16


def stored_suite(
    path: Path, name: str, counts: Mapping[str, int], started: str | None, spool: BinaryIO
) -> StoredSuite | None:
    """The suite of `path` — one spec's own JUnit file, as write_to writes it for one result
    — when it is spec `name`'s run with these counts (and, when known, started then), copied
    to the end of `spool`; None when the file is missing, of another shape, or from another
    run of the spec (stale). Checked and copied from one open file: a run replacing it
    meanwhile (files are renamed into place) cannot mix two versions."""
    try:
        with open(path, "rb") as file:
            place = _suite_bytes(file, name, counts, started)
            if place is None:
                return None
            start = spool.seek(0, os.SEEK_END)
            copied = _copy(file, place, spool)
    except OSError:
        return None
    if copied != place[1] - place[0]:
        return None  # shorter than it said: written over in place by something else
    return StoredSuite(spool, counts, start, copied)


def _suite_bytes(
    file: BinaryIO, name: str, counts: Mapping[str, int], started: str | None
) -> tuple[int, int] | None:
    """Where the one <testsuite> of a spec's JUnit file lies (from its `  <testsuite` line to
    the newline before `</testsuites>`), when it is the run described; else None."""
    head = file.read(_HEAD_BYTES)
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - len(_TAIL)))
    lines = head.split(b"\n", 3)
    if len(lines) < 4 or file.read() != _TAIL or not lines[0].startswith(b"<?xml"):
        return None
    if not lines[1].startswith(b"<testsuites") or not lines[2].startswith(b"  <testsuite "):
        return None
    attributes = _start_tag(lines[2])
    if attributes is None or attributes.get("name") != clean(name):
        return None
    if any(attributes.get(key) != str(counts[key]) for key in COUNTS):
        return None
    if started is not None and attributes.get("timestamp") != started:
        return None
    return len(lines[0]) + len(lines[1]) + 2, size - len(_TAIL)


def _start_tag(line: bytes) -> dict[str, str] | None:
    """The attributes of a `<testsuite ...>` line (an element left open there)."""
    text = line.strip()
    if not text.endswith(b">") or text.endswith(b"/>"):
        return None
    try:
        return dict(ET.fromstring(text[:-1] + b"/>").attrib)
    except ET.ParseError:
        return None


def _copy(source: BinaryIO, place: tuple[int, int], out: BinaryIO) -> int:
    """Bytes `place` of `source` appended to `out`, a block at a time; how many there were."""
    source.seek(place[0])
    left = place[1] - place[0]
    while left > 0:
        block = source.read(min(_BLOCK, left))
        if not block:
            break
        out.write(block)
        left -= len(block)
    return place[1] - place[0] - left


def _copied(stored: StoredSuite) -> Iterator[str]:
    """The suite's bytes as text, a block at a time (a character split between two blocks is
    held back for the next)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    stored.spool.seek(stored.start)
    left = stored.size
    while left > 0:
        block = stored.spool.read(min(_BLOCK, left))
        if not block:
            break
        left -= len(block)
        yield decoder.decode(block)
    yield decoder.decode(b"", final=True)


def stand_in(name: str, tally: str, passed: bool, report: str) -> ET.Element:
    """A spec whose last run left no JUnit file of its own (it wrote other formats, or the
    file is gone): one testcase that passes or fails as that run did, so a CI gate reading the
    combined file fails while the index shows the spec failing. `tally`: `1 match / 1 diff
    (out of 2)`."""
    failures = "0" if passed else "1"
    attributes = {"name": clean(name), "tests": "1", "failures": failures, "errors": "0"}
    element = ET.Element("testsuite", {**attributes, "skipped": "0", "time": "0.000"})
    props = ET.SubElement(element, "properties")
    ET.SubElement(props, "property", name="report", value=clean(report))
    case = ET.SubElement(
        element, "testcase", classname=clean(name), name=STAND_IN_CASE, time="0.000"
    )
    what = f"its last run: {tally}; no JUnit report of that run is in this folder (see {report})"
    if passed:
        ET.SubElement(case, "system-out").text = clean(what)
    else:
        ET.SubElement(case, "failure", message=clean(what), type="REPORT")
    return element


STAND_IN_CASE = "(its last run)"
