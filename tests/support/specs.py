"""Specs the in-process engine tests build: two HTTP targets nobody serves (the tests lend
their own adapters) and N cases in a JSONL fixture."""

from __future__ import annotations

import json
from pathlib import Path

from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec

TWO_TARGETS = """\
name: {name}
targets:
  a: {{url: "http://127.0.0.1:9"}}
  b: {{url: "http://127.0.0.1:9"}}
compare:
  facets: [status, body]
cases_from: [cases.jsonl]
"""


def spec_with_cases(folder: Path, count: int, name: str = "runs", extra: str = "") -> Spec:
    """`folder/spec.yaml` with cases c0..c{count-1} (input {"n": i}), loaded."""
    (folder / "spec.yaml").write_text(TWO_TARGETS.format(name=name) + extra)
    rows = (json.dumps({"name": f"c{n}", "input": {"n": n}}) for n in range(count))
    (folder / "cases.jsonl").write_text("\n".join(rows) + "\n")
    return load_spec(folder / "spec.yaml", {})
