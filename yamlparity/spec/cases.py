"""A spec's cases as a lazy sequence: inline cases as written, fixture rows read when reached.

The loader validates every fixture row in one streaming pass and keeps per row only its name
(in one bytes blob), where it lies in its file, and its line: ~30 bytes a case, where a parsed
Case held ~1.5 KB. A row is read again and parsed when a case is planned, so a run over 100k
fixture cases never holds them all; rows read in file order come from one read-ahead block
(two system calls a row cost more than the rest of a case's planning, and each lets another
lane take the interpreter). Names are cheap (`name`, `names`): selection
(`-k`), uniqueness and `known`/`expect` globs never parse a row.
"""

from __future__ import annotations

import hashlib
import os
import threading
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from yamlparity.core.errors import Location, SpecError
from yamlparity.core.jsonvalue import JSON, JsonDecodeError, loads
from yamlparity.spec.model import Case
from yamlparity.spec.rowmap import RowMapping

__all__ = ["CaseList", "FixtureFile", "FixtureIndex"]

_READ_AHEAD = 1 << 18  # bytes read at once while rows are read in file order
_SEQUENTIAL_GAP = 1 << 12  # a row starting this close after the last one read is "in order"


@dataclass(frozen=True)
class FixtureFile:
    path: Path
    display: str
    object_form: bool  # a .json object name -> input: a row's bytes are its input only
    lines: bool  # rows have line numbers (.jsonl); .json items are located by file only
    stamp: tuple[int, int]  # size and mtime at load: a changed file is refused, not misread
    mapping: RowMapping | None = None  # how a row of another shape becomes a case
    rows: tuple[JSON, ...] | None = None  # CSV and YAML rows, held parsed: offset = row index


class FixtureIndex:
    """Where each fixture case lies: file, byte offset and length, line; names in one blob."""

    def __init__(self) -> None:
        self.files: list[FixtureFile] = []
        self.file_ids = array("H")
        self.offsets = array("Q")
        self.lengths = array("I")
        self.lines = array("I")
        self.names = bytearray()
        self.ends = array("Q")  # end of each name in `names` (names hold no newline)
        self._slots = array("q", [-1]) * 1024  # a hash set of positions: see `add`
        self._fds: dict[int, int] = {}
        # The last block read ahead: its file, offset and bytes (one, whatever the files: a
        # run reads them one after the other).
        self._block: tuple[int, int, bytes] | None = None
        self._last_end: dict[int, int] = {}  # per file: where the last row read ended
        self._lock = threading.Lock()
        # Per file: the sha256 of its bytes at load, and the size and mtime it is known to have
        # with those bytes (a file rewritten with the same bytes, by a target's build step that
        # regenerates it, is still the file loaded).
        self.digests: dict[int, bytes] = {}
        self._stamps: dict[int, tuple[int, int]] = {}

    def add_file(self, file: FixtureFile) -> int:
        self.files.append(file)
        return len(self.files) - 1

    def add(self, file_id: int, name: str, offset: int, length: int, line: int) -> bool:
        """Index one row; False (and nothing kept) when a row with this name exists."""
        if self._find(name) is not None:
            return False
        self.file_ids.append(file_id)
        self.offsets.append(offset)
        self.lengths.append(length)
        self.lines.append(line)
        self.names += name.encode("utf-8")
        self.ends.append(len(self.names))
        self._claim(name, len(self.ends) - 1)
        return True

    def seal(self) -> None:
        """Loading is over: the duplicate check's table is not needed any more."""
        self._slots = array("q", [-1])

    # A hash set of positions by open addressing, 8 bytes a slot: a set of 100k name strings
    # held ~10 MB while loading, more than everything the loader keeps.

    def _find(self, name: str) -> int | None:
        slots = self._slots
        mask = len(slots) - 1
        slot = hash(name) & mask
        while (taken := slots[slot]) >= 0:
            if self.name(taken) == name:
                return taken
            slot = (slot + 1) & mask
        return None

    def _claim(self, name: str, position: int) -> None:
        if 2 * (position + 1) > len(self._slots):
            self._slots = array("q", [-1]) * (2 * len(self._slots))
            for earlier in range(position):
                self._place(self.name(earlier), earlier)
        self._place(name, position)

    def _place(self, name: str, position: int) -> None:
        slots = self._slots
        mask = len(slots) - 1
        slot = hash(name) & mask
        while slots[slot] >= 0:
            slot = (slot + 1) & mask
        slots[slot] = position

    def __len__(self) -> int:
        return len(self.ends)

    def name(self, index: int) -> str:
        start = self.ends[index - 1] if index else 0
        return self.names[start : self.ends[index]].decode("utf-8")

    def location(self, index: int) -> Location:
        file = self.files[self.file_ids[index]]
        line = self.lines[index]
        return Location(file.display, line, 1 if line else 0)

    def case(self, index: int) -> Case:
        file = self.files[self.file_ids[index]]
        name = self.name(index)
        if file.rows is not None:
            value = file.rows[self.offsets[index]]
        else:
            data = self._read(self.file_ids[index], self.offsets[index], self.lengths[index])
            try:
                value = loads(data)
            except JsonDecodeError:
                raise _changed(file) from None
        if file.mapping is not None:
            fields = file.mapping.case_fields(value, self.lines[index])
            return Case(name=name, location=self.location(index), **fields)
        if file.object_form:
            return Case(name=name, location=self.location(index), input=value)
        if not isinstance(value, dict) or value.get("name") != name:
            raise _changed(file)
        variables = value.get("vars")
        stdin = value.get("stdin")
        skip, targets = value.get("skip"), value.get("targets")  # checked when loaded
        return Case(
            name=name,
            location=self.location(index),
            input=value.get("input"),
            stdin=stdin if isinstance(stdin, str) else None,
            vars=variables if isinstance(variables, dict) else {},
            skip=skip if isinstance(skip, str) else None,
            targets=tuple(str(t) for t in targets) if isinstance(targets, list) else None,
        )

    def _read(self, file_id: int, offset: int, length: int) -> bytes:
        """A row's bytes: from the block read ahead when it lies there, else read (ahead when
        rows are being read in file order: one `pread` for many rows, not one each)."""
        with self._lock:
            sequential = 0 <= offset - self._last_end.get(file_id, 0) <= _SEQUENTIAL_GAP
            self._last_end[file_id] = offset + length
            block = self._block
            if block is not None and block[0] == file_id:
                start = offset - block[1]
                if start >= 0 and start + length <= len(block[2]):
                    return block[2][start : start + length]
            fd = self._fd(file_id)
            data = os.pread(fd, max(length, _READ_AHEAD) if sequential else length, offset)
            # Checked on every read, not only at open: a file rewritten in place during the run
            # would otherwise be read at stale offsets (a replaced file keeps the old inode
            # open). Rows served from a block were read before this check passed.
            if not self._as_loaded(file_id, fd):
                self._block = None
                raise _changed(self.files[file_id])
            if len(data) > length:
                self._block = (file_id, offset, data)
            return data[:length]

    def _fd(self, file_id: int) -> int:
        """The file's descriptor, opened (and checked) once (the caller holds the lock)."""
        fd = self._fds.get(file_id)
        if fd is None:
            file = self.files[file_id]
            try:
                fd = os.open(file.path, os.O_RDONLY)
            except OSError as exc:
                raise SpecError(
                    f"cannot read {file.display}: {exc.strerror}", Location(file.display)
                ) from None
            if not self._as_loaded(file_id, fd):
                os.close(fd)
                raise _changed(file)
            self._fds[file_id] = fd
        return fd

    def _as_loaded(self, file_id: int, fd: int) -> bool:
        """The open file holds the bytes loaded: its size and mtime are, or its content is
        (then its new size and mtime are remembered: hashed once per rewrite)."""
        info = os.fstat(fd)
        stamp = (info.st_size, info.st_mtime_ns)
        if stamp == self._stamps.get(file_id, self.files[file_id].stamp):
            return True
        digest = self.digests.get(file_id)
        if digest is None or _sha256(fd) != digest:
            return False
        self._stamps[file_id] = stamp
        return True

    def close(self) -> None:
        with self._lock:
            fds, self._fds = self._fds, {}
            self._block = None
        for fd in fds.values():
            os.close(fd)

    def __del__(self) -> None:
        self.close()


