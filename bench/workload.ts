// The ingest workload: realistic OTLP/protobuf export requests, pre-encoded once and varied per
// send by patching trace-id bytes in place (no re-encoding on the client's hot path).
//
// Model (shared with the query data in bench/dataset.ts): ten services, ten destinations; every trace
// has ten spans — an HTTP entry, a sync call, two database calls, a publish, a consumer that is the
// publish's child, a batch consumer connected only by a span link to the message published in the
// neighbouring trace (n^1), and a second publish — so four of ten spans are messaging spans. About ten attributes per span. Like a real
// SDK, each request carries one service's spans (one resource), about 500 of them.
import protobuf from 'protobufjs/minimal.js';

export const SERVICES = ['gateway', 'orders', 'payments', 'inventory', 'shipping', 'notifications', 'fraud', 'billing', 'analytics', 'email'];
export const DESTINATIONS = [
  'orders.placed',
  'payments.taken',
  'inventory.reserved',
  'shipping.requested',
  'notifications.queued',
  'fraud.checked',
  'billing.invoiced',
  'analytics.events',
  'email.outbound',
  'orders.cancelled',
];
export const PARTITIONS = 6;

/** The services and destinations of trace n (the same rule as the SQL generator of dataset.ts). */
export function traceRoles(n: number) {
  const d = n % DESTINATIONS.length;
  return {
    destination: DESTINATIONS[d]!,
    nextDestination: DESTINATIONS[(d + 1) % DESTINATIONS.length]!,
    partition: Math.floor(n / DESTINATIONS.length) % PARTITIONS,
    producer: SERVICES[1 + (d % 9)]!,
    consumerA: SERVICES[1 + ((d + 3) % 9)]!,
    consumerB: SERVICES[1 + ((d + 5) % 9)]!,
  };
}

export type Attr = [string, string | number | boolean];

export interface SpanSpec {
  traceIdx: number;
  spanIdx: number;
  parentIdx: number; // -1 = root
  service: string;
  name: string;
  kind: number; // OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer
  startNs: bigint;
  durationNs: bigint;
  attributes: Attr[];
  link?: { traceIdx: number; spanIdx: number; attributes: Attr[] };
  event?: { name: string; offsetNs: bigint; attributes: Attr[] };
  error?: string;
}

const MS = 1_000_000n;

