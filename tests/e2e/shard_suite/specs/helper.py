"""Two implementations of one contract, chosen by argv[1] (`left` or `right`): they agree
except where a case's `kind` asks them not to. Deterministic: no clock, no randomness.
With SHARD_SUITE_LOG set, each call appends its side and input to that file."""

import json
import os
import sys

side = sys.argv[1]
case = json.loads(sys.stdin.read())
if os.environ.get("SHARD_SUITE_LOG"):  # the order cases ran in (--failed-first tests)
    with open(os.environ["SHARD_SUITE_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps([side, case]) + "\n")
kind = case.get("kind", "plain")
n = case.get("n", 0)
out = {"n": n, "square": n * n, "ok": kind != "bad", "ts": f"{side}-{n}"}
if kind == "float" and side == "right":
    out["square"] = float(n * n)  # 4.0 against 4: a DIFF
elif kind == "known" and side == "right":
    out["square"] = n * n + 1  # declared under `known:`
elif kind == "crash" and side == "right":
    sys.exit(3)  # an ERROR
elif kind == "unicode":
    out["label"] = case["label"]
elif kind == "big":
    items = list(range(n))
    if side == "right":
        items[-1] = -1  # one element of a >1 MB output
    out["items"] = items
print(json.dumps(out))
