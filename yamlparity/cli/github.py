"""GitHub Actions: an `::error` annotation per failing case, at its line in the spec or
fixture file, and a job summary appended to `$GITHUB_STEP_SUMMARY`.

Only under GitHub Actions (`GITHUB_ACTIONS=true`). Annotation text is escaped as the runner
expects (`%`, CR and LF in the message; also `:` and `,` in properties). GitHub shows at
most 10 error annotations per step and 50 per job: the first MAX_ANNOTATIONS failing cases
are annotated and one notice counts the rest (the job summary and the report list them all).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from yamlparity.cli.divergences import difference_values
from yamlparity.core.printable import shown_path

MAX_ANNOTATIONS = 50
MESSAGE_PATHS = 3  # differing paths named in one annotation
VALUE_WIDTH = 60


def active(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get("GITHUB_ACTIONS", "") == "true"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
    title: str | None = None,
) -> str:
    """One workflow command line: `::error file=F,line=L,col=C,title=T::message`."""
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
    if line:
        props.append(f"line={line}")
    if column:
        props.append(f"col={column}")
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(message)}"


def workspace_path(file: str, env: Mapping[str, str] | None = None) -> str:
    """A path as GitHub wants it: relative to the checkout ($GITHUB_WORKSPACE), when inside."""
    env = os.environ if env is None else env
    path = Path(file).resolve()
    root = Path(env.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def case_locations(spec: Any, names: set[str]) -> dict[str, Any]:
    """name -> Location of the cases named (one pass over names; no fixture row is read)."""
    found: dict[str, Any] = {}
    cases = spec.cases
    listing = getattr(cases, "names", None)
    iterator = listing() if listing is not None else (case.name for case in cases)
    for index, name in enumerate(iterator):
        if name in names:
            where = getattr(cases, "location", None)
            found[name] = where(index) if where is not None else cases[index].location
            if len(found) == len(names):
                break
    return found


def message(case: Any) -> str:
    """What went wrong in one case, in a few lines."""
    lines = [f"{case.verdict} {case.name}" + (f": {case.reason}" if case.reason else "")]
    for diff in case.differences[:MESSAGE_PATHS]:
        values = difference_values(diff, list(case.outcomes), VALUE_WIDTH)
        shown = "  ".join(f"{target}={value}" for target, value in values.items())
        lines.append(f"{diff.facet} {shown_path(diff.path)}: {shown}")
    if len(case.differences) > MESSAGE_PATHS:
        more = len(case.differences) - MESSAGE_PATHS
        lines.append(f"… {more} more differing path{'s' if more > 1 else ''}")
    for failure in case.expectation_failures:
        lines.append(f"{failure.target}: expected {failure.expectation}, saw {failure.seen}")
    return "\n".join(lines)


class Annotations:
    """`::error` lines for the failing cases of each spec as it finishes, at most `limit`
    over the whole run, then (`finish`) a notice counting those left out."""

    def __init__(self, *, fixed_ok: bool = False, limit: int = MAX_ANNOTATIONS) -> None:
        self.fixed_ok, self.limit, self.left, self.skipped = fixed_ok, limit, limit, 0

    def for_spec(self, spec: Any, result: Any) -> Iterator[str]:
        failing = [
            case
            for case in result.cases
            if case.failing and not (self.fixed_ok and case.verdict == "FIXED")
        ]
        shown = failing[: self.left]
        self.skipped += len(failing) - len(shown)
        self.left -= len(shown)
        places = case_locations(spec, {case.name for case in shown}) if shown else {}
        for case in shown:
            where = places.get(case.name)
            yield command(
                "error",
                message(case),
                file=workspace_path(where.file if where else str(spec.file)),
                line=where.line if where else None,
                column=where.column if where else None,
                title=f"yamlparity {case.verdict}: {spec.name}/{case.name}",
            )

    def finish(self) -> Iterator[str]:
        if self.skipped:
            yield command(
                "notice",
                f"{self.skipped} more failing cases not annotated (GitHub shows at most "
                f"{self.limit}); see the job summary and the reports",
                title="yamlparity",
            )


def append_summary(markdown: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Append to the job summary file; None when there is none (not under Actions)."""
    env = os.environ if env is None else env
    target = env.get("GITHUB_STEP_SUMMARY", "")
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
    except OSError as exc:
        # The reports are written and the run's verdict stands: its exit code must not
        # become a usage error's because the summary file could not take a note.
        reason = exc.strerror or str(exc)
        print(
            f"warning: cannot append the job summary to $GITHUB_STEP_SUMMARY ({target}): {reason}",
            file=sys.stderr,
        )
        return None
    return path
