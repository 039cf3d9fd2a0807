"""A `mode: stream` helper that writes stray lines on stdout: `python3 stray_helper.py HOW`.

It answers each input line {"v": V, ...} with {"v": V}. HOW says how it strays:
`twice` answers a case whose input has "stray": true twice, back to back; `late` writes the
second answer 20 ms after the first; `banner` writes the JSON line {"status": "ready"} at
start; `tick` writes {"log": "tick"} every 30 ms from a timer thread. `good` never strays.
"""

import json
import sys
import threading
import time

HOW = sys.argv[1]
lock = threading.Lock()


def say(line: str) -> None:
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def tick() -> None:
    while True:
        time.sleep(0.03)
        say('{"log": "tick"}')


if HOW == "banner":
    say('{"status": "ready"}')
if HOW == "tick":
    threading.Thread(target=tick, daemon=True).start()
for line in sys.stdin:
    case = json.loads(line)
    answer = json.dumps({"v": case["v"]})
    say(answer)
    if case.get("stray") and HOW == "twice":
        say(answer)
    if case.get("stray") and HOW == "late":
        time.sleep(0.02)
        say(answer)
