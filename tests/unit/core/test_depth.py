"""Deeply nested JSON: one bound (core.depth.MAX_DEPTH) whatever ran before, in any thread."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import pytest

from yamlparity.core import jsonvalue as jv
from yamlparity.core.depth import MAX_DEPTH, RECURSION_LIMIT, deeper_than, ensure_room
from yamlparity.core.jsonvalue import JsonDecodeError, JsonTooDeep
from yamlparity.spec.model import CompareSettings
from yamlparity.verdict import compare


def nested(depth: int, leaf: str = "1", kind: str = "[") -> str:
    if kind == "[":
        return "[" * depth + leaf + "]" * depth
    return '{"a":' * depth + leaf + "}" * depth


def in_a_new_thread(work: Callable[[], object]) -> object:
    """`work()` in a thread started now, as the engine's lanes are; its exception re-raised."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(work())
        except BaseException as exc:  # handed back to the test
            out.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


def test_importing_yamlparity_makes_room_for_the_bound() -> None:
    # It used to be raised by the first comparison: a 1,500-deep answer parsed or not
    # depending on whether another case had been compared before.
    assert sys.getrecursionlimit() >= RECURSION_LIMIT
    size = threading.stack_size()  # without an argument it also resets it: put it back
    threading.stack_size(size)
    assert size >= 16 * 1024 * 1024
    ensure_room()  # again: nothing undone
    size = threading.stack_size()
    threading.stack_size(size)
    assert size >= 16 * 1024 * 1024


@pytest.mark.parametrize("kind", ["[", "{"])
def test_the_bound_is_the_same_every_time(kind: str) -> None:
    assert deeper_than(jv.loads(nested(MAX_DEPTH, kind=kind), MAX_DEPTH), MAX_DEPTH) is False
    for depth in (MAX_DEPTH + 1, 10 * MAX_DEPTH, 200_000):  # checked, or the parser ran out
        with pytest.raises(JsonTooDeep) as info:
            jv.loads(nested(depth, kind=kind), MAX_DEPTH)
        assert str(info.value) == f"nested deeper than {MAX_DEPTH} levels"
        assert isinstance(info.value, JsonDecodeError)  # callers that only know that one


def test_json_lines_name_the_deep_row() -> None:
    with pytest.raises(JsonTooDeep) as info:
        jv.loads_lines("[1]\n" + nested(MAX_DEPTH + 1) + "\n", MAX_DEPTH)
    assert (info.value.row, str(info.value)) == (2, f"row 2: nested deeper than {MAX_DEPTH} levels")


def test_deeper_than_counts_levels() -> None:
    assert not deeper_than(jv.loads("1"), 0)
    assert deeper_than(jv.loads("[]"), 0) and not deeper_than(jv.loads("[]"), 1)
    assert deeper_than(jv.loads('[1, {"a": [[2]]}]'), 3)
    assert not deeper_than(jv.loads('[1, {"a": [[2]]}]'), 4)


@pytest.mark.parametrize("kind", ["[", "{"])
def test_every_step_handles_the_bound_in_a_new_thread(kind: str) -> None:
    # Parse, compare (walk and agreement), canonical text, keys of any-order arrays: the
    # comparator overflowed at ~2,500 levels ("internal error: RecursionError").
    def work() -> tuple[int, bool, int, int]:
        a = jv.loads(nested(MAX_DEPTH, "1", kind), MAX_DEPTH)
        b = jv.loads(nested(MAX_DEPTH, "2", kind), MAX_DEPTH)
        exact = CompareSettings(("stdout",))
        [d] = compare.diff_json({"a": a, "b": b}, exact, "stdout")
        groups = compare.agreement_classes({"a": a, "b": b, "c": a}, exact, "stdout")
        as_set = CompareSettings(("stdout",), arrays="set", numbers="value")
        return (
            len(d.path),
            compare.equal(a, jv.loads(jv.canonical(a), MAX_DEPTH), as_set),
            len(groups),
            len(jv.dumps(b, indent=1)),
        )

    path_length, same, groups, _ = in_a_new_thread(work)  # type: ignore[misc]
    assert path_length > MAX_DEPTH and same and groups == 2
