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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yamlparity.core.errors import Location, SpecError, SpecErrors

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
        text = path.read_text("utf-8")
        line, column = _toml_position(str(exc), text)
        raise SpecError(
            f"{path.name} is not valid TOML: {exc}",
            Location(str(path), line, column),
            source_line=_nth_line(text, line),
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


def _nth_line(text: str, line: int) -> str | None:
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None


def _error(path: Path, message: str, key: str, hint: str | None = None) -> SpecError:
    """At the key's line, with the line and a caret under the key."""
    line, column, text = _position_of(path, key)
    return SpecError(message, Location(str(path), line, column), hint or _HINT, source_line=text)


def _position_of(path: Path, key: str) -> tuple[int, int, str | None]:
    """Line, column and text of `key = …` or of a `[key]` table (TOML parsers keep no
    positions); (0, 0, None) when it is not found."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 0, 0, None
    name = re.escape(key)
    pattern = re.compile(rf'^\s*"?({name})"?\s*=|^\s*\[(?:tool\.)?({name})[\].]')
    for number, text in enumerate(lines, 1):
        found = pattern.search(text)
        if found is not None:
            return number, (found.start(1) if found.group(1) else found.start(2)) + 1, text
    return 0, 0, None


def _build(path: Path, table: dict[str, Any]) -> Config:
    """Every mistake in the file at once (unknown keys, then each wrong value), in one error."""
    errors: list[SpecError] = []
    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean `{close[0]}`?" if close else None
            where = "[tool.yamlparity]" if path.name == "pyproject.toml" else path.name
            errors.append(_error(path, f"unknown key `{key}` in {where}", key, hint))
    base = path.parent
    readers: dict[str, Callable[[], Any]] = {
        "specs": lambda: tuple(base / p for p in _strings(path, table, "specs")),
        "report_dir": lambda: (
            base / _string(path, table, "report_dir") if "report_dir" in table else None
        ),
        "formats": lambda: _formats(path, table),
        "template": lambda: (
            base / _string(path, table, "template") if "template" in table else None
        ),
        "jobs": lambda: _jobs(path, table),
        "fixed_ok": lambda: _bool(path, table, "fixed_ok"),
    }
    values: dict[str, Any] = {}
    for key, read in readers.items():
        try:
            values[key] = read()
        except SpecError as exc:
            errors.append(exc)
    if errors:
        errors.sort(key=lambda error: error.location.line if error.location else 0)
        raise errors[0] if len(errors) == 1 else SpecErrors(errors)
    return Config(file=path, **values)


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
