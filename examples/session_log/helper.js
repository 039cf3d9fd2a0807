// SessionRecord builder, Node.js runtime: one fixture JSON on stdin -> one record row on stdout.
"use strict";

const SCHEMA_VERSION = 2;

function buildRecord(session) {
  const attempts = (session.attempts || []).map((attempt) => ({
    iteration: attempt.iteration,
    verdict_kind: attempt.verdict_kind,
    span_id: attempt.span_id === undefined ? null : attempt.span_id,
    error: attempt.error === undefined ? null : attempt.error,
  }));
  for (const key of ["session_id", "kind", "model", "provider", "prompt", "iterations",
                     "max_iterations", "final_verdict", "duration_ms"]) {
    if (!(key in session)) throw new Error(`missing ${key}`);
  }
  // Field order differs from the Python helper on purpose: key order is not a difference.
  return {
    daemon: "helper-node",
    session_id: session.session_id,
    final_verdict: session.final_verdict,
    accepted: session.final_verdict === "accepted",
    kind: session.kind,
    model: session.model,
    provider: session.provider,
    prompt: session.prompt,
    iterations: session.iterations,
    max_iterations: session.max_iterations,
    attempt_count: attempts.length,
    attempts,
    artifact: session.artifact === undefined ? null : session.artifact,
    grounded_in_roster: session.grounded_in_roster === undefined ? false : session.grounded_in_roster,
    duration_ms: session.duration_ms,
    schema_version: SCHEMA_VERSION,
    timestamp: new Date().toISOString(),
  };
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  let record;
  try {
    record = buildRecord(JSON.parse(input));
  } catch (err) {
    process.stderr.write(`helper-node: bad fixture: ${err.message}\n`);
    process.exit(3);
  }
  process.stdout.write(JSON.stringify(record) + "\n");
});
