"""Redaction: secret values never leave the process, in any form a program may write them.

A `Redactor` knows a set of secret values and replaces every occurrence with `***`. It matches
each secret character by character, where each character may appear in any encoding a target
or a report may give it: raw; JSON-escaped by any runtime (`\\"`, `\\/`, `\\u0026`, `\\u00E9`,
surrogate pairs, nested JSON's doubled backslashes); URL-encoded (`%2F`, `%c3%a9`, `+` for a
space, double-encoded `%252F`); shell-quoted (`'"'"'`, `'\\''`, `\\$`, `$'\\x27'`); HTML/XML
references (`&#38;`, `&#x26;`, `&amp;`). Any mix of those forms within one secret is found too.
Base64 (a Basic credential that holds a secret) is matched at each of its three alignments and
the whole base64 word is masked.

`BOUNDARY` is the process-wide set of every secret loaded so far (the loader adds each spec's):
everything that leaves the process passes through it once, where it leaves: the CLI's terminal
streams (`RedactingStream`), every file written (`StreamRedactor`, in core.atomic) and every
file name made from spec data. Text that is cut (an excerpt, a log tail) must be masked before
the cut, or half a secret would pass: `cut()` masks, then cuts.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import io
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from yamlparity.core.jsonvalue import JSON, Number, RawJson

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

__all__ = [
    "BOUNDARY",
    "MASK",
    "MIN_SECRET_LENGTH",
    "SENSITIVE_HEADERS",
    "Boundary",
    "RedactingStream",
    "Redactor",
    "StreamRedactor",
    "credential_like",
    "cut",
    "fingerprint",
    "redact_headers",
    "redacted_terminal",
]

MASK = "***"
# The one list of credential headers for the whole project: the loader's checks, the
# reproducers, the facet masking and the Redactor all read it from here.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
# Shorter values would turn ordinary text into *** (the loader refuses such secrets).
MIN_SECRET_LENGTH = 4
# Names whose values are credentials: `--token=X`, `--password X`, `GITHUB_TOKEN`. A URL's
# query parameters also count `key`, `sig` and `signature` (`?key=...` API keys, signed URLs).
_CREDENTIAL_NAME = re.compile(r"token|secret|passw|pwd|api[-_]?key|credential", re.IGNORECASE)
_QUERY_CREDENTIAL = re.compile(r"(?:^|[-_])(?:key|sig|signature)$", re.IGNORECASE)

T = TypeVar("T")

_MAX_BACKSLASHES = 8  # JSON in JSON in JSON...: each level doubles the backslashes
_SHORT_ESCAPES = {"\n": "n", "\t": "t", "\r": "r", "\b": "b", "\f": "f", "\v": "v", "\a": "a"}
_NAMED_ENTITIES = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "(?:apos|#39)"}
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")


def credential_like(name: str, *, query: bool = False) -> bool:
    """A header, flag or variable name (with `query`, a URL query parameter) that says its
    value is a credential."""
    if name.lower() in SENSITIVE_HEADERS or _CREDENTIAL_NAME.search(name):
        return True
    return query and bool(_QUERY_CREDENTIAL.search(name))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of `headers` where every credential header's value is `***`."""
    return {k: MASK if k.lower() in SENSITIVE_HEADERS else v for k, v in headers.items()}


def _hex(value: int, width: int) -> str:
    """`value` as `width` hex digits, either case: `00[eE]9`."""
    digits = f"{value:0{width}x}"
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in digits)


def _char_alternatives(char: str) -> list[str]:
    """Every way one character of a secret may be written, as regexes that each start with a
    literal character (so the compiled pattern scans fast: see `secret_pattern`)."""
    slashes = f"\\\\\\\\{{0,{_MAX_BACKSLASHES - 1}}}"  # one backslash, then up to 7 more
    code = ord(char)
    alternatives = [re.escape(char)]
    if code < 0x10000:
        alternatives.append(f"{slashes}u{_hex(code, 4)}")
    else:  # JSON writes an astral character as a surrogate pair
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        alternatives.append(f"{slashes}u{_hex(high, 4)}{slashes}u{_hex(low, 4)}")
        alternatives.append(f"\\\\U{_hex(code, 8)}")
    if not char.isalnum():  # \" \/ \\ \$ \` \' ...: JSON, shells, C strings
        alternatives.append(slashes + re.escape(char))
    if char in _SHORT_ESCAPES:
        alternatives.append(slashes + _SHORT_ESCAPES[char])
    encoded = char.encode("utf-8", "surrogatepass")
    alternatives.append("".join(f"%(?:25)?{_hex(b, 2)}" for b in encoded))  # URL, twice
    alternatives.append("".join(f"{slashes}x{_hex(b, 2)}" for b in encoded))  # $'\xNN', repr
    alternatives.append("".join(f"{slashes}{b:03o}" for b in encoded))  # printf octal
    alternatives.append(f"&#0{{0,6}}{code};")
    alternatives.append(f"&#[xX]0{{0,6}}{_hex(code, len(f'{code:x}'))};")
    if char in _NAMED_ENTITIES:
        alternatives.append(f"&{_NAMED_ENTITIES[char]};")
    if char == " ":
        alternatives.append(r"\+")  # application/x-www-form-urlencoded
    if char == "'":  # closing and reopening a single-quoted shell word
        alternatives += [r"'\"'\"'", r"'\\''"]
    return alternatives


