// Latency summary, Node.js runtime: {"id", "samples_ms": [...]} on stdin -> summary JSON.
"use strict";
let input = "";
process.stdin.on("data", (c) => { input += c; });
process.stdin.on("end", () => {
  const payload = JSON.parse(input); // ids above 2^53 are rounded here
  const samples = payload.samples_ms;
  const summary = {
    id: payload.id,
    count: samples.length,
    mean_ms: samples.reduce((a, b) => a + b, 0) / samples.length, // 2.0 is written "2"
    max_ms: Math.max(...samples),
    tags: payload.tags || [],
  };
  process.stdout.write(JSON.stringify(summary));
});
