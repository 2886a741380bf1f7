// The rows behind /api/lag from the hop model's lag cells (migration 007 `lag_cells`, written by the
// pairing pass), aggregated onto the query's step grid in SQL — the same three kinds lag.ts
// accumulates:
//   cell (group, partition, publish interval i, resolve interval r): messages published in i
//        (i = -1: in the look-back) and waiting until the end of r − 1 (r = points: still waiting),
//        oldest (a) and last (b) publish, max published offset
//   del  (group, partition, i): first deliveries in i, queue-time percentiles, max delivered offset,
//        first (a) and last (b) delivery
//   delg (group, i): first deliveries and queue time over all partitions
// Cells are 1 s, 60 s or 300 s buckets (lagResolution), the coarsest that fall wholly into the
// grid's intervals (lag.ts puts its grids on the buckets' boundaries); on a grid off them a bucket
// counts in the interval of its first message. The cost depends on buckets × groups × partitions,
// not on the messages in them.
import type { Store } from '../store/index.js';
import { EXACT_SAMPLES } from '../hops/minutes.js';
import { NEVER, type LagResolution } from '../hops/lag-cells.js';
import { envParams, envWhere, type EnvFilter } from '../hops/env.js';

export interface LagGrid {
  /** start of interval 0, epoch ms */
  fromMs: number;
  stepMs: number;
  /** number of intervals */
  points: number;
  /** publishes and deliveries looked at from here (the look-back), epoch ms */
  sinceMs: number;
  /** end of the data read, epoch ms */
  untilMs: number;
  /**
   * read only what can change the intervals from here on (default sinceMs): cells published from
   * LATE_CELL_S before it, and the late ones still waiting at it. Publishes and first deliveries
   * before it then count only partly (first and last delivery, last publish: take them from a pass
   * that read the whole look-back).
   */
  openFromMs?: number;
  /** the cells to read (default lagResolution) */
  resolution?: LagResolution;
  /** false: no queue-time percentiles (q empty, qmax null) — the digest merges are skipped */
  queueTimes?: boolean;
  destination?: string;
  consumerGroup?: string;
  /** one partition only */
  partition?: string;
  /** the consumer group's environment / namespace (exact) */
  env?: EnvFilter['env'];
  namespace?: EnvFilter['namespace'];
}

/**
 * A cell whose messages were first delivered at least this long after their publish bucket (or not
 * yet) is also in `lag_cells_late` (migration 015, the same number in its MV).
 */
export const LATE_CELL_S = 600;

export type LagRow = {
  kind: 'cell' | 'del' | 'delg';
  destination: string;
  consumer_group: string;
  partition: string;
  i: string;
  r: string | null;
  n: string;
  a: number | null;
  b: number | null;
  q: number[];
  qmax: number | null;
  off: string | null;
};

/** Grids over at most this long read 1 s cells whatever their step (900 buckets per group). */
export const EXACT_GRID_MS = 15 * 60_000;

/**
 * The coarsest cells that fall wholly into the grid's intervals: 300 s cells for a grid of whole
 * five minutes on the clock's five minutes, 60 s cells for one of whole minutes on the clock's
 * minutes (lag.ts puts every series of whole-minute steps there) — or off them when longer than
 * EXACT_GRID_MS (a cell then counts in the interval of its first message) — else 1 s cells.
 */
export function lagResolution(g: Pick<LagGrid, 'fromMs' | 'stepMs' | 'points'>): LagResolution {
  if (g.stepMs % 300_000 === 0 && g.fromMs % 300_000 === 0) return 300;
  return g.stepMs % 60_000 === 0 && (g.fromMs % 60_000 === 0 || g.stepMs * g.points > EXACT_GRID_MS) ? 60 : 1;
}

