// Consumer lag per destination × consumer group (× partition) over a time window (DESIGN §6):
// backlog (published but not yet delivered to the group), queue-time percentiles, age of the oldest
// waiting message, offset lag where offsets are known, and a Burrow-style status.
//
// Counting rules:
// - published: publish spans (create/send, deduplicated) to the destination; a `send` span that
//   links to other spans is a batch send of already created messages and is not counted again.
// - delivered: the FIRST delivery of each message (DESIGN §1 identity) to the group; redeliveries
//   are duplicates, not progress.
// - backlog at t: messages published (span start) before t, within the range plus a look-back of
//   max(1h, range) (at most 24h), not yet delivered to the group by t. Only messages whose publish
//   span is stored can be waiting; deliveries of messages without a producer span count as
//   delivered but cannot lower the backlog.
// - groups of a destination: those with at least one delivery in the range or the look-back.
import type { Store } from '../store/index.js';
import type { LagStatus } from '../domain.js';
import { evaluateLag, statusWindow, STATUS_STEP_MS, STATUS_WINDOW_MS, worst, type LagEvaluation, type LagWindowPoint } from './burrow.js';
import { DELIVER_SQL, hopParams, hopsSql, publishesSql, publishLookbackMs, type HopWindow } from './hops.js';
import { lagRows } from './lag-state.js';

export interface LagQuery {
  fromMs: number;
  toMs: number;
  stepMs: number;
  nowMs: number;
  destination?: string;
  consumerGroup?: string;
}

export interface LagPoint {
  /** start of the interval (ISO); backlog, age and offset lag are measured at its end */
  t: string;
  published: number;
  delivered: number;
  backlog: number;
  queueP50Ms: number | null;
  queueP95Ms: number | null;
  queueMaxMs: number | null;
  oldestUndeliveredAgeMs: number;
  offsetLag: number | null;
}

export interface LagCurrent {
  /** end of the last interval, capped at now */
  at: string;
  backlog: number;
  oldestUndeliveredAgeMs: number;
  offsetLag: number | null;
  /** queue time over the last interval with deliveries */
  queueP50Ms: number | null;
  queueP95Ms: number | null;
  queueMaxMs: number | null;
  lastDeliveryAt: string | null;
}

export interface PartitionLag {
  partition: string;
  status: LagStatus;
  reason: string;
  current: LagCurrent;
  series: LagPoint[];
}

export interface GroupLag {
  destination: string;
  consumerGroup: string;
  status: LagStatus;
  reason: string;
  current: LagCurrent;
  series: LagPoint[];
  /** per partition, when the partition is known ('' = unknown partition is listed only beside known ones) */
  partitions: PartitionLag[];
}

export interface LagResult {
  from: string;
  to: string;
  stepMs: number;
  lookbackMs: number;
  groups: GroupLag[];
}

type Row = {
  /** 'cell': published messages by (partition, publish interval, resolve interval); 'del' / 'delg': first deliveries */
  kind: 'cell' | 'del' | 'delg';
  destination: string;
  consumer_group: string;
  partition: string;
  /** cell: publish interval (-1 = the look-back); del/delg: delivery interval (-1 = before the range) */
  i: string;
  /** cell: the interval at whose end the message was no longer waiting (points = still waiting) */
  r: string | null;
  n: string;
  a: number | null; // cell: oldest publish ms; del/delg: first delivery ms
  b: number | null; // cell: last publish ms; del/delg: last delivery ms
  q: number[];
  qmax: number | null;
  off: string | null; // cell: max published offset; del: max delivered offset
};

/**
 * The SQL behind `consumerLag` (exported for timing and inspection). One pass: every published
 * message × group of its destination, fully joined with the first deliveries per (message, group),
 * aggregated once with three grouping sets (no per-interval expansion of waiting messages, which
 * would be rows × intervals for a consumer that never catches up):
 *   cell (group, partition, publish interval i, resolve interval r): messages published in i
 *        (i = -1: in the look-back) and waiting until the end of r − 1 (r = points: still waiting),
 *        oldest (a) and last (b) publish, max published offset
 *   del  (group, partition, i): first deliveries in i, queue-time percentiles, max delivered offset,
 *        first (a) and last (b) delivery
 *   delg (group, i): first deliveries and queue time over all partitions
 * Backlog and the oldest waiting message per interval follow from the cells in JS.
 */
