// Delivery anomalies (DESIGN §6): duplicates (one message delivered more than once to the same
// consumer group) and ordering inversions (within consumer group × destination × partition, a
// message delivered after one produced later). Both are pairing-pass state (migration 018): the pass
// classifies every delivery (lib/hops/classify.ts) and records the extra ones in hop_repeats, and
// decides ordering per lane (lib/hops/ordering.ts) into order_inversions. A query counts those few
// rows and reads the full hops only of the occurrences it shows, so its cost follows the anomalies,
// not the traffic. Parent- and link-connected consumers count alike, and a span an exporter resent
// (same trace and span id) is never a duplicate.
import { hopKey } from '../domain.js';
import type { Store } from '../store/index.js';
import { publishLookbackMs } from './hops.js';
import { storedHopParams as hopParams, storedHopsSql as hopsSql, type StoredHopWindow as HopWindow } from './hop-state.js';

export type AnomalyType = 'duplicate' | 'ordering';
export const ANOMALY_TYPES: readonly AnomalyType[] = ['duplicate', 'ordering'];
export type DuplicateClass = 'redelivery_after_failure' | 'duplicate_after_success';

export interface AnomalyQuery {
  /** the consumer's environment / namespace (exact; issue 12) */
  env?: string;
  namespace?: string;
  fromMs: number;
  toMs: number;
  /** bucket width of the count series */
  stepMs: number;
  destination?: string;
  consumerGroup?: string;
  /** occurrences returned (counts always cover all) */
  limit: number;
  /** keep only occurrences touching one of these traces */
  traceIds?: string[];
  /** how far before `fromMs` deliveries (and twice that, publishes) are read for context; default max(1h, range) ≤ 24h */
  lookbackMs?: number;
}

export interface DeliveryRef {
  traceId: string;
  spanId: string;
  service: string;
  operation: string;
  at: string;
  startNs: string;
  status: string;
  /** an explicit redelivery/retry marker was on the span */
  redelivered: boolean;
  /** null for the first delivery; else how this extra delivery is classified */
  class: DuplicateClass | null;
  /** a duplicate after success that re-read an offset the group had moved past: its position was reset */
  fromRewind: boolean;
}

export interface DuplicateOccurrence {
  message: string;
  /** the message id the deliveries or the publish span carry (whatever identity `message` uses) */
  messageId: string | null;
  destination: string;
  consumerGroup: string;
  partition: string;
  offset: string | null;
  key: string;
  /** the most dangerous class among the extra deliveries */
  class: DuplicateClass;
  /** the extra deliveries come from a rewind (an offset reset), not from a lost acknowledgement */
  fromRewind: boolean;
  /** deliveries beyond the first */
  extraDeliveries: number;
  /** time of the first extra delivery */
  at: string;
  publish: { traceId: string; spanId: string; service: string } | null;
  deliveries: DeliveryRef[];
  /** request trace ids to open timelines (publish first, then deliveries) */
  traceIds: string[];
}

export interface OrderedMessage {
  message: string;
  offset: string | null;
  key: string;
  publishedAt: string | null;
  deliveredAt: string;
  deliver: { traceId: string; spanId: string; service: string };
  publish: { traceId: string; spanId: string } | null;
}

export interface OrderingOccurrence {
  destination: string;
  consumerGroup: string;
  partition: string;
  key: string;
  /** 'offset': both offsets known; 'publish_order': compared by publish span start within the key */
  basis: 'offset' | 'publish_order';
  /** when the out-of-order message was delivered */
  at: string;
  /** produced later but delivered first */
  deliveredFirst: OrderedMessage;
  /** produced earlier but delivered after it: the message out of order */
  deliveredLater: OrderedMessage;
  traceIds: string[];
}

export interface DuplicateResult {
  total: number;
  byClass: Record<DuplicateClass, number>;
  /** extra deliveries per interval, by class */
  series: Array<{ t: string } & Record<DuplicateClass, number>>;
  occurrences: DuplicateOccurrence[];
  truncated: boolean;
}

export interface OrderingResult {
  total: number;
  byBasis: Record<'offset' | 'publish_order', number>;
  series: Array<{ t: string; count: number }>;
  occurrences: OrderingOccurrence[];
  truncated: boolean;
}

const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

function windowOf(q: AnomalyQuery): HopWindow {
  const lookbackMs = q.lookbackMs ?? publishLookbackMs(q.fromMs, q.toMs);
  return {
    // earlier deliveries give context: a redelivery in range of a message first delivered before it
    deliverFromMs: q.fromMs - lookbackMs,
    deliverToMs: q.toMs,
    destination: q.destination,
    consumerGroup: q.consumerGroup,
    env: q.env,
    namespace: q.namespace,
  };
}

