// Flow map queries: publish/deliver edges and their queue time from the hop model's per-minute
// state (hop-state.ts), current lag from lag.ts, sync calls and external peers from the call cells
// (migration 016, kept by the pairing pass). graph.ts turns the rows into nodes and edges.
import { envParams, envWhere } from '../hops/env.js';
import type { Store } from '../store/index.js';
import { publishLookbackMs } from './hops.js';
import { consumerLag } from './lag.js';
import { brokerLag, withBrokerOnMap } from './broker-lag.js';
import { edgeState, wholeHours } from './hop-state.js';
import { STATUS_STEP_MS } from './burrow.js';
import { deadLetterMatcher } from './dead-letter.js';
import {
  buildTopology,
  type CallRow,
  type KnownConsumerRow,
  type LagRow,
  type Topology,
  type TopologyGroupBy,
} from './graph.js';

export interface TopologyQuery {
  fromMs: number;
  toMs: number;
  groupBy?: TopologyGroupBy;
  /** only this environment / namespace of the resources (exact; issue 12) */
  env?: string;
  namespace?: string;
}

type Num = number | string;
const num = (v: Num | null | undefined) => (v === null || v === undefined ? 0 : Number(v));
const round = (v: Num | null | undefined) => Math.round(num(v) * 1000) / 1000;

/**
 * Sync-call edges of the window from the call cells the pairing pass keeps (lib/hops/call-cells.ts):
 * CLIENT spans per caller, callee ('' if no SERVER span answered) and peer, by the minute of their
 * start — the window's first minute whole, like the messaging edges of hop-state.ts; its whole hours
 * from the hour cells.
 */
export async function callEdges(store: Store, q: TopologyQuery): Promise<CallRow[]> {
  const rows = await store.query<{
    service: string;
    target: string;
    peer_name: string;
    peer_kind: string;
    count: Num;
    errors: Num;
    q: Num[];
  }>(
    `SELECT service, target, peer_name, peer_kind, sum(calls) AS count, sum(errors) AS errors,
            quantilesTDigestMerge(0.5, 0.95)(duration_ms) AS q
       FROM ${store.database}.call_cells FINAL
      WHERE ((resolution = 60
              AND bucket >= toStartOfMinute(fromUnixTimestamp64Milli({fromMs:Int64}))
              AND bucket < fromUnixTimestamp64Milli({toMs:Int64})
              AND NOT (bucket >= fromUnixTimestamp64Milli({fullFromMs:Int64}) AND bucket < fromUnixTimestamp64Milli({fullToMs:Int64})))
          OR (resolution = 3600
              AND bucket >= fromUnixTimestamp64Milli({fullFromMs:Int64}) AND bucket < fromUnixTimestamp64Milli({fullToMs:Int64})))${envWhere(q)}
      GROUP BY service, target, peer_name, peer_kind
      HAVING count > 0`,
    { name: 'topology:calls', params: { fromMs: q.fromMs, toMs: q.toMs, ...wholeHours(q.fromMs, q.toMs), ...envParams(q) } },
  );
  return rows.map((r) => ({
    service: r.service,
    target: r.target,
    peerName: r.peer_name,
    peerKind: r.peer_kind,
    count: num(r.count),
    errors: num(r.errors),
    p50Ms: round(r.q[0]),
    p95Ms: round(r.q[1]),
  }));
}

export interface TopologyResult extends Topology {
  range: { from: string; to: string };
  groupBy: TopologyGroupBy;
}

/** How far back "current" lag looks: the /lag page's default window, whatever the map's range. */
export const CURRENT_LAG_WINDOW_MS = 15 * 60_000;
const currentLagFromMs = (q: TopologyQuery) => Math.max(q.fromMs, q.toMs - CURRENT_LAG_WINDOW_MS);

/**
 * Current lag per (destination, consumer group) from lag.ts, for the deliver edges: evaluated over
 * the last 15 minutes of the range (as /api/lag does by default), so its cost does not grow with
 * the map's range — over 24 h the full lag query dominated the flow map.
 */
