"""An HTTP server with real noise: a per-process request counter, uuid4 ids, the clock.

`python noisy_server.py PORT [FLAVOR]`. GET /item/<n> answers the item; POST /items creates
one (a side effect: the counter moves). /health answers 200.
"""

from __future__ import annotations

import datetime
import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"served": 0, "created": 0}
FLAVOR = sys.argv[2] if len(sys.argv) > 2 else "a"


def served() -> int:
    with LOCK:
        STATE["served"] += 1
        return STATE["served"]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, {"ok": True})
            return
        item = self.path.rsplit("/", 1)[-1]
        self._send(
            200,
            {
                "item": item,
                "served": served(),
                "request_id": str(uuid.uuid4()),
                "at": datetime.datetime.now(datetime.UTC).isoformat(),
                "owner": {"id": f"{FLAVOR}-{item}"},
            },
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        with LOCK:
            STATE["created"] += 1
            created = STATE["created"]
        self._send(201, {"created": created, "name": body.get("name")})


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
