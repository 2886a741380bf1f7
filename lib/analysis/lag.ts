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
import { evaluateLag, statusGrid, statusWindow, worst, type LagEvaluation, type LagEvaluationInput, type LagWindowPoint, type StatusGrid } from './burrow.js';
import { publishLookbackMs } from './hops.js';
import { lagResolution, lagRows, type LagRow as Row } from './lag-state.js';
import type { LagResolution } from '../hops/lag-cells.js';
import { loadHostClocks } from '../hops/host-clocks.js';
import type { EnvFilter } from '../hops/env.js';

/** The data a lag pass reads: publishes and first deliveries in [publishFromMs, publishToMs). */
interface LagWindow extends EnvFilter {
  /** false: leave the queue-time percentiles out */
  queueTimes?: boolean;
  publishFromMs: number;
  publishToMs: number;
  destination?: string;
  consumerGroup?: string;
  partition?: string;
}

export interface LagQuery extends EnvFilter {
  /** one partition only (issue 12: per-partition lag of a destination × group) */
  partition?: string;
  fromMs: number;
  toMs: number;
  stepMs: number;
  nowMs: number;
  destination?: string;
  consumerGroup?: string;
  /** false: leave out the host clock notes (a caller that shows only statuses, e.g. the flow map) */
  clockSkew?: boolean;
  /** false: no queue-time percentiles in the series (their digests are most of a pass's cost) */
  queueTimes?: boolean;
  /**
   * true: the series is the status grid itself (burrow.ts statusGrid), not the range at stepMs
   * (ignored): one pass, for a caller that shows only the current values and the status (the flow map)
   */
  statusOnly?: boolean;
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
  /**
   * hosts whose clock is off, with the correction applied to their publish and delivery times and
   * to every queue time between them (estimated by the pairing pass, lib/hops/clocks.ts)
   */
  clockSkew: ClockSkewNote[];
}

export interface ClockSkewNote {
  host: string;
  offsetMs: number;
  basis: string;
}

