"""HTTP targets over TLS (`tls:`), through a forward proxy (`proxy:`) and with basic auth
(`auth:`), against real loopback servers (tests/servers/tls_support.py, certs in tests/certs).

Runs go through `run_spec(load_spec(...))`, or the real CLI where the exit code, the message
or the report folder is the point.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers.tls_support import (
    CA,
    CLIENT_CERT,
    CLIENT_KEY,
    OTHER_CA,
    SERVER_CERT,
    WRONG_HOST_CERT,
    WRONG_HOST_KEY,
    EchoServer,
    ForwardProxy,
)
from tests.support.cli import run_cli
from yamlparity.results.records import CaseResult
from yamlparity.run.engine import run_spec
from yamlparity.spec.load import load_spec

PY = sys.executable
CASES = [{"name": "c1", "input": {"x": 1}}, {"name": "c2", "input": {"y": [1, "two"]}}]
VERIFY_FAILED = re.compile(r"certificate verif", re.IGNORECASE)  # "certificate verify failed"

# Credentials are never written in a spec: they come from variables listed under `secrets:`,
# given here through the environment (load_spec's `environ`, or the CLI's).
USER, PASSWORD = "svc", "s3cret-pass"
PROXY_USER, PROXY_PASSWORD = "proxy-user", "pr0xy-pass"
SECRETS = {
    "SVC_PASSWORD": PASSWORD,
    "PROXY_PASSWORD": PROXY_PASSWORD,
    "WRONG": "wr0ng-pass",
    "API_TOKEN": "t0ken-value",
}
AUTH = {"username": USER, "password": "${SVC_PASSWORD}"}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def with_secret(proxy: ForwardProxy, secret: str = "PROXY_PASSWORD") -> str:
    """The proxy's URL with PROXY_USER and the password from the variable `secret`."""
    return f"http://{PROXY_USER}:${{{secret}}}@127.0.0.1:{proxy.port}"


def write_spec(
    folder: Path, a: dict[str, Any], b: dict[str, Any], secrets: tuple[str, ...] = ()
) -> Path:
    """Two HTTP targets, the two CASES POSTed to /echo, status and body compared."""
    spec = {
        "name": "tlsproxy",
        **({"secrets": list(secrets)} if secrets else {}),
        "targets": {"a": {"timeout": 5, **a}, "b": {"timeout": 5, **b}},
        "request": {"method": "POST", "path": "/echo"},
        "compare": {"facets": ["status", "body"]},
        "cases": CASES,
    }
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def run(
    folder: Path, a: dict[str, Any], b: dict[str, Any], secrets: tuple[str, ...] = ()
) -> list[CaseResult]:
    spec = load_spec(write_spec(folder, a, b, secrets), environ=SECRETS)
    return list(run_spec(spec).cases)


def verdicts(cases: list[CaseResult]) -> dict[str, str]:
    return {case.name: case.verdict for case in cases}


def assert_all_match(cases: list[CaseResult]) -> None:
    assert verdicts(cases) == {"c1": "MATCH", "c2": "MATCH"}, [c.reason for c in cases]


def assert_only_b_failed(cases: list[CaseResult], pattern: re.Pattern[str] | str) -> None:
    """Every case is ERROR because of target b alone, with a reason matching `pattern`."""
    assert verdicts(cases) == {"c1": "ERROR", "c2": "ERROR"}, [c.reason for c in cases]
    for case in cases:
        assert case.reason.startswith("b: "), case.reason
        assert "a: " not in case.reason, case.reason
        assert case.outcomes["a"].error is None
        assert re.search(pattern, case.reason), case.reason


def cli(
    spec: Path, env: dict[str, str] | None = None, *args: str, unset: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "run",
        str(spec),
        "--report-dir",
        "out",
        *args,
        cwd=spec.parent,
        env={**(env or {}), **SECRETS},
        unset=unset,
        timeout=120,
    )


# ----------------------------------------------------------------------------- TLS


def test_https_with_the_test_ca_matches_and_relative_paths_follow_the_spec(
    tmp_path: Path,
) -> None:
    (tmp_path / "certs").mkdir()
    shutil.copy(CA, tmp_path / "certs" / "ca.pem")
    with EchoServer(tls=True) as server:
        cases = run(
            tmp_path,
            {"url": server.url, "tls": {"ca": str(CA)}},  # absolute
            {"url": server.url, "tls": {"ca": "certs/ca.pem"}},  # relative to the spec file
        )
    assert_all_match(cases)
    assert server.paths == ["/echo"] * 4
    assert server.handshake_errors == []


