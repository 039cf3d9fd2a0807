"""Answers every POST at once with the same ~9 MB JSON body; HEAD/GET /big announce a huge
Content-Length with no body (HEAD) or 304. `python3 big_json_server.py PORT [--compact]`:
`--compact` writes the same value without spaces (another runtime's encoding)."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEPARATORS = (",", ":") if "--compact" in sys.argv[2:] else (", ", ": ")
BIG = json.dumps(
    {"items": [{"id": i, "name": f"x{i}", "vals": [i, i + 0.5, "s"]} for i in range(200_000)]},
    separators=SEPARATORS,
).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BIG)))
        self.end_headers()
        self.wfile.write(BIG)

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "999999999")
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(304)
        self.send_header("Content-Length", "999999999")
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("listening on", sys.argv[1], flush=True)  # bound first: the line means ready
server.serve_forever()
