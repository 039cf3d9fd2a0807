"""The validated spec, as frozen dataclasses. The loader builds it; everything else reads it."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from yamlparity.core.errors import Location
from yamlparity.core.jsonvalue import JSON
from yamlparity.rules.ops import PathPattern
from yamlparity.spec import defaults

if TYPE_CHECKING:
    from yamlparity.spec.cases import CaseList
    from yamlparity.spec.recording import AnswerSource

OutputKind = Literal["json", "jsonl", "text"]
WhenMissing = Literal["error", "skip"]
CommandMode = Literal["process", "stream"]
ArrayMode = Literal["ordered", "set", "multiset"]
NumberMode = Literal["literal", "value"]
HttpVersion = Literal["1.1", "2", "2-prior-knowledge", "3"]

# A path pattern over a JSON value: keys, indices, and None for "any element or key" (`[]`).

COMMAND_FACETS = ("stdout", "stderr", "exit_code")
HTTP_FACETS = ("status", "body")  # plus "headers.<lower-case name>"
# A spec mixing command and HTTP targets compares common facets (`align:`, spec/align.py):
# `answer` is stdout <-> body, `outcome` the success class of exit_code <-> status.
MIXED_FACETS = ("answer", "outcome")


def main_facet_of(kind: str) -> str:
    """The facet that holds a target's answer: `stdout` for commands, `body` for HTTP,
    `answer` (stdout <-> body) for a spec that mixes them."""
    return {"command": "stdout", "mixed": "answer"}.get(kind, "body")


@dataclass(frozen=True)
class Rule:
    """One normalization rule, compiled at load time (`program`: normalize.compile_rule)."""

    text: str
    location: Location
    program: Any
    facet: str  # "stdout", "body", "headers.x"...; the spec's main facet when not written
    targets: frozenset[str] | None = None  # None: every target
    intended: str | None = None  # why it may remove differing values (the audit won't flag it)


@dataclass(frozen=True)
class Service:
    """How yamlparity starts (and stops) an HTTP target's server."""

    run: tuple[str, ...] | str  # argv, or a shell string when `shell` is true
    shell: bool
    cwd: Path
    env: dict[str, str]
    ready_http: str | None = None  # a path answering any HTTP status < 500
    ready_port: bool = False  # the port accepts connections
    ready_log: str | None = None  # a regex a line of the server's output must match
    start_timeout: float = defaults.START_TIMEOUT
    stop_timeout: float = defaults.STOP_TIMEOUT
    reuse: bool = False  # a server already answering at the URL is used as it is


@dataclass(frozen=True)
class CommandTarget:
    name: str
    location: Location
    run: tuple[str, ...] | str
    shell: bool = False
    cwd: Path = Path(".")
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = defaults.COMMAND_TIMEOUT
    build: tuple[str, ...] | str | None = None
    build_timeout: float = defaults.BUILD_TIMEOUT
    when_missing: WhenMissing = "error"
    mode: CommandMode = "process"
    workers: int = defaults.STREAM_WORKERS  # stream mode: helper processes serving this target
    max_output: int = defaults.COMMAND_MAX_OUTPUT  # bytes per stream; beyond it the case is ERROR
    templated: bool = False  # `run` (an argv list) holds {{ }} templates rendered per case
    allow_empty: bool | None = None  # the target's, else the spec's (None: neither says)
    output: OutputKind = "json"  # the spec's (a stream helper writing a non-JSON line restarts)
    kind: Literal["command"] = "command"


@dataclass(frozen=True)
class TlsOptions:
    """How an https target's certificate is checked, and the client certificate it is shown."""

    ca: str | None = None  # a CA bundle to trust instead of the system's (a resolved path)
    cert: str | None = None  # client certificate (mutual TLS)
    key: str | None = None  # its private key, when not in `cert`
    verify: bool = True  # False: no certificate or host name check
    proxy_ca: str | None = None  # trust for an https:// proxy, instead of the system's


@dataclass(frozen=True)
class BasicAuth:
    """`auth:` — HTTP Basic (sent with every request) or Digest (libcurl answers the
    server's challenge)."""

    username: str
    password: str
    scheme: Literal["basic", "digest"] = "basic"

    @property
    def header_value(self) -> str:
        """`Basic base64(user:password)` (RFC 7617, UTF-8)."""
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"


