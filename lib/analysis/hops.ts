// Publish → deliver pairing (DESIGN §1, §6): the base of lag, duplicates and ordering, and of the
// hops a request timeline shows. Reads the narrow `messaging_spans` table (migration 005).
//
// A deliver span D (receive/process) names its producer candidates in `refs`: its parent, then each
// link. Every ref that is a stored publish span P (create/send) makes one hop (P, D); a batch deliver
// span with N linked producers makes N hops. A deliver span none of whose refs is a stored publish
// span still counts as a delivery, of a message identified by its message id, else by
// (destination, partition, offset), else by the deliver span itself (which can never repeat).
// Every side is deduplicated by (trace_id, span_id), so a span an exporter resent counts once.
import { DELIVER_OPERATIONS, PUBLISH_OPERATIONS, sqlList } from '../domain.js';
import type { QueryParams, Store } from '../store/index.js';

/** `operation IN …` lists of the publish and deliver operations (lib/domain.ts). */
export const PUBLISH_SQL = sqlList(PUBLISH_OPERATIONS);
export const DELIVER_SQL = sqlList(DELIVER_OPERATIONS);

export interface HopWindow {
  /** deliver spans starting in [deliverFromMs, deliverToMs) */
  deliverFromMs: number;
  deliverToMs: number;
  /** producer spans looked up when starting in [publishFromMs, publishToMs) */
  publishFromMs: number;
  publishToMs: number;
  destination?: string;
  consumerGroup?: string;
  /** only deliveries in these traces, or whose refs point into them */
  traceIds?: string[];
  /**
   * only deliveries to the consumer groups that have a delivery in these traces, or pointing into
   * them, within the deliver window (the context of a request's deliveries: ordering compares
   * neighbours within a group, so other groups cannot matter)
   */
  groupsOfTraceIds?: string[];
  /** only these deliver spans (span_key values, decimal strings) */
  deliverKeys?: string[];
}

/** How far before the range producer spans are looked up: max(1h, range), at most 24h. */
export function publishLookbackMs(fromMs: number, toMs: number): number {
  return Math.min(Math.max(toMs - fromMs, 3_600_000), 86_400_000);
}

/** The parameters the SQL of `hopsSql` references. */
export function hopParams(w: HopWindow): QueryParams {
  return {
    hDeliverFromMs: w.deliverFromMs,
    hDeliverToMs: w.deliverToMs,
    hPublishFromMs: w.publishFromMs,
    hPublishToMs: w.publishToMs,
    hDestination: w.destination ?? '',
    hGroup: w.consumerGroup ?? '',
    hTraceIds: w.traceIds ?? [],
    hGroupTraceIds: w.groupsOfTraceIds ?? [],
    hDeliverKeys: (w.deliverKeys ?? []).map((k) => BigInt(k)),
  };
}

/** Deduplicated deliver spans of the window (a subquery). */
export function deliveriesSql(db: string, w: HopWindow): string {
  return `
    SELECT span_key, trace_id, span_id, timestamp, operation, destination, partition, offset, message_id,
           consumer_group, msg_key, service_name, status_code, redelivered, link_count, refs, ref_keys
    FROM ${db}.messaging_spans
    WHERE ${deliverWhere(db, w)}
    LIMIT 1 BY span_key`;
}

/** The filter of the window's deliver spans (for a WHERE on messaging_spans). */
export function deliverWhere(db: string, w: HopWindow): string {
  return `operation IN ${DELIVER_SQL}
      AND timestamp >= fromUnixTimestamp64Milli({hDeliverFromMs:Int64})
      AND timestamp < fromUnixTimestamp64Milli({hDeliverToMs:Int64})
      ${w.destination !== undefined ? 'AND destination = {hDestination:String}' : ''}
      ${w.consumerGroup !== undefined ? 'AND consumer_group = {hGroup:String}' : ''}
      ${w.traceIds ? 'AND (trace_id IN {hTraceIds:Array(String)} OR hasAny(refs.trace_id, {hTraceIds:Array(String)}))' : ''}
      ${w.groupsOfTraceIds ? `AND consumer_group IN (${groupsOfTracesSql(db)})` : ''}
      ${w.deliverKeys ? 'AND span_key IN {hDeliverKeys:Array(UInt64)}' : ''}`;
}

