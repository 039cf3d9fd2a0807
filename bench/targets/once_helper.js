// Bench process-mode helper: read all of stdin, write one JSON answer, exit.
"use strict";
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  process.stdout.write(JSON.stringify({ ok: true, kind: body && body.kind, echo: body, elapsed_ms: Math.random() }) + "\n");
});
