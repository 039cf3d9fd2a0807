"""HttpAdapter against real loopback servers: faults, keep-alive, and the validator examples."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import HELPER_PY, TESTS
from yamlparity.core import jsonvalue
from yamlparity.core.errors import Location
from yamlparity.spec.model import Case, HttpTarget, Service
from yamlparity.targets.base import Invocation, PreparedRequest, RawObservation, TargetUnavailable
from yamlparity.targets.http import HttpAdapter
from yamlparity.targets.ports import free_port

HERE = TESTS
FAULT_SERVER = str(HERE / "servers" / "fault_server.py")
VALIDATOR = HERE.parent / "examples" / "validator"
# The servers and snippets started here need the standard library only: `python -S`
# (tests/support/paths.py) starts in a third of the CPU.
PY = HELPER_PY
LOC = Location("test")
CASE = Case(name="c", location=LOC, input=None)


def target(name: str = "t", url: str = "http://127.0.0.1:${port}", **kw: Any) -> HttpTarget:
    return HttpTarget(name=name, location=LOC, url=url, **kw)


def service(run: tuple[str, ...], cwd: Path = HERE, **kw: Any) -> Service:
    return Service(run=run, shell=False, cwd=cwd, env={}, start_timeout=10.0, **kw)


def call(
    adapter: HttpAdapter,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> RawObservation:
    request = PreparedRequest(method=method, path=path, headers=headers or {}, body=body)
    return adapter.execute(Invocation(case=CASE, request=request))


def body_json(obs: RawObservation) -> Any:
    assert obs.failure is None, obs.failure
    return json.loads(obs.stdout)


@pytest.fixture
def adapters() -> Iterator[list[HttpAdapter]]:
    """Adapters a test starts; closed afterwards whatever happened."""
    made: list[HttpAdapter] = []
    yield made
    for adapter in made:
        adapter.close()


def started(made: list[HttpAdapter], tgt: HttpTarget, **kw: Any) -> HttpAdapter:
    adapter = HttpAdapter(tgt, **kw)
    made.append(adapter)
    adapter.start()
    return adapter


@pytest.fixture(scope="module")
def fault() -> Iterator[HttpAdapter]:
    """One fault server for the module, started and stopped by the adapter itself."""
    tgt = target(
        port="auto",
        timeout=2.0,  # generous: a loaded CI machine must not turn a reset into a timeout
        max_output=1000,
        service=service((PY, FAULT_SERVER, "${port}"), ready_http="/health"),
    )
    adapter = HttpAdapter(tgt)
    adapter.start()
    yield adapter
    adapter.close()


def sibling(fault: HttpAdapter, made: list[HttpAdapter], **kw: Any) -> HttpAdapter:
    """Another adapter on the module's fault server (its own pool, its own settings)."""
    return started(made, target(url=fault.base_url, **kw))


# ----------------------------------------------------------------------------- answers


def test_status_headers_and_body_come_back(fault: HttpAdapter) -> None:
    obs = call(fault, "/echo?x=1", "POST", b'{"a": 1}', {"Content-Type": "application/json"})
    assert obs.failure is None and obs.status == 200
    assert obs.headers["content-type"] == "application/json"
    assert obs.duration > 0
    echoed = json.loads(obs.stdout)
    assert echoed["method"] == "POST" and echoed["path"] == "/echo?x=1"
    assert echoed["body"] == '{"a": 1}'


def test_http_500_is_a_status_not_a_failure(fault: HttpAdapter) -> None:
    obs = call(fault, "/status/500")
    assert obs.failure is None
    assert obs.status == 500 and json.loads(obs.stdout) == {"status": 500}


def test_redirects_are_not_followed(fault: HttpAdapter) -> None:
    obs = call(fault, "/redirect")
    assert obs.failure is None
    assert obs.status == 302 and obs.headers["location"] == "/echo"


def test_target_headers_are_sent_and_request_headers_win(
    fault: HttpAdapter, adapters: list[HttpAdapter]
) -> None:
    adapter = sibling(fault, adapters, headers={"X-Team": "qa", "X-Mode": "target"})
    echoed = body_json(call(adapter, "/echo", headers={"x-mode": "case"}))
    assert echoed["headers"]["x-team"] == "qa"
    assert echoed["headers"]["x-mode"] == "case"


def test_url_path_prefix_is_kept(fault: HttpAdapter, adapters: list[HttpAdapter]) -> None:
    adapter = sibling(fault, adapters)
    prefixed = started(adapters, target(url=adapter.base_url + "/api/"))
    assert body_json(call(prefixed, "/v1/x?y=2"))["path"] == "/api/v1/x?y=2"


