// OTLP/protobuf ExportTraceServiceRequest → SpanRow[], straight off the wire with protobufjs's
// Reader (field numbers of opentelemetry/proto/{collector/trace,trace,common,resource}/v1).
// No intermediate object tree: each span is decoded into its row; 64-bit values stay exact.
//
// Sub-messages are bounded by narrowing `reader.len` to their end, so every protobufjs read
// beyond a truncated or lying length prefix throws, and we turn that into a DecodeError.
import protobuf from 'protobufjs/minimal.js';
import type { AttributeType, DecodedBatch, SpanRow } from '../../lib/store/rows.js';
import { element, formatDouble, kvlistBody } from '../../lib/store/anyvalue.js';
import {
  BatchBuilder,
  DecodeError,
  SPAN_KINDS,
  STATUS_CODES,
  clampDropped,
  i64ToDecimal,
  truncateValue,
  newRow,
  resourceContext,
  scopeContext,
  spanTypeKey,
  u64DiffToDecimal,
  u64ToDecimal,
  type DecodeLimits,
  type DecodeOptions,
  type ResourceContext,
} from './decode.js';
import { decodingErrors, enter, F, skipField, type Reader } from './wire.js';

/** Node's Buffer slice methods (present on every Buffer, not in @types/node). */
type NodeBuffer = Buffer & {
  hexSlice(start: number, end: number): string;
  base64Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
};

// Bit masks of the fields each message decodes (wire.ts F): a known field with the wrong wire type is an error.
const REQUEST_FIELDS = F(1);
const RESOURCE_SPANS_FIELDS = F(1, 2);
const RESOURCE_FIELDS = F(1);
const SCOPE_SPANS_FIELDS = F(1, 2);
const SCOPE_FIELDS = F(1, 2);
const SPAN_FIELDS = F(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
const EVENT_FIELDS = F(1, 2, 3);
const LINK_FIELDS = F(1, 2, 3, 4);
const STATUS_FIELDS = F(2, 3);
const KEY_VALUE_FIELDS = F(1, 2);
const ANY_VALUE_FIELDS = F(1, 2, 3, 4, 5, 6, 7);
const LIST_FIELDS = F(1); // ArrayValue and KeyValueList

/** Decodes an ExportTraceServiceRequest; throws DecodeError when the body is not one. */
export function decodeProtoTraces(input: Uint8Array, opts: DecodeOptions = {}): DecodedBatch {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const r = protobuf.Reader.create(buf);
  const batch = new BatchBuilder(buf.length, opts);
  nesting = 0;
  current = batch;
  limits = batch.limits;
  decodingErrors(r, buf.length, () => {
    while (r.pos < r.len) {
      const tag = r.tag();
      if (tag === 10) {
        const outer = r.len;
        r.len = enter(r);
        decodeResourceSpans(r, batch);
        r.len = outer;
      } else skipField(r, tag, REQUEST_FIELDS, 'ExportTraceServiceRequest');
    }
  });
  return batch.result();
}

// Attribute keys, span names and short values repeat across spans. Decoding them through a small
// direct-mapped cache (ASCII only: then byte i is char code i) skips a native utf8Slice call per
// string and hands V8 the same string again, whose hash is already known when used as a map key.
const CACHE_BITS = 12;
const stringCache: (string | undefined)[] = new Array(1 << CACHE_BITS).fill(undefined);
const MAX_CACHED_LENGTH = 48;

/** A length-delimited string field, through the cache when short and ASCII. */
function readString(r: Reader): string {
  const end = enter(r);
  const buf = r.buf;
  const start = r.pos;
  const len = end - start;
  r.pos = end;
  if (len === 0) return '';
  if (len > MAX_CACHED_LENGTH) return (buf as NodeBuffer).utf8Slice(start, end);
  // hash a few bytes only; the comparison below checks them all
  let h = Math.imul(len ^ buf[start]!, 0x9e3779b1);
  h = Math.imul(h ^ buf[end - 1]!, 0x85ebca6b);
  h = Math.imul(h ^ buf[start + (len >> 1)]!, 0xc2b2ae35);
  h = Math.imul(h ^ buf[start + (len >> 2)]!, 0x27d4eb2f);
  const slot = (h ^ (h >>> 15)) >>> (32 - CACHE_BITS);
  const cached = stringCache[slot];
  if (cached !== undefined && cached.length === len) {
    let i = 0;
    while (i < len && cached.charCodeAt(i) === buf[start + i]) i++;
    if (i === len) return cached; // equal to an ASCII string, so ASCII itself
  }
  for (let i = start; i < end; i++) if (buf[i]! > 0x7f) return (buf as NodeBuffer).utf8Slice(start, end);
  const s = (buf as NodeBuffer).latin1Slice(start, end);
  stringCache[slot] = s;
  return s;
}

/** Bytes field as lowercase hex. */
function readHex(r: Reader): string {
  const end = enter(r);
  const start = r.pos;
  r.pos = end;
  return end === start ? '' : (r.buf as NodeBuffer).hexSlice(start, end);
}

function readBase64(r: Reader): string {
  const end = enter(r);
  const start = r.pos;
  r.pos = end;
  return end === start ? '' : (r.buf as NodeBuffer).base64Slice(start, end);
}

// fixed64 halves and varint64 halves are returned through these (no allocation per value)
let lo64 = 0;
let hi64 = 0;

function readFixed64(r: Reader): void {
  lo64 = r.fixed32();
  hi64 = r.fixed32();
}

function readVarint64(r: Reader): void {
  const buf = r.buf;
  const end = r.len;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  let b = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) throw new RangeError(`index out of range: varint at ${r.pos} runs past ${end}`);
    b = buf[pos++]!;
    lo |= (b & 127) << shift;
    if (b < 128) {
      lo64 = lo >>> 0;
      hi64 = 0;
      r.pos = pos;
      return;
    }
  }
  if (pos >= end) throw new RangeError(`index out of range: varint at ${r.pos} runs past ${end}`);
  b = buf[pos++]!;
  lo |= (b & 15) << 28;
  hi = (b & 127) >> 4;
  if (b >= 128) {
    for (let shift = 3; ; shift += 7) {
      if (shift > 31) throw new DecodeError(`invalid protobuf at byte ${r.pos}: varint longer than 10 bytes`);
      if (pos >= end) throw new RangeError(`index out of range: varint at ${r.pos} runs past ${end}`);
      b = buf[pos++]!;
      hi |= (b & 127) << shift;
      if (b < 128) break;
    }
  }
  lo64 = lo >>> 0;
  hi64 = hi >>> 0;
  r.pos = pos;
}

