"""A command helper with real noise: uuid4 ids, the wall clock, a counter kept in a file.

Reads {"user": N, "values": [...], "at": optional} on stdin. `--flavor NAME` changes the
stable `.record.id` prefix (two flavors = a real, stable divergence between targets);
`--counter FILE` adds `.seq`, incremented on every call; `--jitter` adds `.events`, an array
of random length (structural noise).

It is started ~190 times a test run: it imports only what it needs (argparse, random, uuid and
pathlib cost ~12 ms of CPU at each start, more than the rest of its work). Its ids are
uuid4's (16 random bytes with the version and variant bits set, as uuid.uuid4() makes them).
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import sys


def parse_args(argv: list[str]) -> dict[str, str | bool | None]:
    """`--flavor NAME`, `--counter FILE` (or `--name=VALUE`) and `--jitter`; anything else is
    a usage error (exit 2), as argparse would make it."""
    args: dict[str, str | bool | None] = {"flavor": "a", "counter": None, "jitter": False}
    rest = list(argv)
    while rest:
        word = rest.pop(0)
        name, equals, value = word.partition("=")
        if name == "--jitter" and not equals:
            args["jitter"] = True
        elif name in ("--flavor", "--counter") and (equals or rest):
            args[name[2:]] = value if equals else rest.pop(0)
        else:
            usage = "usage: noisy_helper.py [--flavor NAME] [--counter FILE] [--jitter]"
            sys.stderr.write(f"{usage}\nnoisy_helper.py: error: unrecognized arguments: {word}\n")
            raise SystemExit(2)
    return args


def uuid4() -> str:
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def next_count(path: str) -> int:
    # Cases run concurrently: the lock keeps the count a count, not a torn read.
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        count = int(handle.read() or 0) + 1
        handle.seek(0)
        handle.truncate()
        handle.write(str(count))
    return count


def main() -> None:
    args = parse_args(sys.argv[1:])
    data = json.load(sys.stdin)
    user = data.get("user", 1)
    request_id = uuid4()
    out = {
        "request_id": request_id,
        "at": data.get("at") or datetime.datetime.now(datetime.UTC).isoformat(),
        "links": [{"rel": "self", "request": request_id}],
        "trace": {"id": uuid4()},
        "span": {"id": uuid4()},
        "user": {"id": user},
        "record": {"id": f"{args['flavor']}-{user}"},
        "sum": sum(data.get("values", [])),
    }
    if args["jitter"]:
        out["events"] = ["tick"] * (1 + int.from_bytes(os.urandom(4), "big") % 50)  # 1 to 50
    if args["counter"] is not None:
        out["seq"] = next_count(str(args["counter"]))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
