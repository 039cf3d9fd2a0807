"""Redaction: secret values and credential headers never reach a report, a result or a message.

A `Redactor` knows a set of secret values and replaces every occurrence with `***`, including
the forms a value takes once written into JSON or a URL (escaped quotes, `\\u00e9`, `%2F`).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

from yamlparity.core.jsonvalue import JSON, Number, RawJson

if TYPE_CHECKING:
    from yamlparity.spec.model import Spec

__all__ = ["MASK", "SENSITIVE_HEADERS", "RedactingListener", "Redactor", "redact_headers"]

MASK = "***"
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
# Shorter values would turn ordinary text into *** (the loader refuses such secrets).
MIN_SECRET_LENGTH = 4

T = TypeVar("T")


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of `headers` where every credential header's value is `***`."""
    return {k: MASK if k.lower() in SENSITIVE_HEADERS else v for k, v in headers.items()}


def _forms(value: str) -> set[str]:
    """The value as written raw, inside JSON (both escapings) and URL-encoded."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms |= {quote(value, safe=""), quote(value, safe="/:@"), quote(value)}
    return {f for f in forms if f}


class Redactor:
    """Replaces every occurrence of any secret value with `***`."""

    def __init__(self, secret_values: Iterable[str]) -> None:
        forms: set[str] = set()
        for value in secret_values:
            if value:
                forms |= _forms(value)
        # Longest first, so a secret that contains another is masked whole.
        ordered = sorted(forms, key=lambda f: (-len(f), f))
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def for_spec(cls, spec: Spec) -> Redactor:
        """The spec's secrets, plus any credential header value or URL password it holds."""
        values: set[str] = set(spec.secrets)
        for target in spec.targets.values():
            if target.kind == "http":
                values |= _header_values(target.headers)
                values |= _url_password(target.url)
                if target.proxy is not None:
                    values |= _url_password(target.proxy)
                if target.auth is not None:
                    token = target.auth.header_value.removeprefix("Basic ")
                    values |= {target.auth.password, token}
        if spec.request is not None:
            values |= _header_values(spec.request.headers)
        # Only cases written in the spec can override request headers; fixture rows cannot,
        # and reading them would parse every row of a large fixture file.
        inline = getattr(spec.cases, "inline", spec.cases)
        for case in inline:
            if case.request:
                values |= _header_values(case.request.get("headers") or {})
        return cls(v for v in values if "{{" not in v and "{%" not in v)

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, s: str) -> str:
        """`s` with every secret value (in any of its written forms) replaced by `***`."""
        if self._pattern is None:
            return s
        return self._pattern.sub(MASK, s)

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
        before anything renders it: a secret cut in half by an excerpt limit is still masked."""
        if self._pattern is None:
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
            return dataclasses.replace(obj, **changes)
        return obj


def _header_values(headers: Mapping[str, Any]) -> set[str]:
    return {
        str(v) for k, v in headers.items() if k.lower() in SENSITIVE_HEADERS and isinstance(v, str)
    }


def _url_password(url: str) -> set[str]:
    try:
        password = urlsplit(url).password
    except ValueError:
        return set()
    return {password, unquote(password)} if password else set()


class RedactingListener:
    """Wraps a progress listener so the per-case lines it prints are masked too."""

    def __init__(self, inner: Any, redactor: Redactor) -> None:
        self._inner = inner
        self._redactor = redactor

    def case_finished(self, spec: Any, result: Any, done: int, total: int) -> None:
        self._inner.case_finished(spec, self._redactor.deep(result), done, total)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # spec_started, clear...: nothing secret passes
