"""A quote gateway for the recording tests: `python3 quote_server.py PORT VARIANT [LOG]`.

POST /v1/quote {"sku", "qty"} answers exact numbers (`19.90`, `1.0`, 9007199254740993) and a
`served_at` that changes on every request. VARIANT `v1` is the reference; `v2` prices B-2 at
21.00 (a deliberate change); `drift` answers `qty` as a string for C-3 (an accidental one).
LOG, when given, receives one JSON line per request with the headers it carried.
"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, VARIANT = int(sys.argv[1]), sys.argv[2]
LOG = sys.argv[3] if len(sys.argv) > 3 else None
PRICES = {"A-1": "19.90", "B-2": "5.00", "C-3": "1e2"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        data = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        if LOG:
            with open(LOG, "a", encoding="utf-8") as log:
                log.write(json.dumps({"path": self.path, "headers": dict(self.headers)}) + "\n")
        sku = data.get("sku")
        if sku not in PRICES:
            return self._send(404, '{"error": "unknown sku"}')
        price = "21.00" if VARIANT == "v2" and sku == "B-2" else PRICES[sku]
        qty = json.dumps(str(data["qty"]) if VARIANT == "drift" and sku == "C-3" else data["qty"])
        body = (
            f'{{"sku": {json.dumps(sku)}, "qty": {qty}, "price": {price}, "ratio": 1.0, '
            f'"order_id": 9007199254740993, "served_at": {time.time()!r}}}'
        )
        self._send(200, body)

    def _send(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print("listening on", PORT, flush=True)  # bound: connections are accepted from here on
server.serve_forever()