@dataclass(frozen=True)
class HttpTarget:
    name: str
    location: Location
    url: str  # may contain ${port} until the port is chosen at run time
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = defaults.HTTP_TIMEOUT
    port: int | Literal["auto"] | None = None
    service: Service | None = None
    concurrency: int | None = None  # at most this many requests in flight to this target
    max_output: int = defaults.HTTP_MAX_OUTPUT
    tls: TlsOptions | None = None
    proxy: str | None = None  # a forward proxy URL (http://[user:pass@]host:port)
    auth: BasicAuth | None = None
    allow_empty: bool | None = None  # None: the spec's `allow_empty`
    http_version: HttpVersion | None = None  # None: libcurl's default (HTTP/2 over TLS by ALPN)
    unix_socket: str | None = None  # connect to this Unix socket instead of host:port
    compressed: bool = False  # ask for and decode gzip/deflate/br/zstd, as curl --compressed
    kind: Literal["http"] = "http"


@dataclass(frozen=True)
class RecordedTarget:
    """A target whose answers were recorded: a `yamlparity record` file, or a HAR file."""

    name: str
    location: Location
    path: Path
    source: AnswerSource  # read and checked at load (spec/recording.py, spec/har.py)
    check_input: bool = True  # an answer recorded for another input is an ERROR
    unused: tuple[str, ...] = ()  # recorded cases the spec no longer has
    spec_changed: bool = False  # the spec file differs from the one that recorded it
    # What the replaying spec makes of the answers (set when the spec is built): a recording
    # of parsed JSON cannot answer `output: text`, and a header it never kept is not absent.
    output: OutputKind = "json"
    compared_headers: frozenset[str] = frozenset()
    # The `headers:` of the live HTTP target this spec has under the recorded target's name
    # (a live target and its own recording), to check against the recorded fingerprint.
    live_headers: dict[str, str] | None = None
    kind: Literal["recorded"] = "recorded"

    @property
    def source_kind(self) -> Literal["command", "http"]:
        """The kind of target that answered (what the spec's other targets must be)."""
        return self.source.kind


Target = CommandTarget | HttpTarget | RecordedTarget


@dataclass(frozen=True)
class RequestTemplate:
    """The HTTP request for a case. Strings are Jinja templates over `case`; a string that is
    exactly one `{{ expression }}` yields the expression's native value (objects stay objects)."""

    method: str = "POST"
    path: str = "/"
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: JSON | None = None  # a template structure; used when has_json
    has_json: bool = False
    body: str | None = None  # a text template, when the body is not JSON
    no_body: bool = False  # `body: null`: no body at all, whatever the method


@dataclass(frozen=True)
class Alignment:
    """`align:` — how a command target's facets line up with an HTTP target's (spec/align.py).

    `answer` (stdout <-> body) is always compared; `outcome` (exit 0 <-> a 2xx status, any
    other exit code <-> any other status) only when `exit_code: status` is written."""

    location: Location
    outcome: bool = False

    def pairs(self) -> dict[str, dict[str, str]]:
        """Common facet -> the facet it is on each kind of target (reports, results JSON)."""
        out = {"answer": {"command": "stdout", "http": "body"}}
        if self.outcome:
            out["outcome"] = {"command": "exit_code", "http": "status"}
        return out


@dataclass(frozen=True)
class PathOptions:
    """Comparison options scoped to a path (and everything below it)."""

    path: PathPattern
    path_text: str
    arrays: ArrayMode | None = None
    key: str | None = None  # arrays of objects matched by this key, then compared
    numbers: NumberMode | None = None
    tolerance_abs: float | None = None
    tolerance_rel: float | None = None


@dataclass(frozen=True)
class CompareSettings:
    facets: tuple[str, ...]
    arrays: ArrayMode = "ordered"
    numbers: NumberMode = "literal"
    paths: tuple[PathOptions, ...] = ()
    text_trailing_whitespace: Literal["keep", "ignore"] = "keep"
    text_line_endings: Literal["keep", "ignore"] = "keep"
    baseline: str | None = None


