"""`run -v`: each divergence's differing paths, with long values cut around the difference.

A differing value can be a multi-KB line (a base64 blob, a minified document). Printed whole
it hides the one character that differs; so when the targets' values are longer than
VALUE_WIDTH, each is cut to a window that starts a little before the first character where
they differ (the same place in every value), with the characters left out counted on each
side (`core.printable.cut_around`, which the reports use too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yamlparity.cli.colors import Palette
from yamlparity.core.failures import split_stderr_tail
from yamlparity.core.printable import shown_path, terminal_safe
from yamlparity.report import github

VALUE_WIDTH = 100  # characters of a value shown; a longer one is cut around the difference
MAX_PATHS = 20


def difference_values(diff: Any, order: Sequence[str], width: int = VALUE_WIDTH) -> dict[str, str]:
    """target -> its value at the path as compact exact JSON, `(missing)` where absent; values
    longer than `width` cut around their first difference (report/github.py's, which the
    annotations use: one rule for both)."""
    return github.difference_values(diff, order, width)


def divergence_lines(result: Any, paint: Palette) -> list[str]:
    """The lines `-v` prints after a spec's summary line."""
    from yamlparity.report.render import agreement_text

    lines: list[str] = []
    for case in result.cases:
        if case.verdict in ("MATCH", "SKIP"):
            continue
        # Target text (a reason quoting a service log, a key, a value): escapes shown, not obeyed.
        reason = f": {terminal_safe(case.reason)}" if case.reason else ""
        lines.append(f"  {paint.verdict(case.verdict)} {case.name}{reason}")
        if (len(case.groups) > 1 or case.failures) and len(result.targets) > 2:
            # Who agrees with whom, and the targets that failed, by kind (jq = libjq; gojq:
            # exit 3): one failure must not hide what the others answered.
            lines.append(f"    agreement: {agreement_text(case)}")
        for diff in case.differences[:MAX_PATHS]:
            values = difference_values(diff, list(case.outcomes))
            shown = "  ".join(
                f"{name}={paint.dim(text) if text == github.MISSING else terminal_safe(text)}"
                for name, text in values.items()
            )
            # As the JUnit failure text and pytest say it: `(same value, different literal)`.
            note = f"  {paint.dim(f'({terminal_safe(diff.note)})')}" if diff.note else ""
            path = terminal_safe(shown_path(diff.path))
            lines.append(f"    {diff.facet} {paint.bold(path)}: {shown}{note}")
        if len(case.differences) > MAX_PATHS:
            lines.append(f"    … {len(case.differences) - MAX_PATHS} more")
        for failure in case.expectation_failures:
            expected = terminal_safe(f"expected {failure.expectation}, saw {failure.seen}")
            lines.append(f"    {failure.target}: {expected}")
        lines += _failure_output(case, paint)
    return lines


def _failure_output(case: Any, paint: Palette) -> list[str]:
    """What each failed target said, which the one-line reason leaves out: a stream helper's
    last lines on stderr; for the others the start of what they wrote (a process's stderr, or
    its stdout when stderr was empty; a response's body), as the report shows it (200
    characters, secrets masked). A line each, escapes shown."""
    lines: list[str] = []
    for name, outcome in case.outcomes.items():
        if outcome.error is None:
            continue
        tail = split_stderr_tail(outcome.error)[1]
        if tail:
            lines.append(f"    {name} {paint.dim('(its last lines on stderr)')}:")
            lines += [f"      {terminal_safe(line)}" for line in tail.splitlines()]
        elif outcome.raw_excerpt.strip():
            lines.append(f"    {name} {paint.dim('(the start of what it wrote)')}:")
            lines += [f"      {terminal_safe(line)}" for line in outcome.raw_excerpt.splitlines()]
    return lines
