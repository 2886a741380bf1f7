// Recent requests for GET /api/requests: one row per trace that has a span in the window matching
// every filter (each filter may be met by a different span of the trace), newest first. A row is a
// trace; the stitched request (traces joined by links) is what GET /api/requests/{traceId} returns
// for any of its traces.
import type { Store } from '../store/index.js';
import { envParams, envWhere } from '../hops/env.js';
import { publishLookbackMs } from './hops.js';
import { hostClockParams, hostOffsetSql, loadHostClocks } from './hop-state.js';

export interface RequestFilters {
  fromMs: number;
  toMs: number;
  service?: string;
  destination?: string;
  messageId?: string;
  traceId?: string;
  attribute?: { key: string; value: string };
  errorOnly?: boolean;
  limit: number;
  /** only traces with spans of resources in this environment / namespace (exact; issue 12) */
  env?: string;
  namespace?: string;
}

export interface RequestRow {
  traceId: string;
  rootService: string;
  rootName: string;
  /** ns since the epoch, decimal string */
  startNs: string;
  start: string;
  durationMs: number;
  spanCount: number;
  services: string[];
  /** publish → deliver hops with either end in this trace */
  hopCount: number;
  hasError: boolean;
  hasAnomaly: boolean;
  /** present (true) when start and duration are on corrected clocks: a host of the trace has a known clock offset (host_clocks) */
  clockSkewCorrected?: true;
}

export async function listRequests(store: Store, f: RequestFilters): Promise<RequestRow[]> {
  const db = store.database;
  const conditions: string[] = [];
  if (f.service !== undefined) conditions.push('service_name = {service:String}');
  if (f.destination !== undefined) conditions.push('msg_destination = {destination:String}');
  if (f.messageId !== undefined) {
    // a batch consumer may name the message only on the link to its producer
    conditions.push(
      `(msg_message_id = {messageId:String} OR arrayExists(a -> a['messaging.message.id'] = {messageId:String} OR a['messaging.message_id'] = {messageId:String}, links.attributes))`,
    );
  }
  if (f.traceId !== undefined) conditions.push('trace_id = {traceId:String}');
  if (f.attribute !== undefined) {
    // resource attributes are stored once per (resource, day): match their keys, then the spans
    conditions.push(
      `(span_attributes[{attrKey:String}] = {attrValue:String} OR resource_key IN (
         SELECT resource_key FROM ${db}.resources
          WHERE resource_attributes[{attrKey:String}] = {attrValue:String}
            AND day >= toDate(fromUnixTimestamp64Milli({fromMs:Int64})) AND day <= toDate(fromUnixTimestamp64Milli({toMs:Int64}))))`,
    );
  }
  if (f.errorOnly) conditions.push(`status_code = 'ERROR'`);
  if (f.env !== undefined || f.namespace !== undefined) conditions.push(`(1 ${envWhere(f)})`);
  const where = conditions.length ? `AND (${conditions.join(' OR ')})` : '';
  const having = conditions.length ? `HAVING ${conditions.map((c) => `countIf(${c}) > 0`).join(' AND ')}` : '';
  // Without span filters the newest traces come from trace_index, a row per trace instead of per span.
  const matched = conditions.length
    ? `SELECT trace_id, max(timestamp) AS last_seen
         FROM ${db}.spans
        WHERE timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})
          AND timestamp < fromUnixTimestamp64Milli({toMs:Int64})
          ${where}
        GROUP BY trace_id
        ${having}
        ORDER BY last_seen DESC, trace_id
        LIMIT {limit:UInt32}`
    : `SELECT trace_id, max(end) AS last_seen
         FROM ${db}.trace_index
        WHERE start < fromUnixTimestamp64Milli({toMs:Int64})
          AND end >= fromUnixTimestamp64Milli({fromMs:Int64})
          AND start >= fromUnixTimestamp64Milli({fromMs:Int64}) - toIntervalDay(1)
        GROUP BY trace_id
        HAVING max(housekeeping_root) = 0
        ORDER BY last_seen DESC, trace_id
        LIMIT {limit:UInt32}`;

  // durations on corrected clocks: a host whose clock is off would stretch a 100 ms request to seconds
  const clocks = await loadHostClocks(store);
  const offset = hostOffsetSql('host', clocks);
  const rows = await store.query<{
    trace_id: string;
    root: [string, string];
    start_ns: string;
    end_ns: string;
    span_count: string;
    services: string[];
    errors: string;
    skewed: string;
  }>(
    `WITH matched AS (${matched}),
     (SELECT (min(start), max(end)) FROM ${db}.trace_index WHERE trace_id IN (SELECT trace_id FROM matched)) AS b
     SELECT trace_id,
            argMin((service_name, span_name), (parent_span_id != '', timestamp)) AS root,
            toString(min(toInt64(toUnixTimestamp64Nano(timestamp)) + ${offset})) AS start_ns,
            toString(max(toInt64(toUnixTimestamp64Nano(timestamp)) + ${offset} + toInt64(duration_ns))) AS end_ns,
            countIf(${offset} != 0) AS skewed,
            count() AS span_count,
            arraySort(groupUniqArray(service_name)) AS services,
            countIf(status_code = 'ERROR') AS errors
       FROM (
         SELECT trace_id, span_id, parent_span_id, timestamp, duration_ns, service_name, host, span_name, status_code, msg_housekeeping
           FROM ${db}.spans
          WHERE trace_id IN (SELECT trace_id FROM matched) AND timestamp >= b.1 AND timestamp <= b.2
          LIMIT 1 BY trace_id, span_id
       )
      GROUP BY trace_id
      -- a library's housekeeping span (collector/profiles) is no request, nor are the calls it makes
      HAVING argMin(msg_housekeeping, (parent_span_id != '', timestamp)) = 0
      ORDER BY start_ns DESC, trace_id`,
    {
      name: 'requests:list',
      params: {
        ...hostClockParams(clocks),
        fromMs: f.fromMs,
        toMs: f.toMs,
        limit: f.limit,
        service: f.service ?? '',
        destination: f.destination ?? '',
        messageId: f.messageId ?? '',
        traceId: f.traceId ?? '',
        attrKey: f.attribute?.key ?? '',
        attrValue: f.attribute?.value ?? '',
        ...envParams(f),
      },
    },
  );
  if (rows.length === 0) return [];

  const traceIds = rows.map((r) => r.trace_id);
  const startMs = Number(BigInt(rows.reduce((m, r) => (BigInt(r.start_ns) < BigInt(m) ? r.start_ns : m), rows[0]!.start_ns)) / 1_000_000n);
  const endMs = Number(BigInt(rows.reduce((m, r) => (BigInt(r.end_ns) > BigInt(m) ? r.end_ns : m), rows[0]!.end_ns)) / 1_000_000n) + 1;
  const [hopCounts, anomalous] = await Promise.all([
    countHops(store, traceIds, startMs, endMs),
    anomalousTraces(store, traceIds, startMs, endMs),
  ]);

  return rows.map((r) => {
    const startNs = BigInt(r.start_ns);
    return {
      traceId: r.trace_id,
      rootService: r.root[0],
      rootName: r.root[1],
      startNs: r.start_ns,
      start: new Date(Number(startNs / 1_000_000n)).toISOString(),
      durationMs: Number(BigInt(r.end_ns) - startNs) / 1e6,
      spanCount: Number(r.span_count),
      services: r.services,
      hopCount: hopCounts.get(r.trace_id) ?? 0,
      hasError: Number(r.errors) > 0,
      hasAnomaly: anomalous.has(r.trace_id),
      ...(Number(r.skewed) > 0 ? { clockSkewCorrected: true as const } : {}),
    };
  });
}