def test_https_without_a_ca_fails_certificate_verification(tmp_path: Path) -> None:
    # The test CA is in no system store: without `ca`, b cannot trust the server.
    with EchoServer(tls=True) as server:
        cases = run(tmp_path, {"url": server.url, "tls": {"ca": str(CA)}}, {"url": server.url})
    assert_only_b_failed(cases, VERIFY_FAILED)
    assert server.requests == 2  # a's only


def test_an_unrelated_ca_is_not_trusted(tmp_path: Path) -> None:
    with EchoServer(tls=True) as server:
        cases = run(
            tmp_path,
            {"url": server.url, "tls": {"ca": str(CA)}},
            {"url": server.url, "tls": {"ca": str(OTHER_CA)}},
        )
    assert_only_b_failed(cases, VERIFY_FAILED)
    assert server.requests == 2


def test_the_host_name_is_checked(tmp_path: Path) -> None:
    # Signed by the trusted CA, but for wrong.example, not 127.0.0.1.
    with (
        EchoServer(tls=True) as good,
        EchoServer(tls=True, cert=(WRONG_HOST_CERT, WRONG_HOST_KEY)) as wrong,
    ):
        cases = run(
            tmp_path,
            {"url": good.url, "tls": {"ca": str(CA)}},
            {"url": wrong.url, "tls": {"ca": str(CA)}},
        )
    assert_only_b_failed(cases, r"(?i)certificate verif|host ?name|mismatch|IP address")
    assert wrong.requests == 0


@pytest.mark.parametrize(
    "tls",
    [{"verify": False}, {"verify": False, "ca": str(OTHER_CA)}],
    ids=["no ca", "unrelated ca"],
)
def test_verify_false_checks_no_certificate(tmp_path: Path, tls: dict[str, Any]) -> None:
    with EchoServer(tls=True) as server:
        cases = run(tmp_path, {"url": server.url, "tls": tls}, {"url": server.url, "tls": tls})
    assert_all_match(cases)
    assert server.requests == 4


def test_verify_false_checks_no_host_name(tmp_path: Path) -> None:
    with EchoServer(tls=True, cert=(WRONG_HOST_CERT, WRONG_HOST_KEY)) as wrong:
        tls = {"verify": False}
        cases = run(tmp_path, {"url": wrong.url, "tls": tls}, {"url": wrong.url, "tls": tls})
    assert_all_match(cases)
    assert wrong.requests == 4


# ----------------------------------------------------------------------------- mutual TLS


def test_a_client_certificate_is_shown_when_the_server_demands_one(tmp_path: Path) -> None:
    mtls = {"ca": str(CA), "cert": str(CLIENT_CERT), "key": str(CLIENT_KEY)}
    with EchoServer(tls=True, client_ca=CA) as server:
        cases = run(tmp_path, {"url": server.url, "tls": mtls}, {"url": server.url, "tls": mtls})
    assert_all_match(cases)
    assert server.requests == 4
    assert server.handshake_errors == []


def test_the_key_may_be_inside_the_certificate_file(tmp_path: Path) -> None:
    both = tmp_path / "client-and-key.pem"
    both.write_text(CLIENT_CERT.read_text() + CLIENT_KEY.read_text())
    with EchoServer(tls=True, client_ca=CA) as server:
        cases = run(
            tmp_path,
            {"url": server.url, "tls": {"ca": str(CA), "cert": "client-and-key.pem"}},
            {"url": server.url, "tls": {"ca": str(CA), "cert": str(both)}},
        )
    assert_all_match(cases)
    assert server.requests == 4


def test_without_a_client_certificate_the_server_refuses(tmp_path: Path) -> None:
    with EchoServer(tls=True, client_ca=CA) as server:
        cases = run(
            tmp_path,
            {
                "url": server.url,
                "tls": {"ca": str(CA), "cert": str(CLIENT_CERT), "key": str(CLIENT_KEY)},
            },
            {"url": server.url, "tls": {"ca": str(CA)}},
        )
    # The server ends the handshake with an alert: the client sees it when it reads the answer
    # (TLS 1.3) or while shaking hands (TLS 1.2), or just a connection closed (EOF).
    assert_only_b_failed(cases, r"(?i)certificate|alert|handshake|closed|reset|EOF")
    assert server.requests == 2  # a's only
    assert server.handshake_errors  # b was turned away during the handshake


