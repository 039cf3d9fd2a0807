"""A command helper with real noise: uuid4 ids, the wall clock, a counter kept in a file.

Reads {"user": N, "values": [...], "at": optional} on stdin. `--flavor NAME` changes the
stable `.record.id` prefix (two flavors = a real, stable divergence between targets);
`--counter FILE` adds `.seq`, incremented on every call; `--jitter` adds `.events`, an array
of random length (structural noise).
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import json
import random
import sys
import uuid
from pathlib import Path


def next_count(path: Path) -> int:
    # Cases run concurrently: the lock keeps the count a count, not a torn read.
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        count = int(handle.read() or 0) + 1
        handle.seek(0)
        handle.truncate()
        handle.write(str(count))
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flavor", default="a")
    parser.add_argument("--counter", type=Path)
    parser.add_argument("--jitter", action="store_true", help="an array of random length")
    args = parser.parse_args()
    data = json.load(sys.stdin)
    user = data.get("user", 1)
    request_id = str(uuid.uuid4())
    out = {
        "request_id": request_id,
        "at": data.get("at") or datetime.datetime.now(datetime.UTC).isoformat(),
        "links": [{"rel": "self", "request": request_id}],
        "trace": {"id": str(uuid.uuid4())},
        "span": {"id": str(uuid.uuid4())},
        "user": {"id": user},
        "record": {"id": f"{args.flavor}-{user}"},
        "sum": sum(data.get("values", [])),
    }
    if args.jitter:
        out["events"] = ["tick"] * random.randint(1, 50)
    if args.counter is not None:
        out["seq"] = next_count(args.counter)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
