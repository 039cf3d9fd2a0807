"""Every tests/bad_specs/NAME.yaml must fail to load with exactly the message in NAME.err."""

from __future__ import annotations

from pathlib import Path

import pytest

from yamlparity.errors import SpecError
from yamlparity.load import load_spec

HERE = Path(__file__).parent
CORPUS = sorted((HERE / "bad_specs").glob("*.yaml"))


def test_corpus_is_large_and_complete() -> None:
    assert len(CORPUS) >= 40
    missing = [p.name for p in CORPUS if not p.with_suffix(".err").is_file()]
    assert missing == []


@pytest.mark.parametrize("spec", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_spec(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    relative = Path("bad_specs") / spec.name
    try:
        load_spec(relative, environ={})
    except SpecError as exc:
        rendered = exc.render()
        location = exc.location
    else:  # pragma: no cover - the failure message is the point
        pytest.fail(f"{spec.name} loaded without error")
    expected = spec.with_suffix(".err").read_text("utf-8").rstrip("\n")
    assert rendered == expected
    assert location is not None