export function traceSpans(n: number, t0: bigint): SpanSpec[] {
  const r = traceRoles(n);
  const msgId = (i: number, s: number) => `m-${i}-${s}`;
  const offset = OFFSET_BASE + Math.floor(n / (DESTINATIONS.length * PARTITIONS));
  const queueNs = BigInt(3 + (n % 40)) * MS;
  const consumeAt = t0 + 22n * MS + queueNs;
  const http = (method: string, route: string, status: number): Attr[] => [
    ['http.request.method', method],
    ['http.route', route],
    ['url.path', route],
    ['url.scheme', 'https'],
    ['http.response.status_code', status],
    ['network.protocol.version', '1.1'],
    ['server.port', 443],
    ['client.address', `10.1.${n % 250}.${n % 200}`],
    ['user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36'],
  ];
  const db = (op: string, table: string): Attr[] => [
    ['db.system.name', 'postgresql'],
    ['db.namespace', 'shop'],
    ['db.operation.name', op],
    ['db.collection.name', table],
    ['db.query.text', `${op} id, status, total FROM ${table} WHERE customer_id = $1 LIMIT 50`],
    ['server.address', 'pg-primary'],
    ['server.port', 5432],
    ['network.peer.address', '10.0.0.12'],
    ['db.response.returned_rows', n % 50],
    ['db.client.connection.pool.name', 'main'],
  ];
  const kafka = (op: 'send' | 'process', dest: string, partition: number, off: number, id: string, group?: string): Attr[] => [
    ['messaging.system', 'kafka'],
    ['messaging.operation.type', op],
    ['messaging.operation.name', op === 'send' ? 'publish' : 'process'],
    ['messaging.destination.name', dest],
    ['messaging.destination.partition.id', String(partition)],
    ['messaging.kafka.offset', off],
    ['messaging.message.id', id],
    ['messaging.kafka.message.key', `customer-${n % 97}`],
    ['messaging.client.id', `client-${n % 4}`],
    ...(group ? ([['messaging.consumer.group.name', group]] as Attr[]) : ([['server.address', 'kafka-0.kafka']] as Attr[])),
  ];
  const pair = n ^ 1; // the batch consumer of trace n consumes the message published in trace n^1
  return [
    { traceIdx: n, spanIdx: 0, parentIdx: -1, service: 'gateway', name: 'POST /api/orders', kind: 2, startNs: t0, durationNs: 60n * MS, attributes: http('POST', '/api/orders', 201) },
    {
      traceIdx: n, spanIdx: 1, parentIdx: 0, service: 'gateway', name: 'POST', kind: 3, startNs: t0 + 2n * MS, durationNs: 50n * MS,
      attributes: [['server.address', r.producer], ...http('POST', `/internal/${r.destination}`, 200).slice(0, 8)],
    },
    { traceIdx: n, spanIdx: 2, parentIdx: 1, service: r.producer, name: `POST /internal/${r.destination}`, kind: 2, startNs: t0 + 5n * MS, durationNs: 40n * MS, attributes: http('POST', `/internal/${r.destination}`, 200) },
    { traceIdx: n, spanIdx: 3, parentIdx: 2, service: r.producer, name: 'SELECT shop.orders', kind: 3, startNs: t0 + 8n * MS, durationNs: 5n * MS, attributes: db('SELECT', 'orders') },
    {
      traceIdx: n, spanIdx: 4, parentIdx: 2, service: r.producer, name: `${r.destination} publish`, kind: 4, startNs: t0 + 20n * MS, durationNs: 2n * MS,
      attributes: kafka('send', r.destination, r.partition, offset, msgId(n, 4)),
    },
    {
      traceIdx: n, spanIdx: 5, parentIdx: 4, service: r.consumerA, name: `${r.destination} process`, kind: 5, startNs: consumeAt, durationNs: 15n * MS,
      attributes: kafka('process', r.destination, r.partition, offset, msgId(n, 4), `${r.consumerA}-group`),
    },
    {
      traceIdx: n, spanIdx: 6, parentIdx: 5, service: r.consumerA, name: 'UPDATE shop.stock', kind: 3, startNs: consumeAt + 2n * MS, durationNs: 3n * MS,
      attributes: db('UPDATE', 'stock'),
      event: { name: 'cache miss', offsetNs: MS, attributes: [['cache.key', `stock:${n % 1000}`]] },
      ...(n % 50 === 0 ? { error: 'deadlock detected' } : {}),
    },
    {
      traceIdx: n, spanIdx: 7, parentIdx: 5, service: r.consumerA, name: `handle ${r.destination}`, kind: 1, startNs: consumeAt + 6n * MS, durationNs: 5n * MS,
      attributes: [
        ['app.order.id', `ord-${n}`],
        ['app.order.total', 129.95],
        ['app.order.items', 1 + (n % 7)],
        ['app.customer.tier', n % 3 === 0 ? 'gold' : 'silver'],
        ['app.feature.new_pricing', n % 2 === 0],
        ['app.currency', 'EUR'],
        ['app.region', 'eu-west-1'],
        ['app.retry', 0],
        ['app.cache.hit', false],
        ['code.function.name', 'handleMessage'],
      ],
    },
    {
      traceIdx: n, spanIdx: 8, parentIdx: -1, service: traceRoles(pair).consumerB, name: `${traceRoles(pair).destination} process`, kind: 5, startNs: t0 + 1_000n * MS + BigInt(n % 500) * MS, durationNs: 30n * MS,
      attributes: [
        ['messaging.system', 'kafka'],
        ['messaging.operation.type', 'process'],
        ['messaging.operation.name', 'process'],
        ['messaging.destination.name', traceRoles(pair).destination],
        ['messaging.destination.partition.id', String(traceRoles(pair).partition)],
        ['messaging.consumer.group.name', `${traceRoles(pair).consumerB}-group`],
        ['messaging.batch.message_count', 1],
        ['messaging.client.id', `client-${n % 4}`],
        ['server.address', 'kafka-0.kafka'],
        ['server.port', 9092],
      ],
      link: { traceIdx: pair, spanIdx: 4, attributes: [['messaging.message.id', msgId(pair, 4)]] },
    },
    {
      traceIdx: n, spanIdx: 9, parentIdx: 7, service: r.consumerA, name: `${r.nextDestination} publish`, kind: 4, startNs: consumeAt + 8n * MS, durationNs: 1n * MS,
      attributes: kafka('send', r.nextDestination, (n + 1) % PARTITIONS, offset, msgId(n, 9)),
    },
  ];
}

