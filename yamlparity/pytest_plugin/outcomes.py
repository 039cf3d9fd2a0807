"""A case's verdict as a pytest outcome, and the text pytest shows for it.

MATCH passed; DIFF and FAIL failed, with the differing paths and each target's value; ERROR an
error (raised at setup); SKIP skipped with the reason; KNOWN xfailed; FIXED failed as a strict
XPASS (`--yamlparity-fixed-ok`: a plain XPASS, like the CLI's `--fixed-ok`). The reproducers
(curl command lines, the helper with its stdin) are added at `-vv`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from yamlparity.report.formats.junit import difference_text
from yamlparity.results.records import CaseResult

Kind = Literal["passed", "failed", "error", "skipped", "xfail", "xpass"]


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    text: str = ""  # the failure text, or the skip/xfail reason
    strict: bool = True  # xpass: a strict one fails the test


def outcome(case: CaseResult, *, verbosity: int, fixed_ok: bool) -> Outcome:
    verdict = case.verdict
    if verdict == "MATCH":
        return Outcome("passed")
    if verdict == "SKIP":
        # pytest's -rs summary shows a skip as `file: reason` and folds equal reasons into one
        # line (`SKIPPED [2] spec.yaml: ...`): the case's name tells which case it is.
        return Outcome("skipped", f"{case.name}: {case.reason or 'skipped'}")
    if verdict == "KNOWN":
        # xfail with the divergence as the failure text (seen with --runxfail or -rx).
        return Outcome("xfail", _with_reproducers(_diff_text(case), case, verbosity))
    if verdict == "FIXED":
        return Outcome("xpass", fixed_reason(case), strict=not fixed_ok)
    if verdict == "ERROR":
        return Outcome("error", _with_reproducers(error_text(case), case, verbosity))
    return Outcome("failed", _with_reproducers(_diff_text(case), case, verbosity))


_REASON_CHARS = 120  # a reason pytest prints on one line (the report keeps it whole)


def known_reason(case: CaseResult) -> str:
    reason = " ".join(case.reason.split())
    if len(reason) > _REASON_CHARS:
        reason = reason[: _REASON_CHARS - 1] + "…"
    link = f" ({case.link})" if case.link else ""
    # As the JUnit file says it: a `known: [{error: ...}]` entry declares a failure.
    what = "failure" if case.known_errors else "divergence"
    return f"known {what}: {reason}{link}"


def fixed_reason(case: CaseResult) -> str:
    link = f": {case.link}" if case.link else ""
    return (
        f"FIXED: the known divergence is gone ({case.reason}); update the tracker and remove "
        f"the known entry{link}"
    )


def _diff_text(case: CaseResult) -> str:
    if case.verdict == "FAIL" or (case.expectation_failures and not case.differences):
        count = len(case.expectation_failures)
        head = f"{case.verdict}: {count} failed expectation{'s' if count != 1 else ''}"
    elif case.known_errors and not case.differences:
        # A declared failure still happening: what failed, not "0 differing paths".
        head = f"{case.verdict}: {_failures(case, case.known_errors)}"
    else:
        count = len(case.differences)
        head = f"{case.verdict}: {count} differing path{'s' if count != 1 else ''}"
    if case.verdict == "KNOWN":
        head += f" — {known_reason(case)}"
    body = difference_text(case)
    return f"{head}\n{body}" if body else head


def _failures(case: CaseResult, targets: list[str]) -> str:
    """`node: exited with code 3`, for each target named."""
    return "; ".join(
        f"{name}: {case.outcomes[name].error or case.failures.get(name, 'failed')}"
        if name in case.outcomes
        else name
        for name in targets
    )


def error_text(case: CaseResult) -> str:
    """`ERROR: node: exited with code 3`, then each failed target's error and what it printed.
    The target the reason already names is not named again: its excerpt follows the reason."""
    lines = [f"ERROR: {case.reason}"] if case.reason else ["ERROR"]
    failed = [(name, target) for name, target in case.outcomes.items() if target.error]
    # The reason's own target first, so the excerpt under the reason line is its own.
    failed.sort(key=lambda pair: f"{pair[0]}: {pair[1].error}" != case.reason)
    for name, target in failed:
        if f"{name}: {target.error}" != case.reason:
            lines.append(f"{name}: {target.error}")
        if target.raw_excerpt:
            lines.extend(f"    {line}" for line in target.raw_excerpt.splitlines())
    return "\n".join(lines)


def _with_reproducers(text: str, case: CaseResult, verbosity: int) -> str:
    if not case.reproducers:
        return text
    if verbosity < 2:
        return f"{text}\n(-vv shows how to reproduce it)"
    lines = [text, "reproduce:"]
    for target, command in case.reproducers.items():
        lines.append(f"  {target}:")
        lines.extend(f"    {line}" for line in command.splitlines())
    return "\n".join(lines)
