"""What a pytest session records as a spec's selection: every way pytest leaves cases out is
named, a full run is none, and no description can be read as a bare `-k` expression."""

from __future__ import annotations

from pathlib import Path

import pytest

from yamlparity.core.errors import UsageError
from yamlparity.pytest_plugin.reports import SpecParts, SpecSettings, from_wire, to_wire
from yamlparity.pytest_plugin.selection import Counts, Narrowing, chosen
from yamlparity.spec.select import compile_selection

SPEC = "specs/calc/calc.yaml"


@pytest.mark.parametrize(
    ("asked", "counts", "expected"),
    [
        # Every case ran: a full run, whatever was asked.
        (Narrowing(keyword="calc"), Counts(16, 16, 16, 16), None),
        (
            Narrowing(args=(f"{SPEC}::f_big", "specs/web")),
            Counts(16, 1, 1, 1),
            f"pytest {SPEC}::f_big",
        ),
        (
            Narrowing(keyword="coupon or accents"),
            Counts(16, 16, 2, 2),
            "pytest -k 'coupon or accents'",
        ),
        (Narrowing(markexpr="slow"), Counts(16, 16, 3, 3), "pytest -m slow"),
        (Narrowing(last_failed=True), Counts(16, 16, 7, 7), "pytest --lf"),
        # --lf narrows while collecting a file not named on the command line.
        (Narrowing(last_failed=True), Counts(16, 7, 7, 7), "pytest --lf"),
        (Narrowing(deselect=True), Counts(16, 16, 15, 15), "pytest --deselect"),
        (Narrowing(stepwise=True), Counts(16, 16, 9, 9), "pytest --sw"),
        (Narrowing(keyword="x", last_failed=True), Counts(16, 16, 2, 2), "pytest -k x --lf"),
        # -x, --maxfail, Ctrl-C: selected, never reached.
        (Narrowing(), Counts(16, 16, 16, 3), "pytest stopped early"),
        (Narrowing(keyword="x"), Counts(16, 16, 5, 2), "pytest -k x, stopped early"),
        # Left out by something no option names (a plugin's deselection).
        (Narrowing(), Counts(16, 16, 9, 9), "pytest's selection"),
        (Narrowing(), Counts(16, 16, 9, 4), "pytest's selection, stopped early"),
    ],
)
def test_each_way_of_leaving_cases_out_is_named(
    asked: Narrowing, counts: Counts, expected: str | None
) -> None:
    assert chosen(asked, SPEC, counts) == expected


def test_node_ids_are_those_of_the_spec_and_many_are_counted(tmp_path: Path) -> None:
    ids = [f"{SPEC}::c{i}" for i in range(4)]
    other = "specs/web/web.parity.yaml::simple"
    two = Narrowing(args=(ids[0], other, f"./{ids[1]}"), start=str(tmp_path))
    assert chosen(two, SPEC, Counts(16, 2, 2, 2)) == f"pytest {ids[0]} ./{ids[1]}"
    absolute = Narrowing(args=(f"{tmp_path / SPEC}::c0",), start=str(tmp_path))
    assert chosen(absolute, SPEC, Counts(16, 1, 1, 1)) == f"pytest {tmp_path / SPEC}::c0"
    many = Narrowing(args=tuple(ids), start=str(tmp_path))
    assert chosen(many, SPEC, Counts(16, 4, 4, 4)) == "pytest 4 node ids"


@pytest.mark.parametrize(
    "description",
    [
        "pytest -k 'coupon or accents'",
        "pytest --lf",
        "pytest stopped early",
        "pytest's selection",
        f"pytest {SPEC}::f_big",
        "pytest 4 node ids",
        "pytest -k and, stopped early",
    ],
)
def test_a_description_is_never_a_k_expression(description: str) -> None:
    """`yamlparity history` tells a description from the bare `-k` expression `run -k` records
    by this: the two must never be confused."""
    with pytest.raises(UsageError):
        compile_selection(description)


def test_the_counts_travel_from_xdist_workers() -> None:
    """The controller collects nothing: what each spec's cases were counted at comes from the
    workers (all of them collect the same items)."""
    settings = SpecSettings("calc.yaml", "calc", "", "", "command", ("a", "b"), (), None, None, 16)
    sent = from_wire(to_wire(SpecParts(settings, [], collected=16, selected=2)))
    assert (sent.collected, sent.selected) == (16, 2)
    sent.add(SpecParts(settings, [], collected=16, selected=2))
    assert sent.counts(shown=1) == Counts(total=16, collected=16, selected=2, shown=1)
