"""Verdict truth for issue 11, on the pure evaluation (real specs, observations written here):
partial answers beside failures, empty answers as a policy, expected failures.

Exact verdicts: each test names the verdict, the reason and who agrees with whom.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from yamlparity.core.jsonvalue import dumps
from yamlparity.results.records import CaseResult
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec
from yamlparity.targets.base import RawObservation
from yamlparity.verdict.evaluate import evaluate
from yamlparity.verdict.gate import failure_kind

THREE = """\
name: t
targets:
  jq: {run: [jq]}
  gojq: {run: [gojq]}
  libjq: {run: [libjq]}
"""


def spec_of(tmp_path: Path, text: str) -> Spec:
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(text))
    return load_spec(path, {})


def answer(target: str, stdout: bytes = b'{"v": 1}', exit_code: int = 0) -> RawObservation:
    return RawObservation(target=target, exit_code=exit_code, stdout=stdout, duration=0.1)


def failure(target: str, reason: str) -> RawObservation:
    return RawObservation(target=target, failure=reason, duration=5.0)


def verdict_of(spec: Spec, raws: list[RawObservation], case: str = "c") -> CaseResult:
    position = list(spec.cases.names()).index(case)
    return evaluate(spec, spec.cases[position], {raw.target: raw for raw in raws})


# ------------------------------------------------------------------ partial answers


def test_one_failure_keeps_error_and_shows_who_agrees(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, THREE + "cases: [{name: c, input: 1}]\n")
    result = verdict_of(spec, [answer("jq"), answer("gojq", b"", 3), answer("libjq")])
    assert result.verdict == "ERROR"
    assert result.reason == "gojq: exited with code 3"
    assert result.groups == [["jq", "libjq"]]
    assert result.failures == {"gojq": "exit 3"}
    assert result.facet_match == {}  # no ✓ in the table: a target failed
    # The answers are shown as they came (as a failure's output is): parsed, not normalized.
    assert dumps(result.outcomes["jq"].facets["stdout"]) == '{"v":1}'
    assert result.outcomes["gojq"].facets == {}


def test_answering_targets_that_disagree_are_compared(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, THREE + "cases: [{name: c, input: 1}]\n")
    raws = [answer("jq"), failure("gojq", "timed out after 5 s"), answer("libjq", b'{"v": 2}')]
    result = verdict_of(spec, raws)
    assert result.verdict == "ERROR"
    assert result.groups == [["jq"], ["libjq"]]
    assert [(d.path, sorted(d.values)) for d in result.differences] == [(".v", ["jq", "libjq"])]
    assert result.failures == {"gojq": "timeout"}


def test_targets_failing_alike_share_a_clause_in_name_order(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, THREE + "cases: [{name: c, input: 1}]\n")
    raws = [failure(name, "timed out after 5 s") for name in ("libjq", "jq")] + [answer("gojq")]
    result = verdict_of(spec, raws)
    assert result.reason == "jq, libjq: timed out after 5 s"
    assert result.groups == [["gojq"]]


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("exited with code 3", "exit 3"),
        ("exited with code 1 and printed nothing on stdout; add stderr", "exit 1"),
        ("timed out after 5 s (process group killed)", "timeout"),
        ("timed out after 2 s waiting for the answer", "timeout"),
        ("killed by SIGSEGV", "SIGSEGV"),
        ("the helper exited before answering (exit code 4)", "exit 4"),
        ("stdout is not valid JSON: Expecting value", "not JSON"),
        ("stdout is not valid JSON Lines: row 2", "not JSONL"),
        ("empty stdout: not a value unless", "empty"),
        ("HTTP 503: a server error on every target", "HTTP 503"),
        ("HTTP 200: body is not valid JSON: x", "HTTP 200 not JSON"),
        ("connection refused to http://127.0.0.1:9", "connection refused"),
        ("target unavailable: executable not found: gojq", "unavailable"),
        ("the helper answered with more than one line (out of turn)", "out of turn"),
        (
            "stream mode sends one line per case, but this input has several lines",
            "multi-line input",
        ),
        ("something new: with details", "something new"),
    ],
)
def test_failure_kinds(reason: str, kind: str) -> None:
    assert failure_kind(reason) == kind


# ------------------------------------------------------------------ empty answers


@pytest.mark.parametrize("empty", [b"", b"\n", b" \r\n\t"])
def test_empty_stream_is_a_value_only_when_allowed(tmp_path: Path, empty: bytes) -> None:
    strict = spec_of(tmp_path, THREE + "output: jsonl\ncases: [{name: c, input: 1}]\n")
    raws = [answer(name, empty) for name in ("jq", "gojq", "libjq")]
    result = verdict_of(strict, raws)
    assert result.verdict == "ERROR"
    assert "sets `allow_empty: true` (then: an empty stream)" in result.reason
    assert result.failures == dict.fromkeys(("jq", "gojq", "libjq"), "empty")
    allowed = spec_of(
        tmp_path, THREE + "output: jsonl\nallow_empty: true\ncases: [{name: c, input: 1}]\n"
    )
    result = verdict_of(allowed, raws)
    assert result.verdict == "MATCH"


def test_an_empty_stream_differs_from_a_non_empty_one(tmp_path: Path) -> None:
    spec = spec_of(
        tmp_path, THREE + "output: jsonl\nallow_empty: true\ncases: [{name: c, input: 1}]\n"
    )
    result = verdict_of(spec, [answer("jq", b""), answer("gojq", b""), answer("libjq", b"1\n")])
    assert result.verdict == "DIFF"
    assert result.groups == [["jq", "gojq"], ["libjq"]]


def test_an_allowed_empty_text_is_compared_as_written(tmp_path: Path) -> None:
    """Empty or whitespace only, a text needs `allow_empty`; allowed, it is its own text:
    nothing and a lone newline differ (they were one empty text, a MATCH)."""
    text = THREE + "output: text\ncases: [{name: c, input: 1}]\n"
    raws = [answer("jq", b""), answer("gojq", b"\n"), answer("libjq", b"")]
    strict = verdict_of(spec_of(tmp_path, text), raws)
    assert strict.verdict == "ERROR"
    assert "sets `allow_empty: true` (then: the text as written)" in strict.reason
    result = verdict_of(spec_of(tmp_path, "allow_empty: true\n" + text), raws)
    assert result.verdict == "DIFF"
    assert result.groups == [["jq", "libjq"], ["gojq"]]


def test_empty_is_never_json(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, THREE + "allow_empty: true\ncases: [{name: c, input: 1}]\n")
    result = verdict_of(spec, [answer(name, b"") for name in ("jq", "gojq", "libjq")])
    assert result.verdict == "ERROR"
    assert "empty stdout: not JSON" in result.reason


def test_empty_after_a_failing_exit_is_not_a_value(tmp_path: Path) -> None:
    text = THREE + "output: jsonl\nallow_empty: true\ncompare: {facets: [stdout, exit_code]}\n"
    spec = spec_of(tmp_path, text + "cases: [{name: c, input: 1}]\n")
    raws = [answer("jq", b"", 2), answer("gojq", b"", 2), answer("libjq", b"", 2)]
    assert verdict_of(spec, raws).verdict == "ERROR"


def test_a_target_may_allow_empty_for_itself(tmp_path: Path) -> None:
    text = THREE.replace("libjq: {run: [libjq]}", "libjq: {run: [libjq], allow_empty: true}")
    spec = spec_of(tmp_path, text + "output: jsonl\ncases: [{name: c, input: 1}]\n")
    result = verdict_of(spec, [answer("jq", b"1"), answer("gojq", b"1"), answer("libjq", b"")])
    assert result.verdict == "DIFF"  # libjq's empty stream is a value, and it differs
    result = verdict_of(spec, [answer("jq", b""), answer("gojq", b"1"), answer("libjq", b"")])
    assert result.verdict == "ERROR" and result.failures == {"jq": "empty"}


HTTP = """\
name: h
targets:
  a: {url: "http://127.0.0.1:9"}
  b: {url: "http://127.0.0.1:9"}