export function lagSql(db: string, w: HopWindow): string {
  return `
WITH
  first AS (
    SELECT h.destination AS destination, h.consumer_group AS consumer_group, h.message_key AS message_key,
           toInt64(toUnixTimestamp64Milli(min(h.d_start))) AS first_ms,
           toInt64(toUnixTimestamp64Milli(max(h.d_start))) AS last_ms,
           argMin(h.partition, h.d_start) AS partition,
           argMin(h.offset, h.d_start) AS offset,
           minIf(h.queue_ns, h.matched = 1) AS queue_ns
    FROM (${hopsSql(db, w)}) AS h
    GROUP BY destination, consumer_group, message_key
  ),
  pubs AS (
    SELECT destination, partition, span_key, toInt64(toUnixTimestamp64Milli(timestamp)) AS pub_ms, offset
    FROM (${publishesSql(db, w)})
    WHERE NOT (operation = 'send' AND link_count > 0)
  ),
  groups AS (
    SELECT DISTINCT destination, consumer_group
    FROM ${db}.messaging_spans
    WHERE operation IN ${DELIVER_SQL}
      AND timestamp >= fromUnixTimestamp64Milli({hDeliverFromMs:Int64})
      AND timestamp < fromUnixTimestamp64Milli({hDeliverToMs:Int64})
      ${w.destination !== undefined ? 'AND destination = {hDestination:String}' : ''}
      ${w.consumerGroup !== undefined ? 'AND consumer_group = {hGroup:String}' : ''}
  ),
  joined AS (
    SELECT
      toUInt8(pg.span_key != 0) AS has_pub,
      toUInt8(f.message_key != 0) AS has_del,
      if(has_pub, pg.destination, f.destination) AS destination,
      if(has_pub, pg.consumer_group, f.consumer_group) AS consumer_group,
      if(has_pub AND pg.partition != '', pg.partition, f.partition) AS partition,
      pg.pub_ms AS pub_ms,
      pg.offset AS pub_offset,
      f.first_ms AS first_ms,
      f.last_ms AS last_ms,
      f.offset AS del_offset,
      greatest(f.queue_ns, 0) / 1e6 AS queue_ms,
      greatest(toInt64(floor((pub_ms - {fromMs:Int64}) / {stepMs:Int64})), -1) AS pub_i,
      greatest(toInt64(floor((first_ms - {fromMs:Int64}) / {stepMs:Int64})), -1) AS del_i,
      -- waiting at the end of intervals [max(pub_i, 0), resolve_i): published, not yet delivered
      greatest(least(if(has_del, toInt64(floor((greatest(pub_ms, first_ms) - {fromMs:Int64}) / {stepMs:Int64})), {points:Int64}),
                     {points:Int64}), 0) AS resolve_i
    FROM (
      SELECT p.destination AS destination, g.consumer_group AS consumer_group, p.partition AS partition,
             p.span_key AS span_key, p.pub_ms AS pub_ms, p.offset AS offset
      FROM pubs AS p INNER JOIN groups AS g ON g.destination = p.destination
    ) AS pg
    FULL OUTER JOIN first AS f ON f.message_key = pg.span_key AND f.consumer_group = pg.consumer_group
  )
SELECT
  multiIf(resolve_i IS NOT NULL, 'cell', partition IS NOT NULL, 'del', 'delg') AS kind,
  destination, consumer_group, ifNull(partition, '') AS partition,
  toString(if(kind = 'cell', pub_i, del_i)) AS i, toString(resolve_i) AS r, toString(count()) AS n,
  toFloat64(if(kind = 'cell', min(pub_ms), min(first_ms))) AS a,
  toFloat64(if(kind = 'cell', max(pub_ms), max(last_ms))) AS b,
  if(kind = 'cell', [], quantilesExactInclusive(0.5, 0.95)(queue_ms)) AS q,
  if(kind = 'cell', NULL, max(queue_ms)) AS qmax,
  if(kind = 'cell', max(pub_offset), max(del_offset)) AS off
FROM joined
GROUP BY GROUPING SETS (
  (has_pub, destination, consumer_group, partition, pub_i, resolve_i),
  (has_del, destination, consumer_group, partition, del_i),
  (has_del, destination, consumer_group, del_i)
)
HAVING if(kind = 'cell', has_pub, has_del) = 1
SETTINGS group_by_use_nulls = 1`;
}

