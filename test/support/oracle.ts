// A reference implementation of the message analyses, in plain JS over the spans a test sent: no
// store, no SQL, no I/O. It re-implements the definitions of the query-time pairing the hop model
// replaced (lib/analysis/hops.ts, lag.ts and anomalies.ts as of commit b57f693; DESIGN §1, §4, §6)
// so an equivalence test can compare the hop model's answers with what those definitions give:
//
// - pairing: a deliver span (receive/process) pairs with every publish span (create/send) among its
//   parent and links; when none is a publish span it is a delivery of a message identified by its
//   message id, else destination + partition + offset, else by the delivery itself. A resent span
//   (same trace and span id) counts once.
// - flow-map edges: publish edges count publish spans (a send span with links is a batch send of
//   created messages: no new message), deliver edges count messages delivered (a batch span with N
//   linked messages counts N; a receive prelude counts none); queue time of first deliveries.
// - duplicates and ordering inversions, and lag on a step grid, as the old queries computed them.
//
// Times are exact nanoseconds (bigint) throughout; ms values are derived the way ClickHouse does
// (toUnixTimestamp64Milli truncates).
import type { AttrValue, Span, StatusCode } from './otlp.js';

// ---- normalization (DESIGN §4, the attribute names a test may use) ------------------------------

const OPERATION_TYPE = ['messaging.operation.type'];
const OPERATION_LEGACY = ['messaging.operation'];
const OPERATIONS: Record<string, string> = {
  create: 'create',
  send: 'send',
  publish: 'send',
  receive: 'receive',
  process: 'process',
  deliver: 'process',
  settle: 'settle',
};
const SYSTEM = ['messaging.system'];
const DESTINATION = ['messaging.destination.name', 'messaging.destination', 'messaging.source.name'];
const PARTITION = [
  'messaging.destination.partition.id',
  'messaging.kafka.destination.partition',
  'messaging.kafka.source.partition',
  'messaging.kafka.partition',
];
const OFFSET = ['kafka.offset', 'messaging.kafka.offset', 'messaging.kafka.message.offset'];
const MESSAGE_ID = ['messaging.message.id', 'messaging.message_id'];
const GROUP = ['messaging.consumer.group.name', 'messaging.kafka.consumer.group', 'messaging.kafka.consumer_group'];
const KEY = [
  'kafka.message.key',
  'messaging.kafka.message.key',
  'messaging.kafka.message_key',
  'rabbitmq.destination.routing_key',
  'messaging.rabbitmq.destination.routing_key',
  'messaging.rabbitmq.routing_key',
];
/** Explicit redelivery / retry markers (migration 005 `redelivered`). */
const REDELIVERED_FLAGS = [
  'messaging.rabbitmq.redelivered',
  'messaging.rabbitmq.message.redelivered',
  'messaging.message.redelivered',
  'messaging.redelivered',
];
const DELIVERY_COUNTS = [
  'messaging.message.delivery_count',
  'messaging.servicebus.message.delivery_count',
  'messaging.gcp_pubsub.message.delivery_attempt',
];
const RETRY_COUNTS = ['messaging.retry.count', 'retry.count'];

export const isPublish = (op: string) => op === 'create' || op === 'send';
export const isDeliver = (op: string) => op === 'receive' || op === 'process';

function text(v: AttrValue | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return JSON.stringify(v);
  if ('int' in v) return String(v.int);
  if ('double' in v) return String(v.double);
  return '';
}

function first(attrs: Record<string, string>, names: string[]): string {
  for (const n of names) {
    const v = attrs[n];
    if (v !== undefined && v !== '') return v;
  }
  return '';
}

const strings = (attrs: Record<string, AttrValue> | undefined) =>
  Object.fromEntries(Object.entries(attrs ?? {}).map(([k, v]) => [k, text(v)])) as Record<string, string>;

const offsetOf = (raw: string): number | null => (/^-?\d+$/.test(raw) ? Number(raw) : null);
const uint = (raw: string | undefined) => (raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : 0);

/** One publish or deliver span, normalized. */
export interface MsgSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  host: string;
  operation: string;
  system: string;
  destination: string;
  partition: string;
  offset: number | null;
  messageId: string;
  group: string;
  key: string;
  status: StatusCode;
  startNs: bigint;
  endNs: bigint;
  redelivered: boolean;
  links: Array<{ traceId: string; spanId: string; attrs: Record<string, string> }>;
}

