"""Readings formatter, Python: one JSON reading per line in, the formatted reading out.

Stream mode (docs/stream-mode.md): one line in, one line out, flushed. `json` keeps every
digit of an integer, writes a float as a float (`1.0`, `1e+16`, `-0.0`).
"""

import json
import sys

for line in sys.stdin:
    reading = json.loads(line)
    values = reading["values"]
    formatted = {"id": reading["id"], "values": values, "count": len(values)}
    sys.stdout.write(json.dumps(formatted) + "\n")
    sys.stdout.flush()
