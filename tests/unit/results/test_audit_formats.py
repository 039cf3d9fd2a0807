"""A mask hides a stable format difference (Python isoformat beside JS toISOString): the audit
compares the removed values' format skeletons per target, whatever calibration says of their
digits, and calibrate names the difference when it suggests the mask."""

from __future__ import annotations

import datetime
import email.utils
import json
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.paths import HELPER_PY
from yamlparity.core.jsonvalue import JSON, Number
from yamlparity.report.render import environment
from yamlparity.results.audit import (
    RuleAudit,
    analysis_context,
    audit,
    flag_summary,
    format_skeleton,
)
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

ISO_PY = '"9-9-9A9:9:9[.9]+9:9"'  # 2026-12-07T10:45:59.304720+00:00 (and without .304720)
ISO_JS = '"9-9-9A9:9:9[.9]A"'  # 2026-12-07T10:45:59.541Z


@pytest.mark.parametrize(
    ("value", "skeleton"),
    [
        ("2026-12-07T10:45:59.304720+00:00", ISO_PY),
        ("2026-12-07T10:45:59+00:00", ISO_PY),  # isoformat drops the microseconds when 0
        ("2026-12-07T10:45:59.541Z", ISO_JS),
        ("2026-12-07 10:45:59", '"9-9-9 9:9:9[.9]"'),
        ("Mon, 07 Dec 2026 10:45:59 GMT", '"Aa, 9 Aa 9 9:9:9[.9] A"'),
        ("3f2a1b4c-0d9e-4f8a-b7c6-d5e4f3a2b1c0", '"<uuid>"'),
        ("3F2A1B4C-0D9E-4F8A-B7C6-D5E4F3A2B1C0", '"<UUID>"'),
        ("{3f2a1b4c-0d9e-4f8a-b7c6-d5e4f3a2b1c0}", '"{<uuid>}"'),
        ("3f2a1b4c0d9e4f8ab7c6d5e4f3a2b1c0", '"<hex>"'),
        ("1234567a", '"<hex>"'),
        ("req_x7Kp2QaZ9", '"a_<id>"'),
        # Digits alone are a number whatever their count, letters alone read by their case:
        # digit counts and letters are not format differences (a hex id may hold no letter).
        ("12345678", '"9"'),
        ("dadafafa", '"a"'),
        ("req-1234567", '"a-9"'),
        ("req-12345678", '"a-9"'),
        ("2026-12-07T10:45:59.123456789Z", ISO_JS),  # GNU date +%N beside toISOString
        ("2026-12-07T10:45:59.1234567Z", ISO_JS),  # .NET's seven digits
        ("2026-12-07T10:45:59.123456789+00:00", ISO_PY),
        ("1733580000000ms", '"9a"'),  # a number and its unit
        ("took 12 ms", '"a 9 a"'),
        ("a-1", '"a-9"'),
        (Number("-12.5"), "9.9"),
        (Number("3"), "9"),
        (Number("3.0"), "9.9"),  # 3 beside 3.0 is a format difference
        (Number("1e+21"), "9e+9"),
        (True, "boolean"),
        (None, "null"),
        ({"a": 1}, "object"),
        ([1], "array"),
        ("x" * 300, None),  # long text is content: no skeleton
        ("total=6\n", '"a=9\\n"'),  # a text output's line break, as JSON writes it
        ('say "hi"\t', '"a \\"a\\"\\t"'),
    ],
)
def test_format_skeletons(value: JSON, skeleton: str | None) -> None:
    assert format_skeleton(value) == skeleton


MOMENTS = st.datetimes(  # from 2001: epoch seconds of 10 digits or more (not 1.5e-05)
    min_value=datetime.datetime(2001, 9, 9, 2), max_value=datetime.datetime(9999, 12, 31)
).map(lambda moment: moment.replace(tzinfo=datetime.UTC))