export function normalize(s: Span): MsgSpan | null {
  const attrs = strings(s.attributes);
  let operation = OPERATIONS[first(attrs, OPERATION_TYPE)] ?? OPERATIONS[first(attrs, OPERATION_LEGACY)] ?? '';
  if (!operation && s.kind === 'PRODUCER') operation = 'send';
  if (!operation && s.kind === 'CONSUMER') operation = 'process';
  if (!isPublish(operation) && !isDeliver(operation)) return null;
  const links = s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attrs: strings(l.attributes) }));
  // a span with a single link may carry the message's attributes on it
  const sole = links.length === 1 ? links[0]!.attrs : undefined;
  const pick = (names: string[]) => first(attrs, names) || (sole ? first(sole, names) : '');
  let group = first(attrs, GROUP);
  if (!group && isDeliver(operation)) group = s.service;
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    service: s.service,
    host: text(s.resource['host.name']),
    operation,
    system: first(attrs, SYSTEM),
    destination: first(attrs, DESTINATION),
    partition: pick(PARTITION),
    offset: offsetOf(pick(OFFSET)),
    messageId: pick(MESSAGE_ID),
    group: isDeliver(operation) ? group : '',
    key: pick(KEY),
    status: s.status.code,
    startNs: s.startNs,
    endNs: s.endNs,
    redelivered:
      REDELIVERED_FLAGS.some((k) => attrs[k] === 'true' || attrs[k] === '1') ||
      DELIVERY_COUNTS.some((k) => uint(attrs[k]) > 1) ||
      RETRY_COUNTS.some((k) => uint(attrs[k]) > 0),
    links,
  };
}

// ---- pairing ------------------------------------------------------------------------------------

export type HopClass = 'first' | 'redelivery_after_failure' | 'duplicate_after_success' | 'prelude';

/** One (deliver span, message): the unit every analysis counts. */
export interface Hop {
  /** 'span:<trace>:<span>' | 'id:<destination>:<id>' | 'offset:<destination>:<partition>:<offset>' | 'delivery:<trace>:<span>' */
  message: string;
  identified: boolean;
  group: string;
  /** the publish span's when paired, else the deliver span's */
  destination: string;
  system: string;
  partition: string;
  offset: number | null;
  key: string;
  messageId: string;
  d: MsgSpan;
  p: MsgSpan | null;
  /** deliver start − publish end on the corrected clocks (see clockOffsets); null without a producer */
  queueNs: bigint | null;
  /** the same on the raw clocks (negative under clock skew) */
  rawQueueNs: bigint | null;
  class: HopClass;
}

export interface Model {
  /** every publish and deliver span once (resends dropped) */
  publishes: MsgSpan[];
  deliveries: MsgSpan[];
  hops: Hop[];
  /** host → what is added to its span times to put them on the reference clock (absent: 0) */
  clockOffsetsNs: Map<string, bigint>;
}

export interface ModelOptions {
  /** correct clock skew per host (DESIGN §6, default); false reads the raw clocks, as the query-time pairing did */
  correctClocks?: boolean;
}

/** A span's time on the corrected clock of its host. */
export const corrected = (m: Model, s: MsgSpan, ns: bigint) => ns + (m.clockOffsetsNs.get(s.host) ?? 0n);

const keyOf = (traceId: string, spanId: string) => `${traceId}:${spanId}`;
const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const nsToMs = (ns: bigint) => Number(ns / 1_000_000n); // toUnixTimestamp64Milli (positive times)