# ----------------------------------------------------------------------------- failures


def test_connection_refused(adapters: list[HttpAdapter]) -> None:
    port = free_port()  # nothing listens there
    adapter = started(adapters, target(url=f"http://127.0.0.1:{port}"))
    obs = call(adapter, "/anything")
    assert obs.failure == f"connection refused to http://127.0.0.1:{port}"
    assert obs.status is None


def test_request_timeout(fault: HttpAdapter) -> None:
    obs = call(fault, "/sleep?s=6")
    assert obs.failure == "timed out after 2 s"
    # The target is still usable afterwards. (Not /status/204: this server writes a body
    # after a 204, which libcurl, like curl, would read as the start of the next answer.)
    assert call(fault, "/status/200").status == 200


def test_reset_mid_body(fault: HttpAdapter) -> None:
    obs = call(fault, "/truncated")
    assert obs.failure is not None
    assert obs.failure.startswith("connection closed while reading the body")
    assert call(fault, "/status/200").status == 200


def test_body_over_the_cap(fault: HttpAdapter) -> None:
    assert call(fault, "/big?n=1000").stdout == b"x" * 1000  # exactly the cap is fine
    obs = call(fault, "/big?n=5000")
    assert obs.failure == "body larger than 1000 bytes (Content-Length 5000)"
    chunked = call(fault, "/bigchunked?n=200000")
    assert chunked.failure == "body larger than 1000 bytes"
    assert call(fault, "/status/200").status == 200


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_requests_are_never_retried(
    method: str, fault: HttpAdapter, adapters: list[HttpAdapter]
) -> None:
    adapter = sibling(fault, adapters)
    before = body_json(call(adapter, "/count"))["drops"]
    obs = call(adapter, "/drop", method, b"{}" if method == "POST" else None)
    assert obs.failure is not None and "before the response" in obs.failure
    assert body_json(call(adapter, "/count"))["drops"] == before + 1


def test_secrets_never_appear_in_describe_or_failures(adapters: list[HttpAdapter]) -> None:
    port = free_port()
    tgt = target(
        url=f"http://user:pa55word@127.0.0.1:{port}",
        headers={"Authorization": "Bearer hunter2-token", "X-Api-Key": "k3y-abc"},
    )
    adapter = started(adapters, tgt)
    obs = call(adapter, "/", headers={"Cookie": "session=c00kie"})
    texts = [adapter.describe(), obs.failure or ""]
    assert obs.failure is not None
    for text in texts:
        for secret in ("hunter2-token", "k3y-abc", "c00kie", "pa55word"):
            assert secret not in text


def test_execute_before_start_is_a_failure() -> None:
    adapter = HttpAdapter(target(url="http://127.0.0.1:9"))
    assert call(adapter, "/").failure == "target not started"


# ----------------------------------------------------------------------------- service


def test_service_death_is_reported_with_its_log(adapters: list[HttpAdapter]) -> None:
    tgt = target(port="auto", service=service((PY, FAULT_SERVER, "${port}"), ready_port=True))
    adapter = started(adapters, tgt)
    assert adapter.describe().startswith(f"http://127.0.0.1:{adapter.port} (started: ")
    assert call(adapter, "/status/200").status == 200
    obs = call(adapter, "/exit?code=7")
    assert obs.failure is not None
    assert "the service exited with code 7" in obs.failure
    assert "exiting with 7 as asked" in obs.failure
    later = call(adapter, "/status/200")  # not sent: whatever answers there is not it
    assert later.failure is not None
    assert later.failure.startswith("request not sent; the service exited with code 7")
    assert "exiting with 7 as asked" in later.failure


def test_a_dead_service_is_never_answered_for_by_another_process(
    tmp_path: Path, adapters: list[HttpAdapter]
) -> None:
    # The service's process ends; a process it left (here its child, in its group) keeps
    # answering on its port, as an old server or another target's would. Its answers used to
    # be taken for the service's.
    script = tmp_path / "handoff.sh"
    leave = tmp_path / "leave"  # the service's process exits once this file exists
    script.write_text(
        f'{PY} {FAULT_SERVER} "$1" &\n'
        f"while [ ! -e {leave} ]; do sleep 0.05; done; echo bye; exit 5\n"
    )
    tgt = target(port="auto", service=service(("sh", str(script), "${port}"), ready_http="/health"))
    adapter = started(adapters, tgt)
    assert adapter.service is not None and adapter.service.proc is not None
    leave.touch()
    adapter.service.proc.wait(timeout=10)
    with socket.create_connection(("127.0.0.1", adapter.port or 0), timeout=2):
        pass  # the child still answers there
    obs = call(adapter, "/status/200")
    assert obs.status is None
    assert obs.failure is not None
    assert obs.failure.startswith("request not sent; the service exited with code 5")
    assert "— last log lines:\n" in obs.failure and obs.failure.endswith("\nbye")


