"""Gates: turn a raw observation into parsed facets, or an error saying why it cannot compare.

A target must answer (no timeout, crash or connection failure), exit 0 (unless the exit code is
itself a compared facet) and produce parseable, non-empty output of the declared kind. A verdict
never rests on two failures alone: a non-zero exit with nothing on stdout is an error unless
stderr is compared too (then the failures themselves are the contract), whether or not stdout
is compared.

Empty output (no bytes, or only ASCII whitespace) is an error unless the spec or the target says
`allow_empty: true`; then, after a success (exit 0, HTTP status below 400), it is a value:
`jsonl` an empty stream, `text` its exact text (`""`, `"\\n\\n"` and `"  \\n"` differ unless a
`compare.text` option ignores it). Never for `json`: nothing is not a JSON document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from yamlparity.core import jsonvalue
from yamlparity.core.depth import MAX_DEPTH, deeper_than
from yamlparity.core.jsonvalue import JSON, JsonDecodeError, JsonTooDeep, Number
from yamlparity.core.printable import terminal_safe
from yamlparity.core.redact import BOUNDARY
from yamlparity.spec.model import OutputKind, Spec
from yamlparity.targets.base import RawObservation
from yamlparity.targets.stream import StreamAnswer

EXCERPT = 200


@dataclass
class Parsed:
    """Facets parsed from one target's answer (before normalization), or the gate's error.
    `shown`: the bytes its excerpt is cut from, cut when first read (a MATCH shows no
    excerpt: cutting one for every target of every case was ~4% of a stream run)."""

    target: str
    facets: dict[str, JSON] = field(default_factory=dict)
    error: str | None = None
    shown: bytes = b""
    _excerpt: str | None = field(default=None, repr=False, compare=False)

    @property
    def excerpt(self) -> str:
        if self._excerpt is None:
            self._excerpt = excerpt(self.shown)
        return self._excerpt


def excerpt(data: bytes, limit: int = EXCERPT) -> str:
    """The first `limit` characters of what came out, readable even when it is binary.
    Secrets are masked before the cut (a cut through a secret would leave half of it that
    nothing downstream recognises), so enough is read for the longest written secret."""
    redactor = BOUNDARY.redactor()
    window = limit * 4 + redactor.longest * 4
    text = redactor.text(data[:window].decode("utf-8", "backslashreplace"))
    # NUL, ESC and friends would corrupt a terminal or a report: show them as \xNN.
    text = terminal_safe(text)
    return text[:limit] + ("…" if len(text) > limit or len(data) > window else "")


def decode_text(data: bytes) -> str:
    """Text output kept exact: undecodable bytes survive as surrogate escapes."""
    return data.decode("utf-8", "surrogateescape")


def is_empty(data: bytes) -> bool:
    """No bytes, or only ASCII whitespace (space, tab, CR, LF, VT, FF): `\\n` alone is empty."""
    return not data.strip()


def empty_value(kind: OutputKind, what: str, allowed: bool) -> JSON:
    """An empty answer's value where it has one; else ValueError saying how to allow it."""
    if kind == "json":
        raise ValueError(
            f"empty {what}: not JSON (`allow_empty` cannot make nothing a JSON document; "
            "an answer that may be empty is `output: jsonl`)"
        )
    if not allowed:
        # Strict by default: two empty answers must never match by accident.
        value = "an empty stream" if kind == "jsonl" else "the text as written"
        raise ValueError(
            f"empty {what}: not a value unless the spec or the target sets "
            f"`allow_empty: true` (then: {value})"
        )
    return [] if kind == "jsonl" else ""


def parse_output(data: bytes, kind: OutputKind, what: str, allow_empty: bool = False) -> JSON:
    """Parse stdout/body; raises ValueError with a readable reason."""
    if is_empty(data):
        value = empty_value(kind, what, allow_empty)  # raises unless allowed
        # Allowed, a text is what was written: "\n\n" is not "" (a rule may ignore it).
        return decode_text(data) if kind == "text" else value
    if kind == "text":
        return decode_text(data)
    try:
        if kind == "jsonl":
            return jsonvalue.loads_lines(data, MAX_DEPTH)
        return jsonvalue.loads(data, MAX_DEPTH)
    except JsonTooDeep as exc:
        # Valid JSON perhaps, so never "not valid JSON": a bound of ours, the same every run.
        where = f"{what} row {exc.row}" if exc.row else what
        raise ValueError(
            f"{where} is nested deeper than {exc.limit} levels (yamlparity compares JSON "
            f"up to {exc.limit} levels of arrays and objects)"
        ) from None
    except JsonDecodeError as exc:
        label = "JSON Lines" if kind == "jsonl" else "JSON"
        why = f"{what} is not valid {label}: {exc}"
        if data.startswith(b"\xef\xbb\xbf"):
            # Invisible in an excerpt: "Expecting value (line 1, column 1)" alone says nothing.
            why += " (it starts with a byte order mark, EF BB BF, which JSON does not allow)"
        raise ValueError(why) from None


