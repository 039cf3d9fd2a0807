"""A stdlib HTTP server that misbehaves on request, for the HTTP adapter and service tests.

Usage: fault_server.py PORT [--listen-delay S] [--unhealthy-for S] [--spawn-grandchild]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STARTED = time.monotonic()
UNHEALTHY_FOR = 0.0
COUNTS = {"connections": 0, "drops": 0}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse can be counted
    # Headers and body go out in two writes; with Nagle on, the second waits ~40 ms for an ACK.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        with LOCK:  # one handler instance per TCP connection
            COUNTS["connections"] += 1

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/health":
            healthy = time.monotonic() - STARTED >= UNHEALTHY_FOR
            self.reply(200 if healthy else 503, {"healthy": healthy})
        elif path == "/count":
            with LOCK:
                self.reply(200, dict(COUNTS))
        elif path == "/sleep":
            time.sleep(float(query.get("s", "5")))
            self.reply(200, {"slept": True})
        elif path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self.reply(code, {"status": code})
        elif path == "/big":
            self.raw(200, b"x" * int(query["n"]))
        elif path == "/bigchunked":
            self.chunked(int(query["n"]))
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/echo")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/drop":
            self.drop()
        elif path == "/exit":
            print(f"exiting with {query['code']} as asked", flush=True)
            os._exit(int(query["code"]))
        else:
            self.echo()

    def do_POST(self) -> None:
        if self.path == "/drop":
            self.drop()
            return
        self.echo()

    def drop(self) -> None:
        """Count the request, then close without any answer: the client sees a closed socket."""
        with LOCK:
            COUNTS["drops"] += 1
        self.read_body()
        self.close_connection = True

    def echo(self) -> None:
        body = self.read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.reply(
            200,
            {
                "method": self.command,
                "path": self.path,
                "headers": headers,
                "body": body.decode("utf-8", "replace"),
            },
        )

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status: int, value: object) -> None:
        self.raw(status, json.dumps(value).encode(), "application/json")

    def raw(self, status: int, body: bytes, ctype: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def chunked(self, total: int) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        left = total
        while left:
            n = min(left, 8192)
            self.wfile.write(b"%x\r\n%s\r\n" % (n, b"y" * n))
            left -= n
        self.wfile.write(b"0\r\n\r\n")


def spawn_grandchild() -> None:
    """A child that ignores SIGTERM, so only a group SIGKILL ends it."""
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"
    child = subprocess.Popen([sys.executable, "-c", code])
    print(f"grandchild {child.pid}", flush=True)


def main() -> None:
    global UNHEALTHY_FOR
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--listen-delay", type=float, default=0.0)
    parser.add_argument("--unhealthy-for", type=float, default=0.0)
    parser.add_argument("--spawn-grandchild", action="store_true")
    args = parser.parse_args()
    UNHEALTHY_FOR = args.unhealthy_for
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.spawn_grandchild:
        spawn_grandchild()
    time.sleep(args.listen_delay)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"listening on {args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