function bucketsOf(q: AnomalyQuery): number {
  return Math.ceil((q.toMs - q.fromMs) / q.stepMs);
}

function bucketIndex(q: AnomalyQuery, ns: bigint): number {
  return Math.floor((Number(ns / 1_000_000n) - q.fromMs) / q.stepMs);
}

const inRange = (q: AnomalyQuery, ns: bigint) => {
  const ms = Number(ns / 1_000_000n);
  return ms >= q.fromMs && ms < q.toMs;
};

/** A hop of one deliver span as the anomaly answers show it. */
type HopDetail = {
  consumer_group: string;
  destination: string;
  d_key: string;
  message_key: string;
  message: string;
  partition: string;
  offset: string | null;
  msg_key: string;
  message_id: string;
  p_trace_id: string;
  p_span_id: string;
  p_service: string;
  p_start_ns: string | null;
  d_start_ns: string;
  d_trace_id: string;
  d_span_id: string;
  d_service: string;
  d_status: string;
  d_redelivered: number;
  d_operation: string;
  class: string;
  rewind: number;
};

/** The window narrowed to the times (ms) of the hops to read. */
function narrowed(w: HopWindow, msList: number[]): HopWindow {
  let lo = Infinity;
  let hi = -Infinity;
  for (const ms of msList) {
    lo = Math.min(lo, ms);
    hi = Math.max(hi, ms);
  }
  return { ...w, deliverFromMs: Math.max(w.deliverFromMs, lo), deliverToMs: Math.min(w.deliverToMs, hi + 1) };
}

/** The stored hops of the window's deliverKeys / messageKeys. */
async function hopDetails(store: Store, w: HopWindow, name: string): Promise<HopDetail[]> {
  if ((w.deliverKeys ?? w.messageKeys ?? []).length === 0) return [];
  return store.query<HopDetail>(
    `SELECT consumer_group, destination, toString(d_key) AS d_key, toString(message_key) AS message_key, message, partition, offset, msg_key, message_id,
            p_trace_id, p_span_id, p_service,
            if(matched, toString(toUnixTimestamp64Nano(assumeNotNull(p_start))), NULL) AS p_start_ns,
            toString(toUnixTimestamp64Nano(d_start)) AS d_start_ns, d_trace_id, d_span_id, d_service, d_status,
            d_redelivered, d_operation, class, rewind
     FROM (${hopsSql(store.database, w)})`,
    { name, params: hopParams(w) },
  );
}

/** SQL conditions (and params) of the filters a state table of 018 shares with hops. */
function stateFilters(q: AnomalyQuery, timeColumn: string, traceCondition: string): { where: string; params: Record<string, unknown> } {
  const where = [
    `${timeColumn} >= fromUnixTimestamp64Milli({fromMs:Int64}) AND ${timeColumn} < fromUnixTimestamp64Milli({toMs:Int64})`,
    q.destination !== undefined ? 'destination = {destination:String}' : '',
    q.consumerGroup !== undefined ? 'consumer_group = {group:String}' : '',
    q.env !== undefined ? 'd_env = {env:String}' : '',
    q.namespace !== undefined ? 'd_namespace = {namespace:String}' : '',
    q.traceIds ? traceCondition : '',
  ].filter(Boolean);
  return {
    where: where.join(' AND '),
    params: {
      fromMs: q.fromMs,
      toMs: q.toMs,
      destination: q.destination ?? '',
      group: q.consumerGroup ?? '',
      env: q.env ?? '',
      namespace: q.namespace ?? '',
      traceIds: q.traceIds ?? [],
    },
  };
}

