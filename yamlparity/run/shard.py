"""Which selected cases one runner takes (`--shard K/N`), computed alike on every runner.

A case is known by a stable id, its spec's name and its own name, never by its position: a
case added to a fixture file does not shift the others. Two ways to split:

- by hash (the default): each id goes to a shard chosen by a jump consistent hash of the id
  (Lamping & Veach, 2014). A case's shard depends on its id and N only, so adding or removing
  a case moves no other case, and going from N to N+1 shards moves 1/(N+1) of them (the fewest
  any split can move). Shards hold about M/N cases each, give or take sqrt(M/N).
- by measured time (`--durations`): longest processing time first. Cases are sorted by their
  duration in an earlier run (longest first, ties by id) and each goes to the shard with the
  least time so far (ties: the lowest shard). Cases the earlier run did not have count as its
  mean. Every runner sorts the same ids and adds the same floats in the same order, so every
  runner computes the same split.

No I/O and no clock: a split is a pure function of the ids, N and the durations.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from yamlparity.core.errors import UsageError

MAX_SHARDS = 4096  # more runners than this is a typo (and `array("H")` holds the shard numbers)
_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `total`, both counted from 1 as CI systems number their jobs."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def parse_shard(text: str) -> Shard:
    """`2/4` -> Shard(2, 4); anything else is a usage error that says what is expected."""
    found = _SHARD.fullmatch(text)
    if found is None:
        raise UsageError(f"--shard takes K/N (this runner's shard K of N, from 1), got {text!r}")
    index, total = int(found.group(1)), int(found.group(2))
    if not 1 <= total <= MAX_SHARDS:
        raise UsageError(f"--shard {text}: N must be between 1 and {MAX_SHARDS}")
    if not 1 <= index <= total:
        raise UsageError(f"--shard {text}: K must be between 1 and N ({total})")
    return Shard(index, total)


def case_key(spec: str, case: str) -> int:
    """A case id as 64 bits: the same on every machine and Python (unlike `hash()`)."""
    data = f"{spec}\x00{case}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def jump_bucket(key: int, buckets: int) -> int:
    """Jump consistent hash: a bucket in [0, buckets) for a 64-bit key. When `buckets` grows
    by one, a key either stays or moves to the new bucket. The float arithmetic is IEEE 754
    double, so every platform computes the same buckets."""
    bucket, jump = -1, 0
    while jump < buckets:
        bucket = jump
        key = (key * 2862933555777941757 + 1) & _MASK64
        jump = int((bucket + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return bucket


def hash_shard(spec: str, case: str, total: int) -> int:
    """The shard (from 1) a case goes to in a split by hash."""
    return jump_bucket(case_key(spec, case), total) + 1


Durations = Mapping[str, Mapping[str, float]]  # spec name -> case name -> seconds


def balance(
    cases: Sequence[tuple[str, Sequence[str]]], durations: Durations, total: int
) -> list[array[int]]:
    """A split by measured time: for each spec in `cases` (its name and its selected case
    names), the shard (from 1) of each case, in the order given. See the module docstring."""
    known = [s for name, names in cases for s in _known(durations.get(name, {}), names)]
    default = sum(known) / len(known) if known else 1.0
    order: list[tuple[float, str, str, int, int]] = []
    for spec_index, (name, names) in enumerate(cases):
        measured = durations.get(name, {})
        for case_index, case in enumerate(names):
            seconds = measured.get(case)
            order.append(
                (-(default if seconds is None else seconds), name, case, spec_index, case_index)
            )
    order.sort()
    shards = [array("H", bytes(2 * len(names))) for _, names in cases]
    loads = [(0.0, shard) for shard in range(total)]  # a heap: least time, then lowest shard
    for negative, _, _, spec_index, case_index in order:
        load, shard = loads[0]
        heapq.heapreplace(loads, (load - negative, shard))
        shards[spec_index][case_index] = shard + 1
    return shards


def _known(measured: Mapping[str, float], names: Iterable[str]) -> Iterable[float]:
    return (measured[n] for n in names if n in measured)


def shard_filter(
    shard: Shard, spec: str, names: Sequence[str], balanced: array[int] | None
) -> Callable[[int], bool]:
    """Whether the case at index i of `names` (one spec's selection) belongs to `shard`."""
    if balanced is not None:
        return lambda i: balanced[i] == shard.index
    return lambda i: hash_shard(spec, names[i], shard.total) == shard.index
