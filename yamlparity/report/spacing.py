"""Blank lines between the report's blocks, whatever an override ends with.

Markdown joins lines that touch: a block override ending in `**Owned by QA**` without a blank
line made the next block's table header part of its paragraph, and a `> [!NOTE]` override
swallowed the table that followed as a lazy continuation line. So the output of every block
named in SPACED_BLOCKS ends with one blank line: a wrapper around the block's render function
watches the last characters it yields and adds the missing newlines. It streams (a 100k-row
table block is never held) and `{{ super() }}` keeps working (see _SpacedBlock.__eq__).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from jinja2 import Template
from jinja2.bccache import Bucket, BytecodeCache, FileSystemBytecodeCache

from yamlparity._version import __version__
from yamlparity.core.sandbox import CODE_GENERATION, BoundedSandbox

# The blocks of the built-in report and index that another block follows (docs/report-context.md,
# "Blank lines between blocks"). `footer` ends the document: nothing to separate it from.
SPACED_BLOCKS = frozenset(
    {
        "header",
        "targets",
        "intro",
        "summary",
        "trend",
        "charts",
        "table",
        "agreement",
        "divergences",
        "case",
        "analysis",
        "errors",
    }
)

BlockRender = Callable[[Any], Iterator[str]]


class _SpacedBlock:
    """A block's render function whose output, when not empty, ends with a blank line."""

    def __init__(self, render: BlockRender) -> None:
        self.render = render

    def __call__(self, context: Any) -> Iterator[str]:
        last = before = ""  # the last two pieces that were not empty: they hold the tail
        for piece in self.render(context):
            if piece:
                before, last = last, piece
            yield piece
        tail = (before[-2:] + last[-2:])[-2:]
        if tail and tail != "\n\n":
            yield "\n" if tail.endswith("\n") else "\n\n"

    # `{{ super() }}` finds the running block with `blocks.index(current)`, where `current`
    # is the compiled function itself: the wrapper must compare equal to what it wraps.
    def __eq__(self, other: object) -> bool:
        return other is self or other is self.render

    __hash__ = None  # type: ignore[assignment]


def space_blocks(blocks: MutableMapping[str, Any]) -> None:
    for name, render in list(blocks.items()):
        if name in SPACED_BLOCKS and not isinstance(render, _SpacedBlock):
            blocks[name] = _SpacedBlock(render)


class SpacedEnvironment(BoundedSandbox):
    """The sandbox (bounded: core.sandbox), with every loaded markdown template's
    SPACED_BLOCKS wrapped. `extends` loads parents through get_template too, so overrides and
    defaults are both covered."""

    def get_template(
        self,
        name: str | Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        template = super().get_template(name, parent, globals)
        if not template.name or not template.name.endswith(".html.j2"):
            space_blocks(template.blocks)
        return template


class _QuietCache(FileSystemBytecodeCache):
    """Jinja's compiled-template cache (in the user's private temp folder, as Jinja's own), for
    which a failing read or write only means compiling again: it never stops a report."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache(flavour: str) -> BytecodeCache | None:
    """A compiled-template cache for one flavour of environment: the compiled code depends on
    the environment's options (finalize, autoescape), which Jinja's cache key does not hold, so
    each flavour (and version) has its own files. None where no private folder can be made."""
    try:
        name = f"yamlparity-{__version__}-g{CODE_GENERATION}-{flavour}-%s.cache"
        return _QuietCache(pattern=name)
    except (OSError, RuntimeError):
        return None
