"""One defaults table: the loader, the model and the JSON Schema say the same thing."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from yamlparity.spec import defaults
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec

SCHEMA = json.loads(
    resources.files("yamlparity.spec.schema").joinpath("spec.schema.json").read_text("utf-8")
)


def schema_default(owner: str, key: str) -> object:
    node = SCHEMA["$defs"].get(owner) or SCHEMA["properties"][owner]
    return node["properties"][key]["default"]


@pytest.mark.parametrize("where", sorted(defaults.SCHEMA_DEFAULTS), ids="/".join)
def test_schema_states_the_default_the_loader_uses(where: tuple[str, str]) -> None:
    assert schema_default(*where) == defaults.SCHEMA_DEFAULTS[where]


def load(folder: Path, targets: str) -> Spec:
    spec_file = folder / "s.yaml"
    spec_file.write_text(f"targets:\n{targets}output: json\ncases: [{{name: one, input: 1}}]\n")
    return load_spec(spec_file, environ={})


def test_a_command_target_without_settings_gets_the_table_defaults(tmp_path: Path) -> None:
    spec = load(tmp_path, "  a: {run: [python3, x.py]}\n  b: {run: [node, x.js]}\n")
    a = spec.targets["a"]
    assert a.kind == "command"
    assert (a.timeout, a.build_timeout, a.max_output, a.workers) == (
        defaults.COMMAND_TIMEOUT,
        defaults.BUILD_TIMEOUT,
        defaults.COMMAND_MAX_OUTPUT,
        defaults.STREAM_WORKERS,
    )
    assert spec.calibration.repeat == defaults.CALIBRATION_REPEAT


def test_an_http_target_without_settings_gets_the_table_defaults(tmp_path: Path) -> None:
    service = "    port: auto\n    service: {run: [python3, -m, http.server, '${port}']}\n"
    spec = load(
        tmp_path,
        f"  a:\n    url: http://127.0.0.1:${{port}}\n{service}"
        f"  b:\n    url: http://127.0.0.1:${{port}}\n{service}",
    )
    b = spec.targets["b"]
    assert b.kind == "http"
    assert (b.timeout, b.max_output) == (defaults.HTTP_TIMEOUT, defaults.HTTP_MAX_OUTPUT)
    assert b.service is not None
    assert (b.service.start_timeout, b.service.stop_timeout) == (
        defaults.START_TIMEOUT,
        defaults.STOP_TIMEOUT,
    )
