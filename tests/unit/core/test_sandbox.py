"""The bounded sandbox: `~` is sized before it joins, and joins as Jinja's own does."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from yamlparity.core import sandbox
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


def _switches(thread: threading.Thread) -> int:
    """How many times `thread` gave up the CPU of its own accord (Linux: it woke and slept)."""
    status = Path(f"/proc/self/task/{thread.native_id}/status").read_text()
    return int(status.split("voluntary_ctxt_switches:")[1].split()[0])


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads Linux's /proc")
def test_the_watchdog_sleeps_while_no_template_renders() -> None:
    """It polled 20 times a second for the life of the process once one template had been
    rendered: ~0.5% of a core in every long pytest session and test worker."""
    with sandbox.guard("a first render", seconds=5):
        pass
    watcher = sandbox._watcher
    assert watcher is not None and watcher.is_alive()
    time.sleep(0.1)  # let it reach its wait
    before = _switches(watcher)
    time.sleep(0.5)  # ten of its old polling intervals
    assert _switches(watcher) == before


def test_a_render_after_an_idle_spell_is_still_stopped_at_its_time() -> None:
    with sandbox.guard("a first render", seconds=5):
        pass
    time.sleep(0.1)  # the watcher is waiting for a render now
    count = 0
    stopped = pytest.raises(TemplateLimit, match=r"template limit: a loop ran longer than 0.2 s")
    deadline = time.monotonic() + 30  # a watchdog that never wakes fails here, never hangs
    with stopped, sandbox.guard("a loop", seconds=0.2):
        while time.monotonic() < deadline:  # stopped by the watchdog's exception
            count += 1
    assert count > 0