/** The filter of the look-up window's publish spans. */
export function publishWhere(w: HopWindow, db?: string): string {
  return `operation IN ${PUBLISH_SQL}
      AND timestamp >= fromUnixTimestamp64Milli({hPublishFromMs:Int64})
      AND timestamp < fromUnixTimestamp64Milli({hPublishToMs:Int64})
      ${w.destination !== undefined ? 'AND destination = {hDestination:String}' : ''}
      ${w.deliverKeys && db ? `AND span_key IN (SELECT arrayJoin(hop_keys) FROM ${db}.messaging_spans WHERE ${deliverWhere(db, w)})` : ''}`;
}

/** Consumer groups with a delivery in the deliver window that is in, or points into, {hGroupTraceIds}. */
function groupsOfTracesSql(db: string): string {
  return `
      SELECT DISTINCT consumer_group FROM ${db}.messaging_spans
      WHERE operation IN ${DELIVER_SQL}
        AND timestamp >= fromUnixTimestamp64Milli({hDeliverFromMs:Int64})
        AND timestamp < fromUnixTimestamp64Milli({hDeliverToMs:Int64})
        AND (trace_id IN {hGroupTraceIds:Array(String)} OR hasAny(refs.trace_id, {hGroupTraceIds:Array(String)}))`;
}

/** Deduplicated publish spans of the look-up window (a subquery). */
export function publishesSql(db: string, w: HopWindow): string {
  return `
    SELECT span_key, trace_id, span_id, timestamp, end_time, operation, destination, partition, offset,
           message_id, msg_key, service_name, status_code, link_count
    FROM ${db}.messaging_spans
    WHERE operation IN ${PUBLISH_SQL}
      AND timestamp >= fromUnixTimestamp64Milli({hPublishFromMs:Int64})
      AND timestamp < fromUnixTimestamp64Milli({hPublishToMs:Int64})
      ${w.destination !== undefined ? 'AND destination = {hDestination:String}' : ''}
    LIMIT 1 BY span_key`;
}

/** span_key of every publish span of the look-up window (a set for IN). */
function publishKeysSql(db: string, w: HopWindow): string {
  return `
    SELECT span_key FROM ${db}.messaging_spans
    WHERE ${publishWhere(w, db)}`;
}

/**
 * One row per (deliver span, message): the hops of the window plus the producer-less deliveries.
 * Columns: see `HopRow`. `message` is the message identity string:
 *   'span:<trace>:<span>' (creation context) | 'id:<destination>:<message id>' |
 *   'offset:<destination>:<partition>:<offset>' | 'delivery:<trace>:<span>' (unidentifiable);
 * `message_key` is its 64-bit hash (for a creation context: the producer's span_key), `d_key` the
 * deliver span's span_key, `identified` 0 for 'delivery:' identities. `message_id` is the message
 * id the hop carries, whatever identity was used: the deliver side's (per link, else the span's),
 * else the publish span's; '' when neither names one.
 */
