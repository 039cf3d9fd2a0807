"""Render results with Jinja2 (sandboxed, StrictUndefined). Reads results; never runs anything.

`context()` is the one place that decides what a template sees (docs/report-context.md);
`render()` turns it into markdown, or into HTML-ready markdown where every value is escaped.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any, overload

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    nodes,
    pass_context,
)
from jinja2.filters import prepare_select_or_reject, select_or_reject
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from yamlparity._version import __version__
from yamlparity.core import jsonvalue
from yamlparity.core.atomic import FILE_MODE as FILE_MODE
from yamlparity.core.atomic import atomic_writer as atomic_writer
from yamlparity.core.atomic import write_atomic as write_atomic
from yamlparity.core.errors import Location, SpecError
from yamlparity.core.failures import split_stderr_tail
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.core.printable import (
    common_prefix,
    cut_around,
    readable,
    shown_dump,
    shown_path,
    visible_json,
)
from yamlparity.core.sandbox import TemplateLimit, guard
from yamlparity.report.charts import pair_chart, path_chart, run_chart
from yamlparity.report.sidebyside import escape as escape_attribute
from yamlparity.report.sidebyside import side_by_side
from yamlparity.report.spacing import SpacedEnvironment, template_cache
from yamlparity.results import calibration as saved_calibration
from yamlparity.results.audit import analysis_context
from yamlparity.results.records import (
    VERDICTS,
    CaseResult,
    Difference,
    ExpectationFailure,
    MaskedValue,
    RuleEffect,
    SpecResult,
    TargetInfo,
    TargetOutcome,
    Verdict,
    not_plain,
    plain_matches,
)
from yamlparity.spec.model import main_facet_of

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_TEMPLATE = "report.md.j2"
INDEX_TEMPLATE = "index.md.j2"
PROJECT_TEMPLATE = Path("templates") / DEFAULT_TEMPLATE  # picked up in a project's root
BUILTIN_PREFIX = "yamlparity"  # `{% extends "yamlparity/report.md.j2" %}` is always the default
SHOWN_CHARS = 4000  # longer outputs are cut in the report and written beside it in full
# The most of one output a report context holds. A 20 MB body is 28 MB of indented text: the
# template shows SHOWN_CHARS of it and the full text goes beside the report, so the context
# keeps this much (ShownText remembers the full length for `cut`'s "… N more characters").
SHOWN_CAP = 256 * 1024
CONTEXT_VERSION = 1
# Bounds of one report render (core.sandbox): its time, its size. A real report of 100k cases
# renders in well under a minute; the check over a synthetic run, in milliseconds.
RENDER_SECONDS = 600.0
CHECK_SECONDS = 5.0
MAX_REPORT_CHARS = 1 << 30

FACET_LABELS = {
    "status": "Status",
    "body": "Body",
    "stdout": "Output",
    "stderr": "Stderr",
    "exit_code": "Exit code",
}

# Escaped as numeric references in HTML mode: a reference is literal text for markdown (no
# emphasis, links, tables or blocks can start from it) and for the browser (no tags).
_MD_SPECIAL = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\n\r\t")


# ---------------------------------------------------------------- filters


def text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    return jsonvalue.dumps(value, indent=2)


class ShownText(str):
    """SHOWN_CAP characters of a longer output, from its start or from `offset` characters in;
    `full_length` is the whole text's."""

    full_length: int
    offset: int = 0


class _Head:
    """Receives an output's text in pieces: keeps its first `cap` characters and counts the
    rest; once it passes `spill_after` characters, everything also goes to `spill()`'s file."""

    def __init__(self, cap: int, spill: Callable[[], Callable[[str], object]] | None) -> None:
        self.cap, self.spill = cap, spill
        self.parts: list[str] = []
        self.kept = self.total = 0
        self.sink: Callable[[str], object] | None = None
        self.last = ""

    def write(self, text: str) -> None:
        if not text:
            return
        if self.sink is None and self.spill is not None and self.total + len(text) > SHOWN_CHARS:
            self.sink = self.spill()
            self.sink("".join(self.parts))  # all of it: SHOWN_CHARS < cap, nothing was dropped
        if self.sink is not None:
            self.sink(text)
        self.total += len(text)
        self.last = text[-1]
        if self.kept < self.cap:
            head = text[: self.cap - self.kept]
            self.parts.append(head)
            self.kept += len(head)

    def text(self) -> str:
        head = "".join(self.parts)
        if self.total <= len(head):
            return head
        shown = ShownText(head)
        shown.full_length = self.total
        return shown


_RAW_PIECE = 1 << 16


def shown_text(value: Any, spill: Callable[[], Callable[[str], object]] | None = None) -> str:
    """text_of(value), serialized once and capped at SHOWN_CAP. When the text is longer than
    SHOWN_CHARS and `spill` is given, spill() returns a writer that receives the whole text."""
    head = _Head(SHOWN_CAP, spill)
    # Characters nobody can see as escapes (JSON escapes in JSON text), as in the table of
    # differing values: a zero-width space the table names must show in the output too.
    if isinstance(value, str):
        head.write(readable(value))  # text output: NULs, undecodable bytes as \xNN
    elif isinstance(value, jsonvalue.RawJson):  # a large output, shown as it arrived
        for start in range(0, len(value.text), _RAW_PIECE):
            head.write(visible_json(value.text[start : start + _RAW_PIECE]))
    else:
        jsonvalue.dump_to(value, lambda piece: head.write(visible_json(piece)), indent=2)
    if head.sink is not None and head.last != "\n":
        head.sink("\n")
    return head.text()


