"""SVG charts: one bar per item, labels escaped, nothing drawn without data."""

from __future__ import annotations

from html.parser import HTMLParser

from yamlparity.report.charts import MAX_BARS, pair_chart, path_chart, run_chart
from yamlparity.report.history import trend


class _Svg(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(markup: object) -> _Svg:
    parser = _Svg()
    parser.feed(str(markup))
    return parser


def _bars(parser: _Svg) -> list[dict[str, str | None]]:
    return [a for t, a in parser.tags if t == "rect" and "bar" in (a.get("class") or "")]


def test_path_chart_draws_a_bar_per_path_largest_longest_and_escapes_labels() -> None:
    stats = [
        {"facet": "body", "path": ".a", "cases": 2, "targets": ["x"]},
        {"facet": "body", "path": '.["<script>alert(1)</script>"]', "cases": 8, "targets": ["y"]},
    ]
    chart = path_chart(stats)
    assert "\n" not in str(chart) and "<script>" not in str(chart)
    parser = _parse(chart)
    widths = [int(a["width"] or 0) for a in _bars(parser)]
    assert len(widths) == 2 and widths[0] > widths[1] * 3  # sorted by size: 8 then 2
    assert any("<script>alert(1)</script>" in text for text in parser.text)  # shown as text
    assert {t for t, _ in parser.tags} <= {
        "figure",
        "figcaption",
        "svg",
        "g",
        "title",
        "text",
        "rect",
    }


def test_path_chart_caps_the_bars_and_says_how_many_are_left_out() -> None:
    stats = [{"facet": "b", "path": f".k{i}", "cases": i + 1, "targets": []} for i in range(20)]
    parser = _parse(path_chart(stats))
    assert len(_bars(parser)) == MAX_BARS
    assert "5 more not drawn" in "".join(parser.text)


def test_pair_chart_counts_disagreements_and_skips_agreeing_pairs() -> None:
    pairs = [
        {"a": "rust", "b": "go", "agree": 7, "compared": 7},
        {"a": "rust", "b": "python", "agree": 4, "compared": 7},
    ]
    parser = _parse(pair_chart(pairs))
    assert len(_bars(parser)) == 1
    assert "rust ≠ python" in parser.text and "3" in parser.text


def test_no_data_no_chart() -> None:
    assert str(path_chart([])) == "" and str(pair_chart([])) == ""
    assert str(run_chart(trend([{"started": "x", "tally": {"DIFF": 1}}]))) == ""


def test_run_chart_stacks_verdicts_per_run_and_outlines_this_run() -> None:
    history = trend(
        [
            {
                "started": "2025-01-01T10:00:00Z",
                "tally": {"DIFF": 4, "ERROR": 1},
                "commit": "a" * 40,
            },
            {"started": "2025-01-02T10:00:00Z", "tally": {"DIFF": 2}, "commit": "b" * 40},
        ]
    )
    parser = _parse(run_chart(history))
    classes = [a.get("class") for t, a in parser.tags if t == "rect"]
    assert classes.count("bar v-DIFF") == 2 + 1  # one per run, plus the legend
    assert classes.count("bar v-ERROR") == 1 + 1
    assert classes.count("current") == 1
    assert "01-01" in parser.text and "aaaaaaa" in parser.text
