// Lag cells (migration 007 `lag_cells`), recomputed by the pairing pass for every publish bucket
// whose messages or first deliveries changed, at 1 s, 60 s and 300 s resolution (the last for long
// ranges, whose series lie on the clock's multiples of their step: lib/analysis/lag.ts). A cell counts the
// messages published in one bucket to a destination that one consumer group of that destination
// first received in one later bucket (or not yet). The consumer groups of a destination are those
// that delivered from it within a day before the bucket, or since; a group seen for the first time
// makes the pass backfill the day before (its backlog starts there, as in /api/lag's look-back).
// Rows are versioned; keys that vanish from a recomputed bucket get tombstones.
import { PUBLISH_SQL } from '../domain.js';
import type { Store } from '../store/index.js';
import { EXACT_SAMPLES } from './minutes.js';
import { bucketsOf, vanishedKeysSql } from './versioned.js';

export const LAG_RESOLUTIONS = [1, 60, 300] as const;
export type LagResolution = (typeof LAG_RESOLUTIONS)[number];
/** resolve_bucket of messages not delivered yet */
export const NEVER = '2106-01-01 00:00:00';
const GROUP_HORIZON_S = 86_400;

const COLUMNS = `resolution, destination, consumer_group, partition, has_pub, pub_bucket, resolve_bucket, messages,
  min_pub_ms, max_pub_ms, max_pub_offset, delivered, first_del_ms, last_del_ms, max_del_offset,
  queue_samples, queue_ms, queue_exact, queue_max_ms, env, namespace, version`;
const KEY = `resolution, destination, consumer_group, partition, has_pub, pub_bucket, resolve_bucket, env, namespace`;

export interface LagCellRecompute {
  /** publish seconds (epoch s) whose cells to recompute (both resolutions) */
  publishSeconds: number[];
  /** delivery seconds of first deliveries without a stored publish span */
  unmatchedSeconds: number[];
  /** whole publish ranges to recompute (a new consumer group's backfill): [fromS, toS) per destination */
  backfills: Array<{ destination: string; fromS: number; toS: number }>;
  version: string;
  /** clock offsets per host (ms, lib/hops/clocks.ts): publish and delivery times are corrected with them */
  clocks?: { hosts: string[]; offsetsMs: number[] };
}

/** SQL adding the host's clock offset (ms) to a time in ms; params chosts / coffs. */
function correction(host: string, clocks: LagCellRecompute['clocks']): string {
  return clocks && clocks.hosts.length > 0 ? `transform(${host}, {chosts:Array(String)}, {coffs:Array(Int64)}, toInt64(0))` : 'toInt64(0)';
}


/**
 * A pass that touched at most this many buckets of a resolution rolls their cells up from the
 * resolution below; one that touched more (a backlog, a backfill: most of a day) computes them from
 * spans and hops like the 1 s cells — reading every 1 s cell (with their digest states) of a day
 * again per pass cost more than the spans themselves (bulk pairing of 10M spans went from ~40 s to
 * ~2 min per pass).
 */
const ROLLUP_MAX_BUCKETS = 10;

/**
 * 1 s cells are computed from the messaging spans and hops. The 60 s cells of the few minutes a
 * live pass touches are rolled up from their 1 s cells (a minute's sixty 1 s cells instead of its
 * messages again: a pass every few seconds would otherwise read the whole current minute's
 * publishes each time), those of many minutes are computed like the 1 s ones; the 300 s cells are
 * always rolled up from their five 60 s cells.
 */
export async function recomputeLagCells(store: Store, r: LagCellRecompute): Promise<void> {
  // a backfill recomputes every group of its destinations: one query for all of them
  const backfill = r.backfills.length
    ? {
        fromS: Math.min(...r.backfills.map((b) => b.fromS)),
        toS: Math.max(...r.backfills.map((b) => b.toS)),
        destinations: [...new Set(r.backfills.map((b) => b.destination))],
      }
    : undefined;
  for (const [i, res] of LAG_RESOLUTIONS.entries()) {
    const below = i > 0 ? LAG_RESOLUTIONS[i - 1]! : undefined;
    // a coarse bucket of a few finer cells (five minute cells per five minutes) is always rolled up:
    // reading those is cheaper than the spans and hops again, however many buckets a pass touched
    const few = below !== undefined && res / below <= 10;
    const rollsUp = (buckets: number) => below !== undefined && (few || buckets <= ROLLUP_MAX_BUCKETS);
    const pubBuckets = bucketsOf(r.publishSeconds, res);
    const delBuckets = bucketsOf(r.unmatchedSeconds, res);
    const span = (buckets: number[]) => ({ buckets, fromS: Math.min(...buckets), toS: Math.max(...buckets) + res });
    if (pubBuckets.length > 0) {
      if (rollsUp(pubBuckets.length)) await rollUp(store, r.version, 1, below!, res, span(pubBuckets));
      else await publishedCells(store, res, r.version, span(pubBuckets), r.clocks);
    }
    if (backfill) {
      const set = { fromS: Math.floor(backfill.fromS / res) * res, toS: Math.ceil(backfill.toS / res) * res, destinations: backfill.destinations };
      if (few) await rollUp(store, r.version, 1, below!, res, set);
      else await publishedCells(store, res, r.version, set, r.clocks);
    }
    if (delBuckets.length > 0) {
      if (rollsUp(delBuckets.length)) await rollUp(store, r.version, 0, below!, res, span(delBuckets));
      else await unmatchedCells(store, res, r.version, delBuckets);
    }
  }
}

