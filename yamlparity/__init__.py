"""yamlparity: parity probes from YAML specs.

The public API — load a spec, run it, render its report — is what `__all__` names. Heavy
modules (jsonschema, jinja2, markdown-it) load on first use, so `yamlparity --version` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from yamlparity._version import __version__

_EXPORTS = {
    "load_spec": "yamlparity.spec.load",
    "find_specs": "yamlparity.spec.load",
    "run_spec": "yamlparity.run.engine",
    "RunOptions": "yamlparity.run.engine",
    "render": "yamlparity.report.render",
    "Spec": "yamlparity.spec.model",
    "SpecResult": "yamlparity.results.records",
    "CaseResult": "yamlparity.results.records",
    "SpecError": "yamlparity.core.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from yamlparity.core.errors import SpecError as SpecError
    from yamlparity.report.render import render as render
    from yamlparity.results.records import CaseResult as CaseResult
    from yamlparity.results.records import SpecResult as SpecResult
    from yamlparity.run.engine import RunOptions as RunOptions
    from yamlparity.run.engine import run_spec as run_spec
    from yamlparity.spec.load import find_specs as find_specs
    from yamlparity.spec.load import load_spec as load_spec
    from yamlparity.spec.model import Spec as Spec


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'yamlparity' has no attribute {name!r}")
    return getattr(import_module(module), name)
