"""HTML a block at a time is byte for byte markdown-it's HTML of the whole document.

A property test over generated documents (tables, lists, fences, HTML blocks, quotes,
headings, paragraphs, any line endings) cut into windows of any size, table-specific cases
(markdown-it's limit on missing cells), and the report files: every HTML file write_spec
writes equals the page of the whole markdown rendered at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.unit.report.test_formats import sample_result
from tests.unit.report.test_formats_html import hostile_result
from yamlparity.core.jsonvalue import Number
from yamlparity.report.formats import html, write_spec
from yamlparity.report.formats.html import page, parser
from yamlparity.report.formats.html_chunks import Unchunkable, render_chunked
from yamlparity.report.render import TemplateChoice, write_atomic
from yamlparity.results.records import CaseResult, SpecResult, TargetInfo, TargetOutcome

MD = parser()


class CountingParser(MarkdownIt):
    """markdown-it that remembers the longest source it parsed at once."""

    def __init__(self) -> None:
        super().__init__("commonmark", {"html": True})
        self.enable("table")
        self.longest = 0
        self.parses = 0

    def parse(self, src: str, env: Any = None) -> Any:
        self.longest = max(self.longest, len(src))
        self.parses += 1
        return super().parse(src, env)


def chunked(text: str, window: int, piece: int = 1000, md: MarkdownIt = MD) -> str:
    out: list[str] = []
    pieces = [text[i : i + piece] for i in range(0, len(text), piece)]
    render_chunked(md, pieces, out.append, window=window)
    return "".join(out)


# ---------------------------------------------------------------- generated documents

WORDS = st.sampled_from(
    ["a", "word", "*em*", "**strong**", "`code`", "`a|b`", "\\|", "&amp;", "&#60;", "<b>",
     "[link](/x)", "[ref]", "_u_", "x|y", "1.", "-", "#", ">", "~~~", "```", "<details>",
     "</pre>", "-->", "\t", "  ", "é", "\x00"]
)  # fmt: skip


@st.composite
def inline(draw: st.DrawFn) -> str:
    return " ".join(draw(st.lists(WORDS, min_size=1, max_size=5)))


# Every strategy the composites below draw from is made once, here: made inside a draw, each
# was a new object that Hypothesis validated and inspected again at every draw (~40,000 draws
# a run of the property; a fifth of its CPU). The same strategies draw the same choices.
INLINE = inline()
ALIGN = st.sampled_from(["---", ":--", "--:", ":-:"])
SHIFT = st.sampled_from([0, 0, 0, 0, -1, 1, -2, 2])
CELL = st.sampled_from(["x", "`|`", "a \\| b", "", "**b**", "1"])
MARKER = st.sampled_from(["-", "*", "+", "1.", "2)"])
EXTRA = st.sampled_from(["", "", "blank", "cont", "nested", "lazy", "code"])
FENCE_MARK = st.sampled_from(["```", "~~~", "````"])
FENCE_BODY = st.lists(st.sampled_from(["", "code", "```", "| a |", "<pre>", "    x"]), max_size=6)
FENCE_INFO = st.sampled_from(["", "json", "sh"])
HTML_KIND = st.sampled_from(["details", "pre", "comment", "div", "close"])
HTML_INNER = st.lists(st.sampled_from(["", "text", "| a |", "- item", "&lt;x&gt;"]), max_size=5)
OTHER_KIND = st.sampled_from(["heading", "setext", "para", "quote", "hr", "code", "ref"])
SETEXT = st.sampled_from(["===", "---"])
PARA_MORE = st.lists(INLINE, max_size=2)
QUOTE_MORE = st.sampled_from(["> more", "lazy", ">"])
RULE = st.sampled_from(["---", "***", "___"])
BLANKS = st.sampled_from([0, 1, 1, 1, 2])
ENDINGS = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"])


@st.composite
def table(draw: st.DrawFn) -> list[str]:
    columns = draw(st.integers(1, 4))
    aligns = draw(st.lists(ALIGN, min_size=columns, max_size=columns))
    outer = draw(st.booleans())

    def row(cells: list[str]) -> str:
        text = " | ".join(cells)
        return f"| {text} |" if outer or len(cells) < 2 else text

    lines = [row([draw(INLINE) for _ in range(columns)]), row(aligns)]
    for _ in range(draw(st.integers(0, 40))):
        count = max(1, columns + draw(SHIFT))
        cells = [draw(CELL) for _ in range(count)]
        lines.append(row(cells) if any(cells) else "| |")
    return lines


@st.composite
def bullet_list(draw: st.DrawFn) -> list[str]:
    marker = draw(MARKER)
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        lines.append(f"{marker} {draw(INLINE)}")
        extra = draw(EXTRA)
        if extra == "blank":
            lines.append("")
        elif extra == "cont":
            lines += ["", f"   {draw(INLINE)}"]
        elif extra == "nested":
            lines.append(f"   - {draw(INLINE)}")
        elif extra == "lazy":
            lines.append(draw(INLINE))
        elif extra == "code":
            lines += ["   ```", "", "   in list", "   ```"]
    return lines


@st.composite
def fence(draw: st.DrawFn) -> list[str]:
    mark = draw(FENCE_MARK)
    body = draw(FENCE_BODY)
    closed = draw(st.integers(0, 5)) > 0
    return [mark + draw(FENCE_INFO), *body, *([mark] if closed else [])]


@st.composite
def html_block(draw: st.DrawFn) -> list[str]:
    kind = draw(HTML_KIND)
    inner = draw(HTML_INNER)
    if kind == "details":
        return ['<details id="c"><summary>s</summary>', *inner]
    if kind == "pre":
        return ['<pre><code class="language-json">{', *inner, "}</code></pre>"]
    if kind == "comment":
        return ["<!-- note", *inner, "-->"]
    if kind == "div":
        return ['<div class="charts"><svg></svg></div>']
    return ["</details>"]


@st.composite
def other(draw: st.DrawFn) -> list[str]:
    kind = draw(OTHER_KIND)
    text = draw(INLINE)
    if kind == "heading":
        return ["#" * draw(st.integers(1, 3)) + " " + text]
    if kind == "setext":
        return [text, draw(SETEXT)]
    if kind == "para":
        return [text, *draw(PARA_MORE)]
    if kind == "quote":
        return [f"> {text}", draw(QUOTE_MORE)]
    if kind == "hr":
        return [draw(RULE)]
    if kind == "code":
        return ["    indented", "", "    more"]
    return ["[ref]: /url"]


BLOCK = st.one_of(table(), bullet_list(), fence(), html_block(), other())


@st.composite
def document(draw: st.DrawFn) -> str:
    """Blocks with 0–2 blank lines between them, any line ending on any line, sometimes cut
    anywhere (mid-line, between the two halves of a `\\r\\n`)."""
    lines: list[str] = []
    for block in draw(st.lists(BLOCK, min_size=1, max_size=8)):
        lines += block
        lines += [""] * draw(BLANKS)
    text = "".join(line + draw(ENDINGS) for line in lines)
    return text[: draw(st.integers(0, len(text)))] if draw(st.booleans()) else text


def split(text: str, sizes: list[int]) -> list[str]:
    """`text` in pieces of the given sizes, in turn."""
    pieces: list[str] = []
    start = 0
    while start < len(text):
        size = sizes[len(pieces) % len(sizes)]
        pieces.append(text[start : start + size])
        start += size
    return pieces


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document(), st.integers(1, 400), st.lists(st.integers(1, 64), min_size=1, max_size=4))
@example(  # found once in CI: a table header ending in a lone `\r` before a blank line
    text="| a | a |\n| --- | --- |\n| x | x |\n| x | x |\n| x | x |\n- a\n   - a\n- a\n- a\n\n"
    "| a |\n| --- |\r| x |\n\n- a\n- a\n```\n\n```\n| a |\n| --- |\n"
    '<details id="c"><summary>s</summary>\n\n\n',
    window=89,
    sizes=[1],
)
def test_chunked_rendering_equals_whole_rendering(text: str, window: int, sizes: list[int]) -> None:
    env: dict[str, Any] = {}
    whole = MD.renderer.render(MD.parse(text, env), MD.options, env)
    out: list[str] = []
    try:
        render_chunked(MD, split(text, sizes), out.append, window=window)
    except Unchunkable:
        assert env, "only a document with link reference definitions is rendered whole"
        return
    assert "".join(out) == whole


# ---------------------------------------------------------------- tables


def _table(columns: int, rows: list[int]) -> str:
    head = "|" + "|".join(f" h{i} " for i in range(columns)) + "|\n"
    delim = "|" + "|".join("---" for _ in range(columns)) + "|\n"
    body = "".join("|" + "|".join(f" {r}.{c} " for c in range(n)) + "|\n"
                   for r, n in enumerate(rows))  # fmt: skip
    return head + delim + body


def test_a_long_table_is_parsed_a_window_at_a_time() -> None:
    text = "# Cases\n\n" + _table(4, [4] * 5000) + "\nafter\n"
    md = CountingParser()
    assert chunked(text, 4096, md=md) == MD.render(text)
    assert md.parses > 30
    assert md.longest < 3 * 4096  # never the whole table (~110 KB)


def test_missing_cells_past_markdown_its_limit_end_the_table_where_they_would() -> None:
    # markdown-it ends a table once 65,536 cells were filled in; rows of one cell under a
    # 300-column header pass that at row 220. The count never returns to zero: not cut.
    text = _table(300, [1] * 400) + "\nafter\n"
    whole = MD.render(text)
    assert whole.count("<tr>") < 401  # the limit is real in this markdown-it
    assert chunked(text, 2000) == whole


def test_a_table_is_cut_where_missing_and_extra_cells_cancel() -> None:
    rows = [2, 6] * 300  # -2, +2: the count is zero after every second row
    text = _table(4, rows) + "\n"
    md = CountingParser()
    assert chunked(text, 1000, md=md) == MD.render(text)
    assert md.longest < 3000


def test_a_continued_table_that_ends_at_the_window_edge_closes_once() -> None:
    text = _table(2, [2] * 30)
    for window in range(1, 200, 7):
        assert chunked(text, window) == MD.render(text)
        assert chunked(text + "\n\ntext\n", window) == MD.render(text + "\n\ntext\n")


@pytest.mark.parametrize(
    "text",
    [
        "para\n| a | b |\n|---|---|\n| 1 | 2 |\n",  # a table interrupting a paragraph
        "- a\n\n  b\n\n- c\n" * 50,  # one loose list across many windows
        "```\n" + "line\n\n" * 300 + "```\nafter\n",  # a fence longer than the window
        "<pre><code>" + "x\n\n" * 300 + "</code></pre>\n\nafter\n",
        "a\r\nb\r\rc\r\n\r\n| x |\r\n|---|\r\n| 1 |\r\n",
        "<details><summary>s</summary>\r\r<details><summary>s</summary>",  # a held \r, then text
        "no newline at the end",
        "",
        "\n\n\n",
    ],
)
def test_documents_that_span_windows(text: str) -> None:
    for window in (1, 10, 100, 10_000):
        for piece in (1, 2, 5, 1000):
            assert chunked(text, window, piece) == MD.render(text)


def test_a_reference_definition_anywhere_needs_the_whole_document() -> None:
    with pytest.raises(Unchunkable):
        chunked("[x]\n\n" + "para\n\n" * 100 + "[x]: /later\n", 50)


# ---------------------------------------------------------------- report files


def _whole(monkeypatch: pytest.MonkeyPatch, write: Callable[[], str]) -> str:
    """What `write()` writes when the HTML is the page of the whole markdown (as before)."""

    def whole_page(path: Path, markdown: Any, title: str, choice: TemplateChoice) -> None:
        pieces: list[str] = []
        markdown(pieces.append)
        write_atomic(path, page("".join(pieces), title, choice))

    with monkeypatch.context() as patch:
        patch.setattr(html, "write_page", whole_page)
        return write()


WHOLE: list[str] = []  # titles of the pages rendered from the whole markdown


@pytest.fixture(autouse=True)
def _count_whole_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record html.page calls: the block-at-a-time path must not fall back unnoticed."""
    WHOLE.clear()

    def counted(markdown: str, title: str, choice: TemplateChoice) -> str:
        WHOLE.append(title)
        return page(markdown, title, choice)

    monkeypatch.setattr(html, "page", counted)


