"""One command target with many faults: the case input picks one, faulty.py performs it.

`python3 fault_dispatch.py` reads {"mode": MODE, "arg": ARG?} on stdin and becomes
`faulty.py MODE [ARG]` (exec, same pid and process group) with the input on its stdin.
`python3 fault_dispatch.py --calm` is the well-behaved twin: it prints what a correct
implementation would, so only the faults differ.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
data = sys.stdin.buffer.read()
request = json.loads(data)
mode = request["mode"]

if "--calm" in sys.argv:
    # drip's slow output, once complete, is this; every other mode answers with its name.
    sys.stdout.write(json.dumps({"slow": True} if mode == "drip" else {"mode": mode}))
    sys.exit(0)

if mode == "echo":
    sys.stdout.write(json.dumps({"mode": mode}))
    sys.exit(0)

# Hand the input on through a pipe (it is small: far below a pipe's buffer).
read_end, write_end = os.pipe()
os.write(write_end, data)
os.close(write_end)
os.dup2(read_end, 0)
os.close(read_end)
argv = [sys.executable, os.path.join(HERE, "faulty.py"), mode]
if "arg" in request:
    argv.append(request["arg"])
os.execv(sys.executable, argv)
