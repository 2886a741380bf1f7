// The rows behind /api/lag from the hop model's lag cells (migration 007 `lag_cells`, written by the
// pairing pass), aggregated onto the query's step grid in SQL — the same three kinds lag.ts
// accumulates:
//   cell (group, partition, publish interval i, resolve interval r): messages published in i
//        (i = -1: in the look-back) and waiting until the end of r − 1 (r = points: still waiting),
//        oldest (a) and last (b) publish, max published offset
//   del  (group, partition, i): first deliveries in i, queue-time percentiles, max delivered offset,
//        first (a) and last (b) delivery
//   delg (group, i): first deliveries and queue time over all partitions
// Cells are 1 s buckets (60 s when the step is whole minutes): a bucket is placed by its first
// message, so for a range not aligned to the bucket width an interval boundary is exact only to the
// bucket (a second, or a minute for steps of minutes). The cost depends on buckets × groups × partitions, not on the messages in them.
import type { Store } from '../store/index.js';
import { queuePercentilesSql } from '../hops/minutes.js';
import { NEVER } from '../hops/lag-cells.js';
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
  destination?: string;
  consumerGroup?: string;
  /** one partition only */
  partition?: string;
  /** the consumer group's environment / namespace (exact) */
  env?: EnvFilter['env'];
  namespace?: EnvFilter['namespace'];
}

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

/**
 * 60 s cells when the step is whole minutes (a range of hours or days: its grid boundaries are then
 * exact to the minute), else 1 s cells.
 */
export function lagResolution(g: Pick<LagGrid, 'fromMs' | 'stepMs'>): 1 | 60 {
  return g.stepMs % 60_000 === 0 ? 60 : 1;
}

export async function lagRows(store: Store, g: LagGrid, name: string): Promise<LagRow[]> {
  const res = lagResolution(g);
  const filters = `${g.destination !== undefined ? 'AND destination = {destination:String}' : ''}
      ${g.consumerGroup !== undefined ? 'AND consumer_group = {group:String}' : ''}
      ${g.partition !== undefined ? 'AND partition = {partition:String}' : ''}${envWhere(g)}`;
  const interval = (ms: string) => `greatest(toInt64(floor((${ms} - {fromMs:Int64}) / {stepMs:Int64})), -1)`;
  return store.query<LagRow>(
    `WITH cells AS (
       SELECT * FROM ${store.database}.lag_cells FINAL
        -- both branches are ranges of the primary key (resolution, has_pub, pub_bucket): messages
        -- published in the window, or up to a day before it and first delivered in it; first
        -- deliveries of messages without a stored publish span by their delivery bucket
        WHERE resolution = {res:UInt32} ${filters}
          AND ((has_pub = 1 AND pub_bucket >= toStartOfInterval(fromUnixTimestamp64Milli({sinceMs:Int64}), INTERVAL {res:UInt32} SECOND) - INTERVAL 1 DAY
                AND pub_bucket < fromUnixTimestamp64Milli({untilMs:Int64})
                AND (pub_bucket >= toStartOfInterval(fromUnixTimestamp64Milli({sinceMs:Int64}), INTERVAL {res:UInt32} SECOND)
                     OR (delivered > 0 AND resolve_bucket >= toStartOfInterval(fromUnixTimestamp64Milli({sinceMs:Int64}), INTERVAL {res:UInt32} SECOND))))
            OR (has_pub = 0 AND resolve_bucket >= toStartOfInterval(fromUnixTimestamp64Milli({sinceMs:Int64}), INTERVAL {res:UInt32} SECOND)
                AND resolve_bucket < fromUnixTimestamp64Milli({untilMs:Int64})))
     ),
     first_deliveries AS (
       SELECT *, ${interval('first_del_ms')} AS i FROM cells
        WHERE delivered > 0 AND resolve_bucket != toDateTime('${NEVER}')
          AND first_del_ms >= {sinceMs:Int64} AND first_del_ms < {untilMs:Int64}
     )
     SELECT 'cell' AS kind, destination, consumer_group, partition, toString(i) AS i, toString(r) AS r,
            toString(sum(messages)) AS n, toFloat64(min(min_pub_ms)) AS a, toFloat64(max(max_pub_ms)) AS b,
            [] AS q, NULL AS qmax, max(max_pub_offset) AS off
       FROM (
         SELECT *, ${interval('min_pub_ms')} AS i,
                -- waiting at the end of intervals [max(i, 0), r): published, not yet delivered
                greatest(least(if(delivered > 0, toInt64(floor((greatest(min_pub_ms, first_del_ms) - {fromMs:Int64}) / {stepMs:Int64})), {points:Int64}),
                               {points:Int64}), 0) AS r
           FROM cells
          WHERE has_pub = 1 AND min_pub_ms >= {sinceMs:Int64} AND min_pub_ms < {untilMs:Int64}
       )
      GROUP BY destination, consumer_group, partition, i, r
     UNION ALL
     SELECT 'del' AS kind, destination, consumer_group, partition AS partition,
            toString(i) AS i, NULL AS r, toString(sum(delivered)) AS n,
            toFloat64(min(first_del_ms)) AS a, toFloat64(max(last_del_ms)) AS b,
            if(sum(queue_samples) = 0, [], ${queuePercentilesSql()}) AS q,
            if(sum(queue_samples) = 0, NULL, max(queue_max_ms)) AS qmax,
            max(max_del_offset) AS off
       FROM first_deliveries
      GROUP BY destination, consumer_group, partition, i
     UNION ALL
     SELECT 'delg' AS kind, destination, consumer_group, '' AS partition,
            toString(i) AS i, NULL AS r, toString(sum(delivered)) AS n,
            toFloat64(min(first_del_ms)) AS a, toFloat64(max(last_del_ms)) AS b,
            if(sum(queue_samples) = 0, [], ${queuePercentilesSql()}) AS q,
            if(sum(queue_samples) = 0, NULL, max(queue_max_ms)) AS qmax,
            NULL AS off
       FROM first_deliveries
      GROUP BY destination, consumer_group, i`,
    {
      name,
      params: {
        res,
        fromMs: g.fromMs,
        stepMs: g.stepMs,
        points: g.points,
        sinceMs: g.sinceMs,
        untilMs: g.untilMs,
        destination: g.destination ?? '',
        group: g.consumerGroup ?? '',
        partition: g.partition ?? '',
        ...envParams(g),
      },
    },
  );
}