def test_service_that_cannot_start_makes_start_raise(adapters: list[HttpAdapter]) -> None:
    code = "import sys; print('bad config', flush=True); sys.exit(2)"
    tgt = target(port="auto", service=service((PY, "-c", code)))
    adapter = HttpAdapter(tgt)
    adapters.append(adapter)
    with pytest.raises(TargetUnavailable, match="exited with code 2") as info:
        adapter.start()
    assert "bad config" in info.value.log_tail


def test_reuse_uses_a_running_server(fault: HttpAdapter, adapters: list[HttpAdapter]) -> None:
    assert fault.port is not None
    tgt = target(port=fault.port, service=service(("false",), ready_http="/health", reuse=True))
    adapter = started(adapters, tgt)
    assert adapter.describe().endswith("(reused: already answering)")
    assert call(adapter, "/status/200").status == 200
    adapter.close()
    assert call(fault, "/status/200").status == 200  # not stopped by the reusing adapter


# ----------------------------------------------------------------------------- pooling


def test_keep_alive_one_connection_for_fifty_requests(
    fault: HttpAdapter, adapters: list[HttpAdapter]
) -> None:
    adapter = sibling(fault, adapters)
    before = body_json(call(adapter, "/count"))["connections"]
    for i in range(50):
        assert call(adapter, f"/echo?i={i}", "POST", b"x").status == 200
    assert body_json(call(adapter, "/count"))["connections"] == before


