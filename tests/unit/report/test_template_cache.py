"""Compiled templates are kept (in the process, and on disk as Jinja's own cache does) without
ever showing a stale or wrongly compiled report."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.paths import ROOT
from tests.unit.report.test_formats import sample_result
from yamlparity.report.render import TemplateChoice, render


def _choice(path: Path) -> TemplateChoice:
    return TemplateChoice(path, (path.parent,), "--template")


def test_a_template_edited_between_two_reports_is_compiled_again(tmp_path: Path) -> None:
    own = tmp_path / "report.md.j2"
    own.write_text("first {{ spec.name }}\n", "utf-8")
    assert render(sample_result(), _choice(own)) == "first sample\n"
    own.write_text("second {{ spec.name }}\n", "utf-8")
    later = os.stat(own).st_mtime + 2  # a coarse file system may keep the same mtime
    os.utime(own, (later, later))
    assert render(sample_result(), _choice(own)) == "second sample\n"


# One template rendered for markdown and for HTML (where text is escaped when it is printed):
# the compiled code differs, so a cache shared by both would show one's output in the other.
_RENDER_BOTH = """
import sys
from pathlib import Path
from tests.unit.report.test_formats import sample_result
from yamlparity.report.render import TemplateChoice, render
own = Path(sys.argv[1])
choice = TemplateChoice(own, (own.parent,), "--template")
for html in sys.argv[2:]:
    print(repr(render(sample_result(), choice, html=html == "html")))
"""


def _render_in_new_process(tmp: Path, own: Path, *modes: str) -> list[str]:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    script = textwrap.dedent(_RENDER_BOTH)
    proc = subprocess.run(
        [sys.executable, "-c", script, str(own), *modes],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return proc.stdout.splitlines()


def test_markdown_and_html_compilations_never_share_the_cache(tmp_path: Path) -> None:
    own = tmp_path / "report.md.j2"
    own.write_text("{{ '<b>' }}\n", "utf-8")
    cache = tmp_path / "tmp"
    cache.mkdir()
    fresh = _render_in_new_process(cache, own, "md", "html")
    assert fresh == ["'<b>\\n'", "'&#60;b&#62;\\n'"]
    assert any(cache.glob("*/yamlparity-*.cache")), "nothing was cached"
    # From the cache, each in the other order, in new processes: the same text.
    assert _render_in_new_process(cache, own, "html") == [fresh[1]]
    assert _render_in_new_process(cache, own, "md") == [fresh[0]]


def test_a_cache_folder_that_cannot_be_made_only_costs_time(tmp_path: Path) -> None:
    own = tmp_path / "report.md.j2"
    own.write_text("plain {{ spec.name }}\n", "utf-8")
    blocked = tmp_path / "tmp"
    blocked.mkdir()
    (blocked / f"_jinja2-cache-{os.getuid()}").write_text("not a folder", "utf-8")
    assert _render_in_new_process(blocked, own, "md") == ["'plain sample\\n'"]
