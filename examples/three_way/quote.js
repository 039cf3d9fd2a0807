// Price quote helper (Node): the same contract. JSON.parse reads every number as a double,
// so a quantity above 2^53 silently changes — the quirk the three-way report shows.
let data = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (data += chunk));
process.stdin.on("end", () => {
  const order = JSON.parse(data);
  const lines = [];
  let total = 0;
  for (const item of order.items) {
    const gross = item.qty * item.unit_cents;
    const net = Math.round((gross * (100 - (item.discount_pct || 0))) / 100);
    lines.push({ sku: item.sku, qty: item.qty, net_cents: net });
    total += net;
  }
  const quote = { currency: order.currency, lines, total_cents: total, label: order.label || "" };
  process.stdout.write(JSON.stringify(quote) + "\n");
});
