"""The HTML side-by-side view of one divergent case: each target's output in its own column,
with the lines where the targets differ highlighted in every column that has them.

It reads the report context only (a case's outcomes as shown text and its differences), so
any template can use it (`{{ case | side_by_side }}`). JSON outputs are shown the way the
context holds them (indented, keys sorted); a line-based scan of that text finds where each
path's value lies, so a difference at `.items[2].price` lights up those lines in each target
that has them. Text outputs are lined up with the reference target by a line diff.

Everything from a target goes through `escape`; the markup contains no newline character,
so markdown-it takes the whole view as one HTML block (a blank line would end it).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from yamlparity.core.failures import split_stderr_tail
from yamlparity.results.pathstats import bracket_end, line_position

CONTEXT_LINES = 3  # lines shown around each highlighted line
SHORT_OUTPUT = 60  # outputs up to this many lines are shown whole
MAX_SHOWN_LINES = 240  # per column; the full output is in the file beside the report
DIFF_LINE_LIMIT = 4000  # text lines difflib aligns; beyond, lines pair by position
LINE_CHARS = 2000  # a longer line is cut in the view (the full text is beside the report)


def escape(text: str) -> str:
    """Text for an HTML element or attribute, on one line of markup."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
    )


# ---------------------------------------------------------------- where paths lie in JSON text


@dataclass
class Node:
    """A value in indented JSON text: the lines it spans (0-based, inclusive)."""

    start: int
    end: int
    kind: str  # object, array, scalar
    text: str = ""  # a scalar's literal
    keys: dict[str, Node] = field(default_factory=dict)
    items: list[Node] = field(default_factory=list)


def scan_json_lines(lines: Sequence[str]) -> Node | None:
    """The value tree of text written by `jsonvalue.dumps(value, indent=2)`; None when the
    text is not that (a string output, raw text). Cut-off text (a capped output) gives the
    tree of what is there."""
    stack: list[Node] = []
    root: Node | None = None
    for number, line in enumerate(lines):
        text = line.strip()
        if not text:
            return None
        if text[0] in "]}":
            if not stack:
                return None
            stack.pop().end = number
            continue
        key: str | None = None
        if stack and stack[-1].kind == "object":
            parsed = _key(text)
            if parsed is None:
                return None
            key, text = parsed
        node = _value_node(number, text.removesuffix(","))
        if node is None:
            return None
        if not stack:
            if root is not None:
                return None
            root = node
        elif key is not None:
            stack[-1].keys[key] = node
        else:
            stack[-1].items.append(node)
        if node.kind != "scalar" and node.end < 0:
            stack.append(node)
    last = len(lines) - 1
    for open_node in stack:  # cut off: open to the end of what is shown
        open_node.end = last
    return root


def _key(text: str) -> tuple[str, str] | None:
    if not text.startswith('"'):
        return None
    end = _string_end(text, 0)
    if end < 0 or text[end + 1 : end + 3] != ": ":
        return None
    try:
        key = json.loads(text[: end + 1])
    except ValueError:
        return None
    return str(key), text[end + 3 :]


def _string_end(text: str, start: int) -> int:
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            return index
        index += 1
    return -1


def _value_node(number: int, text: str) -> Node | None:
    if text in ("{", "["):
        return Node(number, -1, "object" if text == "{" else "array")
    if text in ("{}", "[]"):
        return Node(number, number, "object" if text == "{}" else "array")
    if not text:
        return None
    return Node(number, number, "scalar", text)


Step = tuple[Any, ...]


def parse_path(path: str) -> list[Step] | None:
    """`.a.["odd key"][3][][?id==7 #2]` -> steps; None for what is not a path (`…`)."""
    if not path.startswith("."):
        return None
    steps: list[Step] = []
    index = 1 if path.startswith(".") and not path.startswith(".[") else 0
    while index < len(path):
        char = path[index]
        if char == ".":
            index += 1
            continue
        if char == "[":
            end = bracket_end(path, index)
            if end < 0:
                return None
            steps.append(_bracket_step(path[index + 1 : end]))
            index = end + 1
            continue
        end = index
        while end < len(path) and path[end] not in ".[":
            end += 1
        steps.append(("key", path[index:end]))
        index = end
    return steps


def _bracket_step(inner: str) -> Step:
    if inner == "":
        return ("any",)
    if inner.isdigit():
        return ("index", int(inner))
    if inner.startswith('"'):
        try:
            return ("key", str(json.loads(inner)))
        except ValueError:
            return ("any",)
    if inner.startswith("?") and "==" in inner:
        name, _, value = inner[1:].partition("==")
        occurrence = 1
        head, mark, count = value.rpartition(" #")
        if mark and count.isdigit():
            value, occurrence = head, int(count)
        if name.startswith('"'):
            try:
                name = str(json.loads(name))
            except ValueError:
                return ("any",)
        return ("select", name, value, occurrence)
    return ("any",)


def resolve(root: Node, steps: Sequence[Step]) -> list[Node]:
    """The nodes a path names (several for `[]`); empty when the path is not there."""
    current = [root]
    for step in steps:
        found: list[Node] = []
        for node in current:
            found += _step(node, step)
        current = found
        if not current:
            break
    return current