output: jsonl
allow_empty: true
cases: [{name: c, input: 1}]
"""


def test_http_empty_body_is_a_value_after_a_success_status_only(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, HTTP)

    def status(target: str, code: int) -> RawObservation:
        return RawObservation(target=target, status=code, stdout=b"")

    assert verdict_of(spec, [status("a", 204), status("b", 204)]).verdict == "MATCH"
    result = verdict_of(spec, [status("a", 404), status("b", 404)])
    assert result.verdict == "ERROR"
    assert result.reason.startswith("a, b: HTTP 404: empty body")


def test_an_empty_success_in_a_json_spec_says_how_to_compare_an_answer_without_a_body(
    tmp_path: Path,
) -> None:
    """A new-user trial: a HEAD case in a JSON spec was told `output: jsonl`; the docs' way is
    to leave `body` out of the facets. An empty error (404) gets no such hint."""
    spec = spec_of(tmp_path, HTTP.replace("output: jsonl\nallow_empty: true\n", ""))
    empty = [RawObservation(target=t, status=200, stdout=b"") for t in ("a", "b")]
    reason = verdict_of(spec, empty).reason
    assert reason.startswith("a, b: HTTP 200: empty body: not JSON"), reason
    assert reason.endswith("in a spec whose compare.facets leave `body` out"), reason
    missing = [RawObservation(target=t, status=404, stdout=b"") for t in ("a", "b")]
    assert "HEAD, 204, 304" not in verdict_of(spec, missing).reason


# ------------------------------------------------------------------ expected failures

KNOWN = (
    THREE
    + """\
