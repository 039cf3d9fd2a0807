// A `mode: stream` helper that writes stray lines on stdout: `node stray_helper.js HOW`.
// The same behaviours as stray_helper.py (twice, late, banner, tick, good).
const readline = require("readline");
const how = process.argv[2];
const say = (line) => process.stdout.write(line + "\n");
if (how === "banner") say('{"status": "ready"}');
if (how === "tick") setInterval(() => say('{"log": "tick"}'), 30).unref();
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  const c = JSON.parse(line);
  const answer = JSON.stringify({ v: c.v });
  say(answer);
  if (c.stray && how === "twice") say(answer);
  if (c.stray && how === "late") setTimeout(() => say(answer), 20);
});
