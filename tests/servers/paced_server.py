"""The HTTP twin of tests/programs/paced_helper.py: `paced_server.py PORT`.

`POST /NAME` with {"n": N, "plan": {NAME: {...}}} follows the entry under NAME (none: answer at
once): "sleep" seconds first, "exit" answers 200 with an empty body (this target's failure:
no answer to compare), "value" answers it instead of "ok". The answer is {"n": N, "value": ...}.
`GET /health` answers 200. The server stops when its stdin closes (its test ended, however).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.reply(b'{"healthy": true}')

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        plan = request.get("plan", {}).get(self.path.strip("/"), {})
        time.sleep(plan.get("sleep", 0))
        if "exit" in plan:
            self.reply(b"")
            return
        answer = {"n": request.get("n"), "value": plan.get("value", "ok")}
        self.reply(json.dumps(answer).encode())

    def reply(self, body: bytes) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (a timeout): nothing to answer


class Server(ThreadingHTTPServer):
    # The default backlog (5) drops connections past it when dozens of cases open at once,
    # and a dropped SYN is retried only after 1 s: a "slow" answer the target never gave.
    request_queue_size = 128
    daemon_threads = True


def main() -> None:
    server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("listening", flush=True)
    sys.stdin.read()  # returns when the test closes our stdin or dies
    server.shutdown()


if __name__ == "__main__":
    main()