export async function findDuplicates(store: Store, q: AnomalyQuery): Promise<DuplicateResult> {
  // 1. the extra deliveries in range (the pass keeps them in hop_repeats): every count comes from
  // these; 2. the hops of the messages shown (the newest `limit`), with every delivery of each.
  // With traceIds: extra deliveries in those traces or of messages published in them.
  const f = stateFilters(q, 'd_start', '(d_trace_id IN {traceIds:Array(String)} OR p_trace_id IN {traceIds:Array(String)})');
  const extras = await store.query<{ consumer_group: string; destination: string; message_key: string; ns: string; class: DuplicateClass }>(
    `SELECT consumer_group, destination, toString(message_key) AS message_key, toString(toUnixTimestamp64Nano(d_start)) AS ns, class
       FROM ${store.database}.hop_repeats FINAL
      WHERE ${f.where}`,
    { name: 'anomalies:duplicates', params: f.params },
  );
  const n = bucketsOf(q);
  const series = Array.from({ length: n }, (_, i) => ({
    t: new Date(q.fromMs + i * q.stepMs).toISOString(),
    redelivery_after_failure: 0,
    duplicate_after_success: 0,
  }));
  const byClass: Record<DuplicateClass, number> = { redelivery_after_failure: 0, duplicate_after_success: 0 };
  /** per (group, destination, message): its first extra delivery in range */
  const messages = new Map<string, { consumer_group: string; destination: string; message_key: string; firstNs: bigint }>();
  for (const e of extras) {
    if (e.class !== 'redelivery_after_failure' && e.class !== 'duplicate_after_success') continue;
    const ns = BigInt(e.ns);
    byClass[e.class]++;
    const b = bucketIndex(q, ns);
    if (b >= 0 && b < n) series[b]![e.class]++;
    const k = `${e.consumer_group}\u0000${e.destination}\u0000${e.message_key}`;
    const m = messages.get(k);
    if (!m) messages.set(k, { consumer_group: e.consumer_group, destination: e.destination, message_key: e.message_key, firstNs: ns });
    else if (ns < m.firstNs) m.firstNs = ns;
  }
  // newest first
  const shown = [...messages.values()].sort((a, b) => (a.firstNs < b.firstNs ? 1 : a.firstNs > b.firstNs ? -1 : 0)).slice(0, q.limit);
  const w = windowOf(q);
  const details = await hopDetails(
    store,
    { ...w, messageKeys: [...new Set(shown.map((m) => m.message_key))] },
    'anomalies:duplicates-details',
  );
  const hopsOf = new Map<string, HopDetail[]>();
  for (const h of details) {
    if (h.class === 'prelude') continue;
    const list = hopsOf.get(h.message_key) ?? [];
    hopsOf.set(h.message_key, list);
    list.push(h);
  }
  const occurrences: DuplicateOccurrence[] = [];
  for (const m of shown) {
    // a message's rows are of every group it went to: this group's, in delivery order
    const hops = (hopsOf.get(m.message_key) ?? [])
      .filter((h) => h.consumer_group === m.consumer_group && h.destination === m.destination)
      .sort((a, b) => cmpNs(a.d_start_ns, b.d_start_ns) || (a.d_span_id < b.d_span_id ? -1 : a.d_span_id > b.d_span_id ? 1 : 0));
    if (hops.length < 2) continue;
    const deliveries: DeliveryRef[] = hops.map((h) => {
      const cls = h.class === 'redelivery_after_failure' || h.class === 'duplicate_after_success' ? h.class : null;
      return {
        traceId: h.d_trace_id,
        spanId: h.d_span_id,
        service: h.d_service,
        operation: h.d_operation,
        at: iso(BigInt(h.d_start_ns)),
        startNs: h.d_start_ns,
        status: h.d_status,
        redelivered: Number(h.d_redelivered) === 1,
        class: cls,
        fromRewind: cls === 'duplicate_after_success' && Number(h.rewind) === 1,
      };
    });
    const extrasInRange = deliveries.filter((d) => d.class && inRange(q, BigInt(d.startNs)));
    if (extrasInRange.length === 0) continue;
    const h = hops[0]!;
    const first = hops.find((x) => x.p_trace_id !== '') ?? h;
    occurrences.push({
      message: h.message,
      messageId: hops.find((x) => x.message_id !== '')?.message_id || null,
      destination: m.destination,
      consumerGroup: m.consumer_group,
      partition: h.partition,
      offset: h.offset,
      key: h.msg_key,
      class: extrasInRange.some((d) => d.class === 'duplicate_after_success') ? 'duplicate_after_success' : 'redelivery_after_failure',
      fromRewind: extrasInRange.some((d) => d.fromRewind),
      extraDeliveries: extrasInRange.length,
      at: extrasInRange[0]!.at,
      publish: first.p_trace_id ? { traceId: first.p_trace_id, spanId: first.p_span_id, service: first.p_service } : null,
      deliveries,
      traceIds: [...new Set([...(first.p_trace_id ? [first.p_trace_id] : []), ...deliveries.map((d) => d.traceId)])],
    });
  }
  return {
    total: byClass.redelivery_after_failure + byClass.duplicate_after_success,
    byClass,
    series,
    occurrences,
    truncated: messages.size > q.limit,
  };
}

