"""Inline SVG charts for the HTML report: where divergences concentrate, and how they move.

Each chart is one `<figure>` of markup with no newline (markdown-it keeps it as one HTML
block), sized by attributes rather than inline styles (the page's Content-Security-Policy
allows no style attributes beyond table alignment), coloured by the page's CSS classes. Every
label comes from the report context and goes through `escape`; each bar carries a <title>, so
hovering shows the full label and figure. Without data a chart is the empty string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from yamlparity.report.sidebyside import escape

WIDTH = 560
LABEL_WIDTH = 230
ROW = 22
BAR = 14
MAX_BARS = 15
LABEL_CHARS = 34
CHAR_WIDTH = 6.6  # an approximate 12px monospace advance, to fit labels without measuring
RUN_HEIGHT = 150
TREND_VERDICTS = ("DIFF", "FAIL", "ERROR", "FIXED", "KNOWN")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    tip: str
    series: str = "v-DIFF"  # a CSS class: the colour


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(title: str, bars: Sequence[Bar], *, more: int = 0, name: str = "") -> Markup:
    """Horizontal bars, the largest first as given; `more` counts bars left out."""
    if not bars:
        return Markup("")
    top = max(bar.value for bar in bars) or 1
    span = WIDTH - LABEL_WIDTH - 60
    height = ROW * len(bars) + 8
    rows = []
    for index, bar in enumerate(bars):
        y = 4 + index * ROW
        width = max(1, round(span * bar.value / top)) if bar.value else 0
        rows.append(
            f'<g class="row"><title>{escape(bar.tip)}</title>'
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + BAR - 2}" '
            f'text-anchor="end">{escape(_short(bar.label))}</text>'
            f'<rect class="bar {escape(bar.series)}" x="{LABEL_WIDTH}" y="{y}" '
            f'width="{width}" height="{BAR}" rx="2"></rect>'
            f'<text class="value" x="{LABEL_WIDTH + width + 6}" y="{y + BAR - 2}">'
            f"{bar.value}</text></g>"
        )
    note = f" — {more} more not drawn" if more > 0 else ""
    return _figure(title + note, WIDTH, height, "".join(rows), name)


def _figure(title: str, width: int, height: int, body: str, name: str) -> Markup:
    label = escape(title)
    ident = f' id="chart-{escape(name)}"' if name else ""
    return Markup(
        f'<figure class="chart"{ident}><figcaption>{label}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">{body}</svg>'
        "</figure>"
    )


def path_chart(path_stats: Sequence[Mapping[str, Any]]) -> Markup:
    """Divergent cases per differing path (the report's per-path statistics)."""
    bars = [
        Bar(
            f"{s['facet']} {s['path']}",
            int(s["cases"]),
            f"{s['facet']} {s['path']}: differs in {s['cases']} case"
            f"{'s' if s['cases'] != 1 else ''} ({', '.join(s['targets'])})",
        )
        for s in path_stats
    ]
    bars.sort(key=lambda b: -b.value)  # the table may be in line order; a chart is by size
    return bar_chart(
        "Divergent cases per path", bars[:MAX_BARS], more=len(bars) - MAX_BARS, name="paths"
    )


def pair_chart(pairs: Sequence[Mapping[str, Any]]) -> Markup:
    """Cases where each pair of targets disagreed, out of the cases both answered."""
    bars = [
        Bar(
            f"{p['a']} ≠ {p['b']}",
            int(p["compared"]) - int(p["agree"]),
            f"{p['a']} and {p['b']} disagreed in {int(p['compared']) - int(p['agree'])} of "
            f"{p['compared']} cases compared",
        )
        for p in pairs
    ]
    bars = sorted((b for b in bars if b.value), key=lambda b: -b.value)
    return bar_chart(
        "Divergent cases per target pair", bars[:MAX_BARS], more=len(bars) - MAX_BARS, name="pairs"
    )


def run_chart(history: Sequence[Mapping[str, Any]]) -> Markup:
    """Stacked columns, one per run (oldest left, this run outlined): cases per verdict."""
    if len(history) < 2:
        return Markup("")
    left, bottom = 36, 34
    plot = RUN_HEIGHT - bottom - 8
    step = min(56, (WIDTH - left - 8) // len(history))
    top = max((sum(run["tally"][v] for v in TREND_VERDICTS) for run in history), default=0) or 1
    parts = [
        f'<text class="axis" x="{left - 6}" y="14" text-anchor="end">{top}</text>'
        f'<text class="axis" x="{left - 6}" y="{8 + plot}" text-anchor="end">0</text>'
        f'<line class="axis" x1="{left}" y1="{8 + plot}" x2="{WIDTH - 4}" y2="{8 + plot}"></line>'
    ]
    # One day of runs is told apart by the time, several days by the date.
    one_day = len({str(run["started"])[:10] for run in history}) == 1
    for index, run in enumerate(history):
        x = left + index * step + 4
        width = step - 8
        y = 8 + plot
        segments = []
        for verdict in TREND_VERDICTS:
            count = run["tally"][verdict]
            if not count:
                continue
            height = max(1, round(plot * count / top))
            y -= height
            segments.append(
                f'<rect class="bar v-{verdict}" x="{x}" y="{y}" width="{width}" '
                f'height="{height}"></rect>'
            )
        if run.get("current"):
            segments.append(
                f'<rect class="current" x="{x - 2}" y="{y - 2}" width="{width + 4}" '
                f'height="{8 + plot - y + 2}"></rect>'
            )
        label = _run_label(str(run["started"]), one_day)
        tip = _run_tip(run)
        parts.append(
            f'<g class="run"><title>{escape(tip)}</title>{"".join(segments)}'
            f'<text class="axis" x="{x + width / 2:.1f}" y="{RUN_HEIGHT - 18}" '
            f'text-anchor="middle">{escape(label)}</text>'
            f'<text class="axis" x="{x + width / 2:.1f}" y="{RUN_HEIGHT - 6}" '
            f'text-anchor="middle">{escape(str(run.get("short_commit") or "")[:7])}</text></g>'
        )
    legend = _legend(left, RUN_HEIGHT + 6)
    title = f"Cases not matching, per run (last {len(history)} runs)"
    return _figure(title, WIDTH, RUN_HEIGHT + 24, "".join(parts) + legend, "runs")


def _run_label(started: str, one_day: bool) -> str:
    """`12-06` (MM-DD), or `18:01` when every run was on one day."""
    if len(started) < 16:
        return started
    return started[11:16] if one_day else started[5:10]


def _run_tip(run: Mapping[str, Any]) -> str:
    counts = ", ".join(
        f"{run['tally'][v]} {v.lower()}" for v in (*TREND_VERDICTS, "MATCH") if run["tally"][v]
    )
    commit = f" at {run['short_commit']}" if run.get("short_commit") else ""
    now = " (this run)" if run.get("current") else ""
    return f"{run['started']}{commit}{now}: {counts or 'no cases'} of {run['total']}"


def _legend(x: int, y: int) -> str:
    parts = []
    for verdict in TREND_VERDICTS:
        parts.append(
            f'<rect class="bar v-{verdict}" x="{x}" y="{y}" width="10" height="10"></rect>'
            f'<text class="axis" x="{x + 14}" y="{y + 9}">{verdict}</text>'
        )
        x += 74
    return "".join(parts)
