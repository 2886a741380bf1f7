// Delivery anomalies (DESIGN §6): duplicates (one message delivered more than once to the same
// consumer group) and ordering inversions (within consumer group × destination × partition, a
// message delivered after one produced later). Built on the hop pairing of hops.ts, so both parent-
// and link-connected consumers count, and a span an exporter resent (same trace and span id) is
// never a duplicate.
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

type DuplicateRow = {
  consumer_group: string;
  destination: string;
  message: string;
  partition: string;
  offset: string | null;
  msg_key: string;
  message_id: string;
  p_trace_id: string;
  p_span_id: string;
  p_service: string;
  deliveries: Array<[string, string, string, string, string, number, string, number]>;
};

/** A hop of one deliver span as the anomaly answers show it. */
type HopDetail = {
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
  rewind: number;
};

/**
 * The window for reading the hops of the given deliver spans: the same producers, the deliveries
 * narrowed to those spans and to the time they span (msList: their start times in ms).
 */
function detailWindow(w: HopWindow, deliverKeys: string[], msList: number[]): HopWindow {
  const { traceIds: _t, groupsOfTraceIds: _g, ...rest } = w;
  if (deliverKeys.length === 0) return { ...rest, deliverKeys: [] };
  return {
    ...rest,
    deliverFromMs: Math.max(w.deliverFromMs, Math.min(...msList)),
    deliverToMs: Math.min(w.deliverToMs, Math.max(...msList) + 1),
    deliverKeys: [...new Set(deliverKeys)],
  };
}

/** The hops of the given deliver spans (w.deliverKeys), by `${d_key}\0${message_key}`. */
async function hopDetails(store: Store, w: HopWindow, name: string): Promise<Map<string, HopDetail>> {
  if (!w.deliverKeys || w.deliverKeys.length === 0) return new Map();
  const rows = await store.query<HopDetail>(
    `SELECT toString(d_key) AS d_key, toString(message_key) AS message_key, message, partition, offset, msg_key, message_id,
            p_trace_id, p_span_id, p_service,
            if(matched, toString(toUnixTimestamp64Nano(assumeNotNull(p_start))), NULL) AS p_start_ns,
            toString(toUnixTimestamp64Nano(d_start)) AS d_start_ns, d_trace_id, d_span_id, d_service, d_status,
            d_redelivered, d_operation, rewind
     FROM (${hopsSql(store.database, w)})`,
    { name, params: hopParams(w) },
  );
  return new Map(rows.map((r) => [hopKey(r.d_key, r.message_key), r]));
}

