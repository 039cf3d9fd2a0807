"""The rule audit through real runs: a too-broad rule hiding a real, stable divergence."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.report.formats import results_json
from yamlparity.report.render import environment
from yamlparity.results.audit import analysis_context, audit
from yamlparity.results.calibration import default_path
from yamlparity.run.calibrate import calibrate_spec
from yamlparity.run.engine import run_spec
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec

HELPER = str(PROGRAMS / "noisy_helper.py")
NOISE_RULES = """
  - scrub(.links[].request, .request_id; uuid; "<uuid_{n}>")
  - mask(.at; "<ts>"; timestamp)"""


def spec_with(folder: Path, rules: str, flavor_b: str = "b") -> Spec:
    a = json.dumps([HELPER_PY, HELPER, "--flavor", "a"])
    b = json.dumps([HELPER_PY, HELPER, "--flavor", flavor_b])
    path = folder / "spec.yaml"
    path.write_text(
        textwrap.dedent(
            f"""
            name: audited
            targets:
              a: {{run: {a}}}
              b: {{run: {b}}}
            """
        )
        + "normalize:"
        + rules
        + textwrap.dedent(
            """
            cases:
              - {name: one, input: {user: 1}}
              - {name: two, input: {user: 2}}
              - {name: stale, input: {user: 3, at: yesterday}}
            """
        )
    )
    return load_spec(path)


BROAD = NOISE_RULES + "\n  - del(.. | .id?)\n"
NARROW = NOISE_RULES + "\n  - del(.trace.id, .span.id)\n"


def rule(result_audit: object, text: str) -> object:
    return next(r for r in result_audit.rules if r.text == text)  # type: ignore[attr-defined]


def test_broad_rule_hiding_a_stable_difference_is_flagged_with_calibration(
    tmp_path: Path,
) -> None:
    spec = spec_with(tmp_path, BROAD)
    result = run_spec(spec)
    assert {c.verdict for c in result.cases} == {"MATCH"}  # the rule hides the drift...
    calibration = default_path(spec.name, tmp_path)
    calibrate_spec(spec, repeat=3, output=calibration)
    entry = rule(audit(result, calibration, spec), "del(.. | .id?)")
    assert entry.flag == "masked divergence"  # ...and the audit finds it
    assert entry.confirmed == 3
    example = entry.examples[0]
    assert example.path == ".record.id" and example.stability == "stable"
    assert example.values == {"a": '"a-1"', "b": '"b-1"'} or example.case != "one"
    # The noisy ids the same rule also removes are recognised as noise, not drift.
    assert any(e.path == ".trace.id" and e.stability == "noise" for e in entry.examples)


def test_rule_removing_only_noise_is_not_flagged_with_calibration(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, NARROW)
    result = run_spec(spec)
    calibration = default_path(spec.name, tmp_path)
    calibrate_spec(spec, repeat=3, output=calibration)
    report = audit(result, calibration, spec)
    assert rule(report, "del(.trace.id, .span.id)").flag == ""
    assert rule(report, "del(.trace.id, .span.id)").noise == 3
    assert report.flagged == []
    # The drift the narrow rule does not hide is a DIFF at .record.id.
    assert {d.path for c in result.cases for d in c.differences} == {".record.id"}


def test_without_calibration_a_rule_differing_in_every_case_is_suspect(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, BROAD)
    report = audit(run_spec(spec), tmp_path / "absent.json", spec)
    entry = rule(report, "del(.. | .id?)")
    assert entry.flag == "possible masked divergence"
    assert entry.uncalibrated == 3
    assert report.calibration_error and "not found" in report.calibration_error


def test_same_values_on_both_targets_are_not_a_masked_divergence(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, NOISE_RULES + "\n  - del(.record)\n", flavor_b="a")
    entry = rule(audit(run_spec(spec), tmp_path / "absent.json", spec), "del(.record)")
    assert entry.cases_touched == 3 and entry.cases_differing == 0 and entry.flag == ""


def test_skipped_values_and_dead_rules_are_reported(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, NARROW + "  - del(.no_such_key)\n")
    report = audit(run_spec(spec), tmp_path / "absent.json", spec)
    mask = rule(report, 'mask(.at; "<ts>"; timestamp)')
    assert mask.skipped_total == 2
    note = mask.skipped[0]
    assert (note.case, note.path) == ("stale", ".at")
    assert "'yesterday' is not a timestamp" in note.reason
    assert rule(report, "del(.no_such_key)").flag == "dead"


def test_a_rule_that_only_skipped_is_dead_with_its_reasons(tmp_path: Path) -> None:
    # .record.id is a string on both targets: `del(.record.id.x)` never changes anything.
    spec = spec_with(tmp_path, NARROW + "  - del(.record.id.x)\n")
    report = audit(run_spec(spec), tmp_path / "absent.json", spec)
    entry = rule(report, "del(.record.id.x)")
    assert entry.flag == "dead" and entry.skipped_total == 6
    assert "cannot index string" in entry.skipped[0].reason


def test_a_rule_for_one_target_that_makes_it_agree_is_suspect(tmp_path: Path) -> None:
    # b's .record.id differs from a's in every case; a rule on b alone overwrites it with a's.
    rules = NARROW + "  - {rule: '.record.id = \"a-1\"', targets: [b]}\n"
    spec = spec_with(tmp_path, rules)
    result = run_spec(spec)
    entry = rule(audit(result, tmp_path / "absent.json", spec), '.record.id = "a-1"')
    assert entry.cases_changed == {"b": 3}
    assert entry.flag == "possible masked divergence"
    example = entry.examples[0]
    assert example.path == ".record.id" and example.values["b"] == '"b-1"'
    assert example.values["a"] == '"a-1"'
    # The same rule on b where b already agrees is no suspect.
    (tmp_path / "same").mkdir()
    same = spec_with(tmp_path / "same", rules, flavor_b="a")
    entry = rule(audit(run_spec(same), tmp_path / "absent.json", same), '.record.id = "a-1"')
    assert entry.flag == ""


def test_dead_rules_are_listed_without_the_spec_and_from_a_results_file(tmp_path: Path) -> None:
    # The report audits the result alone (it never loads the spec), also after a merge.
    spec = spec_with(tmp_path, NARROW + "  - del(.no_such_key)\n  - del(.trace.idd)\n")
    result = run_spec(spec)
    assert rule(audit(result), "del(.no_such_key)").flag == "dead"
    again = results_json.loads(results_json.dumps(result))
    assert [r.text for r in audit(again).rules if r.flag == "dead"] == [
        "del(.no_such_key)",
        "del(.trace.idd)",
    ]


def test_analysis_partial_renders_the_findings(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, BROAD)
    result = run_spec(spec)
    calibration = default_path(spec.name, tmp_path)
    calibrate_spec(spec, repeat=2, output=calibration)
    context = analysis_context(result, calibration, spec)
    text = environment().get_template("_analysis.md.j2").render(analysis=context)
    assert "## Rules hiding a divergence" in text
    assert "`del(.. | .id?)` — **masked divergence**" in text
    assert 'mask(.at; "<ts>"; timestamp) skipped .at in case stale on a' in text
    assert "3 normalized" in text  # every case matched only after the rules


def test_without_calibration_every_case_is_counted_and_the_first_ones_are_the_examples() -> None:
    """A field that differs in every case: each case counts as uncalibrated, the examples are
    the first MAX_EXAMPLES cases in case order (past them, no example is built at all)."""
    from yamlparity.core.jsonvalue import Number
    from yamlparity.results.audit import MAX_EXAMPLES
    from yamlparity.results.records import (
        CaseResult,
        MaskedValue,
        RuleEffect,
        SpecResult,
        TargetOutcome,
    )

    def case(n: int) -> CaseResult:
        masked = MaskedValue(".t", {"a": Number(str(n)), "b": Number(str(n + 1))})
        effect = RuleEffect(0, "del(.t)", "stdout", {"a": 1, "b": 1}, masked=[masked])
        outcomes = {t: TargetOutcome(target=t) for t in "ab"}
        return CaseResult(name=f"c{n}", verdict="MATCH", outcomes=outcomes, rule_effects=[effect])

    count = MAX_EXAMPLES + 7
    cases = [case(n) for n in range(count)]
    result = SpecResult("s", "", "", "s.yaml", "command", [], cases, "2026-01-01T00:00:00Z")
    (entry,) = audit(result).rules
    assert (entry.cases_differing, entry.uncalibrated, entry.confirmed, entry.noise) == (
        count,
        count,
        0,
        0,
    )
    assert [e.case for e in entry.examples] == [f"c{n}" for n in range(MAX_EXAMPLES)]
    assert entry.examples[1].values == {"a": "1", "b": "2"}
    assert {e.stability for e in entry.examples} == {"unknown"}
    assert entry.flag == "possible masked divergence"
