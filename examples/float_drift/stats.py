"""Latency summary, Python runtime: {"id", "samples_ms": [...]} on stdin -> summary JSON."""

import json
import sys

payload = json.load(sys.stdin)
samples = payload["samples_ms"]
summary = {
    "id": payload["id"],  # Python keeps every digit of a 64-bit id
    "count": len(samples),
    "mean_ms": sum(samples) / len(samples),  # a float: 2.0 is written "2.0"
    "max_ms": max(samples),
    "tags": payload.get("tags", []),
}
json.dump(summary, sys.stdout)