def _written(result: SpecResult, tmp_path: Path, choice: TemplateChoice | None = None) -> str:
    WHOLE.clear()
    out = write_spec(result, tmp_path / "r.md", ("html",), choice or TemplateChoice())
    return out.paths["html"].read_text("utf-8")


def many_cases(count: int, name: Callable[[int], str] = lambda n: f"c{n}") -> SpecResult:
    def outcome(target: str, n: int) -> TargetOutcome:
        stdout = {"n": Number(str(n)), "t": target}
        return TargetOutcome(target, facets={"stdout": stdout}, exit_code=0)

    cases = [
        CaseResult(
            name(n),
            "DIFF" if n % 97 == 0 else "MATCH",
            {t: outcome(t, n) for t in ("a", "b")},
            facet_match={"stdout": n % 97 != 0},
            groups=[["a"], ["b"]] if n % 97 == 0 else [["a", "b"]],
        )
        for n in range(count)
    ]
    return SpecResult(
        name="many",
        title="Many cases",
        description="",
        file="specs/many.yaml",
        kind="command",
        targets=[TargetInfo("a", "command", "a"), TargetInfo("b", "command", "b")],
        cases=cases,
        started="2025-01-01T00:00:00Z",
        facets=("stdout",),
    )


@pytest.mark.parametrize(
    "result",
    [
        sample_result,
        hostile_result,
        lambda: many_cases(3000),
        lambda: many_cases(50, lambda n: f"\ud800{n}"),
    ],
    ids=["sample", "hostile", "3000 cases", "lone surrogates"],
)
def test_the_html_file_is_the_page_of_the_whole_markdown(
    result: Callable[[], SpecResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = result()
    chunked_page = _written(spec, tmp_path)
    assert WHOLE == []
    assert chunked_page == _whole(monkeypatch, lambda: _written(spec, tmp_path))


def test_a_teams_page_template_gets_the_same_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "page.html.j2").write_text("<main data-n='{{ body | length }}'>{{ body }}</main>\n")
    choice = TemplateChoice(search=(own,))
    spec = many_cases(500)
    expected = _whole(monkeypatch, lambda: _written(spec, tmp_path, choice))
    assert _written(spec, tmp_path, choice) == expected


def test_a_template_with_a_reference_definition_is_rendered_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "report.md.j2").write_text(
        '{% extends "yamlparity/report.md.j2" %}\n'
        "{% block intro %}See [the tracker].\n\n{% endblock %}\n"
        "{% block footer %}[the tracker]: https://tracker.example/\n{% endblock %}\n"
    )
    choice = TemplateChoice(own / "report.md.j2", (own,), "--template")
    spec = many_cases(300)
    page_text = _written(spec, tmp_path, choice)
    assert WHOLE == ["Many cases"]
    assert '<a href="https://tracker.example/">the tracker</a>' in page_text
    assert page_text == _whole(monkeypatch, lambda: _written(spec, tmp_path, choice))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_spool_keeps_every_line_ending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = many_cases(5)
    spec.description = "one\rtwo\r\nthree\n\n| a |\r|---|\r\n| 1 |"
    assert _written(spec, tmp_path) == _whole(monkeypatch, lambda: _written(spec, tmp_path))
