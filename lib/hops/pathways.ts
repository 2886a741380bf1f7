// Pathways (issue 12; Datadog Data Streams Monitoring's end-to-end view): every hop records the
// chain of messages it belongs to — when the chain's FIRST publish started, the path so far
// (`shop → orders → billing → payments → notifier`) and its depth — so the end-to-end latency from
// the first publish to each consumer's completion is read from per-minute state, not by pairing
// spans per query.
//
// Rule: a hop's upstream hop is a delivery of the same request whose consumer span contains the
// hop's publish — same trace as the publish span, same service, the publish starting within the
// consumer span (a consumer that publishes while it handles a message). The hop inherits the
// upstream hop's origin; without one, its own publish is the origin. Late arrivals: when an
// upstream hop is written after its downstream hops, the pass looks the downstream hops up (by the
// upstream consumer's trace) and assigns them again, level by level (pairing.ts).
import { createHash } from 'node:crypto';
import type { Store } from '../store/index.js';
import { EXACT_SAMPLES } from './minutes.js';
import { vanishedKeysSql } from './versioned.js';
import { nsOf } from '../datetime64.js';

/** The hop columns this module reads and writes. Times as DateTime64(9) text, ns as decimal strings. */
export interface PathwayHop {
  matched: number | string;
  class: string;
  d_trace_id: string;
  d_span_id: string;
  d_service: string;
  d_start: string;
  d_end: string;
  d_host: string;
  p_trace_id: string;
  p_service: string;
  p_start: string | null;
  p_host: string;
  destination: string;
  consumer_group: string;
  origin_ns?: string;
  origin_trace_id?: string;
  path?: string;
  path_hash?: string;
  path_depth?: number;
  e2e_ns?: string | null;
}

/** Longest chain followed; a deeper chain restarts its path (a loop between services cannot grow it forever). */
export const MAX_DEPTH = 16;

const hashes = new Map<string, string>();
/** 64-bit hash of a path's text (decimal), the same in every process (kept per path: few paths, many hops). */
export function pathHash(path: string): string {
  let h = hashes.get(path);
  if (h === undefined) {
    h = createHash('md5').update(path).digest().readBigUInt64LE(0).toString();
    if (hashes.size >= 10_000) hashes.clear();
    hashes.set(path, h);
  }
  return h;
}

/** One step of a path: the destination, then the consumer (its group when that differs). */
function step(h: PathwayHop): string {
  const consumer = h.consumer_group && h.consumer_group !== h.d_service ? `${h.d_service} (${h.consumer_group})` : h.d_service;
  return `${h.destination} → ${consumer}`;
}

/**
 * Does the consumer span of `up` contain the publish of `down` (same trace, same service)? Times
 * are DateTime64(9) text of one width, so they compare as text (lib/datetime64.ts).
 */
export function isUpstream(up: PathwayHop, down: Pick<PathwayHop, 'p_start' | 'p_trace_id' | 'p_service'>): boolean {
  if (!down.p_start || down.p_trace_id !== up.d_trace_id || down.p_service !== up.d_service || up.class === 'prelude') return false;
  const p = down.p_start;
  return up.d_start <= p && p <= up.d_end;
}

/**
 * Sets origin, path, depth and end-to-end time on `hop` from its upstream hop (the innermost
 * containing consumer span among `candidates`, which must already carry theirs), else from its own
 * publish. `clockNs(host)` corrects a host's times. Returns whether anything changed.
 */
export function assignPathway(
  hop: PathwayHop,
  candidates: readonly PathwayHop[],
  clockNs: (host: string) => bigint,
  /** the depth to compare with, when the caller has already reset hop.path_depth (assignPathways) */
  path_depth: number | string | undefined = hop.path_depth,
): boolean {
  const { origin_ns, path_hash, e2e_ns, origin_trace_id } = hop;
  if (Number(hop.matched) !== 1 || !hop.p_start) {
    hop.origin_ns = '0';
    hop.origin_trace_id = '';
    hop.path = '';
    hop.path_hash = '0';
    hop.path_depth = 0;
    hop.e2e_ns = null;
  } else {
    let up: PathwayHop | undefined;
    for (const c of candidates) {
      if (c === hop || !c.path_depth || !isUpstream(c, hop)) continue;
      if (!up || c.d_start > up.d_start) up = c;
    }
    if (up && up.path_depth! < MAX_DEPTH) {
      hop.origin_ns = up.origin_ns!;
      hop.origin_trace_id = up.origin_trace_id!;
      hop.path = `${up.path} → ${step(hop)}`;
      hop.path_depth = up.path_depth! + 1;
    } else {
      hop.origin_ns = (nsOf(hop.p_start) + clockNs(hop.p_host)).toString();
      hop.origin_trace_id = hop.p_trace_id;
      hop.path = `${hop.p_service} → ${step(hop)}`;
      hop.path_depth = 1;
    }
    hop.path_hash = pathHash(hop.path);
    hop.e2e_ns = (nsOf(hop.d_end) + clockNs(hop.d_host) - BigInt(hop.origin_ns)).toString();
  }
  // stored rows carry numbers as decimal strings: compare as text
  return (
    origin_ns === undefined ||
    String(origin_ns) !== hop.origin_ns ||
    String(path_hash) !== hop.path_hash ||
    Number(path_depth) !== hop.path_depth ||
    (e2e_ns ?? null) !== hop.e2e_ns ||
    origin_trace_id !== hop.origin_trace_id
  );
}

const NONE: readonly PathwayHop[] = [];

