"""Ready-to-run shell commands that replay one case against one target, outside yamlparity.

Pure: rendered from the spec and the invocation the engine planned, never from a live adapter.
Secrets stay out of the text: sensitive headers and secret-looking environment variables become
`$VARNAME` references the person sets in their own shell; a URL's `${port}` (chosen at run time,
and the service is gone by then) becomes `${PORT:?...}`, so a forgotten variable fails loudly.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from yamlparity.core.redact import SENSITIVE_HEADERS, Redactor
from yamlparity.spec.model import CommandTarget, HttpTarget, Spec
from yamlparity.targets.base import Invocation, PreparedRequest
from yamlparity.targets.curlargs import (
    HTTP_VERSION_FLAGS,
    implicit_headers,
    needs_globoff,
    needs_path_as_is,
)
from yamlparity.targets.ports import PORT_PLACEHOLDER

_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@")
_SECRET_ENV = re.compile(r"TOKEN|SECRET|PASSW|API_?KEY|CREDENTIAL|AUTH|COOKIE", re.IGNORECASE)
MAX_INLINE = 100_000  # characters of stdin/body written into the command itself


def reproducers(
    spec: Spec, invocation: Invocation | None, targets: Iterable[str]
) -> dict[str, str]:
    """target -> command; a case whose input could not render (no invocation) gets none."""
    if invocation is None:
        return {}
    out: dict[str, str] = {}
    for name in targets:
        target = spec.targets[name]
        if isinstance(target, HttpTarget) and invocation.request is not None:
            out[name] = _redact(http_command(target, invocation.request), spec.secrets)
        elif isinstance(target, CommandTarget):
            argv = invocation.argv.get(name)
            out[name] = _redact(command_line(target, invocation.stdin or b"", argv), spec.secrets)
    return out


def _redact(text: str, secrets: frozenset[str]) -> str:
    """The spec's `secrets:` values never reach a report, wherever they were interpolated and
    however the command quotes them (core.redact knows shell quoting)."""
    masked = Redactor(secrets).text(text)
    if masked != text:
        text = masked
        text = "# *** stands for a secret of the spec: put its value back before running\n" + text
    return text


# ----------------------------------------------------------------------------- commands


def command_line(target: CommandTarget, stdin: bytes, argv: tuple[str, ...] | None = None) -> str:
    """`cd DIR && printf '%s' STDIN | env K=V PROGRAM ARGS` (stdin exact, no added newline,
    but for a stream helper, sent the line with its `\\n`); `argv`: the target's arguments as
    rendered for the case."""
    run = argv if argv is not None else target.run
    if target.mode == "stream" and not stdin.endswith(b"\n"):
        # A stream helper is sent the case as a line, `\n` included (docs/stream-mode.md):
        # fed without it, a helper reading lines answers without one, as it never did.
        stdin += b"\n"
    program = f"sh -c {shlex.quote(run)}" if isinstance(run, str) else shlex.join(run)
    env = " ".join(_env_assignment(key, value) for key, value in target.env.items())
    invoke = f"env {env} {program}" if env else program
    return f"cd {shlex.quote(str(target.cwd))} && {_feed(stdin)}{invoke}"


def _env_assignment(key: str, value: str) -> str:
    if _SECRET_ENV.search(key):
        return f'{key}="${key}"'
    return f"{key}={shlex.quote(value)}"


def http_command(target: HttpTarget, request: PreparedRequest) -> str:
    """The curl command that asks libcurl what the run asked: method, URL, HTTP version,
    socket, proxy, TLS, the target's and the case's headers, the lines the adapter adds so
    libcurl adds none of its own, and the exact body (credentials as shell variables)."""
    lines: list[str] = []
    if target.service is not None:
        run = target.service.run
        # `${port}` is the port of the run: a fixed one as it is, `auto`'s the same "${PORT}"
        # the curl line below uses.
        port = f'"${{{_PORT}}}"' if not isinstance(target.port, int) else str(target.port)
        if isinstance(run, str):  # a shell command line, shown as written
            shown = run.replace(PORT_PLACEHOLDER, port)
        else:
            fixed = [arg.replace(PORT_PLACEHOLDER, port) for arg in run]
            shown = " ".join(map(_shell_word, fixed if isinstance(target.port, int) else run))
        lines.append(f"# the service yamlparity starts for it (cd {target.service.cwd}): {shown}")
    url = _url(target) + request.path
    # -q first: no ~/.curlrc.
    parts = ["curl", "-q", "-sS", "-i", *_method(request), _shell_word(url)]
    parts += _transport_options(target)
    if needs_path_as_is(request.path):
        parts.append("--path-as-is")
    if needs_globoff(url):
        parts.append("-g")
    headers = _merged(target.headers, request.headers)
    if target.auth is not None and target.auth.scheme == "basic":
        headers.setdefault("Authorization", "")  # only its name is shown: a variable
    for key, value in headers.items():
        parts += ["-H", _header(key, value)]
    names = {key.lower() for key in headers}
    for line in implicit_headers(names, request.body is not None, target.compressed):
        parts += ["-H", shlex.quote(line)]
    body = request.body
    prefix = ""
    if body is not None:
        prefix = _feed(body)
        parts += ["--data-binary", "@-"]
    lines.append(prefix + " ".join(parts))
    return "\n".join(lines)


def _method(request: PreparedRequest) -> list[str]:
    """curl infers GET, or POST from --data-binary; HEAD is --head (-X HEAD would wait for a
    body); any other method is -X."""
    inferred = "POST" if request.body is not None else "GET"
    if request.method == inferred:
        return []
    if request.method == "HEAD" and request.body is None:
        return ["--head"]
    return ["-X", shlex.quote(request.method)]


def _merged(target_headers: dict[str, str], request_headers: dict[str, str]) -> dict[str, str]:
    """Target headers, overridden case-insensitively by the request's own (as the adapter)."""
    overridden = {key.lower() for key in request_headers}
    merged = {k: v for k, v in target_headers.items() if k.lower() not in overridden}
    merged.update(request_headers)
    return merged


