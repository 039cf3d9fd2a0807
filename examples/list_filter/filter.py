"""List filter helper (Python): {"items": [...], "tag": T, "sort": bool} on stdin; each item
carrying tag T on stdout, one JSON line each, in input order (or by name with "sort").
No item matches: nothing is printed (an empty stream)."""

import json
import sys

query = json.loads(sys.stdin.read())
found = [item for item in query["items"] if query["tag"] in item.get("tags", [])]
if query.get("sort"):
    found.sort(key=lambda item: item["name"])
for item in found:
    print(json.dumps(item, ensure_ascii=False))