# ----------------------------------------------------------------------------- proxy


def test_plain_http_goes_through_the_proxy_in_absolute_form(tmp_path: Path) -> None:
    with EchoServer() as server, ForwardProxy() as proxy:
        cases = run(tmp_path, {"url": server.url, "proxy": proxy.url}, {"url": server.url})
    assert_all_match(cases)
    assert proxy.forwarded == 2 and proxy.connects == 0  # a's two cases, b went direct
    assert proxy.request_lines == [f"POST {server.url}/echo HTTP/1.1"] * 2
    assert proxy.auth_seen == [None, None]
    assert server.paths == ["/echo"] * 4  # the proxy rewrote them to origin form


def test_proxy_credentials_are_sent_as_proxy_authorization(tmp_path: Path) -> None:
    expected = basic(PROXY_USER, PROXY_PASSWORD)
    with EchoServer() as server, ForwardProxy(require_auth=expected) as proxy:
        a = {"url": server.url, "proxy": with_secret(proxy)}
        cases = run(tmp_path, a, {"url": server.url}, ("PROXY_PASSWORD",))
    assert_all_match(cases)
    assert proxy.forwarded == 2 and proxy.refused == 0
    assert proxy.auth_seen == [expected, expected]
    assert server.auth_seen == [None] * 4  # Proxy-Authorization is not Authorization


def test_https_goes_through_a_connect_tunnel(tmp_path: Path) -> None:
    expected = basic(PROXY_USER, PROXY_PASSWORD)
    with EchoServer(tls=True) as server, ForwardProxy(require_auth=expected) as proxy:
        tls = {"ca": str(CA)}
        cases = run(
            tmp_path,
            {"url": server.url, "tls": tls, "proxy": with_secret(proxy)},
            {"url": server.url, "tls": tls},
            ("PROXY_PASSWORD",),
        )
    assert_all_match(cases)
    # One tunnel per connection the pool opened (at least one); nothing in absolute form.
    assert proxy.connects >= 1 and proxy.forwarded == 0 and proxy.refused == 0
    assert proxy.request_lines == [f"CONNECT 127.0.0.1:{server.port} HTTP/1.1"] * proxy.connects
    assert proxy.auth_seen == [expected] * proxy.connects
    assert server.requests == 4  # TLS inside the tunnel reached the origin


@pytest.mark.parametrize("secret", [None, "WRONG"], ids=["none", "wrong"])
def test_a_proxy_demanding_credentials_is_an_error_naming_407(
    tmp_path: Path, secret: str | None
) -> None:
    with (
        EchoServer(tls=True) as server,
        ForwardProxy(require_auth=basic(PROXY_USER, PROXY_PASSWORD)) as proxy,
    ):
        url = with_secret(proxy, secret) if secret else proxy.url
        tls = {"ca": str(CA)}
        cases = run(
            tmp_path,
            {"url": server.url, "tls": tls},
            {"url": server.url, "tls": tls, "proxy": url},
            (secret,) if secret else (),
        )
    assert_only_b_failed(cases, r"\b407\b")
    assert proxy.refused >= 1 and proxy.connects == 0
    assert server.requests == 2  # a's only


def test_a_plain_http_proxy_refusing_credentials_is_an_error_not_an_answer(
    tmp_path: Path,
) -> None:
    # Over plain HTTP the 407 comes back where the target's answer would: it is the proxy's.
    with (
        EchoServer() as server,
        ForwardProxy(require_auth=basic(PROXY_USER, PROXY_PASSWORD)) as proxy,
    ):
        cases = run(tmp_path, {"url": server.url}, {"url": server.url, "proxy": proxy.url}, ())
    assert_only_b_failed(cases, r"proxy 127\.0\.0\.1:\d+ answered 407")
    assert proxy.refused >= 1 and server.requests == 2  # a's only


