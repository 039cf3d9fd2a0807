"""Validator service, Python runtime: POST /v1/validate, GET /health (standard library only).

Errors are written the way serde writes an externally tagged enum:
    {"Schema": {"field": "fingerprint", "reason": "missing"}}
The Node runtime (server.js) applies the SAME rules in the SAME order but writes its errors flat:
    {"Kind": "schema", "Field": "fingerprint", "Reason": "missing"}

Usage: python3 server.py PORT      (prints "listening on PORT" once it accepts connections)
"""

from __future__ import annotations

import json
import re
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeGuard

# Who may be placed, by candidate id (the `fill` rules check against it).
ROSTER = {"W-1": "Ada Byrne", "W-2": "Bo Lindqvist", "W-3": "Cy Okafor"}
# "fill: ROLE xN in CITY" — ASCII digits only, and no `.` (JS and Python disagree on it).
OPERATION = re.compile(r"^fill: ([^\n]+) x([0-9]+) in ([^\n]+)$")

Error = tuple[str, str, str]  # (kind, field, reason); kind is schema|consistency|completeness


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


def validate_playbook(artifact: dict[str, Any]) -> list[Error]:
    errors: list[Error] = []
    operation = artifact.get("operation")
    names = artifact.get("endorsed_names")
    if "operation" not in artifact:
        errors.append(("schema", "operation", "missing"))
    elif not is_text(operation):
        errors.append(("schema", "operation", "must be a non-empty string"))
    if "fingerprint" not in artifact:
        errors.append(("schema", "fingerprint", "missing"))
    elif not is_text(artifact["fingerprint"]):
        errors.append(("schema", "fingerprint", "must be a non-empty string"))
    if "endorsed_names" not in artifact:
        errors.append(("schema", "endorsed_names", "missing"))
    elif not isinstance(names, list) or not all(is_text(n) for n in names):
        errors.append(("schema", "endorsed_names", "must be a list of non-empty strings"))
        names = None
    count = artifact.get("target_count")
    if "target_count" in artifact and (not is_int(count) or count < 1):
        errors.append(("schema", "target_count", "must be a positive integer"))
        count = None
    wanted = None
    if is_text(operation):
        match = OPERATION.match(operation)
        if not operation.startswith("fill:"):
            errors.append(("consistency", "operation", "only fill operations are supported"))
        elif match is None:
            errors.append(("schema", "operation", "expected 'fill: ROLE xN in CITY'"))
        else:
            wanted = int(match.group(2))
    if is_int(count) and wanted is not None and count != wanted:
        errors.append(
            ("consistency", "target_count", f"is {count} but the operation asks {wanted}")
        )
    limit = count if is_int(count) else wanted
    if isinstance(names, list):
        if not names:
            errors.append(("completeness", "endorsed_names", "empty"))
        elif limit is not None and len(names) > limit:
            errors.append(
                ("consistency", "endorsed_names", f"more names than slots ({len(names)} > {limit})")
            )
        elif limit is not None and len(names) < limit:
            errors.append(
                (
                    "completeness",
                    "endorsed_names",
                    f"fewer names than slots ({len(names)} < {limit})",
                )
            )
        if len(set(names)) != len(names):
            errors.append(("consistency", "endorsed_names", "duplicate names"))
    return errors


def validate_fill(artifact: dict[str, Any], context: Any) -> list[Error]:
    errors: list[Error] = []
    fills = artifact.get("fills")
    if not isinstance(fills, list):
        errors.append(
            ("schema", "fills", "missing" if "fills" not in artifact else "must be a list")
        )
        fills = []
    for i, fill in enumerate(fills):
        where = f"fills[{i}]"
        if not isinstance(fill, dict):
            errors.append(("schema", where, "must be an object"))
            continue
        cid, name = fill.get("candidate_id"), fill.get("name")
        if not is_text(cid):
            errors.append(("schema", f"{where}.candidate_id", "missing"))
        elif cid not in ROSTER:
            errors.append(("consistency", f"{where}.candidate_id", f"unknown candidate {cid}"))
        elif name != ROSTER[cid]:
            errors.append(("consistency", f"{where}.name", f"does not match candidate {cid}"))
    if context is None:
        errors.append(("completeness", "context", "missing"))
    elif not isinstance(context, dict):
        errors.append(("schema", "context", "must be an object"))
    else:
        count = context.get("target_count")
        if not is_int(count) or count < 1:
            errors.append(("schema", "context.target_count", "must be a positive integer"))
        elif len(fills) != count:
            errors.append(("completeness", "fills", f"{len(fills)} fills for target_count {count}"))
        for key in ("city", "client_id"):
            if not is_text(context.get(key)):
                errors.append(("schema", f"context.{key}", "missing"))
    return errors


def validate(request: Any) -> list[Error]:
    if not isinstance(request, dict):
        return [("schema", "request", "must be an object")]
    kind, artifact = request.get("kind"), request.get("artifact")
    if kind not in ("playbook", "fill"):
        return [("schema", "kind", "must be playbook or fill")]
    if not isinstance(artifact, dict):
        return [("schema", "artifact", "must be an object")]
    if kind == "playbook":
        return validate_playbook(artifact)
    return validate_fill(artifact, request.get("context"))


def reject_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (JSON.parse refuses them too)."""
    raise ValueError(name)


def wire(error: Error) -> dict[str, Any]:
    """serde's externally tagged enum: {"Variant": {fields...}}."""
    kind, field, reason = error
    return {kind.capitalize(): {"field": field, "reason": reason}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the second waits ~40 ms for an ACK.
    disable_nagle_algorithm = True
    server_version = "validator-py/1.0"

    def log_message(self, format: str, *args: object) -> None:
        pass  # a line per request would swamp the service log that yamlparity keeps

    def do_GET(self) -> None:
        if self.path == "/health":
            self.reply(200, {"status": "ok"})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        started = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path != "/v1/validate":
            self.reply(404, {"error": "not found"})
            return
        try:
            request = json.loads(raw, parse_constant=reject_constant)
        except ValueError:
            self.answer(400, [("schema", "body", "invalid JSON")], started)
            return
        errors = validate(request)
        self.answer(422 if errors else 200, errors, started)

    def answer(self, status: int, errors: list[Error], started: float) -> None:
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        body = {"ok": not errors, "errors": [wire(e) for e in errors], "elapsed_ms": elapsed_ms}
        self.reply(status, body)

    def reply(self, status: int, value: Any) -> None:
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    port = int(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening on {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
