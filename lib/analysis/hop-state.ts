// Flow-map messaging edges from the per-minute hop state (migration 007 `hop_minutes`, written by
// the pairing pass): publish edges (service → destination) and deliver edges (destination →
// service per consumer group) with counts of messages — a batch span delivering N messages counts
// N —, errors, retries, span latency and the queue time of first deliveries. The cost depends on
// minutes × edges, not on the traffic in the range.
import type { Store } from '../store/index.js';
import { EXACT_SAMPLES } from '../hops/minutes.js';
import { envParams, envWhere, type EnvFilter } from '../hops/env.js';
import type { MessagingEdgeRow, QueueTimeRow, TopologyGroupBy } from './graph.js';

export interface EdgeStateQuery extends EnvFilter {
  fromMs: number;
  toMs: number;
  groupBy?: TopologyGroupBy;
}

export interface EdgeState {
  edges: Array<MessagingEdgeRow & { retries: number }>;
  queue: QueueTimeRow[];
}

type Num = number | string;
const num = (v: Num | null | undefined) => (v === null || v === undefined ? 0 : Number(v));
const round = (v: Num | null | undefined) => {
  const n = num(v);
  return Number.isFinite(n) ? Math.round(n * 1000) / 1000 : 0;
};

const MINUTE_MS = 60_000;
const STATE_COLUMNS = `kind, p_service, d_service, system, destination, message_type, consumer_group, messages, errors, retries,
  duration_ms, queue_samples, queue_ms, queue_exact, env, namespace`;
const HOUR_MS = 3_600_000;

/**
 * The whole hours of the minutes a range reads (those from the minute of fromMs, before toMs), as
 * [fullFromMs, fullToMs): hop-state reads them from `hop_hours`, the rest from `hop_minutes`.
 */
export function wholeHours(fromMs: number, toMs: number): { fullFromMs: number; fullToMs: number } {
  const fullFromMs = Math.ceil((Math.floor(fromMs / MINUTE_MS) * MINUTE_MS) / HOUR_MS) * HOUR_MS;
  // an hour is whole when its last minute starts before toMs
  const fullToMs = Math.max(fullFromMs, Math.floor((toMs - 1 - (HOUR_MS - MINUTE_MS)) / HOUR_MS) * HOUR_MS + HOUR_MS);
  return { fullFromMs, fullToMs };
}

function hoursAndMinutesParams(fromMs: number, toMs: number) {
  return { fromMs, toMs, ...wholeHours(fromMs, toMs) };
}

/**
 * The per-minute state rows of the range (minutes from the one of {fromMs}, before {toMs}): whole
 * hours from hop_hours, the rest from hop_minutes; `columns` are read from both (not `minute`, which
 * hop_hours calls `hour`).
 */
function hoursAndMinutesSql(db: string, columns: string, where: string): string {
  return `SELECT ${columns} FROM ${db}.hop_minutes FINAL
           WHERE minute >= toStartOfMinute(fromUnixTimestamp64Milli({fromMs:Int64}))
             AND minute < fromUnixTimestamp64Milli({toMs:Int64})
             AND NOT (minute >= fromUnixTimestamp64Milli({fullFromMs:Int64}) AND minute < fromUnixTimestamp64Milli({fullToMs:Int64}))${where}
          UNION ALL
          SELECT ${columns} FROM ${db}.hop_hours FINAL
           WHERE hour >= fromUnixTimestamp64Milli({fullFromMs:Int64}) AND hour < fromUnixTimestamp64Milli({fullToMs:Int64})${where}`;
}

