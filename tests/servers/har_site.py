# ruff: noqa: E501  (PAGE is the page Chromium loaded, byte for byte)
"""The site the HAR tests replay: `python3 har_site.py PORT [LOG]`.

It served tests/e2e/har/chromium.har when Chromium recorded it (scripts/record_browser_har.py)
and answers the paths of the HAR 1.2 spec's examples (tests/e2e/har/spec_examples.har) with the
spec's own bodies. LOG, when given, receives one JSON line per request: method, path, headers
and body as received.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT = int(sys.argv[1])
LOG = sys.argv[2] if len(sys.argv) > 2 else None
PAGE = b"""<!doctype html><html><head><title>har probe</title></head><body><p>probe</p>
<script>
async function go() {
  await fetch('/api/items?limit=2&sort=name', {headers: {'Authorization': 'Bearer s3cr3t-token-123'}});
  await fetch('/api/echo', {method: 'POST', headers: {'Content-Type': 'application/json'},
                            body: JSON.stringify({n: 9007199254740993, ok: true, who: "caf\\u00e9"})});
  await fetch('/api/missing');
  document.title = 'done';
}
go();
</script></body></html>"""
# The HAR 1.2 spec's `content` examples: the base64 one decodes to these bytes (with a
# backslash and an n, as the spec wrote them), the plain one is a newline.
SPEC_PAGE = b"<html><head></head><body/></html>\\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _log(self, body: bytes) -> None:
        if LOG:
            entry = {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers),
                "body": body.decode("utf-8", "replace"),
            }
            with open(LOG, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._log(b"")
        url = urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            return self._send(200, PAGE, "text/html; charset=utf-8")
        if url.path == "/path/":
            return self._send(200, SPEC_PAGE, "text/html; charset=utf-8")
        if url.path == "/api/items":
            limit = int(parse_qs(url.query).get("limit", ["3"])[0])
            items = [{"id": i, "price": 1.0} for i in range(limit)]
            return self._send(200, json.dumps({"items": items}).encode())
        return self._send(404, b'{"error": "not found"}')

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._log(data)
        if self.path == "/path/":
            return self._send(200, b"\n", "text/html; charset=utf-8")
        return self._send(201, b'{"echo": ' + data + b"}")


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print("listening on", PORT, flush=True)
server.serve_forever()
