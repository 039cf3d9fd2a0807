// Bench large-body target: GET/POST anything answers a pre-built JSON body of about SIZE MB.
// Usage: node big_server.js PORT SIZE_MB VARIANT  (VARIANT changes one leaf, so bodies differ)
"use strict";
const http = require("http");
const port = Number(process.argv[2] || 0);
const sizeMb = Number(process.argv[3] || 20);
const variant = Number(process.argv[4] || 0);
const rows = [];
let approx = 0;
for (let i = 0; approx < sizeMb * 1024 * 1024; i++) {
  const row = { id: i, name: `row-${i}`, ts: 1700000000 + i, tags: ["a", "b", i % 7], nested: { ts: i, v: i * 1.5, s: "x".repeat(20) } };
  if (variant && i === 12345) row.name = "changed";
  rows.push(row);
  approx += 150;
}
const out = Buffer.from(JSON.stringify({ elapsed_ms: Math.random(), rows }));
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.setHeader("Content-Type", "application/json");
    res.setHeader("Content-Length", out.length);
    res.end(out);
  });
});
server.listen(port, "127.0.0.1", () => console.log(`listening on ${server.address().port} (${out.length} bytes)`));
// The bench holds our stdin open; when it exits or is killed the pipe closes: so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