export async function currentLag(store: Store, q: TopologyQuery, nowMs: number): Promise<LagRow[]> {
  const fromMs = currentLagFromMs(q);
  const result = await consumerLag(store, {
    fromMs,
    toMs: q.toMs,
    // the flow map only shows the current values and the status: one pass, on the status's grid
    stepMs: STATUS_STEP_MS,
    statusOnly: true,
    nowMs,
    clockSkew: false,
    // the map shows queue times from the hop state, not from lag
    queueTimes: false,
    env: q.env,
    namespace: q.namespace,
  });
  return result.groups.map((g) => ({
    destination: g.destination,
    consumerGroup: g.consumerGroup,
    lag: {
      backlog: g.current.backlog,
      oldestUndeliveredAgeMs: g.current.oldestUndeliveredAgeMs,
      offsetLag: g.current.offsetLag,
      status: g.status,
    },
  }));
}

/**
 * Consumers seen delivering in the recent history the current lag looks back over (its look-back
 * before its window, publishLookbackMs), keyed like the deliver edges: a consumer group that
 * delivered nothing in the range (a stopped one) keeps its edge on the map with its lag.
 */
export async function knownConsumers(store: Store, q: TopologyQuery): Promise<KnownConsumerRow[]> {
  const lagFromMs = currentLagFromMs(q);
  const historyFromMs = lagFromMs - publishLookbackMs(lagFromMs, q.toMs);
  if (historyFromMs >= q.fromMs) return [];
  const typeExpr = q.groupBy === 'messageType' ? `if(message_type = '', destination, message_type)` : `''`;
  const rows = await store.query<{ service: string; system: string; destination: string; message_type: string; consumer_group: string }>(
    `SELECT d_service AS service, system, destination, ${typeExpr} AS message_type, consumer_group
       FROM ${store.database}.hop_minutes
      WHERE kind = 'deliver' AND deleted = 0
        AND minute >= toStartOfMinute(fromUnixTimestamp64Milli({historyFromMs:Int64}))
        AND minute < toStartOfMinute(fromUnixTimestamp64Milli({fromMs:Int64}))${envWhere(q)}
      GROUP BY service, system, destination, message_type, consumer_group`,
    { name: 'topology:known-consumers', params: { historyFromMs, fromMs: q.fromMs, ...envParams(q) } },
  );
  return rows.map((r) => ({
    service: r.service,
    system: r.system,
    destination: r.destination,
    messageType: r.message_type,
    consumerGroup: r.consumer_group,
  }));
}

export interface TopologyOptions {
  nowMs?: number;
  /** false: skip the current lag of deliver edges */
  lag?: boolean;
  /** dead-letter destinations beyond the naming conventions (config EVENTSCOPE_DEAD_LETTER_PATTERNS) */
  deadLetterPatterns?: readonly RegExp[];
}

export async function topology(store: Store, q: TopologyQuery, opts: TopologyOptions = {}): Promise<TopologyResult> {
  const [{ edges: messaging, queue }, calls, lag, known, broker] = await Promise.all([
    edgeState(store, q),
    callEdges(store, q),
    opts.lag === false ? Promise.resolve([]) : currentLag(store, q, opts.nowMs ?? Date.now()),
    knownConsumers(store, q),
    // the broker's own figures over the same recent window as the current lag (broker-lag.ts)
    opts.lag === false ? Promise.resolve([]) : brokerLag(store, { fromMs: currentLagFromMs(q), toMs: q.toMs }),
  ]);
  const graph = withBrokerOnMap(buildTopology({
    messaging,
    queue,
    calls,
    lag,
    known,
    isDeadLetter: deadLetterMatcher(opts.deadLetterPatterns),
    groupBy: q.groupBy,
  }), broker);
  return {
    range: { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString() },
    groupBy: q.groupBy ?? 'destination',
    ...graph,
  };
}