def test_concurrent_requests_share_a_bounded_pool(
    fault: HttpAdapter, adapters: list[HttpAdapter]
) -> None:
    adapter = sibling(fault, adapters, concurrency=4)
    before = body_json(call(adapter, "/count"))["connections"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        paths = [f"/echo?i={i}" for i in range(200)]
        results = list(pool.map(lambda p: call(adapter, p), paths))
    assert [json.loads(r.stdout)["path"] for r in results] == paths
    opened = body_json(call(adapter, "/count"))["connections"] - before
    assert 1 <= opened <= 4


def test_close_is_idempotent(adapters: list[HttpAdapter]) -> None:
    tgt = target(port="auto", service=service((PY, FAULT_SERVER, "${port}")))
    adapter = started(adapters, tgt)
    svc = adapter.service
    assert svc is not None and svc.alive()
    adapter.close()
    adapter.close()
    assert not svc.alive()
    assert call(adapter, "/").failure == "target not started"


# ----------------------------------------------------------------------------- validator

CASES: list[dict[str, Any]] = json.loads((VALIDATOR / "cases.json").read_text())


@pytest.fixture(scope="module")
def validators() -> Iterator[dict[str, HttpAdapter]]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    python = target(
        "python",
        port="auto",
        timeout=8,
        service=service((PY, "server.py", "${port}"), cwd=VALIDATOR, ready_http="/health"),
    )
    node = target(
        "node",
        port="auto",
        timeout=8,
        service=service(("node", "server.js", "${port}"), cwd=VALIDATOR, ready_log="listening on"),
    )
    made = {"python": HttpAdapter(python), "node": HttpAdapter(node)}
    try:
        for adapter in made.values():
            adapter.start()
        yield made
    finally:
        for adapter in made.values():
            adapter.close()


def validate(adapter: HttpAdapter, payload: bytes) -> RawObservation:
    headers = {"Content-Type": "application/json"}
    return call(adapter, "/v1/validate", "POST", payload, headers)


def without_elapsed(obs: RawObservation) -> str:
    value = jsonvalue.loads(obs.stdout)
    assert isinstance(value, dict)
    assert isinstance(value.pop("elapsed_ms"), jsonvalue.Number)
    return jsonvalue.canonical(value)


def run_cases(validators: dict[str, HttpAdapter]) -> dict[str, dict[str, RawObservation]]:
    out: dict[str, dict[str, RawObservation]] = {}
    for case in CASES:
        payload = json.dumps(case["input"]).encode()
        out[case["name"]] = {name: validate(a, payload) for name, a in validators.items()}
    return out


def test_validator_cases_are_the_six_fixtures() -> None:
    names = [case["name"] for case in CASES]
    assert names == [
        "playbook_happy",
        "playbook_missing_fingerprint",
        "playbook_wrong_prefix",
        "playbook_empty_endorsed",
        "playbook_overfull",
        "fill_phantom",
    ]
    assert CASES[5]["input"]["context"]["city"] == "Toledo"


def test_validator_statuses_match_and_five_bodies_diverge(
    validators: dict[str, HttpAdapter],
) -> None:
    results = run_cases(validators)
    for name, obs in results.items():
        py, js = obs["python"], obs["node"]
        assert py.failure is None and js.failure is None
        assert py.status == js.status == (200 if name == "playbook_happy" else 422), name
        if name == "playbook_happy":
            assert without_elapsed(py) == without_elapsed(js) == '{"errors":[],"ok":true}'
        else:
            assert without_elapsed(py) != without_elapsed(js), name


def test_validator_errors_agree_apart_from_the_wire_format(
    validators: dict[str, HttpAdapter],
) -> None:
    for name, obs in run_cases(validators).items():
        py_errors = json.loads(obs["python"].stdout)["errors"]
        js_errors = json.loads(obs["node"].stdout)["errors"]
        # serde's {"Schema": {"field", "reason"}} mapped onto the flat {"Kind", "Field", "Reason"}
        flattened = [
            {"Kind": kind.lower(), "Field": v["field"], "Reason": v["reason"]}
            for error in py_errors
            for kind, v in error.items()
        ]
        assert flattened == js_errors, name
    fingerprint = json.loads(results_one(validators, "playbook_missing_fingerprint"))
    assert fingerprint["errors"] == [{"Schema": {"field": "fingerprint", "reason": "missing"}}]


def results_one(validators: dict[str, HttpAdapter], name: str) -> bytes:
    case = next(c for c in CASES if c["name"] == name)
    return validate(validators["python"], json.dumps(case["input"]).encode()).stdout


def test_validator_elapsed_ms_is_measured(validators: dict[str, HttpAdapter]) -> None:
    payload = json.dumps(CASES[0]["input"]).encode()
    for adapter in validators.values():
        value = body_json(validate(adapter, payload))
        assert isinstance(value["elapsed_ms"], int | float) and value["elapsed_ms"] >= 0


def test_validator_malformed_json_is_400_on_both(validators: dict[str, HttpAdapter]) -> None:
    py = validate(validators["python"], b'{"kind": ')
    js = validate(validators["node"], b'{"kind": ')
    assert py.status == js.status == 400
    assert json.loads(py.stdout)["errors"] == [
        {"Schema": {"field": "body", "reason": "invalid JSON"}}
    ]
    assert json.loads(js.stdout)["errors"] == [
        {"Kind": "schema", "Field": "body", "Reason": "invalid JSON"}
    ]


def test_a_port_taken_before_the_service_binds_it_is_picked_again(
    adapters: list[HttpAdapter], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`port: auto` picks a port free at that moment; another process may bind it before the
    service does. The service then exits ("Address already in use") and is started again on
    another free port."""
    from yamlparity.targets import http

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        picks = iter([busy])
        monkeypatch.setattr(http, "free_port", lambda: next(picks, None) or free_port())
        tgt = target(
            port="auto", service=service((PY, FAULT_SERVER, "${port}"), ready_http="/health")
        )
        adapter = started(adapters, tgt)
        assert adapter.port not in (None, busy)
        assert call(adapter, "/status/200").status == 200


@pytest.mark.parametrize(
    ("said", "port", "starts"),
    [
        ("OSError: [Errno 98] Address already in use", "auto", 3),  # Python, C, Java, Go
        ("Error: listen EADDRINUSE: 127.0.0.1:4000", "auto", 3),  # Node.js
        ("Error: Address in use (os error 98)", "auto", 3),  # Rust
        ("bad config", "auto", 1),
        ("OSError: [Errno 98] Address already in use", 4000, 1),  # a port the spec fixed
    ],
)
def test_only_a_port_clash_on_an_auto_port_starts_a_service_again(
    adapters: list[HttpAdapter], tmp_path: Path, said: str, port: object, starts: int
) -> None:
    """A clash on every try gives up after three starts, and says so; any other early exit,
    and any exit on a port the spec fixed, is final."""
    count = tmp_path / "starts"
    code = f"open({str(count)!r}, 'a').write('x'); print({said!r}, flush=True); raise SystemExit(1)"
    adapter = HttpAdapter(target(port=port, service=service((PY, "-c", code))))
    adapters.append(adapter)
    with pytest.raises(TargetUnavailable, match="exited with code 1") as info:
        adapter.start()
    assert said in info.value.log_tail
    assert count.read_text() == "x" * starts
    assert ("3 starts, each on another free port" in info.value.reason) == (starts == 3)
