// What the protobuf and JSON decoders share: errors, options, exact 64-bit formatting, the row
// factory, span validation and the hand-off to normalization. One place, so both wire formats
// produce identical rows.
import { createHash } from 'node:crypto';
import type { AttributeType, DecodedBatch, ResourceRow, SpanKindName, SpanRow, StatusCodeName } from '../../lib/store/rows.js';
import { ENV_ATTRIBUTES, NAMESPACE_ATTRIBUTES } from '../../lib/hops/env.js';
import { applyNormalization } from '../normalize.js';
import type { ProfileSet } from '../profiles/language.js';

/** The request body cannot be decoded at all (→ HTTP 400 / gRPC INVALID_ARGUMENT). */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

export interface DecodeOptions {
  /** attribute holding the message type when `cloudevents.event_type` is absent (DESIGN §4) */
  messageTypeAttribute?: string;
  /** instrumentation profiles (collector/profiles); absent = the shipped ones */
  profiles?: ProfileSet;
  /** what one client may send (config.limits); absent = no limits */
  limits?: DecodeLimits;
  /** where the decoder counts what the limits cut (one object per request) */
  limitHits?: LimitHits;
}

/** Per-client limits (EVENTSCOPE_MAX_*). */
export interface DecodeLimits {
  spansPerRequest: number;
  attributesPerSpan: number;
  attributeValueLength: number;
  eventsPerSpan: number;
  linksPerSpan: number;
}

export const NO_LIMITS: DecodeLimits = Object.freeze({
  spansPerRequest: Infinity,
  attributesPerSpan: Infinity,
  attributeValueLength: Infinity,
  eventsPerSpan: Infinity,
  linksPerSpan: Infinity,
});

/** How often each limit cut something in one request: spans cut (counts) or values truncated (length). */
export interface LimitHits {
  attributes_per_span: number;
  attribute_value_length: number;
  events_per_span: number;
  links_per_span: number;
}

export function noLimitHits(): LimitHits {
  return { attributes_per_span: 0, attribute_value_length: 0, events_per_span: 0, links_per_span: 0 };
}

/** The request has more spans than EVENTSCOPE_MAX_SPANS_PER_REQUEST (→ HTTP 413 / gRPC INVALID_ARGUMENT). */
export class SpanLimitError extends Error {
  override name = 'SpanLimitError';
  constructor(
    readonly spans: number,
    readonly limit: number,
  ) {
    super(`the request has ${spans} spans, more than EVENTSCOPE_MAX_SPANS_PER_REQUEST=${limit}; send smaller batches (e.g. OTEL_BSP_MAX_EXPORT_BATCH_SIZE)`);
  }
}

/**
 * A value cut to `max` characters with a marker saying how much is gone. A cut never splits a
 * surrogate pair (a lone half would not survive UTF-8).
 */
