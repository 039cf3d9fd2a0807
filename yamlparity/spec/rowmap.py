"""Fixture rows of any shape made into cases: `cases_from: [{file, name, input, stdin, vars}]`.

A team's data rarely comes as `{"name": ..., "input": ...}`: the original validator probe kept
`{"kind": ..., "artifact": ..., "context": ...}` rows. A mapping says how a row becomes a case,
in the same sandboxed templates as stdin and requests, over `row` (the row as parsed: exact
numbers from JSON, strings from CSV) and `line` (its line, 0 where a file has no lines):

    cases_from:
      - file: probes/*.jsonl
        name: "{{ row.kind }}-{{ row.artifact }}"
        input: "{{ row }}"            # the default: the whole row, exactly

Also CSV (a header line names the columns; every value is a string) and YAML (a list of rows)
files. The name is rendered while loading (names must be unique and valid before anything
runs); input, stdin and vars again when the case is reached, so large files stay lazy.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from yamlparity.core.jsonvalue import JSON
from yamlparity.core.numbers import to_view
from yamlparity.spec import templates

DEFAULT_INPUT = "{{ row }}"


@dataclass(frozen=True)
class RowMapping:
    """How one row becomes a case; each value is a template over `row` and `line`."""

    name: str
    input: JSON = DEFAULT_INPUT
    stdin: str | None = None
    vars: dict[str, JSON] = field(default_factory=dict)

    def data(self, row: JSON, line: int) -> dict[str, Any]:
        return {"row": to_view(row), "line": line}

    def name_of(self, row: JSON, line: int) -> str:
        return templates.render_text(self.name, self.data(row, line)).strip()

    def case_fields(self, row: JSON, line: int) -> dict[str, Any]:
        """input, stdin and vars of the case this row makes."""
        data = self.data(row, line)
        return {
            "input": templates.render_native(self.input, data),
            "stdin": None if self.stdin is None else templates.render_text(self.stdin, data),
            "vars": {k: templates.render_native(v, data) for k, v in self.vars.items()},
        }


def csv_rows(text: str) -> list[tuple[int, dict[str, JSON]]]:
    """(line, row) per record after the header; a record may span lines (quoted newlines).
    Raises ValueError naming the line of a record that is not CSV or whose field count
    differs from the header."""
    # strict: an unclosed quote is an error; otherwise the csv module ends the field at the
    # end of the file and every record after it becomes part of that one field, unseen.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        header = next(reader)
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise ValueError(f"line 1: the header names {', '.join(map(repr, repeated))} twice")
        rows: list[tuple[int, dict[str, JSON]]] = []
        start = reader.line_num + 1
        for record in reader:
            if not record or record == [""]:
                start = reader.line_num + 1
                continue  # a blank line is no record
            if len(record) != len(header):
                raise ValueError(
                    f"line {start}: {len(record)} fields where the header has {len(header)}"
                )
            rows.append((start, dict(zip(header, record, strict=True))))
            start = reader.line_num + 1
    except StopIteration:
        return []
    except csv.Error as exc:
        raise ValueError(f"line {start}: {_csv_problem(exc)}") from None
    return rows


def _csv_problem(exc: csv.Error) -> str:
    message = str(exc)
    if message == "unexpected end of data":
        return "a quoted field opened in this record is never closed"
    if message.endswith("expected after '\"'"):
        return 'a quoted field is followed by more text (a quote inside one is written "")'
    return message
