// Builds OTLP/JSON ExportTraceServiceRequest bodies from compact span descriptions, so scenario
// tests read like stories:
//
//   const t = clock();                                   // base "now" (ms) for relative times
//   const pub = t.span({ service: 'orders', name: 'orders send', kind: 'PRODUCER', start: 0, durationMs: 2,
//                        attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' } });
//   const del = t.span({ service: 'billing', name: 'orders process', kind: 'CONSUMER', parent: pub, start: 10 });
//   await harness.postOtlpJson(request([pub, del]));
//
// Times: a number is milliseconds relative to the clock's base (may be fractional or negative);
// a bigint is absolute nanoseconds since the epoch. The JSON uses the OTLP/JSON mapping: hex ids,
// int64 as decimal strings, enums as integers, AnyValue objects for attributes.

export type Kind = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type StatusCode = 'UNSET' | 'OK' | 'ERROR';

/** Explicit typed values where JS types are ambiguous: `{ int: 5 }`, `{ double: 2 }`, `{ bytes: buf }`. */
export type AttrValue =
  | string
  | boolean
  | number // integer → intValue, otherwise doubleValue
  | bigint // intValue
  | { int: number | bigint | string }
  | { double: number }
  | { bytes: Uint8Array }
  | AttrValue[]
  | { kvlist: Record<string, AttrValue> };
export type Attributes = Record<string, AttrValue>;

export type Time = number | bigint;

export interface LinkSpec {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes?: Attributes;
}

export interface EventSpec {
  name: string;
  at?: Time; // defaults to the span start
  attributes?: Attributes;
}

export interface SpanSpec {
  service: string;
  name: string;
  kind?: Kind;
  traceId?: string; // defaults to the parent's trace, else a fresh random one
  spanId?: string; // defaults to a fresh random one
  parentSpanId?: string;
  /** take traceId and parentSpanId from this span */
  parent?: Span;
  start?: Time; // default 0 (= the base)
  end?: Time; // default start + durationMs
  durationMs?: number; // default 1
  attributes?: Attributes;
  /** extra resource attributes (service.name is set from `service`) */
  resource?: Attributes;
  /** shortcut for resource host.name */
  host?: string;
  scope?: { name: string; version?: string };
  links?: Array<LinkSpec | Span>;
  status?: StatusCode | { code: StatusCode; message?: string };
  events?: EventSpec[];
  traceState?: string;
  flags?: number;
}

/** A resolved span: ids and absolute times fixed, ready to be serialized by `request()`. */
export interface Span {
  service: string;
  name: string;
  kind: Kind;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  resource: Attributes;
  scope: { name: string; version?: string };
  links: LinkSpec[];
  status: { code: StatusCode; message?: string };
  events: Array<{ name: string; timeNs: bigint; attributes: Attributes }>;
  traceState: string;
  flags?: number;
}

const KIND_NUMBER: Record<Kind, number> = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
};
const STATUS_NUMBER: Record<StatusCode, number> = { UNSET: 0, OK: 1, ERROR: 2 };

function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  crypto.getRandomValues(b);
  if (b.every((x) => x === 0)) b[0] = 1; // all-zero ids are invalid in OTLP
  return Buffer.from(b).toString('hex');
}

/** A fresh random 32-hex-char trace id. */
export function traceId(): string {
  return randomHex(16);
}

/** A fresh random 16-hex-char span id. */
export function spanId(): string {
  return randomHex(8);
}

/** Milliseconds (may be fractional) → nanoseconds as bigint, exact to the microsecond. */
export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

/** A clock fixes the base instant relative times are counted from. */
export interface Clock {
  /** base time, epoch ms */
  readonly baseMs: number;
  /** absolute ns of a relative (ms) or absolute (bigint ns) time */
  ns(t: Time): bigint;
  /** epoch ms of a relative (ms) or absolute (bigint ns) time */
  ms(t: Time): number;
  span(spec: SpanSpec): Span;
}

export function clock(baseMs: number = Date.now()): Clock {
  const c: Clock = {
    baseMs,
    ns: (t) => (typeof t === 'bigint' ? t : msToNs(baseMs) + msToNs(t)),
    ms: (t) => (typeof t === 'bigint' ? Number(t / 1000n) / 1000 : baseMs + t),
    span: (spec) => buildSpan(spec, c),
  };
  return c;
}

function buildSpan(spec: SpanSpec, c: Clock): Span {
  const startNs = c.ns(spec.start ?? 0);
  const endNs = spec.end !== undefined ? c.ns(spec.end) : startNs + msToNs(spec.durationMs ?? 1);
  const status = typeof spec.status === 'string' ? { code: spec.status } : (spec.status ?? { code: 'UNSET' as const });
  return {
    service: spec.service,
    name: spec.name,
    kind: spec.kind ?? 'INTERNAL',
    traceId: spec.traceId ?? spec.parent?.traceId ?? traceId(),
    spanId: spec.spanId ?? spanId(),
    parentSpanId: spec.parentSpanId ?? spec.parent?.spanId ?? '',
    startNs,
    endNs,
    attributes: spec.attributes ?? {},
    resource: { ...(spec.host ? { 'host.name': spec.host } : {}), ...spec.resource },
    scope: spec.scope ?? { name: 'eventscope-test' },
    links: (spec.links ?? []).map((l) =>
      'startNs' in l ? { traceId: l.traceId, spanId: l.spanId } : l,
    ),
    status,
    events: (spec.events ?? []).map((e) => ({
      name: e.name,
      timeNs: e.at !== undefined ? c.ns(e.at) : startNs,
      attributes: e.attributes ?? {},
    })),
    traceState: spec.traceState ?? '',
    flags: spec.flags,
  };
}

