"""Recorded baselines through the real CLI: `yamlparity record`, recorded targets in specs,
`--update-baseline`, with real servers (tests/servers/quote_server.py) and real helpers."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from tests.support.paths import HELPER_PY, PROGRAMS, SERVERS

Cli = Callable[..., CompletedProcess[str]]

CASES = """\
cases:
  - {name: a_one, input: {sku: A-1, qty: 2}}
  - {name: b_two, input: {sku: B-2, qty: 1}}
  - {name: c_three, input: {sku: C-3, qty: 3}}
  - {name: unknown_sku, input: {sku: Z-9, qty: 1}}
"""


def _server(name: str, variant: str, log: str = "") -> str:
    extra = f', "{log}"' if log else ""
    return f"""\
  {name}:
    url: "http://127.0.0.1:${{port}}"
    port: auto
    service:
      run: [python3, "{SERVERS / "quote_server.py"}", "${{port}}", "{variant}"{extra}]
      ready: {{log: "listening on"}}
"""


def _spec(folder: Path, name: str, targets: str, cases: str = CASES, extra: str = "") -> Path:
    text = f"""\
name: {name}
targets:
{targets}request:
  method: POST
  path: /v1/quote
normalize:
  - del(.served_at)
{cases}{extra}report: {{path: reports/{name}.md}}
"""
    path = folder / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return path


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _by_case(path: Path) -> dict[str, str]:
    """case -> its line as written (the header left out)."""
    lines = path.read_text("utf-8").splitlines()[1:]
    return {str(json.loads(line)["case"]): line for line in lines}


def test_record_writes_one_sorted_line_per_case_with_exact_literals(
    tmp_path: Path, run_cli: Cli
) -> None:
    _spec(tmp_path, "gw", _server("go", "v1") + _server("rust", "v1"))
    done = run_cli("record", "gw.yaml", "--target", "go")
    assert done.returncode == 0, done.stderr
    assert "[record] gw: 4 cases of go → baselines/go.jsonl" in done.stdout
    file = tmp_path / "baselines" / "go.jsonl"
    header, *rows = _lines(file)
    assert header["yamlparity_recording"] == 1
    assert header["target"] == "go" and header["kind"] == "http"
    assert header["description"].startswith("http://127.0.0.1:${port} (service: python3 ")
    assert header["spec"] == "../gw.yaml" and header["cases"] == 4
    assert len(str(header["spec_sha256"])) == 16
    assert [row["case"] for row in rows] == ["a_one", "b_two", "c_three", "unknown_sku"]
    text = file.read_text("utf-8")
    # The literals as the server wrote them: 19.90, 1e2 and 1.0 stay, every digit kept.
    assert '"price":19.90,"ratio":1.0,"order_id":9007199254740993' in text
    assert '"price":1e2' in text
    assert rows[3]["status"] == 404 and rows[3]["body_json"] == {"error": "unknown sku"}
    assert "date" not in rows[0]["headers"]  # type: ignore[operator]
    assert rows[0]["headers"]["content-type"] == "application/json"  # type: ignore[index]
    # A second record would overwrite it: refused, the file untouched.
    again = run_cli("record", "gw.yaml", "--target", "go")
    assert again.returncode == 2
    assert "baselines/go.jsonl exists" in again.stderr and "--update-baseline" in again.stderr
    assert file.read_text("utf-8") == text


def test_the_go_daemon_is_gone_the_rust_gateway_stays_equal_to_its_recording(
    tmp_path: Path, run_cli: Cli
) -> None:
    _spec(tmp_path, "gw", _server("go", "v1") + _server("rust", "v1"))
    assert run_cli("run", "gw.yaml").returncode == 0
    assert run_cli("record", "gw.yaml", "--target", "go").returncode == 0
    recorded = "  go:\n    recorded: baselines/go.jsonl\n"
    _spec(tmp_path, "retired", recorded + _server("rust", "v1"))
    done = run_cli("run", "retired.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[parity] retired: 4 match / 0 diff (out of 4)" in done.stdout
    report = (tmp_path / "reports" / "retired.md").read_text("utf-8")
    assert "**go recording:** `baselines/go.jsonl: recorded 20" in report
    assert "from target go: http://127.0.0.1:${port} (service: python3" in report
    assert "recorded with a spec file that differs from this one (../gw.yaml)" in report

    # An accidental change in the Rust gateway is a DIFF against the recording.
    _spec(tmp_path, "retired", recorded + _server("rust", "drift"))
    done = run_cli("run", "retired.yaml", "-v")
    assert done.returncode == 1
    assert "[parity] retired: 3 match / 1 diff (out of 4)" in done.stdout
    assert '    body .qty: go=3  rust="3"' in done.stdout


def test_missing_and_unused_recorded_cases(tmp_path: Path, run_cli: Cli) -> None:
    _spec(tmp_path, "gw", _server("go", "v1") + _server("rust", "v1"))
    assert run_cli("record", "gw.yaml", "--target", "go").returncode == 0
    cases = CASES.replace("  - {name: unknown_sku, input: {sku: Z-9, qty: 1}}\n", "") + (
        "  - {name: a_one_bulk, input: {sku: A-1, qty: 50}}\n"
    )
    recorded = "  go:\n    recorded: baselines/go.jsonl\n"
    _spec(tmp_path, "later", recorded + _server("rust", "v1"), cases)
    done = run_cli("run", "later.yaml", "-v")
    assert done.returncode == 1
    assert "[parity] later: 3 match / 0 diff / 1 error (out of 4)" in done.stdout
    assert (
        "ERROR a_one_bulk: go: this case is not in the recording baselines/go.jsonl; record it "
        "with `yamlparity record gw.yaml --target go --update-baseline` (the spec that recorded "
        "it: the case must be there too)"
    ) in done.stdout
    report = (tmp_path / "reports" / "later.md").read_text("utf-8")
    assert "1 recorded case no longer in the spec (unused): unknown_sku" in report
    validate = run_cli("validate", "later.yaml")
    assert validate.returncode == 0
    assert (
        "baselines/go.jsonl: 1 recorded case(s) no longer in the spec (unused): unknown_sku"
        in validate.stdout
    )


def test_a_live_target_and_its_own_recording_updated_after_a_deliberate_change(
    tmp_path: Path, run_cli: Cli
) -> None:
    targets = _server("gateway", "v1") + "  last:\n    recorded: baselines/gateway.jsonl\n"
    _spec(tmp_path, "probe", targets)
    # The spec names the recording it is about to get: recording it is not an error.
    assert run_cli("record", "probe.yaml", "--target", "gateway").returncode == 0
    file = tmp_path / "baselines" / "gateway.jsonl"
    before = _by_case(file)
    assert run_cli("run", "probe.yaml").returncode == 0

    _spec(tmp_path, "probe", targets.replace('"v1"', '"v2"'))
    done = run_cli("run", "probe.yaml", "-v")
    assert done.returncode == 1
    assert "    body .price: gateway=21.00  last=5.00" in done.stdout

    # -k: only the selected cases are recorded again; the others keep their recorded lines.
    some = run_cli("record", "probe.yaml", "--target", "gateway", "--update-baseline", "-k", "a_")
    assert some.returncode == 0, some.stderr
    assert "0 added, 0 removed, 0 changed, 4 unchanged" in some.stdout
    assert _by_case(file) == before
    update = run_cli("record", "probe.yaml", "--target", "gateway", "--update-baseline")
    assert update.returncode == 0, update.stderr
    assert update.stdout.splitlines() == [
        "[record] probe: baselines/gateway.jsonl updated from gateway: 0 added, 0 removed, "
        "1 changed, 3 unchanged",
        "  changed  b_two: body .price: 5.00 → 21.00",
    ]
    after = _by_case(file)
    # Only b_two's line changed: the others kept their bytes (served_at is normalized away).
    assert {name for name in after if after[name] != before[name]} == {"b_two"}
    assert run_cli("run", "probe.yaml").returncode == 0


def test_update_refuses_while_live_targets_disagree_unless_forced(
    tmp_path: Path, run_cli: Cli
) -> None:
    targets = (
        _server("gateway", "v1")
        + _server("peer", "drift")
        + "  last:\n    recorded: baselines/gateway.jsonl\n"
    )
    _spec(tmp_path, "trio", targets)
    assert run_cli("record", "trio.yaml", "--target", "gateway").returncode == 0
    file = tmp_path / "baselines" / "gateway.jsonl"
    text = file.read_text("utf-8")
    refused = run_cli("record", "trio.yaml", "--target", "gateway", "--update-baseline")
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "[record] baselines/gateway.jsonl not updated: 1 case(s) did not pass",
        "  c_three: DIFF: body .qty differs",
        "  fix them, or pass --force to record these answers as they are",
    ]
    assert file.read_text("utf-8") == text
    forced = run_cli("record", "trio.yaml", "--target", "gateway", "--update-baseline", "--force")
    assert forced.returncode == 0
    assert "0 added, 0 removed, 0 changed, 4 unchanged" in forced.stdout


def test_update_lists_added_and_removed_cases(tmp_path: Path, run_cli: Cli) -> None:
    targets = _server("gateway", "v1") + "  last:\n    recorded: baselines/gateway.jsonl\n"
    _spec(tmp_path, "probe", targets)
    assert run_cli("record", "probe.yaml", "--target", "gateway").returncode == 0
    cases = CASES.replace("b_two", "b_two_renamed")
    _spec(tmp_path, "probe", targets, cases)
    done = run_cli("record", "probe.yaml", "--target", "gateway", "--update-baseline")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[record] probe: baselines/gateway.jsonl updated from gateway: 1 added, 1 removed, "
        "0 changed, 3 unchanged",
        "  added    b_two_renamed",
        "  removed  b_two",
    ]
    names = [row["case"] for row in _lines(tmp_path / "baselines" / "gateway.jsonl")[1:]]
    assert names == ["a_one", "b_two_renamed", "c_three", "unknown_sku"]


def test_a_changed_input_is_an_error_unless_check_input_is_off(
    tmp_path: Path, run_cli: Cli
) -> None:
    _spec(tmp_path, "gw", _server("go", "v1") + _server("rust", "v1"))
    assert run_cli("record", "gw.yaml", "--target", "go").returncode == 0
    cases = CASES.replace("{sku: A-1, qty: 2}", "{sku: A-1, qty: 7}")
    recorded = "  go:\n    recorded: baselines/go.jsonl\n"
    _spec(tmp_path, "retired", recorded + _server("rust", "v1"), cases)
    done = run_cli("run", "retired.yaml", "-v")
    assert done.returncode == 1
    assert "ERROR a_one: go: the case's input changed since it was recorded" in done.stdout
    assert "baselines/go.jsonl:2: input " in done.stdout
    lenient = recorded + "    check_input: false\n"
    _spec(tmp_path, "retired", lenient + _server("rust", "v1"), cases)
    done = run_cli("run", "retired.yaml", "-v")
    assert "    body .qty: go=2  rust=7" in done.stdout


def test_command_recording_keeps_bytes_that_are_not_utf8(tmp_path: Path, run_cli: Cli) -> None:
    helper = PROGRAMS / "bytes_helper.py"
    spec = textwrap.dedent(
        f"""\
        name: bytes
        targets:
          old: {{run: [python3, "{helper}"]}}
          new: {{run: [python3, "{helper}"]}}
        output: text
        compare: {{facets: [stdout, stderr, exit_code]}}
        cases:
          - {{name: n1, input: {{n: 1}}}}
          - {{name: n2, input: {{n: 2}}}}
          - {{name: n3, input: {{n: 3}}}}
        report: {{path: reports/bytes.md}}
        """
    )
    (tmp_path / "bytes.yaml").write_text(spec, "utf-8")
    assert run_cli("record", "bytes.yaml", "--target", "old").returncode == 0
    header, *rows = _lines(tmp_path / "baselines" / "old.jsonl")
    assert header["kind"] == "command"
    assert rows[0] == {
        "case": "n1",
        "input_sha256": rows[0]["input_sha256"],
        "exit_code": 1,
        "stdout_base64": "Y2Fm6SAxCg==",  # b"caf\xe9 1\n"
        "stderr": "done 1 \u2713\n",
    }
    live = f'old: {{run: [python3, "{helper}"]}}'
    replay = spec.replace(live, "old: {recorded: baselines/old.jsonl}")
    (tmp_path / "bytes.yaml").write_text(replay, "utf-8")
    done = run_cli("run", "bytes.yaml")
    assert done.returncode == 0, done.stdout
    assert "[parity] bytes: 3 match / 0 diff (out of 3)" in done.stdout
    report = (tmp_path / "reports" / "bytes.md").read_text("utf-8")
    assert "**old recording:**" in report
    drift = replay.replace(f'"{helper}"]', f'"{helper}", drift]')
    (tmp_path / "bytes.yaml").write_text(drift, "utf-8")
    done = run_cli("run", "bytes.yaml", "-v")
    assert "[parity] bytes: 2 match / 1 diff (out of 3)" in done.stdout
    assert "DIFF n2" in done.stdout


def test_bad_recordings_and_bad_requests_are_usage_errors(tmp_path: Path, run_cli: Cli) -> None:
    _spec(tmp_path, "gw", _server("go", "v1") + "  last:\n    recorded: baselines/go.jsonl\n")
    missing = run_cli("run", "gw.yaml")
    assert missing.returncode == 2
    assert "error: target 'last': recording not found: baselines/go.jsonl" in missing.stderr
    assert "--> gw.yaml:10:15 (at targets.last.recorded)" in missing.stderr
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "go.jsonl").write_text(
        '{"yamlparity_recording":1,"target":"go","kind":"http","description":"x",'
        '"recorded_at":"t","yamlparity":"0","spec":"s","spec_sha256":"","cases":1}\n'
        '{"case":"a_one","status":200,"headers":{},"body_json":{"a":1,}}\n',
        "utf-8",
    )
    corrupt = run_cli("validate", "gw.yaml")
    assert corrupt.returncode == 2
    assert "error: invalid JSON in a recording: Expecting property name" in corrupt.stderr
    assert "--> baselines/go.jsonl:2:62" in corrupt.stderr
    (tmp_path / "baselines" / "go.jsonl").unlink()  # record may run while it is missing
    unknown = run_cli("record", "gw.yaml", "--target", "goo")
    assert unknown.returncode == 2
    assert "gw has no target 'goo' (did you mean 'go'?)" in unknown.stderr
    recorded = run_cli("record", "gw.yaml", "--target", "last")
    assert recorded.returncode == 2
    assert "target 'last' is a recording" in recorded.stderr
    nothing = run_cli("record", "gw.yaml", "--target", "go", "--update-baseline", "--out", "x")
    assert nothing.returncode == 2
    assert "no recording at x/go.jsonl to update" in nothing.stderr
    json_file = run_cli("record", "gw.yaml", "--target", "go", "--out", "go.json")
    assert json_file.returncode == 2
    assert "--out go.json: a recording is a JSON Lines file" in json_file.stderr
    assert "--out go.jsonl" in json_file.stderr and not (tmp_path / "go.json").exists()


def test_credentials_are_sent_but_never_recorded_nor_fingerprinted(
    tmp_path: Path, run_cli: Cli
) -> None:
    log = tmp_path / "requests.log"
    auth = '    port: auto\n    headers: {Authorization: "Bearer ${QUOTE_TOKEN}"}\n'
    go = _server("go", "v1", str(log)).replace("    port: auto\n", auth)
    plain = "request:\n  method: POST\n  path: /v1/quote\n"
    request = plain + '  headers: {X-Api-Key: "${QUOTE_TOKEN}"}\n'
    spec = _spec(tmp_path, "gw", go + _server("rust", "v1"), extra="secrets: [QUOTE_TOKEN]\n")
    spec.write_text(spec.read_text().replace(plain, request))
    token = {"QUOTE_TOKEN": "tok-0123456789abcdef"}
    done = run_cli("record", "gw.yaml", "--target", "go", env=token)
    assert done.returncode == 0, done.stderr
    sent = [json.loads(line)["headers"] for line in log.read_text().splitlines()]
    assert len(sent) == 4
    assert all(h["Authorization"] == "Bearer tok-0123456789abcdef" for h in sent)
    assert "tok-0123456789abcdef" not in (tmp_path / "baselines" / "go.jsonl").read_text()
    # Another token next time: the same inputs (credentials are not part of the question).
    retired = spec.read_text().replace(go, "  go:\n    recorded: baselines/go.jsonl\n")
    spec.write_text(retired)
    done = run_cli("run", "gw.yaml", env={"QUOTE_TOKEN": "other-token-9876543210"})
    assert "[parity] gw: 4 match / 0 diff (out of 4)" in done.stdout, done.stdout + done.stderr


def test_a_recording_of_a_stream_helper_has_no_exit_code_to_compare(
    tmp_path: Path, run_cli: Cli
) -> None:
    """A stream helper answers with a line and has no exit code per case: its recording
    carries a made-up 0, so a spec comparing exit codes with it is refused, as with the
    helper itself (and a recording of a process target is accepted)."""
    helper = PROGRAMS / "stream_helper.py"
    spec = textwrap.dedent(
        f"""\
        name: helpers
        targets:
          old: {{run: [python3, "{helper}"], mode: stream}}
          new: {{run: [python3, "{helper}"], mode: stream}}
        normalize: [del(.pid)]
        cases: [{{name: one, input: {{n: 1}}}}, {{name: two, input: {{n: 2}}}}]
        report: {{path: reports/helpers.md}}
        """
    )
    (tmp_path / "helpers.yaml").write_text(spec, "utf-8")
    assert run_cli("record", "helpers.yaml", "--target", "old").returncode == 0
    header = _lines(tmp_path / "baselines" / "old.jsonl")[0]
    assert str(header["description"]).endswith(" (stream mode)")
    replay = spec.replace(f'old: {{run: [python3, "{helper}"], mode: stream}}', (
        "old: {recorded: baselines/old.jsonl}"
    )).replace(', mode: stream}', "}")  # fmt: skip
    assert "mode: stream" not in replay
    (tmp_path / "helpers.yaml").write_text(replay, "utf-8")
    assert run_cli("run", "helpers.yaml").returncode == 0  # stdout only: fine
    compared = replay.replace("normalize:", "compare: {facets: [stdout, exit_code]}\nnormalize:")
    (tmp_path / "helpers.yaml").write_text(compared, "utf-8")
    done = run_cli("run", "helpers.yaml")
    assert done.returncode == 2, done.stdout
    assert "(at compare.facets[1])" in done.stderr
    assert (
        "`exit_code` is compared, but target 'old' replays a recording of a helper in "
        "`mode: stream`" in done.stderr
    )
    assert "record 'old' again from its helper in `mode: process`" in done.stderr
    # Recorded from the same helper started once per case, the exit codes are real.
    (tmp_path / "helpers.yaml").write_text(spec.replace(", mode: stream}", "}"), "utf-8")
    (tmp_path / "baselines" / "old.jsonl").unlink()
    assert run_cli("record", "helpers.yaml", "--target", "old").returncode == 0
    (tmp_path / "helpers.yaml").write_text(compared, "utf-8")
    done = run_cli("run", "helpers.yaml")
    assert done.returncode == 0, done.stderr


def test_a_recording_of_another_spec_is_named_not_offered_for_update(
    tmp_path: Path, run_cli: Cli
) -> None:
    """Recording a target whose default file another spec wrote: the message names that spec
    and --out (it offered --update-baseline, which would rewrite the other spec's baseline)."""
    _spec(tmp_path, "gw", _server("go", "v1") + _server("rust", "v1"))
    assert run_cli("record", "gw.yaml", "--target", "go").returncode == 0
    _spec(tmp_path, "other", _server("go", "v1") + _server("rust", "v1"))
    done = run_cli("record", "other.yaml", "--target", "go")
    assert done.returncode == 2
    assert "baselines/go.jsonl exists and was recorded by gw.yaml" in done.stderr
    assert "--out FILE.jsonl" in done.stderr and "--update-baseline" not in done.stderr
    again = run_cli("record", "gw.yaml", "--target", "go")  # its own: the usual advice
    assert again.returncode == 2 and "add --update-baseline" in again.stderr


def _skipping_spec(folder: Path) -> Path:
    """Three cases for `py`: one it answers, one the spec skips (`skip:`), one that runs on
    the other targets only (`targets:`)."""
    (folder / "echo.py").write_text("import sys; sys.stdout.write(sys.stdin.read())\n")
    path = folder / "calc.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            name: calc
            targets:
              py: {run: [python3, echo.py]}
              other: {run: [python3, echo.py]}
              third: {run: [python3, echo.py]}
            cases:
              - {name: int_price, input: {price: 2}}
              - {name: later, input: {items: []}, skip: waits for CALC-9}
              - {name: elsewhere, input: 3, targets: [other, third]}
            """
        ),
        "utf-8",
    )
    return path


def test_cases_the_spec_skips_are_not_recorded_and_do_not_refuse(
    tmp_path: Path, run_cli: Cli
) -> None:
    """A deliberate `skip:` case made `record` refuse (`SKIP python: waits for CALC-9`, exit
    1). It is no problem: the others are recorded, and the skipped ones are named as not."""
    spec = _skipping_spec(tmp_path)
    done = run_cli("record", "calc.yaml", "--target", "py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "[record] calc: 1 case of py → baselines/py.jsonl",
        "[record] 2 cases skipped by the spec, not recorded:",
        "  elsewhere: runs on other, third only",
        "  later: skip: waits for CALC-9",
    ]
    assert list(_by_case(tmp_path / "baselines" / "py.jsonl")) == ["int_price"]
    # An update keeps the recorded answer of a case the spec now skips, and records the rest.
    kept = _by_case(tmp_path / "baselines" / "py.jsonl")["int_price"]
    text = spec.read_text().replace("{price: 2}}", "{price: 2}, skip: flaky}")
    spec.write_text(text + "  - {name: new_one, input: 4}\n", "utf-8")
    update = run_cli("record", "calc.yaml", "--target", "py", "--update-baseline")
    assert update.returncode == 0, update.stdout + update.stderr
    assert "1 added, 0 removed, 0 changed, 1 unchanged" in update.stdout
    # Only the case the recording held an answer for is said to keep it.
    assert update.stdout.splitlines()[-4:] == [
        "[record] 3 cases skipped by the spec, not recorded:",
        "  elsewhere: runs on other, third only",
        "  int_price: skip: flaky (its recorded answer is kept)",
        "  later: skip: waits for CALC-9",
    ]
    recorded = _by_case(tmp_path / "baselines" / "py.jsonl")
    assert list(recorded) == ["int_price", "new_one"] and recorded["int_price"] == kept
    # Nothing left to record: refused, the recording as it was.
    spec.write_text(text, "utf-8")
    nothing = run_cli("record", "calc.yaml", "--target", "py", "--update-baseline")
    assert nothing.returncode == 1, nothing.stdout + nothing.stderr
    assert "not updated: every selected case is skipped by the spec" in nothing.stderr
    assert _by_case(tmp_path / "baselines" / "py.jsonl") == recorded


def test_a_missing_target_is_still_refused_by_record(tmp_path: Path, run_cli: Cli) -> None:
    """`when_missing: skip` skips a target nobody could run: recording it records nothing of
    it, so that refuses as before."""
    spec = _skipping_spec(tmp_path)
    text = spec.read_text().replace(
        "py: {run: [python3, echo.py]}",
        "py: {run: [no-such-program-yamlparity], when_missing: skip}",
    )
    spec.write_text(text, "utf-8")
    done = run_cli("record", "calc.yaml", "--target", "py")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[record] baselines/py.jsonl not written: 1 case(s) did not pass" in done.stderr
    assert "  int_price: SKIP py: " in done.stderr
    assert not (tmp_path / "baselines" / "py.jsonl").exists()


_CALC = """\
import json, sys
data = json.loads(sys.stdin.read())
print(json.dumps({"r": {"add": data["a"] + data["b"], "mul": data["a"] * data["b"]}[sys.argv[1]]}))
"""


def test_a_command_recording_fingerprints_the_data_of_its_templated_arguments(
    tmp_path: Path, run_cli: Cli
) -> None:
    (tmp_path / "calc.py").write_text(_CALC, "utf-8")
    live = f'{{run: ["{HELPER_PY}", calc.py, "{{{{ case.input.op }}}}"]}}'
    spec = textwrap.dedent(
        f"""\
        name: calc
        targets:
          py: {live}
          again: {live}
        stdin: "{{{{ case.input.data | tojson }}}}"
        cases:
          - {{name: same, input: {{op: add, data: {{a: 2, b: 3}}}}}}
          - {{name: moved, input: {{op: add, data: {{a: 2, b: 2}}}}}}
        report: {{path: reports/calc.md}}
        """
    )
    (tmp_path / "calc.yaml").write_text(spec, "utf-8")
    assert run_cli("record", "calc.yaml", "--target", "py").returncode == 0
    recording = tmp_path / "baselines" / "py.jsonl"
    assert all("case_sha256" in row for row in _lines(recording)[1:])
    # The same stdin, another argument: 2+2 and 2*2 agree, but the answer is to another question.
    replay = spec.replace(f"py: {live}", "py: {recorded: baselines/py.jsonl}")
    replay = replay.replace("{op: add, data: {a: 2, b: 2}}", "{op: mul, data: {a: 2, b: 2}}")
    (tmp_path / "calc.yaml").write_text(replay, "utf-8")
    done = run_cli("run", "calc.yaml", "-v")
    assert done.returncode == 1, done.stdout
    assert "[parity] calc: 1 match / 0 diff / 1 error (out of 2)" in done.stdout
    assert "ERROR moved: py: the case's data (its command's arguments) changed since" in done.stdout
    # A recording made before the field existed is still read, and the report says what it
    # cannot check.
    rows = recording.read_text("utf-8").splitlines()
    old = [rows[0]] + [
        json.dumps({k: v for k, v in json.loads(r).items() if k != "case_sha256"}) for r in rows[1:]
    ]
    recording.write_text("\n".join(old) + "\n", "utf-8")
    done = run_cli("run", "calc.yaml")
    assert "[parity] calc: 2 match / 0 diff (out of 2)" in done.stdout
    report = (tmp_path / "reports" / "calc.md").read_text("utf-8")
    assert "recorded without the case data of the command's templated arguments" in report
    assert "yamlparity record calc.yaml --target py --update-baseline" in report
