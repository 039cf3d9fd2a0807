"""yamlparity: parity probes from YAML specs.

Public API: load a spec, run it, render its report. The CLI is a thin shell over these.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