def _step(node: Node, step: Step) -> list[Node]:
    kind = step[0]
    if kind == "key":
        child = node.keys.get(step[1]) if node.kind == "object" else None
        return [child] if child is not None else []
    if node.kind != "array":
        return []
    if kind == "index":
        return [node.items[step[1]]] if step[1] < len(node.items) else []
    if kind == "select":
        _, name, value, occurrence = step
        matches = [
            item
            for item in node.items
            if (child := item.keys.get(name)) is not None and child.text == value
        ]
        return matches[occurrence - 1 : occurrence] if matches else list(node.items)
    return list(node.items)


# ---------------------------------------------------------------- highlights


def json_highlights(text_lines: Sequence[str], paths: Iterable[str]) -> dict[int, str]:
    """Line number -> the differing path shown there, for indented JSON text."""
    marks: dict[int, str] = {}
    paths = list(paths)
    root = scan_json_lines(text_lines)
    for path in paths:
        steps = parse_path(path)
        if steps is None:
            continue
        if root is None:
            if not steps:  # the whole output differs (a string body, a scalar)
                marks.update(dict.fromkeys(range(len(text_lines)), _label(path)))
            continue
        found = resolve(root, steps)
        for node in found:
            for number in range(node.start, node.end + 1):
                marks.setdefault(number, _label(path))
        if not found:
            # Not in this output: mark where it would be, the end of the deepest container
            # that is there (a missing array element: the array's closing bracket).
            parent = _deepest_existing(root, steps)
            if parent is not None:
                marks.setdefault(parent.end, f"{_label(path)}: not here")
    return marks


_PLAIN_PATH = re.compile(r"[^:<>&\x00-\x1f\x7f]{1,200}")  # nothing a URL or markup needs


def _label(path: str) -> str:
    """A line's tooltip: the path when it is plain; a path built from a target's own keys may
    hold anything, and a tooltip is no place to show it (the table above shows it)."""
    return path if _PLAIN_PATH.fullmatch(path) else "a differing path"


def _deepest_existing(root: Node, steps: Sequence[Step]) -> Node | None:
    for size in range(len(steps) - 1, -1, -1):
        nodes = resolve(root, steps[:size])
        if len(nodes) == 1 and nodes[0].kind != "scalar":
            return nodes[0]
        if nodes:
            return None  # several candidates (`[]`): no one place to point at
    return None


def text_highlights(reference: Sequence[str], other: Sequence[str]) -> tuple[set[int], set[int]]:
    """Lines of each side that a line diff does not pair with an equal line."""
    if len(reference) > DIFF_LINE_LIMIT or len(other) > DIFF_LINE_LIMIT:
        # Too long to align: pair lines by position.
        common = min(len(reference), len(other))
        same = {i for i in range(common) if reference[i] == other[i]}
        return set(range(len(reference))) - same, set(range(len(other))) - same
    matcher = difflib.SequenceMatcher(None, reference, other, autojunk=False)
    left, right = set(range(len(reference))), set(range(len(other)))
    for block in matcher.get_matching_blocks():
        left -= set(range(block.a, block.a + block.size))
        right -= set(range(block.b, block.b + block.size))
    return left, right


def _is_text_facet(differences: Sequence[Mapping[str, Any]]) -> bool:
    return any(line_position(d["path"]) is not None for d in differences)


def facet_marks(
    shown: Mapping[str, list[str]],
    differences: Sequence[Mapping[str, Any]],
    reference: str,
) -> dict[str, dict[int, str]]:
    """target -> {line: label} for one facet, every target with an output there."""
    if _is_text_facet(differences):
        marks: dict[str, dict[int, str]] = {name: {} for name in shown}
        base = shown.get(reference)
        if base is None:
            return marks
        for name, lines in shown.items():
            if name == reference:
                continue
            left, right = text_highlights(base, lines)
            for number in left:
                marks[reference][number] = f"differs from {name}"
            for number in right:
                marks[name][number] = f"differs from {reference}"
        return marks
    paths = [d["path"] for d in differences]
    return {name: json_highlights(lines, paths) for name, lines in shown.items()}


# ---------------------------------------------------------------- the view


def windows(count: int, marked: Iterable[int]) -> list[tuple[int, int]]:
    """Line ranges [start, end) to show: all of a short output, else the marked lines with
    CONTEXT_LINES around them (the start when nothing is marked), at most MAX_SHOWN_LINES."""
    if count <= SHORT_OUTPUT:
        return [(0, count)] if count else []
    ranges: list[tuple[int, int]] = []
    for number in sorted(marked):
        start, end = max(0, number - CONTEXT_LINES), min(count, number + CONTEXT_LINES + 1)
        if ranges and start <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(end, ranges[-1][1]))
        else:
            ranges.append((start, end))
    if not ranges:
        ranges = [(0, min(count, SHORT_OUTPUT))]
    shown, capped = 0, []
    for start, end in ranges:
        if shown >= MAX_SHOWN_LINES:
            break
        end = min(end, start + MAX_SHOWN_LINES - shown)
        capped.append((start, end))
        shown += end - start
    return capped


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def render_lines(lines: Sequence[str], marks: Mapping[int, str], more: int = 0) -> str:
    """A <pre> of numbered lines; marked lines highlighted, hidden runs shown as a gap."""
    parts = ['<pre class="sbs-code">']
    position = 0
    for start, end in windows(len(lines), marks):
        if start > position:
            parts.append(_gap(start - position))
        for number in range(start, end):
            parts.append(_line(number, lines[number], marks.get(number)))
        position = end
    if position < len(lines):
        parts.append(_gap(len(lines) - position))
    if more:
        parts.append(f'<span class="gap">… {more} more characters not shown here</span>')
    parts.append("</pre>")
    return "".join(parts)


