"""A hostile HTTP service: `python3 hostile_server.py PORT [daemon PIDFILE]`.

It echoes the request's Authorization header and query string in its JSON answer, sets a
fresh session cookie on every answer (a credential header compared as a facet), writes
terminal escape sequences to its log, and with `daemon PIDFILE` first leaves a double-forked,
setsid()ed child behind (its pid in PIDFILE), as a service that daemonizes a worker would.
With `drip`, GET /health answers one byte of head every 0.2 s, without end.
"""

import json
import os
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def daemonize_a_worker(pid_file: str) -> None:
    """Double fork + setsid: the worker leaves the service's process group and session."""
    if os.fork() != 0:
        return
    os.setsid()
    if os.fork() == 0:
        with open(pid_file, "w") as handle:
            handle.write(str(os.getpid()))
        for fd in (0, 1, 2):
            os.dup2(os.open(os.devnull, os.O_RDWR), fd)
        time.sleep(600)
    os._exit(0)


port = int(sys.argv[1])
DRIP = len(sys.argv) > 2 and sys.argv[2] == "drip"
if len(sys.argv) > 3 and sys.argv[2] == "daemon":
    daemonize_a_worker(sys.argv[3])


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write("\x1b[31mrequest\x1b[0m\n")

    def do_GET(self) -> None:
        if DRIP and self.path == "/health":
            self.drip()
            return
        self.answer()

    def drip(self) -> None:
        """A head that never ends: one byte every 0.2 s (a readiness probe must give up)."""
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(3000):
            self.wfile.write(b"X")
            self.wfile.flush()
            time.sleep(0.2)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.answer()

    def answer(self) -> None:
        body = json.dumps(
            {"auth": self.headers.get("authorization"), "path": self.path, "pid": os.getpid()}
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("set-cookie", f"session={secrets.token_hex(16)}; HttpOnly")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("listening", flush=True)
server.serve_forever()
