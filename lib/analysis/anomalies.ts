// Delivery anomalies (DESIGN §6): duplicates (one message delivered more than once to the same
// consumer group) and ordering inversions (within consumer group × destination × partition, a
// message delivered after one produced later). Both are pairing-pass state (migration 018): the pass
// classifies every delivery (lib/hops/classify.ts) and records the extra ones in hop_repeats, and
// decides ordering per lane (lib/hops/ordering.ts) into order_inversions. A query counts those few
// rows and reads the full hops only of the occurrences it shows, so its cost follows the anomalies,
// not the traffic. Parent- and link-connected consumers count alike, and a span an exporter resent
// (same trace and span id) is never a duplicate.
import type { Store } from '../store/index.js';
import { publishLookbackMs } from './hops.js';

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

/** Deliveries are read from here: earlier ones give context (a redelivery in range of a message first delivered before it). */
function sinceOf(q: AnomalyQuery): number {
  return q.fromMs - (q.lookbackMs ?? publishLookbackMs(q.fromMs, q.toMs));
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

type RepeatRow = {
  consumer_group: string;
  destination: string;
  message_key: string;
  ns: string;
  class: string;
  rewind: number;
  message: string;
  message_id: string;
  partition: string;
  offset: string | null;
  msg_key: string;
  d_trace_id: string;
  d_span_id: string;
  d_service: string;
  d_operation: string;
  d_status: string;
  d_redelivered: number;
  p_trace_id: string;
  p_span_id: string;
  p_service: string;
};

export async function findDuplicates(store: Store, q: AnomalyQuery): Promise<DuplicateResult> {
  // Every delivery of the messages delivered more than once (the pass keeps them in hop_repeats),
  // from the look-back on: the extra ones in range are counted, the newest `limit` messages shown
  // with all their deliveries. With traceIds: messages with a delivery in those traces, or published
  // in them.
  const sinceMs = sinceOf(q);
  const db = store.database;
  const window = `d_start >= fromUnixTimestamp64Milli({sinceMs:Int64}) AND d_start < fromUnixTimestamp64Milli({toMs:Int64})`;
  const f = stateFilters({ ...q, traceIds: undefined, fromMs: sinceMs }, 'd_start', '');
  const rows = await store.query<RepeatRow>(
    `SELECT consumer_group, destination, toString(message_key) AS message_key, toString(toUnixTimestamp64Nano(d_start)) AS ns,
            class, rewind, message, message_id, partition, offset, msg_key, d_trace_id, d_span_id, d_service, d_operation,
            d_status, d_redelivered, p_trace_id, p_span_id, p_service
       FROM ${db}.hop_repeats FINAL
      WHERE ${f.where} AND class != 'prelude'
        ${
          q.traceIds
            ? `AND (consumer_group, destination, message_key) IN (
                 SELECT consumer_group, destination, message_key FROM ${db}.hop_repeats FINAL
                  WHERE ${window} AND (d_trace_id IN {traceIds:Array(String)} OR p_trace_id IN {traceIds:Array(String)}))`
            : ''
        }`,
    { name: 'anomalies:duplicates', params: { ...f.params, sinceMs, toMs: q.toMs, traceIds: q.traceIds ?? [] } },
  );
  const n = bucketsOf(q);
  const series = Array.from({ length: n }, (_, i) => ({
    t: new Date(q.fromMs + i * q.stepMs).toISOString(),
    redelivery_after_failure: 0,
    duplicate_after_success: 0,
  }));
  const byClass: Record<DuplicateClass, number> = { redelivery_after_failure: 0, duplicate_after_success: 0 };
  const messages = new Map<string, RepeatRow[]>();
  for (const r of rows) {
    const k = `${r.consumer_group}\u0000${r.destination}\u0000${r.message_key}`;
    const list = messages.get(k) ?? [];
    messages.set(k, list);
    list.push(r);
  }
  const occurrences: Array<DuplicateOccurrence & { sortNs: bigint }> = [];
  for (const list of messages.values()) {
    list.sort((a, b) => cmpNs(a.ns, b.ns) || (a.d_span_id < b.d_span_id ? -1 : a.d_span_id > b.d_span_id ? 1 : 0));
    const deliveries: DeliveryRef[] = list.map((h) => {
      const cls = h.class === 'redelivery_after_failure' || h.class === 'duplicate_after_success' ? h.class : null;
      return {
        traceId: h.d_trace_id,
        spanId: h.d_span_id,
        service: h.d_service,
        operation: h.d_operation,
        at: iso(BigInt(h.ns)),
        startNs: h.ns,
        status: h.d_status,
        redelivered: Number(h.d_redelivered) === 1,
        class: cls,
        fromRewind: cls === 'duplicate_after_success' && Number(h.rewind) === 1,
      };
    });
    const extrasInRange = deliveries.filter((d) => d.class && inRange(q, BigInt(d.startNs)));
    if (extrasInRange.length === 0) continue;
    for (const d of extrasInRange) {
      byClass[d.class!]++;
      const b = bucketIndex(q, BigInt(d.startNs));
      if (b >= 0 && b < n) series[b]![d.class!]++;
    }
    const h = list[0]!;
    const pub = list.find((x) => x.p_trace_id !== '') ?? h;
    occurrences.push({
      message: h.message,
      messageId: list.find((x) => x.message_id !== '')?.message_id || null,
      destination: h.destination,
      consumerGroup: h.consumer_group,
      partition: h.partition,
      offset: h.offset,
      key: h.msg_key,
      class: extrasInRange.some((d) => d.class === 'duplicate_after_success') ? 'duplicate_after_success' : 'redelivery_after_failure',
      fromRewind: extrasInRange.some((d) => d.fromRewind),
      extraDeliveries: extrasInRange.length,
      at: extrasInRange[0]!.at,
      publish: pub.p_trace_id ? { traceId: pub.p_trace_id, spanId: pub.p_span_id, service: pub.p_service } : null,
      deliveries,
      traceIds: [...new Set([...(pub.p_trace_id ? [pub.p_trace_id] : []), ...deliveries.map((d) => d.traceId)])],
      sortNs: BigInt(extrasInRange[0]!.startNs),
    });
  }
  occurrences.sort((a, b) => (a.sortNs < b.sortNs ? 1 : a.sortNs > b.sortNs ? -1 : 0)); // newest first
  return {
    total: byClass.redelivery_after_failure + byClass.duplicate_after_success,
    byClass,
    series,
    occurrences: occurrences.slice(0, q.limit).map(({ sortNs: _, ...o }) => o),
    truncated: occurrences.length > q.limit,
  };
}

const cmpNs = (a: string, b: string) => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export async function findOrderingInversions(store: Store, q: AnomalyQuery): Promise<OrderingResult> {
  // The inversions the pass decided (order_inversions, with both messages' fields) in range: the
  // counts per basis and interval, and the fields of the newest `limit` only.
  const f = orderingFilters(q);
  const [counts, occurrences] = await Promise.all([
    store.query<{ basis: 'o' | 'k'; b: string; n: string }>(
      `SELECT basis, toString(intDiv(toInt64(toUnixTimestamp64Milli(at)) - {fromMs:Int64}, {stepMs:Int64})) AS b, count() AS n
         FROM ${store.database}.order_inversions FINAL
        WHERE ${f.where}
        GROUP BY basis, b`,
      { name: 'anomalies:ordering-counts', params: { ...f.params, stepMs: q.stepMs } },
    ),
    orderingOccurrences(store, q),
  ]);
  const n = bucketsOf(q);
  const series = Array.from({ length: n }, (_, i) => ({ t: new Date(q.fromMs + i * q.stepMs).toISOString(), count: 0 }));
  const byBasis = { offset: 0, publish_order: 0 };
  for (const r of counts) {
    byBasis[r.basis === 'o' ? 'offset' : 'publish_order'] += Number(r.n);
    const b = Number(r.b);
    if (b >= 0 && b < n) series[b]!.count += Number(r.n);
  }
  const total = byBasis.offset + byBasis.publish_order;
  return { total, byBasis, series, occurrences, truncated: total > q.limit };
}

/** With traceIds: the inversions where either message was published or delivered in one of the traces. */
const orderingFilters = (q: AnomalyQuery) => stateFilters(q, 'at', 'hasAny(trace_ids, {traceIds:Array(String)})');

/** The newest `limit` inversions in range, with both messages' fields. */
async function orderingOccurrences(store: Store, q: AnomalyQuery): Promise<OrderingOccurrence[]> {
  const f = orderingFilters(q);
  const inv = await store.query<{
    basis: 'o' | 'k';
    consumer_group: string;
    destination: string;
    partition: string;
    later: string[];
    first: string[];
  }>(
    `SELECT basis, consumer_group, destination, partition, later, first
       FROM ${store.database}.order_inversions FINAL
      WHERE ${f.where}
      ORDER BY at DESC, d_key
      LIMIT {limit:UInt32}`,
    { name: 'anomalies:ordering', params: { ...f.params, limit: q.limit } },
  );
  // the fields order_inversions keeps of each message, in MESSAGE_FIELDS order (lib/hops/ordering.ts)
  const message = (m: string[]): OrderedMessage => {
    const [msg, offset, key, pStart, dStart, dTrace, dSpan, dService, pTrace, pSpan] = m;
    return {
      message: msg ?? '',
      offset: offset || null,
      key: key ?? '',
      publishedAt: pStart ? iso(BigInt(pStart)) : null,
      deliveredAt: iso(BigInt(dStart || '0')),
      deliver: { traceId: dTrace ?? '', spanId: dSpan ?? '', service: dService ?? '' },
      publish: pTrace ? { traceId: pTrace, spanId: pSpan ?? '' } : null,
    };
  };
  return inv.map((r): OrderingOccurrence => {
    const later = message(r.later);
    const first = message(r.first);
    return {
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
    };
  });
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
  // a timeline shows the occurrences only: no counts
  const [d, ordering] = await Promise.all([findDuplicates(store, q), orderingOccurrences(store, q)]);
  return { duplicates: d.occurrences, ordering };
}

