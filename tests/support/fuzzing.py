"""A fuzz search over stream helpers written for the test, in-process (tests/unit/run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.paths import HELPER_PY
from yamlparity.results.fuzz import FuzzResult
from yamlparity.run.fuzz import FuzzOptions, fuzz_spec
from yamlparity.run.fuzz_schema import InputSchema
from yamlparity.spec.load import load_spec


def search_stream_helpers(
    folder: Path, helpers: dict[str, str], schema: dict[str, Any], examples: int
) -> FuzzResult:
    """Fuzz `schema`'s inputs (seed 1) through one stream target per helper source."""
    targets = ""
    for name, source in helpers.items():
        (folder / f"{name}.py").write_text(source, "utf-8")
        targets += f"  {name}: {{run: [{HELPER_PY}, {name}.py], mode: stream}}\n"
    (folder / "probe.yaml").write_text(f"name: probe\ntargets:\n{targets}fuzz: {{}}\n")
    spec = load_spec(folder / "probe.yaml", {})
    options = FuzzOptions(InputSchema(schema, "s.json"), seed=1, max_examples=examples)
    return fuzz_spec(spec, options)
