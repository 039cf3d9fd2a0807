"""A line-per-case helper for `mode: stream`: `python3 stream_helper.py MODE`.

For each input line {"n": N, ...} it answers {"n": N, "pid": PID}. Misbehaviour by input:
{"die": true} exits with code 7 before answering; {"twice": true} answers two lines;
{"sleep": S} sleeps S seconds first; {"garbage": true} answers a non-JSON line;
{"warn": S} writes a warning line (not JSON) on stdout, then its answer S seconds later;
{"noise": N} first logs N short numbered lines on stderr; {"nonl": true} answers without
the newline (flushed), and {"nonl": "exit"} then exits with code 0.
"""

import json
import os
import sys
import time

for line in sys.stdin:
    request = json.loads(line)
    if "noise" in request:
        noise = (f"log line {i} of noisy stderr\n" for i in range(request["noise"]))
        sys.stderr.write("".join(noise))
        sys.stderr.flush()
    if request.get("die"):
        sys.stderr.write("fatal: asked to die\n")
        sys.stderr.flush()
        sys.exit(7)
    if request.get("nonl"):
        sys.stdout.write(json.dumps({"n": request.get("n")}))
        sys.stdout.flush()
        if request["nonl"] == "exit":
            sys.exit(0)
        continue
    if "warn" in request:
        sys.stdout.write("warning: this input is odd\n")
        sys.stdout.flush()
        time.sleep(request["warn"])
    if "sleep" in request:
        time.sleep(request["sleep"])
    if request.get("garbage"):
        sys.stdout.write("not json at all\n")
    else:
        answer = json.dumps({"n": request.get("n"), "pid": os.getpid()})
        sys.stdout.write(answer + "\n")
        if request.get("twice"):
            sys.stdout.write(answer + "\n")
    sys.stdout.flush()