/** The known host clock offsets as the views report them. */
export async function clockSkewNotes(store: Store): Promise<ClockSkewNote[]> {
  const c = await loadHostClocks(store);
  return c.hosts.map((host, i) => ({ host, offsetMs: Number(c.offsetsNs[i]!) / 1e6, basis: c.basis.get(host) ?? '' }));
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

async function runPass(
  store: Store,
  w: LagWindow,
  fromMs: number,
  stepMs: number,
  n: number,
  name: string,
  openFromMs?: number,
  resolution?: LagResolution,
): Promise<Pass> {
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
      partition: w.partition,
      env: w.env,
      namespace: w.namespace,
      openFromMs,
      queueTimes: w.queueTimes,
      resolution,
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
 * Gives a status-window pass (read from its window on, runPass openFromMs) the look-back figures it
 * did not read, from the main pass over the same look-back: every group and partition, the first
 * and last delivery and the last publish. (The main pass reads to the range's end: when that lies
 * beyond now, a delivery or publish dated after now — a clock ahead — can count here as it does in
 * the series.)
 */
function carryHistory(main: Pass, status: Pass): void {
  for (const [k, g] of main.groups) {
    let s = status.groups.get(k);
    if (!s) status.groups.set(k, (s = { destination: g.destination, group: g.group, acc: newAcc(status.n), parts: new Map() }));
    const carry = (from: Acc, to: Acc) => {
      to.firstDeliveryMs = minN(to.firstDeliveryMs, from.firstDeliveryMs);
      to.lastDeliveryMs = maxN(to.lastDeliveryMs, from.lastDeliveryMs);
    };
    carry(g.acc, s.acc);
    for (const [partition, acc] of g.parts) {
      let p = s.parts.get(partition);
      if (!p) s.parts.set(partition, (p = newAcc(status.n)));
      carry(acc, p);
    }
  }
  for (const [k, ms] of main.lastPublish) {
    status.lastPublish.set(k, Math.max(status.lastPublish.get(k) ?? -Infinity, ms));
  }
}

/**
 * The series' intervals: the status grid itself for a caller that shows only the current values
 * (statusOnly); for a step of whole minutes, the clock's multiples of the step, the first holding
 * the range's start, so each interval holds whole minute or five-minute cells (exact, and a day
 * reads 288 five-minute cells per group and partition instead of 1,440); else from the range's start.
 */
function seriesGrid(q: LagQuery, grid: StatusGrid, statusRes: LagResolution): { fromMs: number; stepMs: number; points: number; resolution: LagResolution } {
  if (q.statusOnly) return { fromMs: grid.fromMs, stepMs: grid.stepMs, points: grid.points, resolution: statusRes };
  const fromMs = q.stepMs % 60_000 === 0 ? Math.floor(q.fromMs / q.stepMs) * q.stepMs : q.fromMs;
  const points = Math.ceil((q.toMs - fromMs) / q.stepMs);
  return { fromMs, stepMs: q.stepMs, points, resolution: lagResolution({ fromMs, stepMs: q.stepMs, points }) };
}

/**
 * Consumer lag over the range. The series covers the whole range at `stepMs`; the status is
 * evaluated over the last STATUS_WINDOW_MS before the range's end (capped at now), whatever the
 * range (burrow.ts), always on the intervals of statusGrid that end there: from the series' own
 * points when they are that grid, else from a second pass over just that window, with the same
 * look-back, so its backlog counts the same messages.
 */
export async function consumerLag(store: Store, query: LagQuery): Promise<LagResult> {
  const lookbackMs = publishLookbackMs(query.fromMs, query.toMs);
  // the status describes the range's end, or now when the range reaches into the future; it is
  // judged on one grid whatever the series' step (burrow.ts statusGrid), so the flow map, the lag
  // page at any step and the alerts read the same status at the same moment
  const endMs = Math.min(query.toMs, query.nowMs);
  const grid = statusGrid(query.fromMs, endMs);
  // the grid's cells are exact up to its last interval, which holds endMs: when that is now nothing
  // lies after it; a range that ended in the past off the grid's boundary reads second cells
  const statusRes: LagResolution = endMs === query.nowMs || endMs % grid.stepMs === 0 ? lagResolution(grid) : 1;
  const series = seriesGrid(query, grid, statusRes);
  const q = { ...query, fromMs: series.fromMs, stepMs: series.stepMs };
  const n = series.points;
  const w: LagWindow = {
    // the look-back is the requested range's, wherever the series' first interval begins
    publishFromMs: query.fromMs - lookbackMs,
    publishToMs: q.toMs,
    destination: q.destination,
    consumerGroup: q.consumerGroup,
    partition: q.partition,
    env: q.env,
    namespace: q.namespace,
    queueTimes: q.queueTimes,
  };
  const statusFromMs = grid.windowFromMs;
  // the series' own points serve when they are that grid, read from the same cells
  const ownPass =
    endMs <= q.fromMs ||
    (q.stepMs === grid.stepMs && grid.fromMs >= q.fromMs && (grid.fromMs - q.fromMs) % grid.stepMs === 0 && series.resolution === statusRes);
  const [main, status] = await Promise.all([
    runPass(store, w, q.fromMs, q.stepMs, n, 'lag', undefined, series.resolution),
    // the status window reads only the cells that can change its intervals; what it needs from
    // before the window (first and last delivery, last publish) comes from the main pass
    ownPass
      ? null
      : runPass(store, { ...w, publishToMs: endMs, queueTimes: false }, grid.fromMs, grid.stepMs, grid.points, 'lag:status-window', grid.fromMs, statusRes),
  ]);
  if (status) carryHistory(main, status);
  const statusPass = status ?? main;
  const replays = await rewindsIn(store, { fromMs: statusFromMs, toMs: endMs, destination: q.destination, consumerGroup: q.consumerGroup });
  const judge = (dest: string, group: string, partition: string | null): LagEvaluation => {
    const g = statusPass.groups.get(groupKey(dest, group));
    const acc = partition === null ? g?.acc : g?.parts.get(partition);
    if (!acc) return { status: 'OK', reason: 'no messages in the window' };
    const lastPublishMs = statusPass.lastPublish.get(`${dest}\u0000${partition ?? '*'}`) ?? null;
    return evaluate(statusPass, acc, lastPublishMs, partition !== null, endMs, statusFromMs, replays.get(`${dest}\u0000${group}\u0000${partition ?? '*'}`) ?? null);
  };

  // the current backlog and oldest wait from the status grid when it ran apart: its cells are exact
  // at the range's end, where the series' last interval may hold coarser cells that run past an end
  // off its step (a shared link's `to`) — so this and the flow map report the same backlog
  const endOf = (acc: Acc | undefined): AtEnd | undefined =>
    status && acc ? { backlog: acc.backlog[status.n - 1]!, oldestPubMs: acc.oldestPubMs[status.n - 1]!, atMs: endMs } : undefined;
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
      partitions.push({ partition, status: e.status, reason: e.reason, ...describe(q, acc, offsetLag, endOf(status?.groups.get(groupKey(g.destination, g.group))?.parts.get(partition))) });
    }
    const whole = judge(g.destination, g.group, null);
    const verdict = worst([whole, ...partEvals]);
    const knownPartitions = partitions.some((p) => p.partition !== '');
    result.push({
      destination: g.destination,
      consumerGroup: g.group,
      status: verdict.status,
      reason: verdict.reason,
      ...describe(q, g.acc, groupOffsetLag, endOf(status?.groups.get(groupKey(g.destination, g.group))?.acc)),
      partitions: knownPartitions ? partitions : [],
    });
  }
  return {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    stepMs: q.stepMs,
    lookbackMs,
    groups: result,
    clockSkew: q.clockSkew === false ? [] : await clockSkewNotes(store),
  };
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

/** The backlog and oldest waiting publish at the range's end, from another pass (consumerLag). */
interface AtEnd {
  backlog: number;
  oldestPubMs: number | null;
  atMs: number;
}

/**
 * The series over the range and the current values (its last interval, capped at now; backlog and
 * oldest wait from `end` when given).
 */
function describe(q: LagQuery, acc: Acc, offsetLag: Array<number | null>, end?: AtEnd): { current: LagCurrent; series: LagPoint[] } {
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
    backlog: end ? end.backlog : (last?.backlog ?? 0),
    oldestUndeliveredAgeMs: end ? (end.oldestPubMs === null ? 0 : Math.max(0, end.atMs - end.oldestPubMs)) : (last?.oldestUndeliveredAgeMs ?? 0),
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
type Replays = NonNullable<LagEvaluationInput['replays']>;

/** Rewind replays per destination\0group\0partition (and \0* for the whole group) in a window. */
async function rewindsIn(
  store: Store,
  w: { fromMs: number; toMs: number; destination?: string; consumerGroup?: string },
): Promise<Map<string, Replays>> {
  const out = new Map<string, Replays>();
  if (w.toMs <= w.fromMs) return out;
  const rows = await store.query<{ destination: string; consumer_group: string; partition: string; n: string; last: string; lo: string | null; hi: string | null }>(
    `SELECT destination, consumer_group, partition, toString(sum(rewinds)) AS n, toString(max(last_rewind_ms)) AS last,
            min(rewind_min_offset) AS lo, max(rewind_max_offset) AS hi
       FROM ${store.database}.hop_minutes FINAL
      WHERE kind = 'deliver' AND rewinds > 0
        AND minute >= toStartOfMinute(fromUnixTimestamp64Milli({fromMs:Int64})) AND minute < fromUnixTimestamp64Milli({toMs:Int64})
        AND last_rewind_ms >= {fromMs:Int64}
        ${w.destination !== undefined ? 'AND destination = {destination:String}' : ''}
        ${w.consumerGroup !== undefined ? 'AND consumer_group = {group:String}' : ''}
      GROUP BY destination, consumer_group, partition`,
    { name: 'lag:rewinds', params: { fromMs: w.fromMs, toMs: w.toMs, destination: w.destination ?? '', group: w.consumerGroup ?? '' } },
  );
  const add = (k: string, r: (typeof rows)[number]) => {
    const prev = out.get(k);
    const lo = r.lo === null ? null : Number(r.lo);
    const hi = r.hi === null ? null : Number(r.hi);
    out.set(k, {
      count: (prev?.count ?? 0) + Number(r.n),
      lastMs: Math.max(prev?.lastMs ?? 0, Number(r.last)),
      minOffset: prev?.minOffset == null ? lo : lo === null ? prev.minOffset : Math.min(prev.minOffset, lo),
      maxOffset: prev?.maxOffset == null ? hi : hi === null ? prev.maxOffset : Math.max(prev.maxOffset, hi),
    });
  };
  for (const r of rows) {
    add(`${r.destination}\u0000${r.consumer_group}\u0000${r.partition}`, r);
    add(`${r.destination}\u0000${r.consumer_group}\u0000*`, r);
  }
  return out;
}

function evaluate(
  pass: Pass,
  acc: Acc,
  lastPublishMs: number | null,
  withOffsets: boolean,
  endMs: number,
  windowFromMs: number,
  replays: Replays | null,
): LagEvaluation {
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
    replays,
  });
}
