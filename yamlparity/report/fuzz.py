"""What a fuzz run writes: its report (markdown and JSON) and its findings as regression cases
in a .jsonl fixture file, which `yamlparity run` reads like any other (`cases_from`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from yamlparity.core.errors import Location, SpecError
from yamlparity.core.jsonvalue import (
    JSON,
    JsonDecodeError,
    dumps,
    from_python,
    is_blank_line,
    json_lines,
    loads,
)
from yamlparity.core.printable import shown_dump, shown_json, shown_path, visible_json
from yamlparity.report.render import _cell, _code, _fence, _text, atomic_writer, write_atomic
from yamlparity.results.fuzz import STOPPED_TEXT, Finding, FindingKind, FuzzResult

__all__ = [
    "cut_json",
    "not_reproduced_text",
    "render_json",
    "render_markdown",
    "save_findings",
    "shown_input",
    "write_reports",
]

_SECTIONS: tuple[tuple[FindingKind, str, str], ...] = (
    ("diff", "Divergences", "_None: wherever every target answered, they answered alike._"),
    ("error", "Errors (a target failed on an input the schema allows)", "_None._"),
    ("fail", "Failed expectations", "_None._"),
)
SHOWN_INPUT = 4000  # characters of a minimal input shown in the report


def write_reports(
    result: FuzzResult,
    path: Path,
    spec_shown: str,
    redact: Callable[[str], str] = str,
) -> tuple[Path, Path]:
    """`path` (.md) and the same name with .json, each written whole or not at all; `redact`
    masks the spec's secrets (a target may echo one)."""
    json_path = path.with_suffix(".json")
    write_atomic(path, redact(render_markdown(result, spec_shown)))
    write_atomic(json_path, redact(render_json(result)))
    return path, json_path


def render_json(result: FuzzResult) -> str:
    return dumps(from_python(result.to_dict()), indent=2, sort_keys=False) + "\n"


def render_markdown(result: FuzzResult, spec_shown: str) -> str:
    names = [t.name for t in result.targets]
    lines = [f"# Fuzz report — {_text(result.title)}", ""]
    lines += _summary(result, spec_shown)
    for kind, heading, empty in _SECTIONS:
        found = result.of_kind(kind)
        lines += ["", f"## {heading} ({len(found)})", ""]
        if not found:
            lines.append(empty)
        for number, finding in enumerate(found, start=1):
            lines += _finding(number, finding, names, spec_shown)
    return "\n".join(lines).rstrip() + "\n"


def _summary(result: FuzzResult, spec_shown: str) -> list[str]:
    first = result.first_finding
    first_text = (
        "none" if first is None else f"example {first.first_example}, {first.first_seconds:.2f} s"
    )
    targets = ", ".join(f"{t.name} ({_code(t.description)})" for t in result.targets)
    counts = {kind: len(result.of_kind(kind)) for kind in ("diff", "error", "fail")}
    lines = [
        f"**Spec:** {_code(spec_shown)} · **Input schema:** {_code(result.schema)} · "
        f"**Seed:** {result.seed} · **Targets:** {targets}",
        "",
        "| examples tried | of which searching | rounds | time | first finding | divergences "
        "| errors | failed expectations |",
        "|---|---|---|---|---|---|---|---|",
        f"| {result.examples} | {result.searched} | {result.rounds} | {result.seconds:.1f} s "
        f"| {first_text} | {counts['diff']} | {counts['error']} | {counts['fail']} |",
        "",
        f"**Stopped:** {STOPPED_TEXT[result.stopped]}. "
        f"**Verdicts over the examples:** {_verdicts(result)}.",
    ]
    if result.settled is not None:
        lines += ["", searched_again_text(result)]
    unavailable = [t for t in result.targets if t.unavailable]
    for target in unavailable:
        lines.append(f"**{_text(target.name)} could not start:** {_text(target.unavailable)}")
    if result.save:
        added = sum(f.saved == "added" for f in result.findings)
        kept = sum(f.saved == "already saved" for f in result.findings)
        flaky = sum(f.saved.startswith("not reproduced") for f in result.findings)
        unsaved = f", {flaky} not saved (not reproduced)" if flaky else ""
        lines.append(
            f"**Saved to** {_code(result.save)}: {added} new case(s), {kept} already there"
            f"{unsaved}."
        )
    budget = f" --max-examples {result.max_examples}" if result.max_examples else ""
    budget += f" --max-time {result.max_time:g}" if result.max_time else ""
    again = f"yamlparity fuzz {spec_shown} --seed {result.seed}{budget}"
    lines += [
        "",
        f"Search again the same way: {_code(again)} (with the same example database, or none: "
        "`--no-db`).",
    ]
    return lines


def _verdicts(result: FuzzResult) -> str:
    parts = [f"{count} {verdict.lower()}" for verdict, count in result.verdicts.items()]
    return " · ".join(parts) or "none"


def _finding(number: int, finding: Finding, names: list[str], spec_shown: str) -> list[str]:
    state = "shrunk" if finding.shrunk else "not fully shrunk: the search ended first"
    if not finding.reproduced:
        state += f"; **not reproduced: {not_reproduced_text(finding)}**"
    shown = shown_input(finding.input)
    if len(shown) > SHOWN_INPUT:
        more = len(shown) - len(cut_json(shown, SHOWN_INPUT, ""))
        shown = cut_json(shown, SHOWN_INPUT, "") + f"… ({more} more characters)"
    lines = [
        f"### {number}. {_code(finding.name)}",
        "",
        f"{_code(visible_json(finding.label))}",
        "",
        f"First seen at example {finding.first_example} ({finding.first_seconds:.2f} s), "
        f"shown by {finding.examples} example(s). Minimal input ({state}):",
        "",
        _fence(shown, "json"),
        "",
    ]
    lines += _details(finding, names)
    lines += ["", "<details><summary>Reproduce</summary>", ""]
    run = f"yamlparity run {spec_shown} -k {finding.name}"
    if finding.reproduced:
        lines += [f"Once the saved file is listed under `cases_from`: {_code(run)}", ""]
    else:
        lines += ["Not a regression case (not reproduced); each target's command:", ""]
    for target, command in finding.result.reproducers.items():
        lines += [f"{_text(target)}:", "", _fence(command, "sh"), ""]
    lines += ["</details>", ""]
    return lines