interface Acc {
  published: number[];
  delivered: number[];
  backlog: number[];
  oldestPubMs: Array<number | null>;
  q50: Array<number | null>;
  q95: Array<number | null>;
  qmax: Array<number | null>;
  /** highest offset delivered in each interval (index 0 = before the range) */
  deliveredOffset: Array<number | null>;
  firstDeliveryMs: number | null;
  lastDeliveryMs: number | null;
}

function newAcc(n: number): Acc {
  return {
    published: new Array(n).fill(0),
    delivered: new Array(n).fill(0),
    backlog: new Array(n).fill(0),
    oldestPubMs: new Array(n).fill(null),
    q50: new Array(n).fill(null),
    q95: new Array(n).fill(null),
    qmax: new Array(n).fill(null),
    deliveredOffset: new Array(n + 1).fill(null),
    firstDeliveryMs: null,
    lastDeliveryMs: null,
  };
}

const minN = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxN = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
const round3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

/** One run of `lagSql` over a grid of intervals, accumulated per group and per partition. */
interface Pass {
  /** start of interval 0, epoch ms */
  fromMs: number;
  stepMs: number;
  /** number of intervals */
  n: number;
  groups: Map<string, { destination: string; group: string; acc: Acc; parts: Map<string, Acc> }>;
  /** dest\0partition → highest produced offset per interval (index 0 = before the grid) */
  producedOffset: Map<string, Array<number | null>>;
  /** dest\0partition and dest\0* → last publish, ms */
  lastPublish: Map<string, number>;
}

const groupKey = (destination: string, group: string) => `${destination}\u0000${group}`;

async function runPass(store: Store, w: HopWindow, fromMs: number, stepMs: number, n: number, name: string): Promise<Pass> {
  const rows: Row[] = await lagRows(
    store,
    {
      fromMs,
      stepMs,
      points: n,
      sinceMs: w.publishFromMs,
      untilMs: w.publishToMs,
      destination: w.destination,
      consumerGroup: w.consumerGroup,
    },
    name,
  );

  // accumulate per (destination, group) and per (destination, group, partition)
  const pass: Pass = { fromMs, stepMs, n, groups: new Map(), producedOffset: new Map(), lastPublish: new Map() };
  const { groups, producedOffset, lastPublish } = pass;
  const groupOf = (dest: string, group: string) => {
    const k = groupKey(dest, group);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { destination: dest, group, acc: newAcc(n), parts: new Map() }));
    return g;
  };
  const partOf = (dest: string, group: string, partition: string) => {
    const g = groupOf(dest, group);
    let p = g.parts.get(partition);
    if (!p) g.parts.set(partition, (p = newAcc(n)));
    return p;
  };

  for (const r of rows) {
    const i = Number(r.i);
    const count = Number(r.n);
    switch (r.kind) {
      case 'cell': {
        // published in i (−1: the look-back), waiting at the end of intervals [max(i, 0), r)
        for (const k of [`${r.destination}\u0000${r.partition}`, `${r.destination}\u0000*`]) {
          lastPublish.set(k, Math.max(lastPublish.get(k) ?? -Infinity, r.b ?? -Infinity));
        }
        if (r.off !== null) {
          const k = `${r.destination}\u0000${r.partition}`;
          let arr = producedOffset.get(k);
          if (!arr) producedOffset.set(k, (arr = new Array(n + 1).fill(null)));
          arr[i + 1] = maxN(arr[i + 1]!, Number(r.off));
        }
        const accs = [groupOf(r.destination, r.consumer_group).acc, partOf(r.destination, r.consumer_group, r.partition)];
        for (const acc of accs) {
          if (i >= 0) acc.published[i]! += count;
          for (let k = Math.max(i, 0); k < Math.min(Number(r.r), n); k++) {
            acc.backlog[k]! += count;
            acc.oldestPubMs[k] = minN(acc.oldestPubMs[k]!, r.a);
          }
        }
        break;
      }
      case 'del':
      case 'delg': {
        const acc = r.kind === 'delg' ? groupOf(r.destination, r.consumer_group).acc : partOf(r.destination, r.consumer_group, r.partition);
        acc.firstDeliveryMs = minN(acc.firstDeliveryMs, r.a);
        acc.lastDeliveryMs = maxN(acc.lastDeliveryMs, r.b);
        if (r.kind === 'del' && r.off !== null) acc.deliveredOffset[i + 1] = maxN(acc.deliveredOffset[i + 1]!, Number(r.off));
        if (i < 0) break;
        acc.delivered[i] = count;
        const hasQueue = r.qmax !== null && r.q.length === 2 && Number.isFinite(r.q[0]);
        acc.q50[i] = hasQueue ? round3(r.q[0]!) : null;
        acc.q95[i] = hasQueue ? round3(r.q[1]!) : null;
        acc.qmax[i] = hasQueue ? round3(r.qmax) : null;
        break;
      }
    }
  }
  return pass;
}