export function hopsSql(db: string, w: HopWindow): string {
  // The deliver spans' hop arrays (migration 005) carry each candidate's partition/offset/key/
  // message id and its identity hash for when no ref is a publish span, so this reads flat arrays
  // and joins on 64-bit keys. A resent span (deliver or publish) yields identical rows: the
  // publish side joins ANY, the final LIMIT 1 BY drops the repeated deliveries.
  return `
    SELECT
      message, message_key, identified, matched, destination, partition, offset, msg_key, message_id, consumer_group,
      d_key, d_trace_id, d_span_id, d_start, d_service, d_status, d_redelivered, d_operation,
      p_trace_id, p_span_id, p_start, p_end, p_service, queue_ns
    FROM (
      SELECT
        d.span_key AS d_key,
        d.trace_id AS d_trace_id,
        d.span_id AS d_span_id,
        d.timestamp AS d_start,
        d.service_name AS d_service,
        d.status_code AS d_status,
        d.redelivered AS d_redelivered,
        d.operation AS d_operation,
        d.consumer_group AS consumer_group,
        p.span_key != 0 AS matched,
        if(matched, p.destination, d.destination) AS destination,
        if(d.hop_partition != '', d.hop_partition, if(matched, p.partition, '')) AS partition,
        coalesce(d.hop_offset, if(matched, p.offset, NULL)) AS offset,
        if(d.hop_msg_key != '', d.hop_msg_key, if(matched, p.msg_key, '')) AS msg_key,
        if(d.hop_message_id != '', d.hop_message_id, if(matched, p.message_id, '')) AS message_id,
        multiIf(matched, concat('span:', p.trace_id, ':', p.span_id),
                d.hop_message_id != '', concat('id:', destination, ':', d.hop_message_id),
                offset IS NOT NULL, concat('offset:', destination, ':', partition, ':', toString(offset)),
                concat('delivery:', d.trace_id, ':', d.span_id)) AS message,
        if(matched, p.span_key, d.hop_unmatched_key) AS message_key,
        -- the message is known beyond this one delivery (message is not 'delivery:…')
        matched OR d.hop_message_id != '' OR offset IS NOT NULL AS identified,
        if(matched, p.trace_id, '') AS p_trace_id,
        if(matched, p.span_id, '') AS p_span_id,
        if(matched, p.timestamp, NULL) AS p_start,
        if(matched, p.end_time, NULL) AS p_end,
        if(matched, p.service_name, '') AS p_service,
        if(matched, toUnixTimestamp64Nano(d.timestamp) - toUnixTimestamp64Nano(p.end_time), NULL) AS queue_ns
      FROM (
        -- the candidates that are stored publish spans; when none is, every candidate (for the
        -- fallback identities a batch consumer may carry per link), or the one empty candidate
        SELECT span_key, trace_id, span_id, timestamp, operation, destination, consumer_group, service_name,
               status_code, redelivered, hop_key, hop_partition, hop_offset, hop_msg_key, hop_message_id, hop_unmatched_key
        FROM (
          SELECT span_key, trace_id, span_id, timestamp, operation, destination, consumer_group, service_name,
                 status_code, redelivered, hop_keys, hop_partitions, hop_offsets, hop_msg_keys, hop_message_ids,
                 hop_unmatched_keys, arrayMap(k -> k IN (${publishKeysSql(db, w)}), hop_keys) AS hop_is_publish,
                 has(hop_is_publish, 1) AS any_publish
          FROM ${db}.messaging_spans
          WHERE ${deliverWhere(db, w)}
        )
        ARRAY JOIN hop_keys AS hop_key, hop_partitions AS hop_partition, hop_offsets AS hop_offset,
                   hop_msg_keys AS hop_msg_key, hop_message_ids AS hop_message_id,
                   hop_unmatched_keys AS hop_unmatched_key, hop_is_publish AS is_publish
        WHERE is_publish OR NOT any_publish
      ) AS d
      LEFT ANY JOIN (
        SELECT span_key, trace_id, span_id, timestamp, end_time, destination, partition, offset, msg_key, message_id, service_name
        FROM ${db}.messaging_spans
        WHERE ${publishWhere(w, db)}
      ) AS p ON p.span_key = d.hop_key
    )
    LIMIT 1 BY d_key, message_key`;
}

/** A hop row as JSON (64-bit values as strings, DateTime64 as 'YYYY-MM-DD hh:mm:ss.nnnnnnnnn' UTC). */
export interface HopRow {
  message: string;
  message_key: string;
  identified: number;
  d_key: string;
  matched: number;
  destination: string;
  partition: string;
  offset: string | null;
  msg_key: string;
  message_id: string;
  consumer_group: string;
  d_trace_id: string;
  d_span_id: string;
  d_start: string;
  d_service: string;
  d_status: string;
  d_redelivered: number;
  d_operation: string;
  p_trace_id: string;
  p_span_id: string;
  p_start: string | null;
  p_end: string | null;
  p_service: string;
  queue_ns: string | null;
}

/** A hop as analysis callers see it: ids, exact ns times as decimal strings, queue time. */
export interface Hop {
  message: string;
  destination: string;
  partition: string;
  offset: string | null;
  key: string;
  consumerGroup: string;
  publish: { traceId: string; spanId: string; service: string; startNs: string; endNs: string } | null;
  deliver: { traceId: string; spanId: string; service: string; startNs: string; operation: string; status: string };
  /** deliver start − publish end; raw (may be negative under clock skew); null without a producer */
  queueNs: string | null;
  queueMs: number | null;
}

