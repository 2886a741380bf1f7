// OTLP/JSON ExportTraceServiceRequest → SpanRow[] (the OTLP/JSON mapping: hex ids, int64 as
// strings or numbers, enums as ints or names, lowerCamelCase keys; snake_case accepted too,
// unknown fields ignored). Produces exactly the rows the protobuf decoder produces.
import type { AttributeType, DecodedBatch, SpanKindName, SpanRow, StatusCodeName } from '../../lib/store/rows.js';
import { canonicalI64, canonicalU64, encodeAnyValue, type AnyValue } from '../../lib/store/anyvalue.js';
import {
  BatchBuilder,
  DecodeError,
  SPAN_KINDS,
  STATUS_CODES,
  clampDropped,
  decimalDiff,
  newRow,
  resourceContext,
  scopeContext,
  spanTypeKey,
  truncateValue,
  type DecodeLimits,
  type DecodeOptions,
  type ResourceContext,
} from './decode.js';

export type Obj = Record<string, unknown>;

/** Decodes an OTLP/JSON body; throws DecodeError when it is not valid JSON or not a request. */
export function decodeJsonTraces(body: string | Uint8Array, opts: DecodeOptions = {}): DecodedBatch {
  let text: string;
  let bytes: number;
  if (typeof body === 'string') {
    text = body;
    bytes = Buffer.byteLength(body);
  } else {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    text = buf.toString('utf8');
    bytes = buf.length;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new DecodeError('the body must be a JSON object (ExportTraceServiceRequest)');
  const batch = new BatchBuilder(bytes, opts);
  current = batch;
  limits = batch.limits;
  const resourceSpans = list(doc, 'resourceSpans', 'resource_spans', '');
  for (let i = 0; i < resourceSpans.length; i++) {
    decodeResourceSpans(object(resourceSpans[i], `resourceSpans[${i}]`), `resourceSpans[${i}]`, batch);
  }
  return batch.result();
}

// The request being decoded and its limits (decoding is synchronous: one request at a time).
let current: BatchBuilder;
let limits: DecodeLimits;

function decodeResourceSpans(rs: Obj, path: string, batch: BatchBuilder): void {
  const attributes: Record<string, string> = {};
  const types: Record<string, AttributeType> = {};
  const res = optionalObject(rs.resource, `${path}.resource`);
  if (res) readAttributes(res, attributes, types, 'resource.', `${path}.resource`);
  const resource = resourceContext(attributes, types);
  const scopeSpans = list(rs, 'scopeSpans', 'scope_spans', path);
  for (let i = 0; i < scopeSpans.length; i++) {
    const p = `${path}.scopeSpans[${i}]`;
    decodeScopeSpans(object(scopeSpans[i], p), p, batch, resource);
  }
}

function decodeScopeSpans(ss: Obj, path: string, batch: BatchBuilder, resource: ResourceContext): void {
  const scope = optionalObject(ss.scope, `${path}.scope`);
  const scopeName = scope ? str(scope.name, `${path}.scope.name`) : '';
  const scopeVersion = scope ? str(scope.version, `${path}.scope.version`) : '';
  const scopeAttributes: Record<string, string> = {};
  const scopeTypes: Record<string, AttributeType> = {};
  if (scope) readAttributes(scope, scopeAttributes, scopeTypes, 'scope.', `${path}.scope`);
  const scopeCtx = scopeContext(resource, scopeName, scopeVersion, scopeAttributes, scopeTypes);
  const spans = list(ss, 'spans', 'spans', path);
  for (let i = 0; i < spans.length; i++) {
    if (!batch.admitSpan()) continue; // over the spans-per-request limit: counted, the request is refused
    const p = `${path}.spans[${i}]`;
    const row = newRow(scopeCtx);
    const invalid = decodeSpan(object(spans[i], p), p, row);
    if (invalid) batch.reject(`span ${JSON.stringify(row.span_name.slice(0, 100))} (${p}): ${invalid}`);
    else batch.finish(row);
  }
}

/** Fills the row; returns why the span's ids are unusable ('' when they are hex). */
function decodeSpan(s: Obj, path: string, row: SpanRow): string {
  let invalid = '';
  const hexId = (value: unknown, name: string): string => {
    const h = hex(value, `${path}.${name}`);
    if (h === null && invalid === '') invalid = `${name} is not hex`;
    return h ?? '';
  };
  row.trace_id = hexId(get(s, 'traceId', 'trace_id'), 'traceId');
  row.span_id = hexId(get(s, 'spanId', 'span_id'), 'spanId');
  row.parent_span_id = hexId(get(s, 'parentSpanId', 'parent_span_id'), 'parentSpanId');
  row.trace_state = str(get(s, 'traceState', 'trace_state'), `${path}.traceState`);
  row.flags = uint32(s.flags, `${path}.flags`);
  row.span_name = str(s.name, `${path}.name`);
  row.span_kind = enumName(s.kind, SPAN_KINDS, 'SPAN_KIND_', `${path}.kind`) as SpanKindName;
  const start = u64(get(s, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`);
  const end = u64(get(s, 'endTimeUnixNano', 'end_time_unix_nano'), `${path}.endTimeUnixNano`);
  row.timestamp = start;
  row.duration_ns = decimalDiff(end, start);
  const droppedAttributes = readAttributes(s, row.span_attributes, row.attribute_types, 'span.', path, limits.attributesPerSpan);
  if (droppedAttributes > 0) current.limitHits.attributes_per_span++;
  row.dropped_attributes_count = uint32(get(s, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.droppedAttributesCount`) + droppedAttributes;

  const events = list(s, 'events', 'events', path);
  const keptEvents = Math.min(events.length, limits.eventsPerSpan);
  if (keptEvents < events.length) current.limitHits.events_per_span++;
  row.dropped_events_count = uint32(get(s, 'droppedEventsCount', 'dropped_events_count'), `${path}.droppedEventsCount`) + events.length - keptEvents;
  for (let i = 0; i < keptEvents; i++) {
    const p = `${path}.events[${i}]`;
    const e = object(events[i], p);
    const attributes: Record<string, string> = {};
    row['events.timestamp'].push(u64(get(e, 'timeUnixNano', 'time_unix_nano'), `${p}.timeUnixNano`));
    row['events.name'].push(str(e.name, `${p}.name`));
    readAttributes(e, attributes, row.attribute_types, `event.${i}.`, p);
    row['events.attributes'].push(attributes);
  }

  const links = list(s, 'links', 'links', path);
  const keptLinks = Math.min(links.length, limits.linksPerSpan);
  if (keptLinks < links.length) current.limitHits.links_per_span++;
  row.dropped_links_count = uint32(get(s, 'droppedLinksCount', 'dropped_links_count'), `${path}.droppedLinksCount`) + links.length - keptLinks;
  for (let i = 0; i < keptLinks; i++) {
    const p = `${path}.links[${i}]`;
    const l = object(links[i], p);
    const attributes: Record<string, string> = {};
    row['links.trace_id'].push(hexId(get(l, 'traceId', 'trace_id'), `links[${i}].traceId`));
    row['links.span_id'].push(hexId(get(l, 'spanId', 'span_id'), `links[${i}].spanId`));
    row['links.trace_state'].push(str(get(l, 'traceState', 'trace_state'), `${p}.traceState`));
    readAttributes(l, attributes, row.attribute_types, `link.${i}.`, p);
    row['links.attributes'].push(attributes);
  }

  const status = optionalObject(s.status, `${path}.status`);
  if (status) {
    row.status_code = enumName(status.code, STATUS_CODES, 'STATUS_CODE_', `${path}.status.code`) as StatusCodeName;
    row.status_message = str(status.message, `${path}.status.message`);
  }
  clampDropped(row);
  return invalid;
}

// ── attributes ──

function readAttributes(
  holder: Obj,
  map: Record<string, string>,
  types: Record<string, AttributeType>,
  prefix: string,
  path: string,
  max = Infinity,
): number {
  const kvs = list(holder, 'attributes', 'attributes', path);
  const kept = Math.min(kvs.length, max);
  for (let i = 0; i < kept; i++) {
    const p = `${path}.attributes[${i}]`;
    const kv = object(kvs[i], p);
    const key = str(kv.key, `${p}.key`);
    let { value, type } = encodeAnyValue(anyValue(kv.value, `${p}.value`));
    if (value.length > limits.attributeValueLength) {
      // cut to a string value: a cut array, kvlist or bytes value would no longer parse as its type
      value = truncateValue(value, limits.attributeValueLength);
      type = undefined;
      current.limitHits.attribute_value_length++;
    }
    if (type !== undefined) types[prefix === 'span.' ? spanTypeKey(key) : prefix + key] = type;
    else if (map[key] !== undefined) delete types[prefix + key]; // a repeated key: the last value wins
    map[key] = value;
  }
  return kvs.length - kept;
}

const MAX_NESTING = 64;

/** Validates an OTLP/JSON AnyValue into its canonical form (int64 and base64 canonical, doubles exact). */
function anyValue(v: unknown, path: string, depth = 0): AnyValue {
  if (v === undefined || v === null) return {};
  if (depth > MAX_NESTING) throw new DecodeError(`${path}: attribute values nested deeper than ${MAX_NESTING} levels`);
  const o = object(v, path);
  // oneof: the JSON mapping allows one; take the first present, in field order
  let x: unknown;
  if ((x = get(o, 'stringValue', 'string_value')) != null) return { stringValue: str(x, `${path}.stringValue`) };
  if ((x = get(o, 'boolValue', 'bool_value')) != null) {
    if (typeof x !== 'boolean') throw new DecodeError(`${path}.boolValue must be true or false`);
    return { boolValue: x };
  }
  if ((x = get(o, 'intValue', 'int_value')) != null) return { intValue: i64(x, `${path}.intValue`) };
  if ((x = get(o, 'doubleValue', 'double_value')) != null) return { doubleValue: double(x, `${path}.doubleValue`) };
  if ((x = get(o, 'arrayValue', 'array_value')) != null) {
    const p = `${path}.arrayValue`;
    const values = list(object(x, p), 'values', 'values', p);
    return { arrayValue: { values: values.map((e, i) => anyValue(e, `${p}.values[${i}]`, depth + 1)) } };
  }
  if ((x = get(o, 'kvlistValue', 'kvlist_value')) != null) {
    const p = `${path}.kvlistValue`;
    const values = list(object(x, p), 'values', 'values', p);
    return {
      kvlistValue: {
        values: values.map((e, i) => {
          const kv = object(e, `${p}.values[${i}]`);
          return { key: str(kv.key, `${p}.values[${i}].key`), value: anyValue(kv.value, `${p}.values[${i}].value`, depth + 1) };
        }),
      },
    };
  }
  if ((x = get(o, 'bytesValue', 'bytes_value')) != null) {
    if (typeof x !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(x)) throw new DecodeError(`${path}.bytesValue must be base64`);
    return { bytesValue: Buffer.from(x, 'base64').toString('base64') };
  }
  return {};
}

// ── field readers (absent / null = the default value; a wrong type is a DecodeError naming the path;
// exported for the metrics decoder, metrics-json.ts) ──

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function get(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v !== undefined ? v : o[snake];
}

export function object(v: unknown, path: string): Obj {
  if (!isObject(v)) throw new DecodeError(`${path || 'the body'} must be an object`);
  return v;
}

export function optionalObject(v: unknown, path: string): Obj | undefined {
  return v === undefined || v === null ? undefined : object(v, path);
}

export function list(o: Obj, camel: string, snake: string, path: string): unknown[] {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DecodeError(`${path ? path + '.' : ''}${camel} must be an array`);
  return v;
}

export function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new DecodeError(`${path} must be a string`);
  return v;
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** A lowercase hex id, '' when absent, null when not hex. */
function hex(v: unknown, path: string): string | null {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new DecodeError(`${path} must be a hex string`);
  if (HEX.test(v)) return v;
  const lower = v.toLowerCase();
  return HEX.test(lower) ? lower : null;
}

export function u64(v: unknown, path: string): string {
  if (v === undefined || v === null) return '0';
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v < 2 ** 64) return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
  } else if (typeof v === 'string') {
    const c = canonicalU64(v);
    if (c !== null) return c;
  }
  throw new DecodeError(`${path} must be an unsigned 64-bit integer (string or number), got ${JSON.stringify(v)}`);
}

