"""HTML from the report's markdown (markdown-it-py), wrapped in page.html.j2.

Safety rests on how the markdown was rendered (`report.render(..., html=True)`): every value
from the context arrives as numeric character references, so target data can never become
a tag, and raw HTML is honoured only where the template itself wrote it (`<details>`, the
charts, the side-by-side view). The page is one self-contained file: its CSS and script are
inline, and its Content-Security-Policy admits nothing from the network and only those two,
by hash — a `<script>` a target printed would not run even if it ever became markup.

A report's HTML is converted a block at a time (`write_page`, html_chunks.py): the same bytes
as converting the whole markdown at once, in memory that does not grow with the cases.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from markupsafe import Markup

from yamlparity._version import __version__
from yamlparity.core.atomic import atomic_writer, write_atomic
from yamlparity.report.formats.html_chunks import Unchunkable, render_chunked
from yamlparity.report.render import PACKAGE_TEMPLATES, TemplateChoice, environment, template_errors

PAGE_TEMPLATE = "page.html.j2"
STYLE_FILE = "report.css"
SCRIPT_FILE = "report.js"
# The style attributes markdown-it writes for aligned table columns (`---:`): admitted by
# hash ('unsafe-hashes'), so no other inline style can apply.
ALIGN_STYLES = ("text-align:left", "text-align:center", "text-align:right")
BUILTIN_PAGE = PACKAGE_TEMPLATES / PAGE_TEMPLATE
SPOOL_READ = 1 << 16  # characters of spooled markdown read back at a time


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table")


def markdown_to_html(markdown: str) -> str:
    return str(parser().render(markdown))


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@cache
def assets() -> tuple[str, str]:
    """The page's CSS and script, as shipped."""
    style = (PACKAGE_TEMPLATES / STYLE_FILE).read_text("utf-8")
    script = (PACKAGE_TEMPLATES / SCRIPT_FILE).read_text("utf-8")
    return style, script


def content_security_policy(style: str, script: str) -> str:
    """Nothing from anywhere (no network, no frames, no forms), but the page's own inline
    style and script, named by their hashes, and table-alignment style attributes."""
    aligned = " ".join(_hash(text) for text in ALIGN_STYLES)
    return (
        "default-src 'none'; "
        f"style-src {_hash(style)} 'unsafe-hashes' {aligned}; "
        f"script-src {_hash(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def page(markdown: str, title: str, choice: TemplateChoice) -> str:
    """A whole HTML document; teams may put their own page.html.j2 beside their template."""
    return _page(markdown_to_html(markdown), title, choice)[0]


def _page(body: str, title: str, choice: TemplateChoice) -> tuple[str, bool]:
    """The page around `body` (HTML), and whether the page template is the built-in one."""
    # The page template is plain HTML: escape the title, keep the body.
    env = environment(choice.search, autoescape=True)
    style, script = assets()
    with template_errors(None, PAGE_TEMPLATE):
        template = env.get_template(PAGE_TEMPLATE)
        text = template.render(
            title=title,
            body=Markup(body),
            generator=f"yamlparity {__version__}",
            style=Markup(style),
            script=Markup(script),
            csp=content_security_policy(style, script),
        )
    builtin = template.filename is not None and Path(template.filename) == BUILTIN_PAGE
    return str(text), builtin


def write_page(
    path: Path,
    markdown: Callable[[Callable[[str], object]], None],
    title: str,
    choice: TemplateChoice,
) -> None:
    """page() of the markdown that `markdown(write)` writes, written to `path` atomically with
    the same bytes, in flat memory: the markdown goes to a file beside the report, and comes
    back a window at a time through markdown-it (html_chunks). A document only whole rendering
    gets right (a link reference definition) is rendered whole; so is the body of a team's own
    page.html.j2, which may use it in any way (its markdown still a window at a time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # An anonymous file (no name on Linux; elsewhere removed when closed), gone with the run:
    # the markdown in it is not yet redacted; the HTML is, as it passes the atomic writer.
    # surrogatepass: a value holding a lone surrogate comes back exactly as it went in.
    with tempfile.TemporaryFile(
        "w+", encoding="utf-8", errors="surrogatepass", newline="", dir=path.parent
    ) as spool:
        markdown(spool.write)

        def pieces() -> Iterator[str]:
            spool.seek(0)
            while piece := spool.read(SPOOL_READ):
                yield piece

        try:
            _write_chunked(path, pieces, title, choice)
        except Unchunkable:
            spool.seek(0)
            write_atomic(path, page(spool.read(), title, choice))


def _write_chunked(
    path: Path, pieces: Callable[[], Iterator[str]], title: str, choice: TemplateChoice
) -> None:
    """The built-in page is rendered once around a marker and written around the chunks (it
    writes `body` once, as is); a team's page gets the whole body."""
    marker = f"<!--body {secrets.token_hex(16)}-->"
    outer, builtin = _page(marker, title, choice)
    if not builtin or outer.count(marker) != 1:
        body: list[str] = []
        render_chunked(parser(), pieces(), body.append)
        write_atomic(path, _page("".join(body), title, choice)[0])
        return
    before, after = outer.split(marker)
    with atomic_writer(path) as write:
        write(before)
        render_chunked(parser(), pieces(), write)
        write(after)