/**
 * The cells of resolution `to` of the given buckets from their cells of resolution `from`: by
 * publish bucket (hasPub 1) or by first-delivery bucket (hasPub 0, messages without a stored publish
 * span). Sums, minima and maxima carry over; the queue-time digests merge; the exact samples merge
 * while the coarse cell has at most EXACT_SAMPLES (each of its finer cells then has its exact
 * samples too).
 */
async function rollUp(store: Store, version: string, hasPub: 0 | 1, from: LagResolution, to: LagResolution, set: BucketSet): Promise<void> {
  const db = store.database;
  const bucket = hasPub ? 'pub_bucket' : 'resolve_bucket';
  const coarse = (col: string) => `toStartOfInterval(${col}, INTERVAL {res:UInt32} SECOND)`;
  const inSet = `${bucket} >= fromUnixTimestamp({fromS:Int64}) AND ${bucket} < fromUnixTimestamp({toS:Int64})
       ${set.buckets ? `AND toUnixTimestamp(${coarse(bucket)}) IN {buckets:Array(Int64)}` : ''}
       ${set.destinations ? 'AND destination IN {destinations:Array(String)}' : ''}`;
  const params = { version, hasPub, buckets: set.buckets ?? [], fromS: set.fromS, toS: set.toS, destinations: set.destinations ?? [], res: to, below: from };
  const delivered = 'delivered > 0';
  await store.command(
    `INSERT INTO ${db}.lag_cells (${COLUMNS})
     -- positional into COLUMNS; no alias repeats a column name (an aggregate would read its own alias)
     SELECT {res:UInt32}, destination, consumer_group, partition, {hasPub:UInt8},
            ${coarse('pub_bucket')} AS pub_coarse,
            if(resolve_bucket = toDateTime('${NEVER}'), resolve_bucket, ${coarse('resolve_bucket')}) AS resolve_coarse,
            sum(messages), min(min_pub_ms), max(max_pub_ms), max(max_pub_offset),
            sum(delivered),
            minIf(first_del_ms, ${delivered}), maxIf(last_del_ms, ${delivered}),
            maxIf(max_del_offset, ${delivered}),
            sum(queue_samples),
            quantilesTDigestMergeState(0.5, 0.95)(queue_ms),
            if(sum(queue_samples) <= ${EXACT_SAMPLES}, quantilesExactInclusiveMergeState(0.5, 0.95)(queue_exact),
               quantilesExactInclusiveStateIf(0.5, 0.95)(0., 0)),
            max(queue_max_ms),
            env, namespace,
            {version:UInt64}
       FROM ${db}.lag_cells FINAL
      WHERE resolution = {below:UInt32} AND has_pub = {hasPub:UInt8} AND ${inSet}
      GROUP BY destination, consumer_group, partition, pub_coarse, resolve_coarse, env, namespace`,
    { name: `pairing:lag-cells-${to}s${hasPub ? '' : '-unmatched'}`, params },
  );
  await store.command(
    vanishedKeysSql(db, 'lag_cells', KEY, `resolution = {res:UInt32} AND has_pub = {hasPub:UInt8} AND ${inSet}`),
    { name: `pairing:lag-cells-${to}s${hasPub ? '' : '-unmatched'}-vanished`, params },
  );
}

interface BucketSet {
  /** explicit buckets (epoch s); absent = every bucket of [fromS, toS) */
  buckets?: number[];
  fromS: number;
  toS: number;
  /** only these destinations; absent = all */
  destinations?: string[];
}

