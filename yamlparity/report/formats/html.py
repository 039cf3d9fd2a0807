"""HTML from the report's markdown (markdown-it-py), wrapped in page.html.j2.

Safety rests on how the markdown was rendered (`report.render(..., html=True)`): every value
from the context arrives as numeric character references, so target data can never become
a tag, and raw HTML is honoured only where the template itself wrote it (`<details>`).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

from yamlparity._version import __version__
from yamlparity.report.render import TemplateChoice, environment, template_errors

PAGE_TEMPLATE = "page.html.j2"


def markdown_to_html(markdown: str) -> str:
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    return str(parser.render(markdown))


def page(markdown: str, title: str, choice: TemplateChoice) -> str:
    """A whole HTML document; teams may put their own page.html.j2 beside their template."""
    env = environment(choice.search)
    env.autoescape = True  # the page template is plain HTML: escape the title, keep the body
    with template_errors(None, PAGE_TEMPLATE):
        template = env.get_template(PAGE_TEMPLATE)
        return str(
            template.render(
                title=title,
                body=Markup(markdown_to_html(markdown)),
                generator=f"yamlparity {__version__}",
            )
        )
