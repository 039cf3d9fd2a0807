"""What the libcurl under pycurl can do: read once, asked by the loader (a spec that needs a
feature this build lacks is refused at its line) and by the HTTP targets."""

from __future__ import annotations

from functools import lru_cache

import pycurl

__all__ = ["has_feature", "libcurl_version", "missing_for"]

_FLAGS = {
    "http2": "VERSION_HTTP2",
    "http3": "VERSION_HTTP3",
    "brotli": "VERSION_BROTLI",
    "zstd": "VERSION_ZSTD",
    "unix_socket": "VERSION_UNIX_SOCKETS",
    "libz": "VERSION_LIBZ",
}
# http_version -> the feature it needs
_VERSION_NEEDS = {"2": "http2", "2-prior-knowledge": "http2", "3": "http3"}


@lru_cache(maxsize=1)
def _features() -> int:
    return int(pycurl.version_info()[4])


def has_feature(name: str) -> bool:
    """Whether this libcurl was built with `name` (http2, http3, brotli, zstd, unix_socket)."""
    return bool(_features() & getattr(pycurl, _FLAGS[name], 0))


def libcurl_version() -> str:
    """`PycURL/7.x libcurl/8.x OpenSSL/... nghttp2/...`: what a report names."""
    return str(pycurl.version)


def missing_for(http_version: str | None = None, unix_socket: bool = False) -> str | None:
    """What this libcurl lacks for these options, in words; None when it has it all."""
    need = _VERSION_NEEDS.get(http_version or "")
    if need is not None and not has_feature(need):
        return (
            f"http_version {http_version} needs a libcurl built with {need.upper()}; this one "
            f"is {libcurl_version()}"
        )
    if unix_socket and not has_feature("unix_socket"):
        return (
            f"unix_socket needs a libcurl with Unix socket support; this one is {libcurl_version()}"
        )
    return None
