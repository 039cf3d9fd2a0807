"""SessionRecord builder, Python runtime: one fixture JSON on stdin -> one record row on stdout."""

import json
import sys
from datetime import datetime, timezone

SCHEMA_VERSION = 2


def build_record(session: dict) -> dict:
    attempts = [
        {
            "iteration": attempt["iteration"],
            "verdict_kind": attempt["verdict_kind"],
            "error": attempt.get("error"),
            "span_id": attempt.get("span_id"),
        }
        for attempt in session.get("attempts", [])
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),  # noqa: UP017 (any Python 3)
        "daemon": "helper-python",
        "session_id": session["session_id"],
        "kind": session["kind"],
        "model": session["model"],
        "provider": session["provider"],
        "prompt": session["prompt"],
        "iterations": session["iterations"],
        "max_iterations": session["max_iterations"],
        "final_verdict": session["final_verdict"],
        "accepted": session["final_verdict"] == "accepted",
        "attempts": attempts,
        "attempt_count": len(attempts),
        "artifact": session.get("artifact"),
        "grounded_in_roster": session.get("grounded_in_roster", False),
        "duration_ms": session["duration_ms"],
    }


def main() -> int:
    try:
        session = json.load(sys.stdin)
        record = build_record(session)
    except (ValueError, KeyError, TypeError) as exc:
        print(f"helper-python: bad fixture: {exc!r}", file=sys.stderr)
        return 3
    # json.dumps escapes non-ASCII (\u00e9) by default: a different encoding, not a different value.
    sys.stdout.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