/**
 * Candidate upstream hops indexed by (deliver trace, deliver service): an upstream hop delivers in
 * the trace and service that publish the hop, so each hop looks at its few possible upstreams, not
 * all of them. The pass keeps one index over everything it holds and adds to it as it walks
 * downstream, instead of rebuilding it per level.
 */
export class PathwayIndex {
  private readonly byConsumer = new Map<string, PathwayHop[]>();
  add(hops: Iterable<PathwayHop>): this {
    for (const c of hops) {
      const k = `${c.d_trace_id}\u0000${c.d_service}`;
      const list = this.byConsumer.get(k);
      if (list) list.push(c);
      else this.byConsumer.set(k, [c]);
    }
    return this;
  }
  /** The hops that may be upstream of `h` (those delivering in its publish's trace and service). */
  candidates(h: PathwayHop): readonly PathwayHop[] {
    return this.byConsumer.get(`${h.p_trace_id}\u0000${h.p_service}`) ?? NONE;
  }
}

/** Publish order, then delivery order (DateTime64(9) text compares like the times). */
function byPublish(a: PathwayHop, b: PathwayHop): number {
  const pa = a.p_start ?? '';
  const pb = b.p_start ?? '';
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.d_start < b.d_start ? -1 : a.d_start > b.d_start ? 1 : 0;
}

/**
 * Assigns pathways to `hops` in publish order, so a chain whose hops arrive together is followed
 * through all of them; `stored` are upstream candidates already written, or an index that already
 * holds both them and `hops`. Returns the changed hops.
 *
 * Only a hop with candidates depends on another: the rest (most hops: no consumer of their trace
 * and service) are assigned first, in any order, and only those with candidates are sorted. An
 * upstream hop starts its delivery before the downstream publish, so it sorts earlier whichever
 * group it is in, and the result is the order's.
 */
export function assignPathways<T extends PathwayHop>(hops: T[], stored: readonly PathwayHop[] | PathwayIndex, clockNs: (host: string) => bigint): T[] {
  const index = stored instanceof PathwayIndex ? stored : new PathwayIndex().add(stored).add(hops);
  const depths = hops.map((h) => h.path_depth);
  for (const h of hops) h.path_depth = 0; // not yet assigned: never an upstream of itself or of earlier hops
  const changed: boolean[] = new Array(hops.length).fill(false);
  const dependent: number[] = [];
  for (let i = 0; i < hops.length; i++) {
    const h = hops[i]!;
    if (Number(h.matched) === 1 && h.p_start && index.candidates(h).length > 0) dependent.push(i);
    else changed[i] = assignPathway(h, NONE, clockNs, depths[i]);
  }
  dependent.sort((x, y) => byPublish(hops[x]!, hops[y]!));
  for (const i of dependent) changed[i] = assignPathway(hops[i]!, index.candidates(hops[i]!), clockNs, depths[i]);
  return hops.filter((_, i) => changed[i]);
}

const COLUMNS = `minute, env, namespace, path_hash, path, depth, origin_service, destination, consumer_group, d_service,
  hops, errors, e2e_ms, e2e_exact, e2e_max_ms, example_trace_id, version`;
const KEY = `minute, path_hash, depth, destination, consumer_group, d_service, env, namespace`;

/** Recomputes the pathway minutes (by deliver minute, epoch seconds) from the hops' first deliveries. */
export async function recomputePathwayMinutes(store: Store, minutes: number[], version: string): Promise<void> {
  if (minutes.length === 0) return;
  const db = store.database;
  const params = { minutes, fromS: Math.min(...minutes), toS: Math.max(...minutes) + 60, version };
  const e2e = `greatest(ifNull(e2e_ns, 0), 0) / 1e6`;
  await store.command(
    `INSERT INTO ${db}.pathway_minutes (${COLUMNS})
     SELECT toStartOfMinute(d_start) AS minute, d_env AS env, d_namespace AS namespace, path_hash, any(hop_path) AS path,
            path_depth AS depth, splitByString(' → ', any(hop_path))[1] AS origin_service, destination, consumer_group, d_service,
            count() AS hops, countIf(d_status = 'ERROR') AS errors,
            quantilesTDigestState(0.5, 0.95)(${e2e}) AS e2e_ms,
            if(hops <= ${EXACT_SAMPLES}, quantilesExactInclusiveState(0.5, 0.95)(${e2e}), quantilesExactInclusiveStateIf(0.5, 0.95)(0., 0)) AS e2e_exact,
            max(${e2e}) AS e2e_max_ms,
            argMax(d_trace_id, ${e2e}) AS example_trace_id,
            {version:UInt64} AS version
       FROM (
         SELECT *, path AS hop_path FROM ${db}.hops FINAL
          WHERE d_start >= fromUnixTimestamp64Milli(({fromS:Int64}) * 1000) AND d_start < fromUnixTimestamp64Milli(({toS:Int64}) * 1000)
            AND toUnixTimestamp(toStartOfMinute(d_start)) IN {minutes:Array(Int64)}
            AND class = 'first' AND path_hash != 0 AND e2e_ns IS NOT NULL
       )
      GROUP BY minute, env, namespace, path_hash, depth, destination, consumer_group, d_service`,
    { name: 'pairing:pathway-minutes', params },
  );
  await store.command(
    vanishedKeysSql(
      db,
      'pathway_minutes',
      KEY,
      `minute >= fromUnixTimestamp({fromS:Int64}) AND minute < fromUnixTimestamp({toS:Int64}) AND toUnixTimestamp(minute) IN {minutes:Array(Int64)}`,
    ),
    { name: 'pairing:pathway-minutes-vanished', params },
  );
}