known:
  - cases: [big]
    targets: [libjq]
    error: exited with code 4
    reason: libjq rejects 1e400
    link: https://tracker.example/J-1
  - cases: ["re_*"]
    error: "/code [34]$/"
    reason: any target may exit 3 or 4 here
cases:
  - {name: big, input: 1}
  - {name: re_one, input: 1}
"""
)


def test_a_declared_failure_is_known(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, KNOWN)
    result = verdict_of(spec, [answer("jq"), answer("gojq"), answer("libjq", b"", 4)], "big")
    assert result.verdict == "KNOWN"
    assert result.reason == "libjq rejects 1e400"
    assert result.link == "https://tracker.example/J-1"
    assert result.known_errors == ["libjq"]
    assert result.failures == {"libjq": "exit 4"}
    assert result.groups == [["jq", "gojq"]]


def test_a_declared_failure_that_stops_is_fixed(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, KNOWN)
    result = verdict_of(spec, [answer("jq"), answer("gojq"), answer("libjq")], "big")
    assert result.verdict == "FIXED"
    assert result.reason == "libjq rejects 1e400 (expected failure gone)"


def test_another_failure_than_the_declared_one_is_an_error(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, KNOWN)
    result = verdict_of(spec, [answer("jq"), answer("gojq"), answer("libjq", b"", 5)], "big")
    assert result.verdict == "ERROR"
    assert result.reason == "libjq: exited with code 5"
    # The declared target failing on an undeclared target's behalf is not covered either.
    result = verdict_of(
        spec, [answer("jq", b"", 4), answer("gojq"), answer("libjq", b"", 4)], "big"
    )
    assert result.verdict == "ERROR"
    assert result.reason == "jq: exited with code 4"
    assert result.known_errors == ["libjq"]


def test_the_answering_targets_still_decide(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, KNOWN)
    raws = [answer("jq"), answer("gojq", b'{"v": 2}'), answer("libjq", b"", 4)]
    result = verdict_of(spec, raws, "big")
    assert result.verdict == "DIFF"  # the declared failure does not excuse a divergence
    assert result.reason == "libjq rejects 1e400"


def test_a_regex_entry_without_targets(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, KNOWN)
    raws = [answer("jq", b"", 3), answer("gojq", b"", 4), answer("libjq")]
    result = verdict_of(spec, raws, "re_one")
    assert result.verdict == "KNOWN"
    assert result.known_errors == ["jq", "gojq"]
    assert result.groups == [["libjq"]]
    result = verdict_of(spec, [answer("jq"), answer("gojq"), answer("libjq")], "re_one")
    assert result.verdict == "FIXED"  # nobody fails so any more
