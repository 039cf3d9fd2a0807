"""The pytest hooks (entry point `pytest11: yamlparity`). Inert until a spec file is seen.

Which files are specs (docs/pytest.md, "Which files"): `*.parity.yaml` / `*.parity.yml`
anywhere pytest looks (ini `yamlparity_files` changes the patterns), every spec under the
`specs` folders of `[tool.yamlparity]` (what `yamlparity run FOLDER` takes for a spec, by the
same function: spec/load.py `file_role`), and any YAML file named on the command line.
"""

from __future__ import annotations

import fnmatch
import os
import signal
import threading
from collections import defaultdict
from collections.abc import Generator, Iterable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import pytest

from yamlparity.core.errors import Location, SpecError, UsageError

from .nodes import CaseItem, SpecFile

if TYPE_CHECKING:
    # Imported when a spec runs: a pytest session without specs loads none of the engine.
    from yamlparity.report.formats import Written
    from yamlparity.results.records import CaseResult
    from yamlparity.spec.model import Spec

    from .reports import Finished, ReportSettings, SpecParts
    from .runner import Part, SpecRun

DEFAULT_PATTERNS = ("*.parity.yaml", "*.parity.yml")
# xdist modes that send every case of a spec to the same worker: the engine can take them
# all at once. Under the others a worker cannot know which cases it will get.
_WHOLE_SPEC_MODES = frozenset({"loadfile", "loadscope", "each"})
_WIRE_KEY = "yamlparity"  # in xdist's workerinput / workeroutput
_CORRECTED_KEY = "yamlparity-corrected"  # workeroutput: lines of cases turned ERROR late
ENV_OPTION = "--yamlparity-env"  # the CLI's --env, under pytest
_STASH: pytest.StashKey[PluginState] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("yamlparity", "yamlparity spec files")
    group.addoption(
        "--yamlparity-report-dir",
        metavar="DIR",
        type=Path,
        help="write yamlparity's reports (DIR/<spec>.md, DIR/index.md...) at the end of the "
        "session, as `yamlparity run --report-dir DIR` does",
    )
    group.addoption(
        "--yamlparity-format",
        metavar="LIST",
        help="report formats with --yamlparity-report-dir: md, html, json, junit "
        "(default: the project's `formats`, else md)",
    )
    group.addoption(
        "--yamlparity-template",
        metavar="FILE",
        type=Path,
        help="report template (wins over report.template and the project's templates/)",
    )
    group.addoption(
        "--yamlparity-no-history",
        action="store_false",
        dest="yamlparity_history",
        help="with --yamlparity-report-dir: do not append this run to DIR/history.jsonl",
    )
    group.addoption(
        ENV_OPTION,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a spec variable (wins over the environment and env:)",
    )
    group.addoption(
        "--yamlparity-jobs",
        type=int,
        metavar="N",
        help="cases of one spec in flight at once (default: the project's `jobs`, else tuned "
        "while running, as `yamlparity run`)",
    )
    group.addoption(
        "--yamlparity-fixed-ok",
        action="store_true",
        default=None,
        help="a known divergence that has disappeared (FIXED) is an XPASS, not a failure",
    )
    group.addoption(
        "--yamlparity-allow-outside",
        action="store_true",
        help="let a spec read files outside its folder (cases_from, include, recorded, "
        "report.template)",
    )
    parser.addini(
        "yamlparity_files",
        type="args",
        default=list(DEFAULT_PATTERNS),
        help="glob patterns of spec file names collected anywhere (default: *.parity.yaml "
        "*.parity.yml)",
    )


def pytest_configure(config: pytest.Config) -> None:
    state = config.stash[_STASH] = PluginState(config)
    state.check_options()


def session_of(config: pytest.Config) -> PluginState:
    return config.stash[_STASH]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SpecFile | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    state = session_of(parent.config)
    try:
        spec = state.is_spec(file_path, explicit=parent.session.isinitpath(file_path))
    except pytest.UsageError as exc:  # a broken [tool.yamlparity]: its message, no traceback
        raise parent.CollectError(f"error: {exc}") from None
    return SpecFile.from_parent(parent, path=file_path) if spec else None


def pytest_deselected(items: Iterable[pytest.Item]) -> None:
    """Counted per spec: a report of fewer cases names the options that left them out."""
    for item in items:
        if isinstance(item, CaseItem):
            state = session_of(item.config)
            state.deselected[item.spec_file] = state.deselected.get(item.spec_file, 0) + 1


def pytest_collection_finish(session: pytest.Session) -> None:
    session_of(session.config).selected(session.items)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    # Before pytest's own setup hooks: a SKIP/KNOWN/FIXED verdict becomes a mark they read.
    if isinstance(item, CaseItem) and not _planning_only(item.config):
        item.fetch(session_of(item.config))
    return (yield)