// Kafka offsets: a partition's offsets only grow with its appends. A message's offset is
// OFFSET_BASE + floor(t / 60) for its trace's start t in ms from the pool's start (each
// destination × partition gets every 60th trace, so its offsets count up by one): a round sent with
// a time shift (load.ts) moves them on by the shift, so offsets follow event time across rounds that
// overlap in time; a round without one moves them on by ROUND_OFFSETS. A replayed pool that repeated
// them would be an offset reset every round, every delivery an ordering inversion. From 2^35 up
// their varint is always 6 bytes, so a round is patched in place like the trace ids.
const OFFSET_BASE = 2 ** 35;
export const ROUND_OFFSETS = 100_000;
const OFFSET_KEY = 'messaging.kafka.offset';

/** The 6-byte varint of v (2^35 ≤ v < 2^42) at `at`. */
function writeVarint6(b: Buffer, at: number, v: number): void {
  for (let i = 0; i < 5; i++) {
    b[at + i] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  b[at + 5] = v;
}

/** The int offset attributes of a request in encoding order: their values and their traces. */
function offsetFields(spans: SpanSpec[]): Array<{ value: number; traceIdx: number }> {
  return spans.flatMap((s) =>
    s.attributes.filter(([k, v]) => k === OFFSET_KEY && typeof v === 'number').map(([, v]) => ({ value: v as number, traceIdx: s.traceIdx })),
  );
}

const LANE_TRACES = DESTINATIONS.length * PARTITIONS;

/** Byte offsets of the offset attributes' 6 varint bytes in `body`, found in order (int_value tag + varint). */
function findOffsets(body: Buffer, values: number[]): Int32Array {
  const out = new Int32Array(values.length);
  const pattern = Buffer.alloc(7);
  pattern[0] = 0x18;
  let from = 0;
  values.forEach((v, i) => {
    if (v < OFFSET_BASE || v >= 2 ** 42) throw new Error(`workload: offset ${v} has no 6-byte varint`);
    writeVarint6(pattern, 1, v);
    const at = body.indexOf(pattern, from);
    if (at < 0) throw new Error(`workload: offset field ${i} not found in its request`);
    out[i] = at + 1;
    from = at + 7;
  });
  return out;
}

// A trace id is <round:4 bytes><MAGIC:4 bytes><trace index:8 bytes>. The round is patched per send;
// the magic finds every trace-id occurrence (spans and links) in the encoded request.
const MAGIC = 0xe5c0be7c;

function traceIdBytes(traceIdx: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(MAGIC, 4);
  b.writeUInt32BE(Math.floor(traceIdx / 2 ** 32), 8);
  b.writeUInt32BE(traceIdx >>> 0, 12);
  return b;
}

function spanIdBytes(traceIdx: number, spanIdx: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(0x5a000000 + (spanIdx << 16) + 1, 0);
  b.writeUInt32BE(traceIdx >>> 0, 4);
  return b;
}

function writeAttr(w: protobuf.Writer, field: number, [key, value]: Attr): void {
  w.uint32((field << 3) | 2).fork();
  w.uint32(10).string(key);
  w.uint32(18).fork();
  if (typeof value === 'string') w.uint32(10).string(value);
  else if (typeof value === 'boolean') w.uint32(16).bool(value);
  else if (Number.isInteger(value)) w.uint32(24).int64(value);
  else w.uint32(33).double(value);
  w.ldelim().ldelim();
}

/** The fixed64 time fields of a request in encoding order: [tag byte, value] (span start, end, event time). */
function timeFields(spans: SpanSpec[]): Array<[number, bigint]> {
  const out: Array<[number, bigint]> = [];
  for (const s of spans) {
    out.push([57, s.startNs], [65, s.startNs + s.durationNs]);
    if (s.event) out.push([9, s.startNs + s.event.offsetNs]);
  }
  return out;
}

/** Byte offsets of the given time fields' 8 value bytes in `body`, found in order (tag byte + value). */
function findTimes(body: Buffer, fields: Array<[number, bigint]>): Int32Array {
  const out = new Int32Array(fields.length);
  const pattern = Buffer.alloc(9);
  let from = 0;
  fields.forEach(([tag, v], i) => {
    pattern[0] = tag;
    pattern.writeBigUInt64LE(v, 1);
    const at = body.indexOf(pattern, from);
    if (at < 0) throw new Error(`workload: time field ${i} not found in its request`);
    out[i] = at + 1;
    from = at + 9;
  });
  return out;
}

function encodeRequest(service: string, spans: SpanSpec[]): Buffer {
  const w = protobuf.Writer.create();
  w.uint32(10).fork(); // ResourceSpans
  w.uint32(10).fork(); // Resource
  const resource: Attr[] = [
    ['service.name', service],
    ['service.version', '2.14.1'],
    ['service.instance.id', `${service}-7f3c9a1e`],
    ['host.name', `${service}-7d9f8b6c5-x2k4q`],
    ['deployment.environment.name', 'production'],
    ['process.runtime.name', 'nodejs'],
    ['process.runtime.version', '20.20.2'],
    ['telemetry.sdk.language', 'nodejs'],
    ['telemetry.sdk.name', 'opentelemetry'],
    ['telemetry.sdk.version', '2.12.1'],
  ];
  for (const a of resource) writeAttr(w, 1, a);
  w.ldelim();
  w.uint32(18).fork(); // ScopeSpans
  w.uint32(10).fork().uint32(10).string('@opentelemetry/instrumentation-kafkajs').uint32(18).string('0.14.0').ldelim();
  for (const s of spans) {
    w.uint32(18).fork(); // Span
    w.uint32(10).bytes(traceIdBytes(s.traceIdx));
    w.uint32(18).bytes(spanIdBytes(s.traceIdx, s.spanIdx));
    if (s.parentIdx >= 0) w.uint32(34).bytes(spanIdBytes(s.traceIdx, s.parentIdx));
    w.uint32(42).string(s.name);
    w.uint32(48).int32(s.kind);
    w.uint32(57).fixed64(s.startNs.toString());
    w.uint32(65).fixed64((s.startNs + s.durationNs).toString());
    for (const a of s.attributes) writeAttr(w, 9, a);
    if (s.event) {
      w.uint32(90).fork();
      w.uint32(9).fixed64((s.startNs + s.event.offsetNs).toString());
      w.uint32(18).string(s.event.name);
      for (const a of s.event.attributes) writeAttr(w, 3, a);
      w.ldelim();
    }
    if (s.link) {
      w.uint32(106).fork();
      w.uint32(10).bytes(traceIdBytes(s.link.traceIdx));
      w.uint32(18).bytes(spanIdBytes(s.link.traceIdx, s.link.spanIdx));
      for (const a of s.link.attributes) writeAttr(w, 4, a);
      w.ldelim();
    }
    w.uint32(122).fork();
    if (s.error) w.uint32(18).string(s.error).uint32(24).int32(2);
    w.ldelim();
    w.uint32(133).fixed32(1); // flags: sampled
    w.ldelim();
  }
  w.ldelim().ldelim();
  return Buffer.from(w.finish());
}

export interface PooledRequest {
  body: Buffer;
  spans: number;
  /** byte offsets of every trace id (16 bytes) in `body` */
  traceIdOffsets: Int32Array;
  /** byte offsets of every span start, end and event time (fixed64, ns) in `body` */
  timeOffsets: Int32Array;
  /** byte offsets of every Kafka offset attribute's varint, its value in round 0 and its trace's index */
  offsetAt: Int32Array;
  offsetValues: number[];
  offsetTraces: number[];
}

export interface RequestPool {
  requests: PooledRequest[];
  spansPerRound: number;
  /** when the pool was built (its times start at its startNs) */
  builtAtMs: number;
}

/**
 * `traces` traces (10 spans each) starting at `startNs`, 1 ms apart, grouped per service into
 * requests of at most `spansPerRequest` spans. One round of the pool = every request once.
 */
export function buildPool(opts: { traces: number; spansPerRequest: number; startNs: bigint }): RequestPool {
  const byService = new Map<string, SpanSpec[]>();
  for (let n = 0; n < opts.traces; n++) {
    for (const s of traceSpans(n, opts.startNs + BigInt(n) * MS)) {
      let list = byService.get(s.service);
      if (!list) byService.set(s.service, (list = []));
      list.push(s);
    }
  }
  const requests: PooledRequest[] = [];
  for (const [service, spans] of byService) {
    for (let i = 0; i < spans.length; i += opts.spansPerRequest) {
      const chunk = spans.slice(i, i + opts.spansPerRequest);
      const body = encodeRequest(service, chunk);
      const fields = offsetFields(chunk);
      const offsetValues = fields.map((f) => f.value);
      requests.push({
        body,
        spans: chunk.length,
        traceIdOffsets: findTraceIds(body),
        timeOffsets: findTimes(body, timeFields(chunk)),
        offsetAt: findOffsets(body, offsetValues),
        offsetValues,
        offsetTraces: fields.map((f) => f.traceIdx),
      });
    }
  }
  return { requests, spansPerRound: requests.reduce((n, r) => n + r.spans, 0), builtAtMs: Date.now() };
}

function findTraceIds(body: Buffer): Int32Array {
  const magic = Buffer.alloc(4);
  magic.writeUInt32BE(MAGIC);
  const out: number[] = [];
  for (let at = body.indexOf(magic); at >= 0; at = body.indexOf(magic, at + 4)) {
    // a trace id field: tag (field 1, length-delimited) and length 16 right before it
    if (body[at - 6] === 0x0a && body[at - 5] === 0x10) out.push(at - 4);
  }
  return Int32Array.from(out);
}

/**
 * Copies a pooled request into `into` and stamps `round` into each trace id (rounds from 1 up) and
 * moves each Kafka offset on (by the time shift, else by ROUND_OFFSETS per round; see OFFSET_BASE);
 * `shiftNs` moves every span, end and event time (a round sent later happened later: the load
 * moves forward in time like a running system's, instead of piling every round into the pool's
 * few seconds).
 */
export function stampRound(req: PooledRequest, round: number, into: Buffer = Buffer.allocUnsafe(req.body.length), shiftNs = 0n): Buffer {
  req.body.copy(into, 0, 0, req.body.length);
  const offsets = req.traceIdOffsets;
  for (let i = 0; i < offsets.length; i++) into.writeUInt32BE(round, offsets[i]!);
  const shiftMs = Number(shiftNs / 1_000_000n);
  for (let i = 0; i < req.offsetAt.length; i++) {
    const v = shiftNs !== 0n ? OFFSET_BASE + Math.floor((req.offsetTraces[i]! + shiftMs) / LANE_TRACES) : req.offsetValues[i]! + round * ROUND_OFFSETS;
    writeVarint6(into, req.offsetAt[i]!, v);
  }
  if (shiftNs !== 0n) {
    const times = req.timeOffsets;
    for (let i = 0; i < times.length; i++) into.writeBigUInt64LE(req.body.readBigUInt64LE(times[i]!) + shiftNs, times[i]!);
  }
  return req.body.length === into.length ? into : into.subarray(0, req.body.length);
}