// The request being decoded and its limits (decoding is synchronous: one request at a time).
let current: BatchBuilder;
let limits: DecodeLimits;

// ── resource / scope ──

function decodeResourceSpans(r: Reader, batch: BatchBuilder): void {
  // The resource may follow its scope_spans on the wire: read it first, then the spans.
  const start = r.pos;
  let attributes: Record<string, string> = {};
  let types: Record<string, AttributeType> = {};
  let sawScopeSpans = false;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 10) {
      const outer = r.len;
      r.len = enter(r);
      while (r.pos < r.len) {
        const t = r.tag();
        if (t === 10) readKeyValue(r, attributes, types, 'resource.');
        else skipField(r, t, RESOURCE_FIELDS, 'Resource');
      }
      r.len = outer;
    } else if (tag === 18) {
      sawScopeSpans = true;
      r.skip(r.size());
    } else skipField(r, tag, RESOURCE_SPANS_FIELDS, 'ResourceSpans');
  }
  if (!sawScopeSpans) return;
  const resource = resourceContext(attributes, types);
  r.pos = start;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 18) {
      const outer = r.len;
      r.len = enter(r);
      decodeScopeSpans(r, batch, resource);
      r.len = outer;
    } else r.skipType(tag & 7); // already validated above
  }
}

function decodeScopeSpans(r: Reader, batch: BatchBuilder, resource: ResourceContext): void {
  const start = r.pos;
  let scopeName = '';
  let scopeVersion = '';
  let scopeAttributes: Record<string, string> | undefined;
  let scopeTypes: Record<string, AttributeType> | undefined;
  let sawSpans = false;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 10) {
      const outer = r.len;
      r.len = enter(r);
      while (r.pos < r.len) {
        const t = r.tag();
        if (t === 10) scopeName = readString(r);
        else if (t === 18) scopeVersion = readString(r);
        else if (t === 26) readKeyValue(r, (scopeAttributes ??= {}), (scopeTypes ??= {}), 'scope.');
        else skipField(r, t, SCOPE_FIELDS, 'InstrumentationScope');
      }
      r.len = outer;
    } else if (tag === 18) {
      sawSpans = true;
      r.skip(r.size());
    } else skipField(r, tag, SCOPE_SPANS_FIELDS, 'ScopeSpans');
  }
  if (!sawSpans) return;
  const scope = scopeContext(resource, scopeName, scopeVersion, scopeAttributes, scopeTypes);
  r.pos = start;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 18) {
      if (!batch.admitSpan()) {
        r.pos = enter(r); // over the spans-per-request limit: only counted, the request is refused
        continue;
      }
      const outer = r.len;
      r.len = enter(r);
      const row = newRow(scope);
      decodeSpan(r, row);
      r.len = outer;
      batch.finish(row);
    } else r.skipType(tag & 7);
  }
}

// ── span ──

