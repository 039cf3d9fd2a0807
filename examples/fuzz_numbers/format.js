// Readings formatter, Node.js: one JSON reading per line in, the formatted reading out.
// JSON.parse reads every number as a double (integers beyond 2^53 are rounded) and
// JSON.stringify writes the shortest form JavaScript knows (`1`, `10000000000000000`, `0`).
"use strict";
const readline = require("readline");

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  const reading = JSON.parse(line);
  const values = reading.values;
  const formatted = { id: reading.id, values: values, count: values.length };
  process.stdout.write(JSON.stringify(formatted) + "\n");
});