export function i64(v: unknown, path: string): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
  } else if (typeof v === 'string') {
    const c = canonicalI64(v);
    if (c !== null) return c;
  }
  throw new DecodeError(`${path} must be a 64-bit integer (string or number), got ${JSON.stringify(v)}`);
}

export function uint32(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return n;
  throw new DecodeError(`${path} must be an unsigned 32-bit integer, got ${JSON.stringify(v)}`);
}

export function double(v: unknown, path: string): number | 'NaN' | 'Infinity' | '-Infinity' {
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new DecodeError(`${path} must be a number, "NaN", "Infinity" or "-Infinity", got ${JSON.stringify(v)}`);
}

/** An enum given as its number or its name (with or without the prefix); unknown values → index 0. */
export function enumName(v: unknown, names: readonly string[], prefix: string, path: string): string {
  if (v === undefined || v === null) return names[0]!;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new DecodeError(`${path} must be an enum number or name, got ${v}`);
    return names[v] ?? names[0]!;
  }
  if (typeof v === 'string') {
    const name = v.startsWith(prefix) ? v.slice(prefix.length) : v;
    if (names.includes(name)) return name;
    if (/^\d+$/.test(v)) return names[Number(v)] ?? names[0]!;
    return names[0]!;
  }
  throw new DecodeError(`${path} must be an enum number or name, got ${JSON.stringify(v)}`);
}