function decodeSpan(r: Reader, row: SpanRow): void {
  let sLo = 0;
  let sHi = 0;
  let eLo = 0;
  let eHi = 0;
  // entries kept and cut by the per-span limits (a repeated key counts as an entry)
  let attributes = 0;
  let cut = false;
  let eventsCut = false;
  let linksCut = false;
  while (r.pos < r.len) {
    const tag = r.tag();
    switch (tag) {
      case 10: // 1 trace_id
        row.trace_id = readHex(r);
        break;
      case 18: // 2 span_id
        row.span_id = readHex(r);
        break;
      case 26: // 3 trace_state
        row.trace_state = readString(r);
        break;
      case 34: // 4 parent_span_id
        row.parent_span_id = readHex(r);
        break;
      case 42: // 5 name
        row.span_name = readString(r);
        break;
      case 48: // 6 kind
        row.span_kind = SPAN_KINDS[r.int32()] ?? 'UNSPECIFIED';
        break;
      case 57: // 7 start_time_unix_nano
        readFixed64(r);
        sLo = lo64;
        sHi = hi64;
        break;
      case 65: // 8 end_time_unix_nano
        readFixed64(r);
        eLo = lo64;
        eHi = hi64;
        break;
      case 74: // 9 attributes
        if (attributes < limits.attributesPerSpan) {
          readKeyValue(r, row.span_attributes, row.attribute_types, 'span.');
          attributes++;
        } else {
          r.pos = enter(r);
          row.dropped_attributes_count++;
          if (!cut) current.limitHits.attributes_per_span++;
          cut = true;
        }
        break;
      case 80: // 10 dropped_attributes_count (the sender's own)
        row.dropped_attributes_count += r.uint32();
        break;
      case 90: { // 11 events
        if (row['events.name'].length >= limits.eventsPerSpan) {
          r.pos = enter(r);
          row.dropped_events_count++;
          if (!eventsCut) current.limitHits.events_per_span++;
          eventsCut = true;
          break;
        }
        const outer = r.len;
        r.len = enter(r);
        decodeEvent(r, row);
        r.len = outer;
        break;
      }
      case 96: // 12 dropped_events_count
        row.dropped_events_count += r.uint32();
        break;
      case 106: { // 13 links
        if (row['links.trace_id'].length >= limits.linksPerSpan) {
          r.pos = enter(r);
          if (!linksCut) current.limitHits.links_per_span++;
          row.dropped_links_count++;
          linksCut = true;
          break;
        }
        const outer = r.len;
        r.len = enter(r);
        decodeLink(r, row);
        r.len = outer;
        break;
      }
      case 112: // 14 dropped_links_count
        row.dropped_links_count += r.uint32();
        break;
      case 122: { // 15 status
        const outer = r.len;
        r.len = enter(r);
        while (r.pos < r.len) {
          const t = r.tag();
          if (t === 18) row.status_message = readString(r);
          else if (t === 24) row.status_code = STATUS_CODES[r.int32()] ?? 'UNSET';
          else skipField(r, t, STATUS_FIELDS, 'Status');
        }
        r.len = outer;
        break;
      }
      case 133: // 16 flags
        row.flags = r.fixed32();
        break;
      default:
        skipField(r, tag, SPAN_FIELDS, 'Span');
    }
  }
  row.timestamp = u64ToDecimal(sLo, sHi);
  row.duration_ns = u64DiffToDecimal(eLo, eHi, sLo, sHi);
  if (row.dropped_attributes_count + row.dropped_events_count + row.dropped_links_count > 0) clampDropped(row);
}

function decodeEvent(r: Reader, row: SpanRow): void {
  const index = row['events.name'].length;
  const attributes: Record<string, string> = {};
  let name = '';
  let lo = 0;
  let hi = 0;
  let prefix = '';
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 9) {
      readFixed64(r);
      lo = lo64;
      hi = hi64;
    } else if (tag === 18) name = readString(r);
    else if (tag === 26) readKeyValue(r, attributes, row.attribute_types, prefix || (prefix = `event.${index}.`));
    else skipField(r, tag, EVENT_FIELDS, 'Span.Event');
  }
  row['events.timestamp'].push(u64ToDecimal(lo, hi));
  row['events.name'].push(name);
  row['events.attributes'].push(attributes);
}

function decodeLink(r: Reader, row: SpanRow): void {
  const index = row['links.trace_id'].length;
  const attributes: Record<string, string> = {};
  let traceId = '';
  let spanId = '';
  let traceState = '';
  let prefix = '';
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 10) traceId = readHex(r);
    else if (tag === 18) spanId = readHex(r);
    else if (tag === 26) traceState = readString(r);
    else if (tag === 34) readKeyValue(r, attributes, row.attribute_types, prefix || (prefix = `link.${index}.`));
    else skipField(r, tag, LINK_FIELDS, 'Span.Link');
  }
  row['links.trace_id'].push(traceId);
  row['links.span_id'].push(spanId);
  row['links.trace_state'].push(traceState);
  row['links.attributes'].push(attributes);
}

