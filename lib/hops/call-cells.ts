// Sync-call cells (migration 016 `call_cells`): the flow map's call edges as state, recomputed by
// the pairing pass like the lag cells. A cell counts the distinct CLIENT spans that started in one
// bucket, per caller, callee (the service of the SERVER span whose parent is the client span; ''
// when none answered: an external peer), peer and the caller's environment, with their errors
// (client or server span failed) and the client span's duration. The pass recomputes the 1 s cells
// of every second that holds a CLIENT span committed since its watermark, or the client of a SERVER
// span committed since (a server exported after its caller moves the call to its callee), and
// rolls the minutes it touched up into 60 s cells from their 1 s cells; a pass that touched many
// minutes (a backlog) computes the 60 s cells from the spans as well. Rows are versioned; keys that
// vanish from a recomputed bucket get tombstones, so a repeated pass writes the same state. The
// hours touched are rolled up from their 60 s cells into 3600 s cells: the flow map reads whole hours
// from those (a t-digest merge per row is most of its cost) and the minutes at its ends from the 60 s.
import type { Store } from '../store/index.js';
import { bucketsOf, vanishedKeysSql } from './versioned.js';

const ROLLUP_MAX_MINUTES = 10;

/**
 * `timestamp` within the time bounds of the traces the subquery names (trace_index): a call's client
 * and server spans are in one trace, so this bounds the scan for the other side whatever the clock
 * skew between their hosts and however long the call ran, and a pass reads seconds of call spans,
 * not a margin of minutes around them.
 */
function withinTraces(db: string, traceIds: string, alias: string): string {
  // one lookup for both bounds (the alias names the tuple for the second comparison)
  return `timestamp >= ((SELECT (min(start), max(end)) FROM ${db}.trace_index WHERE trace_id IN (${traceIds})) AS ${alias}).1
          AND timestamp <= ${alias}.2`;
}

const COLUMNS = `resolution, bucket, service, target, peer_name, peer_kind, env, namespace, calls, errors, duration_ms, version`;
const KEY = `resolution, bucket, service, target, peer_name, peer_kind, env, namespace`;

/**
 * The seconds (epoch s) whose call cells change with the call spans committed in [lo, hi): those
 * of the new CLIENT spans and of the CLIENT spans the new SERVER spans answer.
 */
export async function touchedCallSeconds(store: Store, range: { lo: number; hi: number }): Promise<number[]> {
  const db = store.database;
  const committed = `ingested_at >= fromUnixTimestamp64Milli({lo:Int64}) AND ingested_at < fromUnixTimestamp64Milli({hi:Int64})`;
  const servers = `FROM ${db}.call_spans WHERE span_kind = 'SERVER' AND parent_key != 0 AND ${committed}`;
  const rows = await store.query<{ s: string }>(
    `SELECT DISTINCT toString(toUnixTimestamp(timestamp)) AS s FROM ${db}.call_spans
      WHERE span_kind = 'CLIENT' AND ${committed}
     UNION DISTINCT
     SELECT DISTINCT toString(toUnixTimestamp(timestamp)) AS s FROM ${db}.call_spans
      WHERE span_kind = 'CLIENT'
        AND ${withinTraces(db, `SELECT trace_id ${servers}`, 'server_traces')}
        AND span_key IN (SELECT parent_key ${servers})`,
    { name: 'pairing:call-seconds', params: range },
  );
  return rows.map((r) => Number(r.s));
}

/** Recomputes the call cells of the given seconds: 1 s, then 60 s, then 3600 s (rolled up from 60 s). */
export async function recomputeCallCells(store: Store, seconds: number[], version: string): Promise<void> {
  if (seconds.length === 0) return;
  await cellsFromSpans(store, 1, bucketsOf(seconds, 1), version);
  const minutes = bucketsOf(seconds, 60);
  if (minutes.length > ROLLUP_MAX_MINUTES) await cellsFromSpans(store, 60, minutes, version);
  else await rollUp(store, 1, 60, minutes, version);
  await rollUp(store, 60, 3600, bucketsOf(seconds, 3600), version);
}