/** The cells (1 s or 60 s) of publishes in the set, from the messaging spans and the hops. */
async function publishedCells(store: Store, res: number, version: string, set: BucketSet, clocks: LagCellRecompute['clocks']): Promise<void> {
  const db = store.database;
  // buckets on the corrected clock (the lag query places them by corrected times too)
  const corrected = `(toInt64(toUnixTimestamp64Milli(timestamp)) + ${correction('host', clocks)})`;
  const bucket = `toStartOfInterval(fromUnixTimestamp64Milli(${corrected}), INTERVAL {res:UInt32} SECOND)`;
  const inSet = `AND toUnixTimestamp(${bucket}) >= {fromS:Int64} AND toUnixTimestamp(${bucket}) < {toS:Int64}
                 ${set.buckets ? `AND toUnixTimestamp(${bucket}) IN {buckets:Array(Int64)}` : ''}
                 ${set.destinations ? 'AND destination IN {destinations:Array(String)}' : ''}`;
  // raw times may lie up to the largest correction away from their corrected bucket
  const slackS = Math.ceil(Math.max(0, ...(clocks?.offsetsMs ?? []).map(Math.abs)) / 1000) + 1;
  const first = `queue_ns IS NOT NULL`;
  const queueMs = `greatest(ifNull(queue_ns, 0), 0) / 1e6`;
  const params = {
    res,
    version,
    buckets: set.buckets ?? [],
    fromS: set.fromS,
    toS: set.toS,
    destinations: set.destinations ?? [],
    // a group counts when it delivered within GROUP_HORIZON_S before the set (raw delivery times)
    groupsFromMs: (set.fromS - GROUP_HORIZON_S - slackS) * 1000,
    chosts: clocks?.hosts ?? [],
    coffs: clocks?.offsetsMs ?? [],
    slackS,
  };
  await store.command(
    `INSERT INTO ${db}.lag_cells (${COLUMNS})
     WITH pubs AS (
       SELECT span_key, destination, partition, ${corrected} AS pub_ms, offset, ${bucket} AS pub_bucket,
              env AS p_env, namespace AS p_namespace
         FROM (
           SELECT * FROM ${db}.messaging_spans
            WHERE operation IN ${PUBLISH_SQL}
              AND timestamp >= fromUnixTimestamp64Milli(({fromS:Int64} - {slackS:Int64}) * 1000) AND timestamp < fromUnixTimestamp64Milli(({toS:Int64} + {slackS:Int64}) * 1000)
              ${inSet}
            LIMIT 1 BY span_key
         )
        -- a send span that links to other spans is a batch send of messages created before
        WHERE NOT (operation = 'send' AND link_count > 0)
     ),
     -- a cell belongs to the consumer group's environment and namespace; the groups come from the
     -- hourly state (a day of hops read per pass was most of a live pass's lag cells): a group has
     -- a delivery since the horizon exactly when one of its hours' last delivery is since then
     groups AS (
       SELECT DISTINCT destination, consumer_group, env, namespace FROM ${db}.hop_hours FINAL
        WHERE kind = 'deliver'
          AND hour >= toStartOfHour(fromUnixTimestamp64Milli({groupsFromMs:Int64})) AND last_ms >= {groupsFromMs:Int64}
          AND destination IN (SELECT destination FROM pubs)
     ),
     firsts AS (
       SELECT consumer_group, message_key,
              toInt64(toUnixTimestamp64Milli(min(d_start))) + any(${correction('d_host', clocks)}) AS first_ms,
              toInt64(toUnixTimestamp64Milli(max(d_start))) + any(${correction('d_host', clocks)}) AS last_ms,
              argMin(partition, d_start) AS d_partition,
              argMin(offset, d_start) AS d_offset,
              minIf(queue_ns, matched = 1) AS queue_ns
         FROM ${db}.hops FINAL
        WHERE matched = 1 AND d_start >= fromUnixTimestamp64Milli(({fromS:Int64} - 300 - {slackS:Int64}) * 1000)
          AND message_key IN (SELECT span_key FROM pubs)
        GROUP BY consumer_group, message_key
     )
     SELECT {res:UInt32} AS resolution, p.destination AS destination, g.consumer_group AS consumer_group,
            if(p.partition != '', p.partition, f.d_partition) AS partition, 1 AS has_pub, p.pub_bucket AS pub_bucket,
            if(f.message_key != 0, toStartOfInterval(fromUnixTimestamp64Milli(f.first_ms), INTERVAL {res:UInt32} SECOND),
               toDateTime('${NEVER}')) AS resolve_bucket,
            count() AS messages, min(p.pub_ms) AS min_pub_ms, max(p.pub_ms) AS max_pub_ms, max(p.offset) AS max_pub_offset,
            countIf(f.message_key != 0) AS delivered,
            minIf(f.first_ms, f.message_key != 0) AS first_del_ms, maxIf(f.last_ms, f.message_key != 0) AS last_del_ms,
            maxIf(f.d_offset, f.message_key != 0) AS max_del_offset,
            countIf(${first}) AS queue_samples,
            quantilesTDigestStateIf(0.5, 0.95)(${queueMs}, ${first}) AS queue_ms,
            if(queue_samples <= ${EXACT_SAMPLES}, quantilesExactInclusiveStateIf(0.5, 0.95)(${queueMs}, ${first}),
               quantilesExactInclusiveStateIf(0.5, 0.95)(0., 0)) AS queue_exact,
            maxIf(${queueMs}, ${first}) AS queue_max_ms,
            g.env AS env, g.namespace AS namespace,
            {version:UInt64} AS version
       FROM pubs AS p
      INNER JOIN groups AS g ON g.destination = p.destination
       LEFT JOIN (SELECT * FROM firsts) AS f ON f.message_key = p.span_key AND f.consumer_group = g.consumer_group
      -- a publisher of another environment does not fill this group's backlog (unknown on either side: it does)
      WHERE (p.p_env = g.env OR p.p_env = '' OR g.env = '') AND (p.p_namespace = g.namespace OR p.p_namespace = '' OR g.namespace = '')
      GROUP BY destination, consumer_group, partition, pub_bucket, resolve_bucket, env, namespace
      SETTINGS join_use_nulls = 0`,
    { name: `pairing:lag-cells-${res}s`, params },
  );
  await store.command(
    vanishedKeysSql(
      db,
      'lag_cells',
      KEY,
      `resolution = {res:UInt32} AND has_pub = 1
       AND pub_bucket >= fromUnixTimestamp({fromS:Int64}) AND pub_bucket < fromUnixTimestamp({toS:Int64})
       ${set.buckets ? 'AND toUnixTimestamp(pub_bucket) IN {buckets:Array(Int64)}' : ''}
       ${set.destinations ? 'AND destination IN {destinations:Array(String)}' : ''}`,
    ),
    { name: `pairing:lag-cells-${res}s-vanished`, params },
  );
}

