"""The split every runner computes alike: by hash (stable ids, few moves) or by durations (LPT)."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter

import pytest

from yamlparity.core.errors import UsageError
from yamlparity.run.shard import Shard, balance, hash_shard, jump_bucket, parse_shard

CASES = [f"case_{i:05d}" for i in range(4000)]


@pytest.mark.parametrize(("text", "shard"), [("1/4", Shard(1, 4)), (" 4 / 4 ", Shard(4, 4))])
def test_shard_arguments(text: str, shard: Shard) -> None:
    assert parse_shard(text) == shard


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/4", "K must be between 1 and N (4)"),
        ("5/4", "K must be between 1 and N (4)"),
        ("1/0", "N must be between 1 and 4096"),
        ("1/5000", "N must be between 1 and 4096"),
        ("2", "--shard takes K/N"),
        ("a/b", "--shard takes K/N"),
        ("-1/4", "--shard takes K/N"),
    ],
)
def test_bad_shard_arguments_say_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_shard(text)


def test_the_hash_split_is_pinned() -> None:
    """Runners with different yamlparity versions must split alike: a change of the hash or
    of the case id is a change of the split, and this test says so."""
    got = [hash_shard("validator", name, 4) for name in ("playbook_happy", "fill_phantom", "é")]
    assert got == [PINNED["playbook_happy"], PINNED["fill_phantom"], PINNED["é"]]


PINNED = {"playbook_happy": 2, "fill_phantom": 1, "é": 2}


def test_every_runner_computes_the_same_split() -> None:
    """Another process, with another string-hash seed, gives the same shards."""
    code = (
        "from yamlparity.run.shard import hash_shard\n"
        f"print([hash_shard('s', f'case_{{i:05d}}', 7) for i in range({len(CASES)})])"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "", **_pythonpath()},
        timeout=120,
        check=True,
    )
    assert other.stdout.strip() == str([hash_shard("s", name, 7) for name in CASES])


def _pythonpath() -> dict[str, str]:
    import os

    return {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}


@pytest.mark.parametrize("total", [1, 2, 3, 4, 8, 16])
def test_each_case_goes_to_one_shard_and_shards_are_even(total: int) -> None:
    counts = Counter(hash_shard("s", name, total) for name in CASES)
    assert set(counts) == set(range(1, total + 1))
    mean = len(CASES) / total
    # Binomial spread: a few standard deviations of sqrt(M/N) at most.
    assert all(abs(count - mean) <= 4 * mean**0.5 for count in counts.values()), counts


def test_adding_a_case_moves_no_other_case() -> None:
    before = {name: hash_shard("s", name, 4) for name in CASES}
    after = {name: hash_shard("s", name, 4) for name in [*CASES, "a_new_case"]}
    assert all(after[name] == shard for name, shard in before.items())


def test_one_more_shard_moves_about_one_case_in_n_plus_one_and_only_to_it() -> None:
    for total in (2, 4, 8):
        moved = [n for n in CASES if hash_shard("s", n, total) != hash_shard("s", n, total + 1)]
        assert all(hash_shard("s", n, total + 1) == total + 1 for n in moved)
        expected = len(CASES) / (total + 1)
        assert abs(len(moved) - expected) <= 4 * expected**0.5, (total, len(moved))


@pytest.mark.parametrize(
    ("key", "buckets", "bucket"),
    [(0, 60, 0), (1, 60, 55), (2, 60, 46), (1, 1, 0), (42, 57, 43), (256, 1024, 520),
     (0xDEAD10CC, 1, 0), (0xDEAD10CC, 666, 361)],
)  # fmt: skip
def test_jump_bucket_gives_the_reference_values(key: int, buckets: int, bucket: int) -> None:
    """Test vectors other implementations of Lamping & Veach (2014) publish."""
    assert jump_bucket(key, buckets) == bucket


# ---------------------------------------------------------------- split by durations


def skewed(seed: int = 7, count: int = 600) -> dict[str, float]:
    """A long tail: the median case takes 12 ms, the mean 67 ms, a few take 2 s (a timeout)."""
    rng = random.Random(seed)
    return {f"c{i:04d}": round(min(2.0, 0.005 / (rng.random() ** 1.2)), 6) for i in range(count)}


def test_the_durations_split_is_within_ten_percent_of_the_mean_on_a_skewed_suite() -> None:
    measured = skewed()
    names = sorted(measured)
    assert max(measured.values()) > 25 * (sum(measured.values()) / len(measured))  # skewed
    for total in (2, 4, 8):
        (shards,) = balance([("s", names)], {"s": measured}, total)
        loads = Counter[int]()
        for name, shard in zip(names, shards, strict=True):
            loads[shard] += measured[name]  # type: ignore[assignment]
        mean = sum(measured.values()) / total
        assert max(abs(load - mean) / mean for load in loads.values()) <= 0.10, (total, loads)


def test_the_hash_split_alone_is_not_balanced_on_the_same_suite() -> None:
    """Why --durations exists: by count, the same skewed suite is far from even in time."""
    measured = skewed()
    loads = Counter[int]()
    for name, seconds in measured.items():
        loads[hash_shard("s", name, 4)] += seconds  # type: ignore[assignment]
    mean = sum(measured.values()) / 4
    assert max(abs(load - mean) / mean for load in loads.values()) > 0.10


def test_the_durations_split_ignores_input_order_and_covers_every_case() -> None:
    measured = skewed(count=200)
    names = sorted(measured)
    shuffled = names[:]
    random.Random(3).shuffle(shuffled)
    (a,) = balance([("s", names)], {"s": measured}, 3)
    (b,) = balance([("s", shuffled)], {"s": measured}, 3)
    assert dict(zip(names, a, strict=True)) == dict(zip(shuffled, b, strict=True))
    assert set(a) == {1, 2, 3}


def test_cases_without_a_measurement_count_as_the_mean_and_ties_go_by_id() -> None:
    durations = {"s": {"a": 3.0, "b": 1.0}}
    (shards,) = balance([("s", ["a", "b", "new_1", "new_2"])], durations, 2)
    # a (3s) -> 1; then b, new_1, new_2 at the mean (2s, 2s) and b (1s): new_1 -> 2 (0 < 3),
    # new_2 -> 2? no: loads are 3 and 2, so new_2 -> 2 (2 < 3), then b -> 1 (3 < 4).
    assert dict(zip(["a", "b", "new_1", "new_2"], shards, strict=True)) == {
        "a": 1,
        "new_1": 2,
        "new_2": 2,
        "b": 1,
    }


def test_the_durations_split_spans_specs() -> None:
    durations = {"x": {"long": 10.0}, "y": {"one": 5.0, "two": 5.0}}
    shards = balance([("x", ["long"]), ("y", ["one", "two"])], durations, 2)
    assert [list(s) for s in shards] == [[1], [2, 2]]