def shown_input(value: JSON) -> str:
    """A minimal input as people see it: its exact JSON text, the characters nobody can see
    (U+200B, private use, a no-break space) as JSON escapes, as the differences table shows
    them; the text still reads back as the same value."""
    return shown_dump(dumps(value, sort_keys=False), ".")


# An escape the cut left open: a lone backslash, or `\u` with fewer than four hex digits.
_OPEN_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\(?:u[0-9a-fA-F]{0,3})?$")


def cut_json(text: str, width: int, mark: str = "…") -> str:
    """`text` cut to `width` characters with `mark` ending it; never inside an escape (`\\"`,
    `\\u200b`), which would read as other characters."""
    if len(text) <= width:
        return text
    kept = text[: width - len(mark)]
    return _OPEN_ESCAPE.sub(r"\1", kept) + mark


def _details(finding: Finding, names: list[str]) -> list[str]:
    result = finding.result
    lines: list[str] = []
    if result.differences:
        lines.append("| facet | path | " + " | ".join(_text(n) for n in names) + " | note |")
        lines.append("|---" * (len(names) + 3) + "|")
        for diff in result.differences:
            cells = [
                "(missing)"
                if name in diff.missing
                else _cell(shown_json(diff.values[name], diff.path))
                if name in diff.values
                else ""
                for name in names
            ]
            lines.append(
                f"| {_text(diff.facet)} | {_cell(shown_path(diff.path))} | "
                + " | ".join(cells)
                + f" | {_text(diff.note)} |"
            )
    for failure in result.expectation_failures:
        lines.append(
            f"- {_text(failure.target)}: expected {_code(failure.expectation)}, "
            f"saw {_code(failure.seen)}"
        )
    errors = {name: o.error for name, o in result.outcomes.items() if o.error}
    for name, error in errors.items():
        lines.append(f"- {_text(name)}: {_code(error)}")
    if not lines and result.verdict not in ("DIFF", "FAIL", "ERROR"):
        lines.append(f"_Run once more, this input gave {result.verdict}._")
    return lines


# ---------------------------------------------------------------- the fixture file


def searched_again_text(result: FuzzResult) -> str:
    """Why the search started again (FuzzResult.settled), in one line."""
    return (
        f"**Searched again from the start:** {_text(result.settled or '')}. What "
        f"{result.examples_before} input(s) had shown was dropped, since any answer judged then "
        "may have been another input's; every input since is followed by a wait until the "
        "helpers' stdout is quiet (50 ms), so an extra line is an ERROR of the input that "
        "caused it."
    )


def not_reproduced_text(finding: Finding) -> str:
    """Why a finding that a rerun did not show again is not a regression case."""
    return (
        f"{finding.shown_again} of {finding.reruns} reruns showed it; the answers depend on "
        "more than the input (what a helper saw before, the time, chance), so it is not saved "
        "as a regression case"
    )


# A finding not reproduced now whose name an earlier run saved (that case showed it then).
IN_FILE_NOT_REPRODUCED = "not reproduced (in the file from an earlier run)"


def save_findings(path: Path, findings: list[Finding]) -> None:
    """Add each finding not in `path` yet as a `{"name", "input"}` row; mark each `saved`.
    Names say the class, so a rerun that finds the same classes adds nothing. A finding the
    reruns after the search did not show again is not added: as a case it would MATCH, a
    regression case that checks nothing."""
    present = _names_in(path)
    rows = []
    for finding in findings:
        if not finding.reproduced:
            # Not a regression case, whatever an earlier run saved under its name.
            finding.saved = IN_FILE_NOT_REPRODUCED if finding.name in present else "not reproduced"
            continue
        if finding.name in present:
            finding.saved = "already saved"
            continue
        finding.saved = "added"
        present.add(finding.name)
        row: dict[str, JSON] = {"name": finding.name, "input": finding.input}
        rows.append(dumps(row, sort_keys=False))
    if not rows:
        return
    old = path.read_text("utf-8") if path.exists() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    with atomic_writer(path) as write:
        write(old)
        write("\n".join(rows) + "\n")


def check_save_file(path: Path) -> None:
    """SpecError when findings could not be saved to `path` (not .jsonl, unreadable)."""
    _names_in(path)


def _names_in(path: Path) -> set[str]:
    """The case names already in a .jsonl fixture file (none when it does not exist)."""
    if path.suffix != ".jsonl":
        raise SpecError(
            f"findings are saved to a .jsonl file, not {path.name}",
            Location(str(path)),
            "e.g. --save found.jsonl",
        )
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}", Location(str(path))) from None
    names: set[str] = set()
    for number, line in enumerate(json_lines(text), start=1):
        if is_blank_line(line):
            continue
        try:
            row = loads(line)
        except JsonDecodeError as exc:
            raise SpecError(
                f"invalid JSON: {exc.message}",
                Location(str(path), number, exc.column or 1),
                "findings are added to a .jsonl file of {name, input} rows",
                source_line=line,
            ) from None
        if isinstance(row, dict) and isinstance(row.get("name"), str):
            names.add(str(row["name"]))
    return names
