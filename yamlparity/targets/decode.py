"""Content codings of an HTTP body (`compressed: true`), undone as the body arrives.

libcurl's own decoders take a gzip stream with no trailer (Go's `gz.Flush()` without
`Close()`), a deflate stream with no final block, or a brotli stream cut short, and hand over
the prefix as if it were the whole body. yamlparity asks libcurl for the bytes as sent and
decodes them here, so a stream that does not reach its end is an ERROR naming the problem:
gzip and deflate with zlib, brotli with the libbrotlidec that libcurl itself links (found
beside it, or on the system; without one, libcurl decodes as before: `own_decoding()`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import os
import zlib
from typing import Protocol

import pycurl

__all__ = ["BodyDecoder", "own_decoding"]


class _Stage(Protocol):
    def feed(self, data: bytes) -> bytes: ...

    def end(self) -> bytes: ...


class _Zlib:
    """gzip (one member, as libcurl accepts) or deflate (zlib-wrapped, else raw, as libcurl
    reads it): the stream must reach its end, and nothing may follow it."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.received = 0
        self._inflate: zlib._Decompress | None = None
        self._first = b""  # deflate: a first lone byte, until the next tells zlib from raw

    def _start(self, data: bytes) -> zlib._Decompress:
        if self.coding != "deflate":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # RFC 9110 8.4.1.2 says zlib-wrapped; servers send raw deflate too (libcurl takes both).
        wrapped = len(data) >= 2 and (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> bytes:
        if self._inflate is None:
            data = self._first + data
            if self.coding == "deflate" and len(data) < 2:
                self._first = data
                return b""
            self._first = b""
            self._inflate = self._start(data)
        return self._inflated(self._inflate, data)

    def _inflated(self, inflate: zlib._Decompress, data: bytes) -> bytes:
        if inflate.eof:
            raise ValueError(f"{len(data)} bytes after the end of the {self.coding} stream")
        self.received += len(data)
        try:
            out = inflate.decompress(data)
        except zlib.error as exc:
            raise ValueError(f"invalid {self.coding} data: {exc}") from None
        if inflate.unused_data:
            extra = len(inflate.unused_data)
            second = " (a second gzip member?)" if self.coding != "deflate" else ""
            raise ValueError(f"{extra} bytes after the end of the {self.coding} stream{second}")
        return out

    def end(self) -> bytes:
        out = b""
        if self._inflate is None and self._first:  # a deflate body of one byte
            first, self._first = self._first, b""
            self._inflate = self._start(first)
            out = self._inflated(self._inflate, first)
        inflate = self._inflate
        if inflate is None or inflate.eof:
            return out
        raise ValueError(
            f"the {self.coding} stream does not end (cut short, or never finished: "
            f"{_ENDS[self.coding]}) after {self.received} bytes"
        )


# What a finished stream ends with, for the reason a report shows.
_ENDS = {
    "gzip": "no final block or no CRC/length trailer",
    "deflate": "no final block",
    "br": "no last meta-block",
}


class _Brotli:
    """brotli through libbrotlidec's streaming API."""

    _OUT = 1 << 16

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        self.state = lib.BrotliDecoderCreateInstance(None, None, None)
        if not self.state:
            raise ValueError("cannot start a brotli decoder")
        self.received = 0
        self.done = False

    def __del__(self) -> None:
        if getattr(self, "state", None):
            self.lib.BrotliDecoderDestroyInstance(self.state)
            self.state = None

    def feed(self, data: bytes) -> bytes:
        if self.done:
            raise ValueError(f"{len(data)} bytes after the end of the br stream")
        self.received += len(data)
        source = ctypes.create_string_buffer(data, len(data))
        avail_in = ctypes.c_size_t(len(data))
        next_in = ctypes.c_void_p(ctypes.addressof(source))
        out = bytearray()
        sink = ctypes.create_string_buffer(self._OUT)
        while True:
            avail_out = ctypes.c_size_t(self._OUT)
            next_out = ctypes.c_void_p(ctypes.addressof(sink))
            result = self.lib.BrotliDecoderDecompressStream(
                self.state,
                ctypes.byref(avail_in),
                ctypes.byref(next_in),
                ctypes.byref(avail_out),
                ctypes.byref(next_out),
                None,
            )
            out += sink.raw[: self._OUT - avail_out.value]
            if result == 0:  # BROTLI_DECODER_RESULT_ERROR
                raise ValueError("invalid br data")
            if result == 1:  # SUCCESS: the stream ended
                self.done = True
                if avail_in.value:
                    raise ValueError(f"{avail_in.value} bytes after the end of the br stream")
                return bytes(out)
            if result == 2:  # NEEDS_MORE_INPUT
                return bytes(out)
            # 3: NEEDS_MORE_OUTPUT: go round again

    def end(self) -> bytes:
        if self.done:
            return b""
        raise ValueError(
            f"the br stream does not end (cut short, or never finished: {_ENDS['br']}) "
            f"after {self.received} bytes"
        )


class _Identity:
    def feed(self, data: bytes) -> bytes:
        return data

    def end(self) -> bytes:
        return b""


class BodyDecoder:
    """The body's codings, undone last first (`Content-Encoding: gzip, br` is br of gzip)."""

    def __init__(self, content_encoding: str) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        self.stages: list[_Stage] = [_stage(coding) for coding in reversed(codings)]

    def feed(self, data: bytes) -> bytes:
        for stage in self.stages:
            data = stage.feed(data)
            if not data:
                break
        return data

    def end(self) -> bytes:
        """What the streams still held; ValueError when one of them did not reach its end."""
        tail = b""
        for stage in self.stages:
            tail = stage.feed(tail) if tail else b""
            tail += stage.end()
        return tail


def _stage(coding: str) -> _Stage:
    if coding in ("gzip", "x-gzip"):
        return _Zlib("gzip")
    if coding == "deflate":
        return _Zlib("deflate")
    if coding == "br" and _brotli() is not None:
        lib = _brotli()
        assert lib is not None
        return _Brotli(lib)
    if coding == "identity":
        return _Identity()
    raise ValueError(f"Unrecognized content encoding type {coding!r}")


_BROTLI: list[ctypes.CDLL | None] = []


def _brotli() -> ctypes.CDLL | None:
    """libbrotlidec: the one bundled with pycurl's libcurl, else the system's; None if neither."""
    if _BROTLI:
        return _BROTLI[0]
    found: ctypes.CDLL | None = None
    here = os.path.dirname(os.path.dirname(os.path.abspath(pycurl.__file__)))
    candidates = sorted(glob.glob(os.path.join(here, "pycurl*libs", "libbrotlidec*")))
    system = ctypes.util.find_library("brotlidec")
    for path in [*candidates, *([system] if system else [])]:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        lib.BrotliDecoderCreateInstance.restype = ctypes.c_void_p
        lib.BrotliDecoderCreateInstance.argtypes = [ctypes.c_void_p] * 3
        lib.BrotliDecoderDestroyInstance.argtypes = [ctypes.c_void_p]
        lib.BrotliDecoderDecompressStream.restype = ctypes.c_int
        lib.BrotliDecoderDecompressStream.argtypes = [ctypes.c_void_p] * 6
        found = lib
        break
    _BROTLI.append(found)
    return found


@functools.cache
def own_decoding() -> bool:
    """Whether yamlparity decodes bodies itself: libcurl asks for every coding it was built
    with, so each must be one decoded here — `br` needs a brotli decoder (pycurl's wheels
    bundle one), and a libcurl built with zstd leaves the decoding to libcurl."""
    version = pycurl.version.lower()
    if "zstd" in version:
        return False
    return "brotli" not in version or _brotli() is not None
