"""A spec's fingerprint: one hash of everything that decides what its cases are and how they
are judged, so shards run on different runners can prove they ran the same spec.

Covered: the spec as written with its `include:` files merged (values, not text: a comment or a
re-indented line does not change it) and the bytes of every `cases_from` fixture file. Not
covered, on purpose: `${VAR}` values (each runner may point at its own services) and where the
checkout lies on disk.
"""

from __future__ import annotations

import hashlib
import os

from yamlparity.core.jsonvalue import canonical
from yamlparity.spec.includes import load_with_includes
from yamlparity.spec.model import Spec

PREFIX = "sha256:"
_CHUNK = 1 << 20


def spec_hash(spec: Spec) -> str:
    """`sha256:<64 hex digits>` over the merged spec document and its fixture files."""
    digest = hashlib.sha256()
    display = os.path.normpath(str(spec.file))
    key = os.path.normcase(os.path.abspath(spec.file))
    document = load_with_includes(spec.file, display, ((key, display),))
    _add(digest, canonical(document.value).encode("utf-8", "surrogatepass"))
    for fixture in spec.cases.fixture_files:
        # Length-prefixed pieces: moving bytes from one file to the next changes the hash.
        digest.update(f"\nfixture {os.path.getsize(fixture.path)}\n".encode())
        with open(fixture.path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    return PREFIX + digest.hexdigest()


def short(fingerprint: str) -> str:
    """The first 12 hex digits, for messages (`sha256:1f2e3d4c5b6a`)."""
    return fingerprint[: len(PREFIX) + 12]


def _add(digest: hashlib._Hash, data: bytes) -> None:
    digest.update(f"{len(data)}\n".encode())
    digest.update(data)
