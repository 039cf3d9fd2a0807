"""The pytest nodes: a spec file is a `SpecFile`, each of its cases a `CaseItem`.

Node ids read `path/spec.yaml::case_name`, so `-k`, `--lf`, `--ff`, `-x`, `--co` and IDE test
trees work as for Python tests. A spec that does not load is a collection error showing
yamlparity's own message (file:line:column, the line, a caret, a hint), never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from yamlparity.core.errors import SpecError

if TYPE_CHECKING:
    from yamlparity.results.records import CaseResult
    from yamlparity.spec.model import Spec

    from .outcomes import Outcome
    from .plugin import PluginState


class SpecFile(pytest.File):
    """One spec: loaded (and fully checked) at collection, before anything runs."""

    spec: Spec | None = None

    def collect(self) -> Iterator[CaseItem]:
        from .plugin import session_of

        state = session_of(self.config)
        try:
            state.project  # noqa: B018 - a broken [tool.yamlparity] fails here, not mid-run
        except pytest.UsageError as exc:
            raise self.CollectError(f"error: {exc}") from None
        try:
            self.spec = state.load(self.path)
        except SpecError as exc:
            raise self.CollectError(exc.render()) from None
        except OSError as exc:  # the file vanished or cannot be read since pytest saw it
            raise self.CollectError(f"error: cannot read {self.path}: {exc}") from None
        for position, name in enumerate(self.spec.cases.names()):
            yield CaseItem.from_parent(self, name=name, position=position)


class CaseItem(pytest.Item):
    """One case of a spec, sent to every target by the engine (see runner.SpecRun)."""

    def __init__(self, *, position: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.position = position
        self.case_result: CaseResult | None = None
        self.outcome: Outcome | None = None

    @property
    def spec_file(self) -> SpecFile:
        assert isinstance(self.parent, SpecFile)
        return self.parent

    def fetch(self, state: PluginState) -> None:
        """Get this case's result before setup, and turn SKIP/KNOWN/FIXED into marks so
        pytest reports them as its own skip/xfail/xpass (with this item's location)."""
        from .outcomes import known_reason, outcome

        if self.outcome is not None:
            return  # pytest-rerunfailures: the verdict stays; the case is not sent again
        self.case_result = result = state.result_for(self)
        verbosity = self.config.get_verbosity()
        self.outcome = found = outcome(result, verbosity=verbosity, fixed_ok=state.fixed_ok)
        if found.kind == "skipped":
            self.add_marker(pytest.mark.skip(reason=found.text))
        elif found.kind == "xfail":
            self.add_marker(pytest.mark.xfail(reason=known_reason(result), strict=True))
        elif found.kind == "xpass":
            self.add_marker(pytest.mark.xfail(reason=found.text, strict=found.strict))

    def setup(self) -> None:
        if self.outcome is not None and self.outcome.kind == "error":
            # Raised at setup, so pytest counts an ERROR; pytrace=False: the text, no traceback.
            pytest.fail(self.outcome.text, pytrace=False)

    def runtest(self) -> None:
        found = self.outcome
        if found is not None and found.kind in ("failed", "xfail"):
            pytest.fail(found.text, pytrace=False)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        spec = self.spec_file.spec
        if spec is None:
            return self.path, None, f"case {self.name}"
        where = spec.cases.location(self.position)
        path = Path(where.file) if where.file else self.path
        return path, (where.line - 1 if where.line else None), f"case {self.name}"
