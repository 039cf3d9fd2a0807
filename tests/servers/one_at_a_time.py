"""An HTTP service with one thread: `one_at_a_time.py PORT [--delay S] [--close]`.

http.server's plain HTTPServer serves one connection at a time. By default it keeps
connections alive (HTTP/1.1): one client holds the only thread while it stays connected, so
a second connection waits for the first to close. `--close` answers HTTP/1.0 and closes each
connection, so requests queue and are served one after another. `--delay S` sleeps before
each POST's answer. POST echoes its body as JSON; GET answers `ok`.
"""

from __future__ import annotations

import argparse
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

ARGS = argparse.Namespace()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._send(b"ok")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        time.sleep(ARGS.delay)
        self._send(body)

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--close", action="store_true")
    parser.parse_args(namespace=ARGS)
    Handler.protocol_version = "HTTP/1.0" if ARGS.close else "HTTP/1.1"
    server = HTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.request_queue_size = 64
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
