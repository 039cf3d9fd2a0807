"""TLS settings as an `ssl.SSLContext`: checked when a spec loads, used by every HTTPS client."""

from __future__ import annotations

import ssl


def tls_context(
    ca: str | None = None, cert: str | None = None, key: str | None = None, verify: bool = True
) -> ssl.SSLContext:
    """The system's trust store (or `ca` instead), a client certificate when given; with
    verify=False no certificate or host name is checked. Raises OSError / ssl.SSLError."""
    context = ssl.create_default_context(cafile=ca)
    if cert is not None:
        context.load_cert_chain(cert, key)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
