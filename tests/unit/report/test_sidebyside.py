"""The side-by-side view: where a path's value lies in indented JSON, which lines of a text
output differ, which lines are shown, and that target data stays text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from yamlparity.core.jsonvalue import Number, dumps
from yamlparity.report.sidebyside import (
    MAX_SHOWN_LINES,
    json_highlights,
    parse_path,
    scan_json_lines,
    side_by_side,
    text_highlights,
    windows,
)

DOC = {
    "attempts": [
        {"id": Number("7"), "span": {"ms": Number("1.0")}},
        {"id": Number("8"), "span": {"ms": Number("2")}},
    ],
    "odd key": "x",
    "empty": {},
    "when": "2025",
}


def _lines(value: object) -> list[str]:
    return dumps(value, indent=2).split("\n")  # type: ignore[arg-type]


def _marked(path: str, value: object = DOC) -> list[str]:
    lines = _lines(value)
    return [lines[n].strip() for n in sorted(json_highlights(lines, [path]))]


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        (".", []),
        (".a.b", [("key", "a"), ("key", "b")]),
        ('.["odd key"][2]', [("key", "odd key"), ("index", 2)]),
        (".a[]", [("key", "a"), ("any",)]),
        (".a[?id==7 #2].b", [("key", "a"), ("select", "id", "7", 2), ("key", "b")]),
        ('.a[?"x y"=="]"]', [("key", "a"), ("select", "x y", '"]"', 1)]),
        ("…", None),
        ("line 3", None),
    ],
)
def test_parse_path(path: str, steps: list[tuple[object, ...]] | None) -> None:
    assert parse_path(path) == steps


def test_scan_finds_each_value_s_lines() -> None:
    lines = _lines(DOC)
    root = scan_json_lines(lines)
    assert root is not None and root.kind == "object" and (root.start, root.end) == (0, 18)
    attempts = root.keys["attempts"]
    assert attempts.kind == "array" and len(attempts.items) == 2
    second = attempts.items[1]
    assert lines[second.start].strip() == "{" and lines[second.end].strip() == "}"
    assert root.keys["empty"].kind == "object" and root.keys["when"].text == '"2025"'


def test_a_path_lights_up_exactly_its_value() -> None:
    assert _marked(".attempts[1].span.ms") == ['"ms": 2']
    assert _marked(".attempts[0].span") == ['"span": {', '"ms": 1.0', "}"]
    assert _marked('.["odd key"]') == ['"odd key": "x",']
    assert _marked(".attempts[?id==8].id") == ['"id": 8,']
    assert _marked(".attempts[].id") == ['"id": 7,', '"id": 8,']
    assert _marked(".nope") == ["}"]  # not there: where it would be, the object's end


def test_a_whole_output_that_is_not_json_text_is_marked_for_the_root_path() -> None:
    lines = ["plain text", "second line"]
    assert json_highlights(lines, ["."]) == {0: ".", 1: "."}
    assert json_highlights(lines, [".a"]) == {}


def test_cut_off_json_still_maps_what_is_there() -> None:
    lines = _lines(DOC)[:10]  # a capped output: the array never closes
    marks = json_highlights(lines, [".attempts[1].id"])
    assert [lines[n].strip() for n in marks] == ['"id": 8,']


def test_text_highlights_follow_a_line_diff_not_positions() -> None:
    left = ["a", "b", "c", "d"]
    right = ["a", "inserted", "b", "c", "D"]
    assert text_highlights(left, right) == ({3}, {1, 4})


def test_windows_show_context_around_marks_and_stay_capped() -> None:
    assert windows(10, {3}) == [(0, 10)]  # short: all of it
    assert windows(1000, {100, 104, 500}) == [(97, 108), (497, 504)]
    assert windows(1000, set()) == [(0, 60)]
    many = windows(100_000, set(range(0, 100_000, 5)))
    assert sum(end - start for start, end in many) == MAX_SHOWN_LINES


def _case(outcomes: dict[str, dict[str, object]], differences: list[dict[str, object]]) -> dict:
    return {
        "outcomes": {
            name: {
                "facets": facets,
                "as_received": [],
                "status": None,
                "exit_code": 0,
                "duration_ms": 1.5,
                "error": None,
                "skipped": None,
                "excerpt": "",
                "full": {},
            }
            for name, facets in outcomes.items()
        },
        "differences": differences,
    }


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def test_view_highlights_the_path_in_both_columns_and_keeps_data_as_text() -> None:
    evil = "</pre></div><script>alert(1)</script>\n\n# not a heading"
    left = dumps({"a": Number("1"), "note": evil}, indent=2)
    right = dumps({"a": Number("1.0"), "note": evil}, indent=2)
    case = _case(
        {"l": {"stdout": left}, "r": {"stdout": right}}, [{"facet": "stdout", "path": ".a"}]
    )
    view = str(side_by_side(case))
    assert "\n" not in view  # one HTML block for markdown-it: no line at all
    assert view.count('class="line hl" title=".a"') == 2
    parser = _Tags()
    parser.feed(view)
    assert "script" not in parser.tags and set(parser.tags) <= {
        "div",
        "section",
        "strong",
        "span",
        "pre",
    }
    assert "<script>alert(1)</script>" in parser.text
    # Through markdown-it (as the report goes): still one block, still no tag from the data.
    html = MarkdownIt("commonmark", {"html": True}).render(view + "\n\nafter\n")
    assert html.count("<script>") == 0 and "<h1>" not in html and "<p>after</p>" in html


def test_view_of_a_text_output_marks_the_changed_lines_in_each_column() -> None:
    case = _case(
        {"ref": {"stdout": "one\ntwo\nthree\n"}, "other": {"stdout": "one\n2\nthree\nfour\n"}},
        [{"facet": "stdout", "path": "line 2"}, {"facet": "stdout", "path": "after line 3"}],
    )
    view = str(side_by_side(case))
    columns = view.split('<section class="sbs-col">')[1:]
    assert [c.count('class="line hl"') for c in columns] == [1, 2]
    assert 'title="differs from other"><span class="no">2</span>two' in columns[0]


def test_view_shows_errors_and_skips() -> None:
    case = _case({"a": {"stdout": "{}"}, "b": {}}, [])
    case["outcomes"]["b"]["error"] = "exited with code 3"
    case["outcomes"]["b"]["excerpt"] = "Traceback <boom>"
    view = str(side_by_side(case))
    assert "exited with code 3" in view and "Traceback &lt;boom&gt;" in view


def test_a_stream_helpers_stderr_tail_is_a_block_of_lines() -> None:
    case = _case({"a": {"stdout": "{}"}, "b": {}}, [])
    tail = "Traceback (most recent call last):\n  File <x>\nZeroDivisionError: y"
    case["outcomes"]["b"]["error"] = f"the helper exited (exit code 1); helper stderr tail:\n{tail}"
    view = str(side_by_side(case))
    assert '<p class="note error">the helper exited (exit code 1)</p><pre class="sbs-code">' in view
    assert '<span class="no">3</span>ZeroDivisionError: y</span>' in view
    assert "stderr tail" not in view


def test_a_path_missing_from_an_output_marks_where_it_would_be() -> None:
    lines = _lines(DOC)
    marks = json_highlights(lines, [".attempts[2]", ".attempts[1].span.gone"])
    assert marks == {14: ".attempts[2]: not here", 12: ".attempts[1].span.gone: not here"}
    assert lines[14].strip() == "]," and lines[12].strip() == "}"  # the array's, the span's end
