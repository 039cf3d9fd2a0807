"""HTTP methods a request may name: the standard ones, the registered extensions, and how a
method that is probably a typo is told from a custom one.

Methods are case-sensitive on the wire (RFC 9110 9.1): `get` is not `GET` to a server, so a
spec writes them as sent, in capitals. A method that is neither standard nor registered is
sent as written (PURGE, BAN...), unless it is one slip away from a standard one (GTE, POTS).
"""

from __future__ import annotations

import re

# RFC 9110 section 9, and PATCH (RFC 5789): the methods named in errors.
STANDARD = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
# The IANA HTTP Method Registry's other entries (WebDAV, CalDAV, QUERY...) that the schema's
# form allows: never taken for a typo of a standard method.
REGISTERED = frozenset(
    {
        "ACL",
        "BIND",
        "CHECKIN",
        "CHECKOUT",
        "COPY",
        "LABEL",
        "LINK",
        "LOCK",
        "MERGE",
        "MKACTIVITY",
        "MKCALENDAR",
        "MKCOL",
        "MKREDIRECTREF",
        "MKWORKSPACE",
        "MOVE",
        "ORDERPATCH",
        "PRI",
        "PROPFIND",
        "PROPPATCH",
        "QUERY",
        "REBIND",
        "REPORT",
        "SEARCH",
        "UNBIND",
        "UNCHECKOUT",
        "UNLINK",
        "UNLOCK",
        "UPDATE",
        "UPDATEREDIRECTREF",
    }
)
LISTED = ", ".join(STANDARD)
# The schema's form: a token (RFC 9110 5.6.2) in capitals, such as M-SEARCH (UPnP) or
# BASELINE-CONTROL (WebDAV versioning), starting with a letter.
_FORM = re.compile(r"[A-Z][A-Z0-9._-]*")


def wrong_form(text: str) -> tuple[str, str]:
    """The message and hint for a method the schema refuses (not in the form of _FORM)."""
    bare = text.strip()
    if _FORM.fullmatch(bare.upper()):
        if bare != text:
            message = f"HTTP method {text!r} has spaces around it"
        else:
            message = f"HTTP method {text!r} is not in capitals: methods are case-sensitive"
        return message, f"write {bare.upper()!r} (the standard methods: {LISTED})"
    return (
        f"{text!r} is not an HTTP method",
        f"a method is capital letters (then digits, `-`, `_` or `.` may follow): one of {LISTED}, "
        "or a custom one such as PURGE or M-SEARCH",
    )


def likely_typo(method: str) -> str | None:
    """The standard method `method` is one slip away from (a letter wrong, missing, added, or
    two swapped), when it is not a method of its own."""
    if method in STANDARD or method in REGISTERED:
        return None
    return next((known for known in STANDARD if _one_slip(method, known)), None)


def _one_slip(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differ) == 1:
            return True
        if len(differ) != 2:
            return False
        i, j = differ
        return j == i + 1 and a[i] == b[j] and a[j] == b[i]  # two neighbours swapped
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