def _cut(text: str, limit: int = SHOWN_CHARS) -> str:
    length = getattr(text, "full_length", len(text))
    if length <= limit:
        return text
    return text[:limit] + f"\n… ({length - limit} more characters)"


def _cut_around(values: Mapping[str, str], limit: int = SHOWN_CHARS) -> dict[str, str]:
    """A difference's values (target -> text), each cut to the same `limit` characters around
    their first difference: cut one by one, two values that differ late look the same."""
    return cut_around(values, limit)


def _fence(text: str, lang: str = "") -> str:
    """A fenced block that cannot be closed early by backticks inside the text."""
    longest = 0
    run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def _code(text: Any) -> str:
    """Inline code that survives backticks (for prose and list items: no escaping inside)."""
    value = str(text).replace("\n", " ")
    if "`" not in value:
        return f"`{value}`"
    longest = max(len(run) for run in value.replace("`", " ` ").split() if set(run) == {"`"})
    ticks = "`" * (longest + 1)
    return f"{ticks} {value} {ticks}"


def _cell(text: Any) -> str:
    """Inline code in a table cell: GFM splits cells on `|` even inside code spans, so pipes
    are escaped (elsewhere a `\\|` would show its backslash)."""
    return _code(str(text).replace("|", "\\|"))


def _text(value: Any) -> str:
    """Target data as plain markdown text outside fences: `<` and `&` as references, so a
    `</details>` in an error message cannot close the report's `<details>`; one line."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace("\n", " ")


def _summary_code(text: Any) -> str:
    """Code inside the `<summary>` line: that line is raw HTML (markdown is not parsed in it),
    so backticks would show; an escaped <code> element instead."""
    escaped = _text(text).replace(">", "&gt;").replace('"', "&quot;")
    return f"<code>{escaped}</code>"


def html_text(value: Any) -> Markup:
    """Any value as inert text for markdown-it *and* the browser (see _MD_SPECIAL)."""
    text = str(value)
    return Markup("".join(f"&#{ord(c)};" if c in _MD_SPECIAL else c for c in text))


def _html_fence(text: str, lang: str = "") -> Markup:
    # A <pre> HTML block: markdown-it passes it through untouched up to the closing </pre>.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    attr = f' class="language-{html_text(lang)}"' if lang else ""
    return Markup(f"<pre><code{attr}>{escaped}</code></pre>")


def _html_code(text: Any) -> Markup:
    return Markup(f"<code>{html_text(str(text).replace(chr(10), ' '))}</code>")


_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1", re.DOTALL)


def _markdown_md(text: Any) -> str:
    """Spec-authored prose in the markdown report: as in HTML, raw HTML is text, so a
    `<script>` in a description is shown, never run by a viewer that renders HTML in markdown
    (the HTML report escaped it; the .md kept it)."""
    value = str(text)
    if "<" not in value and "&" not in value:
        return value
    return _tags_outside_code(value)


def _markdown_html(text: Any) -> Markup:
    """Spec-authored prose (a description): markdown stays markdown, HTML becomes text."""
    value = str(text)
    kept = _tags_outside_code(value)
    # The regex and markdown-it may not agree on where a code span ends (backslashes, runs
    # of backticks): what markdown-it would read as raw HTML is escaped as plain text.
    if _has_raw_html(kept):
        kept = _no_tags(value)
    return Markup(kept)


def _tags_outside_code(value: str) -> str:
    """`<` and `&` escaped outside code spans (inside them a renderer shows them as they are)."""
    out: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(value):
        out.append(_no_tags(value[last : match.start()]))
        out.append(match.group())
        last = match.end()
    out.append(_no_tags(value[last:]))
    return "".join(out)


def _has_raw_html(markdown: str) -> bool:
    from markdown_it import MarkdownIt  # the parser formats/html.py renders the page with

    for token in MarkdownIt("commonmark", {"html": True}).enable("table").parse(markdown):
        if token.type == "html_block":
            return True
        if any(child.type == "html_inline" for child in token.children or ()):
            return True
    return False


def _no_tags(text: str) -> str:
    return text.replace("&", "&#38;").replace("<", "&#60;")


def _finalize_html(value: Any) -> Any:
    """HTML mode: every `{{ value }}` is text unless a filter (or `| safe`) made it markup."""
    if isinstance(value, Markup):
        return value
    return html_text("" if value is None else value)


def _involved(case: Mapping[str, Any]) -> list[str]:
    """The targets a divergent case is about: those outside the largest agreement class (all
    of them on a tie), and any that failed, were skipped or missed an expectation."""
    names: list[str] = []
    if case["verdict"] in ("DIFF", "KNOWN"):
        names += case["odd"] or [name for group in case["groups"] for name in group]
    for name, outcome in case["outcomes"].items():
        if outcome["error"] or outcome["skipped"]:
            names.append(name)
    names += [f["target"] for f in case["expectation_failures"]]
    return list(dict.fromkeys(names))


def _verdict_md(value: Any) -> str:
    return str(value["verdict"] if isinstance(value, Mapping) else value)


def _verdict_html(value: Any) -> Markup:
    """A coloured verdict; given a whole case, it also names the targets involved, which the
    page's filter reads (`data-targets`, a JSON list)."""
    if isinstance(value, Mapping):
        verdict = str(value["verdict"])
        targets = json.dumps(_involved(value), ensure_ascii=False)
        data = f' data-targets="{escape_attribute(targets)}"'
    else:
        verdict, data = str(value), ""
    css = escape_attribute(verdict)
    return Markup(f'<span class="verdict v-{css}"{data}>{html_text(verdict)}</span>')


