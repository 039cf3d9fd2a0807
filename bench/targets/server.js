// Bench HTTP target: POST /v1/echo answers {"ok", "kind", "echo", "n_keys", "elapsed_ms"}.
// Built-in `http` only, keep-alive on; cheap on purpose so the runner is what is measured.
// Usage: node server.js PORT [DELAY_MS]   (prints "listening on PORT" once it accepts
// connections; DELAY_MS: every echo answers that much later, as a slow service would)
"use strict";
const http = require("http");

const port = Number(process.argv[2] || 0);
const delay = Number(process.argv[3] || 0);
const server = http.createServer((req, res) => {
  if (req.url === "/health") {
    res.end("ok");
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch (e) {
      res.statusCode = 400;
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ ok: false, error: "bad json" }));
      return;
    }
    const out = JSON.stringify({
      ok: true,
      kind: body && body.kind,
      echo: body,
      n_keys: body && typeof body === "object" ? Object.keys(body).length : 0,
      elapsed_ms: Math.random(),
    });
    const answer = () => {
      res.setHeader("Content-Type", "application/json");
      res.setHeader("Content-Length", Buffer.byteLength(out));
      res.end(out);
    };
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, "127.0.0.1", () => {
  console.log(`listening on ${server.address().port}`);
});
// The bench holds our stdin open; when it exits or is killed the pipe closes: so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