@given(moment=MOMENTS)
def test_random_values_of_one_format_give_one_skeleton(moment: datetime.datetime) -> None:
    assert format_skeleton(moment.isoformat()) == ISO_PY  # microsecond 0 included
    js = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert format_skeleton(js) == ISO_JS
    http = email.utils.format_datetime(moment, usegmt=True)
    assert format_skeleton(http) == '"Aa, 9 Aa 9 9:9:9[.9] A"'
    assert format_skeleton(Number(str(moment.timestamp()))) == "9.9"  # Python's time.time()


@given(data=st.binary(min_size=16, max_size=16), width=st.integers(8, 32))
def test_random_ids_of_one_format_give_one_skeleton(data: bytes, width: int) -> None:
    # Whatever letters (or none) the hex digits hold.
    assert format_skeleton(str(uuid.UUID(bytes=data, version=4))) == '"<uuid>"'
    # Hex ids mixing letters and digits; digits alone are a number, letters alone letters.
    hexed = data.hex()[:width]
    mixed = not (hexed.isdigit() or hexed.isalpha())
    assert format_skeleton(hexed) == ('"<hex>"' if mixed else '"9"' if hexed.isdigit() else '"a"')
    if not (data.hex().isdigit() or data.hex().isalpha()):
        assert format_skeleton(f"trace-{data.hex()}") == '"a-<hex>"'


@given(number=st.integers(0, 10**30), unit=st.sampled_from(["Z", "ms", "ns", "", "+00:00"]))
def test_a_number_reads_9_whatever_its_digit_count(number: int, unit: str) -> None:
    assert format_skeleton(f"req-{number}") == '"a-9"'
    assert format_skeleton(f"2026-12-07T10:45:59.{number}{unit}") == format_skeleton(
        f"2026-12-07T10:45:59.5{unit}"
    )


def case(name: str, masked: list[MaskedValue]) -> CaseResult:
    effect = RuleEffect(0, 'mask(.ts; "<ts>"; timestamp)', "stdout", {"py": 1, "js": 1})
    effect.masked = masked
    outcomes = {t: TargetOutcome(target=t) for t in ("py", "js")}
    return CaseResult(name=name, verdict="MATCH", outcomes=outcomes, rule_effects=[effect])


def noisy_calibration(folder: Path, cases: list[str]) -> Path:
    """Calibration data saying .ts varied on both targets in every case."""
    state = {"runs": 3, "error": None, "noise": {"stdout": [".ts"]}, "structure": {}}
    entries = {c: {"calibrated": True, "targets": {"py": state, "js": state}} for c in cases}
    path = folder / "s.calibration.json"
    path.write_text(json.dumps({"format": 1, "spec": "s", "cases": entries}))
    return path


def audited(folder: Path, pairs: list[tuple[str, str]]) -> tuple[RuleAudit, SpecResult, Path]:
    cases = [
        case(f"c{n}", [MaskedValue(".ts", {"py": py, "js": js})])
        for n, (py, js) in enumerate(pairs)
    ]
    result = SpecResult("s", "", "", "s.yaml", "command", [], cases, "")
    calibration = noisy_calibration(folder, [c.name for c in cases])
    (entry,) = audit(result, calibration).rules
    return entry, result, calibration