def _within_depth(data: bytes, value: JSON) -> bool:
    """A value a stream target parsed ahead keeps to the bound parse_output enforces."""
    return data.count(b"[") + data.count(b"{") <= MAX_DEPTH or not deeper_than(value, MAX_DEPTH)


def gate(spec: Spec, raw: RawObservation, parse_main: bool = True) -> Parsed:
    """`parse_main=False`: every check but parsing the main facet (the caller scans it)."""
    parsed = Parsed(target=raw.target, shown=raw.stdout or raw.stderr)
    if raw.failure:
        parsed.error = raw.failure
        return parsed
    facets = spec.compare.facets
    if not parse_main:
        facets = tuple(facet for facet in facets if facet != spec.main_facet)
    if spec.kind == "mixed":
        return _gate_mixed(spec, raw, parsed, facets)
    if spec.kind == "command":
        return _gate_command(spec, raw, parsed, facets)
    return _gate_http(spec, raw, parsed, facets)


def _gate_mixed(spec: Spec, raw: RawObservation, parsed: Parsed, facets: tuple[str, ...]) -> Parsed:
    """A spec mixing commands and HTTP (spec/align.py): the target's own facets through its
    own gate, then renamed to the common ones: `answer`, and `outcome` (success/failure)."""
    command = spec.answer_kind(raw.target) == "command"
    own_main, own_code = ("stdout", "exit_code") if command else ("body", "status")
    with_outcome = "outcome" in facets
    success = raw.exit_code == 0 if command else 200 <= (raw.status or 0) < 300
    what = f"exited with code {raw.exit_code}" if command else f"HTTP {raw.status}"
    if not success and not with_outcome:
        # Failures are compared only when the spec aligned them (`exit_code: status`).
        parsed.error = (
            f"{what}: not a success, and this spec compares only successes (exit 0, 2xx); "
            "align exit codes with statuses to compare failures: `align: {exit_code: status}`"
        )
        parsed.shown = (raw.stderr or raw.stdout) if command else parsed.shown
        return parsed
    if command and not success and not raw.stdout.strip() and "answer" in facets:
        # Two different failures would both be an empty answer: refuse, as command specs do.
        parsed.error = f"{what} and printed nothing on stdout: no answer to compare"
        parsed.shown = raw.stderr
        return parsed
    own = ((own_main,) if "answer" in facets else ()) + ((own_code,) if with_outcome else ())
    gated = _gate_command(spec, raw, parsed, own) if command else _gate_http(spec, raw, parsed, own)
    if gated.error is not None:
        return gated
    common: dict[str, JSON] = {}
    if own_main in gated.facets:
        common["answer"] = gated.facets[own_main]
    common["outcome"] = "success" if success else "failure"
    gated.facets = common
    return gated