def case_id(name: Any) -> str:
    """A stable fragment id for a case's divergence (`#case-…`), whatever its name holds."""
    return "case-" + hashlib.sha1(str(name).encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _html_only(function: Callable[..., Markup]) -> Callable[..., str]:
    """Markdown mode: the HTML-only filters (charts, side by side) write nothing."""

    def nothing(*args: Any, **kwargs: Any) -> str:
        return ""

    nothing.__doc__ = function.__doc__
    return nothing


# ---------------------------------------------------------------- templates


@dataclass(frozen=True)
class TemplateChoice:
    """Which template renders reports, and where `extends`/`include` names are looked up:
    the template's own folder, then the project's templates/ folder, then the built-ins."""

    path: Path | None = None  # None: the built-in report.md.j2
    search: tuple[Path, ...] = ()
    origin: str = "built-in"  # --template, report.template, config, project, built-in


def choose_template(
    *,
    cli: Path | None = None,
    spec: Path | None = None,
    config: Path | None = None,
    project_root: Path | None = None,
) -> TemplateChoice:
    """The lookup order documented in docs/report-context.md; the first one given wins."""
    project_dir = project_root / "templates" if project_root else None
    extra = (project_dir,) if project_dir and project_dir.is_dir() else ()
    for path, origin in ((cli, "--template"), (spec, "report.template"), (config, "config")):
        if path is not None:
            if not path.is_file():
                raise SpecError(f"report template not found: {path}", Location(str(path)))
            return TemplateChoice(path, (path.parent, *extra), origin)
    if project_root and (project_root / PROJECT_TEMPLATE).is_file():
        return TemplateChoice(project_root / PROJECT_TEMPLATE, extra, "project")
    return TemplateChoice(None, extra, "built-in")


def environment(
    search: Sequence[Path] = (), *, html: bool = False, autoescape: bool = False
) -> SandboxedEnvironment:
    """A sandboxed environment: no Python internals, no files beyond the search folders.

    One per (search, html, autoescape) in a process, so a template checked before the run
    is compiled once, not again for each report format and spec (a run compiled ~8 templates
    anew: most of a small run's time). A template file changed on disk is recompiled (Jinja
    checks its modification time)."""
    return _environment(tuple(search), html, autoescape)


@lru_cache(maxsize=32)
def _environment(search: tuple[Path, ...], html: bool, autoescape: bool) -> SandboxedEnvironment:
    builtin = FileSystemLoader(str(PACKAGE_TEMPLATES))
    # FileSystemLoader refuses `..` and absolute names: templates reach nothing else.
    loaders: list[BaseLoader] = [FileSystemLoader([str(d) for d in search])] if search else []
    loaders += [PrefixLoader({BUILTIN_PREFIX: builtin}), builtin]
    env = SpacedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=autoescape,
        finalize=_finalize_html if html else None,
        bytecode_cache=template_cache(f"{'html' if html else 'md'}-{int(autoescape)}"),
    )
    env.filters.update(
        json=text_of,
        cut=_cut,
        cut_around=_cut_around,
        fence=_html_fence if html else _fence,
        code=_html_code if html else _code,
        cell=_html_code if html else _cell,
        summary_code=_html_code if html else _summary_code,
        text=html_text if html else _text,
        markdown=_markdown_html if html else _markdown_md,
        verdict=_verdict_html if html else _verdict_md,
        case_id=case_id,
        stderr_tail=split_stderr_tail,
        selectattr=_verdict_filter(lambda kept: kept),
        rejectattr=_verdict_filter(lambda kept: not kept),
    )
    for name, function in HTML_FILTERS.items():
        env.filters[name] = function if html else _html_only(function)
    env.globals["output_format"] = "html" if html else "md"
    return env


# Filters that draw HTML (docs/report-context.md, "HTML-only filters").
HTML_FILTERS: dict[str, Callable[..., Markup]] = {
    "side_by_side": side_by_side,
    "path_chart": path_chart,
    "pair_chart": pair_chart,
    "run_chart": run_chart,
}


# ---------------------------------------------------------------- context


@dataclass
class Attachments:
    """Full outputs written beside a report: (case, target, facet) -> path relative to it."""

    files: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # The same key -> the text the report shows (capped: see SHOWN_CAP), serialized once when
    # the file was written, so the report does not serialize a 20 MB value again.
    shown: dict[tuple[str, str, str], str] = field(default_factory=dict)


def _outcome_context(
    case: str, outcome: TargetOutcome, facets: tuple[str, ...], attached: Attachments
) -> dict[str, Any]:
    shown = {
        facet: attached.shown.get((case, outcome.target, facet))
        or shown_text(outcome.facets[facet])
        for facet in outcome.facets
        if facet in facets
    }
    return {
        "target": outcome.target,
        "error": outcome.error,
        "skipped": outcome.skipped,
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "excerpt": outcome.raw_excerpt,
        "duration_ms": round(outcome.duration * 1000, 1),
        "facets": shown,
        "as_received": list(outcome.as_received),
        "full": {
            facet: attached.files[(case, outcome.target, facet)]
            for facet in shown
            if (case, outcome.target, facet) in attached.files
        },
    }


def _value_text(value: Any, path: str) -> str:
    """A differing value as compact exact JSON (`{"field":"x"}`, `"a"`, `2.0`), as the target
    sent it; capped at SHOWN_CAP (a whole missing array may be megabytes)."""
    head = _Head(SHOWN_CAP, None)
    # Piece by piece (each ends between two values), so the cap still knows the full length.
    jsonvalue.dump_to(value, lambda piece: head.write(shown_dump(piece, path)), sort_keys=False)
    return head.text()


