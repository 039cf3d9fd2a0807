"""yamlparity: parity probes from YAML specs.

The public API — load a spec, run it, render its report — is what `__all__` names. Heavy
modules (jsonschema, jinja2, markdown-it) load on first use, so `yamlparity --version` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_spec": "yamlparity.load",
    "find_specs": "yamlparity.load",
    "run_spec": "yamlparity.engine",
    "RunOptions": "yamlparity.engine",
    "render": "yamlparity.report",
    "Spec": "yamlparity.model",
    "SpecResult": "yamlparity.results",
    "CaseResult": "yamlparity.results",
    "SpecError": "yamlparity.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from yamlparity.engine import RunOptions as RunOptions
    from yamlparity.engine import run_spec as run_spec
    from yamlparity.errors import SpecError as SpecError
    from yamlparity.load import find_specs as find_specs
    from yamlparity.load import load_spec as load_spec
    from yamlparity.model import Spec as Spec
    from yamlparity.report import render as render
    from yamlparity.results import CaseResult as CaseResult
    from yamlparity.results import SpecResult as SpecResult


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'yamlparity' has no attribute {name!r}")
    return getattr(import_module(module), name)