export function buildModel(spans: Span[], opts: ModelOptions = {}): Model {
  const seen = new Map<string, MsgSpan>();
  for (const s of spans) {
    const k = keyOf(s.traceId, s.spanId);
    if (seen.has(k)) continue; // an exporter resend: the same span again
    const n = normalize(s);
    if (n) seen.set(k, n);
  }
  const publishes = [...seen.values()].filter((s) => isPublish(s.operation));
  const deliveries = [...seen.values()].filter((s) => isDeliver(s.operation));
  const byKey = new Map(publishes.map((p) => [keyOf(p.traceId, p.spanId), p]));
  const hops: Hop[] = [];
  for (const d of deliveries) hops.push(...pair(d, byKey));
  classify(hops);
  const clockOffsetsNs = opts.correctClocks === false ? new Map<string, bigint>() : clockOffsets(hops);
  const off = (host: string) => clockOffsetsNs.get(host) ?? 0n;
  for (const h of hops) if (h.rawQueueNs !== null) h.queueNs = h.rawQueueNs + off(h.d.host) - off(h.p!.host);
  return { publishes, deliveries, hops, clockOffsetsNs };
}

/**
 * Per-host clock offsets (DESIGN §6 "clock skew across hosts is corrected per host", the rule of
 * lib/hops/clocks.ts for hosts joined only by hops — the datasets here make no synchronous calls):
 * a delivery cannot start before its publish started, so between a producer host P and a consumer
 * host C, offset(P) − offset(C) ≤ min over their hops of (deliver start − publish start). Each
 * connected set of hosts takes the clock of its busiest consumer host (most hops consumed, then by
 * name) as the reference; from there every other host gets the shift closest to 0 that keeps its
 * bound with the host it is reached from (busiest host pairs first): a lower bound on the skew,
 * so a queue time is never made longer than the clocks force.
 */
export function clockOffsets(hops: Hop[]): Map<string, bigint> {
  const pairs = new Map<string, { p: string; c: string; gap: bigint; hops: number }>();
  const weight = new Map<string, number>();
  for (const h of hops) {
    if (!h.p || !h.p.host || !h.d.host || h.p.host === h.d.host) continue;
    const k = `${h.p.host}>${h.d.host}`;
    const gap = h.d.startNs - h.p.startNs;
    const e = pairs.get(k);
    if (!e) pairs.set(k, { p: h.p.host, c: h.d.host, gap, hops: 1 });
    else {
      e.hops++;
      if (gap < e.gap) e.gap = gap;
    }
    weight.set(h.d.host, (weight.get(h.d.host) ?? 0) + 1);
    weight.set(h.p.host, weight.get(h.p.host) ?? 0);
  }
  const placed = new Map<string, bigint>();
  const hosts = [...weight.keys()].sort((a, b) => weight.get(b)! - weight.get(a)! || cmpStr(a, b));
  const edges = [...pairs.entries()].sort(([ka, a], [kb, b]) => b.hops - a.hops || cmpStr(ka, kb));
  for (const root of hosts) {
    if (placed.has(root)) continue;
    placed.set(root, 0n);
    const queue = [root];
    for (let i = 0; i < queue.length; i++) {
      const u = queue[i]!;
      const ou = placed.get(u)!;
      for (const [, e] of edges) {
        if (e.c === u && !placed.has(e.p)) {
          const most = ou + e.gap; // the producer's offset may be at most this
          placed.set(e.p, most >= 0n ? 0n : most);
          queue.push(e.p);
        } else if (e.p === u && !placed.has(e.c)) {
          const least = ou - e.gap; // the consumer's offset must be at least this
          placed.set(e.c, least <= 0n ? 0n : least);
          queue.push(e.c);
        }
      }
    }
  }
  return new Map([...placed].filter(([, o]) => o !== 0n));
}

/** The producer candidates of a deliver span: its parent, then each link, with what each names of the message. */
function candidates(d: MsgSpan) {
  const refs: Array<{ traceId: string; spanId: string; messageId: string; partition: string; offset: number | null; key: string }> = [];
  if (d.parentSpanId) {
    refs.push({ traceId: d.traceId, spanId: d.parentSpanId, messageId: d.messageId, partition: d.partition, offset: d.offset, key: d.key });
  }
  const single = d.links.length === 1;
  for (const l of d.links) {
    refs.push({
      traceId: l.traceId,
      spanId: l.spanId,
      messageId: first(l.attrs, MESSAGE_ID) || (single ? d.messageId : ''),
      // a batch comes from one partition: the span's partition applies to every link
      partition: first(l.attrs, PARTITION) || d.partition,
      offset: offsetOf(first(l.attrs, OFFSET)) ?? (single ? d.offset : null),
      key: first(l.attrs, KEY) || (single ? d.key : ''),
    });
  }
  // what the deliver span itself names applies to its message when it names a single one
  const one = refs.length <= 1;
  if (refs.length === 0) refs.push({ traceId: '', spanId: '', messageId: '', partition: '', offset: null, key: '' });
  return refs.map((r) => ({
    ...r,
    messageId: r.messageId || (one ? d.messageId : ''),
    partition: r.partition || (one ? d.partition : ''),
    offset: r.offset ?? (one ? d.offset : null),
    key: r.key || (one ? d.key : ''),
  }));
}

