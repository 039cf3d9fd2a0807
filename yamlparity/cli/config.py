"""Project defaults: `[tool.yamlparity]` in pyproject.toml, or a yamlparity.toml.

Found by walking up from the working directory (a yamlparity.toml wins over a pyproject.toml
in the same folder; a pyproject.toml without the table is passed over; the walk stops at the
folder holding `.git`). Paths in the file are relative to the file's folder. Command-line
flags win over every value here.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yamlparity.core.errors import Location, SpecError

KEYS = ("specs", "report_dir", "formats", "template", "jobs", "fixed_ok")
_HINT = "keys: " + ", ".join(KEYS) + " (see docs/cli.md, “Project defaults”)"


@dataclass(frozen=True)
class Config:
    file: Path | None = None  # None: no configuration found
    specs: tuple[Path, ...] = ()
    report_dir: Path | None = None
    formats: tuple[str, ...] = ()
    template: Path | None = None
    jobs: int | None = None
    fixed_ok: bool = False

    @property
    def root(self) -> Path | None:
        """The project's root: the configuration file's folder."""
        return self.file.parent if self.file else None


def find(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file at or above `start`, with its yamlparity table."""
    for folder in (start.resolve(), *start.resolve().parents):
        own = folder / "yamlparity.toml"
        if own.is_file():
            return own, _read(own)
        project = folder / "pyproject.toml"
        if project.is_file():
            table = _read(project).get("tool", {}).get("yamlparity")
            if table is not None:
                if not isinstance(table, dict):
                    raise _error(project, "`tool.yamlparity` must be a table", "yamlparity")
                return project, table
        if (folder / ".git").exists():
            return None
    return None


def load(start: Path | None = None) -> Config:
    found = find(start or Path.cwd())
    if found is None:
        return Config()
    path, table = found
    tool = table.get("tool")
    if path.name == "yamlparity.toml" and isinstance(tool, dict) and "yamlparity" in tool:
        table = tool["yamlparity"]  # accept the pyproject layout in yamlparity.toml too
    return _build(path, table)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        line, column = _toml_position(str(exc), path.read_text("utf-8"))
        raise SpecError(
            f"{path.name} is not valid TOML: {exc}", Location(str(path), line, column)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path.name}: {exc}", Location(str(path))) from None


def _toml_position(message: str, text: str) -> tuple[int, int]:
    match = re.search(r"line (\d+), column (\d+)", message)
    if match:
        return int(match.group(1)), int(match.group(2))
    if "at end of document" in message:  # an unclosed array or string: its last line
        lines = text.rstrip("\n").split("\n")
        return len(lines), len(lines[-1]) + 1
    return 0, 0


def _error(path: Path, message: str, key: str, hint: str | None = None) -> SpecError:
    return SpecError(message, Location(str(path), _line_of(path, key), 1), hint or _HINT)


def _line_of(path: Path, key: str) -> int:
    """The line where `key = …` is written (TOML parsers do not keep positions)."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError:
        return 0
    pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=|^\s*\[tool\.{re.escape(key)}\]")
    return next((i for i, line in enumerate(lines, 1) if pattern.search(line)), 0)


def _build(path: Path, table: dict[str, Any]) -> Config:
    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean `{close[0]}`?" if close else None
            where = "[tool.yamlparity]" if path.name == "pyproject.toml" else path.name
            raise _error(path, f"unknown key `{key}` in {where}", key, hint)
    base = path.parent
    return Config(
        file=path,
        specs=tuple(base / p for p in _strings(path, table, "specs")),
        report_dir=base / _string(path, table, "report_dir") if "report_dir" in table else None,
        formats=_formats(path, table),
        template=base / _string(path, table, "template") if "template" in table else None,
        jobs=_jobs(path, table),
        fixed_ok=_bool(path, table, "fixed_ok"),
    )


def check_specs_exist(config: Config) -> None:
    """A `specs` entry naming nothing is the settings file's mistake: said at its line."""
    if config.file is None:
        return
    for given in config.specs:
        if not given.exists():
            raise _error(
                config.file,
                f"`specs` names {given}, which does not exist",
                "specs",
                "name spec files or folders relative to this file",
            )


def _string(path: Path, table: dict[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value:
        raise _error(path, f"`{key}` must be a non-empty string, got {value!r}", key)
    return value


def _strings(path: Path, table: dict[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _error(path, f"`{key}` must be a string or a list of strings, got {value!r}", key)
    return value


def _formats(path: Path, table: dict[str, Any]) -> tuple[str, ...]:
    if "formats" not in table:
        return ()
    from yamlparity.core.errors import UsageError
    from yamlparity.report.formats import FORMATS, parse_formats

    value = table["formats"]
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise _error(path, f"`formats` must be a list of strings, got {value!r}", "formats")
    try:
        return parse_formats(items)
    except UsageError as exc:
        raise _error(
            path, f"`formats`: {exc}", "formats", f"formats: {', '.join(FORMATS)}"
        ) from None


def _jobs(path: Path, table: dict[str, Any]) -> int | None:
    if "jobs" not in table:
        return None
    value = table["jobs"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _error(path, f"`jobs` must be an integer of at least 1, got {value!r}", "jobs")
    return value


def _bool(path: Path, table: dict[str, Any], key: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise _error(path, f"`{key}` must be true or false, got {value!r}", key)
    return value