def test_proxy_environment_variables_are_not_read(tmp_path: Path) -> None:
    with EchoServer() as plain, EchoServer(tls=True) as secure, ForwardProxy() as proxy:
        spec = write_spec(tmp_path, {"url": plain.url}, {"url": secure.url, "tls": {"ca": str(CA)}})
        env: dict[str, str] = {}
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env[name] = env[name.lower()] = proxy.url
        done = cli(spec, env, unset=("NO_PROXY", "no_proxy"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 match / 0 diff (out of 2)" in done.stdout
    assert proxy.request_lines == []
    assert plain.requests == 2 and secure.requests == 2


@pytest.mark.parametrize("set_it", [True, False], ids=["set", "unset"])
def test_a_proxy_from_a_variable_is_used_only_where_it_is_set(tmp_path: Path, set_it: bool) -> None:
    with EchoServer() as server, ForwardProxy() as proxy:
        target = {"url": server.url, "proxy": "${PARITY_PROXY:-}"}
        spec = load_spec(
            write_spec(tmp_path, target, target),
            environ={**SECRETS, **({"PARITY_PROXY": proxy.url} if set_it else {})},
        )
        cases = list(run_spec(spec).cases)
    assert_all_match(cases)
    assert proxy.forwarded == (4 if set_it else 0)
    assert server.requests == 4


# ----------------------------------------------------------------------------- basic auth


def files_under(folder: Path) -> list[Path]:
    found = [p for p in folder.rglob("*") if p.is_file()]
    assert found, f"nothing written under {folder}"
    return found


ALL_FORMATS = ("--format", "md,json,html,junit", "-v")
CREDENTIALS = (  # the passwords, and the base64 forms that carry them on the wire
    PASSWORD,
    basic(USER, PASSWORD).removeprefix("Basic "),
    PROXY_PASSWORD,
    basic(PROXY_USER, PROXY_PASSWORD).removeprefix("Basic "),
)


def assert_secret_nowhere(folder: Path, *texts: str) -> None:
    """No credential in any file under `folder` (read whole, as bytes), nor in `texts`."""
    for path in files_under(folder):
        data = path.read_bytes()
        for secret in CREDENTIALS:
            assert secret.encode() not in data, f"{secret!r} in {path}"
    for text in texts:
        for secret in CREDENTIALS:
            assert secret not in text, text


def test_basic_auth_is_sent_and_kept_out_of_reports(tmp_path: Path) -> None:
    with EchoServer(echo_auth=False) as server:
        a = b = {"url": server.url, "auth": AUTH}
        spec = write_spec(tmp_path, a, b, ("SVC_PASSWORD",))
        done = cli(spec, None, *ALL_FORMATS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 match / 0 diff (out of 2)" in done.stdout
    assert server.auth_seen == [basic(USER, PASSWORD)] * 4
    assert_secret_nowhere(tmp_path / "out", done.stdout, done.stderr)


def test_credentials_stay_out_of_a_failing_runs_reports_and_reproducers(tmp_path: Path) -> None:
    # The servers disagree, so every case is a DIFF with a reproducer for each target; b also
    # goes through a proxy that wants credentials.
    proxy_auth = basic(PROXY_USER, PROXY_PASSWORD)
    with (
        EchoServer(echo_auth=False) as one,
        EchoServer(echo_auth=False, extra={"flavor": "b"}) as two,
        ForwardProxy(require_auth=proxy_auth) as proxy,
    ):
        a = {"url": one.url, "auth": AUTH}
        b = {"url": two.url, "auth": AUTH, "proxy": with_secret(proxy)}
        spec = write_spec(tmp_path, a, b, ("SVC_PASSWORD", "PROXY_PASSWORD"))
        done = cli(spec, None, *ALL_FORMATS)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "0 match / 2 diff (out of 2)" in done.stdout
    assert one.auth_seen == [basic(USER, PASSWORD)] * 2
    assert two.auth_seen == [basic(USER, PASSWORD)] * 2
    assert proxy.auth_seen == [proxy_auth] * 2 and proxy.forwarded == 2
    assert_secret_nowhere(tmp_path / "out", done.stdout, done.stderr)


def test_auth_is_sent_only_by_the_target_that_sets_it(tmp_path: Path) -> None:
    with EchoServer() as server:
        cases = run(
            tmp_path,
            {"url": server.url, "auth": AUTH},
            {"url": server.url},
            ("SVC_PASSWORD",),
        )
    # The echoed Authorization differs: a sent it, b did not.
    assert verdicts(cases) == {"c1": "DIFF", "c2": "DIFF"}
    for case in cases:
        assert [d.path for d in case.differences] == [".auth"], case.differences
    assert sorted(server.auth_seen, key=str) == [basic(USER, PASSWORD)] * 2 + [None] * 2


# ----------------------------------------------------------------------------- load errors

HEAD = """\
secrets: [API_TOKEN, SVC_PASSWORD]
targets:
"""
GOOD_TARGET = """\
  b:
    url: http://127.0.0.1:9
"""
TAIL = """\
request: {method: POST, path: /echo}
compare: {facets: [status, body]}
cases: [{name: c1, input: {x: 1}}]
"""

# name -> (target a as written, the marker of the line(s) the error may point at, a regex the
# message must match)
LOAD_ERRORS = {
    "ca missing": (
        """\
  a:
    url: https://127.0.0.1:9
    tls:
      ca: certs/missing.pem
""",
        ("ca: certs/missing.pem",),
        r"missing\.pem",
    ),
    "ca not pem": (
        """\
  a:
    url: https://127.0.0.1:9
    tls:
      ca: notes.txt
""",
        ("ca: notes.txt",),
        r"notes\.txt|PEM",
    ),
    "cert not pem": (
        """\
  a:
    url: https://127.0.0.1:9
    tls:
      cert: notes.txt
      key: {key}
""",
        ("cert: notes.txt",),
        r"notes\.txt|PEM",
    ),
    "key not pem": (
        """\
  a:
    url: https://127.0.0.1:9
    tls:
      cert: {cert}
      key: notes.txt
""",
        ("key: notes.txt",),
        r"notes\.txt|PEM",
    ),
    "auth and authorization": (
        """\
  a:
    url: http://127.0.0.1:9
    headers:
      Authorization: "Bearer ${API_TOKEN}"
    auth: {username: svc, password: "${SVC_PASSWORD}"}
""",
        ('Authorization: "Bearer', "auth: {"),
        r"(?i)authorization",
    ),
    "auth and lower-case authorization": (
        """\
  a:
    url: http://127.0.0.1:9
    headers:
      authorization: "Bearer ${API_TOKEN}"
    auth: {username: svc, password: "${SVC_PASSWORD}"}
""",
        ('authorization: "Bearer', "auth: {"),
        r"(?i)authorization",
    ),
    "auth password written in the spec": (
        """\
  a:
    url: http://127.0.0.1:9
    auth:
      username: svc
      password: written-here
""",
        ("password: written-here",),
        r"secrets",
    ),
    "proxy password written in the spec": (
        """\
  a:
    url: http://127.0.0.1:9
    proxy: http://user:written-here@127.0.0.1:3128
""",
        ("proxy: http://user",),
        r"secrets",
    ),
    "ftp proxy": (
        """\
  a:
    url: http://127.0.0.1:9
    proxy: ftp://127.0.0.1:3128
""",
        ("proxy: ftp",),
        r"socks5h://",
    ),
    "http_version": (
        """\
  a:
    url: http://127.0.0.1:9
    http_version: "1.0"
""",
        ("http_version",),
        r"2-prior-knowledge",
    ),
}


@pytest.mark.parametrize("name", list(LOAD_ERRORS))
def test_bad_target_settings_are_load_errors(tmp_path: Path, name: str) -> None:
    target, markers, pattern = LOAD_ERRORS[name]
    (tmp_path / "notes.txt").write_text("not a certificate, not a key\n")
    target = target.replace("{key}", str(CLIENT_KEY)).replace("{cert}", str(SERVER_CERT))
    text = HEAD + target + GOOD_TARGET + TAIL
    spec = tmp_path / "s.yaml"
    spec.write_text(text)
    lines = {n for n, line in enumerate(text.splitlines(), 1) if any(m in line for m in markers)}
    assert lines, "marker not found"

    done = cli(spec)
    message = done.stdout + done.stderr
    assert done.returncode == 2, message
    located = {int(n) for n in re.findall(r"s\.yaml:(\d+):\d+", message)}
    assert located & lines, f"expected s.yaml:<one of {sorted(lines)}>:<column> in:\n{message}"
    assert re.search(pattern, message), message