/**
 * Consumer lag over the range. The series covers the whole range at `stepMs`; the status is
 * evaluated over the last STATUS_WINDOW_MS before the range's end (capped at now), whatever the
 * range (burrow.ts): from the series' own points when its step is at most STATUS_STEP_MS, else from
 * a second pass over just that window at STATUS_STEP_MS, with the same look-back, so its backlog
 * counts the same messages.
 */
export async function consumerLag(store: Store, q: LagQuery): Promise<LagResult> {
  const lookbackMs = publishLookbackMs(q.fromMs, q.toMs);
  const n = Math.ceil((q.toMs - q.fromMs) / q.stepMs);
  const w: HopWindow = {
    deliverFromMs: q.fromMs - lookbackMs,
    deliverToMs: q.toMs,
    publishFromMs: q.fromMs - lookbackMs,
    publishToMs: q.toMs,
    destination: q.destination,
    consumerGroup: q.consumerGroup,
  };
  // the status describes the range's end, or now when the range reaches into the future
  const endMs = Math.min(q.toMs, q.nowMs);
  const statusFromMs = Math.max(q.fromMs, endMs - STATUS_WINDOW_MS);
  const ownPass = q.stepMs <= STATUS_STEP_MS || endMs <= q.fromMs;
  const [main, status] = await Promise.all([
    runPass(store, w, q.fromMs, q.stepMs, n, 'lag'),
    ownPass
      ? null
      : runPass(
          store,
          { ...w, deliverToMs: endMs, publishToMs: endMs },
          statusFromMs,
          STATUS_STEP_MS,
          Math.ceil((endMs - statusFromMs) / STATUS_STEP_MS),
          'lag:status-window',
        ),
  ]);
  const statusPass = status ?? main;
  const judge = (dest: string, group: string, partition: string | null): LagEvaluation => {
    const g = statusPass.groups.get(groupKey(dest, group));
    const acc = partition === null ? g?.acc : g?.parts.get(partition);
    if (!acc) return { status: 'OK', reason: 'no messages in the window' };
    const lastPublishMs = statusPass.lastPublish.get(`${dest}\u0000${partition ?? '*'}`) ?? null;
    return evaluate(statusPass, acc, lastPublishMs, partition !== null, endMs, statusFromMs);
  };

  const result: GroupLag[] = [];
  const groups = [...main.groups.values()].sort((a, b) => a.destination.localeCompare(b.destination) || a.group.localeCompare(b.group));
  for (const g of groups) {
    const partitions: PartitionLag[] = [];
    const partEvals: LagEvaluation[] = [];
    const groupOffsetLag: Array<number | null> = new Array(n).fill(null);
    for (const [partition, acc] of [...g.parts.entries()].sort(([a], [b]) => comparePartitions(a, b))) {
      const offsetLag = offsetLagSeries(main.producedOffset.get(`${g.destination}\u0000${partition}`), acc.deliveredOffset, n);
      offsetLag.forEach((v, i) => {
        if (v !== null) groupOffsetLag[i] = (groupOffsetLag[i] ?? 0) + v;
      });
      const e = judge(g.destination, g.group, partition);
      partEvals.push({ status: e.status, reason: partition === '' ? e.reason : `partition ${partition}: ${e.reason}` });
      partitions.push({ partition, status: e.status, reason: e.reason, ...describe(q, acc, offsetLag) });
    }
    const whole = judge(g.destination, g.group, null);
    const verdict = worst([whole, ...partEvals]);
    const knownPartitions = partitions.some((p) => p.partition !== '');
    result.push({
      destination: g.destination,
      consumerGroup: g.group,
      status: verdict.status,
      reason: verdict.reason,
      ...describe(q, g.acc, groupOffsetLag),
      partitions: knownPartitions ? partitions : [],
    });
  }
  return { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), stepMs: q.stepMs, lookbackMs, groups: result };
}