const cmpNs = (a: string, b: string) => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export async function findOrderingInversions(store: Store, q: AnomalyQuery): Promise<OrderingResult> {
  // 1. the inversions the pass decided (order_inversions) in range: every count comes from these;
  // 2. the two hops of each one shown (the newest `limit`). With traceIds: those where either
  // message was published or delivered in one of the traces.
  const f = stateFilters(q, 'at', 'hasAny(trace_ids, {traceIds:Array(String)})');
  const inv = await store.query<{
    basis: 'o' | 'k';
    consumer_group: string;
    destination: string;
    partition: string;
    ns: string;
    d_key: string;
    message_key: string;
    a_ns: string;
    a_d_key: string;
    a_message_key: string;
  }>(
    `SELECT basis, consumer_group, destination, partition, toString(toUnixTimestamp64Nano(at)) AS ns,
            toString(d_key) AS d_key, toString(message_key) AS message_key,
            toString(toUnixTimestamp64Nano(a_at)) AS a_ns, toString(a_d_key) AS a_d_key, toString(a_message_key) AS a_message_key
       FROM ${store.database}.order_inversions FINAL
      WHERE ${f.where}`,
    { name: 'anomalies:ordering', params: f.params },
  );
  const n = bucketsOf(q);
  const series = Array.from({ length: n }, (_, i) => ({ t: new Date(q.fromMs + i * q.stepMs).toISOString(), count: 0 }));
  const byBasis = { offset: 0, publish_order: 0 };
  for (const r of inv) {
    byBasis[r.basis === 'o' ? 'offset' : 'publish_order']++;
    const b = bucketIndex(q, BigInt(r.ns));
    if (b >= 0 && b < n) series[b]!.count++;
  }
  const shown = [...inv].sort((a, b) => cmpNs(b.ns, a.ns) || (a.d_key < b.d_key ? -1 : 1)).slice(0, q.limit);
  const msOfNs = (ns: string) => Number(BigInt(ns) / 1_000_000n);
  const { destination: _d, consumerGroup: _g, env: _e, namespace: _n, ...w } = windowOf(q);
  const details = new Map(
    (
      await hopDetails(
        store,
        {
          ...narrowed(
            { ...w, deliverFromMs: -Infinity, deliverToMs: Infinity },
            shown.flatMap((r) => [msOfNs(r.ns), msOfNs(r.a_ns)]),
          ),
          deliverKeys: [...new Set(shown.flatMap((r) => [r.d_key, r.a_d_key]))],
        },
        'anomalies:ordering-details',
      )
    ).map((h) => [hopKey(h.d_key, h.message_key), h]),
  );
  const message = (h: HopDetail): OrderedMessage => ({
    message: h.message,
    offset: h.offset,
    key: h.msg_key,
    publishedAt: h.p_start_ns ? iso(BigInt(h.p_start_ns)) : null,
    deliveredAt: iso(BigInt(h.d_start_ns)),
    deliver: { traceId: h.d_trace_id, spanId: h.d_span_id, service: h.d_service },
    publish: h.p_trace_id ? { traceId: h.p_trace_id, spanId: h.p_span_id } : null,
  });
  const occurrences: OrderingOccurrence[] = [];
  for (const r of shown) {
    const laterHop = details.get(hopKey(r.d_key, r.message_key));
    const firstHop = details.get(hopKey(r.a_d_key, r.a_message_key));
    if (!laterHop || !firstHop) continue;
    const later = message(laterHop);
    const first = message(firstHop);
    occurrences.push({
      destination: r.destination,
      consumerGroup: r.consumer_group,
      partition: r.partition,
      key: later.key,
      basis: r.basis === 'o' ? 'offset' : 'publish_order',
      at: later.deliveredAt,
      deliveredFirst: first,
      deliveredLater: later,
      traceIds: [
        ...new Set([first.publish?.traceId, first.deliver.traceId, later.publish?.traceId, later.deliver.traceId].filter((t): t is string => !!t)),
      ],
    });
  }
  return {
    total: byBasis.offset + byBasis.publish_order,
    byBasis,
    series,
    occurrences,
    truncated: inv.length > q.limit,
  };
}

/** Duplicates and ordering inversions touching any of the given traces (for a request timeline). */
export async function anomaliesForTraces(
  store: Store,
  opts: { traceIds: string[]; fromMs: number; toMs: number; limit?: number },
): Promise<{ duplicates: DuplicateOccurrence[]; ordering: OrderingOccurrence[] }> {
  if (opts.traceIds.length === 0) return { duplicates: [], ordering: [] };
  const q: AnomalyQuery = {
    fromMs: opts.fromMs,
    toMs: opts.toMs,
    stepMs: Math.max(1, opts.toMs - opts.fromMs),
    limit: opts.limit ?? 100,
    traceIds: opts.traceIds,
    // ordering compares with neighbours in the partition: a short context keeps a timeline fast
    lookbackMs: 5 * 60_000,
  };
  const [d, o] = await Promise.all([findDuplicates(store, q), findOrderingInversions(store, q)]);
  return { duplicates: d.occurrences, ordering: o.occurrences };
}