function pair(d: MsgSpan, publishes: Map<string, MsgSpan>): Hop[] {
  const refs = candidates(d);
  const matched = refs.filter((r) => r.spanId && publishes.has(keyOf(r.traceId, r.spanId)));
  const out = new Map<string, Hop>();
  if (matched.length > 0) {
    for (const r of matched) {
      const p = publishes.get(keyOf(r.traceId, r.spanId))!;
      const message = `span:${p.traceId}:${p.spanId}`;
      if (out.has(message)) continue;
      out.set(message, {
        message,
        identified: true,
        group: d.group,
        destination: p.destination,
        system: p.system || d.system,
        partition: r.partition || p.partition,
        offset: r.offset ?? p.offset,
        key: r.key || p.key,
        messageId: r.messageId || p.messageId,
        d,
        p,
        queueNs: d.startNs - p.endNs,
        rawQueueNs: d.startNs - p.endNs,
        class: 'first',
      });
    }
    return [...out.values()];
  }
  for (const r of refs) {
    const message =
      r.messageId !== ''
        ? `id:${d.destination}:${r.messageId}`
        : r.offset !== null
          ? `offset:${d.destination}:${r.partition}:${r.offset}`
          : `delivery:${d.traceId}:${d.spanId}`;
    if (out.has(message)) continue;
    out.set(message, {
      message,
      identified: !message.startsWith('delivery:'),
      group: d.group,
      destination: d.destination,
      system: d.system,
      partition: r.partition,
      offset: r.offset,
      key: r.key,
      messageId: r.messageId,
      d,
      p: null,
      queueNs: null,
      rawQueueNs: null,
      class: 'first',
    });
  }
  return [...out.values()];
}

const deliveryOrder = (a: Hop, b: Hop) => cmpBig(a.d.startNs, b.d.startNs) || cmpStr(a.d.spanId, b.d.spanId);

/** Deliveries of one message to one consumer group, per (group, destination, message). */
function byMessage(hops: Hop[]): Map<string, Hop[]> {
  const groups = new Map<string, Hop[]>();
  for (const h of hops) {
    const k = `${h.group}\u0000${h.destination}\u0000${h.message}`;
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(h);
  }
  for (const list of groups.values()) list.sort(deliveryOrder);
  return groups;
}

/**
 * Delivery classes in time order: a receive span of a message whose group also has a process span
 * for it is a prelude; each delivery after the first is a redelivery after a failure when the one
 * before it failed or it carries a redelivery marker, else a duplicate after success.
 */
function classify(hops: Hop[]): void {
  for (const list of byMessage(hops).values()) {
    const hasProcess = list.some((h) => h.d.operation === 'process');
    let prev: Hop | undefined;
    for (const h of list) {
      if (hasProcess && h.d.operation !== 'process') {
        h.class = 'prelude';
        continue;
      }
      h.class = !h.identified || !prev ? 'first' : prev.d.status === 'ERROR' || h.d.redelivered ? 'redelivery_after_failure' : 'duplicate_after_success';
      prev = h;
    }
  }
}

// ---- percentiles --------------------------------------------------------------------------------