export function truncateValue(value: string, max: number): string {
  let end = max;
  const c = value.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${value.slice(0, end)}…[truncated ${value.length - end} chars]`;
}

const MAX_U32 = 0xffffffff;

/** The dropped counts of a finished span kept within UInt32 (a sender's count plus ours could pass it). */
export function clampDropped(row: SpanRow): void {
  if (row.dropped_attributes_count > MAX_U32) row.dropped_attributes_count = MAX_U32;
  if (row.dropped_events_count > MAX_U32) row.dropped_events_count = MAX_U32;
  if (row.dropped_links_count > MAX_U32) row.dropped_links_count = MAX_U32;
}

/** How many rejection reasons a batch keeps for partial_success.error_message. */
export const MAX_REJECTION_MESSAGES = 5;

export const SPAN_KINDS: readonly SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
export const STATUS_CODES: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];

// ── exact 64-bit decimals ──

const TWO32 = 4294967296;

/** Pads 0 ≤ n < 1e7 to seven digits. */
function pad7(n: number): string {
  return String(n + 1e7).slice(1);
}

/**
 * Unsigned 64-bit (lo, hi 32-bit halves) → decimal string, exact, without BigInt: below 2^53 a
 * double is exact; above, the value is split into 24-bit limbs and re-based to 10^7 digits
 * (2^24 = 1·10^7 + 6777216, 2^48 = 2·10^14 + 8147497·10^7 + 6710656), every product < 2^53.
 */
export function u64ToDecimal(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO32 + lo);
  const c0 = lo & 0xffffff;
  const c1 = ((lo >>> 24) | (hi << 8)) & 0xffffff;
  const c2 = hi >>> 16;
  let d0 = c0 + c1 * 6777216 + c2 * 6710656;
  let d1 = c1 + c2 * 8147497;
  let d2 = c2 * 2;
  let q = Math.floor(d0 / 1e7);
  d0 -= q * 1e7;
  d1 += q;
  q = Math.floor(d1 / 1e7);
  d1 -= q * 1e7;
  d2 += q;
  // value ≥ 2^53 > 10^14, so d2 > 0
  return String(d2) + pad7(d1) + pad7(d0);
}

/** Signed (two's complement) 64-bit halves → decimal string, exact. */
export function i64ToDecimal(lo: number, hi: number): string {
  if (hi < 0x80000000) return u64ToDecimal(lo, hi);
  // negate: ~x + 1
  let nlo = (~lo + 1) >>> 0;
  let nhi = ~hi >>> 0;
  if (nlo === 0) nhi = (nhi + 1) >>> 0;
  return '-' + u64ToDecimal(nlo, nhi);
}

/** end − start of two unsigned 64-bit values as a decimal string, 0 when end < start. */
export function u64DiffToDecimal(eLo: number, eHi: number, sLo: number, sHi: number): string {
  let lo = eLo - sLo;
  let hi = eHi - sHi;
  if (lo < 0) {
    lo += TWO32;
    hi -= 1;
  }
  if (hi < 0) return '0';
  return u64ToDecimal(lo, hi);
}

/** end − start of two canonical unsigned decimal strings, as a decimal string, 0 when end < start. */
export function decimalDiff(end: string, start: string): string {
  if (end.length <= 15 && start.length <= 15) {
    const d = Number(end) - Number(start);
    return d > 0 ? String(d) : '0';
  }
  // seconds and nanoseconds separately: both exact as doubles
  const es = end.length > 9 ? Number(end.slice(0, -9)) : 0;
  const ss = start.length > 9 ? Number(start.slice(0, -9)) : 0;
  const en = Number(end.length > 9 ? end.slice(-9) : end);
  const sn = Number(start.length > 9 ? start.slice(-9) : start);
  const ds = es - ss;
  if (ds >= 0 && ds < 9e6) {
    const d = ds * 1e9 + (en - sn);
    return d > 0 ? String(d) : '0';
  }
  const d = BigInt(end) - BigInt(start);
  return d > 0n ? d.toString() : '0';
}

// ── resource and scope ──

export interface ResourceContext {
  attributes: Record<string, string>;
  /** 'resource.<key>' → type */
  types: Record<string, AttributeType>;
  service: string;
  host: string;
  /** environment and namespace (lib/hops/env.ts: the first of its attributes that is set, else '') */
  env: string;
  namespace: string;
  /** the attributes and their types in a canonical text: the resource's part of a resource key */
  canonical: string;
}

const firstSet = (attributes: Record<string, string>, names: readonly string[]) => {
  for (const n of names) if (attributes[n]) return attributes[n]!;
  return '';
};

export function resourceContext(attributes: Record<string, string>, types: Record<string, AttributeType>): ResourceContext {
  const service = attributes['service.name'] || 'unknown_service';
  const host = attributes['host.name'] || attributes['service.instance.id'] || service;
  return {
    attributes,
    types,
    service,
    host,
    env: firstSet(attributes, ENV_ATTRIBUTES),
    namespace: firstSet(attributes, NAMESPACE_ATTRIBUTES),
    canonical: canonicalAttributes(attributes, types, 'resource.'),
  };
}

/** Attributes with their types, keys sorted: the same text for the same attributes in any order. */
function canonicalAttributes(values: Record<string, string>, types: Record<string, AttributeType>, prefix: string): string {
  const keys = Object.keys(values).sort();
  return JSON.stringify(keys.map((k) => [k, values[k], types[prefix + k] ?? '']));
}

const spanTypeKeys = new Map<string, string>();

/**
 * 'span.' + key, reusing one string per key: a fresh concatenation would be hashed and
 * internalized again on every insert into attribute_types.
 */
export function spanTypeKey(key: string): string {
  let k = spanTypeKeys.get(key);
  if (k === undefined) {
    if (spanTypeKeys.size >= 10_000) spanTypeKeys.clear(); // unbounded key sets must not grow memory
    k = 'span.' + key;
    spanTypeKeys.set(key, k);
  }
  return k;
}

/** One ScopeSpans: its scope, and the resource row its spans refer to (computed once, here). */
export interface ScopeContext {
  name: string;
  version: string;
  resource: ResourceContext;
  row: ResourceRow;
}

const NO_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;

export function scopeContext(
  resource: ResourceContext,
  name: string,
  version: string,
  attributes: Record<string, string> = NO_ATTRIBUTES,
  types: Record<string, AttributeType> = {},
): ScopeContext {
  const attributeTypes: Record<string, AttributeType> = {};
  for (const k in resource.types) attributeTypes[k] = resource.types[k]!;
  for (const k in types) attributeTypes[k] = types[k]!;
  const canonical = JSON.stringify([resource.canonical, name, version, canonicalAttributes(attributes, types, 'scope.')]);
  const row: ResourceRow = {
    resource_key: resourceKey(canonical),
    service_name: resource.service,
    resource_attributes: resource.attributes,
    scope_name: name,
    scope_version: version,
    scope_attributes: attributes,
    attribute_types: attributeTypes,
    env: resource.env,
    namespace: resource.namespace,
  };
  return { name, version, resource, row };
}

/**
 * The 64-bit key of a (resource, scope): the first 8 bytes of the MD5 of its canonical text, so every
 * collector process computes the same key for the same resource (a collision would need ~2^32
 * distinct resources a day). Once per ScopeSpans, not per span.
 */
export function resourceKey(canonical: string): string {
  const d = createHash('md5').update(canonical).digest();
  return u64ToDecimal(d.readUInt32LE(0), d.readUInt32LE(4));
}

// ── rows ──

/** A row with every column at its default; decoders fill it in place (one hidden class for all rows). */
export function newRow(scope: ScopeContext): SpanRow {
  return {
    timestamp: '0',
    duration_ns: '0',
    trace_id: '',
    span_id: '',
    parent_span_id: '',
    trace_state: '',
    flags: 0,
    span_name: '',
    span_kind: 'UNSPECIFIED',
    service_name: scope.resource.service,
    host: scope.resource.host,
    resource: scope.row,
    scope_name: scope.name,
    scope_version: scope.version,
    span_attributes: {},
    attribute_types: {},
    status_code: 'UNSET',
    status_message: '',
    'events.timestamp': [],
    'events.name': [],
    'events.attributes': [],
    'links.trace_id': [],
    'links.span_id': [],
    'links.trace_state': [],
    'links.attributes': [],
    dropped_attributes_count: 0,
    dropped_events_count: 0,
    dropped_links_count: 0,
    msg_system: '',
    msg_operation: '',
    msg_destination: '',
    msg_partition: '',
    msg_offset: null,
    msg_message_id: '',
    msg_consumer_group: '',
    msg_key: '',
    msg_conversation_id: '',
    msg_message_type: '',
    msg_redelivered: 0,
    msg_housekeeping: 0,
    peer_name: '',
    peer_kind: '',
  };
}

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * Why a span's ids make it invalid, or '' when they are fine. Ids are lowercase hex (the JSON
 * decoder checks the alphabet before); a trace id is 16 non-zero bytes, a span id 8 non-zero
 * bytes, a parent span id empty or 8 bytes, and every link points at a valid span.
 */
export function idProblem(row: SpanRow): string {
  const t = row.trace_id;
  if (t.length !== 32) return `trace_id must be 16 bytes, got ${t.length / 2}`;
  if (t === ZERO_TRACE_ID) return 'trace_id is all zeros';
  const s = row.span_id;
  if (s.length !== 16) return `span_id must be 8 bytes, got ${s.length / 2}`;
  if (s === ZERO_SPAN_ID) return 'span_id is all zeros';
  const p = row.parent_span_id;
  if (p.length !== 0 && p.length !== 16) return `parent_span_id must be empty or 8 bytes, got ${p.length / 2}`;
  const lt = row['links.trace_id'];
  const ls = row['links.span_id'];
  for (let i = 0; i < lt.length; i++) {
    const a = lt[i]!;
    const b = ls[i]!;
    if (a.length !== 32 || a === ZERO_TRACE_ID) return `link ${i} has an invalid trace_id (${a.length / 2} bytes${a === ZERO_TRACE_ID ? ', all zeros' : ''})`;
    if (b.length !== 16 || b === ZERO_SPAN_ID) return `link ${i} has an invalid span_id (${b.length / 2} bytes${b === ZERO_SPAN_ID ? ', all zeros' : ''})`;
  }
  // Times must fit the store's DateTime64(9) (up to 2262-04-11); a span past that would make the
  // whole batch fail to insert, so it is rejected alone here.
  if (!storableSpan(row.timestamp, row.duration_ns)) {
    return 'start/end time is beyond 2262-04-11, the latest time that can be stored';
  }
  for (const t of row['events.timestamp']) if (!storableNs(t)) return 'an event time is beyond 2262-04-11, the latest time that can be stored';
  return '';
}

const MAX_NS = '9223372036854775807';
function storableNs(ns: string): boolean {
  return ns.length < MAX_NS.length || (ns.length === MAX_NS.length && ns <= MAX_NS);
}
/** start and start + duration both storable; BigInt only near the limit (hot path: once per span). */
function storableSpan(start: string, duration: string): boolean {
  // below 9.1e18 with a duration under 1e17 ns (3 years) the end is below 9.2e18 < MAX_NS
  if (duration.length <= 17 && (start.length < 19 || (start.length === 19 && start < '9100000000000000000'))) return true;
  return storableNs(start) && storableNs((BigInt(start) + BigInt(duration)).toString());
}

/** Collects the rows of one request and the spans rejected alone. */
export class BatchBuilder implements DecodedBatch {
  rows: SpanRow[] = [];
  rejectedSpans = 0;
  rejectionMessages: string[] = [];
  readonly limits: DecodeLimits;
  readonly limitHits: LimitHits;
  /** spans seen so far, decoded or not */
  private seen = 0;
  constructor(
    public bytes: number,
    private readonly opts: DecodeOptions,
  ) {
    this.limits = opts.limits ?? NO_LIMITS;
    this.limitHits = opts.limitHits ?? noLimitHits();
  }

  /** Counts one more span of the request; false once past the spans-per-request limit (skip it, decoding is moot). */
  admitSpan(): boolean {
    return ++this.seen <= this.limits.spansPerRequest;
  }

  /** Validates a fully decoded span; a valid one is normalized and kept, an invalid one counted. */
  finish(row: SpanRow): void {
    const problem = idProblem(row);
    if (problem !== '') {
      this.reject(`span ${JSON.stringify(row.span_name.slice(0, 100))} (span_id ${row.span_id.slice(0, 32) || 'missing'}): ${problem}`);
      return;
    }
    applyNormalization(row, this.opts);
    this.rows.push(row);
  }

  reject(reason: string): void {
    this.rejectedSpans++;
    if (this.rejectionMessages.length < MAX_REJECTION_MESSAGES) this.rejectionMessages.push(reason);
  }

  /** The decoded request; throws SpanLimitError when it had more spans than allowed. */
  result(): DecodedBatch {
    if (this.seen > this.limits.spansPerRequest) throw new SpanLimitError(this.seen, this.limits.spansPerRequest);
    return { rows: this.rows, rejectedSpans: this.rejectedSpans, rejectionMessages: this.rejectionMessages, bytes: this.bytes };
  }
}