/** DateTime64(9) JSON text ('2024-01-02 03:04:05.123456789', UTC) → ns since the epoch, exact. */
export function dateTime64ToNs(s: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?/.exec(s);
  if (!m) throw new Error(`unexpected DateTime64 value ${s}`);
  const seconds = BigInt(Date.parse(`${m[1]}T${m[2]}Z`) / 1000);
  return seconds * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0'));
}

export function nsToMs(ns: bigint | string): number {
  return Number(BigInt(ns)) / 1e6;
}

export function toHop(r: HopRow): Hop {
  return {
    message: r.message,
    destination: r.destination,
    partition: r.partition,
    offset: r.offset,
    key: r.msg_key,
    consumerGroup: r.consumer_group,
    publish:
      r.matched && r.p_start && r.p_end
        ? {
            traceId: r.p_trace_id,
            spanId: r.p_span_id,
            service: r.p_service,
            startNs: dateTime64ToNs(r.p_start).toString(),
            endNs: dateTime64ToNs(r.p_end).toString(),
          }
        : null,
    deliver: {
      traceId: r.d_trace_id,
      spanId: r.d_span_id,
      service: r.d_service,
      startNs: dateTime64ToNs(r.d_start).toString(),
      operation: r.d_operation,
      status: r.d_status,
    },
    queueNs: r.queue_ns,
    queueMs: r.queue_ns === null ? null : nsToMs(r.queue_ns),
  };
}

/**
 * Hops of a request (for the timeline): deliveries in the given traces or pointing into them,
 * paired with their producers. Bound it with the request's time range; producers are looked up
 * `publishLookbackMs` before it.
 */
export async function hopsForTraces(
  store: Store,
  opts: { traceIds: string[]; fromMs: number; toMs: number },
): Promise<Hop[]> {
  if (opts.traceIds.length === 0) return [];
  const w: HopWindow = {
    deliverFromMs: opts.fromMs,
    deliverToMs: opts.toMs,
    publishFromMs: opts.fromMs - publishLookbackMs(opts.fromMs, opts.toMs),
    publishToMs: opts.toMs,
    traceIds: opts.traceIds,
  };
  const rows = await store.query<HopRow>(`SELECT * FROM (${hopsSql(store.database, w)}) ORDER BY d_start`, {
    name: 'hops:traces',
    params: hopParams(w),
  });
  return rows.map(toHop);
}

export interface QueueTimeStats {
  destination: string;
  consumerGroup: string;
  /** messages whose first delivery to the group started in the range and whose producer is known */
  messages: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/**
 * Queue time per (destination, consumer group) over first deliveries starting in [fromMs, toMs):
 * first delivery start − publish end, per message (a redelivery does not add a sample). Negative
 * values (clock skew) are clamped to 0. Percentiles are exact with linear interpolation.
 */
export async function queueTimeStats(
  store: Store,
  opts: { fromMs: number; toMs: number; destination?: string; consumerGroup?: string },
): Promise<QueueTimeStats[]> {
  const w: HopWindow = {
    deliverFromMs: opts.fromMs,
    deliverToMs: opts.toMs,
    publishFromMs: opts.fromMs - publishLookbackMs(opts.fromMs, opts.toMs),
    publishToMs: opts.toMs,
    destination: opts.destination,
    consumerGroup: opts.consumerGroup,
  };
  const rows = await store.query<{ destination: string; consumer_group: string; messages: string; q: number[]; max_ms: number }>(
    `SELECT destination, consumer_group, count() AS messages,
            quantilesExactInclusive(0.5, 0.95)(queue_ms) AS q, max(queue_ms) AS max_ms
     FROM (
       SELECT destination, consumer_group, message, greatest(min(queue_ns), 0) / 1e6 AS queue_ms
       FROM (${hopsSql(store.database, w)})
       WHERE matched
       GROUP BY destination, consumer_group, message
     )
     GROUP BY destination, consumer_group
     ORDER BY destination, consumer_group`,
    { name: 'hops:queue-time', params: hopParams(w) },
  );
  return rows.map((r) => ({
    destination: r.destination,
    consumerGroup: r.consumer_group,
    messages: Number(r.messages),
    p50Ms: r.q[0] ?? 0,
    p95Ms: r.q[1] ?? 0,
    maxMs: r.max_ms,
  }));
}
