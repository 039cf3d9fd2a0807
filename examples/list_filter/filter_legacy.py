"""The legacy list filter: the same contract, but it reads ASCII only (a non-ASCII input makes
it exit 3) and knows nothing of "sort" (it keeps input order)."""

import json
import sys

raw = sys.stdin.buffer.read()
try:
    text = raw.decode("ascii")
except UnicodeDecodeError:
    sys.stderr.write("legacy filter: non-ASCII input\n")
    sys.exit(3)
query = json.loads(text)
for item in query["items"]:
    if query["tag"] in item.get("tags", []):
        print(json.dumps(item))
