"""Secrets: `secrets:` in the loader, the Redactor, and (once cli.py applies it) the CLI's
reports and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import (
    SERVERS,
    run_cli,
    write_spec,
)
from tests.support.paths import HELPER_PY
from yamlparity.core.errors import SpecError
from yamlparity.core.jsonvalue import Number
from yamlparity.results.records import CaseResult, SpecResult, TargetOutcome
from yamlparity.spec.load import load_spec
from yamlparity.spec.redact import MASK, Redactor, redact_headers

TOKEN = 's3cr3t-t0ken/\u00e9"x'  # a slash, a non-ASCII letter and a quote: every escaping


# ----------------------------------------------------------------------------- Redactor


def test_text_masks_every_occurrence_and_every_written_form() -> None:
    red = Redactor([TOKEN])
    forms = [TOKEN, json.dumps(TOKEN)[1:-1], json.dumps(TOKEN, ensure_ascii=False)[1:-1]]
    forms.append("s3cr3t-t0ken%2F%C3%A9%22x")  # URL-encoded
    for form in forms:
        assert red.text(f"a {form} b {form}") == f"a {MASK} b {MASK}"
    assert red.text("nothing secret") == "nothing secret"


def test_longest_secret_wins_and_empty_values_are_ignored() -> None:
    red = Redactor(["abcd", "abcdefgh", ""])
    assert red.text("xabcdefghx abcd") == f"x{MASK}x {MASK}"
    assert not Redactor(["", ""]) and Redactor(["abcd"])


def test_value_masks_strings_keys_and_numbers() -> None:
    red = Redactor(["hunter22", "123456789"])
    value = {"hunter22": ["a hunter22 b", Number("123456789"), Number("7"), True, None]}
    assert red.value(value) == {MASK: [f"a {MASK} b", MASK, Number("7"), True, None]}


def test_deep_masks_result_objects_without_changing_them() -> None:
    red = Redactor(["hunter22"])
    outcome = TargetOutcome(target="a", error="auth hunter22 refused", raw_excerpt="hunter22")
    case = CaseResult(name="c", verdict="ERROR", outcomes={"a": outcome}, reason="hunter22")
    result = SpecResult("s", "t", "d", "f", "http", [], [case], started="now")
    masked = red.deep(result)
    assert masked.cases[0].outcomes["a"].error == f"auth {MASK} refused"
    assert masked.cases[0].reason == MASK
    assert result.cases[0].reason == "hunter22"  # the original is untouched
    assert "hunter22" not in json.dumps(masked.to_dict(), default=str)


def test_redact_headers() -> None:
    headers = {
        "Authorization": "Bearer x",
        "cookie": "a=b",
        "X-API-Key": "k",
        "Proxy-Authorization": "p",
        "Set-Cookie": "s",
        "Accept": "json",
    }
    masked = redact_headers(headers)
    assert masked == {**dict.fromkeys(list(headers)[:5], MASK), "Accept": "json"}


# ----------------------------------------------------------------------------- loader


def http_spec(folder: Path, *, userinfo: str = "") -> Path:
    slow, fault = SERVERS / "slow_server.py", SERVERS / "fault_server.py"
    return write_spec(
        folder,
        "secret.yaml",
        f"""\
secrets: [API_TOKEN]
targets:
  echoes_headers:
    url: "http://{userinfo}127.0.0.1:${{port}}"
    port: auto
    headers: {{Authorization: "Bearer ${{API_TOKEN}}"}}
    service: {{run: [{HELPER_PY}, {fault}, "${{port}}"], ready: {{http: /health}}}}
  plain:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    service: {{run: [{HELPER_PY}, {slow}, "${{port}}"], ready: {{http: /health}}}}
request: {{method: POST, path: "/echo"}}
cases:
  - {{name: one, input: {{a: 1}}}}
""",
    )


def test_loader_keeps_secret_values_and_names(tmp_path: Path) -> None:
    spec = load_spec(http_spec(tmp_path), environ={"API_TOKEN": TOKEN})
    assert spec.secrets == frozenset({TOKEN}) and spec.secret_names == ("API_TOKEN",)
    assert spec.targets["echoes_headers"].headers == {"Authorization": f"Bearer {TOKEN}"}


def test_loader_errors_never_show_a_secret(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        "leak.yaml",
        """\
secrets: [API_TOKEN]
targets:
  a: {run: "helper --token ${API_TOKEN}"}
  b: {run: [helper]}
cases: [{name: one}]
""",
    )
    with pytest.raises(SpecError) as caught:
        load_spec(spec, environ={"API_TOKEN": "hunter2-secret"})
    assert "hunter2-secret" not in caught.value.render()
    assert MASK in caught.value.render()  # the hint quotes the command, masked


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="too short"):
        load_spec(http_spec(tmp_path), environ={"API_TOKEN": "abc"})


def test_redactor_for_spec_covers_headers_and_url_passwords(tmp_path: Path) -> None:
    spec = load_spec(
        http_spec(tmp_path, userinfo="user:pa55-word@"), environ={"API_TOKEN": "tok-123456"}
    )
    red = Redactor.for_spec(spec)
    assert red.text("http://user:pa55-word@host") == f"http://user:{MASK}@host"
    assert red.text("Bearer tok-123456") == MASK  # the whole header value is a credential
    assert red.text("token=tok-123456;") == f"token={MASK};"


# ----------------------------------------------------------------------------- end to end


def test_secrets_never_reach_reports_or_output(tmp_path: Path) -> None:
    spec = http_spec(tmp_path)
    proc = run_cli(
        "run",
        str(spec),
        "--report-dir",
        "out",
        "--format",
        "md,json,html,junit",
        "-v",
        cwd=tmp_path,
        env={"API_TOKEN": TOKEN},
    )
    assert proc.returncode == 1  # fault_server echoes the headers: the bodies differ
    written = {p.name: p.read_text("utf-8") for p in (tmp_path / "out").iterdir()}
    assert written
    for form in (TOKEN, json.dumps(TOKEN)[1:-1], "s3cr3t-t0ken"):
        assert form not in proc.stdout + proc.stderr
        for name, text in written.items():
            assert form not in text, name
    assert any(MASK in text for text in written.values())
