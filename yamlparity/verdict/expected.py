"""Expected failures (`known:` entries with `error:`): KNOWN while they happen, FIXED once gone.

An entry covers a failing target when the case matches its `cases`, the target is one of its
`targets` (default: any) and the failure's reason contains its `error` text (or matches its
/regex/). A case whose every failure is covered is not an ERROR: the targets that answered are
compared among themselves, and the case is KNOWN when they agree. An entry is stale (the case
FIXED) when a target it lists answered, or, without `targets`, when no target failed so.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from yamlparity.results.records import FAILURE_GONE, CaseResult, TargetOutcome
from yamlparity.spec.model import KnownDivergence, Spec


@dataclass
class Expected:
    """How a case's failures meet its `known: [{error: ...}]` entries."""

    covered: list[str] = field(default_factory=list)  # failing targets whose failure is declared
    used: list[KnownDivergence] = field(default_factory=list)  # entries that covered a failure
    stale: list[KnownDivergence] = field(default_factory=list)  # entries whose failure is gone

    @property
    def entries(self) -> bool:
        return bool(self.used or self.stale)


def error_entries(spec: Spec, name: str) -> list[KnownDivergence]:
    """The expected-failure entries that apply to case `name`."""
    return [
        known
        for known in spec.known
        if known.error is not None
        and any(fnmatch.fnmatchcase(name, pattern) for pattern in known.cases)
    ]


def declares(entry: KnownDivergence, target: str, error: str) -> bool:
    """Whether the entry expects this target to fail with this reason."""
    if entry.targets is not None and target not in entry.targets:
        return False
    if entry.error_regex is not None:
        return entry.error_regex.search(error) is not None
    return entry.error is not None and entry.error in error


def expected(spec: Spec, name: str, live: list[str], errors: dict[str, str]) -> Expected:
    """Which failures (`errors`: target -> reason) the case's entries declare, and which
    entries are stale. `live` are the targets that ran the case (skipped ones cannot fail)."""
    found = Expected()
    for entry in error_entries(spec, name):
        hits = [t for t, error in errors.items() if declares(entry, t, error)]
        for target in hits:
            if target not in found.covered:
                found.covered.append(target)
        if hits:
            found.used.append(entry)
        listed = [t for t in entry.targets or () if t in live]
        if (entry.targets is None and not hits) or any(t not in hits for t in listed):
            found.stale.append(entry)
    return found


def apply_expected(result: CaseResult, found: Expected, failed: list[str]) -> None:
    """Settle a case that had no undeclared failure, once its answering targets are compared
    (`result.verdict` is MATCH, DIFF, FAIL, KNOWN or FIXED from there)."""
    if not found.entries:
        return
    result.known_errors = [t for t in failed if t in found.covered]
    differs = result.verdict not in ("MATCH", "KNOWN", "FIXED")
    # "Gone" only when the answers agree (FIXED): beside a DIFF or FAIL the failure may well
    # be happening in another form (a lone HTTP 500 is an answer, not a failure).
    notes = [f"{e.reason} {_not_seen(e, result) if differs else FAILURE_GONE}" for e in found.stale]
    notes += [e.reason for e in found.used if e not in found.stale]
    link = next((e.link for e in [*found.stale, *found.used] if e.link), None)
    if found.stale:
        if result.verdict in ("MATCH", "KNOWN", "FIXED"):
            result.verdict = "FIXED"
            result.link = result.link or link
        # DIFF or FAIL among the answers: that verdict stands, with the news beside it.
    elif result.verdict in ("MATCH", "KNOWN"):
        result.verdict = "KNOWN"
        result.link = result.link or link
    result.reason = _joined(notes, result.reason)


def _not_seen(entry: KnownDivergence, result: CaseResult) -> str:
    """What happened instead of the declared failure: each listed (else each) target that
    answered, with its status or exit code."""
    names = entry.targets or tuple(result.outcomes)
    seen = [
        f"{name} answered {_answer(result.outcomes[name])}"
        for name in names
        if name in result.outcomes and result.outcomes[name].error is None
    ]
    what = ", ".join(seen) or "no target failed so"
    note = f"(declared failure {entry.error!r} did not match what happened: {what}"
    if any((result.outcomes[n].status or 0) >= 500 for n in names if n in result.outcomes):
        note += "; a lone 5xx with a readable body is an answer: declare it as a divergence"
    return note + ")"


def _answer(outcome: TargetOutcome) -> str:
    if outcome.status is not None:
        return f"HTTP {outcome.status}"
    return f"exit {outcome.exit_code}" if outcome.exit_code is not None else "an answer"


def _joined(notes: list[str], before: str) -> str:
    parts = [before] if before else []
    parts += [note for note in notes if note not in parts]
    return "; ".join(parts)