def _planning_only(config: pytest.Config) -> bool:
    """--setup-plan / --setup-only show fixtures; they must not send cases."""
    return bool(config.getoption("setupplan", False) or config.getoption("setuponly", False))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session_of(session.config).finish(session, exitstatus)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    state = session_of(terminalreporter.config)
    if state.corrected:
        terminalreporter.write_sep("-", "yamlparity: cases turned ERROR after their test")
        for line in state.corrected:
            terminalreporter.write_line(line)
    if state.summary:
        terminalreporter.write_sep("-", "yamlparity reports")
        for line in state.summary:
            terminalreporter.write_line(line)
    # GitHub's runner reads workflow commands from the step's output, each on a line of its own.
    for line in state.annotations:
        terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STASH, None)
    if state is not None:
        state.stop_all()  # a last resort: the session did not reach sessionfinish


# ---------------------------------------------------------------------- pytest-xdist


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Controller: tell each worker how xdist distributes (workers see `--dist no`)."""
    node.workerinput[_WIRE_KEY] = {"dist": node.config.getoption("dist", "no")}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Controller: a worker is done; keep the results it sent for the merged reports."""
    output = getattr(node, "workeroutput", None) or {}
    state = session_of(node.config)
    state.received(output.get(_WIRE_KEY, []))
    state.corrected.extend(output.get(_CORRECTED_KEY, []))


# ---------------------------------------------------------------------- the state


