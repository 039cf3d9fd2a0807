"""Noise seen on some targets only: calibrate says so when it suggests the rule, and the audit
never calls the other targets' stable value noise."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.support.paths import HELPER_PY
from yamlparity.core.jsonvalue import Number
from yamlparity.report.render import environment
from yamlparity.results.audit import RuleAudit, analysis_context, audit, flag_summary
from yamlparity.results.calibration import default_path
from yamlparity.results.records import (
    CaseResult,
    MaskedValue,
    RuleEffect,
    SpecResult,
    TargetOutcome,
)
from yamlparity.run.calibrate import calibrate_spec
from yamlparity.run.engine import run_spec
from yamlparity.spec.load import load_spec
from yamlparity.spec.model import Spec

CONSTANT = "00000000-0000-4000-8000-000000000000"
# `const` always answers the same id, `fresh` a new uuid4 on every run.
CONST = f"import json, sys; sys.stdin.read(); print(json.dumps({{'id': '{CONSTANT}', 'n': 1}}))"
FRESH = (
    "import json, sys, uuid; sys.stdin.read(); print(json.dumps({'id': str(uuid.uuid4()), 'n': 1}))"
)
MASK = 'mask(.id; "<uuid>"; uuid)'


def make_spec(folder: Path, rules: list[str]) -> Spec:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "spec.yaml"
    path.write_text(
        "name: constid\n"
        "targets:\n"
        f"  const: {{run: {json.dumps([HELPER_PY, '-c', CONST])}}}\n"
        f"  fresh: {{run: {json.dumps([HELPER_PY, '-c', FRESH])}}}\n"
        + (f"normalize: {json.dumps(rules)}\n" if rules else "")
        + "cases: [{name: a, input: 1}, {name: b, input: 2}]\n"
    )
    return load_spec(path)


def test_calibrate_says_the_noise_was_seen_on_some_targets_only(tmp_path: Path) -> None:
    report = calibrate_spec(make_spec(tmp_path, []), repeat=2)
    (suggestion,) = report.suggestions
    assert suggestion.rule == MASK  # still suggested: a target may look stable by chance
    assert suggestion.targets == ["fresh"] and suggestion.stable_on == ["const"]
    assert suggestion.stable_samples == [json.dumps(CONSTANT)]
    text = report.render_text()
    assert "caution: varies on fresh only; on const it was the same on every run" in text
    assert "this rule would hide that stable value too" in text
    block = text[text.index("normalize:") : text.index("\n\n", text.index("normalize:"))]
    assert "# varies on fresh only" in block
    assert yaml.safe_load(block)["normalize"] == [MASK]  # the comment changes nothing
    # Once pasted, the noise is covered, and still said to hide const's stable value.
    again = calibrate_spec(make_spec(tmp_path / "masked", [MASK]), repeat=2)
    assert again.suggestions == [] and again.exit_code == 0
    assert "stable on const, whose value the rule hides too" in again.render_text()


def test_the_audit_flags_a_mask_over_a_value_stable_on_one_target(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, [MASK])
    result = run_spec(spec)
    assert [c.verdict for c in result.cases] == ["MATCH", "MATCH"]  # the rule hides it...
    calibration = default_path(spec.name, tmp_path)
    calibrate_spec(spec, repeat=2, output=calibration)
    (entry,) = audit(result, calibration, spec).rules
    # ...and the audit says so: a uuid varying on fresh is no excuse for const's constant.
    assert entry.flag == "possible masked divergence"
    assert (entry.cases_differing, entry.partial, entry.noise, entry.confirmed) == (2, 2, 0, 0)
    example = entry.examples[0]
    assert example.stability == "partial"
    assert (example.stable_on, example.varies_on) == (("const",), ("fresh",))
    context = analysis_context(result, calibration, spec)
    text = environment().get_template("_analysis.md.j2").render(analysis=context)
    assert "**possible masked divergence**" in text
    assert "calibration saw them vary on some targets only" in text
    assert "— stable on const, varies on fresh\n" in text
    assert "(2 noise)" not in text
    assert flag_summary(entry).startswith(
        f'rule 1 mask(.id; "<uuid>"; uuid) may hide a divergence (.id: const "{CONSTANT}" vs '
    )
    assert flag_summary(entry).endswith(" in a; stable on const, varies on fresh)")


def effect_case(name: str, masked: MaskedValue) -> CaseResult:
    effect = RuleEffect(0, "del(.x)", "stdout", {"a": 1, "b": 1}, masked=[masked])
    outcomes = {t: TargetOutcome(target=t) for t in "ab"}
    return CaseResult(name=name, verdict="MATCH", outcomes=outcomes, rule_effects=[effect])


def calibration_file(folder: Path, noisy: dict[str, list[str]]) -> Path:
    """Saved calibration data for case `c`: per target, its noisy paths of stdout."""
    targets: dict[str, object] = {
        t: {"runs": 3, "error": None, "noise": {"stdout": paths}, "structure": {"stdout": []}}
        for t, paths in noisy.items()
    }
    data = {"format": 1, "spec": "s", "cases": {"c": {"calibrated": True, "targets": targets}}}
    path = folder / "s.calibration.json"
    path.write_text(json.dumps(data))
    return path


def audited(folder: Path, masked: MaskedValue, noisy: dict[str, list[str]]) -> RuleAudit:
    result = SpecResult("s", "", "", "s.yaml", "command", [], [effect_case("c", masked)], "")
    (entry,) = audit(result, calibration_file(folder, noisy)).rules
    return entry


def test_noise_on_every_target_is_noise_and_a_target_with_nothing_there_is_not(
    tmp_path: Path,
) -> None:
    values = MaskedValue(".x", {"a": Number("1"), "b": Number("2")})
    entry = audited(tmp_path, values, {"a": [".x"], "b": [".x"]})
    assert (entry.flag, entry.noise, entry.partial) == ("", 1, 0)
    # b has no .x at all, and calibration saw it stable: a's noise does not explain that.
    only_a = MaskedValue(".x", {"a": Number("1")}, missing=("b",))
    entry = audited(tmp_path, only_a, {"a": [".x"], "b": []})
    assert entry.flag == "possible masked divergence"
    assert entry.examples[0].stable_on == ("b",)