def test_a_mask_over_noise_in_two_formats_is_a_masked_format_divergence(tmp_path: Path) -> None:
    pairs = [
        ("2026-12-07T10:45:59.304720+00:00", "2026-12-07T10:45:59.541Z"),
        ("2026-12-07T10:46:00+00:00", "2026-12-07T10:46:00.002Z"),
    ]
    entry, result, calibration = audited(tmp_path, pairs)
    assert entry.noise == 2  # calibration: the digits vary on both targets...
    assert entry.flag == "masked format divergence"  # ...which does not explain the format
    (difference,) = entry.format_differences
    assert difference.path == ".ts"
    assert difference.formats == {"py": (ISO_PY,), "js": (ISO_JS,)}
    text = (
        environment()
        .get_template("_analysis.md.j2")
        .render(analysis=analysis_context(result, calibration))
    )
    assert "**masked format divergence**" in text
    assert "noise explains differing digits, not a differing format" in text
    assert f"  - format at `.ts`: py `{ISO_PY}`, js `{ISO_JS}`\n" in text
    assert "| masked format divergence |" in text
    # The skeletons, then the values of a case where they were seen.
    assert flag_summary(entry).startswith(
        f'rule 1 mask(.ts; "<ts>"; timestamp) hides a format difference '
        f'(.ts: py {ISO_PY} vs js {ISO_JS}, as in py "20'
    )


def test_a_flagged_line_holds_no_line_break(tmp_path: Path) -> None:
    pairs = [("total=6 items=3\n", "Error: cannot sum (bad input)\n")]
    entry, _, _ = audited(tmp_path, pairs)
    assert entry.flag == "masked format divergence"
    line = flag_summary(entry)
    assert "\n" not in line
    assert '(.ts: py "a=9 a=9\\n" vs js "Aa: a a (a a)\\n", as in py "total=6' in line


def test_noise_in_one_format_is_noise(tmp_path: Path) -> None:
    pairs = [  # Python's isoformat on both; one drops its microseconds (they were 0)
        ("2026-12-07T10:45:59.304720+00:00", "2026-12-07T10:45:59+00:00"),
        ("2026-12-07T10:46:00.000001+00:00", "2026-12-07T10:46:00.100000+00:00"),
    ]
    entry, _, _ = audited(tmp_path, pairs)
    assert (entry.flag, entry.noise, entry.format_differences) == ("", 2, [])


def test_an_intended_rule_is_not_flagged_for_its_format(tmp_path: Path) -> None:
    pairs = [("2026-12-07T10:45:59.304720+00:00", "2026-12-07T10:45:59.541Z")]
    cases = [case("c0", [MaskedValue(".ts", {"py": pairs[0][0], "js": pairs[0][1]})])]
    result = SpecResult("s", "", "", "s.yaml", "command", [], cases, "")
    result.intended_rules = {"0": "each runtime formats its own clock"}
    (entry,) = audit(result, noisy_calibration(tmp_path, ["c0"])).rules
    assert entry.flag == "intended"


PY_CLOCK = (
    "import datetime, json, sys; sys.stdin.read(); "
    "print(json.dumps({'ts': datetime.datetime.now(datetime.UTC).isoformat(), 'n': 1}))"
)
JS_CLOCK = (
    "import datetime, json, sys; sys.stdin.read(); now = datetime.datetime.now(datetime.UTC); "
    "ts = now.strftime('%Y-%m-%dT%H:%M:%S.') + f'{now.microsecond // 1000:03d}Z'; "
    "print(json.dumps({'ts': ts, 'n': 1}))"
)


def clocks_spec(folder: Path, rules: str = "") -> Path:
    path = folder / "spec.yaml"
    path.write_text(
        "name: clocks\n"
        "targets:\n"
        f"  py: {{run: {json.dumps([HELPER_PY, '-c', PY_CLOCK])}}}\n"
        f"  js: {{run: {json.dumps([HELPER_PY, '-c', JS_CLOCK])}}}\n"
        f"{rules}cases: [{{name: a, input: 1}}]\n"
    )
    return path


def test_calibrate_names_the_format_difference_it_saw(tmp_path: Path) -> None:
    report = calibrate_spec(load_spec(clocks_spec(tmp_path)), repeat=2)
    (suggestion,) = report.suggestions
    assert suggestion.rule == 'mask(.ts; "<ts>"; timestamp)'
    assert suggestion.format_path == ".ts"
    assert suggestion.formats == {"py": [ISO_PY], "js": [ISO_JS]}
    text = report.render_text()
    assert f"caution: the format of .ts differs between targets (py {ISO_PY}; js {ISO_JS})" in text
    assert "# hides a format difference at .ts" in text
    # Once pasted, the noise is covered, and still said to hide the format difference.
    masked = clocks_spec(tmp_path, "normalize: ['mask(.ts; \"<ts>\"; timestamp)']\n")
    again = calibrate_spec(load_spec(masked), repeat=2).render_text()
    assert "its format differs between targets, which the rule hides too" in again


