// Bench process-mode helper: read all of stdin, write one JSON answer, exit. An optional
// argument (milliseconds) delays the answer: a helper waiting on a remote service.
"use strict";
const delay = Number(process.argv[2] || 0);
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const answer = JSON.stringify({ ok: true, kind: body && body.kind, echo: body, elapsed_ms: Math.random() }) + "\n";
  setTimeout(() => process.stdout.write(answer), delay);
});
