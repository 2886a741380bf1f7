// Pathways (issue 12; Datadog Data Streams Monitoring's view): the paths message chains take —
// publishing service → destination → consumer → destination → … — with, for each consumer along
// the path, p50/p95 of the time from the chain's FIRST publish to that consumer's completion.
// Read from `pathway_minutes`, which the pairing pass fills from the hops' recorded origin and path
// (lib/hops/pathways.ts says how a hop inherits them), so no spans are paired per query.
import type { Store } from '../store/index.js';
import { EXACT_SAMPLES } from '../hops/minutes.js';
import { envParams, envWhere, type EnvFilter } from '../hops/env.js';

export interface PathwayQuery extends EnvFilter {
  fromMs: number;
  toMs: number;
  /** only pathways that start at this service */
  origin?: string;
  /** only pathways through this destination */
  destination?: string;
  limit: number;
}

export interface PathwayStep {
  /** 1 = the first hop after the first publish */
  depth: number;
  destination: string;
  consumerGroup: string;
  service: string;
  /** first deliveries that completed this step in the range */
  count: number;
  errors: number;
  /** first publish of the chain → this consumer span's end */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** the slowest request of the step: its timeline shows the whole chain */
  exampleTraceId: string;
}

export interface Pathway {
  /** 'shop → orders → billing → payments → notifier' */
  path: string;
  origin: string;
  steps: PathwayStep[];
  /** the last step's p50/p95: end-to-end latency of the whole path */
  endToEndP50Ms: number;
  endToEndP95Ms: number;
  count: number;
}

export interface PathwaysResult {
  from: string;
  to: string;
  /** percentiles are exact while a step has ≤ 256 samples in the range, t-digest estimates beyond */
  pathways: Pathway[];
}

export interface PathwayRow {
  step_path: string;
  depth: number | string;
  origin: string;
  destination: string;
  consumer_group: string;
  d_service: string;
  n: number | string;
  failed: number | string;
  q: Array<number | string>;
  max_ms: number | string;
  example: string;
}

export async function pathways(store: Store, q: PathwayQuery): Promise<PathwaysResult> {
  const rows = await store.query<PathwayRow>(
    `SELECT any(path) AS step_path, depth, any(origin_service) AS origin, destination, consumer_group, d_service,
            sum(hops) AS n, sum(errors) AS failed,
            if(sum(hops) <= ${EXACT_SAMPLES}, quantilesExactInclusiveMerge(0.5, 0.95)(e2e_exact), quantilesTDigestMerge(0.5, 0.95)(e2e_ms)) AS q,
            max(e2e_max_ms) AS max_ms, argMax(example_trace_id, e2e_max_ms) AS example
       FROM ${store.database}.pathway_minutes FINAL
      WHERE minute >= toStartOfMinute(fromUnixTimestamp64Milli({fromMs:Int64}))
        AND minute < fromUnixTimestamp64Milli({toMs:Int64})
        ${q.origin !== undefined ? 'AND origin_service = {origin:String}' : ''}
        ${envWhere(q)}
      GROUP BY path_hash, depth, destination, consumer_group, d_service`,
    { name: 'pathways', params: { fromMs: q.fromMs, toMs: q.toMs, origin: q.origin ?? '', ...envParams(q) } },
  );
  return { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), pathways: buildPathways(rows, q) };
}

const round = (v: number | string) => Math.round(Number(v) * 1000) / 1000;

/**
 * Pure: every recorded path prefix is a step; a pathway is a path no other extends, listed with its
 * prefixes as steps (depth 1 … n), busiest first.
 */
export function buildPathways(rows: PathwayRow[], q: Pick<PathwayQuery, 'destination' | 'limit'>): Pathway[] {
  const byPath = new Map<string, { row: PathwayRow; step: PathwayStep }>();
  for (const r of rows) {
    const step: PathwayStep = {
      depth: Number(r.depth),
      destination: r.destination,
      consumerGroup: r.consumer_group,
      service: r.d_service,
      count: Number(r.n),
      errors: Number(r.failed),
      p50Ms: round(r.q[0] ?? 0),
      p95Ms: round(r.q[1] ?? 0),
      maxMs: round(r.max_ms),
      exampleTraceId: r.example,
    };
    byPath.set(r.step_path, { row: r, step });
  }
  const paths = [...byPath.keys()];
  const extended = new Set<string>();
  for (const p of paths) {
    // a prefix of p ends where one of p's steps ends: ' → ' separates every name
    const parts = p.split(' → ');
    for (let k = 3; k < parts.length; k += 2) extended.add(parts.slice(0, k).join(' → '));
  }
  const out: Pathway[] = [];
  for (const p of paths) {
    if (extended.has(p)) continue;
    const parts = p.split(' → ');
    const steps: PathwayStep[] = [];
    for (let k = 3; k <= parts.length; k += 2) {
      const s = byPath.get(parts.slice(0, k).join(' → '));
      if (s) steps.push(s.step);
    }
    if (q.destination !== undefined && !steps.some((s) => s.destination === q.destination)) continue;
    const last = steps[steps.length - 1]!;
    out.push({ path: p, origin: byPath.get(p)!.row.origin, steps, endToEndP50Ms: last.p50Ms, endToEndP95Ms: last.p95Ms, count: last.count });
  }
  return out.sort((a, b) => b.count - a.count || a.path.localeCompare(b.path)).slice(0, q.limit);
}