// ── attributes ──

// readAnyValue's result (stored string and type), returned without allocating
let valueString = '';
let valueType: AttributeType | undefined;

/** One length-delimited KeyValue into `map` (stored string) and `types` (prefix + key → type). */
function readKeyValue(r: Reader, map: Record<string, string>, types: Record<string, AttributeType>, prefix: string): void {
  const outer = r.len;
  r.len = enter(r);
  let key = '';
  let value = '';
  let type: AttributeType | undefined;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 10) key = readString(r);
    else if (tag === 18) {
      const o = r.len;
      r.len = enter(r);
      readAnyValue(r);
      r.len = o;
      value = valueString;
      type = valueType;
    } else skipField(r, tag, KEY_VALUE_FIELDS, 'KeyValue');
  }
  r.len = outer;
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

/** The body of an AnyValue (oneof: the last field wins) into valueString/valueType. */
function readAnyValue(r: Reader): void {
  let s = '';
  let t: AttributeType | undefined;
  while (r.pos < r.len) {
    const tag = r.tag();
    switch (tag) {
      case 10: // string_value
        s = readString(r);
        t = undefined;
        break;
      case 16: // bool_value
        s = r.bool() ? 'true' : 'false';
        t = 'bool';
        break;
      case 24: // int_value
        readVarint64(r);
        s = i64ToDecimal(lo64, hi64);
        t = 'int';
        break;
      case 33: // double_value
        s = formatDouble(r.double());
        t = 'double';
        break;
      case 42: { // array_value
        const o = r.len;
        r.len = enter(r);
        s = readArrayValue(r);
        r.len = o;
        t = 'array';
        break;
      }
      case 50: { // kvlist_value
        const o = r.len;
        r.len = enter(r);
        s = readKeyValueList(r);
        r.len = o;
        t = 'kvlist';
        break;
      }
      case 58: // bytes_value
        s = readBase64(r);
        t = 'bytes';
        break;
      default:
        skipField(r, tag, ANY_VALUE_FIELDS, 'AnyValue');
    }
  }
  valueString = s;
  valueType = t;
}

/** ArrayValue body → element JSON array. */
function readArrayValue(r: Reader): string {
  const items: string[] = [];
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 10) {
      const o = r.len;
      r.len = enter(r);
      items.push(readElement(r));
      r.len = o;
    } else skipField(r, tag, LIST_FIELDS, 'ArrayValue');
  }
  return element.array(items);
}

/** KeyValueList body → element JSON object. */
function readKeyValueList(r: Reader): string {
  const keys: string[] = [];
  const elements: string[] = [];
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === 10) {
      const o = r.len;
      r.len = enter(r);
      let key = '';
      let el = element.empty;
      while (r.pos < r.len) {
        const t = r.tag();
        if (t === 10) key = readString(r);
        else if (t === 18) {
          const o2 = r.len;
          r.len = enter(r);
          el = readElement(r);
          r.len = o2;
        } else skipField(r, t, KEY_VALUE_FIELDS, 'KeyValue');
      }
      r.len = o;
      keys.push(key);
      elements.push(el);
    } else skipField(r, tag, LIST_FIELDS, 'KeyValueList');
  }
  return kvlistBody(keys, elements);
}

const MAX_NESTING = 64;
let nesting = 0;

/** An AnyValue body inside an array or kvlist → element JSON. */
function readElement(r: Reader): string {
  if (++nesting > MAX_NESTING) {
    nesting = 0;
    throw new DecodeError(`invalid protobuf at byte ${r.pos}: attribute values nested deeper than ${MAX_NESTING} levels`);
  }
  let out = element.empty;
  while (r.pos < r.len) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        out = element.string(readString(r));
        break;
      case 16:
        out = element.bool(r.bool());
        break;
      case 24:
        readVarint64(r);
        out = element.int(i64ToDecimal(lo64, hi64));
        break;
      case 33:
        out = element.double(r.double());
        break;
      case 42: {
        const o = r.len;
        r.len = enter(r);
        out = readArrayValue(r);
        r.len = o;
        break;
      }
      case 50: {
        const o = r.len;
        r.len = enter(r);
        out = element.kvlist(readKeyValueList(r));
        r.len = o;
        break;
      }
      case 58:
        out = element.bytes(readBase64(r));
        break;
      default:
        skipField(r, tag, ANY_VALUE_FIELDS, 'AnyValue');
    }
  }
  nesting--;
  return out;
}
