"""What the HTTP adapter asks of libcurl, said once for both sides: the header lines it adds
so libcurl adds none of its own, and the curl flags that ask the same (for reproducers).

Pure: no libcurl here, so the reproducer can use it without starting anything.
"""

from __future__ import annotations

import re

__all__ = [
    "HTTP_VERSION_FLAGS",
    "implicit_headers",
    "needs_globoff",
    "needs_path_as_is",
]

# `http_version:` -> curl's flag for the same libcurl setting.
HTTP_VERSION_FLAGS = {
    "1.1": "--http1.1",
    "2": "--http2",
    "2-prior-knowledge": "--http2-prior-knowledge",
    "3": "--http3",
}
_DOT_SEGMENT = re.compile(r"(?:^|/)\.{1,2}(?:/|\?|$)")


def implicit_headers(names: set[str], has_body: bool, compressed: bool) -> list[str]:
    """The lines added to a request whose own headers are `names` (lower case):

    - `User-Agent:` — none unless the case sends one (pycurl would name itself, curl too);
    - `Expect:` — libcurl would send `Expect: 100-continue` before a large body, and a
      server that never answers 100 would cost a second per request;
    - `Content-Type:` — libcurl would label a body `application/x-www-form-urlencoded`;
    - `Accept-Encoding: identity` unless `compressed: true` (libcurl then sends the codings it
      decodes) — bodies are compared as they came, and asked for uncompressed.
    (`Name:` removes a header libcurl would add; the curl tool reads `-H 'Name:'` the same.)
    """
    extra: list[str] = []
    if "user-agent" not in names:
        extra.append("User-Agent:")
    if "expect" not in names:
        extra.append("Expect:")
    if has_body and "content-type" not in names:
        extra.append("Content-Type:")
    if not compressed and "accept-encoding" not in names:
        extra.append("Accept-Encoding: identity")
    return extra


def needs_path_as_is(path: str) -> bool:
    """A `.` or `..` segment, which curl would squash unless told --path-as-is (libcurl here
    always sends the path as written)."""
    return _DOT_SEGMENT.search(path.split("?", 1)[0]) is not None


def needs_globoff(url: str) -> bool:
    """`[` or `]`, which the curl tool reads as a glob pattern unless told -g."""
    return "[" in url or "]" in url
