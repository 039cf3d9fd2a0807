"""The markdown renders right: the default report, the documented block overrides and the job
summary go through two GitHub-flavoured renderers — markdown-it-py's `gfm-like` preset and
GitHub's own cmark-gfm (the `cmarkgfm` bindings) — and the structure is asserted: tables are
tables, the header's lines are separate lines, an override ending mid-line or in a `> [!NOTE]`
does not swallow the next block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.support.paths import ROOT
from tests.unit.report.test_formats import sample_result
from yamlparity.report import render as render_module
from yamlparity.report.history import trend
from yamlparity.report.render import render, render_to
from yamlparity.report.summary import render_summary, spec_entry
from yamlparity.results.records import Difference

cmarkgfm = pytest.importorskip("cmarkgfm")
from cmarkgfm.cmark import Options  # noqa: E402


def _markdown_it(text: str) -> str:
    return str(MarkdownIt("gfm-like").render(text))


def _cmark_gfm(text: str) -> str:
    # UNSAFE keeps raw HTML (`<details>`) as GitHub's pipeline does before sanitizing.
    return str(cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE))


RENDERERS: dict[str, Callable[[str], str]] = {"markdown-it": _markdown_it, "cmark-gfm": _cmark_gfm}


@dataclass
class Block:
    """A top-level element of the rendered page: its tag, text, and tables inside it."""

    tag: str
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)  # for a table: cell texts per row


VOID = frozenset({"br", "hr", "img", "input", "meta"})


class _Blocks(HTMLParser):
    """Top-level elements in order, and every table (nested ones too) with its cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.tables: list[Block] = []
        self.depth = 0
        self._open: list[Block] = []  # tables being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        top = self.depth == 0
        if tag not in VOID:
            self.depth += 1
        if tag == "table":
            table = Block("table")
            self._open.append(table)
            self.tables.append(table)
            if top:
                self.blocks.append(table)
                return
        elif tag == "tr" and self._open:
            self._open[-1].rows.append([])
        elif tag in ("td", "th") and self._open and self._open[-1].rows:
            self._open[-1].rows[-1].append("")
        if top:
            self.blocks.append(Block(tag))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        self.depth -= 1
        if tag == "table" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self.blocks and self.depth:
            self.blocks[-1].text += data
        if self._open and self._open[-1].rows and self._open[-1].rows[-1]:
            row = self._open[-1].rows[-1]
            row[-1] += data


def _parse(html: str) -> _Blocks:
    parser = _Blocks()
    parser.feed(html)
    for table in parser.tables:
        table.rows = [[cell.strip() for cell in row] for row in table.rows]
    return parser


def blocks(html: str) -> list[Block]:
    return _parse(html).blocks


def tables(html: str) -> list[Block]:
    return _parse(html).tables


def _stray_pipes(found: list[Block]) -> list[str]:
    """Paragraph text that looks like a table row: a table that did not become one."""
    return [b.text for b in found if b.tag == "p" and re.search(r"^\s*\|.*\|\s*$", b.text, re.M)]


@pytest.fixture(params=list(RENDERERS))
def to_html(request: pytest.FixtureRequest) -> Callable[[str], str]:
    return RENDERERS[request.param]