def _transport_options(target: HttpTarget) -> list[str]:
    """curl's flags for the target's transport options (credentials as variables)."""
    parts: list[str] = []
    if target.http_version is not None:
        parts.append(HTTP_VERSION_FLAGS[target.http_version])
    if target.unix_socket is not None:
        parts += ["--unix-socket", shlex.quote(target.unix_socket)]
    if target.compressed:
        parts.append("--compressed")
    tls = target.tls
    if tls is not None:
        for flag, path in (
            ("--cacert", tls.ca),
            ("--cert", tls.cert),
            ("--key", tls.key),
            ("--proxy-cacert", tls.proxy_ca),
        ):
            if path is not None:
                parts += [flag, shlex.quote(path)]
        if not tls.verify:
            parts.append("--insecure")
    if target.auth is not None and target.auth.scheme == "digest":
        password = _variable(_var(target.name) + "_PASSWORD", "the digest auth password")
        user = _shell_word(f"{target.auth.username}:{password}")
        parts += ["--digest", "-u", user]
    if target.proxy is not None:
        proxy = _USERINFO.sub(
            lambda m: f"{m.group(1)}{_variable(_var(target.name) + '_PROXY_USERINFO', _USER)}@",
            target.proxy,
            1,
        )
        parts += ["--proxy", _shell_word(proxy)]
    else:
        parts += ["--noproxy", "'*'"]  # the run reads no proxy variables
    return parts


def _url(target: HttpTarget) -> str:
    url = target.url.rstrip("/")
    if isinstance(target.port, int):  # a fixed port is known: only `auto` is the reader's to set
        url = url.replace(PORT_PLACEHOLDER, str(target.port))
    # Credentials in the URL are a secret too: the person supplies them.
    return _USERINFO.sub(
        lambda m: f"{m.group(1)}{_variable(_var(target.name) + '_USERINFO', _USER)}@", url, 1
    )


def _header(key: str, value: str) -> str:
    if key.lower() in SENSITIVE_HEADERS:
        return _shell_word(f"{key}: {_variable(_var(key), f'the {key} header value')}")
    if not value.strip():
        return _shell_word(f"{key};")  # curl's (and libcurl's) way to send an empty value
    return _shell_word(f"{key}: {value}")


def _var(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name).upper()


# Our own `${NAME}` placeholders travel inside the text as this marker; anything else that
# looks like `${NAME}` came from case data or the spec and must stay inert text.
_MARK = "\0var:"
_MARKED = re.compile("\0var:([^\0]+)\0")
_PORT = "PORT:?set PORT to the port the service listens on"
_USER = "user:password"


def _variable(name: str, what: str | None = None) -> str:
    """A `${NAME}` the person sets in their shell (a credential yamlparity does not print).
    With `what`, an unset NAME stops the command with `set NAME to <what>` (`${NAME:?...}`)
    instead of sending the request without the credential."""
    guarded = name if what is None else f"{name}:?set {name} to {what}"
    return f"{_MARK}{guarded}\0"


def _shell_word(text: str) -> str:
    """One shell word: single-quoted text (nothing in it expands, so a `${GITHUB_TOKEN}` or
    `$(...)` from case data stays text) joined with double-quoted `"${NAME}"` for our own
    placeholders and the run-time port."""
    text = text.replace(
        PORT_PLACEHOLDER, _variable("PORT:?set PORT to the port the service listens on")
    )
    pieces: list[str] = []
    last = 0
    for match in _MARKED.finditer(text):
        if match.start() > last:
            pieces.append(shlex.quote(text[last : match.start()]))
        pieces.append(f'"${{{match.group(1)}}}"')
        last = match.end()
    if last < len(text) or not pieces:
        pieces.append(shlex.quote(text[last:]))
    return "".join(pieces)


def _feed(data: bytes) -> str:
    """`printf '%s' DATA | ` (or `printf '%b'` with escapes) — exact bytes on stdin, no
    trailing newline added."""
    if len(data) > MAX_INLINE:
        return f"# the input is {len(data)} bytes: save it as input.bin first\ncat input.bin | "
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(char.isprintable() or char in "\n\t" for char in text):
        return f"printf '%s' {shlex.quote(text)} | "
    # Control characters or invalid UTF-8: printf's `%b` turns `\xNN` into the exact byte, NUL
    # included (bash's $'...' would end the text at a NUL: the helper got the bytes before it).
    return f"printf '%b' {_escaped(data)} | "


def _escaped(data: bytes) -> str:
    r"""`data` as one single-quoted `%b` argument: printable ASCII as is, a backslash as `\\`,
    every other byte (the quote, controls, NUL, non-ASCII) as `\xNN`."""
    out = []
    for byte in data:
        if byte == 0x5C:
            out.append("\\\\")
        elif 0x20 <= byte < 0x7F and byte != 0x27:
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    return "'" + "".join(out) + "'"
