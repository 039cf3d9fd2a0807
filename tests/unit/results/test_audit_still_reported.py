"""The audit flags a rule for the differences it made disappear, never for one the comparison
still reports: a header only one target sends (masked or not, it shows as missing), a line of
a text output the rule never touched."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.paths import HELPER_PY, PROGRAMS
from yamlparity.results.audit import audit, flag_summary
from yamlparity.run.calibrate import calibrate_spec
from yamlparity.run.engine import run_spec
from yamlparity.spec.load import load_spec

ID_SERVER = str(PROGRAMS / "request_id_server.py")


def id_spec(folder: Path, rules: str) -> Path:
    """py sends no X-Request-Id, node a fresh uuid4 on every answer."""

    def service(flavor: str) -> str:
        run = f"[{HELPER_PY}, {ID_SERVER}, '${{port}}', {flavor}]"
        return (
            "    url: http://127.0.0.1:${port}\n    port: auto\n"
            f"    service: {{run: {run}, ready: {{log: listening}}}}\n"
        )

    path = folder / "spec.yaml"
    path.write_text(
        f"name: ids\ntargets:\n  py:\n{service('no-id')}  node:\n{service('with-id')}"
        "request: {method: GET, path: /items}\n"
        "compare: {facets: [status, body, headers.x-request-id]}\n"
        f"{rules}cases: [{{name: c, input: 1}}, {{name: d, input: 2}}]\n"
    )
    return path


def test_a_mask_on_a_header_one_target_never_sends_hides_nothing(tmp_path: Path) -> None:
    rules = "normalize:\n  - {rule: 'mask(.; \"<uuid>\"; uuid)', facet: headers.x-request-id}\n"
    spec = load_spec(id_spec(tmp_path, rules))
    result = run_spec(spec)
    # The comparison still reports the header py did not send: the mask hid nothing there.
    assert [c.verdict for c in result.cases] == ["DIFF", "DIFF"]
    assert all(d.missing == ("py",) for c in result.cases for d in c.differences)
    (entry,) = audit(result, tmp_path / "absent.json", spec).rules
    assert entry.cases_changed == {"node": 2}
    assert (entry.flag, entry.cases_differing, entry.format_differences) == ("", 0, [])


NS_LINES = (
    "import sys, time; text = sys.stdin.read(); "
    "sys.stdout.write(text + '\\n' + str(time.time_ns()) + '\\nstable\\n' + sys.argv[1])"
)


def ns_spec(folder: Path) -> Path:
    path = folder / "spec.yaml"
    extra = json.dumps([HELPER_PY, "-c", NS_LINES, "12345\n"])  # one line more than py
    plain = json.dumps([HELPER_PY, "-c", NS_LINES, ""])
    path.write_text(
        f"name: ns\ntargets:\n  sh: {{run: {extra}}}\n  py: {{run: {plain}}}\n"
        "output: text\n"
        'normalize: [\'scrub("(?m)^[0-9]{19}$"; "<ns>")\']\n'
        "cases: [{name: a, stdin: hello}]\n"
    )
    return path


def test_a_scrub_of_a_text_output_is_audited_on_the_lines_it_changed(tmp_path: Path) -> None:
    spec = load_spec(ns_spec(tmp_path))
    result = run_spec(spec)
    (case,) = result.cases
    assert [(d.path, d.values) for d in case.differences] == [("line 4", {"sh": "12345\n"})]
    # Without calibration: the nanosecond lines it made alike, not the whole texts (whose
    # fourth line it never touched, and which the comparison still reports).
    (entry,) = audit(result, tmp_path / "absent.json", spec).rules
    assert entry.flag == "possible masked divergence"
    assert entry.format_differences == []
    (example,) = entry.examples
    assert all(re.fullmatch(r'"[0-9]{19}\\n"', v) for v in example.values.values()), example
    assert "format" not in flag_summary(entry)
    # Calibrated: those lines vary on every run of both targets, noise.
    saved = tmp_path / "ns.calibration.json"
    calibrate_spec(spec, repeat=3, output=saved)
    (entry,) = audit(result, saved, spec).rules
    assert (entry.flag, entry.noise) == ("", 1)
