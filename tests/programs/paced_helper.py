"""A helper whose pace and answer each case sets per target: `paced_helper.py NAME [--stream]`.

The case input is {"n": N, "plan": {NAME: {...}}}; this helper follows the entry under its own
NAME (none: answer at once). Keys: "sleep" seconds before answering, "exit" a code to exit with
(nothing printed), "value" what to answer instead of the default, "empty" print nothing.
{"touch": PREFIX} in the input makes every helper that runs the case create PREFIX.NAME.
It answers {"n": N, "value": ...} as one JSON line. With --stream it serves one case per line
(`mode: stream`); otherwise it reads its whole stdin and answers once.
"""

import json
import sys
import time

NAME = sys.argv[1]
STREAM = "--stream" in sys.argv[2:]


def answer(line: str) -> None:
    request = json.loads(line)
    if "touch" in request:
        open(f"{request['touch']}.{NAME}", "w").close()  # proof that it ran
    plan = request.get("plan", {}).get(NAME, {})
    time.sleep(plan.get("sleep", 0))
    if "exit" in plan:
        sys.stderr.write(f"{NAME}: exiting with {plan['exit']} as planned\n")
        sys.stderr.flush()
        sys.exit(plan["exit"])
    if plan.get("empty"):
        sys.stdout.write("\n" if STREAM else "")
    else:
        value = plan.get("value", "ok")
        sys.stdout.write(json.dumps({"n": request.get("n"), "value": value}) + "\n")
    sys.stdout.flush()


if STREAM:
    for line in sys.stdin:
        answer(line)
else:
    answer(sys.stdin.read())
