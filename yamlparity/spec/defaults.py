"""Every default a spec key has, in one place: the model, the loader and the docs use these.

The JSON Schema states the same defaults for editors and docs/spec-reference.md;
tests/unit/spec/test_defaults.py checks that `SCHEMA_DEFAULTS` and the schema agree.
"""

from __future__ import annotations

from typing import Final

MIB: Final = 1024 * 1024

COMMAND_TIMEOUT: Final = 30.0  # seconds per case
BUILD_TIMEOUT: Final = 600.0
COMMAND_MAX_OUTPUT: Final = 16 * MIB  # bytes per stream
STREAM_WORKERS: Final = 1
HTTP_TIMEOUT: Final = 30.0  # seconds per request
HTTP_MAX_OUTPUT: Final = 64 * MIB  # bytes of body
START_TIMEOUT: Final = 30.0  # a service must be ready by then
STOP_TIMEOUT: Final = 5.0  # SIGTERM, then SIGKILL after this
CALIBRATION_REPEAT: Final = 3

# Where each default stands in the JSON Schema ($defs name or top-level key, then the key).
SCHEMA_DEFAULTS: Final[dict[tuple[str, str], float | int]] = {
    ("commandTarget", "timeout"): COMMAND_TIMEOUT,
    ("commandTarget", "build_timeout"): BUILD_TIMEOUT,
    ("commandTarget", "max_output"): COMMAND_MAX_OUTPUT,
    ("commandTarget", "workers"): STREAM_WORKERS,
    ("httpTarget", "timeout"): HTTP_TIMEOUT,
    ("httpTarget", "max_output"): HTTP_MAX_OUTPUT,
    ("service", "start_timeout"): START_TIMEOUT,
    ("service", "stop_timeout"): STOP_TIMEOUT,
    ("calibration", "repeat"): CALIBRATION_REPEAT,
}