/**
 * Traces of the list that take part in a duplicate (a hop of a message delivered more than once to a
 * group — the pass keeps its extra deliveries in hop_repeats — or its publish) or an ordering
 * inversion (order_inversions names both messages' traces).
 */
async function anomalousTraces(store: Store, traceIds: string[], fromMs: number, toMs: number): Promise<Set<string>> {
  const lookback = publishLookbackMs(fromMs, toMs);
  const db = store.database;
  const rows = await store.query<{ trace_id: string }>(
    `SELECT DISTINCT trace_id FROM (
       SELECT [d_trace_id, p_trace_id] AS ts FROM ${db}.hops FINAL
        WHERE d_start >= fromUnixTimestamp64Milli({fromMs:Int64}) - toIntervalMillisecond({lookback:Int64})
          AND d_start < fromUnixTimestamp64Milli({toMs:Int64}) + toIntervalMillisecond({lookback:Int64})
          AND (d_trace_id IN {ids:Array(String)} OR p_trace_id IN {ids:Array(String)})
          AND identified = 1
          AND (consumer_group, destination, message_key) IN (
                SELECT consumer_group, destination, message_key FROM ${db}.hop_repeats FINAL
                 WHERE d_start >= fromUnixTimestamp64Milli({fromMs:Int64}) - toIntervalMillisecond(2 * {lookback:Int64})
                   AND d_start < fromUnixTimestamp64Milli({toMs:Int64}) + toIntervalMillisecond(2 * {lookback:Int64}))
       UNION ALL
       SELECT trace_ids AS ts FROM ${db}.order_inversions FINAL
        WHERE at >= fromUnixTimestamp64Milli({fromMs:Int64}) AND at < fromUnixTimestamp64Milli({toMs:Int64})
          AND hasAny(trace_ids, {ids:Array(String)})
     )
     ARRAY JOIN ts AS trace_id
     WHERE trace_id IN {ids:Array(String)}`,
    { name: 'requests:anomalies', params: { ids: traceIds, fromMs, toMs, lookback } },
  );
  return new Set(rows.map((r) => r.trace_id));
}

/** Hops (publish span found) whose deliver or publish span is in each trace, from the hop model. */
async function countHops(store: Store, traceIds: string[], fromMs: number, toMs: number): Promise<Map<string, number>> {
  const lookback = publishLookbackMs(fromMs, toMs);
  const rows = await store.query<{ trace_id: string; hops: string }>(
    `SELECT trace_id, uniqExact(d_key, message_key) AS hops
       FROM (
         SELECT d_key, message_key, d_trace_id, p_trace_id FROM ${store.database}.hops FINAL
          WHERE matched = 1
            -- a delivery of a message published in these traces may come later than the traces end
            AND d_start >= fromUnixTimestamp64Milli({fromMs:Int64})
            AND d_start < fromUnixTimestamp64Milli({toMs:Int64}) + toIntervalMillisecond({lookback:Int64})
            AND (d_trace_id IN {ids:Array(String)} OR p_trace_id IN {ids:Array(String)})
       )
      ARRAY JOIN [d_trace_id, p_trace_id] AS trace_id
      WHERE trace_id IN {ids:Array(String)}
      GROUP BY trace_id`,
    { name: 'requests:hops', params: { ids: traceIds, fromMs, toMs, lookback } },
  );
  return new Map(rows.map((r) => [r.trace_id, Number(r.hops)]));
}
