"""Price quote helper (Python): one order on stdin, one quote on stdout.

Rounding: half up, on integer cents (the contract). Quantities are exact integers.
"""

import json
import sys
from decimal import ROUND_HALF_UP, Decimal

order = json.loads(sys.stdin.read())
lines = []
total = 0
for item in order["items"]:
    gross = item["qty"] * item["unit_cents"]
    net = int(
        (Decimal(gross) * (100 - item.get("discount_pct", 0)) / 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )
    lines.append({"sku": item["sku"], "qty": item["qty"], "net_cents": net})
    total += net
quote = {
    "currency": order["currency"],
    "lines": lines,
    "total_cents": total,
    "label": order.get("label", ""),
}
print(json.dumps(quote, ensure_ascii=False))
