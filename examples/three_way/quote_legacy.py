"""The legacy quote helper (Python, before the rewrite). Its deliberate quirk: Python's
round() rounds half to even, so a net of 12.5 cents becomes 12, where the contract says 13."""

import json
import sys
from fractions import Fraction

order = json.loads(sys.stdin.read())
lines = []
total = 0
for item in order["items"]:
    gross = item["qty"] * item["unit_cents"]
    net = round(Fraction(gross * (100 - item.get("discount_pct", 0)), 100))  # half to even
    lines.append({"sku": item["sku"], "qty": item["qty"], "net_cents": net})
    total += net
quote = {
    "currency": order["currency"],
    "lines": lines,
    "total_cents": total,
    "label": order.get("label", ""),
}
print(json.dumps(quote, ensure_ascii=False))
