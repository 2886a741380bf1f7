// Per-minute state (migration 007 `hop_minutes`): the pairing pass recomputes every minute it
// touched, whole, from the hops (kind 'deliver', by deliver minute) and from the publish spans (kind
// 'publish', by publish minute), with a new version; a key of the minute that no longer occurs gets
// a tombstone. A recompute is idempotent: the same rows come out however often it runs.
import { PUBLISH_SQL } from '../domain.js';
import type { Store } from '../store/index.js';
import { bucketsOf, vanishedKeysSql } from './versioned.js';


/** Queue-time samples kept exactly per row (and used exactly by readers) up to this many. */
export const EXACT_SAMPLES = 256;

/** SQL for the p50/p95 pair of merged queue-time state: exact while few samples, else t-digest. */
export function queuePercentilesSql(samples = 'queue_samples', exact = 'queue_exact', digest = 'queue_ms'): string {
  return `if(sum(${samples}) <= ${EXACT_SAMPLES}, quantilesExactInclusiveMerge(0.5, 0.95)(${exact}), quantilesTDigestMerge(0.5, 0.95)(${digest}))`;
}

const COLUMNS = `minute, kind, destination, consumer_group, partition, message_type, p_service, d_service, system,
  spans, messages, first_deliveries, redeliveries, duplicates, errors, retries,
  rewinds, rewind_min_offset, rewind_max_offset, last_rewind_ms, queue_samples, queue_ms, queue_exact, queue_max_ms,
  duration_ms, max_offset, min_offset, first_ms, last_ms, env, namespace, version`;
const KEY = `minute, kind, destination, consumer_group, partition, message_type, p_service, d_service, system, env, namespace`;

export interface MinuteRecompute {
  /** minute starts, epoch seconds */
  deliverMinutes: number[];
  publishMinutes: number[];
  version: string;
}

export async function recomputeMinutes(store: Store, r: MinuteRecompute): Promise<void> {
  const db = store.database;
  for (const [kind, minutes] of [['deliver', r.deliverMinutes], ['publish', r.publishMinutes]] as const) {
    if (minutes.length === 0) continue;
    const params = {
      minutes,
      fromS: Math.min(...minutes),
      toS: Math.max(...minutes) + 60,
      version: r.version,
    };
    const select = kind === 'deliver' ? deliverMinutesSql(db) : publishMinutesSql(db);
    await store.command(`INSERT INTO ${db}.hop_minutes (${COLUMNS}) ${select}`, { name: `pairing:minutes-${kind}`, params });
    await store.command(
      vanishedKeysSql(
        db,
        'hop_minutes',
        KEY,
        `kind = '${kind}' AND minute >= fromUnixTimestamp({fromS:Int64}) AND minute < fromUnixTimestamp({toS:Int64})
         AND toUnixTimestamp(minute) IN {minutes:Array(Int64)}`,
      ),
      { name: `pairing:minutes-${kind}-vanished`, params },
    );
  }
  await rollUpHours(store, [...r.deliverMinutes, ...r.publishMinutes], r.version);
}

const HOUR_KEY = `hour, kind, destination, consumer_group, partition, message_type, p_service, d_service, system, env, namespace`;

/**
 * The hours of the given minutes (epoch s) rolled up from their minutes into `hop_hours` (migration
 * 017): sums, minima and maxima carry over, the digests merge, the exact queue-time samples merge
 * while the hour's row has at most EXACT_SAMPLES (each of its minutes then has them too).
 */
export async function rollUpHours(store: Store, minutes: number[], version: string): Promise<void> {
  const hours = bucketsOf(minutes, 3600);
  if (hours.length === 0) return;
  const db = store.database;
  const params = { hours, fromS: Math.min(...hours), toS: Math.max(...hours) + 3600, version };
  const inHours = (column: string) => `${column} >= fromUnixTimestamp({fromS:Int64}) AND ${column} < fromUnixTimestamp({toS:Int64})
       AND toUnixTimestamp(toStartOfHour(${column})) IN (SELECT arrayJoin({hours:Array(Int64)}))`;
  await store.command(
    `INSERT INTO ${db}.hop_hours (${COLUMNS.replace('minute,', 'hour,')})
     -- positional into the columns; no alias repeats a column name (an aggregate would read its own alias)
     SELECT toStartOfHour(minute) AS h, kind, destination, consumer_group, partition, message_type, p_service, d_service, system,
            sum(spans), sum(messages), sum(first_deliveries), sum(redeliveries), sum(duplicates), sum(errors), sum(retries),
            sum(rewinds), min(rewind_min_offset), max(rewind_max_offset), max(last_rewind_ms),
            sum(queue_samples), quantilesTDigestMergeState(0.5, 0.95)(queue_ms),
            if(sum(queue_samples) <= ${EXACT_SAMPLES}, quantilesExactInclusiveMergeState(0.5, 0.95)(queue_exact),
               quantilesExactInclusiveStateIf(0.5, 0.95)(0., 0)),
            max(queue_max_ms), quantilesTDigestMergeState(0.5, 0.95)(duration_ms),
            max(max_offset), min(min_offset), min(first_ms), max(last_ms),
            env, namespace, {version:UInt64}
       FROM ${db}.hop_minutes FINAL
      WHERE ${inHours('minute')}
      GROUP BY h, kind, destination, consumer_group, partition, message_type, p_service, d_service, system, env, namespace`,
    { name: 'pairing:hours', params },
  );
  await store.command(vanishedKeysSql(db, 'hop_hours', HOUR_KEY, inHours('hour')), { name: 'pairing:hours-vanished', params });
}