/** First deliveries of messages without a stored publish span, by delivery bucket. */
async function unmatchedCells(store: Store, res: number, version: string, buckets: number[]): Promise<void> {
  const db = store.database;
  const fromS = Math.min(...buckets);
  const toS = Math.max(...buckets) + res;
  const params = { res, version, buckets, fromS, toS };
  await store.command(
    `INSERT INTO ${db}.lag_cells (${COLUMNS})
     SELECT {res:UInt32} AS resolution, destination, consumer_group, partition, 0 AS has_pub, toDateTime(0) AS pub_bucket,
            toStartOfInterval(fromUnixTimestamp64Milli(first_ms), INTERVAL {res:UInt32} SECOND) AS resolve_bucket,
            count() AS messages, 0 AS min_pub_ms, 0 AS max_pub_ms, NULL AS max_pub_offset,
            count() AS delivered, min(first_ms) AS first_del_ms, max(last_ms) AS last_del_ms, max(d_offset) AS max_del_offset,
            0 AS queue_samples, quantilesTDigestStateIf(0.5, 0.95)(0., 0) AS queue_ms,
            quantilesExactInclusiveStateIf(0.5, 0.95)(0., 0) AS queue_exact, 0. AS queue_max_ms,
            env, namespace,
            {version:UInt64} AS version
       FROM (
         SELECT consumer_group, destination, message_key, argMin(d_env, d_start) AS env, argMin(d_namespace, d_start) AS namespace,
                toInt64(toUnixTimestamp64Milli(min(d_start))) AS first_ms,
                toInt64(toUnixTimestamp64Milli(max(d_start))) AS last_ms,
                argMin(partition, d_start) AS partition, argMin(offset, d_start) AS d_offset
           FROM ${db}.hops FINAL
          WHERE matched = 0 AND d_start >= fromUnixTimestamp64Milli(({fromS:Int64} - 3600) * 1000) AND d_start < fromUnixTimestamp64Milli(({toS:Int64}) * 1000)
          GROUP BY consumer_group, destination, message_key
       )
      WHERE toUnixTimestamp(resolve_bucket) IN {buckets:Array(Int64)}
      GROUP BY destination, consumer_group, partition, resolve_bucket, env, namespace`,
    { name: `pairing:lag-unmatched-${res}s`, params },
  );
  await store.command(
    vanishedKeysSql(
      db,
      'lag_cells',
      KEY,
      `resolution = {res:UInt32} AND has_pub = 0
       AND resolve_bucket >= fromUnixTimestamp({fromS:Int64}) AND resolve_bucket < fromUnixTimestamp({toS:Int64})
       AND toUnixTimestamp(resolve_bucket) IN {buckets:Array(Int64)}`,
    ),
    { name: `pairing:lag-unmatched-${res}s-vanished`, params },
  );
}
