"""Which values of a spec are secret: `secrets:`, credential headers, URL and proxy passwords,
Basic credentials, credential-named query parameters and `--flags`.

The masking itself is core.redact's (one list of credential headers, one Redactor, one
process-wide boundary); this module only knows where a spec keeps its credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from yamlparity.core import redact as _core
from yamlparity.core.redact import (
    BOUNDARY,
    MASK,
    MIN_SECRET_LENGTH,
    SENSITIVE_HEADERS,
    credential_like,
    redact_headers,
)

if TYPE_CHECKING:
    from yamlparity.spec.model import Spec

__all__ = [
    "BOUNDARY",
    "MASK",
    "MIN_SECRET_LENGTH",
    "SENSITIVE_HEADERS",
    "RedactingListener",
    "Redactor",
    "redact_headers",
    "register",
    "spec_credentials",
]


class Redactor(_core.Redactor):
    """core.redact.Redactor, built from a spec."""

    @classmethod
    def for_spec(cls, spec: Spec) -> Redactor:
        """The spec's secrets, plus every credential the spec holds (`spec_credentials`)."""
        facets = [f for f in spec.compare.facets if f.lower().startswith("headers.")]
        sensitive = [f for f in facets if f.lower().removeprefix("headers.") in SENSITIVE_HEADERS]
        return cls(spec_credentials(spec), sensitive)


def register(spec: Spec) -> None:
    """Add a loaded spec's credentials to the process-wide boundary."""
    BOUNDARY.add(spec_credentials(spec))


def spec_credentials(spec: Spec) -> set[str]:
    """Every value of `spec` that must never leave the process."""
    values: set[str] = set(spec.secrets)
    templated: set[str] = set()
    for target in spec.targets.values():
        if target.kind == "http":
            templated |= header_values(target.headers)
            values |= url_credentials(target.url)
            if target.proxy is not None:
                values |= url_credentials(target.proxy)
            if target.auth is not None:
                token = target.auth.header_value.removeprefix("Basic ")
                values |= {target.auth.password, token}
            if target.service is not None:
                values |= argv_credentials(target.service.run)
        elif target.kind == "command":
            values |= argv_credentials(target.run)
            values |= {v for k, v in target.env.items() if credential_like(k)}
    if spec.request is not None:
        templated |= header_values(spec.request.headers)
    # Only cases written in the spec can override request headers; fixture rows cannot,
    # and reading them would parse every row of a large fixture file.
    inline = getattr(spec.cases, "inline", spec.cases)
    for case in inline:
        if case.request:
            templated |= header_values(case.request.get("headers") or {})
    # A header written as a template (`{{ case.token }}`) is not a value: it renders per case.
    # Secrets themselves are masked whatever they hold, `{{` and `{%` included.
    values |= {v for v in templated if "{{" not in v and "{%" not in v}
    values |= {latin1 for v in values if (latin1 := _read_as_latin1(v)) is not None}
    return {v for v in values if len(v) >= MIN_SECRET_LENGTH}


def _read_as_latin1(value: str) -> str | None:
    """A non-ASCII secret as a server shows it when it reads the UTF-8 bytes of a header as
    ISO-8859-1 (HTTP's old default: Python's http.server does) and echoes it back: `é` sent
    is `Ã©` answered. None for ASCII (no other form) or a value with no UTF-8."""
    if value.isascii():
        return None
    try:
        return value.encode("utf-8").decode("latin-1")
    except UnicodeEncodeError:
        return None


def header_values(headers: Mapping[str, Any]) -> set[str]:
    """Values of credential headers, and the credential in `Bearer X` / `Basic X`."""
    out: set[str] = set()
    for key, value in headers.items():
        if key.lower() in SENSITIVE_HEADERS and isinstance(value, str):
            out.add(value)
            scheme, _, rest = value.partition(" ")
            if rest.strip() and scheme.isalpha():
                out.add(rest.strip())
    return out


def url_credentials(url: str) -> set[str]:
    """The password of `user:password@host`, and values of credential-named parameters."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return set()
    found = {password, unquote(password)} if password else set()
    for name, value in parse_qsl(parts.query):
        if credential_like(name, query=True):
            found.add(value)
    return found


def argv_credentials(run: Any) -> set[str]:
    """Values of `--token=X`, `--password X`, `TOKEN=X` in a command line."""
    words = run.split() if isinstance(run, str) else list(run)
    found: set[str] = set()
    for index, word in enumerate(words):
        name, sep, value = word.lstrip("-").partition("=")
        if not credential_like(name):
            continue
        if sep:
            found.add(value)
        elif word.startswith("-") and index + 1 < len(words):
            found.add(words[index + 1])
    return found


class RedactingListener:
    """Wraps a progress listener so the per-case lines it prints (cut to one line) are
    masked before they are cut."""

    def __init__(self, inner: Any, redactor: _core.Redactor) -> None:
        self._inner = inner
        self._redactor = redactor

    def case_finished(self, spec: Any, result: Any, done: int, total: int) -> None:
        self._inner.case_finished(spec, self._redactor.deep(result), done, total)

    def cases_corrected(self, spec: Any, message: str) -> None:
        self._inner.cases_corrected(spec, self._redactor.text(message))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # spec_started, clear...: nothing secret passes
