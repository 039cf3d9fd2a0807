"""The one small interface every target adapter implements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from yamlparity.spec.model import Case


@dataclass(frozen=True)
class PreparedRequest:
    """A fully rendered HTTP request (the URL base comes from the target)."""

    method: str
    path: str  # path plus query string, already encoded
    headers: dict[str, str]
    body: bytes | None


@dataclass(frozen=True)
class Invocation:
    """One case for one target: the bytes to send, already rendered."""

    case: Case
    stdin: bytes | None = None
    request: PreparedRequest | None = None
    # Command targets whose `run` holds templates: their argv rendered for this case.
    argv: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class RawObservation:
    """What a target did, before any parsing.

    `failure` is set when the target could not produce an answer at all (timeout, crash by a
    signal, connection refused, output over the cap...): the case cannot match on this target.
    """

    target: str
    duration: float = 0.0
    failure: str | None = None
    exit_code: int | None = None  # command targets
    status: int | None = None  # HTTP targets
    headers: dict[str, str] = field(default_factory=dict)  # HTTP, lower-case names
    stdout: bytes = b""  # the command's stdout, or the HTTP body
    stderr: bytes = b""
    skipped: str | None = None  # the target is skipped (when_missing: skip), with the reason
    # False when stdout is not the bytes the target wrote: a recording that kept only the
    # parsed value (`stdout_json`, `body_json`); such an answer is never `identical`.
    exact: bool = True


# The rest of one exchange: waits for the answer and returns it; never raises.
Pending = Callable[[], RawObservation]


class TargetAdapter(Protocol):
    """One target as the engine drives it.

    The engine hands a case to every target first (`begin`), then waits for each answer, so
    all targets receive their input at about the same time. `execute(inv)` equals
    `begin(inv)()`.

    From `begin` on, the target's exchange proceeds without the engine: its input is written,
    its answer read, its deadline enforced and its duration measured from its own start to its
    own end, whether its Pending is called at once or after another target's answer (command
    targets: a thread per process; stream: a reader thread per helper). The engine calls the
    Pendings in spec order; an adapter that did its I/O only inside the Pending would let one
    slow target eat another's deadline (issue 11).
    """

    name: str

    def start(self) -> None:
        """Build or start what the target needs; raise TargetUnavailable when it cannot run."""

    def begin(self, invocation: Invocation) -> Pending: ...

    def execute(self, invocation: Invocation) -> RawObservation: ...

    def close(self) -> None:
        """Stop whatever start() started, even after errors; must be safe to call twice."""

    def describe(self) -> str:
        """The resolved command or URL, for the report."""
        ...


class TargetUnavailable(Exception):
    """The target cannot run this time (build failed, service never ready...).

    `skip` turns its cases into SKIP rather than ERROR; `log_tail` goes into the report.
    """

    def __init__(self, reason: str, *, skip: bool = False, log_tail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.skip = skip
        self.log_tail = log_tail