/** ClickHouse quantileExactInclusive: linear interpolation between closest ranks, rank = level·(n−1). */
export function quantileExactInclusive(values: number[], level: number): number {
  const a = [...values].sort((x, y) => x - y);
  const n = a.length;
  if (n === 0) return NaN;
  const h = level * (n - 1) + 1;
  const k = Math.floor(h);
  if (k >= n) return a[n - 1]!;
  if (k < 1) return a[0]!;
  return a[k - 1]! + (h - k) * (a[k]! - a[k - 1]!);
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

// ---- flow map -----------------------------------------------------------------------------------

export interface Range {
  fromMs: number;
  toMs: number;
}

export interface ExpectedEdge {
  /** `${kind} ${source} -> ${target}` plus ` [group]` for deliver edges */
  edge: string;
  count: number;
  errors: number;
  retries?: number;
  /**
   * queue time per message with a known producer: its earliest delivery on the edge (a receive
   * prelude included) − publish end, ms, on the corrected clocks, clamped at 0
   */
  queueSamples?: number;
  queueP50Ms?: number;
  queueP95Ms?: number;
}

export const nodeIds = {
  service: (name: string) => `service:${name}`,
  destination: (system: string, name: string) => `destination:${system}:${name}`,
};

export const edgeName = (kind: string, source: string, target: string, group?: string) =>
  `${kind} ${source} -> ${target}${group ? ` [${group}]` : ''}`;

/** The flow-map deliver edge a hop counts on. */
export const deliverEdgeOf = (h: Hop) => edgeName('deliver', nodeIds.destination(h.system, h.destination), nodeIds.service(h.d.service), h.group || h.d.service);

/**
 * Publish and deliver edges over a range. The flow map counts whole minutes: a span counts when
 * the minute it starts in is at or after the minute of `fromMs` and starts before `toMs`.
 */
export function expectedEdges(m: Model, r: Range): ExpectedEdge[] {
  const fromMinuteMs = Math.floor(r.fromMs / 60_000) * 60_000;
  const inMinutes = (ns: bigint) => {
    const minuteMs = Math.floor(nsToMs(ns) / 60_000) * 60_000;
    return minuteMs >= fromMinuteMs && minuteMs < r.toMs;
  };
  // queue time: per deliver edge and message, its earliest delivery (a receive prelude included,
  // as the query-time pairing took the minimum over the message's deliveries)
  const edges = new Map<string, ExpectedEdge & { earliest: Map<string, Hop> }>();
  const edgeOf = (name: string) => {
    let e = edges.get(name);
    if (!e) edges.set(name, (e = { edge: name, count: 0, errors: 0, earliest: new Map() }));
    return e;
  };
  for (const p of m.publishes) {
    if (!inMinutes(p.startNs)) continue;
    const e = edgeOf(edgeName('publish', nodeIds.service(p.service), nodeIds.destination(p.system, p.destination)));
    if (!(p.operation === 'send' && p.links.length > 0)) e.count++;
    if (p.status === 'ERROR') e.errors++;
  }
  for (const h of m.hops) {
    if (!inMinutes(h.d.startNs)) continue;
    const e = edgeOf(deliverEdgeOf(h));
    e.retries ??= 0;
    if (h.queueNs !== null) {
      const prev = e.earliest.get(h.message);
      if (!prev || deliveryOrder(h, prev) < 0) e.earliest.set(h.message, h);
    }
    if (h.class === 'prelude') continue;
    e.count++;
    if (h.d.status === 'ERROR') e.errors++;
    if (h.d.redelivered) e.retries++;
  }
  const out: ExpectedEdge[] = [];
  for (const { earliest, ...e } of edges.values()) {
    const samples = [...earliest.values()].map((h) => Number(h.queueNs! > 0n ? h.queueNs! : 0n) / 1e6);
    if (e.edge.startsWith('publish ') && e.count === 0) continue; // only batch sends of created messages
    if (samples.length > 0) {
      e.queueSamples = samples.length;
      e.queueP50Ms = round3(quantileExactInclusive(samples, 0.5));
      e.queueP95Ms = round3(quantileExactInclusive(samples, 0.95));
    }
    out.push(e);
  }
  return out.sort((a, b) => cmpStr(a.edge, b.edge));
}

// ---- duplicates ---------------------------------------------------------------------------------

export type DuplicateClass = 'redelivery_after_failure' | 'duplicate_after_success';

export interface ExpectedDuplicate {
  consumerGroup: string;
  destination: string;
  message: string;
  /** every delivery (preludes left out), in time order, with its class (null for the first) */
  deliveries: Array<{ spanId: string; class: DuplicateClass | null }>;
  class: DuplicateClass;
  extraDeliveries: number;
}

export interface ExpectedDuplicates {
  total: number;
  byClass: Record<DuplicateClass, number>;
  occurrences: ExpectedDuplicate[];
}

/** How far before a range the views look (publishes, earlier deliveries): max(1h, range) ≤ 24h. */
export function lookbackMs(r: Range): number {
  return Math.min(Math.max(r.toMs - r.fromMs, 3_600_000), 86_400_000);
}

const msNs = (ms: number) => BigInt(ms) * 1_000_000n;

/**
 * Deliveries of one message to one group more than once, over the deliveries starting in
 * [from − look-back, to): the extra deliveries that start in the range count (by class), and a
 * message with one is an occurrence.
 */
export function expectedDuplicates(m: Model, r: Range): ExpectedDuplicates {
  const lo = msNs(r.fromMs - lookbackMs(r));
  const hi = msNs(r.toMs);
  const inWindow = m.hops.filter((h) => h.identified && h.d.startNs >= lo && h.d.startNs < hi);
  const byClass: Record<DuplicateClass, number> = { redelivery_after_failure: 0, duplicate_after_success: 0 };
  const occurrences: ExpectedDuplicate[] = [];
  for (const list of byMessage(inWindow).values()) {
    const hasProcess = list.some((h) => h.d.operation === 'process');
    const ds = list.filter((h) => !hasProcess || h.d.operation === 'process');
    if (ds.length < 2) continue;
    const deliveries = ds.map((h, k) => ({
      spanId: h.d.spanId,
      startNs: h.d.startNs,
      class: (k === 0 ? null : ds[k - 1]!.d.status === 'ERROR' || h.d.redelivered ? 'redelivery_after_failure' : 'duplicate_after_success') as DuplicateClass | null,
    }));
    const extras = deliveries.filter((d) => {
      const ms = nsToMs(d.startNs);
      return d.class !== null && ms >= r.fromMs && ms < r.toMs;
    });
    if (extras.length === 0) continue;
    for (const d of extras) byClass[d.class!]++;
    const h = ds[0]!;
    occurrences.push({
      consumerGroup: h.group,
      destination: h.destination,
      message: h.message,
      deliveries: deliveries.map(({ spanId, class: c }) => ({ spanId, class: c })),
      class: extras.some((d) => d.class === 'duplicate_after_success') ? 'duplicate_after_success' : 'redelivery_after_failure',
      extraDeliveries: extras.length,
    });
  }
  occurrences.sort((a, b) => cmpStr(`${a.consumerGroup}|${a.message}`, `${b.consumerGroup}|${b.message}`));
  return { total: byClass.redelivery_after_failure + byClass.duplicate_after_success, byClass, occurrences };
}

// ---- ordering -----------------------------------------------------------------------------------

export interface ExpectedInversion {
  consumerGroup: string;
  destination: string;
  partition: string;
  basis: 'offset' | 'publish_order';
  /** the message delivered after one produced later */
  deliveredLater: string;
  /** among the messages delivered before it, the one produced latest */
  deliveredFirst: string;
}

export interface ExpectedOrdering {
  total: number;
  byBasis: Record<'offset' | 'publish_order', number>;
  inversions: ExpectedInversion[];
}

/**
 * Within (consumer group, destination, partition), each message's first delivery in delivery order
 * (start, then span id); a message whose offset is lower than the highest offset first-delivered
 * before it (by offset where known, else by publish start within the same key) is out of order.
 * Deliveries starting in [from − look-back, to) are read; inversions delivered in the range count.
 * Several messages of one batch span share their delivery: none of them is delivered before another.
 */
export function expectedOrdering(m: Model, r: Range): ExpectedOrdering {
  const lo = msNs(r.fromMs - lookbackMs(r));
  const hi = msNs(r.toMs);
  const inWindow = m.hops.filter((h) => h.identified && h.d.startNs >= lo && h.d.startNs < hi);
  type First = { h: Hop; basis: 'offset' | 'publish_order'; ord: bigint };
  const lanes = new Map<string, First[]>();
  for (const list of byMessage(inWindow).values()) {
    const h = list[0]!; // the first delivery (a receive prelude included: it is the earliest)
    const basis = h.offset !== null ? 'offset' : h.key !== '' && h.p ? 'publish_order' : null;
    if (!basis) continue;
    const ord = basis === 'offset' ? BigInt(h.offset!) : h.p!.startNs;
    const lane = `${h.group}\u0000${h.destination}\u0000${h.partition}\u0000${basis}\u0000${basis === 'publish_order' ? h.key : ''}`;
    let l = lanes.get(lane);
    if (!l) lanes.set(lane, (l = []));
    l.push({ h, basis, ord });
  }
  const inversions: ExpectedInversion[] = [];
  const byBasis = { offset: 0, publish_order: 0 };
  for (const l of lanes.values()) {
    l.sort((a, b) => deliveryOrder(a.h, b.h));
    let best: First | undefined; // produced latest among those delivered strictly before
    let k = 0;
    while (k < l.length) {
      // the messages of one delivery span (same start, same span) are delivered together
      let j = k;
      while (j < l.length && l[j]!.h.d.startNs === l[k]!.h.d.startNs && l[j]!.h.d.spanId === l[k]!.h.d.spanId) j++;
      for (let x = k; x < j; x++) {
        const f = l[x]!;
        if (best && f.ord < best.ord && f.h.d.startNs >= msNs(r.fromMs)) {
          byBasis[f.basis]++;
          inversions.push({
            consumerGroup: f.h.group,
            destination: f.h.destination,
            partition: f.h.partition,
            basis: f.basis,
            deliveredLater: f.h.message,
            deliveredFirst: best.h.message,
          });
        }
      }
      for (let x = k; x < j; x++) if (!best || l[x]!.ord > best.ord) best = l[x]!;
      k = j;
    }
  }
  inversions.sort((a, b) => cmpStr(`${a.consumerGroup}|${a.deliveredLater}`, `${b.consumerGroup}|${b.deliveredLater}`));
  return { total: byBasis.offset + byBasis.publish_order, byBasis, inversions };
}

// ---- lag ----------------------------------------------------------------------------------------

export interface LagQuery extends Range {
  stepMs: number;
  nowMs: number;
}

export interface ExpectedLagPoint {
  t: string;
  published: number;
  delivered: number;
  backlog: number;
  /** queue time of the interval's first deliveries with a known producer (ms, clamped at 0), null without */
  queueP50Ms: number | null;
  queueP95Ms: number | null;
  queueMaxMs: number | null;
  /** how many samples the percentiles are based on (the model's are exact up to 256) */
  queueSamples: number;
}

export interface ExpectedGroupLag {
  destination: string;
  consumerGroup: string;
  series: ExpectedLagPoint[];
  /** per known partition ('' too when some partitions are known), as /api/lag lists them */
  partitions: Array<{ partition: string; series: ExpectedLagPoint[] }>;
}

/**
 * Lag per (destination, consumer group) on the step grid of [from, to) (lib/analysis/lag.ts):
 * - published in an interval: publish spans starting in it (a send span with links excluded), to
 *   the destination, for every consumer group of the destination (a group that delivered from it
 *   in [from − look-back, to));
 * - delivered in an interval: first deliveries (the earliest delivery of each message to the
 *   group, producer-less messages included) starting in it;
 * - backlog at an interval's end: messages published since the look-back and before that end, not
 *   first-delivered before it (a first delivery before its publish, e.g. under clock skew, resolves
 *   the message in its publish interval);
 * - queue time of an interval: over its first deliveries whose producer is known, first delivery
 *   start − publish end, clamped at 0; exact percentiles.
 * Publish and delivery times are on the corrected clocks (Model.clockOffsetsNs).
 */
export function expectedLag(m: Model, q: LagQuery): ExpectedGroupLag[] {
  const lb = lookbackMs(q);
  const sinceNs = msNs(q.fromMs - lb);
  const toNs = msNs(q.toMs);
  const n = Math.ceil((q.toMs - q.fromMs) / q.stepMs);
  const interval = (ms: number) => Math.max(Math.floor((ms - q.fromMs) / q.stepMs), -1);

  const groupsOf = new Map<string, Set<string>>(); // destination → groups
  for (const d of m.deliveries) {
    if (d.startNs < sinceNs || d.startNs >= toNs) continue;
    let s = groupsOf.get(d.destination);
    if (!s) groupsOf.set(d.destination, (s = new Set()));
    s.add(d.group);
  }
  // first delivery of each message to each group, over the deliveries of the window
  const firsts = new Map<string, { h: Hop; firstMs: number }>();
  for (const h of m.hops) {
    if (h.d.startNs < sinceNs || h.d.startNs >= toNs) continue;
    const k = `${h.group}\u0000${h.destination}\u0000${h.message}`;
    const f = firsts.get(k);
    if (!f || deliveryOrder(h, f.h) < 0) firsts.set(k, { h, firstMs: nsToMs(corrected(m, h.d, h.d.startNs)) });
  }

  type Acc = { published: number[]; delivered: number[]; backlog: number[]; queue: number[][] };
  const newAcc = (): Acc => ({
    published: new Array(n).fill(0),
    delivered: new Array(n).fill(0),
    backlog: new Array(n).fill(0),
    queue: Array.from({ length: n }, () => []),
  });
  const groups = new Map<string, { destination: string; group: string; acc: Acc; parts: Map<string, Acc> }>();
  const accsOf = (destination: string, group: string, partition: string) => {
    const k = `${destination}\u0000${group}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { destination, group, acc: newAcc(), parts: new Map() }));
    let p = g.parts.get(partition);
    if (!p) g.parts.set(partition, (p = newAcc()));
    return [g.acc, p];
  };

  for (const p of m.publishes) {
    const startNs = corrected(m, p, p.startNs);
    if (startNs < sinceNs || startNs >= toNs) continue;
    if (p.operation === 'send' && p.links.length > 0) continue;
    const pubMs = nsToMs(startNs);
    const i = interval(pubMs);
    for (const group of groupsOf.get(p.destination) ?? []) {
      const f = firsts.get(`${group}\u0000${p.destination}\u0000span:${p.traceId}:${p.spanId}`);
      const partition = p.partition !== '' ? p.partition : (f?.h.partition ?? '');
      const r = f ? Math.max(Math.min(Math.floor((Math.max(pubMs, f.firstMs) - q.fromMs) / q.stepMs), n), 0) : n;
      for (const acc of accsOf(p.destination, group, partition)) {
        if (i >= 0) acc.published[i]!++;
        for (let k = Math.max(i, 0); k < Math.min(r, n); k++) acc.backlog[k]!++;
      }
    }
  }
  for (const f of firsts.values()) {
    const i = interval(f.firstMs);
    const h = f.h;
    const partition = h.p && h.p.partition !== '' ? h.p.partition : h.partition;
    const accs = accsOf(h.destination, h.group, partition);
    if (i < 0) continue;
    for (const acc of accs) {
      acc.delivered[i]!++;
      if (h.queueNs !== null) acc.queue[i]!.push(Number(h.queueNs > 0n ? h.queueNs : 0n) / 1e6);
    }
  }

  const seriesOf = (acc: Acc): ExpectedLagPoint[] => {
    const out: ExpectedLagPoint[] = [];
    for (let i = 0; i < n; i++) {
      const startMs = q.fromMs + i * q.stepMs;
      if (startMs > q.nowMs) break;
      const samples = acc.queue[i]!;
      const some = samples.length > 0;
      out.push({
        t: new Date(startMs).toISOString(),
        published: acc.published[i]!,
        delivered: acc.delivered[i]!,
        backlog: acc.backlog[i]!,
        queueP50Ms: some ? round3(quantileExactInclusive(samples, 0.5)) : null,
        queueP95Ms: some ? round3(quantileExactInclusive(samples, 0.95)) : null,
        queueMaxMs: some ? round3(Math.max(...samples)) : null,
        queueSamples: samples.length,
      });
    }
    return out;
  };
  return [...groups.values()]
    .sort((a, b) => a.destination.localeCompare(b.destination) || a.group.localeCompare(b.group))
    .map((g) => {
      const parts = [...g.parts.entries()].sort(([a], [b]) => comparePartitions(a, b));
      return {
        destination: g.destination,
        consumerGroup: g.group,
        series: seriesOf(g.acc),
        partitions: parts.some(([p]) => p !== '') ? parts.map(([partition, acc]) => ({ partition, series: seriesOf(acc) })) : [],
      };
    });
}

function comparePartitions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}