def _sha256(fd: int) -> bytes:
    digest = hashlib.sha256()
    offset = 0
    while chunk := os.pread(fd, _READ_AHEAD, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.digest()


def _changed(file: FixtureFile) -> SpecError:
    return SpecError(
        f"{file.display} changed since the spec was loaded",
        Location(file.display),
        "something rewrote it during the run (a target's `build:` step, another process), and "
        "rows are read when their case runs: write it before the run, or have the build "
        "write another file",
    )


class CaseList(Sequence[Case]):
    """Inline cases first (as written), then fixture cases (in file and row order)."""

    def __init__(self, inline: Sequence[Case] = (), fixtures: FixtureIndex | None = None) -> None:
        self._inline = tuple(inline)
        self._fixtures = fixtures if fixtures is not None else FixtureIndex()

    def __len__(self) -> int:
        return len(self._inline) + len(self._fixtures)

    @overload
    def __getitem__(self, index: int) -> Case: ...

    @overload
    def __getitem__(self, index: slice) -> list[Case]: ...

    def __getitem__(self, index: int | slice) -> Case | list[Case]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        index = self._position(index)
        inline = len(self._inline)
        return self._inline[index] if index < inline else self._fixtures.case(index - inline)

    def __iter__(self) -> Iterator[Case]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{len(self)} cases>"

    def name(self, index: int) -> str:
        """A case's name without reading its row."""
        index = self._position(index)
        inline = len(self._inline)
        return self._inline[index].name if index < inline else self._fixtures.name(index - inline)

    @property
    def inline(self) -> tuple[Case, ...]:
        """The cases written in the spec itself (fixture rows carry no request overrides)."""
        return self._inline

    def names(self) -> Iterator[str]:
        for case in self._inline:
            yield case.name
        fixtures = self._fixtures
        for index in range(len(fixtures)):
            yield fixtures.name(index)

    def location(self, index: int) -> Location:
        index = self._position(index)
        inline = len(self._inline)
        if index < inline:
            return self._inline[index].location
        return self._fixtures.location(index - inline)

    @property
    def fixture_files(self) -> tuple[FixtureFile, ...]:
        """The fixture files the cases were read from (what a spec's fingerprint covers)."""
        return tuple(self._fixtures.files)

    def close(self) -> None:
        """Close the fixture files kept open for reading rows (also done when collected)."""
        self._fixtures.close()

    def _position(self, index: int) -> int:
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("case index out of range")
        return index
