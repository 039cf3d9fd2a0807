"""Answers every POST at once with the same ~9 MB JSON body; HEAD/GET /big announce a huge
Content-Length with no body (HEAD) or 304. `python3 big_json_server.py PORT [--compact]
[--bodiless]`: `--compact` writes the same value without spaces (another runtime's encoding);
`--bodiless` serves HEAD and GET only (no body is prepared, a POST is refused with 501)."""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMA, COLON = (",", ":") if "--compact" in sys.argv[2:] else (", ", ": ")


def big() -> bytes:
    """json.dumps({"items": [{"id": i, "name": f"x{i}", "vals": [i, i + 0.5, "s"]} for i in
    range(200_000)]}, separators=(COMMA, COLON)), byte for byte (`i + 0.5` is written `{i}.5`
    for every i here), spelled out: a fifth of the CPU of building the objects and dumping
    them (~0.1 s against ~0.5 s a start)."""
    items = COMMA.join(
        f'{{"id"{COLON}{i}{COMMA}"name"{COLON}"x{i}"{COMMA}"vals"{COLON}[{i}{COMMA}{i}.5{COMMA}"s"]}}'
        for i in range(200_000)
    )
    return f'{{"items"{COLON}[{items}]}}'.encode()


BIG = None if "--bodiless" in sys.argv[2:] else big()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if BIG is None:
            self.send_error(501, "started with --bodiless")
            return
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
