"""GitHub Actions: an `::error` workflow command per failing case, at its line in the spec or
fixture file, and the job summary appended to `$GITHUB_STEP_SUMMARY`.

Built from results alone, for every front end (`yamlparity run`, `merge`, the pytest plugin,
which may hold results its xdist workers sent, with no spec loaded): the front end prints the
commands on its standard output, where the runner reads them, and says when the summary could
not be written.

Annotation text is escaped as the runner expects (`%`, CR and LF in the message; also `:` and
`,` in properties). GitHub shows at most 10 error annotations per step and 50 per job: the first
MAX_ANNOTATIONS failing cases are annotated and one notice counts the rest (the job summary and
the report list them all).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from yamlparity.core.errors import Location
from yamlparity.core.printable import cut_around, shown_json, shown_path

MAX_ANNOTATIONS = 50
MESSAGE_PATHS = 3  # differing paths named in one annotation
VALUE_WIDTH = 60
MISSING = "(missing)"


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


def case_locations(spec: Any, names: set[str]) -> dict[str, Location]:
    """name -> Location of the cases named (one pass over names; no fixture row is read)."""
    found: dict[str, Location] = {}
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


def difference_values(diff: Any, order: Sequence[str], width: int) -> dict[str, str]:
    """target -> its value at the path as compact exact JSON, `(missing)` where absent; values
    longer than `width` cut around their first difference (as `run -v` shows them)."""
    present = {
        name: shown_json(diff.values[name], diff.path) for name in order if name in diff.values
    }
    shown = cut_around(present, width)
    return {
        name: MISSING if name in diff.missing else shown[name]
        for name in order
        if name in diff.missing or name in shown
    }


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
        """With the spec loaded: the cases' places are read from it."""
        shown = self._take(result)
        places = case_locations(spec, {case.name for case in shown}) if shown else {}
        yield from self._lines(result, shown, places)

    def for_result(self, result: Any, places: Mapping[str, Location]) -> Iterator[str]:
        """Where the spec is not loaded (an xdist controller): the failing cases' places as
        found where the spec was; a case without one is annotated on the spec file."""
        yield from self._lines(result, self._take(result), places)

    def _take(self, result: Any) -> list[Any]:
        failing = [
            case
            for case in result.cases
            if case.failing and not (self.fixed_ok and case.verdict == "FIXED")
        ]
        shown = failing[: self.left]
        self.skipped += len(failing) - len(shown)
        self.left -= len(shown)
        return shown

    def _lines(
        self, result: Any, cases: Sequence[Any], places: Mapping[str, Location]
    ) -> Iterator[str]:
        for case in cases:
            where = places.get(case.name)
            yield command(
                "error",
                message(case),
                file=workspace_path(where.file if where else str(result.file)),
                line=where.line if where else None,
                column=where.column if where else None,
                title=f"yamlparity {case.verdict}: {result.name}/{case.name}",
            )

    def finish(self) -> Iterator[str]:
        if self.skipped:
            yield command(
                "notice",
                f"{self.skipped} more failing cases not annotated (GitHub shows at most "
                f"{self.limit}); see the job summary and the reports",
                title="yamlparity",
            )


class SummaryNotAppended(Exception):
    """The job summary file could not be written to. The reports are written and the run's
    verdict stands: a front end warns, its exit code unchanged."""


def append_summary(markdown: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Append to the job summary file; None when there is none (not under Actions). Raises
    SummaryNotAppended with the reason."""
    env = os.environ if env is None else env
    target = env.get("GITHUB_STEP_SUMMARY", "")
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SummaryNotAppended(
            f"cannot append the job summary to $GITHUB_STEP_SUMMARY ({target}): {reason}"
        ) from None
    return path