def _team(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "team.md.j2"
    path.write_text('{% extends "report.md.j2" %}\n' + body, "utf-8")
    return path


def test_default_report_header_lines_are_lines_and_tables_are_tables(
    to_html: Callable[[str], str],
) -> None:
    found = blocks(to_html(render(sample_result())))
    assert [b.tag for b in found[:5]] == ["h1", "p", "ul", "p", "p"]
    assert found[1].text.startswith("Date:") and "helper" not in found[1].text
    items = [line for line in found[2].text.split("\n") if line.strip()]
    assert items == [
        "rust helper: ./target/release/helper",
        "go helper: ./bin/helper",
        "python helper: python3 helper.py",
    ]
    assert found[4].text.startswith("Tally:")
    results = tables(to_html(render(sample_result())))[0]
    assert results.rows[0] == ["Case", "Output match", "Agreement", "Verdict"]
    assert len(results.rows) == 1 + len(sample_result().cases)
    assert _stray_pipes(found) == []


def test_every_table_of_the_default_report_is_a_table(to_html: Callable[[str], str]) -> None:
    markdown = render(sample_result())
    html = to_html(markdown)
    # Each `|---|` delimiter row in the markdown made one table.
    delimiters = len(re.findall(r"^\|(?:-{3}|:-{3}|-{3}:|:-{3}:)", markdown, re.M))
    assert html.count("<table>") == delimiters > 5
    assert _stray_pipes(blocks(html)) == []


OVERRIDES = {
    # An override ending mid-line: the next block (the results table) must stay a table.
    "bold line": "{% block summary %}**Owned by QA**{% endblock %}",
    "note admonition": (
        "{% block summary %}> [!NOTE]\n> Owned by QA — {{ tally.DIFF }} diffs.{% endblock %}"
    ),
    "header without newline": "{% block header %}# QA parity{% endblock %}",
    "super then a line": "{% block targets %}{{ super() }}**Owner:** QA{% endblock %}",
    "table without blank line": (
        "{% block table %}| Case | Verdict |\n|---|---|\n{% for c in cases %}"
        "| {{ c.name | cell }} | {{ c.verdict }} |\n{% endfor %}{% endblock %}"
        "{% block agreement %}**QA agreement:** see above{% endblock %}"
    ),
}


@pytest.mark.parametrize("body", list(OVERRIDES.values()), ids=list(OVERRIDES))
def test_tight_block_overrides_do_not_swallow_the_next_block(
    tmp_path: Path, to_html: Callable[[str], str], body: str
) -> None:
    markdown = render(sample_result(), _team(tmp_path, body))
    found = blocks(to_html(markdown))
    results = next(b for b in found if b.tag == "table")
    assert results.rows[0][0] == "Case"
    assert len(results.rows) == 1 + len(sample_result().cases)
    assert not any("Owned by QA" in cell for row in results.rows for cell in row)
    assert _stray_pipes(found) == []
    quotes = [b for b in found if b.tag == "blockquote"]
    assert all("Case" not in b.text for b in quotes)  # the note did not swallow the table
    # The override's own text stands alone: nothing of the block after it joined it.
    ours = [b for b in found if "QA" in b.text]
    assert ours and all(
        not any(word in b.text for word in ("Every verdict", "Tally", "helper", "Pair"))
        for b in ours
    ), [b.text for b in ours]


def test_a_note_override_is_a_blockquote_of_its_own(
    to_html: Callable[[str], str], tmp_path: Path
) -> None:
    markdown = render(sample_result(), _team(tmp_path, OVERRIDES["note admonition"]))
    found = blocks(to_html(markdown))
    index = next(i for i, b in enumerate(found) if b.tag == "blockquote")
    assert "Owned by QA — 3 diffs." in found[index].text
    assert found[index + 1].tag == "table"


def test_the_documented_override_examples_render_right(
    tmp_path: Path, to_html: Callable[[str], str]
) -> None:
    doc = (ROOT / "docs" / "report-context.md").read_text("utf-8")
    examples = re.findall(r"```jinja\n(.*?)```", doc, re.S)
    assert len(examples) >= 2
    for example in examples:
        path = tmp_path / "doc.md.j2"
        path.write_text(example, "utf-8")
        found = blocks(to_html(render(sample_result(), path)))
        assert next(b for b in found if b.tag == "table").rows[0][0] == "Case"
        assert _stray_pipes(found) == []


def test_spacing_streams_the_same_text_as_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = _team(tmp_path, OVERRIDES["bold line"] + OVERRIDES["super then a line"])
    whole = render(sample_result(), team)
    pieces: list[str] = []
    render_to(pieces.append, sample_result(), team)
    assert "".join(pieces) == whole
    # Handed over in blocks of render_module._WRITE_BLOCK characters; with blocks of one
    # character every piece the template makes shows: still streamed piece by piece, not
    # joined per template block.
    monkeypatch.setattr(render_module, "_WRITE_BLOCK", 1)
    pieces = []
    render_to(pieces.append, sample_result(), team)
    assert "".join(pieces) == whole
    assert len(pieces) > 50


def test_a_long_report_is_handed_over_in_bounded_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "_WRITE_BLOCK", 1)
    single: list[str] = []
    render_to(single.append, sample_result())
    monkeypatch.setattr(render_module, "_WRITE_BLOCK", 512)
    pieces: list[str] = []
    render_to(pieces.append, sample_result())
    assert "".join(pieces) == "".join(single) == render(sample_result())
    assert len(pieces) > 3
    # A block ends at the first piece that reaches the size: never a whole table at once.
    assert max(len(piece) for piece in pieces) < 512 + max(len(piece) for piece in single)


def test_a_block_already_ending_in_a_blank_line_gets_no_more(tmp_path: Path) -> None:
    markdown = render(sample_result(), _team(tmp_path, "{% block summary %}x\n\n{% endblock %}"))
    assert "\nx\n\n| Case |" in markdown
    tight = render(sample_result(), _team(tmp_path, "{% block summary %}x{% endblock %}"))
    assert tight == markdown