export async function lagRows(store: Store, g: LagGrid, name: string): Promise<LagRow[]> {
  const res = g.resolution ?? lagResolution(g);
  const filters = `${g.destination !== undefined ? 'AND destination = {destination:String}' : ''}
      ${g.consumerGroup !== undefined ? 'AND consumer_group = {group:String}' : ''}
      ${g.partition !== undefined ? 'AND partition = {partition:String}' : ''}${envWhere(g)}`;
  const bucket = (ms: string) => `toStartOfInterval(fromUnixTimestamp64Milli({${ms}:Int64}), INTERVAL {res:UInt32} SECOND)`;
  const interval = (ms: string) => `greatest(toInt64(floor((${ms} - {fromMs:Int64}) / {stepMs:Int64})), -1)`;
  return store.query<LagRow>(
    `WITH cells AS (
       -- messages published in the look-back (or up to LATE_CELL_S before it, harmless: they are
       -- neither published in the window nor first delivered in it unless late) …
       SELECT * FROM ${store.database}.lag_cells FINAL
        WHERE resolution = {res:UInt32} ${filters}
          AND ((has_pub = 1 AND pub_bucket >= ${bucket('openMs')} - INTERVAL {late:UInt32} SECOND
                AND pub_bucket < fromUnixTimestamp64Milli({untilMs:Int64}))
            -- first deliveries of messages without a stored publish span, by their delivery bucket
            OR (has_pub = 0 AND resolve_bucket >= ${bucket('openMs')}
                AND resolve_bucket < fromUnixTimestamp64Milli({untilMs:Int64})))
       UNION ALL
       -- … and those published earlier, up to a day before the look-back, that were first delivered
       -- (or are still waiting) after it: the late cells (migration 015), one range of their key
       SELECT * FROM ${store.database}.lag_cells_late FINAL
        WHERE resolution = {res:UInt32} ${filters}
          AND resolve_bucket >= ${bucket('openMs')}
          -- still waiting: only a window that starts after the look-back counts them (published in
          -- the look-back), the others are left out of the range read
          AND (resolve_bucket < fromUnixTimestamp64Milli({untilMs:Int64})
               OR ({waiting:UInt8} = 1 AND resolve_bucket = toDateTime('${NEVER}') AND pub_bucket >= ${bucket('sinceMs')}))
          AND pub_bucket >= ${bucket('sinceMs')} - INTERVAL 1 DAY
          AND pub_bucket < ${bucket('openMs')} - INTERVAL {late:UInt32} SECOND
     ),
     -- each cell once, tagged with the kinds it counts for (k: 1 cell, 2 del, 3 delg)
     tagged AS (
       SELECT *, arrayJoin(arrayConcat(if(is_cell, [1], []), if(is_del, [2, 3], []))) AS k,
              if(k = 3, '', partition) AS p, if(k = 1, ci, di) AS ii, if(k = 1, cr, 0) AS rr
         FROM (
           SELECT *,
                  has_pub = 1 AND min_pub_ms >= {sinceMs:Int64} AND min_pub_ms < {untilMs:Int64} AS is_cell,
                  delivered > 0 AND resolve_bucket != toDateTime('${NEVER}')
                    AND first_del_ms >= {sinceMs:Int64} AND first_del_ms < {untilMs:Int64} AS is_del,
                  ${interval('min_pub_ms')} AS ci,
                  -- waiting at the end of intervals [max(i, 0), r): published, not yet delivered
                  greatest(least(if(delivered > 0, toInt64(floor((greatest(min_pub_ms, first_del_ms) - {fromMs:Int64}) / {stepMs:Int64})), {points:Int64}),
                                 {points:Int64}), 0) AS cr,
                  ${interval('first_del_ms')} AS di
             FROM cells
         )
     )
     SELECT multiIf(k = 1, 'cell', k = 2, 'del', 'delg') AS kind, destination, consumer_group, p AS partition,
            toString(ii) AS i, if(k = 1, toString(rr), NULL) AS r,
            toString(if(k = 1, sum(messages), sum(delivered))) AS n,
            toFloat64(if(k = 1, min(min_pub_ms), min(first_del_ms))) AS a,
            toFloat64(if(k = 1, max(max_pub_ms), max(last_del_ms))) AS b,
            ${
              g.queueTimes === false
                ? '[] AS q, NULL AS qmax,'
                : // deliveries in the look-back (ii = -1) count only as first/last delivery and offsets: their
                  // digests are not merged (for a range of a day that was half of the merging)
                  `if(k = 1 OR ii < 0 OR sum(queue_samples) = 0, [],
               if(sum(queue_samples) <= ${EXACT_SAMPLES}, quantilesExactInclusiveMergeIf(0.5, 0.95)(queue_exact, k != 1 AND ii >= 0),
                  quantilesTDigestMergeIf(0.5, 0.95)(queue_ms, k != 1 AND ii >= 0))) AS q,
            if(k = 1 OR ii < 0 OR sum(queue_samples) = 0, NULL, max(queue_max_ms)) AS qmax,`
            }
            multiIf(k = 1, max(max_pub_offset), k = 2, max(max_del_offset), NULL) AS off
       FROM tagged
      GROUP BY k, destination, consumer_group, p, ii, rr`,
    {
      name,
      params: {
        res,
        fromMs: g.fromMs,
        stepMs: g.stepMs,
        points: g.points,
        sinceMs: g.sinceMs,
        openMs: Math.max(g.sinceMs, g.openFromMs ?? g.sinceMs),
        waiting: (g.openFromMs ?? g.sinceMs) > g.sinceMs ? 1 : 0,
        untilMs: g.untilMs,
        late: LATE_CELL_S,
        destination: g.destination ?? '',
        group: g.consumerGroup ?? '',
        partition: g.partition ?? '',
        ...envParams(g),
      },
    },
  );
}