function deliverMinutesSql(db: string): string {
  // one sample per message and group: its earliest delivery (a receive before the process span counts)
  const first = `queue_sample = 1 AND matched = 1`;
  const queueMs = `greatest(ifNull(queue_ns, 0), 0) / 1e6`;
  return `
    SELECT toStartOfMinute(d_start) AS minute, 'deliver' AS kind, destination, consumer_group, partition, message_type,
           p_service, d_service, system,
           uniqExact(d_key) AS spans,
           countIf(class != 'prelude') AS messages,
           countIf(class = 'first') AS first_deliveries,
           countIf(class = 'redelivery_after_failure') AS redeliveries,
           countIf(class = 'duplicate_after_success') AS duplicates,
           countIf(class != 'prelude' AND d_status = 'ERROR') AS errors,
           countIf(class != 'prelude' AND d_redelivered = 1) AS retries,
           countIf(rewind = 1) AS rewinds,
           minIf(offset, rewind = 1) AS rewind_min_offset,
           maxIf(offset, rewind = 1) AS rewind_max_offset,
           toInt64(if(rewinds = 0, 0, toUnixTimestamp64Milli(maxIf(d_start, rewind = 1)))) AS last_rewind_ms,
           countIf(${first}) AS queue_samples,
           quantilesTDigestStateIf(0.5, 0.95)(${queueMs}, ${first}) AS queue_ms,
           if(queue_samples <= ${EXACT_SAMPLES}, quantilesExactInclusiveStateIf(0.5, 0.95)(${queueMs}, ${first}),
              quantilesExactInclusiveStateIf(0.5, 0.95)(0., 0)) AS queue_exact,
           maxIf(${queueMs}, ${first}) AS queue_max_ms,
           quantilesTDigestState(0.5, 0.95)((toUnixTimestamp64Nano(d_end) - toUnixTimestamp64Nano(d_start)) / 1e6) AS duration_ms,
           max(offset) AS max_offset,
           min(offset) AS min_offset,
           toInt64(toUnixTimestamp64Milli(min(d_start))) AS first_ms,
           toInt64(toUnixTimestamp64Milli(max(d_start))) AS last_ms,
           d_env AS env, d_namespace AS namespace,
           {version:UInt64} AS version
      FROM ${db}.hops FINAL
     WHERE d_start >= fromUnixTimestamp64Milli(({fromS:Int64}) * 1000) AND d_start < fromUnixTimestamp64Milli(({toS:Int64}) * 1000)
       AND toUnixTimestamp(toStartOfMinute(d_start)) IN {minutes:Array(Int64)}
     GROUP BY minute, kind, destination, consumer_group, partition, message_type, p_service, d_service, system, env, namespace`;
}

function publishMinutesSql(db: string): string {
  const publishes = `
        SELECT * FROM ${db}.messaging_spans
         WHERE operation IN ${PUBLISH_SQL}
           AND timestamp >= fromUnixTimestamp64Milli(({fromS:Int64}) * 1000) AND timestamp < fromUnixTimestamp64Milli(({toS:Int64}) * 1000)
           AND toUnixTimestamp(toStartOfMinute(timestamp)) IN {minutes:Array(Int64)}
         LIMIT 1 BY span_key`;
  return `
    SELECT toStartOfMinute(timestamp) AS minute, 'publish' AS kind, destination, '' AS consumer_group, partition,
           message_type, service_name AS p_service, '' AS d_service, system,
           count() AS spans,
           -- a send span that links to other spans is a batch send of messages created before: no new message
           countIf(NOT (operation = 'send' AND link_count > 0)) AS messages,
           0 AS first_deliveries, 0 AS redeliveries, 0 AS duplicates,
           countIf(status_code = 'ERROR') AS errors,
           0 AS retries, 0 AS rewinds, NULL AS rewind_min_offset, NULL AS rewind_max_offset, 0 AS last_rewind_ms,
           0 AS queue_samples,
           quantilesTDigestStateIf(0.5, 0.95)(0., 0) AS queue_ms, quantilesExactInclusiveStateIf(0.5, 0.95)(0., 0) AS queue_exact,
           0. AS queue_max_ms,
           quantilesTDigestState(0.5, 0.95)((toUnixTimestamp64Nano(end_time) - toUnixTimestamp64Nano(timestamp)) / 1e6) AS duration_ms,
           max(offset) AS max_offset,
           min(offset) AS min_offset,
           toInt64(toUnixTimestamp64Milli(min(timestamp))) AS first_ms,
           toInt64(toUnixTimestamp64Milli(max(timestamp))) AS last_ms,
           env, namespace,
           {version:UInt64} AS version
      FROM (${publishes})
     GROUP BY minute, kind, destination, consumer_group, partition, message_type, p_service, d_service, system, env, namespace`;
}
