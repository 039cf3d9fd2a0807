"""Load a spec file: includes, JSON Schema validation, interpolation, fixtures, the frozen model.

Everything is checked here, before anything runs; every user error is one `SpecError` with a
file:line:column, a plain message and a hint.

The stages live in their own modules: `includes` (include loading and merging), `validation`
(the JSON Schema check and its messages), `interpolate` (`${VAR}`) and `fixtures` (reading case
files). This module keeps the public API and the spec builder that runs them in order.

Decisions (see also docs/spec-format.md):
- Includes: `include:` paths are relative to the including file; the including file wins; mappings
  merge deeply; the lists `normalize`, `expect`, `known` concatenate (included entries first);
  every other list is replaced. Other relative paths resolve against the (top) spec's folder.
- Interpolation happens after schema validation, so `${VAR}` only ever yields strings.
- `find_specs`: a YAML file found in a folder is a spec when its top level has `cases`,
  `cases_from` or `fuzz`, or looks like a spec whose cases key is misspelt or missing
  (`spec_without_cases`); other YAML files (include fragments, fixtures) are skipped. A file
  named explicitly is always a spec.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import glob
import hashlib
import os
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn, cast
from urllib.parse import SplitResult, parse_qsl, urlsplit

import jinja2
from jinja2 import nodes as jinja_nodes
from jinja2.sandbox import SandboxedEnvironment

from yamlparity.core import boundedre
from yamlparity.core.errors import Location, RuleError, SpecError
from yamlparity.core.jsonvalue import (
    JSON,
    JsonDecodeError,
    Number,
    dumps,
    duplicate_key_position,
    type_name,
)
from yamlparity.core.safepath import PathEscapeError, inside
from yamlparity.spec import defaults, methods
from yamlparity.spec.align import alignment, default_facets, mixed_facet
from yamlparity.spec.align import check_keys as check_align_keys
from yamlparity.spec.cases import CaseList, FixtureFile, FixtureIndex
from yamlparity.spec.compare_options import contradiction, dotted_path
from yamlparity.spec.expected import case_scope, known_error_fields, row_scope
from yamlparity.spec.fixtures import (
    BOM,
    DuplicateKey,
    JsonItems,
    decode_line,
    line_column,
    open_fixture,
    parse_checked,
    read_line,
    starts_with_bom,
    utf8_length,
)
from yamlparity.spec.har import har_cases, parse_filter, read_har
from yamlparity.spec.includes import FRAGMENT_KEYS, load_with_includes
from yamlparity.spec.interpolate import (
    ENV_OPTION,
    PORT_PLACEHOLDER,
    interpolate_all,
    references,
    scalar_text,
)
from yamlparity.spec.model import (
    COMMAND_FACETS,
    FUZZ_CASE,
    HTTP_FACETS,
    BasicAuth,
    Calibration,
    Case,
    CommandTarget,
    CompareSettings,
    Expectation,
    FuzzSettings,
    HttpTarget,
    KnownDivergence,
    PathOptions,
    RecordedTarget,
    ReportConfig,
    RequestTemplate,
    Rule,
    Service,
    Spec,
    Target,
    TlsOptions,
    main_facet_of,
)
from yamlparity.spec.recording import (
    AnswerSource,
    NoRecording,
    Recording,
    file_sha256,
    load_recording,
)
from yamlparity.spec.redact import (
    BOUNDARY,
    MIN_SECRET_LENGTH,
    SENSITIVE_HEADERS,
    Redactor,
    register,
    url_credentials,
)
from yamlparity.spec.rowmap import DEFAULT_INPUT, RowMapping, csv_rows
from yamlparity.spec.source import (
    KeyPath,
    NodeMark,
    SourceText,
    file_errors,
    load_yaml,
    read_text,
)
from yamlparity.spec.templates import is_template, template_env
from yamlparity.spec.validation import CASE_NAME_HINT, schema, suggest, validate

__all__ = ["find_specs", "load_spec", "schema"]

_ROW_KEYS = ("name", "input", "stdin", "vars", "skip", "targets")
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# What a url's base path cannot hold as written: spaces, controls, anything not ASCII.
_UNSENDABLE = re.compile(r"[\x00-\x20\x7f-\U0010ffff]")
_PACKAGE_TEMPLATES = Path(__file__).parents[1] / "report" / "templates"
# The proxies libcurl speaks (the scheme says which).
PROXY_SCHEMES = ("http", "https", "socks4", "socks4a", "socks5", "socks5h")
MAX_SECONDS = 365 * 24 * 3600.0  # a timeout beyond it is a typo (and overflows some waits)


# ---------------------------------------------------------------- public API


def load_spec(
    path: Path,
    env_overrides: dict[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    allow_outside: bool = False,
    missing_recordings: bool = False,
    env_option: str = ENV_OPTION,
    fuzz_save: Path | None = None,
) -> Spec:
    """Load, validate and build one spec; raises SpecError (and nothing else) on user errors.
    `missing_recordings`: a recorded target whose file does not exist yet has no answers
    (what `yamlparity record` needs to write it) instead of being an error. `env_option`: the
    option that gave `env_overrides`, named in hints (the CLI's `--env` unless said).
    `fuzz_save`: the file `yamlparity fuzz --save` writes (relative to the working folder);
    like the spec's `fuzz.save`, `cases_from` may name it before it exists."""
    builder = _SpecBuilder(
        Path(path),
        env_overrides or {},
        os.environ if environ is None else environ,
        allow_outside,
        missing_recordings,
        env_option=env_option,
        fuzz_save=fuzz_save,
    )
    try:
        spec = builder.build()
    except RecursionError:
        raise SpecError("the spec is nested too deeply", Location(os.path.normpath(path))) from None
    except SpecError as exc:
        # After interpolation a message may quote a secret's value (a hint echoing a command).
        _redact_error(exc, Redactor(builder.secret_values))
        raise
    finally:
        # From here on nothing this process prints or writes shows these values.
        BOUNDARY.add(builder.secret_values)
    register(spec)
    return spec


def _redact_error(exc: SpecError, redactor: Redactor) -> None:
    if not redactor:
        return
    exc.message = redactor.text(exc.message)
    exc.args = (exc.message,)
    if exc.hint is not None:
        exc.hint = redactor.text(exc.hint)
    if exc.source_line is not None:
        exc.source_line = redactor.text(exc.source_line)


def find_specs(paths: Sequence[Path]) -> list[Path]:
    """Spec files named directly, plus specs found recursively under folders (sorted)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_file() and path.suffix.lower() in (".jsonl", ".ndjson", ".csv", ".har"):
            raise SpecError(
                f"not a spec: {path} is a {path.suffix.lower()[1:].upper()} file",
                Location(str(path)),
                "a spec is a .yaml/.yml file; fixtures are named by a spec's `cases_from:`, "
                "HAR files by `cases_from:` or a target's `recorded:`",
            )
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            kinds = {p: file_role(p) for p in _yaml_files(path)}
            specs = [p for p, role in kinds.items() if role == "spec"]
            if not specs:
                fragments = [p for p, role in kinds.items() if role == "fragment"]
                raise SpecError(
                    f"no spec found under {path}", Location(str(path)), _no_spec_hint(fragments)
                )
            found.extend(specs)
        elif path.exists():
            raise SpecError(
                f"not a regular file: {path} ({_file_kind(path)})",
                Location(str(path)),
                "a spec is a .yaml/.yml file (or a folder of them)",
            )
        else:
            raise SpecError(
                f"no such file or folder: {path}",
                Location(str(path)),
                "name spec files or folders (`yamlparity run specs/probe.yaml`); with none, "
                "`specs` from the project settings (yamlparity.toml, [tool.yamlparity]) is "
                "read, else specs/",
            )
    unique = {os.path.normpath(p): p for p in found}
    return [unique[k] for k in sorted(unique)]


def _file_kind(path: Path) -> str:
    """What a path that is neither a file nor a folder is (`/dev/null`: a character device)."""
    mode = path.stat().st_mode
    kinds = (
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((word for test, word in kinds if test(mode)), "not a file or folder")


def _yaml_files(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .git, .venv...
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")) and not name.startswith("."):
                yield Path(root) / name


SPEC_KEYS = ("cases", "cases_from", "fuzz")  # a YAML file with one of these is a spec
_SPEC_ONLY_KEYS = frozenset({"name", "title", "description", "calibration", "align", "allow_empty"})


def file_role(path: Path) -> Literal["spec", "fragment", "other"]:
    """What a YAML file found in a folder is: a spec (load_spec then runs or reports it), an
    include fragment (a mapping with `targets:` and no cases), or something else — a YAML
    fixture's rows (a list, beside the spec that reads them) or a mapping of another tool.
    The one rule for discovery: `yamlparity run FOLDER` and the pytest plugin's spec folders
    both ask it (a file named explicitly is a spec whatever this says)."""
    try:
        text = read_text(path, str(path))
    except SpecError:
        return "spec"  # unreadable: let load_spec report it
    try:
        doc = load_yaml(text)
    except (SpecError, RecursionError):
        return "other" if _fixture_rows(text) else "spec"  # broken: let load_spec report it
    value = doc.value
    if any(key in value for key in SPEC_KEYS) or spec_without_cases(value):
        return "spec"
    return "fragment" if "targets" in value else "other"


def spec_without_cases(value: Mapping[str, JSON]) -> bool:
    """A spec whose cases key is misspelt (`case:`, `cases_form:`) or missing: skipped, it
    would never run and nobody would know. It has `targets:` and a key no include fragment may
    hold (`name:`, `case:`), or `targets:`/`include:` and a key close to `cases`, `cases_from`
    or `fuzz`; load_spec then points at that key (or says the spec has no cases). Anything
    else without cases may be an include fragment (docs/cli.md)."""
    if not isinstance(value, dict):
        return False
    if "targets" not in value and "include" not in value:
        # Without targets only when it reads as a spec beyond doubt: a key close to a cases
        # key beside two keys of a spec (`name:`, `normalize:`, `request:`...), not another
        # tool's YAML that happens to hold a `case:`.
        near = [k for k in value if k not in FRAGMENT_KEYS and suggest(k, SPEC_KEYS)]
        known = [k for k in value if k in FRAGMENT_KEYS or k in _SPEC_ONLY_KEYS]
        return bool(near) and len(known) >= 2
    foreign = [key for key in value if key not in FRAGMENT_KEYS]
    if "targets" in value and foreign:
        return True
    return any(suggest(key, SPEC_KEYS) for key in foreign)


def _no_spec_hint(fragments: Sequence[Path]) -> str:
    """Why a folder holds no spec, naming the files taken for include fragments."""
    hint = "a spec is a .yaml/.yml file with a top-level `cases`, `cases_from` or `fuzz`"
    if not fragments:
        return hint
    shown = ", ".join(str(p) for p in fragments[:5]) + (" …" if len(fragments) > 5 else "")
    what = "one file" if len(fragments) == 1 else f"{len(fragments)} files"
    taken = "an include fragment" if len(fragments) == 1 else "include fragments"
    return (
        f"{hint}; {what} with `targets:` but no cases, taken for {taken} (read through a "
        f"spec's `include:`): {shown}"
    )


def _fixture_rows(text: SourceText) -> bool:
    """A list none of whose items has `targets` (a spec written as a list item has: it is
    reported, not skipped)."""
    try:
        rows = cast(list[JSON], load_yaml(text, top=list).value)
    except (SpecError, RecursionError):
        return False
    return not any(isinstance(row, dict) and "targets" in row for row in rows)


def _answers_per_line(target: Target) -> bool:
    """A helper in `mode: stream`, or a recording of one: no exit code of its own per case."""
    if isinstance(target, CommandTarget):
        return target.mode == "stream"
    return (
        isinstance(target, RecordedTarget)
        and isinstance(target.source, Recording)
        and target.source.from_stream_helper
    )


# ---------------------------------------------------------------- the spec builder


@dataclass
class _SpecBuilder:
    path: Path
    overrides: Mapping[str, str]
    environ: Mapping[str, str]
    allow_outside: bool
    missing_recordings: bool = False
    env_option: str = ENV_OPTION  # how variables are set where the spec is loaded (hints)
    fuzz_save: Path | None = None
    secret_values: frozenset[str] = frozenset()
    port_dropped: frozenset[KeyPath] = frozenset()
    fixture_paths: dict[str, Path] = field(default_factory=dict)

    def build(self) -> Spec:
        display = os.path.normpath(str(self.path))
        root_key = os.path.normcase(os.path.abspath(self.path))
        self.doc = load_with_includes(
            self.path, display, ((root_key, display),), allow_outside=self.allow_outside
        )
        self.folder = self.path.resolve().parent
        self._check_target_kinds()
        check_align_keys(self.doc)
        validate(self.doc)
        secret_names = self._secrets()
        self._check_credentials(secret_names)
        interpolated = interpolate_all(self.doc, self.overrides, self.environ, self.env_option)
        env, self.port_dropped = interpolated.env, interpolated.port_dropped
        data = self.doc.value
        targets = {name: self._target(name) for name in cast(dict[str, JSON], data["targets"])}
        self._check_service_ports(targets)
        kind = self._spec_kind(targets)
        self.kind = kind
        self.align = alignment(data.get("align"), kind, self.err, self.loc, Location(display, 1, 1))
        self.target_names = tuple(targets)
        self.stream_targets = tuple(n for n, t in targets.items() if _answers_per_line(t))
        cases = self._cases()
        targets = {name: self._with_cases(target, cases) for name, target in targets.items()}
        stem = self.path.name.rsplit(".", 1)[0]
        name = cast(str, data.get("name", stem))
        spec = Spec(
            name=name,
            title=cast(str, data.get("title", name)),
            description=cast(str, data.get("description", "")),
            file=self.path.resolve(),
            env=env,
            targets=targets,
            kind=kind,
            output=cast(Any, data.get("output", "json")),
            stdin=self._stdin(),
            request=self._request(),
            rules=self._rules(),
            compare=self._compare(),
            expectations=self._expectations(cases),
            known=self._known(cases),
            cases=cases,
            report=self._report(),
            location=Location(display, 1, 1),
            calibration=self._calibration(),
            fuzz=self._fuzz(),
            secrets=self.secret_values,
            secret_names=secret_names,
            allow_empty=bool(data.get("allow_empty", False)),
            align=self.align,
        )
        return _with_replay_context(spec)

    # -- secrets

    def _secrets(self) -> tuple[str, ...]:
        """The `secrets:` names; their values come from --env or the environment, never the
        spec, and are long enough to be masked without masking ordinary text."""
        names = cast(list[str], self.doc.value.get("secrets") or [])
        defaults = cast(dict[str, JSON], self.doc.value.get("env") or {})
        values: set[str] = set()
        for index, name in enumerate(names):
            if name in defaults:
                raise self.err(
                    ("env", name),
                    f"secret {name} has a value written in the spec",
                    f"remove {name} from `env:`; pass it with {self.env_option} {name}=VALUE or "
                    "the environment",
                    at_key=True,
                )
            value = self.overrides.get(name, self.environ.get(name))
            if value is None:
                raise self.err(
                    ("secrets", index),
                    f"secret {name} is not set",
                    f"export {name}=... or pass {self.env_option} {name}=VALUE (a secret never "
                    "has a value in the spec)",
                )
            if len(value) < MIN_SECRET_LENGTH:
                raise self.err(
                    ("secrets", index),
                    f"secret {name} is too short to be masked ({len(value)} characters)",
                    f"a secret needs at least {MIN_SECRET_LENGTH} characters; masking a shorter "
                    "one would hide ordinary text in reports",
                )
            values.add(value)
        self.secret_values = frozenset(values)
        return tuple(names)

    def _check_credentials(self, secret_names: tuple[str, ...]) -> None:
        """Credentials (credential headers, `auth` passwords, proxy passwords) take their value
        from a listed secret (or, for headers, from case data)."""
        for base, headers in self._header_maps():
            for header, value in headers.items():
                if header.lower() in SENSITIVE_HEADERS and isinstance(value, str):
                    example = f'`{header}: "${{API_TOKEN}}"`'
                    what = f"the {header} header"
                    self._from_secret((*base, header), value, what, example, secret_names)
        for name, target in cast(dict[str, JSON], self.doc.value.get("targets") or {}).items():
            if not isinstance(target, dict):
                continue
            auth = target.get("auth")
            if isinstance(auth, dict) and isinstance(auth.get("password"), str):
                path: KeyPath = ("targets", name, "auth", "password")
                example = '`password: "${SVC_PASSWORD}"`'
                password = cast(str, auth["password"])
                self._from_secret(path, password, "auth.password", example, secret_names)
            proxy = target.get("proxy")
            userinfo = (
                proxy.partition("://")[2].rpartition("@")[0] if isinstance(proxy, str) else ""
            )
            if ":" in userinfo:
                example = '`proxy: "http://user:${PROXY_PASSWORD}@proxy:3128"`'
                secret = userinfo.partition(":")[2]
                where: KeyPath = ("targets", name, "proxy")
                self._from_secret(where, secret, "the proxy password", example, secret_names)

    def _from_secret(
        self, path: KeyPath, value: str, what: str, example: str, secret_names: tuple[str, ...]
    ) -> None:
        if "{{" in value.replace("$$", ""):
            return  # rendered from case data: a test credential the case supplies
        refs = references(value)
        if refs is None:
            return  # not a valid reference: interpolation says where, right after
        unlisted = [r for r in refs if r not in secret_names]
        if not refs:
            raise self.err(
                path,
                f"{what} holds a credential written in the spec",
                f"list a variable under `secrets:` and write {example}",
            )
        if unlisted:
            raise self.err(
                path,
                f"{what} uses ${{{unlisted[0]}}}, which is not listed under `secrets:`",
                f"add `secrets: [{unlisted[0]}]` so its value is masked in reports",
            )

    def _header_maps(self) -> Iterator[tuple[KeyPath, dict[str, JSON]]]:
        data = self.doc.value
        for name, target in cast(dict[str, JSON], data.get("targets") or {}).items():
            if isinstance(target, dict) and isinstance(target.get("headers"), dict):
                yield ("targets", name, "headers"), cast(dict[str, JSON], target["headers"])
        request = data.get("request")
        if isinstance(request, dict) and isinstance(request.get("headers"), dict):
            yield ("request", "headers"), cast(dict[str, JSON], request["headers"])
        for index, case in enumerate(cast(list[JSON], data.get("cases") or [])):
            override = case.get("request") if isinstance(case, dict) else None
            if isinstance(override, dict) and isinstance(override.get("headers"), dict):
                path: KeyPath = ("cases", index, "request", "headers")
                yield path, cast(dict[str, JSON], override["headers"])

    def _calibration(self) -> Calibration:
        raw = cast(dict[str, JSON], self.doc.value.get("calibration") or {})
        return Calibration(
            repeat=_int(raw.get("repeat"), defaults.CALIBRATION_REPEAT),
            unsafe_methods=bool(raw.get("unsafe_methods")),
        )

    def _fuzz(self) -> FuzzSettings:
        raw = cast(dict[str, JSON], self.doc.value.get("fuzz") or {})
        schema = cast(str | None, raw.get("schema"))
        if schema is not None and not self.resolve(schema).is_file():
            raise self.err(
                ("fuzz", "schema"),
                f"input schema not found: {self._display(self.resolve(schema))}",
                "the path is relative to the spec's folder",
            )
        save = cast(str | None, raw.get("save"))
        seconds = raw.get("max_time")
        return FuzzSettings(
            schema=self.resolve(schema) if schema is not None else None,
            save=self.resolve(save) if save is not None else None,
            max_examples=_int(raw.get("max_examples"), 0) or None,
            max_time=_float(seconds, 0.0) if seconds is not None else None,
            seed=_int(raw.get("seed"), 0) if raw.get("seed") is not None else None,
        )

    # -- helpers

    def err(self, path: KeyPath, message: str, hint: str | None = None, **kw: Any) -> SpecError:
        return self.doc.error(path, message, hint, **kw)

    def loc(self, path: KeyPath) -> Location:
        return self.doc.mark(path).location

    def resolve(self, text: str) -> Path:
        return (self.folder / text) if not os.path.isabs(text) else Path(text)

    # -- targets

    def _check_target_kinds(self) -> None:
        """Before the schema: a target is command (`run`), HTTP (`url`) or a recording
        (`recorded`), never two of them or none."""
        targets = self.doc.value.get("targets")
        if not isinstance(targets, dict):
            return
        for name, target in targets.items():
            if not isinstance(target, dict):
                continue
            has_run, has_url = "run" in target, "url" in target
            if "recorded" in target:
                _check_recorded_keys(self.doc, name, target)
                continue
            if has_run and has_url:
                raise self.err(
                    ("targets", name, "url"),
                    f"target {name!r} has both `run` and `url`",
                    "a target is either a command (`run`) or an HTTP service (`url`); to start "
                    "a server for an HTTP target, put its command under `service: {run: ...}`",
                    at_key=True,
                )
            if not has_run and not has_url:
                for key in target:  # `runn:` is a typo of `run`, not a target without one
                    hint = suggest(str(key), ["run", "url", "recorded"])
                    if hint is not None:
                        raise self.err(
                            ("targets", name, key),
                            f"unknown key {key!r} in targets.{name}",
                            hint,
                            at_key=True,
                        )
                raise self.err(
                    ("targets", name),
                    f"target {name!r} has neither `run` nor `url`",
                    "give `run: [argv...]` for a command target, `url: http://...` for an "
                    "HTTP target, or `recorded: baselines/NAME.jsonl` for a recording",
                    at_key=True,
                )

    def _target(self, name: str) -> Target:
        raw = cast(dict[str, JSON], self.doc.value["targets"][name])  # type: ignore[call-overload,index]
        base: KeyPath = ("targets", name)
        if "url" in raw:
            return self._http_target(name, raw, base)
        if "recorded" in raw:
            return self._recorded_target(name, raw, base)
        run = self._argv(raw, (*base, "run"), bool(raw.get("shell", False)))
        # `workers: 1` says nothing a process target does not do already: only more is refused.
        if _int(raw.get("workers"), 1) != 1 and raw.get("mode", "process") != "stream":
            raise self.err(
                (*base, "workers"),
                f"target {name!r}: `workers` is for `mode: stream` helpers; this target starts "
                "a process per case, so it would be ignored",
                "add `mode: stream` if the helper reads one JSON line and answers one per case "
                "(docs/stream-mode.md), or drop `workers` (`-j N` runs N cases at once)",
                at_key=True,
            )
        return CommandTarget(
            name=name,
            location=self.loc(base),
            run=run,
            templated=self._templated_argv(run, (*base, "run"), raw.get("mode", "process")),
            shell=bool(raw.get("shell", False)),
            cwd=self.resolve(cast(str, raw.get("cwd", "."))),
            env=_texts(raw.get("env")),
            timeout=self._seconds(raw, base, "timeout", defaults.COMMAND_TIMEOUT),
            build=self._build_cmd(raw.get("build")),
            build_timeout=self._seconds(raw, base, "build_timeout", defaults.BUILD_TIMEOUT),
            when_missing=cast(Any, raw.get("when_missing", "error")),
            mode=cast(Any, raw.get("mode", "process")),
            workers=_int(raw.get("workers"), defaults.STREAM_WORKERS),
            max_output=_int(raw.get("max_output"), defaults.COMMAND_MAX_OUTPUT),
            # Resolved here (the target's, else the spec's): a stream helper's adapter reads it.
            allow_empty=cast(
                bool | None, raw.get("allow_empty", self.doc.value.get("allow_empty"))
            ),
            output=cast(Any, self.doc.value.get("output", "json")),
        )

    def _check_service_ports(self, targets: dict[str, Target]) -> None:
        """Two services started on one fixed port: the second cannot bind it (or, with
        `reuse`, takes the first for its own), and both targets' cases are answered by the
        first service, a MATCH that compares a server with itself."""
        started: dict[int, str] = {}
        for name, target in targets.items():
            if not isinstance(target, HttpTarget) or target.service is None:
                continue
            if not isinstance(target.port, int) or target.unix_socket is not None:
                continue
            first = started.setdefault(target.port, name)
            if first != name:
                raise self.err(
                    ("targets", name, "port"),
                    f"targets {first!r} and {name!r} both start a service on port "
                    f"{target.port}: the second cannot listen there, and the first would "
                    "answer for both",
                    "give each service its own port, or `port: auto` (a free port each)",
                )
        for name, target in targets.items():
            if not isinstance(target, HttpTarget) or target.service is not None:
                continue
            url = target.url
            if isinstance(target.port, int):
                url = url.replace(PORT_PLACEHOLDER, str(target.port))
            port = _loopback_port(url)
            owner = started.get(port) if port is not None else None
            if owner is not None and _same_requests(target, targets[owner]):
                raise self.err(
                    ("targets", name, "url"),
                    f"target {name!r} points at port {port}, where target {owner!r} starts its "
                    "service: one server would answer both, and every case would match",
                    f"point {name!r} at the other implementation's port (two versions on one "
                    "server differ by base path, /v1 and /v2, or by headers)",
                )

    def _recorded_target(self, name: str, raw: dict[str, JSON], base: KeyPath) -> RecordedTarget:
        """A recording (`yamlparity record`) or a HAR file, read and checked now."""
        text = cast(str, raw["recorded"])
        where: KeyPath = (*base, "recorded")
        self._inside(where, text, "recordings")
        file = self.resolve(text)
        if not file.exists() and self.missing_recordings:
            source: AnswerSource = NoRecording(self._display(file), self._live_kind())
            return RecordedTarget(name=name, location=self.loc(base), path=file, source=source)
        if not file.is_file():
            raise self.err(
                where,
                f"target {name!r}: recording not found: {text}",
                "write it with `yamlparity record SPEC --target NAME` (paths are relative to "
                "the spec file), or name a .har file",
            )
        display = self._display(file)
        source = read_har(file, display) if file.suffix == ".har" else load_recording(file, display)
        return RecordedTarget(
            name=name,
            location=self.loc(base),
            path=file,
            source=source,
            check_input=raw.get("check_input", True) is not False,
        )

    def _live_kind(self) -> Literal["command", "http"]:
        """The kind of the spec's first live target (what a missing recording answers like)."""
        for raw in cast(dict[str, JSON], self.doc.value["targets"]).values():
            if isinstance(raw, dict) and "recorded" not in raw:
                return "http" if "url" in raw else "command"
        return "http"

    def _http_target(self, name: str, raw: dict[str, JSON], base: KeyPath) -> HttpTarget:
        url = cast(str, raw["url"])
        self._check_base_url(name, (*base, "url"), url)
        port = raw.get("port")
        if port == "auto" and "service" not in raw:
            raise self.err(
                (*base, "port"),
                f"target {name!r}: `port: auto` chooses a free port for a service yamlparity "
                "starts, and this target has no `service:` (nothing would listen on it)",
                "for a server that is already running, write its port in the url "
                '(url: "http://127.0.0.1:8080") and drop `port:`; or add `service: {run: '
                "[...]}` so yamlparity starts the server on the chosen port",
                at_key=True,
            )
        if (*base, "url") in self.port_dropped:
            # `${GW:-http://127.0.0.1:${port}}` with GW set: a server already running, so
            # nothing is started and no port chosen (docs/spec-format.md, Interpolation).
            port, raw = None, {k: v for k, v in raw.items() if k not in ("port", "service")}
        if PORT_PLACEHOLDER in url and port is None:
            raise self.err(
                (*base, "url"),
                f"target {name!r} uses ${{port}} but has no `port:`",
                "add `port: auto` (a free port) or `port: 8080`",
            )
        if port == "auto" and PORT_PLACEHOLDER not in url and "unix_socket" not in raw:
            raise self.err(
                (*base, "port"),
                f"target {name!r}: `port: auto` chooses a free port, but the url never uses it",
                'put `${port}` where the port goes: url: "http://127.0.0.1:${port}"',
                at_key=True,
            )
        headers = _texts(raw.get("headers"))
        auth = self._auth(name, raw, base, headers)
        return HttpTarget(
            name=name,
            location=self.loc(base),
            url=url,
            headers=headers,
            timeout=self._seconds(raw, base, "timeout", defaults.HTTP_TIMEOUT),
            port="auto" if port == "auto" else (_int(port, 0) if port is not None else None),
            service=self._service(cast(dict[str, JSON], raw["service"]), (*base, "service"))
            if "service" in raw
            else None,
            concurrency=_int(raw["concurrency"], 1) if "concurrency" in raw else None,
            max_output=_int(raw.get("max_output"), defaults.HTTP_MAX_OUTPUT),
            tls=self._tls(name, raw, base),
            proxy=self._proxy(name, raw, base),
            auth=auth,
            allow_empty=cast(bool | None, raw.get("allow_empty")),
            **self._transport(name, raw, base),
        )

    def _transport(self, name: str, raw: dict[str, JSON], base: KeyPath) -> dict[str, Any]:
        """http_version, unix_socket, compressed: refused here when libcurl lacks them."""
        version = cast(str | None, raw.get("http_version"))
        socket_text = raw.get("unix_socket")
        unix_socket = str(self.resolve(socket_text)) if isinstance(socket_text, str) else None
        # Imported here: loading pycurl costs every run ~6 ms, needed by HTTP targets only.
        from yamlparity.core.curlinfo import missing_for

        missing = missing_for(version, unix_socket is not None)
        if missing is not None:
            key = "http_version" if missing.startswith("http_version") else "unix_socket"
            raise self.err(
                (*base, key),
                f"target {name!r}: {missing}",
                "install a pycurl whose libcurl has it (pip install pycurl), or drop the option",
            )
        return {
            "http_version": version,
            "unix_socket": unix_socket,
            "compressed": raw.get("compressed") is True,
        }

    def _tls(self, name: str, raw: dict[str, JSON], base: KeyPath) -> TlsOptions | None:
        """`tls:` with its files resolved, and loaded once here: a missing or malformed
        certificate is a spec error at its line, not an ERROR on every case."""
        if "tls" not in raw:
            return None
        options = cast(dict[str, JSON], raw["tls"])
        paths: dict[str, str | None] = {}
        for key in ("ca", "cert", "key", "proxy_ca"):
            text = options.get(key)
            path = str(self.resolve(text)) if isinstance(text, str) else None
            paths[key] = path
            if path is not None and not os.path.isfile(path):
                raise self.err(
                    (*base, "tls", key),
                    f"target {name!r}: tls.{key} file not found: {text}",
                    "paths are relative to the spec file",
                )
        if paths["key"] is not None and paths["cert"] is None:
            raise self.err((*base, "tls", "key"), f"target {name!r}: tls.key needs tls.cert")
        verify = options.get("verify", True) is not False
        checks = [
            ("ca", (paths["ca"], None, None)),
            ("proxy_ca", (paths["proxy_ca"], None, None)),
            ("cert", (None, paths["cert"], paths["key"])),
        ]
        from yamlparity.core.tls import tls_context  # ssl costs ~6 ms to import: only here

        for key, (ca, cert, private) in checks:
            if paths[key] is None:
                continue
            try:
                tls_context(ca, cert, private)
            except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
                if private is not None and not _holds_private_key(private):
                    key = "key"  # ssl names no file: point at the one that cannot be a key
                raise self.err(
                    (*base, "tls", key),
                    f"target {name!r}: cannot load tls.{key}: {exc}",
                    "ca: PEM CA certificates; cert: a PEM certificate, with its private key "
                    "in the same file or in tls.key",
                ) from None
        return TlsOptions(paths["ca"], paths["cert"], paths["key"], verify, paths["proxy_ca"])

    def _proxy(self, name: str, raw: dict[str, JSON], base: KeyPath) -> str | None:
        proxy = raw.get("proxy")
        if not isinstance(proxy, str) or not proxy.strip():
            return None  # `proxy: "${HTTPS_PROXY:-}"`: a proxy only where the variable is set
        parsed = self._check_url((*base, "proxy"), name, proxy, "proxy")
        if parsed.scheme not in PROXY_SCHEMES or not parsed.hostname:
            raise self.err(
                (*base, "proxy"),
                f"target {name!r}: proxy must be a URL with a scheme and a host: {proxy!r}",
                "one of " + ", ".join(f"{s}://" for s in PROXY_SCHEMES) + ", e.g. "
                "http://proxy.internal:3128 or socks5h://127.0.0.1:1080",
            )
        return proxy

    def _check_url(self, path: KeyPath, name: str, url: str, what: str) -> SplitResult:
        """A URL Python can take apart: `http://[::1` or a port past 65535 is a spec error
        here, not a traceback when the target starts."""
        try:
            parsed = urlsplit(url)
            parsed.port  # noqa: B018 - parsing the port is the check
        except ValueError as exc:
            raise self.err(
                path,
                f"target {name!r}: {what} is not a valid URL ({exc}): {url!r}",
                "e.g. http://127.0.0.1:8080 or http://[::1]:8080 (a port is 1 to 65535)",
            ) from None
        return parsed

    def _check_base_url(self, name: str, path: KeyPath, url: str) -> None:
        """An http(s) URL the request path can be appended to: the path is joined to it as
        text, so a query or a fragment here would swallow the path (`/api?k=1` + `/x`)."""
        if not re.match(r"https?://", url):
            scheme = url.partition("://")[0] if "://" in url else None
            raise self.err(
                path,
                f"target {name!r}: url must start with http:// or https://",
                (f"{scheme!r} is not a scheme yamlparity speaks; " if scheme else "")
                + 'write the server\'s address: url: "http://127.0.0.1:8080" or '
                '"https://api.example.com"',
            )
        parsed = self._check_url(path, name, url.replace(PORT_PLACEHOLDER, "1"), "url")
        rest = len(parsed.scheme) + 3  # after `://`: a `?` or `#` from here on ends the path
        at = min((i for i in (url.find("?", rest), url.find("#", rest)) if i >= 0), default=-1)
        if at < 0:
            self._check_base_path(name, path, url, rest)
            return
        # A credential in the query (`?api_key=...`) is not printed: the spec's secrets are
        # not registered yet, and the url may come from a variable.
        hidden = url_credentials(url)
        tail = url[at:]
        for value in sorted(hidden, key=len, reverse=True):
            tail = tail.replace(value, "***")
        if url[at] == "?":
            pairs = parse_qsl(url[at + 1 :].partition("#")[0], keep_blank_values=True)
            shown = ", ".join(
                f"{_yaml_key(k)}: {'${SECRET}' if v in hidden else dumps(v)}" for k, v in pairs
            )
            what, hint = (
                "a query",
                f"move it to `request.query: {{{shown or '...'}}}` (or the path)",
            )
        else:
            what, hint = "a fragment", "drop it: a fragment is never sent to a server"
        raise self.err(
            path,
            f"target {name!r}: the url has {what} ({tail!r}); each case's request path "
            "is appended to the url, so it would land inside it",
            f"{hint}; keep the url to scheme://host:port and an optional base path",
            value_offset=(url, at),
        )

    def _check_base_path(self, name: str, path: KeyPath, url: str, rest: int) -> None:
        """A base path is sent as written, so it must be URL text already: a space, a
        control character or a non-ASCII letter there failed every case at run time."""
        start = url.find("/", rest)
        if start < 0:
            return
        bad = next((i for i in range(start, len(url)) if _UNSENDABLE.match(url[i])), None)
        if bad is None:
            return
        encoded = "".join(
            "".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass"))
            if _UNSENDABLE.match(c)
            else c
            for c in url[start:]
        )
        raise self.err(
            path,
            f"target {name!r}: the url's base path has {url[bad]!r}, which a URL cannot hold "
            "as written",
            f"write it percent-encoded (UTF-8): {encoded!r}",
            value_offset=(url, bad),
        )

    def _auth(
        self, name: str, raw: dict[str, JSON], base: KeyPath, headers: dict[str, str]
    ) -> BasicAuth | None:
        auth = raw.get("auth")
        if not isinstance(auth, dict):
            return None
        if any(header.lower() == "authorization" for header in headers):
            raise self.err(
                (*base, "auth"),
                f"target {name!r} has both `auth` and an Authorization header",
                "keep one: `auth` sends `Authorization: Basic ...` (or answers a Digest challenge)",
            )
        scheme: Literal["basic", "digest"] = "digest" if auth.get("type") == "digest" else "basic"
        return BasicAuth(cast(str, auth["username"]), cast(str, auth["password"]), scheme)

    def _service(self, raw: dict[str, JSON], base: KeyPath) -> Service:
        ready = cast(dict[str, JSON], raw.get("ready") or {"port": True})
        if "log" in ready:
            self._regex((*base, "ready", "log"), cast(str, ready["log"]))
        shell = bool(raw.get("shell", False))
        return Service(
            run=self._argv(raw, (*base, "run"), shell),
            shell=shell,
            cwd=self.resolve(cast(str, raw.get("cwd", "."))),
            env=_texts(raw.get("env")),
            ready_http=cast(str | None, ready.get("http")),
            ready_port=ready.get("port") is True,
            ready_log=cast(str | None, ready.get("log")),
            start_timeout=self._seconds(raw, base, "start_timeout", defaults.START_TIMEOUT),
            stop_timeout=self._seconds(raw, base, "stop_timeout", defaults.STOP_TIMEOUT),
            reuse=bool(raw.get("reuse", False)),
        )

    def _seconds(self, raw: dict[str, JSON], base: KeyPath, key: str, default: float) -> float:
        """A duration the schema found > 0, still a usable float: `1e-400` would round to 0
        (no time at all) and `1e400` to infinity (waits refuse it, or never end)."""
        if key not in raw:
            return default
        value = _float(raw[key], default)
        literal = cast(Number, raw[key]).literal
        if value == 0:
            raise self.err(
                (*base, key),
                f"{key} {literal} is too small: it rounds to 0 seconds",
                "durations are in seconds, e.g. 0.5",
            )
        if not value <= MAX_SECONDS:
            raise self.err(
                (*base, key),
                f"{key} {literal} is too large (at most {MAX_SECONDS:.0f} seconds, a year)",
                "durations are in seconds, e.g. 30",
            )
        return value

    def _argv(self, raw: dict[str, JSON], path: KeyPath, shell: bool) -> tuple[str, ...] | str:
        value = raw[cast(str, path[-1])]
        if isinstance(value, str):
            if not shell:
                raise self.err(
                    path,
                    "`run` is a string but `shell` is not true",
                    f"write an argv list such as {dumps(value.split())}, or set `shell: true` "
                    "to run the string with /bin/sh",
                )
            return value
        if shell:
            raise self.err(
                path,
                "`shell: true` needs `run` to be one string",
                "write the command as one string, or drop `shell: true`",
            )
        return tuple(cast(list[str], value))

    def _templated_argv(self, run: tuple[str, ...] | str, path: KeyPath, mode: JSON) -> bool:
        """True when argv elements hold templates (rendered per case); checked here: the
        program itself is fixed, a stream helper's argv cannot change per case."""
        if isinstance(run, str):
            return False  # a shell string is the shell's: never rendered
        found = [i for i, arg in enumerate(run) if is_template(arg)]
        if not found:
            return False
        if 0 in found:
            raise self.err(
                (*path, 0),
                "the program (the first element of `run`) cannot be a template",
                'render its arguments: run: [jq, -c, "{{ case.input.program }}"]',
            )
        if mode == "stream":
            raise self.err(
                (*path, found[0]),
                "`mode: stream` starts its helper once: its `run` cannot change per case",
                "use mode: process to render arguments per case, or pass the value on stdin",
            )
        for index in found:
            self._template_syntax((*path, index), run[index], of_case=True)
        return True

    def _build_cmd(self, value: JSON) -> tuple[str, ...] | str | None:
        if value is None or isinstance(value, str):
            return value
        return tuple(cast(list[str], value))

    def _spec_kind(self, targets: dict[str, Target]) -> Any:
        """command, http, or mixed: commands and HTTP targets compared (spec/align.py)."""
        kinds = {_answers_like(t) for t in targets.values()}
        return "mixed" if len(kinds) > 1 else kinds.pop()

    def _with_cases(self, target: Target, cases: CaseList) -> Target:
        """A recording's cases the spec no longer has, and whether the spec changed since."""
        if target.kind != "recorded":
            return target
        source = target.source
        changed = isinstance(source, Recording) and source.header.spec_sha256 != file_sha256(
            self.path
        )
        if not source.lists_unused:
            return dataclasses.replace(target, spec_changed=changed)
        names = set(cases.names())
        unused = tuple(sorted(name for name in source.names() if name not in names))
        return dataclasses.replace(target, unused=unused, spec_changed=changed)

    # -- stdin / request

    def _stdin(self) -> str | None:
        value = self.doc.value.get("stdin")
        if value is None:
            return None
        if self.kind == "http":
            raise self.err(
                ("stdin",),
                "`stdin` applies to command targets; this spec's targets are HTTP",
                "use `request:` to shape HTTP requests",
                at_key=True,
            )
        self._template(("stdin",), cast(str, value))
        return cast(str, value)

    def _request(self) -> RequestTemplate | None:
        raw = self.doc.value.get("request")
        if self.kind == "command":
            if raw is not None:
                raise self.err(
                    ("request",),
                    "`request` applies to HTTP targets; this spec's targets are commands",
                    "use `stdin:` to shape what a command reads",
                    at_key=True,
                )
            return None
        if raw is None:
            return RequestTemplate()  # POST, the case input as JSON (run/plan.py)
        request = self._request_overrides(("request",), cast(dict[str, JSON], raw))
        has_json = "json" in request
        return RequestTemplate(
            method=cast(str, request.get("method", "POST")),
            path=cast(str, request.get("path", "/")),
            query=cast(dict[str, str], request.get("query", {})),
            headers=cast(dict[str, str], request.get("headers", {})),
            json=cast(JSON, request["json"]) if has_json else None,
            has_json=has_json,
            body=cast(str | None, request.get("body")),
            no_body="body" in request and request["body"] is None,
        )

    def _request_overrides(self, base: KeyPath, raw: dict[str, JSON]) -> dict[str, Any]:
        if "json" in raw and "body" in raw:
            raise self.err(
                (*base, "body"),
                "a request has either `json` or `body`, not both",
                "`json:` sends a structure as JSON, `body:` sends text; keep one",
                at_key=True,
            )
        out: dict[str, Any] = dict(raw)
        if isinstance(raw.get("method"), str):
            self._check_method((*base, "method"), cast(str, raw["method"]))
        if isinstance(raw.get("path"), str):
            self._check_request_path((*base, "path"), cast(str, raw["path"]))
        for key in ("query", "headers"):
            if key in raw:
                out[key] = _texts(raw[key])
        for key in ("path", "body"):
            if isinstance(raw.get(key), str):
                self._template((*base, key), cast(str, raw[key]))
        for key in ("query", "headers"):
            for name, text in out.get(key, {}).items():
                self._template((*base, key, name), text)
        if "json" in raw:
            self._json_templates((*base, "json"), raw["json"])
        return out

    def _check_method(self, path: KeyPath, method: str) -> None:
        """A custom method is sent as written; one a slip away from a standard one is a typo
        every server would answer 405 or 501 to, for every case."""
        known = methods.likely_typo(method)
        if known is not None:
            raise self.err(
                path,
                f"HTTP method {method!r} is not a standard method: did you mean {known!r}?",
                f"the standard methods: {methods.LISTED}; a custom method is sent as written, "
                "but not one this close to a standard one",
            )

    def _check_request_path(self, path: KeyPath, text: str) -> None:
        """The path is appended to each target's url as text: without its leading `/`,
        `http://host:8080` + `health` is a broken URL and `.../api` + `health` is `/apihealth`.
        A path that starts with a template is checked per case, when it is rendered."""
        opens = [i for i in (text.find("{{"), text.find("{%"), text.find("{#")) if i >= 0]
        written = text[: min(opens)] if opens else text
        if written.startswith("/") or (opens and written == ""):
            return
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise self.err(
            path,
            f"the request path {shown!r} does not start with /: it is appended to each "
            "target's url",
            f'write "/{shown.lstrip()}" (the url keeps any base path: url '
            '"http://host:8080/api" + path "/health" asks for /api/health)',
        )

    def _json_templates(self, path: KeyPath, value: JSON) -> None:
        if isinstance(value, str):
            self._template(path, value)
        elif isinstance(value, dict):
            for key, item in value.items():
                self._json_templates((*path, key), item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._json_templates((*path, index), item)

    def _template(self, path: KeyPath, text: str) -> None:
        try:
            tree = template_env().parse(text)
        except jinja2.TemplateSyntaxError as exc:
            line = exc.lineno or 1
            where = f" (template line {line})" if line > 1 else ""
            raise self.err(
                path,
                f"template syntax error{where}: {exc.message}",
                "templates use Jinja syntax: {{ case.input }}, {{ case.input | tojson }}",
            ) from None
        self._case_names(path, tree)

    def _case_names(self, path: KeyPath, tree: jinja_nodes.Template) -> None:
        """A case's template sees `case` (name, input, vars) and Jinja's globals: any other
        name, or `case.inptu`, would fail every case at run time, so it fails the load."""
        from jinja2 import meta

        try:
            names = meta.find_undeclared_variables(tree)  # compiles it: filters, tests checked
        except jinja2.TemplateSyntaxError as exc:
            raise self.err(
                path,
                f"template error: {exc.message}",
                "see the filters and tests Jinja has: {{ case.input | tojson }}",
            ) from None
        for name in sorted(names - {"case"} - set(template_env().globals)):
            raise self.err(
                path,
                f"unknown name `{name}` in the template: a case's templates see `case`",
                suggest(name, ["case"])
                or "write {{ case.input }}, {{ case.name }} or {{ case.vars.NAME }}",
            )
        if "case" not in names or _rebinds_case(tree):  # its own `case`: nothing to check
            return
        for node in tree.find_all((jinja_nodes.Getattr, jinja_nodes.Getitem)):
            key = _case_key(node)
            if key is not None and key not in _CASE_KEYS + _MAPPING_METHODS:
                raise self.err(
                    path,
                    f"`case.{key}` in the template: a case has {', '.join(_CASE_KEYS)}",
                    suggest(key, _CASE_KEYS) or "the case's data is under case.input",
                )

    # -- rules

    def _rules(self) -> tuple[Rule, ...]:
        raw = self.doc.value.get("normalize")
        items: list[tuple[KeyPath, JSON, str | None]] = []
        if isinstance(raw, list):
            items = [(("normalize", i), r, None) for i, r in enumerate(raw)]
        elif isinstance(raw, dict):
            for facet, rules in raw.items():
                self._facet(("normalize", facet), facet, at_key=True)
                items += [
                    (("normalize", facet, i), r, facet)
                    for i, r in enumerate(cast(list[JSON], rules))
                ]
        return tuple(self._rule(path, item, facet) for path, item, facet in items)

    def _rule(self, path: KeyPath, item: JSON, facet: str | None) -> Rule:
        targets: frozenset[str] | None = None
        intended: str | None = None
        text_path = path
        if isinstance(item, dict):
            text_path = (*path, "rule")
            text = cast(str, item["rule"])
            if "targets" in item:
                targets = frozenset(self._target_refs((*path, "targets"), item["targets"]))
            intended = cast(str | None, item.get("intended"))
            if "facet" in item:
                if facet is not None:
                    raise self.err(
                        (*path, "facet"),
                        "a rule under a facet key cannot name another facet",
                        at_key=True,
                    )
                facet = self._facet((*path, "facet"), cast(str, item["facet"]))
        else:
            text = cast(str, item)
        program = self._compile(text_path, text)
        facet = _facet_name(facet) if facet else self._main_facet()
        if facet == self._main_facet() and targets is None:
            self._not_collapsing(text_path, program, facet)
        if facet.startswith("headers.") and _may_make_null(program):
            raise self.err(
                text_path,
                f"this rule may make the {facet} header null, which is how a header the "
                "target did not send is compared: a sent header would match a missing one",
                f"to ignore the header, leave {facet} out of compare.facets; to hide its "
                'value, mask it with a string: mask(.; "<value>")',
            )
        return Rule(
            text=text,
            location=self.loc(text_path),
            program=program,
            facet=facet,
            targets=targets,
            intended=intended,
        )

    def _not_collapsing(self, path: KeyPath, program: Any, facet: str) -> None:
        """Refuse a rule that turns every main output of the spec's kind into one value (or,
        for objects and arrays, into one per type): every case would match."""
        from yamlparity.rules.whole import collapses, one_value, output_types

        kind = cast(str, self.doc.value.get("output", "json"))
        types = output_types(kind)
        if not collapses(program.op, types):
            return
        hint = f"to stop comparing {facet}, leave it out of compare.facets; " + (
            'to hide parts of the text, scrub them: scrub("[0-9]+"; "N")'
            if kind == "text"
            else "to drop one field, name it: del(.timestamp)"
        )
        if one_value(program.op, types):
            what = f"every {facet} the same" if kind != "text" else f"every text {facet} the same"
            raise self.err(path, f"this rule makes {what}: every case would match", hint)
        raise self.err(
            path,
            f"this rule empties every {facet} that is an object or an array ({{}}, []): "
            "every case would match",
            hint,
        )

    def _compile(self, path: KeyPath, text: str) -> Any:
        from yamlparity.rules.normalize import compile_rule

        try:
            return compile_rule(text)
        except RuleError as exc:
            raise self._rule_error(path, text, exc) from None

    def _rule_error(self, path: KeyPath, text: str, exc: RuleError) -> SpecError:
        mark = self.doc.mark(path)
        return self.err(
            path,
            f"bad rule: {exc.message}",
            _split_by_flow_comma(mark, text) or exc.hint or f"in the rule {text!r}",
            value_offset=(text, exc.column - 1),
        )

    def _main_facet(self) -> str:
        return main_facet_of(self.kind)

    def _facet(self, path: KeyPath, facet: str, at_key: bool = False) -> str:
        if self.align is not None:
            return mixed_facet(facet, self.align, self.err, path, at_key)
        valid = COMMAND_FACETS if self.kind == "command" else HTTP_FACETS
        if facet in valid:
            return facet
        if (
            self.kind == "http"
            and facet.lower().startswith("headers.")
            and _HEADER_NAME.fullmatch(facet[8:])
        ):
            return _facet_name(facet)
        extra = ", headers.<name>" if self.kind == "http" else ""
        hint = suggest(facet, valid) or f"{self.kind} facets: {', '.join(valid)}{extra}"
        raise self.err(path, f"{facet!r} is not a facet of a {self.kind} spec", hint, at_key=at_key)

    def _target_refs(self, path: KeyPath, value: JSON) -> list[str]:
        names = [value] if isinstance(value, str) else cast(list[str], value)
        for index, name in enumerate(names):
            if name not in self.target_names:
                where = (*path, index) if isinstance(value, list) else path
                raise self.err(
                    where,
                    f"unknown target {name!r}",
                    suggest(name, self.target_names) or f"targets: {', '.join(self.target_names)}",
                )
        return names

    # -- compare

    def _compare(self) -> CompareSettings:
        raw = cast(dict[str, JSON], self.doc.value.get("compare") or {})
        base: KeyPath = ("compare",)
        facets = raw.get("facets")
        if facets is None and self.align is not None:
            chosen: tuple[str, ...] = default_facets(self.align)
        elif facets is None:
            chosen = ("stdout",) if self.kind == "command" else ("status", "body")
        else:
            chosen = tuple(
                self._facet((*base, "facets", i), f) for i, f in enumerate(cast(list[str], facets))
            )
        self._check_stream_exit_codes(chosen, facets)
        baseline = raw.get("baseline")
        if baseline is not None:
            self._target_refs((*base, "baseline"), baseline)
        text = cast(dict[str, str], raw.get("text") or {})
        if text:
            self._check_text_applies(chosen)
        paths = cast(dict[str, dict[str, JSON]], raw.get("paths") or {})
        options = tuple(self._path_options((*base, "paths", k), k, v) for k, v in paths.items())
        found = contradiction(raw, [(p.path_text, p.path, paths[p.path_text]) for p in options])
        if found is not None:
            raise self.err((*base, *found.path), found.message, found.hint, at_key=True)
        return CompareSettings(
            facets=chosen,
            arrays=cast(Any, raw.get("arrays", "ordered")),
            numbers=cast(Any, raw.get("numbers", "literal")),
            paths=options,
            text_trailing_whitespace=cast(Any, text.get("trailing_whitespace", "keep")),
            text_line_endings=cast(Any, text.get("line_endings", "keep")),
            baseline=cast(str | None, baseline),
        )

    def _check_text_applies(self, chosen: tuple[str, ...]) -> None:
        """`compare.text` compares text: the output when it is `output: text`, and stderr. A
        spec with neither would have it ignored without a word."""
        output = self.doc.value.get("output", "json")
        if output == "text" or "stderr" in chosen:
            return
        raise self.err(
            ("compare", "text"),
            f"`compare.text` applies to text, but this spec's output is `{output}` and it "
            "compares no stderr: the option would be ignored",
            "drop `compare.text`; it is for `output: text` and for stderr "
            "(`compare: {facets: [stdout, stderr]}`)",
            at_key=True,
        )

    def _check_stream_exit_codes(self, chosen: tuple[str, ...], facets: JSON) -> None:
        """A stream helper answers each case with a line and has no exit code of its own:
        comparing one (or the success class made from it) would compare a made-up 0."""
        compared = [f for f in ("exit_code", "outcome") if f in chosen]
        if not compared or not self.stream_targets:
            return
        helper = self.stream_targets[0]
        recorded = self.recorded_stream_helper(helper)
        runs = "replays a recording of a helper in" if recorded else "runs in"
        instead = (
            f"record '{helper}' again from its helper in `mode: process`"
            if recorded
            else f"give '{helper}' `mode: process` to start it once per case"
        )
        if facets is None:  # the default facets of `align: {exit_code: status}`
            raise self.err(
                ("align", "exit_code"),
                f"`exit_code: status` compares success and failure, but target '{helper}' {runs} "
                "`mode: stream`: a stream helper has no exit code of its own per case",
                "drop `exit_code: status` and compare what the targets write (stdout <-> body), "
                f"or {instead}",
                at_key=True,
            )
        index = chosen.index(compared[0])  # the facets as written, in their order
        raise self.err(
            ("compare", "facets", index),
            f"`{compared[0]}` is compared, but target '{helper}' {runs} `mode: stream`: a "
            "stream helper answers each case with a line and has no exit code of its own",
            f"compare what it writes (an error field in its answer, say), or {instead}",
        )

    def recorded_stream_helper(self, name: str) -> bool:
        raw = cast(dict[str, JSON], self.doc.value["targets"])[name]
        return isinstance(raw, dict) and "recorded" in raw

    def _path_options(self, path: KeyPath, text: str, raw: dict[str, JSON]) -> PathOptions:
        from yamlparity.rules.normalize import parse_path

        try:
            pattern = parse_path(text)
        except RuleError as exc:
            dotted = dotted_path(text)
            if dotted is not None:  # the rule parser's "unknown function 'items'" misleads
                message, hint = dotted
                raise self.err(path, f"bad path {text!r}: {message}", hint, at_key=True) from None
            raise self.err(
                path,
                f"bad path {text!r}: {exc.message}",
                exc.hint or "paths are jq-style: .items, .rows[], .a.b",
                at_key=True,
            ) from None
        tolerance = cast(dict[str, JSON], raw.get("tolerance") or {})
        return PathOptions(
            path=pattern,
            path_text=text,
            arrays=cast(Any, raw.get("arrays")),
            key=cast(str | None, raw.get("key")),
            numbers=cast(Any, raw.get("numbers")),
            tolerance_abs=_float(tolerance["abs"], 0.0) if "abs" in tolerance else None,
            tolerance_rel=_float(tolerance["rel"], 0.0) if "rel" in tolerance else None,
        )

    # -- expect / known

    def _expectations(self, cases: CaseList) -> tuple[Expectation, ...]:
        raw = cast(list[dict[str, JSON]], self.doc.value.get("expect") or [])
        return tuple(self._expectation(("expect", i), item, cases) for i, item in enumerate(raw))

    def _expectation(self, base: KeyPath, raw: dict[str, JSON], cases: CaseList) -> Expectation:
        checks = [k for k in ("exists", "equals", "matches") if k in raw]
        description = ", ".join(
            f"{k}: {dumps(v)}" for k, v in raw.items() if k not in ("targets", "cases")
        )
        targets = (
            frozenset(self._target_refs((*base, "targets"), raw["targets"]))
            if "targets" in raw
            else None
        )
        globs = (
            self._case_globs((*base, "cases"), raw["cases"], cases, stale_ok=False)
            if "cases" in raw
            else ()
        )
        common: dict[str, Any] = {
            "location": self.loc(base),
            "description": description,
            "targets": targets,
            "cases": globs,
        }
        if "status" in raw:
            if self.kind == "mixed":
                raise self.err(
                    (*base, "status"),
                    "`status` expectations apply to HTTP specs, and this one has command targets",
                    "compare success and failure with `align: {exit_code: status}`; or check "
                    "the answer with a `path` expectation",
                    at_key=True,
                )
            if self.kind != "http":
                raise self.err(
                    (*base, "status"),
                    "`status` expectations apply to HTTP specs",
                    "a command's exit code is compared with `compare: {facets: [stdout, "
                    "exit_code]}`; or check the output with a `path` expectation",
                    at_key=True,
                )
            if "path" in raw or checks:
                raise self.err(
                    (*base, "status"),
                    "an expectation checks `status` or a `path`, not both",
                    "split it into two list items",
                    at_key=True,
                )
            return Expectation(kind="status", value=raw["status"], **common)
        if "path" not in raw:
            raise self.err(
                base,
                "an expectation needs `status` or `path`",
                "e.g. `- status: 200` or `- {path: $.ok, exists: true}`",
            )
        if len(checks) != 1:
            raise self.err(
                base,
                "a `path` expectation needs exactly one of exists, equals, matches",
                "e.g. `- {path: $.ok, exists: true}`",
            )
        path_text = cast(str, raw["path"])
        self._jsonpath((*base, "path"), path_text)
        check = checks[0]
        if check == "exists":
            return Expectation(
                kind="exists" if raw["exists"] else "absent", path=path_text, **common
            )
        if check == "equals":
            return Expectation(kind="equals", path=path_text, value=raw["equals"], **common)
        pattern = cast(str, raw["matches"])
        self._regex((*base, "matches"), pattern)
        return Expectation(kind="matches", path=path_text, pattern=pattern, **common)

    def _jsonpath(self, path: KeyPath, text: str) -> None:
        from yamlparity.rules.jsonpath import compile_path

        try:
            compile_path(text)
        except Exception as exc:  # jsonpath-ng raises several unrelated exception types
            raise self.err(
                path, f"bad JSONPath {text!r}: {exc}", "e.g. $.ok, $.errors[0].kind"
            ) from None

    def _regex(self, path: KeyPath, pattern: str) -> None:
        try:
            boundedre.compile(pattern)  # what runs it (expectations, ready.log)
        except boundedre.error as exc:
            raise self.err(
                path,
                f"bad regular expression: {exc}",
                "patterns use Python `re` syntax; escape special characters with \\",
                value_offset=(pattern, exc.pos or 0),
            ) from None

    def _known(self, cases: CaseList) -> tuple[KnownDivergence, ...]:
        raw = cast(list[dict[str, JSON]], self.doc.value.get("known") or [])
        out: list[KnownDivergence] = []
        for index, item in enumerate(raw):
            base: KeyPath = ("known", index)
            facets = item.get("facets")
            out.append(
                KnownDivergence(
                    location=self.loc(base),
                    cases=self._case_globs((*base, "cases"), item["cases"], cases, stale_ok=False),
                    facets=tuple(
                        self._facet((*base, "facets", i), f)
                        for i, f in enumerate(cast(list[str], facets))
                    )
                    if facets is not None
                    else None,
                    reason=cast(str, item["reason"]),
                    link=cast(str | None, item.get("link")),
                    **known_error_fields(self, base, item),
                )
            )
        return tuple(out)

    def _case_globs(
        self, path: KeyPath, value: JSON, cases: CaseList, stale_ok: bool
    ) -> tuple[str, ...]:
        globs = [value] if isinstance(value, str) else cast(list[str], value)
        for index, pattern in enumerate(globs):
            if stale_ok or _any_name_matches(cases, pattern):
                continue
            if "fuzz" in self.doc.value and fnmatch.fnmatchcase(FUZZ_CASE, pattern):
                continue  # it names the cases `yamlparity fuzz` makes
            where = (*path, index) if isinstance(value, list) else path
            raise self.err(
                where,
                f"{pattern!r} matches no case (a stale entry?)",
                suggest(pattern, list(cases.names())) or "remove it, or fix the case name or glob",
            )
        return tuple(globs)

    # -- cases

    def _cases(self) -> CaseList:
        raw = cast(list[dict[str, JSON]], self.doc.value.get("cases") or [])
        inline = [self._inline_case(("cases", i), item) for i, item in enumerate(raw)]
        seen: set[str] = set()
        for case in inline:
            if case.name in seen:
                self._duplicate(case.name, case.location, inline)
            seen.add(case.name)
        for case in self._har_cases():
            if case.name in seen:
                self._duplicate(case.name, case.location, inline)
            seen.add(case.name)
            inline.append(case)
        index = FixtureIndex()
        cases = CaseList(inline, index)
        self._fixture_cases(index, seen, cases)
        index.seal()
        if not cases and "fuzz" not in self.doc.value:  # a fuzz spec may start with none
            if "cases_from" in self.doc.value:
                raise self.err(
                    ("cases_from",),
                    "the spec has no cases: its `cases_from` entries give none",
                    'a JSONL fixture holds one {"name": ..., "input": ...} object a line; a HAR '
                    "file's filter (methods, url) may leave no request",
                    at_key=True,
                )
            raise self.err(
                (),
                "the spec has no cases",
                "add `cases:` (a list of {name, input}) or `cases_from:` (fixture files)",
            )
        return cases

    def _duplicate(self, name: str, location: Location, cases: Sequence[Case]) -> NoReturn:
        """A name seen before: only now is its first place looked up."""
        if isinstance(cases, CaseList):
            first_index = next(i for i, n in enumerate(cases.names()) if n == name)
            first = cases.location(first_index)
        else:
            first = next(c.location for c in cases if c.name == name)
        raise SpecError(
            f"duplicate case name {name!r} (first at {first})",
            location,
            "case names must be unique",
            source_line=self._line_of(location),
        )

    def _line_of(self, location: Location) -> str | None:
        if location.file == self.doc.source.display:
            return self.doc.source.line(location.line)
        path = self.fixture_paths.get(location.file)
        return read_line(path, location.line) if path is not None and location.line else None

    def _row_error(
        self, display: str, line: int, message: str, hint: str | None = None, column: int = 0
    ) -> SpecError:
        """An error on one fixture row (line 0: a .json file's item, no single line)."""
        location = Location(display, line, (column or 1) if line else 0)
        return SpecError(message, location, hint, source_line=self._line_of(location))

    def _inline_case(self, base: KeyPath, raw: dict[str, JSON]) -> Case:
        request = None
        if "request" in raw:
            if self.kind == "command":
                raise self.err(
                    (*base, "request"), "a case `request` applies to HTTP specs", at_key=True
                )
            request = self._request_overrides(
                (*base, "request"), cast(dict[str, JSON], raw["request"])
            )
        if "stdin" in raw and self.kind == "http":
            raise self.err((*base, "stdin"), "a case `stdin` applies to command specs", at_key=True)
        mark = self.doc.mark((*base, "name"))
        return Case(
            name=cast(str, raw["name"]),
            location=mark.location,
            input=raw.get("input"),
            stdin=cast(str | None, raw.get("stdin")),
            request=request,
            vars=cast(dict[str, JSON], raw.get("vars") or {}),
            **case_scope(self, base, raw),
        )

    def _entries(self) -> Iterator[tuple[KeyPath, JSON]]:
        """`cases_from` entries with where each is written."""
        raw = self.doc.value.get("cases_from")
        entries = [] if raw is None else [raw] if isinstance(raw, str) else cast(list[JSON], raw)
        for number, entry in enumerate(entries):
            yield (("cases_from", number) if isinstance(raw, list) else ("cases_from",)), entry

    def _fixture_cases(self, index: FixtureIndex, seen: set[str], cases: CaseList) -> None:
        for path, entry in self._entries():
            if isinstance(entry, dict) and "har" in entry:
                continue  # HAR files: _har_cases
            mapping = None
            if isinstance(entry, dict):
                mapping = self._row_mapping(path, entry)
                path, entry = (*path, "file"), entry["file"]
            for file in self._glob(path, cast(str, entry)):
                if file.suffix == ".har" and mapping is None:
                    continue  # read by _har_cases
                self._fixture_file(path, file, _Rows(index, seen, cases, mapping))

    def _har_cases(self) -> list[Case]:
        """One case per entry of the HAR files in `cases_from`, through each item's filter."""
        out: list[Case] = []
        for path, entry in self._entries():
            if isinstance(entry, dict) and "har" in entry:
                where, pattern, selection = (*path, "har"), cast(str, entry["har"]), entry
                files = self._glob(where, pattern)
            elif isinstance(entry, str):  # a plain glob: its .har files, every entry
                where, pattern, selection = path, entry, {}
                files = [file for file in self._glob(where, pattern) if file.suffix == ".har"]
            else:
                continue  # a row mapping
            for file in files:
                if self.kind != "http":
                    raise self.err(
                        where,
                        f"{self._display(file)}: HAR entries are HTTP requests, and this spec "
                        "has command targets",
                        "read HAR files from a spec whose targets are HTTP (`url:`)",
                    )
                har = read_har(file, self._display(file))
                out += har_cases(har, parse_filter(cast(dict[str, JSON], selection)))
        return out

    def _inside(self, path: KeyPath, pattern: str, what: str = "fixtures") -> None:
        """Files a spec reads stay in its folder tree unless --allow-outside says otherwise:
        what they hold reaches reports."""
        if not self.allow_outside and (os.path.isabs(pattern) or ".." in Path(pattern).parts):
            raise self.err(
                path,
                f"{pattern!r} points outside the spec's folder",
                f"{what} must live in the spec's folder tree; pass --allow-outside to lift this",
            )

    def _row_mapping(self, path: KeyPath, raw: dict[str, JSON]) -> RowMapping:
        """A `cases_from` entry with a mapping; its templates must at least compile."""
        for key in ("name", "stdin"):
            if key in raw:
                self._template_syntax((*path, key), cast(str, raw[key]))
        return RowMapping(
            name=cast(str, raw["name"]),
            input=raw.get("input", DEFAULT_INPUT),
            stdin=cast(str | None, raw.get("stdin")),
            vars=cast(dict[str, JSON], raw.get("vars") or {}),
        )

    def _template_syntax(self, path: KeyPath, source: str, of_case: bool = False) -> None:
        """`of_case`: a case's template (an argv item), whose names are checked too; a row
        mapping's templates see `row`."""
        from jinja2 import TemplateSyntaxError

        try:
            tree = template_env().parse(source)
        except TemplateSyntaxError as exc:
            raise self.err(path, f"bad template: {exc.message}", "templates are Jinja2") from None
        if of_case:
            self._case_names(path, tree)

    def _fuzz_save(self, pattern: str) -> bool:
        """`pattern` names the file `yamlparity fuzz` writes its findings to, `fuzz: {save: ...}`
        or `--save` (docs/fuzzing.md: the spec reads it back with `cases_from`)."""
        saves = [self.fuzz_save] if self.fuzz_save is not None else []
        fuzz = self.doc.value.get("fuzz")
        save = fuzz.get("save") if isinstance(fuzz, dict) else None
        if isinstance(save, str):
            saves.append(self.resolve(save))
        named = self.resolve(pattern).resolve()
        return any(save.resolve() == named for save in saves)

    def _missing_fixture_hint(self, pattern: str) -> str:
        """Where a fixture is looked for; and, for one that looks like the file `yamlparity
        fuzz` saves its findings to (one .jsonl file, in a spec that fuzzes or with a name
        that says so), how to let the spec load before the first search writes it."""
        hint = "fixture paths are relative to the spec's folder"
        name = os.path.basename(pattern).lower()
        fuzzing = "fuzz" in self.doc.value or "fuzz" in name or "found" in name
        if not name.endswith(".jsonl") or glob.has_magic(pattern) or not fuzzing:
            return hint
        return (
            f"{hint}. If `yamlparity fuzz` is to write it, name it in the spec as "
            f"`fuzz: {{save: {pattern}}}`: the spec then loads with no cases from it until a "
            "search wrote it (a file given only as `fuzz --save` is unknown to other commands)"
        )

    def _glob(self, path: KeyPath, pattern: str) -> list[Path]:
        outside_hint = (
            "fixtures must live in the spec's folder tree; pass --allow-outside to lift this"
        )
        self._inside(path, pattern)
        full = (
            pattern
            if os.path.isabs(pattern)
            else os.path.join(glob.escape(str(self.folder)), pattern)
        )
        matches = sorted(Path(p) for p in glob.glob(full, recursive=True) if os.path.isfile(p))
        if not matches and self._fuzz_save(pattern):
            return []  # written by `yamlparity fuzz`: until then, it holds no case
        if not matches:
            raise self.err(
                path, f"{pattern!r} matches no file", self._missing_fixture_hint(pattern)
            )
        for match in matches:
            if not self.allow_outside and not match.resolve().is_relative_to(self.folder):
                raise self.err(
                    path, f"{pattern!r} reaches {match} outside the spec's folder", outside_hint
                )
        return matches

    def _fixture_file(self, path: KeyPath, file: Path, rows: _Rows) -> None:
        display = self._display(file)
        if file.suffix not in (".json", ".jsonl", ".csv", ".yaml", ".yml"):
            raise self.err(
                path,
                f"{display}: fixture files are .json, .jsonl, .csv, .yaml, .yml or .har",
                'a .jsonl file holds one {"name": ..., "input": ...} per line; a .har file '
                "(one case per entry) is named as it is or as {har: FILE}, not with a mapping",
            )
        self.fixture_paths[display] = file
        if file.suffix == ".jsonl":
            self._fixture_jsonl(file, display, rows)
        elif file.suffix == ".json":
            self._fixture_json(file, display, rows)
        else:
            self._fixture_held(file, display, rows)

    def _fixture_held(self, file: Path, display: str, rows: _Rows) -> None:
        """CSV and YAML rows: parsed whole and held (no byte offsets to come back to)."""
        text = read_text(file, display)
        body = "\n".join(text.lines)
        if file.suffix == ".csv":
            try:
                parsed = [(line, cast(JSON, row)) for line, row in csv_rows(body)]
            except ValueError as exc:
                line = int(str(exc).split(":")[0].removeprefix("line ") or 0)
                raise self._row_error(display, line, f"bad CSV: {exc}") from None
        else:
            parsed = self._yaml_rows(file, display)
        info = file.stat()
        held = FixtureFile(
            file, display, False, True, (info.st_size, info.st_mtime_ns),
            mapping=rows.mapping, rows=tuple(row for _, row in parsed),
        )  # fmt: skip
        file_id = rows.index.add_file(held)
        for position, (line, row) in enumerate(parsed):
            case = self._row_case(display, row, line, rows.mapping)
            if case.name in rows.seen or not rows.index.add(file_id, case.name, position, 0, line):
                self._duplicate(case.name, case.location, rows.cases)

    def _yaml_rows(self, file: Path, display: str) -> list[tuple[int, JSON]]:
        """A YAML fixture: a list of rows, each with the line it starts on."""
        doc = load_yaml(read_text(file, display), top=list)
        rows = cast(list[JSON], doc.value)  # load_yaml(top=list) checked it
        return [(doc.mark((i,)).line, row) for i, row in enumerate(rows)]

    def _row_case(
        self,
        display: str,
        row: JSON,
        line: int,
        mapping: RowMapping | None,
        what: str | None = None,
    ) -> Case:
        """A row as a case: as written ({name, input, ...}), or through its file's mapping."""
        if mapping is None:
            return self._fixture_row(display, row, line, what)
        try:
            name = mapping.name_of(row, line)
            mapping.case_fields(row, line)  # fail now, at the row, rather than mid-run
        except Exception as exc:  # any template error (undefined name, bad filter argument...)
            label = what or f"line {line}"
            raise self._row_error(
                display, line, f"{label}: the cases_from mapping fails on this row: {exc}",
                "templates see `row` (the row as parsed) and `line`",
            ) from None  # fmt: skip
        return self._make_case(display, line, name, {})

    def _fixture_jsonl(self, file: Path, display: str, rows: _Rows) -> None:
        """One pass over the file, a line at a time: each row is parsed, checked and
        forgotten; only its name, offset, length and line number are kept."""
        with open_fixture(file, display) as handle:
            info = os.fstat(handle.fileno())
            file_id = rows.index.add_file(
                FixtureFile(
                    file, display, False, True, (info.st_size, info.st_mtime_ns), rows.mapping
                )
            )
            offset = 0
            digest = hashlib.sha256()  # a rewrite with the same bytes is the same file (cases.py)
            for number, data in enumerate(handle, start=1):
                digest.update(data)
                start, offset = offset, offset + len(data)
                if number == 1 and data.startswith(BOM):
                    data, start = data[len(BOM) :], start + len(BOM)
                data = data.removesuffix(b"\n")
                text = decode_line(data, display, number)
                if not text.strip():
                    continue
                row = self._parse_row(text, display, number)
                case = self._row_case(display, row, number, rows.mapping)
                if case.name in rows.seen or not rows.index.add(
                    file_id, case.name, start, len(data), number
                ):
                    self._duplicate(case.name, case.location, rows.cases)
            rows.index.digests[file_id] = digest.digest()

    def _parse_row(self, text: str, display: str, line: int) -> JSON:
        try:
            return parse_checked(text)
        except JsonDecodeError as exc:
            raise SpecError(
                f"invalid JSON: {exc.message}",
                Location(display, line, exc.column),
                "each line holds one JSON object",
                source_line=text,
            ) from None
        except DuplicateKey as exc:
            column = (duplicate_key_position(text) or 0) + 1
            raise self._row_error(
                display,
                line,
                f"duplicate key {exc.key!r} in a fixture row (JSON leaves its meaning to the "
                "parser)",
                "keep one of them",
                column,
            ) from None

    def _fixture_json(self, file: Path, display: str, rows: _Rows) -> None:
        """A .json fixture is one document: its items are scanned one at a time (each parsed,
        checked and forgotten), keeping only each item's byte range."""
        text = read_text(file, display)
        info = file.stat()
        body = "\n".join(text.lines)
        bom = len(BOM) if starts_with_bom(file) else 0
        items = JsonItems(body)
        file_id = -1
        done_chars, done_bytes = 0, bom  # spans are found in order: encode each gap once
        try:
            for number, (key, start, end, item) in enumerate(items):
                if file_id < 0:
                    stamp = (info.st_size, info.st_mtime_ns)
                    file_id = rows.index.add_file(
                        FixtureFile(file, display, items.object_form, False, stamp, rows.mapping)
                    )
                    with file_errors(display):
                        rows.index.digests[file_id] = hashlib.sha256(file.read_bytes()).digest()
                if items.object_form and rows.mapping is not None:
                    raise SpecError(
                        f"{display}: a cases_from mapping reads a list of rows, not an object",
                        Location(display),
                        "write the file as a JSON list, or drop the mapping",
                    )
                case = (
                    self._make_case(display, 0, cast(str, key), {"input": item})
                    if items.object_form
                    else self._row_case(display, item, 0, rows.mapping, f"item {number}")
                )
                done_bytes += utf8_length(body[done_chars:start])
                length = utf8_length(body[start:end])
                if case.name in rows.seen or not rows.index.add(
                    file_id, case.name, done_bytes, length, 0
                ):
                    line, column = line_column(body, items.key_start if key else start)
                    self._duplicate(case.name, Location(display, line, column), rows.cases)
                done_chars, done_bytes = end, done_bytes + length
        except JsonDecodeError as exc:
            raise text.error(f"invalid JSON: {exc.message}", exc.line, exc.column) from None
        except DuplicateKey as exc:
            at = duplicate_key_position(body, exc.start) or exc.start
            line, column = line_column(body, at)
            raise text.error(
                f"duplicate key {exc.key!r} (JSON leaves its meaning to the parser)",
                line,
                column,
                "keep one of them",
            ) from None
        if file_id < 0 and items.shape_error:
            raise SpecError(
                f"{display}: a .json fixture holds a list of cases or an object name -> input",
                Location(display),
            )

    def _fixture_row(self, display: str, row: JSON, line: int, what: str | None = None) -> Case:
        label = what or f"line {line}"
        if not isinstance(row, dict):
            raise self._row_error(
                display,
                line,
                f'{label}: a fixture row must be an object {{"name": ..., "input": ...}}, '
                f"not {type_name(row)}",
                'write {"name": "case_name", "input": ...}',
            )
        for key in row:
            if key not in _ROW_KEYS:
                raise self._row_error(
                    display,
                    line,
                    f"{label}: unknown key {key!r} in a fixture row",
                    suggest(key, _ROW_KEYS)
                    or f"rows hold {', '.join(_ROW_KEYS)}; for rows of another shape, map "
                    'them: cases_from: [{file: ..., name: "{{ row.x }}", input: "{{ row }}"}]',
                )
        name = row.get("name")
        if not isinstance(name, str):
            raise self._row_error(
                display,
                line,
                f'{label}: a fixture row needs a string "name"',
                'write {"name": "case_name", "input": ...}',
            )
        return self._make_case(display, line, name, row)

    def _make_case(self, display: str, line: int, name: str, row: dict[str, JSON]) -> Case:
        location = Location(display, line, 1 if line else 0)
        if not _SAFE_NAME.fullmatch(name):
            raise self._row_error(display, line, f"bad case name {name!r}", CASE_NAME_HINT)
        stdin, variables = row.get("stdin"), row.get("vars")
        if stdin is not None and not isinstance(stdin, str):
            raise self._row_error(
                display, line, f'case {name!r}: "stdin" must be a string', "raw stdin is text"
            )
        if variables is not None and not isinstance(variables, dict):
            raise self._row_error(
                display, line, f'case {name!r}: "vars" must be an object', 'e.g. "vars": {"k": 1}'
            )

        def fail(message: str, hint: str) -> NoReturn:
            raise self._row_error(display, line, message, hint)

        return Case(
            name=name,
            location=location,
            input=row.get("input"),
            stdin=stdin,
            vars=variables or {},
            **row_scope(name, row, self.target_names, fail),
        )

    # -- report

    def _report(self) -> ReportConfig:
        raw = cast(dict[str, str], self.doc.value.get("report") or {})
        if "path" in raw:
            self._no_secret(("report", "path"), raw["path"], "a report file name")
            if "\x00" in raw["path"]:
                raise self.err(("report", "path"), "report.path holds a NUL character")
        return ReportConfig(
            path=self.resolve(raw["path"]) if "path" in raw else None,
            template=self._report_template(raw["template"]) if "template" in raw else None,
        )

    def _display(self, file: Path) -> str:
        """How a file the spec names is shown in messages: relative to the spec's display."""
        return os.path.normpath(
            os.path.join(
                os.path.dirname(self.doc.source.display) or ".", os.path.relpath(file, self.folder)
            )
        )

    def _no_secret(self, path: KeyPath, text: str, what: str) -> None:
        """A secret's value must not become `what` (a file name is printed and listed)."""
        if Redactor(self.secret_values).text(text) != text:
            raise self.err(
                path,
                f"{'.'.join(map(str, path))} holds the value of a secret; it would become "
                f"{what}, shown in every listing",
                "name the report after something that is not secret",
            )

    def _report_template(self, text: str) -> Path:
        """The template must exist and parse now: a broken one would lose the run's report.
        Like fixtures, it must lie inside the spec's folder (symlinks resolved) unless
        --allow-outside: a template is copied into the report."""
        path: KeyPath = ("report", "template")
        file = self.resolve(text)
        display = self._display(file)
        if not self.allow_outside:
            try:
                inside(self.folder, file)
            except PathEscapeError:
                raise self.err(
                    path,
                    f"report template {display} is outside the spec's folder",
                    "keep templates beside the spec (a symlink leading out counts as "
                    "outside), or pass --allow-outside",
                ) from None
        if not file.is_file():
            raise self.err(
                path,
                f"report template not found: {display}"
                if not file.exists()
                else f"report template is not a file: {display}",
                "the path is relative to the spec's folder; omit `template:` for the default",
            )
        source = read_text(file, display)
        named_by = f"the report template named at {self.loc(path)} (report.template)"
        try:
            tree = SandboxedEnvironment().parse("\n".join(source.lines))
        except jinja2.TemplateSyntaxError as exc:
            line = exc.lineno or 1
            raise source.error(
                f"report template syntax error: {exc.message}", line, 1, f"in {named_by}"
            ) from None
        self._template_references(source, file, tree, named_by)
        return file

    def _template_references(
        self, source: Any, file: Path, tree: jinja_nodes.Template, named_by: str
    ) -> None:
        kinds = (jinja_nodes.Extends, jinja_nodes.Include, jinja_nodes.Import)
        for node in tree.find_all((*kinds, jinja_nodes.FromImport)):
            if getattr(node, "ignore_missing", False):
                continue
            ref = getattr(node, "template", None)
            if not isinstance(ref, jinja_nodes.Const) or not isinstance(ref.value, str):
                continue  # computed at render time
            name = ref.value
            if (file.parent / name).is_file() or (_PACKAGE_TEMPLATES / name).is_file():
                continue
            raise source.error(
                f"report template refers to {name!r}, which does not exist",
                node.lineno,
                1,
                f"templates are looked up beside the template and in yamlparity's own "
                f"(report.md.j2); in {named_by}",
            )


_CASE_KEYS = ("name", "input", "vars")  # what `case` holds in a template (run/plan.py)
# A mapping's methods, which templates may call on `case` (`case.get('vars')`, `case.items()`).
_MAPPING_METHODS = ("get", "items", "keys", "values")


def _rebinds_case(tree: jinja_nodes.Template) -> bool:
    """The template names something else `case` somewhere (a macro's argument, a loop
    variable, a `set`): its `case.x` may be that, so no key is checked."""
    return any(
        node.name == "case" and node.ctx in ("store", "param")
        for node in tree.find_all(jinja_nodes.Name)
    )


def _case_key(node: jinja_nodes.Node) -> str | None:
    """`X` of `case.X` or `case["X"]`; None for anything else."""
    if not isinstance(node, jinja_nodes.Getattr | jinja_nodes.Getitem):
        return None
    if not (isinstance(node.node, jinja_nodes.Name) and node.node.name == "case"):
        return None
    if isinstance(node, jinja_nodes.Getattr):
        return str(node.attr)
    arg = node.arg
    return arg.value if isinstance(arg, jinja_nodes.Const) and isinstance(arg.value, str) else None


@dataclass
class _Rows:
    """Where fixture rows go as they stream in, and the names seen so far."""

    index: FixtureIndex
    seen: set[str]
    cases: CaseList
    mapping: RowMapping | None = None  # the `cases_from` entry's row mapping, if any


def _any_name_matches(cases: CaseList, pattern: str) -> bool:
    matches = re.compile(fnmatch.translate(pattern)).match
    return any(matches(name) for name in cases.names())


def _holds_private_key(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return b"PRIVATE KEY-----" in handle.read(1 << 20)
    except OSError:
        return False


def _yaml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_.-]+", key) else dumps(key)


def _facet_name(facet: str) -> str:
    return facet.lower() if facet.lower().startswith("headers.") else facet


def _texts(value: JSON) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: scalar_text(v) for k, v in value.items()}


def _float(value: JSON, default: float) -> float:
    return float(value.literal) if isinstance(value, Number) else default


def _int(value: JSON, default: int) -> int:
    return int(value.literal) if isinstance(value, Number) and value.is_integer_literal else default


def _answers_like(target: Target) -> str:
    """The kind of answers a target gives: a recording answers like what it recorded."""
    return target.source_kind if target.kind == "recorded" else target.kind


def _check_recorded_keys(doc: Any, name: str, target: dict[str, JSON]) -> None:
    """A recorded target answers from its file: `run` or `url` beside it is a mistake."""
    for key in ("run", "url"):
        if key in target:
            raise doc.error(
                ("targets", name, key),
                f"target {name!r} has both `recorded` and `{key}`",
                "a recorded target replays a file; to compare it with the live one, give the "
                "live one its own target name",
                at_key=True,
            )


def _same_requests(target: HttpTarget, other: Target) -> bool:
    """Whether two targets on one port send the same requests (one base path, the same
    headers): then one server answers both. Two versions of an API on one server (`/v1`,
    `/v2`, or a version header) are two implementations."""
    assert isinstance(other, HttpTarget)
    if target.unix_socket is not None or target.proxy is not None:
        return False
    return (
        urlsplit(target.url).path.rstrip("/") == urlsplit(other.url).path.rstrip("/")
        and target.headers == other.headers
    )


def _loopback_port(url: str) -> int | None:
    """The port of a url on this machine (127.0.0.1, localhost, ::1), else None."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    return port if host in ("127.0.0.1", "localhost", "::1") else None


def _may_make_null(program: Any) -> bool:
    """Whether the rule may turn a header's value (a string) into null: `. = null`,
    `mask(.; null)`, `mask(.; null; timestamp)` (with any shape: the shape may fit), `.a`."""
    from yamlparity.rules.whole import may_make_null

    return may_make_null(program.op, frozenset({"string"}))


def _split_by_flow_comma(mark: NodeMark, text: str) -> str | None:
    """The hint for a plain rule that a YAML flow list (`[del(.a, .b)]`) cut at its comma:
    the rule is cut short, and the source goes on with a comma right after it."""
    line = mark.source.line(mark.line) if mark.style is None and mark.single_line else None
    if line is None or not mark.column:
        return None
    after = line[mark.column - 1 + len(text) :].lstrip()
    if not after.startswith(",") or text.count("(") + text.count("[") <= text.count(")") + (
        text.count("]")
    ):
        return None
    return (
        "in a YAML list written `[...]` a comma ends the item, which cut this rule in two: "
        "quote the rule, or put each rule on its own `- ` line"
    )


def _with_replay_context(spec: Spec) -> Spec:
    """Recorded targets told what the spec makes of their answers: its output kind, and the
    headers it compares (targets/recorded.py refuses what the recording cannot answer)."""
    if not any(target.kind == "recorded" for target in spec.targets.values()):
        return spec
    headers = frozenset(
        facet.removeprefix("headers.")
        for facet in spec.compare.facets
        if facet.startswith("headers.")
    )
    targets: dict[str, Target] = {
        name: dataclasses.replace(
            target,
            output=spec.output,
            compared_headers=headers,
            live_headers=_live_headers(spec, target),
        )
        if target.kind == "recorded"
        else target
        for name, target in spec.targets.items()
    }
    return dataclasses.replace(spec, targets=targets)


def _live_headers(spec: Spec, target: RecordedTarget) -> dict[str, str] | None:
    """The headers of the live HTTP target the recording was made from, when this spec has it
    (a live target and its own recording)."""
    header = getattr(target.source, "header", None)
    live = spec.targets.get(header.target) if header is not None else None
    return dict(live.headers) if isinstance(live, HttpTarget) else None
