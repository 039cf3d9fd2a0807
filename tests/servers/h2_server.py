"""A tiny HTTP/2 JSON echo server on the `h2` library, for the `http_version` tests.

`python h2_server.py PORT [--tls CERT KEY]`: cleartext HTTP/2 with prior knowledge (h2c, no
Upgrade), or HTTP/2 over TLS chosen by ALPN. Every request on a stream is answered with
`{"method", "path", "http": "2", "body"}`. Prints "listening on PORT" once it accepts.
Runs until stopped, or for LIFETIME seconds at most.
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
import threading
import time

import h2.config
import h2.connection
import h2.events

LIFETIME = 120.0


def serve_connection(sock: socket.socket) -> None:
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    streams: dict[int, dict[str, object]] = {}
    sock.settimeout(10)
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            return
        if not data:
            return
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                headers = {k.decode(): v.decode() for k, v in event.headers}
                streams[event.stream_id] = {"headers": headers, "body": b""}
            elif isinstance(event, h2.events.DataReceived):
                stream = streams.get(event.stream_id)
                if stream is not None:
                    stream["body"] = stream["body"] + event.data  # type: ignore[operator]
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                answer(conn, event.stream_id, streams.pop(event.stream_id))
        out = conn.data_to_send()
        if out:
            sock.sendall(out)


def answer(conn: h2.connection.H2Connection, stream_id: int, stream: dict[str, object]) -> None:
    headers = stream["headers"]
    assert isinstance(headers, dict)
    raw = stream["body"]
    assert isinstance(raw, bytes)
    body = json.dumps(
        {
            "method": headers.get(":method"),
            "path": headers.get(":path"),
            "http": "2",
            "body": raw.decode("utf-8", "replace"),
        }
    ).encode()
    conn.send_headers(
        stream_id,
        [
            (":status", "200"),
            ("content-type", "application/json"),
            ("content-length", str(len(body))),
        ],
    )
    conn.send_data(stream_id, body, end_stream=True)


def main() -> None:
    port = int(sys.argv[1])
    context = None
    if len(sys.argv) > 2 and sys.argv[2] == "--tls":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        context.set_alpn_protocols(["h2"])
    listener = socket.create_server(("127.0.0.1", port))
    listener.settimeout(0.5)
    print(f"listening on {listener.getsockname()[1]}", flush=True)
    deadline = time.monotonic() + LIFETIME  # never outlives a test run
    while time.monotonic() < deadline:
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            continue
        sock.settimeout(None)
        if context is not None:
            try:
                sock = context.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError):
                sock.close()
                continue
        threading.Thread(target=serve_connection, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