/**
 * `column` (a span's DateTime64 start or a cell's DateTime bucket) in the buckets of {buckets}. A
 * span time is bounded by DateTime64 constants: compared with a DateTime constant, the primary key
 * analysis of call_spans (toStartOfMinute(timestamp)) can skip granules that hold matching rows
 * (seen on chDB 26.7: a count of 0 where toUnixTimestamp(timestamp) = s found 10 rows).
 */
const inBuckets = (column: string, res: number, time: 'span' | 'bucket' = 'bucket') => {
  const at = (s: string) => (time === 'span' ? `fromUnixTimestamp64Milli(${s} * 1000)` : `fromUnixTimestamp(${s})`);
  return `${column} >= ${at('{fromS:Int64}')} AND ${column} < ${at('{toS:Int64}')}
   AND toUnixTimestamp(toStartOfInterval(${column}, INTERVAL ${res} SECOND)) IN (SELECT arrayJoin({buckets:Array(Int64)}))`;
};

async function cellsFromSpans(store: Store, res: 1 | 60, buckets: number[], version: string): Promise<void> {
  const db = store.database;
  const params = { buckets, fromS: Math.min(...buckets), toS: Math.max(...buckets) + res, version };
  await store.command(
    `INSERT INTO ${db}.call_cells (${COLUMNS})
     WITH clients AS (
       -- a resent client span (same trace and span id) is one call
       SELECT span_key, any(trace_id) AS trace, min(timestamp) AS started, any(service_name) AS caller, any(duration_ns) AS duration,
              max(is_error) AS failed, any(peer_name) AS peer, any(peer_kind) AS kind, any(env) AS c_env, any(namespace) AS c_namespace
         FROM ${db}.call_spans
        WHERE span_kind = 'CLIENT' AND ${inBuckets('timestamp', res, 'span')}
        GROUP BY span_key
     ),
     servers AS (
       SELECT parent_key, any(service_name) AS callee, max(is_error) AS failed
         FROM ${db}.call_spans
        WHERE span_kind = 'SERVER' AND parent_key != 0
          AND ${withinTraces(db, 'SELECT trace FROM clients', 'client_traces')}
          AND parent_key IN (SELECT span_key FROM clients)
        GROUP BY parent_key
     )
     SELECT ${res}, toStartOfInterval(c.started, INTERVAL ${res} SECOND) AS b, c.caller, s.callee, c.peer, c.kind, c.c_env, c.c_namespace,
            count(), countIf(c.failed OR s.failed), quantilesTDigestState(0.5, 0.95)(c.duration / 1e6), {version:UInt64}
       FROM clients AS c
       LEFT JOIN servers AS s ON s.parent_key = c.span_key
      GROUP BY b, c.caller, s.callee, c.peer, c.kind, c.c_env, c.c_namespace
      SETTINGS join_use_nulls = 0`,
    { name: `pairing:call-cells-${res}s`, params },
  );
  await store.command(vanishedKeysSql(db, 'call_cells', KEY, `resolution = ${res} AND ${inBuckets('bucket', res)}`), {
    name: `pairing:call-cells-${res}s-vanished`,
    params,
  });
}

/** The cells of resolution `to` of the given buckets from their cells of resolution `from`. */
async function rollUp(store: Store, from: 1 | 60, to: 60 | 3600, buckets: number[], version: string): Promise<void> {
  const db = store.database;
  const params = { buckets, fromS: Math.min(...buckets), toS: Math.max(...buckets) + to, version };
  await store.command(
    `INSERT INTO ${db}.call_cells (${COLUMNS})
     SELECT ${to}, toStartOfInterval(bucket, INTERVAL ${to} SECOND) AS b, service, target, peer_name, peer_kind, env, namespace,
            sum(calls), sum(errors), quantilesTDigestMergeState(0.5, 0.95)(duration_ms), {version:UInt64}
       FROM ${db}.call_cells FINAL
      WHERE resolution = ${from} AND ${inBuckets('bucket', to)}
      GROUP BY b, service, target, peer_name, peer_kind, env, namespace`,
    { name: `pairing:call-cells-${to}s`, params },
  );
  await store.command(vanishedKeysSql(db, 'call_cells', KEY, `resolution = ${to} AND ${inBuckets('bucket', to)}`), {
    name: `pairing:call-cells-${to}s-vanished`,
    params,
  });
}