/** Builds a span against a clock based at module load; prefer `clock()` for explicit bases. */
const defaultClock = clock();
export function span(spec: SpanSpec): Span {
  return defaultClock.span(spec);
}

// ---- OTLP/JSON serialization ------------------------------------------------------------------

export type AnyValueJson =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { bytesValue: string }
  | { arrayValue: { values: AnyValueJson[] } }
  | { kvlistValue: { values: KeyValueJson[] } };
export interface KeyValueJson {
  key: string;
  value: AnyValueJson;
}

export function anyValue(v: AttrValue): AnyValueJson {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if ('int' in v) return { intValue: String(v.int) };
  if ('double' in v) return { doubleValue: v.double };
  if ('bytes' in v) return { bytesValue: Buffer.from(v.bytes).toString('base64') };
  return { kvlistValue: { values: keyValues(v.kvlist) } };
}

export function keyValues(attrs: Attributes): KeyValueJson[] {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));
}

export interface SpanJson {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  flags?: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValueJson[];
  events: Array<{ timeUnixNano: string; name: string; attributes: KeyValueJson[] }>;
  links: Array<{ traceId: string; spanId: string; traceState?: string; attributes: KeyValueJson[] }>;
  status: { code: number; message?: string };
}

export interface ExportTraceServiceRequest {
  resourceSpans: Array<{
    resource: { attributes: KeyValueJson[] };
    scopeSpans: Array<{ scope: { name: string; version?: string }; spans: SpanJson[] }>;
  }>;
}

export function spanJson(s: Span): SpanJson {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    ...(s.traceState ? { traceState: s.traceState } : {}),
    ...(s.flags !== undefined ? { flags: s.flags } : {}),
    name: s.name,
    kind: KIND_NUMBER[s.kind],
    startTimeUnixNano: s.startNs.toString(),
    endTimeUnixNano: s.endNs.toString(),
    attributes: keyValues(s.attributes),
    events: s.events.map((e) => ({ timeUnixNano: e.timeNs.toString(), name: e.name, attributes: keyValues(e.attributes) })),
    links: s.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      ...(l.traceState ? { traceState: l.traceState } : {}),
      attributes: keyValues(l.attributes ?? {}),
    })),
    status: { code: STATUS_NUMBER[s.status.code], ...(s.status.message ? { message: s.status.message } : {}) },
  };
}

/**
 * One ExportTraceServiceRequest holding the spans, grouped by resource (service + resource
 * attributes) and scope, the way an SDK exporter batches them. Span order within a scope is kept.
 */
export function request(spans: Span[]): ExportTraceServiceRequest {
  const resources = new Map<string, { attrs: Attributes; scopes: Map<string, { scope: Span['scope']; spans: SpanJson[] }> }>();
  for (const s of spans) {
    const attrs: Attributes = { 'service.name': s.service, ...s.resource };
    const rkey = JSON.stringify(keyValues(attrs), (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    let r = resources.get(rkey);
    if (!r) resources.set(rkey, (r = { attrs, scopes: new Map() }));
    const skey = `${s.scope.name}\u0000${s.scope.version ?? ''}`;
    let sc = r.scopes.get(skey);
    if (!sc) r.scopes.set(skey, (sc = { scope: s.scope, spans: [] }));
    sc.spans.push(spanJson(s));
  }
  return {
    resourceSpans: [...resources.values()].map((r) => ({
      resource: { attributes: keyValues(r.attrs) },
      scopeSpans: [...r.scopes.values()].map((sc) => ({
        scope: { name: sc.scope.name, ...(sc.scope.version ? { version: sc.scope.version } : {}) },
        spans: sc.spans,
      })),
    })),
  };
}

// ---- messaging attribute shortcuts (current semconv names) -------------------------------------

export interface MessagingAttrs {
  system?: string;
  destination: string;
  operation?: 'create' | 'send' | 'receive' | 'process' | 'settle';
  partition?: string | number;
  offset?: number | bigint;
  messageId?: string;
  group?: string;
  key?: string;
  conversationId?: string;
  batchCount?: number;
}

/** Current-semconv messaging attributes for a span (kafka by default). */
export function messaging(m: MessagingAttrs): Attributes {
  const a: Attributes = {
    'messaging.system': m.system ?? 'kafka',
    'messaging.destination.name': m.destination,
  };
  if (m.operation) a['messaging.operation.type'] = m.operation;
  if (m.partition !== undefined) a['messaging.destination.partition.id'] = String(m.partition);
  if (m.offset !== undefined) a['messaging.kafka.offset'] = typeof m.offset === 'bigint' ? m.offset : { int: m.offset };
  if (m.messageId !== undefined) a['messaging.message.id'] = m.messageId;
  if (m.group !== undefined) a['messaging.consumer.group.name'] = m.group;
  if (m.key !== undefined) a['messaging.kafka.message.key'] = m.key;
  if (m.conversationId !== undefined) a['messaging.message.conversation_id'] = m.conversationId;
  if (m.batchCount !== undefined) a['messaging.batch.message_count'] = { int: m.batchCount };
  return a;
}
