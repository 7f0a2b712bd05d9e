'use strict';
// Decodes an OTLP/HTTP JSON trace export with the official opentelemetry-proto schema
// (the protobufjs module generated from it that @opentelemetry/otlp-transformer ships),
// not with the agent's own code.
//
// Usage: node decode.js <body.json> [<expect.json>]
//
// 1. Checks the OTLP JSON mapping rules protobuf's own JSON reader is lenient about:
//    ids are lowercase hex, enums are integers, 64-bit integers are decimal strings.
// 2. Maps OTLP JSON to protobuf JSON (hex ids -> bytes) and builds the message with
//    ExportTraceServiceRequest.fromObject, then verify().
// 3. Encodes to protobuf binary and decodes it again; the result must equal the input,
//    so no field was unknown to the schema or of the wrong type.
// 4. With <expect.json>, compares resource attributes, scope and every span (ids, kind,
//    times, status, attributes, events) with what decoded.
// Prints "otlp-decode: OK ..." and exits 0, or prints the problems and exits 1.

const fs = require('fs');
const assert = require('assert');
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');

const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);
const INT64_FIELDS = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'intValue']);
const ENUM_FIELDS = new Set(['kind', 'code']);
const problems = [];

function problem(msg) {
  problems.push(msg);
}

// Checks the OTLP-specific JSON rules and converts hex ids to bytes.
function toProtoJson(value, path) {
  if (Array.isArray(value)) return value.map((v, i) => toProtoJson(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, v] of Object.entries(value)) {
    const where = `${path}.${key}`;
    if (ID_FIELDS.has(key)) {
      const len = key === 'traceId' ? 32 : 16;
      if (typeof v !== 'string' || !new RegExp(`^[0-9a-f]{${len}}$`).test(v)) {
        problem(`${where}: want ${len} lowercase hex digits, got ${JSON.stringify(v)}`);
      }
      out[key] = Buffer.from(String(v), 'hex');
    } else if (INT64_FIELDS.has(key)) {
      if (typeof v !== 'string' || !/^-?[0-9]+$/.test(v)) {
        problem(`${where}: want a decimal string, got ${JSON.stringify(v)}`);
      }
      out[key] = v;
    } else if (ENUM_FIELDS.has(key) && typeof v !== 'object') {
      if (!Number.isInteger(v)) problem(`${where}: want an integer enum, got ${JSON.stringify(v)}`);
      out[key] = v;
    } else {
      out[key] = toProtoJson(v, where);
    }
  }
  return out;
}

// Decoded message -> plain object with hex ids, string int64 and integer enums.
function toPlain(message) {
  const obj = Request.toObject(message, {longs: String, enums: Number, bytes: String, json: true});
  const hexify = (v) => {
    if (Array.isArray(v)) return v.map(hexify);
    if (v === null || typeof v !== 'object') return v;
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = ID_FIELDS.has(k) ? Buffer.from(x, 'base64').toString('hex') : hexify(x);
    }
    return out;
  };
  return hexify(obj);
}

// Repeated fields have no presence in proto3: an empty array equals an absent one.
function withoutEmptyArrays(value) {
  if (Array.isArray(value)) return value.map(withoutEmptyArrays);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(Array.isArray(v) && v.length === 0)) out[k] = withoutEmptyArrays(v);
  }
  return out;
}

function attributeMap(attributes) {
  const map = {};
  for (const a of attributes || []) map[a.key] = a.value;
  return map;
}

function compareExpected(decoded, expect) {
  const resourceSpans = decoded.resourceSpans || [];
  if (resourceSpans.length !== 1) return problem(`want 1 resourceSpans, got ${resourceSpans.length}`);
  const rs = resourceSpans[0];
  const resource = attributeMap(rs.resource && rs.resource.attributes);
  for (const [key, want] of Object.entries(expect.resource || {})) {
    const got = resource[key] && resource[key].stringValue;
    if (got !== want) problem(`resource ${key}: want ${want}, got ${JSON.stringify(resource[key])}`);
  }
  const scopeSpans = rs.scopeSpans || [];
  if (scopeSpans.length !== 1) return problem(`want 1 scopeSpans, got ${scopeSpans.length}`);
  if (expect.scope && (!scopeSpans[0].scope || scopeSpans[0].scope.name !== expect.scope)) {
    problem(`scope name: want ${expect.scope}, got ${JSON.stringify(scopeSpans[0].scope)}`);
  }
  const spans = scopeSpans[0].spans || [];
  if (expect.spans && spans.length !== expect.spans.length) {
    problem(`want ${expect.spans.length} spans, got ${spans.length}`);
  }
  for (const want of expect.spans || []) {
    const got = spans.find((s) => s.spanId === want.spanId);
    if (!got) {
      problem(`span ${want.name} (${want.spanId}) missing`);
      continue;
    }
    const tag = `span ${want.name}`;
    for (const field of ['name', 'traceId', 'kind', 'startTimeUnixNano', 'endTimeUnixNano']) {
      if (got[field] !== want[field]) {
        problem(`${tag} ${field}: want ${JSON.stringify(want[field])}, got ${JSON.stringify(got[field])}`);
      }
    }
    const parent = got.parentSpanId || '';
    if (parent !== (want.parentSpanId || '')) {
      problem(`${tag} parentSpanId: want ${want.parentSpanId}, got ${parent}`);
    }
    const status = got.status || {};
    const wantStatus = want.status || {};
    if ((status.code || 0) !== (wantStatus.code || 0) ||
        (status.message || '') !== (wantStatus.message || '')) {
      problem(`${tag} status: want ${JSON.stringify(wantStatus)}, got ${JSON.stringify(status)}`);
    }
    const attrs = attributeMap(got.attributes);
    for (const [key, value] of Object.entries(want.attributes || {})) {
      try {
        assert.deepStrictEqual(attrs[key], value);
      } catch (e) {
        problem(`${tag} attribute ${key}: want ${JSON.stringify(value)}, got ${JSON.stringify(attrs[key])}`);
      }
    }
    const events = (got.events || []).map((e) => e.name);
    try {
      assert.deepStrictEqual(events, want.events || []);
    } catch (e) {
      problem(`${tag} events: want ${JSON.stringify(want.events)}, got ${JSON.stringify(events)}`);
    }
  }
}

function main() {
  const [bodyPath, expectPath] = process.argv.slice(2);
  if (!bodyPath) {
    console.error('usage: node decode.js <body.json> [<expect.json>]');
    process.exit(2);
  }
  const input = JSON.parse(fs.readFileSync(bodyPath, 'utf8'));
  const protoJson = toProtoJson(input, '$');
  const message = Request.fromObject(protoJson);
  const err = Request.verify(message);
  if (err) problem(`verify: ${err}`);
  const decoded = Request.decode(Request.encode(message).finish());
  const plain = toPlain(decoded);
  try {
    assert.deepStrictEqual(plain, withoutEmptyArrays(input));
  } catch (e) {
    problem(`protobuf round trip differs from the body (unknown or mistyped field?):\n${e.message}`);
  }
  if (expectPath) compareExpected(plain, JSON.parse(fs.readFileSync(expectPath, 'utf8')));
  if (problems.length > 0) {
    for (const p of problems) console.log(`otlp-decode: ${p}`);
    process.exit(1);
  }
  const spans = plain.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans || []));
  console.log(`otlp-decode: OK ${spans.length} spans`);
}

main();