function comparePartitions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}

/** max produced offset − max delivered offset at the end of each interval, where both are known */
function offsetLagSeries(produced: Array<number | null> | undefined, delivered: Array<number | null>, n: number): Array<number | null> {
  const out: Array<number | null> = new Array(n).fill(null);
  if (!produced) return out;
  let p: number | null = produced[0] ?? null;
  let d: number | null = delivered[0] ?? null;
  for (let i = 0; i < n; i++) {
    p = maxN(p, produced[i + 1] ?? null);
    d = maxN(d, delivered[i + 1] ?? null);
    out[i] = p !== null && d !== null ? Math.max(0, p - d) : null;
  }
  return out;
}

/** The series over the range and the current values (its last interval, capped at now). */
function describe(q: LagQuery, acc: Acc, offsetLag: Array<number | null>): { current: LagCurrent; series: LagPoint[] } {
  const n = acc.backlog.length;
  const series: LagPoint[] = [];
  for (let i = 0; i < n; i++) {
    const startMs = q.fromMs + i * q.stepMs;
    if (startMs > q.nowMs) break; // the future has no data
    const endMs = Math.min(startMs + q.stepMs, q.nowMs);
    const oldest = acc.oldestPubMs[i]!;
    series.push({
      t: new Date(startMs).toISOString(),
      published: acc.published[i]!,
      delivered: acc.delivered[i]!,
      backlog: acc.backlog[i]!,
      queueP50Ms: acc.q50[i]!,
      queueP95Ms: acc.q95[i]!,
      queueMaxMs: acc.qmax[i]!,
      oldestUndeliveredAgeMs: oldest === null ? 0 : Math.max(0, endMs - oldest),
      offsetLag: offsetLag[i]!,
    });
  }
  const last = series.at(-1);
  const lastWithQueue = [...series].reverse().find((p) => p.queueP50Ms !== null);
  const current: LagCurrent = {
    at: new Date(Math.min(q.toMs, q.nowMs)).toISOString(),
    backlog: last?.backlog ?? 0,
    oldestUndeliveredAgeMs: last?.oldestUndeliveredAgeMs ?? 0,
    offsetLag: last?.offsetLag ?? null,
    queueP50Ms: lastWithQueue?.queueP50Ms ?? null,
    queueP95Ms: lastWithQueue?.queueP95Ms ?? null,
    queueMaxMs: lastWithQueue?.queueMaxMs ?? null,
    lastDeliveryAt: acc.lastDeliveryMs === null ? null : new Date(acc.lastDeliveryMs).toISOString(),
  };
  return { current, series };
}

/**
 * The Burrow-style status at endMs from a pass's intervals that end within the status window
 * (after windowFromMs), starting where the consumer becomes observable.
 */
function evaluate(pass: Pass, acc: Acc, lastPublishMs: number | null, withOffsets: boolean, endMs: number, windowFromMs: number): LagEvaluation {
  const points: LagWindowPoint[] = [];
  let active = false;
  for (let i = 0; i < pass.n; i++) {
    const startMs = pass.fromMs + i * pass.stepMs;
    if (startMs >= endMs) break; // after the end: no data
    const tMs = startMs + pass.stepMs;
    active ||= acc.published[i]! > 0 || acc.delivered[i]! > 0 || acc.backlog[i]! > 0 || (acc.firstDeliveryMs !== null && acc.firstDeliveryMs < Math.min(tMs, endMs));
    if (!active) continue;
    points.push({
      tMs,
      backlog: acc.backlog[i]!,
      delivered: acc.delivered[i]!,
      deliveredOffsetMax: withOffsets ? (acc.deliveredOffset[i + 1] ?? null) : null,
    });
  }
  return evaluateLag({
    points: statusWindow(points, endMs, endMs - windowFromMs),
    nowMs: endMs,
    firstDeliveryMs: acc.firstDeliveryMs,
    lastDeliveryMs: acc.lastDeliveryMs,
    lastPublishMs,
  });
}
