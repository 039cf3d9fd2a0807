"""Answers every POST with a ~1.5 MB `{"elapsed_ms": .., "rows": [...], "next": null}` body;
VARIANT 1 renames row 4321. `python3 rows_server.py PORT VARIANT`."""

import json
import random
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROWS = [{"id": i, "name": f"row-{i}", "ts": 1700000000 + i, "v": i * 1.5} for i in range(20_000)]
if sys.argv[2] == "1":
    ROWS[4321]["name"] = "renamed"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.dumps({"elapsed_ms": random.random(), "rows": ROWS, "next": None}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("listening on", sys.argv[1], flush=True)  # bound first: the line means ready
server.serve_forever()
