"""HTML output: target data is always text; only the template's own markup is markup."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from tests.unit.report.test_formats import sample_result
from yamlparity.report.formats import write_spec
from yamlparity.report.formats.html import assets, content_security_policy
from yamlparity.report.render import TemplateChoice
from yamlparity.results.records import CaseResult, Difference, SpecResult, TargetInfo, TargetOutcome

SCRIPT = "<script>alert(1)</script>"
HOSTILE = [
    SCRIPT,
    '<img src=x onerror="alert(2)">',
    "</details></code></pre><script>alert(3)</script>",
    "[click](javascript:alert(4))",
    "| x | y |\n\n# heading\n\n<b>bold</b>",
    "``` \n<script>alert(5)</script>\n```",
    "&lt;script&gt;alert(6)&lt;/script&gt;",
]
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "strong", "em",
    "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "details", "summary", "ul",
    "li", "hr", "a", "br",
    # the page's own script, the side-by-side view and the charts
    "script", "span", "div", "section", "figure", "figcaption", "svg", "g", "rect", "text",
    "line",
}  # fmt: skip
ALIGN = {"text-align:left", "text-align:center", "text-align:right"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
        else:
            self.text.append(data)


def hostile_result() -> SpecResult:
    evil = "\n".join(HOSTILE)
    outcome = {
        "a": TargetOutcome("a", facets={"stdout": {evil: evil, "ok": SCRIPT}}),
        "b": TargetOutcome("b", facets={"stdout": {evil: SCRIPT}}),
        "c": TargetOutcome("c", error=f"not JSON: {evil}", raw_excerpt=evil),
    }
    cases = [
        CaseResult(
            f"case_{SCRIPT}",
            "DIFF",
            {k: v for k, v in outcome.items() if k != "c"},
            differences=[Difference("stdout", f'.["{evil}"]', {"a": evil}, missing=("b",))],
            facet_match={"stdout": False},
            groups=[["a"], ["b"]],
        ),
        CaseResult(f"err {evil}", "ERROR", outcome, reason=f"c: {evil}"),
        CaseResult("known", "KNOWN", {}, reason=evil, link=f"javascript:alert(7){SCRIPT}"),
    ]
    return SpecResult(
        name="hostile",
        title=f"title {SCRIPT}",
        description=f"spec prose may be *markdown*, never HTML: {SCRIPT}",
        file=f"specs/{SCRIPT}.yaml",
        kind="command",
        targets=[
            TargetInfo("a", "command", f"helper {evil}"),
            TargetInfo("b", "command", "b", unavailable=evil, log_tail=evil),
            TargetInfo("c", "command", "c"),
        ],
        cases=cases,
        started="2025-01-01T00:00:00Z",
        facets=("stdout",),
    )


def _render(result: SpecResult, tmp_path: Path) -> str:
    out = write_spec(result, tmp_path / "r.md", ("html",), TemplateChoice())
    return out.paths["html"].read_text("utf-8")


def test_hostile_target_data_is_shown_as_text_never_as_markup(tmp_path: Path) -> None:
    page = _render(hostile_result(), tmp_path)
    parser = _Tags()
    parser.feed(page)
    tags = {tag for tag, _ in parser.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    # One script: the page's own, as shipped, with no attributes; the policy admits it
    # alone (by its hash), so even a target's <script> that became a tag would not run.
    _, script = assets()
    assert [(tag, attrs) for tag, attrs in parser.tags if tag == "script"] == [("script", [])]
    assert parser.scripts == [script]
    policy = [dict(a)["content"] for t, a in parser.tags if t == "meta" and
              dict(a).get("http-equiv") == "Content-Security-Policy"]  # fmt: skip
    assert policy == [content_security_policy(*assets())]
    assert "unsafe-inline" not in policy[0] and "default-src 'none'" in policy[0]
    for _tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on")
            assert "javascript:" not in (value or "").lower()
            assert name != "style" or value in ALIGN, value
            assert name not in ("src", "srcdoc", "formaction", "xlink:href")
    text = "".join(parser.text)
    # Every hostile string reaches the reader, as text.
    assert SCRIPT in text
    assert "</details></code></pre><script>alert(3)</script>" in text
    assert "&lt;script&gt;alert(6)" in text  # entities in data stay visible as typed


def test_template_markup_still_works_details_stay_collapsible(tmp_path: Path) -> None:
    page = _render(hostile_result(), tmp_path)
    parser = _Tags()
    parser.feed(page)
    tags = [tag for tag, _ in parser.tags]
    # One <details> per divergent case, no more: data could not open or close one.
    assert tags.count("details") == 3
    assert tags.count("summary") == 3
    assert "<em>markdown</em>" in page  # spec prose keeps markdown


def test_sample_report_html_has_tables_code_and_details(tmp_path: Path) -> None:
    page = _render(sample_result(), tmp_path)
    assert "<table>" in page
    assert '<summary><span class="verdict v-DIFF">DIFF</span> — <code>float&#95;literal' in page
    # Outputs side by side, the differing path highlighted in every target's column.
    assert page.count('<div class="sbs" data-columns="3">') == 7  # each divergent case
    assert page.count('<span class="line hl" title=".mean">') == 3  # rust, go, python
    assert "Café ⭐" in page


def test_spec_prose_in_the_markdown_report_shows_html_as_text(tmp_path: Path) -> None:
    """A new-user trial: the HTML report escaped a `<script>` in the spec's title and
    description, the .md kept it as a tag (a viewer rendering HTML in markdown would run
    it). Now both show it as text; markdown and code spans stay as written."""
    result = hostile_result()
    result.title = "Report <b>test</b> & co `a<b`"
    out = write_spec(result, tmp_path / "r.md", ("md",), TemplateChoice())
    text = out.paths["md"].read_text("utf-8")
    assert text.splitlines()[0] == "# Report &#60;b>test&#60;/b> &#38; co `a<b`"
    prose = "spec prose may be *markdown*, never HTML: &#60;script>alert(1)&#60;/script>"
    assert prose in text.splitlines()
    from markdown_it import MarkdownIt

    for token in MarkdownIt("commonmark", {"html": True}).parse(text.split("\n## ")[0]):
        kinds = {child.type for child in token.children or ()}
        assert token.type != "html_block" and "html_inline" not in kinds, token