def secret_pattern(secret: str) -> str:
    """A regex matching `secret` written in any mix of the encodings above. The first
    character's forms are the top-level alternatives, each a literal first: Python's regex
    engine then skips every position whose character cannot start a secret (measured: 20 MB
    scanned for 7 secrets in 0.3 s, against 5 s with a group first)."""
    rest = "".join("(?:" + "|".join(_char_alternatives(c)) + ")" for c in secret[1:])
    return "|".join(first + rest for first in _char_alternatives(secret[0]))


def _longest_form(secret: str) -> int:
    """An upper bound on the length of one written form of `secret` (for streaming)."""
    return 48 * len(secret)


def _base64_cores(secret: str) -> set[str]:
    """The base64 text that any encoding of a byte string containing `secret` must contain:
    one per alignment of the secret against the 3-byte groups (standard and URL-safe)."""
    data = secret.encode("utf-8", "surrogatepass")
    cores: set[str] = set()
    for skip in range(3):
        chunk = data[skip:]
        chunk = chunk[: len(chunk) // 3 * 3]
        if len(chunk) >= 3:
            core = base64.b64encode(chunk).decode("ascii")
            cores |= {core, core.replace("+", "-").replace("/", "_")}
    return cores


class Redactor:
    """Replaces every occurrence of any secret value (in any written form) with `***`."""

    def __init__(self, secret_values: Iterable[str], credential_facets: Iterable[str] = ()) -> None:
        # Compared facets that hold credentials (`headers.set-cookie`): compared as they are,
        # shown only as a fingerprint, which tells equal from different and nothing more.
        self.credential_facets = frozenset(credential_facets)
        values = sorted({v for v in secret_values if v}, key=lambda v: (-len(v), v))
        self.values: tuple[str, ...] = tuple(values)
        # Longest first: a secret that contains another is masked whole.
        self._pattern = re.compile("|".join(secret_pattern(v) for v in values)) if values else None
        cores = sorted({c for v in values for c in _base64_cores(v)}, key=lambda c: (-len(c), c))
        self._base64 = re.compile("|".join(map(re.escape, cores))) if cores else None
        self.longest = max((_longest_form(v) for v in values), default=0)

    def __bool__(self) -> bool:
        return self._pattern is not None or bool(self.credential_facets)

    def text(self, s: str) -> str:
        """`s` with every secret value (in any of its written forms) replaced by `***`."""
        if self._pattern is None or not s:
            return s
        s = self._pattern.sub(MASK, s)
        if self._base64 is not None:
            s = _mask_base64_words(s, self._base64)
        return s

    def value(self, value: JSON) -> JSON:
        """A copy of a JSON value with secrets masked in every string, key and number literal."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Number):
            # A masked number is no longer a number: keep the mask as text.
            return MASK if self.text(value.literal) != value.literal else value
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(k): self.value(v) for k, v in value.items()}
        return value

    def deep(self, obj: T) -> T:
        """A copy of a result object (dataclasses, dicts, lists, strings) with secrets masked,
        before anything renders or cuts it: a secret cut in half by an excerpt limit would
        otherwise show its first half."""
        if not self:
            return obj
        return self._deep(obj)  # type: ignore[no-any-return]

    def _deep(self, obj: Any) -> Any:
        if isinstance(obj, str | Number):
            return self.value(obj)
        if isinstance(obj, RawJson):
            return RawJson(self.text(obj.text))
        if isinstance(obj, bytes):
            return self.text(obj.decode("utf-8", "replace")).encode("utf-8")
        if isinstance(obj, dict):
            return {self._deep(k): self._deep(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self._deep(item) for item in obj]
        if isinstance(obj, tuple):
            return tuple(self._deep(item) for item in obj)
        if isinstance(obj, frozenset):
            return frozenset(self._deep(item) for item in obj)
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes = {
                f.name: self._deep(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init
            }
            if self.credential_facets:
                self._mask_facets(obj, changes)
            return dataclasses.replace(obj, **changes)
        return obj

    def _mask_facets(self, obj: Any, changes: dict[str, Any]) -> None:
        """A target outcome's credential facets, a difference at one: fingerprints only."""
        facets = changes.get("facets")
        if isinstance(facets, dict):
            changes["facets"] = {
                k: fingerprint(v) if k in self.credential_facets else v for k, v in facets.items()
            }
        values = changes.get("values")
        if getattr(obj, "facet", None) in self.credential_facets and isinstance(values, dict):
            changes["values"] = {k: fingerprint(v) for k, v in values.items()}


def fingerprint(value: Any) -> str | None:
    """`*** (sha256 1a2b3c4d)`: two equal credentials show equal, nothing of either shows."""
    if value is None:
        return None
    digest = hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{MASK} (sha256 {digest})"


def _mask_base64_words(text: str, cores: re.Pattern[str]) -> str:
    """Mask each whole base64 word that holds a secret's base64 core: the bytes at the edges
    of the core share their base64 digits with the secret's first and last bytes."""
    out: list[str] = []
    last = 0
    for match in cores.finditer(text):
        start, end = match.start(), match.end()
        if start < last:
            continue
        while start > last and text[start - 1] in _BASE64_CHARS:
            start -= 1
        while end < len(text) and (text[end] in _BASE64_CHARS or text[end] == "="):
            end += 1
        out += [text[last:start], MASK]
        last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def cut(text: str, limit: int, redactor: Redactor | None = None) -> str:
    """The first `limit` characters of `text`, masked *before* the cut: a cut may not leave
    the first half of a secret (the boundary would no longer recognise it)."""
    masked = (redactor or BOUNDARY.redactor()).text(text)
    return masked[:limit]


# ----------------------------------------------------------------------------- the boundary


class Boundary:
    """Every secret this process has loaded; what leaves the process is masked with it."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._redactor = Redactor(())
        self._lock = threading.Lock()

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            new = {v for v in values if v and len(v) >= MIN_SECRET_LENGTH} - self._values
            if new:
                self._values |= new
                self._redactor = Redactor(self._values)

    def redactor(self) -> Redactor:
        return self._redactor

    def text(self, s: str) -> str:
        return self._redactor.text(s)

    def clear(self) -> None:
        """Forget every secret (tests; a long-lived process that loads unrelated specs)."""
        with self._lock:
            self._values = set()
            self._redactor = Redactor(())


BOUNDARY = Boundary()


class StreamRedactor:
    """Masks text written in pieces: a secret split across two pieces is still found. Holds
    back the last few characters (no more than one secret's longest written form) until more
    text or `close()` shows whether they start a secret."""

    def __init__(self, write: Callable[[str], object], redactor: Redactor | None = None) -> None:
        self._write = write
        self._fixed = redactor
        self._held = ""

    def _redactor(self) -> Redactor:
        return self._fixed if self._fixed is not None else BOUNDARY.redactor()

    def write(self, text: str) -> int:
        redactor = self._redactor()
        if not redactor:
            if self._held:
                text, self._held = self._held + text, ""
            self._write(text)
            return len(text)
        buffer = self._held + text
        safe = len(buffer) - redactor.longest
        if safe <= 0:
            self._held = buffer
            return len(text)
        # Mask the whole buffer, then emit the part that no later text can change: a match
        # starting before `safe` ends inside the buffer (no form is longer than `longest`).
        masked, keep_from = _mask_until(buffer, redactor, safe)
        self._write(masked)
        self._held = buffer[keep_from:]
        return len(text)

    def flush(self) -> None:
        if self._held:
            held, self._held = self._held, ""
            self._write(self._redactor().text(held))

    close = flush


def _mask_until(buffer: str, redactor: Redactor, safe: int) -> tuple[str, int]:
    """(masked text of buffer[:end], end) where end >= safe and no match straddles end."""
    assert redactor._pattern is not None
    end = safe
    for match in redactor._pattern.finditer(buffer):
        if match.start() >= safe:
            break
        end = max(end, match.end())
    # Base64 words are masked whole: do not cut inside one either.
    while end < len(buffer) and buffer[end - 1] in _BASE64_CHARS and buffer[end] in _BASE64_CHARS:
        end += 1
    return redactor.text(buffer[:end]), end


class RedactingStream(io.TextIOBase):
    """A terminal stream (stdout/stderr) whose text is masked line by line on its way out."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner
        self._stream = StreamRedactor(inner.write)

    def write(self, text: str) -> int:
        newline = text.rfind("\n")
        if newline < 0:
            self._stream.write(text)
        else:  # whole lines leave at once: a line is never held back on a terminal
            self._stream.write(text[: newline + 1])
            self._stream.flush()
            self._stream.write(text[newline + 1 :])
        return len(text)

    def flush(self) -> None:
        self._stream.flush()
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8")

    def writable(self) -> bool:
        return True


@contextlib.contextmanager
def redacted_terminal() -> Iterator[None]:
    """sys.stdout and sys.stderr masked by the boundary for the duration of the block."""
    import sys

    saved = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(saved[0])
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(saved[1])
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        sys.stdout, sys.stderr = saved
