// Validator service, Node runtime: POST /v1/validate, GET /health (built-in `http` only).
//
// Same rules, same order as server.py; only the error wire format differs. Errors are flat
// exported fields, the way a Go struct serializes:
//     {"Kind": "schema", "Field": "fingerprint", "Reason": "missing"}
//
// Usage: node server.js PORT      (prints "listening on PORT" once it accepts connections)
"use strict";

const http = require("http");

const ROSTER = { "W-1": "Ada Byrne", "W-2": "Bo Lindqvist", "W-3": "Cy Okafor" };
const OPERATION = /^fill: ([^\n]+) x([0-9]+) in ([^\n]+)$/;

const isInt = (v) => typeof v === "number" && Number.isInteger(v);
const isText = (v) => typeof v === "string" && v !== "";
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

function validatePlaybook(artifact) {
  const errors = [];
  const operation = artifact.operation;
  let names = artifact.endorsed_names;
  if (!has(artifact, "operation")) errors.push(["schema", "operation", "missing"]);
  else if (!isText(operation)) errors.push(["schema", "operation", "must be a non-empty string"]);
  if (!has(artifact, "fingerprint")) errors.push(["schema", "fingerprint", "missing"]);
  else if (!isText(artifact.fingerprint)) {
    errors.push(["schema", "fingerprint", "must be a non-empty string"]);
  }
  if (!has(artifact, "endorsed_names")) errors.push(["schema", "endorsed_names", "missing"]);
  else if (!Array.isArray(names) || !names.every(isText)) {
    errors.push(["schema", "endorsed_names", "must be a list of non-empty strings"]);
    names = null;
  }
  let count = artifact.target_count;
  if (has(artifact, "target_count") && (!isInt(count) || count < 1)) {
    errors.push(["schema", "target_count", "must be a positive integer"]);
    count = null;
  }
  let wanted = null;
  if (isText(operation)) {
    const match = OPERATION.exec(operation);
    if (!operation.startsWith("fill:")) {
      errors.push(["consistency", "operation", "only fill operations are supported"]);
    } else if (match === null) {
      errors.push(["schema", "operation", "expected 'fill: ROLE xN in CITY'"]);
    } else {
      wanted = parseInt(match[2], 10);
    }
  }
  if (isInt(count) && wanted !== null && count !== wanted) {
    errors.push(["consistency", "target_count", `is ${count} but the operation asks ${wanted}`]);
  }
  const limit = isInt(count) ? count : wanted;
  if (Array.isArray(names)) {
    if (names.length === 0) errors.push(["completeness", "endorsed_names", "empty"]);
    else if (limit !== null && names.length > limit) {
      errors.push(["consistency", "endorsed_names", `more names than slots (${names.length} > ${limit})`]);
    } else if (limit !== null && names.length < limit) {
      errors.push(["completeness", "endorsed_names", `fewer names than slots (${names.length} < ${limit})`]);
    }
    if (new Set(names).size !== names.length) {
      errors.push(["consistency", "endorsed_names", "duplicate names"]);
    }
  }
  return errors;
}

function validateFill(artifact, context) {
  const errors = [];
  let fills = artifact.fills;
  if (!Array.isArray(fills)) {
    errors.push(["schema", "fills", has(artifact, "fills") ? "must be a list" : "missing"]);
    fills = [];
  }
  fills.forEach((fill, i) => {
    const where = `fills[${i}]`;
    if (!isObject(fill)) {
      errors.push(["schema", where, "must be an object"]);
      return;
    }
    const cid = fill.candidate_id;
    if (!isText(cid)) errors.push(["schema", `${where}.candidate_id`, "missing"]);
    else if (!has(ROSTER, cid)) {
      errors.push(["consistency", `${where}.candidate_id`, `unknown candidate ${cid}`]);
    } else if (fill.name !== ROSTER[cid]) {
      errors.push(["consistency", `${where}.name`, `does not match candidate ${cid}`]);
    }
  });
  if (context === undefined || context === null) {
    errors.push(["completeness", "context", "missing"]);
  } else if (!isObject(context)) {
    errors.push(["schema", "context", "must be an object"]);
  } else {
    const count = context.target_count;
    if (!isInt(count) || count < 1) {
      errors.push(["schema", "context.target_count", "must be a positive integer"]);
    } else if (fills.length !== count) {
      errors.push(["completeness", "fills", `${fills.length} fills for target_count ${count}`]);
    }
    for (const key of ["city", "client_id"]) {
      if (!isText(context[key])) errors.push(["schema", `context.${key}`, "missing"]);
    }
  }
  return errors;
}

function validate(request) {
  if (!isObject(request)) return [["schema", "request", "must be an object"]];
  const { kind, artifact } = request;
  if (kind !== "playbook" && kind !== "fill") {
    return [["schema", "kind", "must be playbook or fill"]];
  }
  if (!isObject(artifact)) return [["schema", "artifact", "must be an object"]];
  return kind === "playbook" ? validatePlaybook(artifact) : validateFill(artifact, request.context);
}

// Flat exported fields: {"Kind": ..., "Field": ..., "Reason": ...}.
const wire = ([kind, field, reason]) => ({ Kind: kind, Field: field, Reason: reason });

function reply(res, status, value) {
  const data = Buffer.from(JSON.stringify(value), "utf8");
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": data.length });
  res.end(data);
}

function answer(res, status, errors, started) {
  const elapsedMs = Math.round(Number(process.hrtime.bigint() - started) / 1e3) / 1e3;
  reply(res, status, { ok: errors.length === 0, errors: errors.map(wire), elapsed_ms: elapsedMs });
}

const server = http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    if (req.method === "GET" && req.url === "/health") return reply(res, 200, { status: "ok" });
    if (req.method !== "POST" || req.url !== "/v1/validate") {
      return reply(res, 404, { error: "not found" });
    }
    let request;
    try {
      request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch (err) {
      return answer(res, 400, [["schema", "body", "invalid JSON"]], started);
    }
    const errors = validate(request);
    return answer(res, errors.length ? 422 : 200, errors, started);
  });
});

const port = parseInt(process.argv[2], 10);
process.on("SIGTERM", () => process.exit(0));
server.listen(port, "127.0.0.1", () => console.log(`listening on ${port}`));