export async function findDuplicates(store: Store, q: AnomalyQuery): Promise<DuplicateResult> {
  // every delivery of a message produced in (or delivered in) the traces is in or points into them
  const w: HopWindow = { ...windowOf(q), traceIds: q.traceIds };
  // 1. which messages were delivered more than once to a group (keys only), 2. the details of
  // just those deliveries (the pairing restricted to their deliver spans)
  const dup = await store.query<{ consumer_group: string; destination: string; message_key: string; d_keys: string[]; min_ms: string; max_ms: string }>(
    `SELECT consumer_group, destination, toString(message_key) AS message_key, groupArray(toString(d_key)) AS d_keys,
            toInt64(toUnixTimestamp64Milli(min(d_start))) AS min_ms, toInt64(toUnixTimestamp64Milli(max(d_start))) AS max_ms
     FROM (${hopsSql(store.database, w)}) AS h
     WHERE identified
     GROUP BY consumer_group, destination, message_key
     HAVING count() > 1
       AND max(d_start) >= fromUnixTimestamp64Milli({fromMs:Int64})`,
    { name: 'anomalies:duplicates', params: { ...hopParams(w), fromMs: q.fromMs } },
  );
  const details = await hopDetails(
    store,
    detailWindow(w, dup.flatMap((r) => r.d_keys), dup.flatMap((r) => [Number(r.min_ms), Number(r.max_ms)])),
    'anomalies:duplicates-details',
  );
  const rows: DuplicateRow[] = [];
  for (const r of dup) {
    const hops = r.d_keys.map((k) => details.get(hopKey(k, r.message_key))).filter((h): h is HopDetail => !!h);
    if (hops.length === 0) continue;
    const h = hops[0]!;
    rows.push({
      consumer_group: r.consumer_group,
      destination: r.destination,
      message: h.message,
      partition: h.partition,
      offset: h.offset,
      msg_key: h.msg_key,
      // any delivery (or the publish span) that names the message's id
      message_id: hops.find((x) => x.message_id !== '')?.message_id ?? '',
      p_trace_id: h.p_trace_id,
      p_span_id: h.p_span_id,
      p_service: h.p_service,
      deliveries: hops
        .map((x) => [x.d_start_ns, x.d_trace_id, x.d_span_id, x.d_service, x.d_status, x.d_redelivered, x.d_operation, Number(x.rewind)] as DuplicateRow['deliveries'][number])
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0)),
    });
  }

  const n = bucketsOf(q);
  const series = Array.from({ length: n }, (_, i) => ({
    t: new Date(q.fromMs + i * q.stepMs).toISOString(),
    redelivery_after_failure: 0,
    duplicate_after_success: 0,
  }));
  const byClass: Record<DuplicateClass, number> = { redelivery_after_failure: 0, duplicate_after_success: 0 };
  const occurrences: Array<DuplicateOccurrence & { sortNs: bigint }> = [];
  const wanted = q.traceIds ? new Set(q.traceIds) : null;

  for (const r of rows) {
    // A process span is the delivery; a receive span of the same message to the same group
    // (Java agent receive + process) is its prelude, not a second delivery.
    const hasProcess = r.deliveries.some((d) => d[6] === 'process');
    const ds = r.deliveries.filter((d) => !hasProcess || d[6] === 'process');
    if (ds.length < 2) continue;
    const deliveries: DeliveryRef[] = ds.map((d, k) => {
      const ns = BigInt(d[0]);
      const prev = ds[k - 1];
      const cls: DuplicateClass | null =
        k === 0 ? null : prev![4] === 'ERROR' || d[5] === 1 ? 'redelivery_after_failure' : 'duplicate_after_success';
      return {
        traceId: d[1],
        spanId: d[2],
        service: d[3],
        operation: d[6],
        at: iso(ns),
        startNs: d[0],
        status: d[4],
        redelivered: d[5] === 1,
        fromRewind: cls === 'duplicate_after_success' && d[7] === 1,
        class: cls,
      };
    });
    const extrasInRange = deliveries.filter((d) => d.class && inRange(q, BigInt(d.startNs)));
    if (extrasInRange.length === 0) continue;
    const traceIds = [...new Set([...(r.p_trace_id ? [r.p_trace_id] : []), ...deliveries.map((d) => d.traceId)])];
    if (wanted && !traceIds.some((t) => wanted.has(t))) continue;
    for (const d of extrasInRange) {
      byClass[d.class!]++;
      const b = bucketIndex(q, BigInt(d.startNs));
      if (b >= 0 && b < n) series[b]![d.class!]++;
    }
    const firstExtra = extrasInRange[0]!;
    occurrences.push({
      message: r.message,
      messageId: r.message_id || null,
      destination: r.destination,
      consumerGroup: r.consumer_group,
      partition: r.partition,
      offset: r.offset,
      key: r.msg_key,
      class: extrasInRange.some((d) => d.class === 'duplicate_after_success') ? 'duplicate_after_success' : 'redelivery_after_failure',
      fromRewind: extrasInRange.some((d) => d.fromRewind),
      extraDeliveries: extrasInRange.length,
      at: firstExtra.at,
      publish: r.p_trace_id ? { traceId: r.p_trace_id, spanId: r.p_span_id, service: r.p_service } : null,
      deliveries,
      traceIds,
      sortNs: BigInt(firstExtra.startNs),
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

type OrderingRow = {
  basis: 'offset' | 'publish_order';
  consumer_group: string;
  destination: string;
  partition: string;
  msg_key: string;
  message: string;
  offset: string | null;
  p_trace_id: string;
  p_span_id: string;
  p_start_ns: string | null;
  d_trace_id: string;
  d_span_id: string;
  d_service: string;
  d_start_ns: string;
  // the message delivered before it that was produced latest
  a: [string, string | null, string, string, string | null, string, string, string, string, string];
};

export async function findOrderingInversions(store: Store, q: AnomalyQuery): Promise<OrderingResult> {
  // for a request: only its consumer groups (an inversion is within one group), whole partitions
  const w: HopWindow = { ...windowOf(q), groupsOfTraceIds: q.traceIds };
  // per (message, group): its first delivery; then, per partition (and key, without offsets), each
  // delivery compared with the highest offset / latest publish delivered before it — on keys and
  // numbers only; the details of the few messages out of order are read afterwards.
  const inv = await store.query<{
    cls: 'o' | 'k';
    consumer_group: string;
    destination: string;
    message_key: string;
    d_key: string;
    a_message_key: string;
    a_d_key: string;
    ms: string;
    a_ms: string;
  }>(
    `WITH first AS (
       SELECT consumer_group, destination, message_key,
              argMin(partition, d_start) AS partition, argMin(offset, d_start) AS offset, argMin(msg_key, d_start) AS msg_key,
              if(max(matched) = 1, toUnixTimestamp64Nano(assumeNotNull(anyIf(p_start, matched = 1))), NULL) AS p_start_ns,
              min(d_start) AS first_start,
              toInt64(toUnixTimestamp64Nano(first_start)) AS first_ns,
              argMin(d_key, d_start) AS first_d_key
       FROM (${hopsSql(store.database, w)}) AS h
       WHERE identified
       GROUP BY consumer_group, destination, message_key
     )
     SELECT cls, consumer_group, destination, toString(message_key) AS message_key, toString(first_d_key) AS d_key,
            toString(a.1) AS a_message_key, toString(a.2) AS a_d_key,
            toInt64(toUnixTimestamp64Milli(first_start)) AS ms, a.3 AS a_ms
     FROM (
       SELECT cls, consumer_group, destination, message_key, first_d_key, first_start, ord,
              max(ord) OVER prior AS prior_max,
              count() OVER prior AS prior_count,
              argMax((message_key, first_d_key, toInt64(toUnixTimestamp64Milli(first_start))), ord) OVER prior AS a
       FROM (
         SELECT consumer_group, destination, message_key, first_d_key, first_start, first_ns,
                -- compared by offset where known, else by publish start within the key
                multiIf(offset IS NOT NULL, 'o', msg_key != '' AND p_start_ns IS NOT NULL, 'k', '') AS cls,
                assumeNotNull(if(cls = 'o', offset, p_start_ns)) AS ord,
                -- the window's partition as a 64-bit hash: twice as fast as by its strings
                cityHash64(consumer_group, destination, partition, cls, if(cls = 'k', msg_key, '')) AS within
           FROM first
       )
       WHERE cls != ''
       WINDOW prior AS (PARTITION BY within
                        -- deliveries that started earlier; the messages of one batch span start together and
                        -- are delivered at once, so they are never compared with each other
                        ORDER BY first_ns RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
     )
     WHERE prior_count > 0 AND ord < prior_max AND first_start >= fromUnixTimestamp64Milli({fromMs:Int64})`,
    { name: 'anomalies:ordering', params: { ...hopParams(w), fromMs: q.fromMs } },
  );
  const details = await hopDetails(
    store,
    detailWindow(w, inv.flatMap((r) => [r.d_key, r.a_d_key]), inv.flatMap((r) => [Number(r.ms), Number(r.a_ms)])),
    'anomalies:ordering-details',
  );
  const rows: OrderingRow[] = [];
  for (const r of inv) {
    const later = details.get(hopKey(r.d_key, r.message_key));
    const first = details.get(hopKey(r.a_d_key, r.a_message_key));
    if (!later || !first) continue;
    rows.push({
      basis: r.cls === 'o' ? 'offset' : 'publish_order',
      consumer_group: r.consumer_group,
      destination: r.destination,
      partition: later.partition,
      msg_key: later.msg_key,
      message: later.message,
      offset: later.offset,
      p_trace_id: later.p_trace_id,
      p_span_id: later.p_span_id,
      p_start_ns: later.p_start_ns,
      d_trace_id: later.d_trace_id,
      d_span_id: later.d_span_id,
      d_service: later.d_service,
      d_start_ns: later.d_start_ns,
      a: [
        first.message,
        first.offset,
        first.msg_key,
        first.p_trace_id,
        first.p_start_ns,
        first.p_span_id,
        first.d_trace_id,
        first.d_span_id,
        first.d_service,
        first.d_start_ns,
      ],
    });
  }

  const n = bucketsOf(q);
  const series = Array.from({ length: n }, (_, i) => ({ t: new Date(q.fromMs + i * q.stepMs).toISOString(), count: 0 }));
  const byBasis = { offset: 0, publish_order: 0 };
  const wanted = q.traceIds ? new Set(q.traceIds) : null;
  const occurrences: Array<OrderingOccurrence & { sortNs: bigint }> = [];
  for (const r of rows) {
    const [aMessage, aOffset, aKey, aPTrace, aPStart, aPSpan, aDTrace, aDSpan, aDService, aDStart] = r.a;
    const later: OrderedMessage = {
      message: r.message,
      offset: r.offset,
      key: r.msg_key,
      publishedAt: r.p_start_ns ? iso(BigInt(r.p_start_ns)) : null,
      deliveredAt: iso(BigInt(r.d_start_ns)),
      deliver: { traceId: r.d_trace_id, spanId: r.d_span_id, service: r.d_service },
      publish: r.p_trace_id ? { traceId: r.p_trace_id, spanId: r.p_span_id } : null,
    };
    const first: OrderedMessage = {
      message: aMessage,
      offset: aOffset,
      key: aKey,
      publishedAt: aPStart ? iso(BigInt(aPStart)) : null,
      deliveredAt: iso(BigInt(aDStart)),
      deliver: { traceId: aDTrace, spanId: aDSpan, service: aDService },
      publish: aPTrace ? { traceId: aPTrace, spanId: aPSpan } : null,
    };
    const traceIds = [
      ...new Set([first.publish?.traceId, first.deliver.traceId, later.publish?.traceId, later.deliver.traceId].filter((t): t is string => !!t)),
    ];
    if (wanted && !traceIds.some((t) => wanted.has(t))) continue;
    const ns = BigInt(r.d_start_ns);
    byBasis[r.basis]++;
    const b = bucketIndex(q, ns);
    if (b >= 0 && b < n) series[b]!.count++;
    occurrences.push({
      destination: r.destination,
      consumerGroup: r.consumer_group,
      partition: r.partition,
      key: r.msg_key,
      basis: r.basis,
      at: later.deliveredAt,
      deliveredFirst: first,
      deliveredLater: later,
      traceIds,
      sortNs: ns,
    });
  }
  occurrences.sort((a, b) => (a.sortNs < b.sortNs ? 1 : a.sortNs > b.sortNs ? -1 : 0));
  return {
    total: byBasis.offset + byBasis.publish_order,
    byBasis,
    series,
    occurrences: occurrences.slice(0, q.limit).map(({ sortNs: _, ...o }) => o),
    truncated: occurrences.length > q.limit,
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