def _gap(count: int) -> str:
    return f'<span class="gap">⋯ {count} line{"s" if count != 1 else ""} ⋯</span>'


def _line(number: int, text: str, mark: str | None) -> str:
    if len(text) > LINE_CHARS:
        text = text[:LINE_CHARS] + f" … ({len(text) - LINE_CHARS} more characters)"
    body = escape(text) or " "
    if mark is None:
        return f'<span class="line"><span class="no">{number + 1}</span>{body}</span>'
    return (
        f'<span class="line hl" title="{escape(mark)}"><span class="no">{number + 1}</span>'
        f"{body}</span>"
    )


def side_by_side(case: Mapping[str, Any], baseline: str | None = None) -> Markup:
    """The whole view for one case of the report context (see the module docstring)."""
    outcomes: Mapping[str, Mapping[str, Any]] = case["outcomes"]
    facets = _facets(outcomes)
    by_facet: dict[str, list[Mapping[str, Any]]] = {}
    for difference in case["differences"]:
        by_facet.setdefault(difference["facet"], []).append(difference)
    marks: dict[str, dict[str, dict[int, str]]] = {}
    lines: dict[str, dict[str, list[str]]] = {}
    for facet in facets:
        shown = {
            name: _lines(str(o["facets"][facet]))
            for name, o in outcomes.items()
            if facet in o["facets"] and facet not in o["as_received"]
        }
        lines[facet] = shown
        reference = baseline if baseline in shown else next(iter(shown), "")
        marks[facet] = facet_marks(shown, by_facet.get(facet, []), reference)
    columns = [
        _column(name, outcome, facets, lines, marks, multi=len(facets) > 1)
        for name, outcome in outcomes.items()
    ]
    count = len(columns)
    return Markup(f'<div class="sbs" data-columns="{count}">{"".join(columns)}</div>')


def _facets(outcomes: Mapping[str, Mapping[str, Any]]) -> list[str]:
    facets: list[str] = []
    for outcome in outcomes.values():
        for facet in outcome["facets"]:
            if facet != "status" and facet not in facets:
                facets.append(facet)
    return facets


def _column(
    name: str,
    outcome: Mapping[str, Any],
    facets: Sequence[str],
    lines: Mapping[str, Mapping[str, list[str]]],
    marks: Mapping[str, Mapping[str, Mapping[int, str]]],
    *,
    multi: bool,
) -> str:
    meta = [f"{outcome['duration_ms']} ms"]
    if outcome.get("status") is not None:
        meta.insert(0, f"HTTP {outcome['status']}")
    elif outcome.get("exit_code") not in (None, 0):
        meta.insert(0, f"exit {outcome['exit_code']}")
    head = (
        f'<div class="sbs-head"><strong>{escape(name)}</strong> '
        f'<span class="meta">{escape(" · ".join(meta))}</span></div>'
    )
    body: list[str] = []
    if outcome.get("skipped"):
        body.append(f'<p class="note">skipped: {escape(str(outcome["skipped"]))}</p>')
    elif outcome.get("error"):
        why, tail = split_stderr_tail(str(outcome["error"]))
        body.append(f'<p class="note error">{escape(why)}</p>')
        if tail:  # a stream helper's last lines on stderr, as lines
            body.append(render_lines(_lines(tail), {}))
        if outcome.get("excerpt"):
            body.append(render_lines(_lines(str(outcome["excerpt"])), {}))
    for facet in facets:
        text = outcome["facets"].get(facet)
        if text is None:
            continue
        if multi:
            body.append(f'<div class="facet">{escape(facet)}</div>')
        shown = lines[facet].get(name)
        if shown is None:  # as received: a large output compared element by element
            shown = _lines(str(text)[:4000])
            body.append('<p class="note">shown as it arrived (compared element by element)</p>')
        more = max(0, getattr(text, "full_length", len(text)) - len(text))
        body.append(render_lines(shown, marks.get(facet, {}).get(name, {}), more))
        link = outcome.get("full", {}).get(facet)
        if link and _safe_link(str(link)):
            body.append(f'<p class="note"><a href="{escape(str(link))}">full output</a></p>')
    return f'<section class="sbs-col">{head}{"".join(body)}</section>'


def _safe_link(link: str) -> bool:
    """Links to files beside the report only: relative, no scheme, no way up."""
    return ":" not in link.split("/")[0] and not link.startswith(("/", "\\")) and ".." not in link
