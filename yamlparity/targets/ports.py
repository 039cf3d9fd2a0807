"""Loopback ports for HTTP targets: pick a free one, and put it into `${port}` placeholders."""

from __future__ import annotations

import socket

PORT_PLACEHOLDER = "${port}"


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS reports free on `host` right now.

    There is a small race: the socket is closed before the server binds the port, so another
    process may take it in between. The service then fails to start and the target is reported
    unavailable with the server's log, which names the clash; we accept that over holding the
    socket open (the server is a separate process and cannot inherit it portably).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


def substitute_port(text: str, port: int) -> str:
    """Replace every `${port}` in `text` with the port number."""
    return text.replace(PORT_PLACEHOLDER, str(port))
