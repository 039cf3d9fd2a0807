"""One round of the large-body micro-benchmark (bench/README.md, "Large JSON bodies"): CPU
seconds of `elementwise.compare_documents` per scenario, and a hash of what it returned, as
one JSON line. Compare two checkouts by running it alternately with each on PYTHONPATH."""

from __future__ import annotations

import gc
import hashlib
import json
import time

from yamlparity.rules import normalize
from yamlparity.verdict import elementwise


def main() -> None:
    rows = [{"id": i, "name": f"x{i}", "vals": [i, i + 0.5, "s"]} for i in range(200_000)]
    big = json.dumps({"items": rows})
    for k in (10, 77_777, 150_001):
        rows[k]["vals"][1] = 0
    differing = json.dumps({"items": rows})
    rule = [(0, normalize.compile_rule("del(.items[].name)"))]
    scenarios = {
        "same": ({"a": big, "b": big}, {"a": [], "b": []}),
        "diff3": ({"a": big, "b": differing}, {"a": [], "b": []}),
        "same+del": ({"a": big, "b": big}, {"a": rule, "b": rule}),
    }
    out: dict[str, object] = {}
    for name, (texts, rules) in scenarios.items():
        gc.collect()
        start = time.process_time()
        docs = elementwise.compare_documents(texts, rules, 20)
        out[name] = round(time.process_time() - start, 3)
        stats = {
            target: {i: (s.counts, [repr(c) for c in s.samples]) for i, s in runs.items()}
            for target, runs in docs.stats.items()
        }
        seen = repr((docs.sparse, stats, docs.parsed_equal, sorted(docs.spines)))
        out[name + ":sig"] = hashlib.sha1(seen.encode()).hexdigest()[:12]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
