"""HTML from the report's markdown (markdown-it-py), wrapped in page.html.j2.

Safety rests on how the markdown was rendered (`report.render(..., html=True)`): every value
from the context arrives as numeric character references, so target data can never become
a tag, and raw HTML is honoured only where the template itself wrote it (`<details>`, the
charts, the side-by-side view). The page is one self-contained file: its CSS and script are
inline, and its Content-Security-Policy admits nothing from the network and only those two,
by hash — a `<script>` a target printed would not run even if it ever became markup.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from markdown_it import MarkdownIt
from markupsafe import Markup

from yamlparity._version import __version__
from yamlparity.report.render import PACKAGE_TEMPLATES, TemplateChoice, environment, template_errors

PAGE_TEMPLATE = "page.html.j2"
STYLE_FILE = "report.css"
SCRIPT_FILE = "report.js"
# The style attributes markdown-it writes for aligned table columns (`---:`): admitted by
# hash ('unsafe-hashes'), so no other inline style can apply.
ALIGN_STYLES = ("text-align:left", "text-align:center", "text-align:right")


def markdown_to_html(markdown: str) -> str:
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    return str(parser.render(markdown))


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
    env = environment(choice.search)
    env.autoescape = True  # the page template is plain HTML: escape the title, keep the body
    style, script = assets()
    with template_errors(None, PAGE_TEMPLATE):
        template = env.get_template(PAGE_TEMPLATE)
        return str(
            template.render(
                title=title,
                body=Markup(markdown_to_html(markdown)),
                generator=f"yamlparity {__version__}",
                style=Markup(style),
                script=Markup(script),
                csp=content_security_policy(style, script),
            )
        )