class PluginState:
    """Everything the plugin keeps for one pytest session (one per process)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.runs: dict[SpecFile, SpecRun] = {}
        self.batches: dict[SpecFile, list[str]] = {}
        self.deselected: dict[SpecFile, int] = {}  # -k, -m, --lf...: cases left out per spec
        self.summary: list[str] = []
        self.annotations: list[str] = []  # GitHub workflow commands, under GitHub Actions
        # Cases a test had reported, turned ERROR after it (a stream helper's answers proved
        # misaligned): the reports hold the ERROR, and the session fails (see finish).
        self.corrected: list[str] = []
        self.from_workers: dict[str, SpecParts] = {}
        self._project: Any = None
        self._roots: tuple[Path, ...] | None = None
        self._sigterm: Any = None
        self.started = False  # a spec ran in this process

    # -- settings

    @property
    def project(self) -> Any:
        """`[tool.yamlparity]` / yamlparity.toml, found from pytest's rootdir upward."""
        if self._project is None:
            from yamlparity.cli.config import load

            try:
                self._project = load(self.config.rootpath)
            except SpecError as exc:
                raise pytest.UsageError(_usage_text(exc)) from None
        return self._project

    def option(self, name: str) -> Any:
        return self.config.getoption(name)

    @property
    def fixed_ok(self) -> bool:
        given = self.option("yamlparity_fixed_ok")
        return bool(given) if given is not None else bool(self.project.fixed_ok)

    @property
    def jobs(self) -> int | None:
        jobs = self.option("yamlparity_jobs")
        if jobs is not None and jobs < 1:
            raise pytest.UsageError("--yamlparity-jobs must be at least 1")
        if jobs is not None:
            return int(jobs)
        configured: int | None = self.project.jobs
        return configured

    def env(self) -> dict[str, str]:
        """--yamlparity-env KEY=VALUE, as the CLI's --env."""
        env: dict[str, str] = {}
        for pair in self.option("yamlparity_env"):
            key, sep, value = pair.partition("=")
            if not sep or not key:
                raise pytest.UsageError(f"{ENV_OPTION} takes KEY=VALUE, got {pair!r}")
            env[key] = value
        return env

    def check_options(self) -> None:
        """What can be checked before collection; pytest shows it as `ERROR: ...` (exit 4)."""
        if self.option("yamlparity_env"):
            self.env()
        if self.option("yamlparity_jobs") is not None:
            self.jobs  # noqa: B018 - validates the value
        if self.option("yamlparity_report_dir") is None or _is_worker(self.config):
            return
        self.report_settings()  # the formats
        template = self.option("yamlparity_template")
        if template is not None:
            from yamlparity.report.render import check_template, choose_template

            try:
                check_template(choose_template(cli=template))
            except SpecError as exc:
                raise pytest.UsageError(_usage_text(exc)) from None

    # -- collection

    def is_spec(self, path: Path, *, explicit: bool) -> bool:
        if explicit:
            return True  # named on the command line: a spec, as with `yamlparity run FILE`
        patterns: Iterable[str] = self.config.getini("yamlparity_files")
        if any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns):
            return True
        return self._under_spec_roots(path) and _looks_like_spec(path)

    def _under_spec_roots(self, path: Path) -> bool:
        if self._roots is None:
            # As `yamlparity run` with no path: the configured folders, else the project's
            # (or this folder's) specs/.
            here = Path(self.config.invocation_params.dir)
            roots = self.project.specs or ((self.project.root or here) / "specs",)
            self._roots = tuple(Path(os.path.abspath(root)) for root in roots)
        resolved = Path(os.path.abspath(path))
        return any(resolved == root or resolved.is_relative_to(root) for root in self._roots)

    def load(self, path: Path) -> Spec:
        from yamlparity.spec.load import load_spec

        return load_spec(
            _shown_path(path, self.config.invocation_params.dir),
            self.env(),
            allow_outside=bool(self.option("yamlparity_allow_outside")),
            env_option=ENV_OPTION,  # named in the hints of a variable that is not set
        )

    def selected(self, items: Iterable[pytest.Item]) -> None:
        """After -k/--lf/deselection: the cases each spec will run in this session."""
        batches: dict[SpecFile, list[str]] = defaultdict(list)
        for item in items:
            if isinstance(item, CaseItem):
                batches[item.spec_file].append(item.name)
        self.batches = dict(batches)
        if _is_worker(self.config) or self.config.option.collectonly:
            return  # the controller (or nobody: --co) writes the reports
        if self.report_settings() is not None:
            self.check_reports([f.spec for f in self.batches if f.spec is not None])

    # -- running

    def result_for(self, item: CaseItem) -> CaseResult:
        spec_file = item.spec_file
        run = self.runs.get(spec_file)
        if run is None:
            from .runner import SpecRun

            assert spec_file.spec is not None
            whole = self._whole_spec_here()
            run = SpecRun(
                spec_file.spec,
                jobs=self.jobs,
                batch=self.batches.get(spec_file, [item.name]) if whole else None,
            )
            self.runs[spec_file] = run
            self.started = True
            self._catch_sigterm()
        return run.result(item.name)

    def _whole_spec_here(self) -> bool:
        """True when this process runs every selected case of a spec it runs at all."""
        if not _is_worker(self.config):
            return True
        wire = self.config.workerinput.get(_WIRE_KEY, {})  # type: ignore[attr-defined]
        return wire.get("dist") in _WHOLE_SPEC_MODES

    def _catch_sigterm(self) -> None:
        """SIGTERM would kill pytest on the spot and leave the spec's services running (they
        live in their own process groups): make it an interrupt, as Ctrl-C is."""
        if self._sigterm is not None or threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return  # someone else handles it

        def interrupt(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        self._sigterm = signal.signal(signal.SIGTERM, interrupt)

    # -- the end

    def stop_all(self, *, now: bool = True) -> None:
        if not self.started:
            return  # nothing ran: nothing to stop (and the engine stays unimported)
        runs, self.runs = list(self.runs.values()), {}
        try:
            for run in runs:
                run.stop.set()  # every spec stops starting cases at once...
            for run in runs:
                run.close(now=now)  # ...then each stops its targets
        finally:
            from yamlparity.targets import services

            services.stop_all()  # a second Ctrl-C above must not leave a service behind
            if self._sigterm is not None:
                signal.signal(signal.SIGTERM, self._sigterm)
                self._sigterm = None

    def finish(self, session: pytest.Session, exitstatus: int) -> None:
        from .reports import to_wire

        runs = dict(self.runs)
        self.stop_all(now=exitstatus == pytest.ExitCode.INTERRUPTED)
        parts = {
            spec_file: self._parts_of(spec_file, shown)
            for spec_file, run in runs.items()
            if spec_file.spec is not None and (shown := run.shown_parts())
        }
        corrected = [line for run in runs.values() for line in run.corrections]
        if _is_worker(self.config):
            wire = [to_wire(p) for p in parts.values()]
            self.config.workeroutput[_WIRE_KEY] = wire  # type: ignore[attr-defined]
            self.config.workeroutput[_CORRECTED_KEY] = corrected  # type: ignore[attr-defined]
            return
        self.corrected.extend(corrected)
        if self.corrected and session.exitstatus == pytest.ExitCode.OK:
            # Tests already passed on answers proved misaligned: the session must not pass.
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        collected = {str(p.settings.file): p for p in parts.values()}
        for file, received in self.from_workers.items():
            if file in collected:
                collected[file].add(received)
            else:
                collected[file] = received
        if collected:
            self._conclude(session, list(collected.values()))

    def _conclude(self, session: pytest.Session, collected: list[SpecParts]) -> None:
        """Where every spec's results are (the only process, or the xdist controller): the
        reports, then GitHub's annotations and job summary, each once for the session."""
        from yamlparity.report import github

        from .reports import finished, write_reports
        from .selection import Narrowing

        settings = self.report_settings()
        if settings is None and not github.active():
            return  # nobody reads the merged results: spare the merge
        specs = finished(collected, Narrowing.of(self.config))
        written: list[Written] = []
        if settings is not None:
            try:
                self.summary, written = write_reports(specs, settings)
            except (SpecError, UsageError, OSError) as exc:
                message = exc.render() if isinstance(exc, SpecError) else f"error: {exc}"
                self.summary = [message]
                session.exitstatus = pytest.ExitCode.USAGE_ERROR
        if github.active():
            self._github(specs, written)

    def _github(self, specs: list[Finished], written: list[Written]) -> None:
        from .github import annotation_lines, job_summary

        self.annotations = annotation_lines(specs, fixed_ok=self.fixed_ok)
        if warning := job_summary(written):
            self.summary.append(warning)

    def _parts_of(self, spec_file: SpecFile, shown: list[Part]) -> SpecParts:
        from .reports import SpecParts

        batch = self.batches.get(spec_file, ())
        selected = len(batch)
        return SpecParts(
            _settings_of(spec_file.spec),
            shown,
            collected=selected + self.deselected.get(spec_file, 0),
            selected=selected,
            places=_places(spec_file.spec, shown),
            chosen=_chosen(spec_file.spec, batch),
        )

    def received(self, wire: list[dict[str, Any]]) -> None:
        from .reports import from_wire

        for data in wire:
            parts = from_wire(data)
            key = str(parts.settings.file)
            if key in self.from_workers:
                self.from_workers[key].add(parts)
            else:
                self.from_workers[key] = parts

    # -- reports

    def report_settings(self) -> ReportSettings | None:
        folder = self.option("yamlparity_report_dir")
        if folder is None:
            for option in ("format", "template"):
                if self.option(f"yamlparity_{option}") is not None:
                    raise pytest.UsageError(
                        f"--yamlparity-{option} shapes the reports, which are written only with "
                        "--yamlparity-report-dir DIR: add it"
                    )
            return None
        from yamlparity.report.formats import parse_formats

        from .reports import ReportSettings

        given = self.option("yamlparity_format")
        try:
            formats = parse_formats(given) if given else (self.project.formats or ("md",))
        except UsageError as exc:
            raise pytest.UsageError(f"--yamlparity-format: {exc}") from None
        return ReportSettings(
            folder=Path(folder),
            formats=formats,
            template=self.option("yamlparity_template"),
            project=self.project,
            history=bool(self.option("yamlparity_history")),
            fixed_ok=self.fixed_ok,
        )

    def check_reports(self, specs: list[Spec]) -> None:
        """Before anything runs, as `yamlparity run` does: templates, names, the folder."""
        from .reports import check

        settings = self.report_settings()
        assert settings is not None
        try:
            check([_settings_of(spec) for spec in specs], settings)
        except SpecError as exc:
            raise pytest.UsageError(_usage_text(exc)) from None
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None


def _settings_of(spec: Spec | None) -> Any:
    from .reports import SpecSettings

    assert spec is not None
    return SpecSettings.of(spec)


def _chosen(spec: Spec | None, batch: Iterable[str]) -> list[tuple[int, str]]:
    """The cases pytest kept, (spec position, name as the reports show it), in spec order."""
    from yamlparity.spec.redact import Redactor

    assert spec is not None
    wanted = frozenset(batch)
    redactor = Redactor.for_spec(spec)
    return [
        (position, redactor.text(name))
        for position, name in enumerate(spec.cases.names())
        if name in wanted
    ]


def _places(spec: Spec | None, shown: list[Part]) -> dict[str, Location]:
    """Under GitHub Actions, where each failing case is: annotations point at it, and only
    where the spec is loaded is that known."""
    from yamlparity.report import github

    if spec is None or not github.active():
        return {}
    from .github import places

    return places(spec, shown)


def _usage_text(exc: SpecError) -> str:
    """yamlparity's message for pytest's `ERROR: ...` line (which says "error" already)."""
    text = exc.render()
    return text.removeprefix("error: ")


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _shown_path(path: Path, start: Path) -> Path:
    """The spec path as `yamlparity run` would be given it: relative to where pytest started
    when inside it (reports show spec.file), else absolute."""
    try:
        return path.relative_to(start)
    except ValueError:
        return path


def _looks_like_spec(path: Path) -> bool:
    """A YAML file under a `specs` folder is a spec when `yamlparity run` would take it for one
    in a folder (spec/load.py `file_role`: a top-level `cases`, `cases_from` or `fuzz`, or a
    spec whose cases key is misspelt, collected so its error is shown); include fragments and
    fixtures (a YAML list of rows) are passed over."""
    from yamlparity.spec.load import file_role

    return file_role(path) == "spec"
