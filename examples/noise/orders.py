"""An order-pricing helper with real noise: a random request id, the clock, a per-call counter.

`--runtime NAME` is what a rewrite would change; it must not show in the priced order.
"""

from __future__ import annotations

import datetime
import json
import sys
import uuid


def main() -> None:
    order = json.load(sys.stdin)
    request_id = str(uuid.uuid4())
    total = sum(item["qty"] * item["price_cents"] for item in order["items"])
    json.dump(
        {
            "request_id": request_id,
            "priced_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "order": {"id": order["id"], "total_cents": total},
            "audit": {"request": request_id, "runtime": sys.argv[1]},
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
