"""The HTTP side of the mixed-kinds tests: `python3 sum_server.py PORT`.

POST /sum answers what tests/programs/sum_cli.py prints (with `"served_by": "http"`), except
`greet` ("Hello", capitalised), `strict` (422) and `{"crash": "http"}` (500). Any other method or
path: 404. GET /health: 200 (readiness).
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._send(200 if self.path == "/health" else 404, '{"error": "not found"}')

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path != "/sum":
            return self._send(404, '{"error": "not found"}')
        data = json.loads(raw)
        if data.get("crash") == "http":
            return self._send(500, '{"error": "internal"}')
        if data.get("crash") == "cli":
            return self._send(200, '{"sum": 0}')  # the command side crashes on this one
        if data.get("bad"):
            return self._send(400, json.dumps({"error": "bad input"}))
        if data.get("strict"):
            return self._send(422, json.dumps({"ok": True}))
        if "greet" in data:
            return self._send(200, json.dumps({"greeting": f"Hello {data['greet']}"}))
        self._send(200, json.dumps({"sum": data["a"] + data["b"], "served_by": "http"}))

    def _send(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print("listening on", PORT, flush=True)
server.serve_forever()
