"""Every tests/bad_specs/NAME.yaml must fail to load with exactly the message in NAME.err."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.paths import TESTS
from yamlparity.core.errors import SpecError
from yamlparity.spec.load import load_spec

HERE = TESTS
CORPUS = sorted((HERE / "bad_specs").glob("*.yaml"))


# Every expected message: one `error:` line, a file:line:column, and a hint.
_LOCATED = re.compile(r"^  --> \S+:\d+:\d+", re.MULTILINE)


def test_corpus_is_large_and_complete() -> None:
    assert len(CORPUS) >= 70
    missing = [p.name for p in CORPUS if not p.with_suffix(".err").is_file()]
    assert missing == []
    orphans = [
        p.name for p in CORPUS[0].parent.glob("*.err") if not p.with_suffix(".yaml").exists()
    ]
    assert orphans == []


def test_corpus_cases_are_distinct() -> None:
    texts = [p.read_bytes() for p in CORPUS]
    assert len(set(texts)) == len(texts)
    messages = [p.with_suffix(".err").read_text("utf-8") for p in CORPUS]
    assert len(set(messages)) == len(messages)


@pytest.mark.parametrize("spec", CORPUS, ids=[p.stem for p in CORPUS])
def test_expected_message_is_one_located_error_with_a_hint(spec: Path) -> None:
    text = spec.with_suffix(".err").read_text("utf-8")
    assert [line for line in text.splitlines() if line.startswith("error: ")] == [
        text.splitlines()[0]
    ]
    assert _LOCATED.search(text), "no file:line:column"
    assert "\n  = hint: " in text
    assert "Traceback" not in text


# A sample through the real command line: every 4th spec, plus the kinds the issue names.
_NAMED = {
    "tabs",
    "duplicate_key",
    "report_template_syntax",
    "report_template_missing",
    "secret_value_in_spec",
    "fixture_outside",
    "cyclic_include",
    "python_tag",
    "not_utf8",
    "empty",
}
CLI_SAMPLE = [p for i, p in enumerate(CORPUS) if i % 4 == 0 or p.stem in _NAMED]


@pytest.mark.parametrize("spec", CLI_SAMPLE, ids=[p.stem for p in CLI_SAMPLE])
def test_bad_spec_through_the_cli(spec: Path) -> None:
    # No variable for the spec to find: PATH and Python's own only.
    proc = run_cli("validate", f"bad_specs/{spec.name}", cwd=HERE, clean=True, timeout=60)
    expected = spec.with_suffix(".err").read_text("utf-8")
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == expected


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