def test_the_trend_table_is_a_table(to_html: Callable[[str], str]) -> None:
    history = trend(
        [
            {"started": "2025-01-01T00:00:00Z", "tally": {"DIFF": 3, "MATCH": 6}, "total": 9},
            {"started": "2025-01-02T00:00:00Z", "tally": {"DIFF": 1, "MATCH": 8}, "total": 9},
        ]
    )
    markdown = render(sample_result(), history=history)
    found = blocks(to_html(markdown))
    trend_table = next(b for b in found if b.tag == "table")
    assert trend_table.rows[0][:3] == ["Run", "Commit", "Match"]
    assert trend_table.rows[2][0] == "2025-01-02T00:00:00Z (this run)"
    assert trend_table.rows[2][-1] == "1 (-2)"


def test_job_summary_renders_as_tables(to_html: Callable[[str], str]) -> None:
    result = sample_result()
    history = trend(
        [{"started": "a", "tally": {"DIFF": 5}}, {"started": "b", "tally": {"DIFF": 3}}]
    )
    markdown = render_summary([spec_entry(result, "reports/sample.md", history)])
    found = blocks(to_html(markdown))
    assert found[0].tag == "h2" and "failing" in found[0].text
    specs = found[1]
    assert specs.tag == "table" and specs.rows[1][0] == "sample"
    assert specs.rows[1][10].startswith("█")  # trend: 5 then 3 failing
    assert _stray_pipes(found) == []
    details = next(b for b in found if b.tag == "details")
    assert "float_literal" in details.text and "stdout .mean" in details.text


def test_the_summary_trend_draws_only_runs_of_the_same_cases() -> None:
    """A new-user trial: two full runs failing 3 cases, then `-k c2` failing 1, drew `██▃`,
    an improvement that was only a smaller selection."""
    full = {"tally": {"DIFF": 3}, "select": None}
    picked = {"tally": {"DIFF": 1}, "select": "-k c2"}
    after_k = spec_entry(sample_result(), "r.md", trend([full, full, picked]))
    assert after_k["trend"] == ""  # the only -k run so far: nothing to draw beside it
    after_full = spec_entry(sample_result(), "r.md", trend([full, picked, full, {**full}]))
    assert after_full["trend"] == "███"  # the three full runs, the -k run left out
    both_k = spec_entry(sample_result(), "r.md", trend([picked, full, {**picked}]))
    assert both_k["trend"] == "██"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", "\n", "\n\n", "x", "x\n", "ab", "a\n\n", "\nz"]), max_size=6))
def test_a_spaced_block_ends_with_exactly_one_blank_line(pieces: list[str]) -> None:
    from yamlparity.report.spacing import _SpacedBlock

    text = "".join(_SpacedBlock(lambda _context: iter(pieces))(None))
    joined = "".join(pieces)
    if not joined or joined.endswith("\n\n"):
        assert text == joined
    else:
        assert text == joined + ("\n" if joined.endswith("\n") else "\n\n")


def test_job_summary_cuts_a_late_difference_around_it() -> None:
    """The summary shows VALUE_CHARS of each value: from their start, two values differing at
    character 501 would read the same."""
    result = sample_result()
    case = next(c for c in result.cases if c.differences)
    one, other = "Q" * 1001, "Q" * 500 + "R" + "Q" * 500
    case.differences[:] = [Difference("stdout", ".v", {"rust": one, "go": other})]
    entry = spec_entry(result, "reports/sample.md", [])
    detail = next(c["detail"] for c in entry["cases"] if c["name"] == case.name)
    rust, go = detail.split(": ", 1)[1].split(", ")
    assert "R" in go and "R" not in rust
    assert rust.removeprefix("rust ") != go.removeprefix("go ")


def test_job_summary_names_the_selection_its_specs_share() -> None:
    """A shard's summary says which shard it is; a -k run says its -k; a run of every case
    and a run whose specs were given different selections say nothing of the kind."""
    result = sample_result()

    def heading(*selections: str) -> str:
        entries = []
        for selection in selections:
            result.selection = selection
            entries.append(spec_entry(result, "reports/sample.md", []))
        return render_summary(entries).splitlines()[0]

    shard = heading("shard 2/3: 5 of 16 cases", "shard 2/3: 1 of 1 case")
    assert shard.startswith("## yamlparity (shard 2/3): failing — "), shard
    filtered = heading("-k 'a: b', shard 2/3: 1 of 4 cases")
    assert filtered.startswith("## yamlparity (-k 'a: b', shard 2/3): "), filtered
    assert heading("").startswith("## yamlparity: failing")
    assert heading("-k x: 1 of 2 cases", "").startswith("## yamlparity: failing")
    # The shard is the last filter, whatever words the -k expression holds.
    result.selection = "-k 'y, shard 9/9', shard 2/3: 1 of 4 cases"
    text = render_summary([spec_entry(result, "reports/sample.md", [])])
    assert "_This job ran shard 2/3 of the selected cases;" in text
    result.selection = "-k 'y, shard 9/9': 1 of 4 cases"
    assert "This job ran shard" not in render_summary([spec_entry(result, "r.md", [])])
