"""Results JSON and JUnit written a case at a time are the same text as the whole document."""

from __future__ import annotations

import dataclasses

from tests.unit.report.test_formats import sample_result
from yamlparity.core import jsonvalue
from yamlparity.report.formats import results_json


def streamed(result: object) -> str:
    pieces: list[str] = []
    results_json.write_to(result, pieces.append)  # type: ignore[arg-type]
    return "".join(pieces)


def test_streamed_results_equal_the_whole_document() -> None:
    result = sample_result()
    assert len(result.cases) > 1
    assert streamed(result) == results_json.dumps(result)


def test_a_run_without_cases_streams_an_empty_array() -> None:
    result = dataclasses.replace(sample_result(), cases=[])
    text = streamed(result)
    assert text == results_json.dumps(result)
    assert '"cases": []' in text


def test_lazy_arrays_nest_at_any_depth_like_lists() -> None:
    value = {
        "a": jsonvalue.LazyArray([1, 2], jsonvalue.from_python),
        "b": [jsonvalue.from_python(3)],
    }
    plain = {"a": jsonvalue.from_python([1, 2]), "b": [jsonvalue.from_python(3)]}
    pieces: list[str] = []
    jsonvalue.dump_to(value, pieces.append, indent=2, sort_keys=False)  # type: ignore[arg-type]
    assert "".join(pieces) == jsonvalue.dumps(plain, indent=2, sort_keys=False)


def test_streamed_junit_equals_the_whole_document() -> None:
    from yamlparity.report.formats import junit

    full = sample_result()
    empty = dataclasses.replace(full, name="empty", cases=[])
    for specs in ([full], [full, empty, full], [empty]):
        pieces: list[str] = []
        junit.write_to(specs, pieces.append)
        assert "".join(pieces) == junit.dumps(specs)