def _difference_texts(values: Mapping[str, Any], path: str) -> dict[str, str]:
    """Each target's value at a difference, as _value_text shows it. Values that agree in
    everything the cap keeps differ further on: they are then kept as a window of SHOWN_CAP
    characters around their first difference (same start for all, `offset` characters in),
    or every excerpt of them would show the same text."""
    shown = {target: _value_text(value, path) for target, value in values.items()}
    heads = list(shown.values())
    shortest = min(heads, key=len, default="")
    if len(heads) < 2 or not isinstance(shortest, ShownText):
        return shown
    if common_prefix(heads) < len(shortest):
        return shown  # the difference is in what was kept
    full = {target: _full_value_text(value, path) for target, value in values.items()}
    start = max(0, common_prefix(list(full.values())) - SHOWN_CAP // 2)
    return {target: _window_text(text, start) for target, text in full.items()}


def _full_value_text(value: Any, path: str) -> str:
    pieces: list[str] = []
    jsonvalue.dump_to(value, lambda piece: pieces.append(shown_dump(piece, path)), sort_keys=False)
    return "".join(pieces)


def _window_text(text: str, start: int) -> str:
    kept = text[start : start + SHOWN_CAP]
    if start == 0 and len(kept) == len(text):
        return kept
    window = ShownText(kept)
    window.full_length, window.offset = len(text), start
    return window


def groups_text(groups: Sequence[Sequence[str]]) -> str:
    """`rust = go ≠ python`: who agrees with whom in one case."""
    return " ≠ ".join(" = ".join(group) for group in groups)


def failures_text(failures: Mapping[str, str], known: Sequence[str] = ()) -> str:
    """`gojq: exit 3; a, b: timeout`: the targets that gave no answer, grouped by kind (in
    the order first seen); a failure a `known` entry declares says `(known)`."""
    kinds: dict[str, list[str]] = {}
    for name, kind in failures.items():
        kinds.setdefault(kind + (" (known)" if name in known else ""), []).append(name)
    return "; ".join(f"{', '.join(names)}: {kind}" for kind, names in kinds.items())


def agreement_text(case: CaseResult) -> str:
    """`jq = libjq; gojq: exit 3`: who agrees with whom among the targets that answered, then
    who failed and how (empty when nothing was compared and nothing failed)."""
    parts = [groups_text(case.groups)] if case.groups else []
    if case.failures:
        parts.append(failures_text(case.failures, case.known_errors))
    return "; ".join(parts)


def odd_ones(groups: Sequence[Sequence[str]]) -> list[str]:
    """Targets outside the one largest agreement class (none when there is no single one)."""
    if len(groups) < 2:
        return []
    sizes = sorted((len(g) for g in groups), reverse=True)
    if sizes[0] == sizes[1]:
        return []
    largest = max(groups, key=len)
    return [name for group in groups if group is not largest for name in group]


def _case_context(
    case: CaseResult, facets: tuple[str, ...], attached: Attachments
) -> dict[str, Any]:
    return {
        "name": case.name,
        "verdict": case.verdict,
        "failing": case.failing,
        "reason": case.reason,
        "link": case.link,
        "duration_ms": round(case.duration * 1000, 1),
        "facet_match": dict(case.facet_match),
        "groups": [list(group) for group in case.groups],
        "groups_text": groups_text(case.groups),
        "agreeing": [list(pair) for pair in case.agreeing],
        "failures": dict(case.failures),
        "known_errors": list(case.known_errors),
        "agreement": agreement_text(case),
        "odd": odd_ones(case.groups),
        "outcomes": {
            name: _outcome_context(case.name, outcome, facets, attached)
            for name, outcome in case.outcomes.items()
        },
        "differences": [
            {
                "facet": diff.facet,
                "path": shown_path(diff.path),  # a key `.["e\u0301"]` does not look like `é`
                "values": _difference_texts(diff.values, diff.path),
                "missing": list(diff.missing),
                "note": diff.note,
            }
            for diff in case.differences
        ],
        "expectation_failures": [
            {"target": f.target, "expectation": f.expectation, "seen": f.seen}
            for f in case.expectation_failures
        ],
        "reproducers": dict(case.reproducers),
    }


def _pairs(result: SpecResult) -> list[dict[str, Any]]:
    """Per pair of targets: in how many compared cases they agreed (one pass over the cases,
    holding none of them: a run may have 100k)."""
    pairs = list(combinations([t.name for t in result.targets], 2))
    # A plain MATCH (one agreement class of every target) counts for every pair.
    agree = dict.fromkeys(pairs, plain_matches(result.cases))
    compared = dict.fromkeys(pairs, plain_matches(result.cases))
    for case in not_plain(result.cases):
        if not case.groups:
            continue
        owner = {name: index for index, group in enumerate(case.groups) for name in group}
        apart = {frozenset(pair) for pair in case.agreeing}  # agreeing within a tolerance
        for a, b in pairs:
            if a in owner and b in owner:
                compared[a, b] += 1
                agree[a, b] += owner[a] == owner[b] or frozenset((a, b)) in apart
    return [{"a": a, "b": b, "agree": agree[a, b], "compared": compared[a, b]} for a, b in pairs]


def _odd_counts(result: SpecResult) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for case in not_plain(result.cases):
        for name in odd_ones(case.groups):
            counts[name] = counts.get(name, 0) + 1
    order = [t.name for t in result.targets]
    ranked = sorted(counts.items(), key=lambda item: (-item[1], order.index(item[0])))
    return [{"target": name, "count": count} for name, count in ranked]


class CaseContexts(Sequence[dict[str, Any]]):
    """The context's `cases`: each case's dict is built when a template reaches it, so a
    report over 100k cases never holds 100k dicts (each ~2 KB) at once."""

    def __init__(
        self, cases: Sequence[CaseResult], facets: tuple[str, ...], attached: Attachments
    ) -> None:
        self._cases, self._facets, self._attached = cases, facets, attached

    def __len__(self) -> int:
        return len(self._cases)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._one(case) for case in list(self._cases)[index]]
        return self._one(self._cases[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._one(case) for case in self._cases)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{len(self)} case contexts>"

    def _one(self, case: CaseResult) -> dict[str, Any]:
        return _case_context(case, self._facets, self._attached)

    def with_verdicts(self, keep: Callable[[str], bool]) -> Iterator[dict[str, Any]]:
        """The contexts of the cases whose verdict `keep` accepts, when it refuses MATCH:
        a stored plain MATCH is then never rebuilt (a report walks the cases three times)."""
        return (self._one(case) for case in not_plain(self._cases) if keep(case.verdict))


def _verdict_filter(modfunc: Callable[[Any], Any]) -> Callable[..., Iterator[Any]]:
    """Jinja's `selectattr` (modfunc: keep) or `rejectattr` (not), with one shortcut: over the
    context's `cases`, on `verdict`, with a test that leaves MATCH out, the plain MATCHes are
    skipped unread. The test is Jinja's own, applied to the same value: the same cases come
    out, in the same order (tests/unit/report/test_verdict_filters.py)."""

    @pass_context
    def filter_(context: Context, value: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        if isinstance(value, CaseContexts) and args and args[0] == "verdict":
            test = prepare_select_or_reject(context, args, kwargs, modfunc, True)
            if not test({"verdict": "MATCH"}):
                return value.with_verdicts(lambda verdict: bool(test({"verdict": verdict})))
        return select_or_reject(context, value, args, kwargs, modfunc, True)

    return filter_


def display_file(file: str) -> str:
    """A spec path relative to the working directory when it lies inside it."""
    path = Path(file)
    if not path.is_absolute():
        return file
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return file


def calibration_beside(result: SpecResult, report_path: str | None) -> Path | None:
    """`calibrate --report-dir DIR` saves where `run --report-dir DIR` writes the report."""
    if report_path is None:
        return None
    beside = saved_calibration.default_path(result.name, Path(report_path).parent)
    return beside if beside.is_file() else None


def context(
    result: SpecResult,
    *,
    report_path: str | None = None,
    attachments: Attachments | None = None,
    baseline: str | None = None,
    analysis: dict[str, Any] | None = None,
    history: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The documented, stable context every template receives (see docs/report-context.md).
    `history`: the last runs of this spec, oldest first, this one last (history.trend)."""
    attached = attachments or Attachments()
    odd = _odd_counts(result)
    return {
        "context_version": CONTEXT_VERSION,
        "generator": f"yamlparity {__version__}",
        "spec": {
            "name": result.name,
            "title": result.title,
            "description": result.description,
            "file": display_file(result.file),
            "kind": result.kind,
            "facets": list(result.facets),
            "baseline": baseline,
            "align": result.align,
        },
        "date": result.started,
        "finished": result.finished,
        "interrupted": result.interrupted,
        "error": result.error,
        "selection": result.selection,
        "targets": [
            {
                "name": t.name,
                "kind": t.kind,
                "description": t.description,
                "unavailable": t.unavailable,
                "log_tail": t.log_tail,
                "notes": list(t.notes),
            }
            for t in result.targets
        ],
        "target_names": [t.name for t in result.targets],
        "nway": len(result.targets) >= 3,
        "tally": result.tally(),
        "total": len(result.cases),
        "passed": not result.failing,
        "verdicts": list(VERDICTS),
        "cases": CaseContexts(result.cases, result.facets, attached),
        "pairs": _pairs(result),
        "odd_counts": odd,
        "odd_one_out": odd[0]["target"] if odd else None,
        "facet_labels": dict(FACET_LABELS),
        "report_path": report_path,
        "analysis": analysis
        if analysis is not None
        else analysis_context(result, calibration_beside(result, report_path)),
        "history": [dict(run) for run in history],
    }


# ---------------------------------------------------------------- rendering


def render(
    result: SpecResult,
    template: Path | TemplateChoice | None = None,
    *,
    report_path: str | None = None,
    attachments: Attachments | None = None,
    baseline: str | None = None,
    html: bool = False,
    **extra: Any,
) -> str:
    """Render one spec's report; a template error is a SpecError naming the template line.
    With `html`, every value is escaped so the markdown can go through markdown-it with raw
    HTML on: only the template's own markup (e.g. `<details>`) stays markup. `extra`:
    `analysis` and `history`, as `context` takes them."""
    choice = _as_choice(template)
    data = context(
        result, report_path=report_path, attachments=attachments, baseline=baseline, **extra
    )
    return render_context(choice, data, html=html)


_WRITE_BLOCK = 1 << 16  # characters


def render_to(
    write: Callable[[str], object],
    result: SpecResult,
    template: Path | TemplateChoice | None = None,
    *,
    report_path: str | None = None,
    attachments: Attachments | None = None,
    baseline: str | None = None,
    html: bool = False,
    **extra: Any,
) -> None:
    """`render`, handing the text to `write` piece by piece as the template produces it:
    Jinja's render() joins every fragment at the end (~300 bytes held per table row)."""
    choice = _as_choice(template)
    data = context(
        result, report_path=report_path, attachments=attachments, baseline=baseline, **extra
    )
    env = environment(choice.search, html=html)

    def stream(template: Any) -> str:
        written = 0
        # Handed over in blocks: a table row is ~9 pieces, and each write goes through the
        # secret masking (a 5,000-case report: 45,000 writes, ~10% of a stream run's CPU).
        block: list[str] = []
        size = 0
        for piece in template.generate(data):
            written += len(piece)
            if written > MAX_REPORT_CHARS:
                raise TemplateLimit(
                    f"template limit: the report passed {MAX_REPORT_CHARS:,} characters"
                )
            block.append(piece)
            size += len(piece)
            if size >= _WRITE_BLOCK:
                write("".join(block))
                block, size = [], 0
        if block:
            write("".join(block))
        return ""

    _render(env, choice.path, stream)


def render_context(
    choice: TemplateChoice,
    data: Mapping[str, Any],
    *,
    html: bool = False,
    seconds: float = RENDER_SECONDS,
) -> str:
    env = environment(choice.search, html=html)
    try:
        text = _render(env, choice.path, lambda t: t.render(dict(data)), seconds=seconds)
    except SpecError as exc:
        _suggest_name(exc, data)
        raise
    if len(text) > MAX_REPORT_CHARS:
        raise template_error(
            TemplateLimit(),
            choice.path,
            message=f"the report passed {MAX_REPORT_CHARS:,} characters",
        )
    return text


_UNDEFINED = re.compile(r"^report template failed: '(\w+)' is undefined$")
_NO_ATTRIBUTE = re.compile(r"^report template failed: '[\w ]+' has no attribute '(\w+)'$")


def _suggest_name(exc: SpecError, data: Mapping[str, Any]) -> None:
    """`'tallly' is undefined`: the hint names the context variable it is close to;
    `{{ spec.nmae }}` (`'dict object' has no attribute 'nmae'`): the key of `spec` it is close
    to, when the line names the object from the context (`spec.nmae`, `tally.MACTH`)."""
    match = _UNDEFINED.match(exc.message)
    if match:
        close = difflib.get_close_matches(match.group(1), list(data), n=1)
        if close:
            exc.hint = f"did you mean `{close[0]}`? (docs/report-context.md lists them all)"
        return
    match = _NO_ATTRIBUTE.match(exc.message)
    if match is None or exc.source_line is None:
        return
    attribute = match.group(1)
    for used in re.finditer(rf"\b(\w+(?:\.\w+)*)\.{attribute}\b", exc.source_line):
        owner: Any = data
        for key in used.group(1).split("."):
            owner = owner.get(key) if isinstance(owner, Mapping) else None
        if isinstance(owner, Mapping):
            close = difflib.get_close_matches(attribute, [str(k) for k in owner], n=1)
            if close:
                exc.hint = (
                    f"did you mean `{used.group(1)}.{close[0]}`? (docs/report-context.md "
                    "lists them all)"
                )
                return


def render_index(
    entries: list[dict[str, Any]], choice: TemplateChoice, *, html: bool = False
) -> str:
    """index.md: one row per spec, linking its report, with its tally."""
    env = environment(choice.search, html=html)
    data = {
        "generator": f"yamlparity {__version__}",
        "specs": entries,
        "tally": {v: sum(e["tally"][v] for e in entries) for v in VERDICTS},
        "total": sum(e["total"] for e in entries),
        "passed": all(e["passed"] for e in entries),
    }
    return _render(env, None, lambda t: t.render(data), name=INDEX_TEMPLATE)


def _as_choice(template: Path | TemplateChoice | None) -> TemplateChoice:
    if isinstance(template, TemplateChoice):
        return template
    if template is None:
        return TemplateChoice()
    return TemplateChoice(template, (template.parent,), "argument")


def _render(
    env: SandboxedEnvironment,
    path: Path | None,
    call: Callable[[Any], str],
    *,
    name: str = DEFAULT_TEMPLATE,
    seconds: float = RENDER_SECONDS,
) -> str:
    with template_errors(path, name), guard("the report template", seconds):
        # The chosen template's folder comes first in the search path, so its name finds it.
        return str(call(env.get_template(path.name if path else name)))


@contextmanager
def template_errors(path: Path | None, name: str = DEFAULT_TEMPLATE) -> Iterator[None]:
    """Whatever a user template raises while it compiles or renders (`{{ 1/0 }}`, a bad
    filter argument, endless recursion) becomes a SpecError naming the template's file and
    line: exit 2 with a message, never a traceback. Writing errors (OSError) pass through."""
    try:
        yield
    except TemplateSyntaxError as exc:
        raise template_error(exc, path, hint=SYNTAX_HINT) from None
    except TemplateError as exc:
        raise template_error(exc, path) from None
    except RecursionError as exc:
        raise template_error(
            exc,
            path,
            message="template recursion too deep (a macro that calls itself without end, or a "
            "template that extends or includes itself)",
            hint="a recursive macro needs a condition that ends it; a template called "
            f'report.md.j2 extends the built-in one with {{% extends "{BUILTIN_PREFIX}/'
            f'{DEFAULT_TEMPLATE}" %}}',
        ) from None
    except OSError:
        raise
    except Exception as exc:  # user code: anything Python can raise, e.g. ZeroDivisionError
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise template_error(exc, path, message=what) from None


def check_template(choice: TemplateChoice, shapes: Sequence[SpecShape] = ()) -> None:
    """Fail before anything runs: a syntax error, a `{% block %}` the parent does not have,
    or a misspelled name. The template is rendered (md and HTML mode, output discarded) over a
    small synthetic run of each spec's shape: every verdict, a divergence, an error, a skip,
    after two recorded runs (so `history` has entries to show). Not for the built-in
    templates alone: nothing of the user's renders, they are checked by the test suite."""
    if choice.path is None and not choice.search:
        return  # no project templates/ folder either: the built-ins alone (~3 ms a run)
    name = choice.path.name if choice.path else DEFAULT_TEMPLATE
    env = environment(choice.search)
    with template_errors(choice.path, name):
        env.get_template(name)
    _check_blocks(env, name, choice.path)
    if choice.path is None and _only_built_ins(env):
        return  # a quarter of a small run's CPU went to rendering them twice here
    render_synthetic(choice, shapes)


def render_synthetic(choice: TemplateChoice, shapes: Sequence[SpecShape] = ()) -> None:
    """Render the template (md and HTML mode, output discarded) over a synthetic run of each
    shape, after two recorded runs; whatever it raises propagates."""
    from yamlparity.report.history import trend  # history reads results through this module

    for shape in shapes or (SpecShape(),):
        result = synthetic_result(shape)
        earlier = {"started": "2024-12-31T00:00:00Z", "tally": {"DIFF": 2}, "commit": "0" * 40}
        now = {"started": result.started, "tally": result.tally(), "total": len(result.cases)}
        data = context(
            result,
            report_path="reports/check.md",
            baseline=shape.baseline,
            history=trend([earlier, now]),
        )
        for html in (False, True):
            # Seven synthetic cases render in milliseconds: a template that takes seconds
            # here loops on its own (the bound of a real run is RENDER_SECONDS).
            render_context(choice, data, html=html, seconds=CHECK_SECONDS)


def _only_built_ins(env: SandboxedEnvironment) -> bool:
    """Every template a report can reach resolves to the package's own file (no project
    templates/ folder or --template shadows a name)."""
    return all(
        _source(env, template.name)[1] == str(template)
        for template in PACKAGE_TEMPLATES.glob("*.j2")
    )


def _check_blocks(env: SandboxedEnvironment, name: str, path: Path | None) -> None:
    """A child's block that its parents do not define is silently never shown: an error."""
    source, filename, _ = _source(env, name)
    if filename is not None and Path(filename).parent == PACKAGE_TEMPLATES:
        return  # a built-in template extends none (tests/unit/report): no parse (~12 ms)
    tree = env.parse(source, name, filename)
    extends = tree.find(nodes.Extends)
    if extends is None or not isinstance(extends.template, nodes.Const):
        return  # not a child, or a parent chosen at render time
    parent = str(extends.template.value)
    if _source(env, parent)[1] == filename:
        # templates/report.md.j2 with {% extends "report.md.j2" %}: the project's own file
        # shadows the built-in one under that name, so it would extend itself.
        raise SpecError(
            f"report template failed: {name!r} extends {parent!r}, which is this file itself",
            Location(_short_template_name(filename or name), extends.lineno, 1),
            hint=f'extend the built-in one as "yamlparity/{parent}"',
        )
    known = _blocks_of(env, parent, {name})
    for block in _top_blocks(tree.body):
        if block.name in known:
            continue
        close = difflib.get_close_matches(block.name, sorted(known), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SpecError(
            f"report template failed: {parent!r} has no block {block.name!r}, so this block "
            "would never be shown",
            Location(_short_template_name(filename or name), block.lineno, 1),
            hint=f"{hint}the blocks of {parent}: {', '.join(sorted(known))}",
        )


def _source(env: SandboxedEnvironment, name: str) -> tuple[str, str | None, Any]:
    assert env.loader is not None
    return env.loader.get_source(env, name)


def _blocks_of(env: SandboxedEnvironment, name: str, seen: set[str]) -> set[str]:
    """Every block a template and the templates it extends define (nested ones included)."""
    if name in seen:
        return set()  # extends itself: template_errors reports that when it renders
    try:
        source, filename, _ = _source(env, name)
        tree = env.parse(source, name, filename)
    except TemplateError:
        return set()  # a missing or broken parent fails in get_template/render, with its line
    blocks = {block.name for block in tree.find_all(nodes.Block)}
    extends = tree.find(nodes.Extends)
    if extends is not None and isinstance(extends.template, nodes.Const):
        blocks |= _blocks_of(env, str(extends.template.value), seen | {name})
    return blocks


def _top_blocks(body: Sequence[nodes.Node]) -> Iterator[nodes.Block]:
    """Blocks not inside another block (a block nested in an override is a new block)."""
    for node in body:
        if isinstance(node, nodes.Block):
            yield node
        else:
            yield from _top_blocks(list(node.iter_child_nodes()))


@dataclass(frozen=True)
class SpecShape:
    """What a synthetic run takes from a spec: names a template may refer to."""

    name: str = "check"
    title: str = "Template check"
    description: str = "A synthetic run: every verdict."
    file: str = "specs/check.yaml"
    kind: str = "command"
    targets: tuple[str, ...] = ("first", "second", "third")
    facets: tuple[str, ...] = ("stdout",)
    baseline: str | None = None


def synthetic_result(shape: SpecShape) -> SpecResult:
    """One case per verdict over the shape's targets and facets; the first target is the odd
    one out in every divergence, and one rule masked differing values (the audit flags it)."""
    names = shape.targets
    main = main_facet_of(shape.kind)
    facets = shape.facets or (main,)

    def outcome(target: str, value: str = "a", **extra: Any) -> TargetOutcome:
        shown = {f: _synthetic_facet(f, value) for f in facets}
        code = {"status": 200} if shape.kind == "http" else {"exit_code": 0}
        return TargetOutcome(target, facets=shown, duration=0.01, **{**code, **extra})

    def case(name: str, verdict: Verdict, **extra: Any) -> CaseResult:
        odd = verdict in ("DIFF", "KNOWN")
        result = CaseResult(
            name,
            verdict,
            {t: outcome(t, "b" if odd and t == names[0] else "a") for t in names},
            facet_match={f: not odd for f in facets},
            groups=[[names[0]], list(names[1:])] if odd else [list(names)],
            duration=0.01,
            **extra,
        )
        if odd:
            values: dict[str, JSON] = {t: Number("2.0" if t == names[0] else "2") for t in names}
            result.differences = [Difference(main, ".value", values, note="literal differs")]
            result.reproducers = {t: f"yamlparity-check {t} < case.json" for t in names}
        return result

    error = case("check_error", "ERROR", reason=f"{names[0]}: exited with code 1")
    error.outcomes[names[0]] = TargetOutcome(
        names[0], error="exited with code 1", raw_excerpt="Traceback…", exit_code=1
    )
    skip = case("check_skip", "SKIP", reason=f"{names[-1]}: not installed")
    skip.outcomes[names[-1]] = TargetOutcome(names[-1], skipped="not installed")
    effect = RuleEffect(
        rule=0,
        text="del(.ts)",
        facet=main,
        changed=dict.fromkeys(names, 1),
        masked=[MaskedValue(".ts", {t: Number(str(i)) for i, t in enumerate(names)})],
        masked_paths=1,
    )
    cases = [
        case("check_match", "MATCH", tier="normalized", rule_effects=[effect]),
        case("check_diff", "DIFF"),
        case(
            "check_fail",
            "FAIL",
            expectation_failures=[ExpectationFailure(names[0], "$.ok equals true", "false")],
        ),
        error,
        skip,
        case("check_known", "KNOWN", reason="known gap", link="https://tracker.example/1"),
        case("check_fixed", "FIXED", reason="old gap", link="https://tracker.example/2"),
    ]
    return SpecResult(
        name=shape.name,
        title=shape.title,
        description=shape.description,
        file=shape.file,
        kind=shape.kind,
        targets=[
            TargetInfo(t, shape.kind, f"./{t}", log_tail="check log line" if t == names[-1] else "")
            for t in names
        ],
        cases=cases,
        started="2025-01-01T00:00:00Z",
        finished="2025-01-01T00:00:01Z",
        facets=facets,
    )


def _synthetic_facet(facet: str, value: str) -> JSON:
    if facet in ("status", "exit_code"):
        return Number("200" if facet == "status" else "0")
    if facet == "stderr" or facet.startswith("headers."):
        return value
    return {"value": value, "items": [Number("1"), True, None]}


SYNTAX_HINT = (
    "each `{{` closes with `}}` and each `{%` with `%}`, and each `{% for %}`, `{% if %}`, "
    "`{% block %}` or `{% macro %}` with its end tag (`{% endfor %}`, ...)"
)


def template_error(
    exc: BaseException,
    template: Path | None,
    *,
    message: str | None = None,
    hint: str = "see docs/report-context.md for the variables a template receives",
) -> SpecError:
    """`file:line`, then what went wrong, for any error raised while compiling or rendering."""
    filename, lineno = _template_position(exc)
    if filename is None:
        filename = str(template) if template else DEFAULT_TEMPLATE
    if message is None:
        message = str(getattr(exc, "message", None) or exc)
    if isinstance(exc, TemplateNotFound):
        message = (
            f"template {exc.name!r} not found (names are looked up beside the template, in "
            "the project's templates/ folder and among the built-ins; no `..`, no absolute paths)"
        )
    line = _template_line(exc, filename, lineno) if lineno else None
    column = _template_column(line, message) if line is not None else (1 if lineno else 0)
    return SpecError(
        f"report template failed: {message}",
        Location(_short_template_name(filename), lineno or 0, column),
        hint=hint,
        source_line=line,
    )


def _template_line(exc: BaseException, filename: str, lineno: int) -> str | None:
    """The template's line `lineno` (from the error's own source, else the file), to show
    under the position; None when neither can be read."""
    source = getattr(exc, "source", None)
    if not isinstance(source, str):
        try:
            source = Path(filename).read_text("utf-8")
        except (OSError, ValueError):
            return None
    lines = source.splitlines()
    return lines[lineno - 1] if 0 < lineno <= len(lines) else None


def _template_column(line: str, message: str) -> int:
    """Where on the line the caret goes: at the name an undefined-name or missing-attribute
    error names, else at the line's first tag (Jinja gives no column)."""
    named = re.search(r"'(\w+)' is undefined|has no attribute '(\w+)'", message)
    if named is not None:
        name = named.group(1) or named.group(2)
        pattern = rf"\b{name}\b" if named.group(1) else rf"\.\s*{name}\b|\[\s*['\"]{name}['\"]"
        found = re.search(pattern, line)
        if found is not None:
            return found.start() + 1
    tag = re.search(r"\{[{%#]", line)
    if tag is not None:
        return tag.start() + 1
    return len(line) - len(line.lstrip()) + 1


def _template_position(exc: BaseException) -> tuple[str | None, int | None]:
    if isinstance(exc, TemplateSyntaxError):
        return exc.filename, exc.lineno
    # Jinja rewrites the traceback so template frames carry the template's file and line.
    # For endless recursion the innermost template frame is the one that recursed.
    position: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename == "<template>":
            position = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return position


def _short_template_name(filename: str) -> str:
    path = Path(filename)
    if path.is_relative_to(PACKAGE_TEMPLATES):
        return f"<built-in>/{path.relative_to(PACKAGE_TEMPLATES)}"
    return display_file(filename)


# ---------------------------------------------------------------- files


def tally_line(tally: Mapping[str, int]) -> str:
    parts = [f"{tally['MATCH']} match", f"{tally['DIFF']} diff"]
    parts += [
        f"{tally[v]} {v.lower()}" for v in ("KNOWN", "FIXED", "FAIL", "ERROR", "SKIP") if tally[v]
    ]
    return " / ".join(parts)
