"""Fixture cases are indexed at load (name, byte range, line) and read when reached.

What must hold: the cases read back equal what a full parse gives (any encoding, BOM, .json
list or object form), every row is still validated at load with file:line:column errors,
duplicate keys are errors, and a fixture changed after loading is refused, not misread.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from yamlparity.core.errors import SpecError
from yamlparity.core.jsonvalue import Number
from yamlparity.spec.cases import CaseList
from yamlparity.spec.load import load_spec

TARGETS = """\
targets:
  a: {run: [cat]}
  b: {run: [cat]}
"""


def spec_with(tmp_path: Path, fixture: str, data: bytes, inline: str = "") -> Path:
    (tmp_path / fixture).write_bytes(data)
    path = tmp_path / "s.yaml"
    path.write_text(TARGETS + f"cases_from: [{fixture}]\n" + inline)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        load_spec(path, environ={})
    return info.value.render()


def test_jsonl_rows_read_back_exactly_with_unicode_bom_and_blank_lines(tmp_path: Path) -> None:
    rows = [
        {"name": "e1", "input": {"s": "héllo ✓ \u2028", "n": 1}},
        {"name": "two", "input": [1, 2], "stdin": "raw", "vars": {"k": "v"}},
    ]
    text = "\ufeff" + json.dumps(rows[0], ensure_ascii=False) + "\r\n\n  \n"
    text += json.dumps(rows[1]) + "\n"
    spec = load_spec(spec_with(tmp_path, "f.jsonl", text.encode()), environ={})
    assert isinstance(spec.cases, CaseList)
    assert list(spec.cases.names()) == ["e1", "two"]
    first, second = spec.cases
    assert first.input == {"s": "héllo ✓ \u2028", "n": Number("1")}
    assert (first.location.line, second.location.line) == (1, 4)
    assert second.stdin == "raw" and second.vars == {"k": "v"}
    assert spec.cases[-1] == second and spec.cases[0:1] == [first]


def test_json_list_and_object_forms_read_back_exactly(tmp_path: Path) -> None:
    listed = '\ufeff[ {"name": "u", "input": "✓✓"} ,\n {"name": "b", "input": 1.0} ]\n'
    spec = load_spec(spec_with(tmp_path, "l.json", listed.encode()), environ={})
    assert [(c.name, c.input) for c in spec.cases] == [("u", "✓✓"), ("b", Number("1.0"))]
    mapped = '{"x": {"deep": ["é", 1e2]}, "y": null, "z": {}}'
    spec = load_spec(spec_with(tmp_path, "m.json", mapped.encode()), environ={})
    inputs = [(c.name, c.input) for c in spec.cases]
    assert inputs == [("x", {"deep": ["é", Number("1e2")]}), ("y", None), ("z", {})]


def test_a_json_object_fixture_with_a_name_twice_is_an_error(tmp_path: Path) -> None:
    data = b'{\n  "x": 1,\n  "x": 2\n}\n'
    message = error_of(spec_with(tmp_path, "m.json", data))
    assert "duplicate case name 'x'" in message and "m.json:3:3" in message


def test_a_jsonl_row_with_a_key_twice_is_an_error(tmp_path: Path) -> None:
    data = b'{"name": "a", "input": 1}\n{"name": "b", "input": {"k": 1, "k": 2}}\n'
    message = error_of(spec_with(tmp_path, "f.jsonl", data))
    assert "duplicate key 'k'" in message and "f.jsonl:2:33" in message
    data = b'{"name": "a", "name": "b", "input": 1}\n'
    assert "f.jsonl:1:15" in error_of(spec_with(tmp_path, "f.jsonl", data))


def test_same_key_in_two_objects_is_fine(tmp_path: Path) -> None:
    data = b'{"name": "a", "input": [{"k": 1}, {"k": 2}]}\n'
    spec = load_spec(spec_with(tmp_path, "f.jsonl", data), environ={})
    assert spec.cases[0].input == [{"k": Number("1")}, {"k": Number("2")}]


def test_duplicate_names_across_inline_and_fixtures_name_the_first(tmp_path: Path) -> None:
    data = b'{"name": "one", "input": 1}\n{"name": "two", "input": 2}\n{"name": "two"}\n'
    message = error_of(spec_with(tmp_path, "f.jsonl", data))
    assert "duplicate case name 'two' (first at" in message and "f.jsonl:3:1" in message
    inline = "cases:\n  - {name: two, input: 0}\n"
    message = error_of(spec_with(tmp_path, "g.jsonl", data[:56], inline))
    assert "first at" in message and "s.yaml:" in message and "g.jsonl:2:1" in message


def test_many_rows_keep_unique_names_and_globs_still_check(tmp_path: Path) -> None:
    rows = "".join(json.dumps({"name": f"c{n}", "input": n}) + "\n" for n in range(5000))
    known = "known:\n  - {cases: ['c49*'], reason: slow}\n"
    spec = load_spec(spec_with(tmp_path, "f.jsonl", rows.encode(), known), environ={})
    assert len(spec.cases) == 5000 and spec.cases[4321].input == Number("4321")
    stale = "known:\n  - {cases: ['d*'], reason: slow}\n"
    assert "matches no case" in error_of(spec_with(tmp_path, "f.jsonl", rows.encode(), stale))


def test_a_fixture_changed_after_loading_is_refused(tmp_path: Path) -> None:
    path = spec_with(tmp_path, "f.jsonl", b'{"name": "a", "input": 1}\n')
    spec = load_spec(path, environ={})
    fixture = tmp_path / "f.jsonl"
    fixture.write_bytes(b'{"name": "b", "input": 22}\n')
    os.utime(fixture, ns=(1, 1))
    with pytest.raises(SpecError, match="changed since the spec was loaded"):
        spec.cases[0]
    assert spec.cases.name(0) == "a"


@pytest.mark.parametrize("name", ["f.jsonl", "f.json"])
def test_a_fixture_rewritten_with_the_same_bytes_is_the_file_loaded(
    tmp_path: Path, name: str
) -> None:
    """A target's `build:` step that regenerates the fixture it reads (same bytes, new mtime):
    every case was ERROR "changed since the spec was loaded", run after run."""
    rows = (
        b'{"name": "a", "input": 1}\n{"name": "b", "input": 2}\n'
        if name.endswith("l")
        else b'[{"name": "a", "input": 1}, {"name": "b", "input": 2}]'
    )
    spec = load_spec(spec_with(tmp_path, name, rows), environ={})
    fixture = tmp_path / name
    fixture.unlink()  # a new file (another inode), as a build writes it
    fixture.write_bytes(rows)
    os.utime(fixture, ns=(1, 1))
    assert [spec.cases[n].input for n in (1, 0)] == [Number("2"), Number("1")]
    fresh = load_spec(spec_with(tmp_path, name, rows), environ={})
    fixture.write_bytes(rows.replace(b"2", b"3"))  # really changed: refused
    os.utime(fixture, ns=(3, 3))
    with pytest.raises(SpecError, match="changed since the spec was loaded"):
        fresh.cases[1]


def test_rows_read_in_any_order_are_the_rows_loaded_until_the_file_changes(
    tmp_path: Path,
) -> None:
    """Rows read in file order come from a block read ahead, others one by one: the values are
    the same in every order; a change on disk is refused at the next read from the file, and
    rows read before it were read as loaded."""
    rows = "".join(
        f'{{"name": "c{n}", "input": {{"n": {n}, "pad": "{"x" * 90}"}}}}\n' for n in range(8000)
    )
    path = spec_with(tmp_path, "f.jsonl", rows.encode())
    spec = load_spec(path, environ={})
    order = list(range(8000))
    random.Random(5).shuffle(order)
    shuffled = {n: spec.cases[n].input for n in order[:500]}
    in_order = [spec.cases[n].input for n in range(8000)]
    assert all(in_order[n] == value for n, value in shuffled.items())
    assert in_order[7999] == {"n": Number("7999"), "pad": "x" * 90}
    fresh = load_spec(path, environ={})
    assert fresh.cases[0].input == in_order[0]  # the first block is read
    fixture = tmp_path / "f.jsonl"
    fixture.write_bytes(rows.replace('"n": ', '"m": ').encode())
    os.utime(fixture, ns=(1, 1))
    assert fresh.cases[1].input == in_order[1]  # read ahead before the change
    with pytest.raises(SpecError, match="changed since the spec was loaded"):
        fresh.cases[7999]


def test_invalid_utf8_in_a_row_points_at_it(tmp_path: Path) -> None:
    data = b'{"name": "a", "input": 1}\n{"name": "b", "input": "\xff"}\n'
    message = error_of(spec_with(tmp_path, "f.jsonl", data))
    assert "not UTF-8" in message and "f.jsonl:2:25" in message


def test_json_fixture_syntax_errors_keep_their_place(tmp_path: Path) -> None:
    message = error_of(spec_with(tmp_path, "l.json", b'[{"name": "a", "input": 1},\n {"name"}]'))
    assert "invalid JSON" in message and "l.json:2:" in message
    message = error_of(spec_with(tmp_path, "l.json", b'[{"name": "a", "input": 1}] x'))
    assert "Extra data" in message
    message = error_of(spec_with(tmp_path, "l.json", b'"just a string"'))
    assert "a list of cases or an object" in message