@dataclass(frozen=True)
class Expectation:
    """A per-target check beside parity: status equals, a JSONPath exists/equals/matches."""

    location: Location
    description: str  # the expectation as the spec wrote it, for messages
    kind: Literal["status", "exists", "equals", "matches", "absent"]
    path: str | None = None  # JSONPath (jsonpath-ng) over the body/stdout
    value: JSON = None
    pattern: str | None = None
    targets: frozenset[str] | None = None
    cases: tuple[str, ...] = ()  # globs; empty: every case


@dataclass(frozen=True)
class KnownDivergence:
    """A `known:` entry: a divergence shipped on purpose, or (with `error`) an expected failure."""

    location: Location
    cases: tuple[str, ...]  # names or globs
    facets: tuple[str, ...] | None  # None: any facet
    reason: str
    link: str | None = None
    error: str | None = None  # the expected failure's reason: a substring, or /regex/
    error_regex: Any = None  # re.Pattern when `error` is written /like this/
    targets: tuple[str, ...] | None = None  # the targets expected to fail; None: any


@dataclass(frozen=True)
class Case:
    name: str
    location: Location
    input: JSON
    stdin: str | None = None  # raw stdin text for this case, instead of the spec's template
    request: dict[str, Any] | None = None  # per-case request overrides (same keys as the spec's)
    vars: dict[str, JSON] = field(default_factory=dict)
    skip: str | None = None  # `skip: reason`: the case is not run (SKIP)
    targets: tuple[str, ...] | None = None  # only these targets run the case; None: all


@dataclass(frozen=True)
class Calibration:
    repeat: int = defaults.CALIBRATION_REPEAT
    unsafe_methods: bool = False  # repeat POST/PUT/PATCH/DELETE requests while calibrating


FUZZ_CASE = "fuzz-input"  # the name of each case `yamlparity fuzz` makes while it searches


@dataclass(frozen=True)
class FuzzSettings:
    """`fuzz:`: how `yamlparity fuzz` makes inputs (docs/fuzzing.md); flags win over these."""

    schema: Path | None = None  # a JSON Schema of case.input
    save: Path | None = None  # the fixture file findings are added to
    max_examples: int | None = None
    max_time: float | None = None
    seed: int | None = None


@dataclass(frozen=True)
class ReportConfig:
    path: Path | None = None
    template: Path | None = None


@dataclass(frozen=True)
class Spec:
    name: str
    title: str
    description: str
    file: Path
    env: dict[str, str]
    targets: dict[str, Target]
    kind: Literal["command", "http", "mixed"]
    output: OutputKind
    stdin: str | None  # Jinja template for command targets; None: the case input as JSON
    request: RequestTemplate | None
    rules: tuple[Rule, ...]
    compare: CompareSettings
    expectations: tuple[Expectation, ...]
    known: tuple[KnownDivergence, ...]
    cases: CaseList  # lazy: fixture rows are read when their case runs (caselist.py)
    report: ReportConfig
    location: Location
    calibration: Calibration = field(default_factory=Calibration)
    fuzz: FuzzSettings = field(default_factory=FuzzSettings)
    # The values of the variables listed under `secrets:` (never their names' values in the
    # spec file: they come from --env or the environment). Reports show them as `***`.
    secrets: frozenset[str] = field(default_factory=frozenset)
    secret_names: tuple[str, ...] = ()
    allow_empty: bool = False  # an empty answer with success is a value (jsonl, text)
    align: Alignment | None = None  # set exactly when kind is "mixed"

    @property
    def folder(self) -> Path:
        return self.file.parent

    @property
    def main_facet(self) -> str:
        return main_facet_of(self.kind)

    def answer_kind(self, target: str) -> Literal["command", "http"]:
        """How a target answers: a command or HTTP (a recording, like what it recorded)."""
        found = self.targets[target]
        return found.source_kind if found.kind == "recorded" else found.kind

    def allows_empty(self, target: str) -> bool:
        """Whether an empty answer of this target is a value (its own setting, else the spec's)."""
        # A recorded target has no setting of its own: the spec's applies to its answers.
        own = getattr(self.targets.get(target), "allow_empty", None)
        return self.allow_empty if own is None else own
