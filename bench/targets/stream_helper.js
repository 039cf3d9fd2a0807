// Bench stream-mode helper: one JSON line in, one JSON line out, forever (docs/stream-mode.md).
"use strict";
const readline = require("readline");
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  const body = JSON.parse(line);
  process.stdout.write(
    JSON.stringify({ ok: true, kind: body && body.kind, echo: body, elapsed_ms: Math.random() }) + "\n",
  );
});
