"""Hostile suite: reports and the terminal hold what targets said as text, and every artefact
that can be written is written.

Through the real CLI: markup injected through a description's code spans, terminal escape
sequences from helpers with -v, attachment names built to collide, a report that cannot be
written (file size limit, a folder where the file should be, a symlink leading out) while the
results must survive, each failure naming its file.
"""

from __future__ import annotations

import json
import resource
import subprocess
from pathlib import Path

from tests.support.cli import PY, cli_env, run_cli, write_spec
from tests.support.paths import HELPER_PY

ECHO = f'[{HELPER_PY}, -c, "import sys; sys.stdout.write(sys.stdin.read())"]'


def test_description_code_spans_cannot_inject_html(tmp_path: Path) -> None:
    payload = " ``<img src=x onerror=alert(1)>```\n\n\\\\```\n\n<script>alert(2)</script>``"
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: inject
        description: {json.dumps(payload)}
        targets:
          a: {{run: {ECHO}}}
          b: {{run: {ECHO}}}
        output: json
        cases: [{{name: one, input: 1}}]
        """,
    )
    proc = run_cli("run", "spec.yaml", "--format", "html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "reports" / "inject.html").read_text("utf-8")
    assert "<img" not in page and "<script>alert" not in page
    assert "onerror" in page  # shown, as text


def test_terminal_escape_sequences_from_targets_are_shown_not_obeyed(tmp_path: Path) -> None:
    (tmp_path / "ansi.py").write_text(
        "import sys\n"
        "sys.stdin.readline()\n"
        "sys.stderr.write('\\x1b[2J\\x1b[31mred alert\\x1b]0;owned\\x07\\n')\n"
        "sys.stderr.flush()\n"
        "import time; time.sleep(0.5)\n"  # the line reaches the stderr tail before the exit
        "sys.exit(1)\n",
        "utf-8",
    )
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: ansi
        targets:
          a: {{run: [{HELPER_PY}, ansi.py], mode: stream, timeout: 5}}
          b: {{run: {ECHO}}}
        output: json
        cases: [{{name: one, input: 1}}]
        """,
    )
    proc = run_cli("run", "spec.yaml", "-v", cwd=tmp_path)
    assert proc.returncode == 1
    assert "red alert" in proc.stdout  # the log tail is shown...
    assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout  # ...inert
    assert "\\x1b[31m" in proc.stdout


def test_attachment_names_cannot_collide(tmp_path: Path) -> None:
    long_answer = (
        f'[{HELPER_PY}, -c, "import sys, json, os; sys.stdin.read(); '
        f"print(json.dumps({{'who': os.environ['WHO'], 'pad': 'x' * 6000}}))\"]"
    )
    write_spec(
        tmp_path,
        "spec.yaml",
        f"""\
        name: clash
        targets:
          y.z: {{run: {long_answer}, env: {{WHO: yz}}}}
          z: {{run: {long_answer}, env: {{WHO: z}}}}
        output: json
        cases: [{{name: c, input: 1}}, {{name: c.y, input: 2}}]
        """,
    )
    proc = run_cli("run", "spec.yaml", "--format", "md,json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    files = sorted((tmp_path / "reports" / "clash").iterdir())
    assert len(files) == 4, files  # (c, y.z), (c, z), (c.y, y.z), (c.y, z): none lost
    report = (tmp_path / "reports" / "clash.md").read_text("utf-8")
    for case in ("c", "c.y"):
        links = _links(report, case)  # one per target, in the spec's target order
        assert len(links) == 2, links
        for target, link in zip(("y.z", "z"), links, strict=True):
            who = json.loads((tmp_path / "reports" / link).read_text("utf-8"))["who"]
            assert who == target.replace(".", ""), (case, target, link)


def _links(report: str, case: str) -> list[str]:
    """The attachments linked in a case's section of the markdown report."""
    import re

    start = report.index(f"<code>{case}</code></summary>")
    end = report.find("</details>", start)
    return re.findall(r"\]\((clash/[^)]+)\)", report[start:end])


SMALL_SPEC = f"""\
name: kept
targets:
  a: {{run: {ECHO}}}
  b: {{run: [{HELPER_PY}, -c, "print(2)"]}}
output: json
report: {{template: pad.md.j2}}
cases: [{{name: one, input: 1}}]
"""


def test_results_survive_a_report_that_cannot_be_written(tmp_path: Path) -> None:
    """A file size limit (a full disk, as the process sees it) stops the large markdown
    report: the results JSON, written first, is whole; the error names the report."""
    (tmp_path / "pad.md.j2").write_text("{{ 'x' * 200000 }}\n", "utf-8")
    write_spec(tmp_path, "spec.yaml", SMALL_SPEC)
    limit = 64 * 1024

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(
        [PY, "-m", "yamlparity", "run", "spec.yaml", "--format", "json,md,junit"],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_files,
        check=False,
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2, proc.stderr
    assert "cannot write reports/kept.md" in proc.stderr, proc.stderr
    results = json.loads((tmp_path / "reports" / "kept.json").read_text("utf-8"))
    assert [case["verdict"] for case in results["cases"]] == ["DIFF"]
    assert (tmp_path / "reports" / "kept.junit.xml").is_file()
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "history.jsonl",
        "kept.json",
        "kept.junit.xml",
    ]  # no half report, no temporary file


def test_results_survive_a_refused_attachment_folder(tmp_path: Path) -> None:
    """A symlink planted where attachments go is refused; the results and the report are
    written all the same, and the refusal is an error naming the folder."""
    (tmp_path / "pad.md.j2").write_text("{{ cases | length }} case\n", "utf-8")
    spec = SMALL_SPEC.replace('"print(2)"', "\"print('y' * 9000)\"")
    write_spec(tmp_path, "spec.yaml", spec.replace("output: json", "output: text"))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "kept").symlink_to(outside)
    proc = run_cli("run", "spec.yaml", "--format", "json,md", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "outside" in proc.stderr and "reports/kept" in proc.stderr
    assert list(outside.iterdir()) == []
    assert (tmp_path / "reports" / "kept.json").is_file()
    assert (tmp_path / "reports" / "kept.md").read_text("utf-8") == "1 case\n"