def _gate_command(
    spec: Spec, raw: RawObservation, parsed: Parsed, facets: tuple[str, ...]
) -> Parsed:
    exit_compared = "exit_code" in facets
    if raw.exit_code != 0 and not exit_compared:
        parsed.error = f"exited with code {raw.exit_code}"
        parsed.shown = raw.stderr or raw.stdout
        return parsed
    parsed.facets["exit_code"] = Number(str(raw.exit_code))
    parsed.facets["stderr"] = decode_text(raw.stderr)
    silent_failure = exit_compared and raw.exit_code != 0 and not raw.stdout.strip()
    # A mixed spec's own facets leave stdout out when only `outcome` is compared: its gate
    # decides about failures (_gate_mixed), and `stderr` is no facet there.
    guarded = "stdout" in facets or spec.kind == "command"
    if silent_failure and guarded and "stderr" not in facets:
        # Two different crashes would both be `exit 1, ""` and MATCH, also when stdout is not
        # compared at all (`facets: [exit_code]`): refuse.
        parsed.error = (
            f"exited with code {raw.exit_code} and printed nothing on stdout; add "
            "stderr to compare.facets to compare failures"
        )
        parsed.shown = raw.stderr
        return parsed
    if "stdout" in facets:
        if silent_failure:
            parsed.facets["stdout"] = ""  # failures compared by exit code and stderr
        else:
            value = raw.take_value() if isinstance(raw, StreamAnswer) else None
            if value is not None and not _within_depth(raw.stdout, value[0]):
                value = None  # parse_output says why, as for any other target
            if value is not None and spec.output == "json":
                parsed.facets["stdout"] = value[0]  # a stream answer parsed as it came
                return parsed
            # Empty is a value only after a success (exit 0), whatever exit_code comparing says.
            allow = raw.exit_code == 0 and spec.allows_empty(raw.target)
            try:
                parsed.facets["stdout"] = parse_output(raw.stdout, spec.output, "stdout", allow)
            except ValueError as exc:
                parsed.error = str(exc)
    return parsed


def _gate_http(spec: Spec, raw: RawObservation, parsed: Parsed, facets: tuple[str, ...]) -> Parsed:
    parsed.facets["status"] = Number(str(raw.status))
    for facet in facets:
        if facet.startswith("headers."):
            parsed.facets[facet] = raw.headers.get(facet.removeprefix("headers."))
    if "body" in facets:
        # Empty is a value only after a success: an empty 404 or 500 stays an error.
        allow = (raw.status or 0) < 400 and spec.allows_empty(raw.target)
        try:
            parsed.facets["body"] = parse_output(raw.stdout, spec.output, "body", allow)
        except ValueError as exc:
            parsed.error = f"HTTP {raw.status}: {exc}"
            if (raw.status or 0) < 400 and is_empty(raw.stdout):
                parsed.error += _NO_BODY_HINT
    return parsed


# An empty success is often an answer HTTP gives no body (HEAD, 204, 304): what to do then.
_NO_BODY_HINT = (
    "; an answer without a body (HEAD, 204, 304) is compared on its status and headers in a "
    "spec whose compare.facets leave `body` out"
)


# What kind of failure a reason describes, in a few words: failures are grouped by it in every
# report (`gojq: exit 3`, `a, b: timeout`). First match wins; the order matters.
_KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"^target unavailable", "unavailable"),
        (r"timed out", "timeout"),
        (r"exit(?:ed)?(?: with)? code (-?\d+)", r"exit \1"),
        (r"killed by (SIG\w+|signal \d+)", r"\1"),
        (r"connection refused", "connection refused"),
        (r"connection (reset|closed)", r"connection \1"),
        (r"larger than \d+ bytes", "output cap"),
        (r"out of turn", "out of turn"),
        (r"sends one line per case", "multi-line input"),
        (r"exited before answering|closed its input", "helper died"),
        (r"^empty (?:stdout|body)", "empty"),
        (r"not valid JSON Lines", "not JSONL"),
        (r"not valid JSON", "not JSON"),
        (r"^normalization failed", "rule failed"),
        (r"could not start", "could not start"),
    )
)
_HTTP_PREFIX = re.compile(r"^HTTP (\d{3}): (.*)", re.DOTALL)
_KIND_LIMIT = 40


def failure_kind(error: str) -> str:
    """`exited with code 3` -> `exit 3`, `timed out after 5 s (...)` -> `timeout`; `HTTP 503:
    ...` keeps its status; anything else: its first clause, cut short."""
    http = _HTTP_PREFIX.match(error)
    if http is not None:
        inner = _known_kind(http.group(2))
        return f"HTTP {http.group(1)}" + (f" {inner}" if inner else "")
    return _known_kind(error) or _first_clause(error)


def _known_kind(error: str) -> str | None:
    for pattern, kind in _KINDS:
        found = pattern.search(error)
        if found is not None:
            return found.expand(kind)
    return None


def _first_clause(error: str) -> str:
    clause = re.split(r"[:;(\n]| — ", error, maxsplit=1)[0].strip() or error.strip()
    return clause if len(clause) <= _KIND_LIMIT else clause[: _KIND_LIMIT - 1] + "…"
