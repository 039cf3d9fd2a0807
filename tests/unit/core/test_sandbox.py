"""The bounded sandbox: `~` is sized before it joins, and joins as Jinja's own does."""

from __future__ import annotations

import pytest
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from yamlparity.core.sandbox import MAX_VALUE, BoundedSandbox, TemplateLimit


def test_a_tilde_past_the_bound_is_refused_before_it_is_built() -> None:
    """Jinja compiles `~` to a plain join no sandbox hook sees: a loop doubling a string grew
    to 1.6 GB before the time and memory watchdog stopped it."""
    half = "x" * (MAX_VALUE // 2 + 1)
    with pytest.raises(TemplateLimit, match=r"~ would build 67,108,866 characters"):
        BoundedSandbox().from_string("{{ (a ~ a) | length }}").render(a=half)
    assert BoundedSandbox().from_string("{{ (a ~ 'y') | length }}").render(a=half) == str(
        MAX_VALUE // 2 + 2
    )


@pytest.mark.parametrize(
    ("template", "autoescape"),
    [
        ("{{ 'a' ~ 1 ~ none ~ [1, 2] ~ {'k': 1.5} }}", False),
        ("{{ '<b>' ~ x ~ y }}", True),
        ("{{ '<b>' ~ y }}", True),
        ("{% autoescape false %}{{ '<b>' ~ x ~ y }}{% endautoescape %}", True),
        ("{% autoescape true %}{{ '<b>' ~ x ~ y }}{% endautoescape %}", False),
        ("{% set s = 'a' ~ y %}{{ s }}|{{ ('<' ~ 'b') ~ '>' }}", True),
    ],
)
def test_tilde_gives_what_jinja_gives(template: str, autoescape: bool) -> None:
    values = {"x": Markup("<i>"), "y": "<u>"}
    expected = SandboxedEnvironment(autoescape=autoescape).from_string(template).render(values)
    assert BoundedSandbox(autoescape=autoescape).from_string(template).render(values) == expected
