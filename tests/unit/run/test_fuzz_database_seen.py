"""The fuzz database keeps what a search saw but could not shrink: Hypothesis stores only what
it shrank, so a class whose budget ran out first was gone from the next run (a new-user trial:
`-0.0` seen in run 1, missing from run 2 with the same seed and database, still diverging).
Real stream helpers, in process, small budgets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis.database import DirectoryBasedExampleDatabase

from tests.support.paths import HELPER_PY
from yamlparity.core.jsonvalue import Number, canonical
from yamlparity.results.fuzz import FuzzResult
from yamlparity.run import fuzz as fuzz_module
from yamlparity.run.fuzz import FuzzOptions, fuzz_spec
from yamlparity.run.fuzz_schema import InputSchema
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec

INTEGER = {"type": "integer"}


def helper(answer: str) -> str:
    """A stream helper answering `answer` (a Python expression of the input `n`) per line."""
    return (
        "import json, sys\n"
        "for line in sys.stdin:\n"
        "    n = json.loads(line)\n"
        f"    sys.stdout.write(json.dumps({answer}) + '\\n')\n"
        "    sys.stdout.flush()\n"
    )


def probe(folder: Path, helpers: dict[str, str]) -> Spec:
    targets = ""
    for name, source in helpers.items():
        (folder / f"{name}.py").write_text(source, "utf-8")
        targets += f"  {name}: {{run: [{HELPER_PY}, {name}.py], mode: stream}}\n"
    (folder / "probe.yaml").write_text(f"name: probe\ntargets:\n{targets}fuzz: {{}}\n")
    return load_spec(folder / "probe.yaml", {})


def search(spec: Spec, db: Path, examples: int) -> FuzzResult:
    options = FuzzOptions(InputSchema(INTEGER, "s.json"), 1, max_examples=examples, database=db)
    return fuzz_spec(spec, options)


def seen(spec: Spec, db: Path) -> list[bytes]:
    key = fuzz_module._database_key(spec, InputSchema(INTEGER, "s.json"))
    return sorted(DirectoryBasedExampleDatabase(str(db)).fetch(key + b":seen"))


def labels(result: FuzzResult) -> dict[str, Any]:
    return {f.label: (f.input, f.shrunk) for f in result.findings}


def test_a_class_seen_but_not_shrunk_is_kept_for_the_next_run(tmp_path: Path) -> None:
    # Every input shows two classes; one round shrinks one of them and spends the budget.
    spec = probe(tmp_path, {"a": helper('{"v": 1, "t": 1}'), "b": helper('{"v": 2, "t": "one"}')})
    db = tmp_path / "db"
    first = search(spec, db, 1)
    shrunk = [f for f in first.findings if f.shrunk]
    unshrunk = [f for f in first.findings if not f.shrunk]
    assert len(shrunk) == 1 and len(unshrunk) == 1, labels(first)
    assert seen(spec, db) == [canonical(unshrunk[0].input).encode()]
    # The next run finds it again, from the database, before anything new is drawn.
    again = search(spec, db, 1)
    assert labels(again).keys() == labels(first).keys()


def test_a_stored_input_is_retried_and_dropped_once_it_shows_nothing(tmp_path: Path) -> None:
    # `.c` differs only for n = 123456: no search of one example draws it.
    special = helper('{"v": 1, "c": int(n == 123456)}')
    spec = probe(tmp_path, {"a": special, "b": helper('{"v": 2, "c": 0}')})
    db = tmp_path / "db"
    assert ".c" not in "".join(labels(search(spec, tmp_path / "fresh", 1)))
    key = fuzz_module._database_key(spec, InputSchema(INTEGER, "s.json")) + b":seen"
    store = DirectoryBasedExampleDatabase(str(db))
    for stored in (b"123456", b"7", b"not json"):  # an earlier run's, a fixed one, damage
        store.save(key, stored)
    result = search(spec, db, 1)
    found = {label: value for label, (value, _) in labels(result).items() if ".c" in label}
    assert list(found.values()) == [Number("123456")], labels(result)  # as stored, unshrunk
    assert seen(spec, db) == [b"123456"]  # still showing its class: kept; the others dropped
    # The helper fixed: the stored input shows nothing any more and leaves the database.
    (tmp_path / "a.py").write_text(helper('{"v": 1, "c": 0}'), "utf-8")
    fixed = search(spec, db, 1)
    assert not any(".c" in label for label in labels(fixed))
    assert seen(spec, db) == []
