"""A well-behaved stdlib HTTP server with knobs for run-level faults.

Usage: slow_server.py PORT [--pid-file F] [--log-file F] [--delay S] [--exit-after N] [--squat]

Every request gets {"path": PATH, "body": BODY} (JSON). --delay sleeps before answering;
--log-file gets one line per request once it has been read (tests wait on it, not on time);
--exit-after N makes the process exit right after answering its Nth request: a service that
dies halfway through a run. --squat waits for PORT to be free and takes it: a process that
takes over the port of a service that died.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = argparse.Namespace()
LOCK = threading.Lock()
SEEN = {"requests": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/health":
            self.reply({"healthy": True})
            return
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def answer(self) -> None:
        # Read the body whatever the method: left unread, it would be taken for the next request.
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with LOCK:
            SEEN["requests"] += 1
            number = SEEN["requests"]
        if ARGS.log_file:
            with open(ARGS.log_file, "a") as log:
                log.write(f"{number} {self.path}\n")
        if ARGS.delay:
            time.sleep(ARGS.delay)
        self.reply({"path": self.path, "body": body.decode("utf-8", "replace")})
        if ARGS.exit_after and number >= ARGS.exit_after:
            self.wfile.flush()
            os._exit(0)

    def reply(self, value: object) -> None:
        data = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--pid-file")
    parser.add_argument("--log-file")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--exit-after", type=int, default=0)
    parser.add_argument("--squat", action="store_true")
    ARGS = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if ARGS.pid_file:
        with open(ARGS.pid_file, "w") as handle:
            handle.write(str(os.getpid()))
    server = bind(ARGS.port, ARGS.squat)
    server.daemon_threads = True
    print(f"listening on {ARGS.port}", flush=True)
    server.serve_forever()


def bind(port: int, squat: bool) -> ThreadingHTTPServer:
    while True:
        try:
            return ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            if not squat or exc.errno != errno.EADDRINUSE:
                raise
            time.sleep(0.01)


if __name__ == "__main__":
    main()
