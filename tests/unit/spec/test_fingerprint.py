"""A spec's fingerprint: what shards compare to prove they ran the same spec."""

from __future__ import annotations

from pathlib import Path

from yamlparity.spec.fingerprint import spec_hash
from yamlparity.spec.load import load_spec

SPEC = """\
name: f
include: [parts.yaml]
targets:
  a: {run: ["${HELPER:-python3}", a.py]}
  b: {run: [python3, b.py]}
cases_from: [rows.jsonl]
"""


def project(folder: Path, spec: str = SPEC, rows: str = '{"name": "c1", "input": 1}\n') -> Path:
    (folder / "parts.yaml").write_text("normalize: [del(.ts)]\n")
    (folder / "rows.jsonl").write_text(rows)
    path = folder / "f.yaml"
    path.write_text(spec)
    return path


def fingerprint(path: Path, env: dict[str, str] | None = None) -> str:
    return spec_hash(load_spec(path, env or {}))


def test_the_same_spec_has_the_same_fingerprint_wherever_it_lies(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    reformatted = "# a comment\n" + SPEC.replace(
        "{run: [python3, b.py]}", "\n    run: [python3, b.py]"
    )
    first = fingerprint(project(one))
    assert first.startswith("sha256:") and len(first) == len("sha256:") + 64
    assert fingerprint(project(two, reformatted)) == first
    # Variables are the runner's business (each may point at its own services).
    assert fingerprint(project(two), {"HELPER": "/opt/python"}) == first


def test_a_changed_fixture_row_include_or_spec_changes_it(tmp_path: Path) -> None:
    path = project(tmp_path)
    first = fingerprint(path)
    (tmp_path / "rows.jsonl").write_text('{"name": "c1", "input": 2}\n')
    second = fingerprint(path)
    (tmp_path / "parts.yaml").write_text("normalize: [del(.other)]\n")
    third = fingerprint(path)
    path.write_text(SPEC.replace("b.py", "c.py"))
    fourth = fingerprint(path)
    assert len({first, second, third, fourth}) == 4