def test_the_formats_read_from_a_runs_store_are_those_of_the_whole_cases() -> None:
    """A run's store keeps the values of a rule's first few masked samples in matching cases
    only: the audit reads as many, so it finds the same formats either way."""
    from yamlparity.results.records import CaseResults

    def matching(n: int) -> CaseResult:  # three paths a case; py's formats change at case 4
        ts = "2026-12-07T10:45:59Z" if n < 4 else "2026-12-07T10:45:59+00:00"
        masked = [
            MaskedValue(f".t{k}", {"py": ts, "js": f"2026-12-07T10:45:5{k}Z"}) for k in range(3)
        ]
        found = case(f"c{n}", masked)
        found.facet_match, found.groups, found.tier = {"stdout": True}, [["py", "js"]], "normalized"
        return found

    store = CaseResults(("py", "js"), ("stdout",))
    for n in range(10):
        store.append(matching(n))
    store.finish()
    whole = [matching(n) for n in range(10)]
    by_store = audit(SpecResult("s", "", "", "s.yaml", "command", [], store, ""))
    by_whole = audit(SpecResult("s", "", "", "s.yaml", "command", [], whole, ""))
    assert by_store == by_whole
    assert by_store.rules[0].flag == "possible masked divergence"  # one format on both


PY_NS = (  # GNU `date +%Y-%m-%dT%H:%M:%S.%NZ`, and a request id of 7 random digits
    "import json, random, sys, time; sys.stdin.read(); ns = time.time_ns(); "
    "t = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(ns // 10**9)) + f'.{ns % 10**9:09d}Z'; "
    "print(json.dumps({'t': t, 'req': f'req-{random.randint(10**6, 10**7 - 1)}', 'ok': 1}))"
)
JS_MS = (  # JavaScript's toISOString(), and a request id of 8 random digits
    "import json, random, sys, time; sys.stdin.read(); ns = time.time_ns(); "
    "t = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(ns // 10**9)); "
    "t += f'.{ns // 10**6 % 1000:03d}Z'; "
    "print(json.dumps({'t': t, 'req': f'req-{random.randint(10**7, 10**8 - 1)}', 'ok': 1}))"
)


def test_digit_counts_are_no_format_difference_for_calibrate_or_the_audit(
    tmp_path: Path,
) -> None:
    rules = "normalize: ['mask(.t; \"<ts>\"; timestamp)', 'del(.req)']\n"
    path = tmp_path / "spec.yaml"
    path.write_text(
        "name: digits\n"
        "targets:\n"
        f"  gnu: {{run: {json.dumps([HELPER_PY, '-c', PY_NS])}}}\n"
        f"  js: {{run: {json.dumps([HELPER_PY, '-c', JS_MS])}}}\n"
        f"{rules}cases: [{{name: a, input: 1}}, {{name: b, input: 2}}]\n"
    )
    spec = load_spec(path)
    report = calibrate_spec(spec, repeat=3, output=tmp_path / "digits.calibration.json")
    assert {n.path for n in report.noise} == {".t", ".req"}
    assert all(n.covered for n in report.noise)
    assert "format differs" not in report.render_text()
    result = run_spec(spec)
    assert [c.verdict for c in result.cases] == ["MATCH", "MATCH"]
    audited = audit(result, tmp_path / "digits.calibration.json", spec)
    assert [(r.flag, r.format_differences) for r in audited.rules] == [("", []), ("", [])]