export async function edgeState(store: Store, q: EdgeStateQuery): Promise<EdgeState> {
  const byType = q.groupBy === 'messageType';
  // Grouped by message type, rows keep their destination: graph.ts folds destinations into their
  // message type, except a dead-letter destination, and looks up each destination's lag.
  const typeExpr = byType ? `if(message_type = '', destination, message_type)` : `''`;
  const destExpr = 'destination';
  const params = { ...hoursAndMinutesParams(q.fromMs, q.toMs), ...envParams(q) };
  const rows = await store.query<{
    kind: 'publish' | 'deliver';
    service: string;
    system: string;
    edge_destination: string;
    edge_message_type: string;
    consumer_group: string;
    count: Num;
    errors: Num;
    retries: Num;
    q: Num[];
    samples: Num;
    qq: Num[];
  }>(
    `SELECT kind, if(kind = 'publish', p_service, d_service) AS service, system,
            ${destExpr} AS edge_destination, ${typeExpr} AS edge_message_type, consumer_group,
            sum(messages) AS count, sum(errors) AS errors, sum(retries) AS retries,
            quantilesTDigestMerge(0.5, 0.95)(duration_ms) AS q,
            sum(queue_samples) AS samples,
            quantilesTDigestMerge(0.5, 0.95)(queue_ms) AS qq
       FROM (${hoursAndMinutesSql(store.database, STATE_COLUMNS, envWhere(q))})
      GROUP BY kind, service, system, edge_destination, edge_message_type, consumer_group`,
    { name: 'topology:hop-state', params },
  );
  // Exact percentiles for the edges with few samples (queuePercentilesSql's rule), read only when
  // there are any: merged in the query above for every edge, the exact samples of every minute row
  // were concatenated even for edges that end with thousands and use the digest (~40 % of its time).
  const small = rows.filter((r) => r.kind === 'deliver' && num(r.samples) > 0 && num(r.samples) <= EXACT_SAMPLES);
  if (small.length > 0) {
    const exact = await store.query<{ service: string; system: string; edge_destination: string; edge_message_type: string; consumer_group: string; qq: Num[] }>(
      `SELECT d_service AS service, system, ${destExpr} AS edge_destination, ${typeExpr} AS edge_message_type, consumer_group,
              quantilesExactInclusiveMerge(0.5, 0.95)(queue_exact) AS qq
         FROM (${hoursAndMinutesSql(store.database, STATE_COLUMNS, `${envWhere(q)} AND kind = 'deliver' AND consumer_group IN {groups:Array(String)}`)})
        GROUP BY service, system, edge_destination, edge_message_type, consumer_group`,
      { name: 'topology:hop-state-exact', params: { ...params, groups: [...new Set(small.map((r) => r.consumer_group))] } },
    );
    const key = (r: { service: string; system: string; edge_destination: string; edge_message_type: string; consumer_group: string }) =>
      [r.service, r.system, r.edge_destination, r.edge_message_type, r.consumer_group].join('\u0000');
    const byKey = new Map(exact.map((r) => [key(r), r.qq]));
    for (const r of small) {
      const qq = byKey.get(key(r));
      if (qq) r.qq = qq;
    }
  }
  const edges: EdgeState['edges'] = [];
  const queue: QueueTimeRow[] = [];
  for (const r of rows) {
    if (num(r.count) === 0 && r.kind === 'publish') continue; // only batch sends of created messages
    edges.push({
      edgeKind: r.kind,
      service: r.service,
      system: r.system,
      destination: r.edge_destination,
      messageType: r.edge_message_type,
      consumerGroup: r.consumer_group,
      count: num(r.count),
      errors: num(r.errors),
      retries: num(r.retries),
      p50Ms: round(r.q[0]),
      p95Ms: round(r.q[1]),
    });
    if (r.kind === 'deliver' && num(r.samples) > 0) {
      queue.push({
        service: r.service,
        destination: r.edge_destination,
        messageType: r.edge_message_type,
        consumerGroup: r.consumer_group,
        samples: num(r.samples),
        p50Ms: round(r.qq[0]),
        p95Ms: round(r.qq[1]),
      });
    }
  }
  return { edges, queue };
}

/** The hops a time window reads from the hop model (anomalies): deliveries in a window, narrowed. */
