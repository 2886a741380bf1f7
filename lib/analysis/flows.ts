// Flows and stuck transactions (DESIGN §6; issue 13): the business-key spans of the range
// (`business_keys`, migration 013) joined with the hops they publish or deliver (the hop model carries
// message type, destination, consumer group and times), one row per (transaction, step, group) at its
// earliest publish (the delivery's start when the publish is unknown: causal order across services); the
// pure `buildFlows` (flow-model.ts) learns the usual steps and finds the stuck transactions.
import type { Store } from '../store/index.js';
import { buildFlows, type FlowOptions, type FlowStepRow, type FlowSummary, type StuckTransaction } from './flow-model.js';

export interface FlowsQuery {
  fromMs: number;
  toMs: number;
  keys: readonly string[];
}

export interface StuckRules {
  multiplier: number;
  minMs: number;
  minSamples: number;
}

/** Most (transaction, step, group) rows read; beyond it the answer says it is truncated. */
export const MAX_FLOW_ROWS = 200_000;
export const FLOW_BUCKETS = 24;

const STEP = `if(message_type = '', destination, message_type)`;

export async function flowStepRows(store: Store, q: FlowsQuery): Promise<FlowStepRow[]> {
  const db = store.database;
  const hops = `SELECT ${STEP} AS step, destination, consumer_group, p_service, d_start, p_start, p_trace_id, p_span_id, d_trace_id, d_span_id
                  FROM ${db}.hops FINAL
                 WHERE d_start >= fromUnixTimestamp64Milli({fromMs:Int64}) AND d_start <= fromUnixTimestamp64Milli({toMs:Int64})
                   AND deleted = 0 AND class != 'prelude'`;
  const keys = `SELECT DISTINCT key, value, trace_id, span_id FROM ${db}.business_keys
                 WHERE key IN {keys:Array(String)}
                   AND timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND timestamp <= fromUnixTimestamp64Milli({toMs:Int64})`;
  // a step belongs to the transaction when its publish or its delivery span carries the key
  const rows = await store.query<{ key: string; value: string; step: string; destination: string; consumer_group: string; publisher: string; at_ms: number | string }>(
    `SELECT key, value, step, any(destination) AS destination, consumer_group, anyIf(p_service, p_service != '') AS publisher,
            toInt64(toUnixTimestamp64Milli(min(at))) AS at_ms
       FROM (
         SELECT k.key AS key, k.value AS value, h.step AS step, h.destination AS destination, h.consumer_group AS consumer_group,
                h.p_service AS p_service, ifNull(h.p_start, h.d_start) AS at
           FROM (${keys}) AS k INNER JOIN (${hops}) AS h ON h.p_trace_id = k.trace_id AND h.p_span_id = k.span_id
         UNION ALL
         SELECT k.key AS key, k.value AS value, h.step AS step, h.destination AS destination, h.consumer_group AS consumer_group,
                h.p_service AS p_service, ifNull(h.p_start, h.d_start) AS at
           FROM (${keys}) AS k INNER JOIN (${hops}) AS h ON h.d_trace_id = k.trace_id AND h.d_span_id = k.span_id
       )
      GROUP BY key, value, step, consumer_group
      LIMIT {limit:UInt32}`,
    { name: 'flows:steps', params: { fromMs: q.fromMs, toMs: q.toMs, keys: [...q.keys], limit: MAX_FLOW_ROWS } },
  );
  return rows.map((r) => ({
    key: r.key,
    value: r.value,
    step: r.step,
    destination: r.destination,
    consumerGroup: r.consumer_group,
    publisher: r.publisher,
    atMs: Number(r.at_ms),
  }));
}

export interface FlowsResult {
  range: { from: string; to: string };
  rules: StuckRules;
  flows: FlowSummary[];
  stuck: StuckTransaction[];
  truncated?: { reason: 'rows'; limit: number };
}

export async function flows(store: Store, q: FlowsQuery, rules: StuckRules, nowMs: number): Promise<FlowsResult> {
  const rows = await flowStepRows(store, q);
  const options: FlowOptions = {
    nowMs,
    fromMs: q.fromMs,
    toMs: q.toMs,
    stuckMultiplier: rules.multiplier,
    stuckMinMs: rules.minMs,
    minSamples: rules.minSamples,
    buckets: FLOW_BUCKETS,
  };
  const model = buildFlows(rows, options);
  return {
    range: { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString() },
    rules,
    ...model,
    ...(rows.length >= MAX_FLOW_ROWS ? { truncated: { reason: 'rows' as const, limit: MAX_FLOW_ROWS } } : {}),
  };
}
