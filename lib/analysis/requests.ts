// Recent requests for GET /api/requests: one row per trace that has a span in the window matching
// every filter (each filter may be met by a different span of the trace), newest first. A row is a
// trace; the stitched request (traces joined by links) is what GET /api/requests/{traceId} returns
// for any of its traces.
import type { Store } from '../store/index.js';
import { envParams, envWhere } from '../hops/env.js';
import { publishLookbackMs } from './hops.js';
import { hostClockParams, hostOffsetSql, loadHostClocks } from '../hops/host-clocks.js';

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

/** The first window the request list looks at for its newest traces (then ×6 until it has enough). */
const RECENT_WINDOW_MS = 5 * 60_000;

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
  // The newest traces with a span in the window that meets every filter (their last span start).
  // Without filters, the newest traces are those with spans in the window's last minutes: the spans
  // are ordered by ten-minute bucket first, so a few minutes are a short read whatever the traffic;
  // the window widens (×6) until it holds `limit` traces or is the whole range.
  const params = {
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
  };
  let matched: Array<{ trace_id: string }> = [];
  if (conditions.length) {
    matched = await store.query<{ trace_id: string }>(
      `SELECT trace_id, max(timestamp) AS last_seen
         FROM ${db}.spans
        WHERE timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})
          AND timestamp < fromUnixTimestamp64Milli({toMs:Int64})
          ${where}
        GROUP BY trace_id
        ${having}
        ORDER BY last_seen DESC, trace_id
        LIMIT {limit:UInt32}`,
      { name: 'requests:matched', params },
    );
  } else {
    for (let widthMs = RECENT_WINDOW_MS; ; widthMs *= 6) {
      const sinceMs = Math.max(f.fromMs, f.toMs - widthMs);
      matched = await store.query<{ trace_id: string }>(
        `SELECT trace_id, max(timestamp + toIntervalNanosecond(duration_ns)) AS last_seen
           FROM ${db}.spans
          WHERE timestamp >= fromUnixTimestamp64Milli({sinceMs:Int64})
            AND timestamp < fromUnixTimestamp64Milli({toMs:Int64})
          GROUP BY trace_id
          -- a trace under a housekeeping root (a library's own job) is no request
         HAVING countIf(parent_span_id = '' AND msg_housekeeping = 1) = 0
          ORDER BY last_seen DESC, trace_id
          LIMIT {limit:UInt32}`,
        { name: 'requests:recent', params: { ...params, sinceMs } },
      );
      if (matched.length >= f.limit || sinceMs <= f.fromMs) break;
    }
  }
  if (matched.length === 0) return [];

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
    `WITH (SELECT (min(start), max(end)) FROM ${db}.trace_index WHERE trace_id IN {ids:Array(String)}) AS b
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
          WHERE trace_id IN {ids:Array(String)} AND timestamp >= b.1 AND timestamp <= b.2
          LIMIT 1 BY trace_id, span_id
       )
      GROUP BY trace_id
      -- a library's housekeeping span (collector/profiles) is no request, nor are the calls it makes
      HAVING argMin(msg_housekeeping, (parent_span_id != '', timestamp)) = 0
      ORDER BY start_ns DESC, trace_id`,
    {
      name: 'requests:list',
      params: { ...hostClockParams(clocks), ids: matched.map((m) => m.trace_id) },
    },
  );
  if (rows.length === 0) return [];

  const traceIds = rows.map((r) => r.trace_id);
  const startMs = Number(BigInt(rows.reduce((m, r) => (BigInt(r.start_ns) < BigInt(m) ? r.start_ns : m), rows[0]!.start_ns)) / 1_000_000n);
  const endMs = Number(BigInt(rows.reduce((m, r) => (BigInt(r.end_ns) > BigInt(m) ? r.end_ns : m), rows[0]!.end_ns)) / 1_000_000n) + 1;
  const { hops: hopCounts, anomalous } = await hopFacts(store, traceIds, startMs, endMs);

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
 * Per trace of the list, from the hop model in one read of its hops: how many hops (publish span
 * found) have their deliver or publish span in it, and whether it takes part in a duplicate (a hop
 * of a message with an extra delivery to its group: the pass keeps those in hop_repeats). Beside
 * it, the ordering inversions naming the traces (order_inversions).
 */
async function hopFacts(
  store: Store,
  traceIds: string[],
  fromMs: number,
  toMs: number,
): Promise<{ hops: Map<string, number>; anomalous: Set<string> }> {
  const lookback = publishLookbackMs(fromMs, toMs);
  const db = store.database;
  const [perTrace, ordering] = await Promise.all([
    store.query<{ trace_id: string; hops: string; dup: number }>(
      `SELECT trace_id, uniqExactIf((d_key, message_key), counted) AS hops, max(repeated) AS dup
         FROM (
           SELECT d_key, message_key, [d_trace_id, p_trace_id] AS ts,
                  matched = 1 AS counted,
                  identified = 1 AND (consumer_group, destination, message_key) IN (
                    SELECT consumer_group, destination, message_key FROM ${db}.hop_repeats FINAL
                     WHERE d_start >= fromUnixTimestamp64Milli({fromMs:Int64}) - toIntervalMillisecond(2 * {lookback:Int64})
                       AND d_start < fromUnixTimestamp64Milli({toMs:Int64}) + toIntervalMillisecond(2 * {lookback:Int64})) AS repeated
             FROM ${db}.hops FINAL
            -- a hop in the traces starts within them; one of a message published in them, after the
            -- publish, maybe later than the traces end
            WHERE d_start >= fromUnixTimestamp64Milli({fromMs:Int64})
              AND d_start < fromUnixTimestamp64Milli({toMs:Int64}) + toIntervalMillisecond({lookback:Int64})
              AND (d_trace_id IN {ids:Array(String)} OR p_trace_id IN {ids:Array(String)})
         )
        ARRAY JOIN ts AS trace_id
        WHERE trace_id IN {ids:Array(String)}
        GROUP BY trace_id`,
      { name: 'requests:hops', params: { ids: traceIds, fromMs, toMs, lookback } },
    ),
    store.query<{ trace_id: string }>(
      `SELECT DISTINCT trace_id FROM ${db}.order_inversions FINAL
        ARRAY JOIN trace_ids AS trace_id
        WHERE at >= fromUnixTimestamp64Milli({fromMs:Int64}) AND at < fromUnixTimestamp64Milli({toMs:Int64})
          AND hasAny(trace_ids, {ids:Array(String)}) AND trace_id IN {ids:Array(String)}`,
      { name: 'requests:ordering', params: { ids: traceIds, fromMs, toMs } },
    ),
  ]);
  const anomalous = new Set(ordering.map((r) => r.trace_id));
  for (const r of perTrace) if (Number(r.dup) === 1) anomalous.add(r.trace_id);
  return { hops: new Map(perTrace.map((r) => [r.trace_id, Number(r.hops)])), anomalous };
}
