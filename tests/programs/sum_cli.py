"""The command side of the mixed-kinds tests (tests/e2e/test_mixed_kinds.py): reads {"payload": P}
on stdin, prints the answer to P on stdout, exits as a CLI would.

{"a": 1, "b": 2}         -> {"sum": 3, "served_by": "cli"}, exit 0
{"greet": "x"}           -> {"greeting": "hello x"} (the HTTP side says "Hello x": a DIFF)
{"bad": true}            -> {"error": "bad input"}, exit 2 (the HTTP side: 400, same body)
{"strict": true}         -> {"ok": true}, exit 0 (the HTTP side refuses it: 422)
{"crash": "cli"}         -> nothing on stdout, exit 3 (an ERROR on this side)
{"crash": "http"}        -> {"sum": 0} (the HTTP side answers 500)
"""

import json
import sys

data = json.loads(sys.stdin.read())["payload"]  # the spec's `stdin:` wraps the case input
if data.get("crash") == "cli":
    sys.stderr.write("boom\n")
    sys.exit(3)
if data.get("crash") == "http":
    print(json.dumps({"sum": 0}))  # the HTTP side crashes on this one
    sys.exit(0)
if data.get("bad"):
    print(json.dumps({"error": "bad input"}))
    sys.exit(2)
if data.get("strict"):
    print(json.dumps({"ok": True}))
elif "greet" in data:
    print(json.dumps({"greeting": f"hello {data['greet']}"}))
else:
    print(json.dumps({"sum": data["a"] + data["b"], "served_by": "cli"}))
