"""An HTTP service for the shard suite: POST /calc {"n": N} -> {"n", "double"}; variant `b`
answers 422 when N is a multiple of 4. GET /health answers 200. Loopback only. With
SHARD_SUITE_STARTS set, each start appends the variant to that file (which shards started it)."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, VARIANT = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send(200, {"ok": True})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        n = json.loads(self.rfile.read(length) or b"{}").get("n", 0)
        if VARIANT == "b" and n % 4 == 0:
            self._send(422, {"error": "multiple of four"})
        else:
            self._send(200, {"n": n, "double": 2 * n})

    def log_message(self, *args: object) -> None:
        pass


if os.environ.get("SHARD_SUITE_STARTS"):
    with open(os.environ["SHARD_SUITE_STARTS"], "a", encoding="utf-8") as starts:
        starts.write(VARIANT + "\n")
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
