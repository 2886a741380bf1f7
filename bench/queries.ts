// Child process of the benchmark: query latency at scale. Generates the dataset of dataset.ts in a
// fresh embedded store (fast path, inside the engine), runs the pairing pass over it to completion
// (bench/pairing.ts: the views read the hops it writes; its cost is measured), then calls the JSON API
// handlers the way Next.js does (route table → runHandler), so the whole API path is timed: parameter
// parsing, every SQL query, and the shaping in JS. Every answer is checked for content (deliver
// edges with counts, lag groups, duplicates, requests), so an empty view cannot look fast. Scales
// are cumulative phases of the same system (same services, destinations and groups) over the same
// 24 hours, so the last hour of the second scale holds scale₂/scale₁ times the messages of the first.
// Runs once with its options as argv[2] (JSON) and sends the result as its only message.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/config/index.js';
import { openStore, type Store } from '../lib/store/index.js';
import { matchRoute } from '../lib/api/routes.js';
import { runHandler } from '../lib/api/http.js';
import { generatePhase, PAIRABLE_CHUNK_TRACES, SPANS_PER_TRACE } from './dataset.js';
import { BenchPairing, measureBatchedPairing, settleMerges, type BatchedPairingResult, type PairingResult } from './pairing.js';
import { runAsChild } from './child.js';

export interface QueryOptions {
  scales: number[];
  runs: number;
  /** after the last scale's queries: spans appended in collector-sized batches, the pass after each (0: none) */
  cadenceSpans?: number;
}

/** The collector's batch (EVENTSCOPE_BATCH_MAX_SPANS 20,000 spans) in generated traces. */
const CADENCE_BATCH_TRACES = 2_000;
/** the appended batches' traces are spread over the last this many ns before the data's end */
const CADENCE_SPREAD_NS = 600_000_000_000n;

export interface QueryTiming {
  name: string;
  path: string;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** status of every run was 200 */
  ok: boolean;
  /** median time per SQL query name (log_comment eventscope:<name>) inside one call */
  sqlMs: Record<string, number>;
  /** a size figure of the last answer (spans, edges, groups, occurrences) */
  answer: string;
  /** what the last answer lacks that the data has (null: the answer has content) */
  empty: string | null;
  /** figures of the last answer, for comparing scales (e.g. messages delivered in the range) */
  figures?: Record<string, number>;
}

export interface ScaleResult {
  spans: number;
  traces: number;
  /** spans generated for this scale (the earlier scales' spans stay) */
  addedSpans?: number;
  generateS: number;
  generateCpuS: number;
  parts: number;
  messagingParts: number;
  /** the pairing pass over this scale's new spans */
  pairing?: PairingResult;
  /** waited this long for merges to finish before the queries (at most 120 s), and merges still running then */
  querySettle?: { settleS: number; mergesLeft: number };
  /** last scale only: the pass at the collector's cadence on this store, after the queries */
  batchedPairing?: BatchedPairingResult;
  /** the API's "now" for every call: the end of the generated data (ISO) */
  now?: string;
  queries: QueryTiming[];
}

const DAY_NS = 86_400_000_000_000n;
const CASE_BUDGET_MS = 15_000;
const MIN_RUNS = 3;

export function percentile(sorted: number[], p: number): number {
  // nearest rank
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

async function main() {
  const opts = JSON.parse(process.argv[2]!) as QueryOptions;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-bench-queries-'));
  let sqlTimes: Array<{ name: string; ms: number }> = [];
  const store = await openStore(loadConfig({ EVENTSCOPE_DATA_DIR: dataDir }), { onQuery: (t) => sqlTimes.push(t) });
  const results: ScaleResult[] = [];
  const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] queries: ${msg}`);
  try {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    // Every API call runs at the data's end, however long generation and pairing took: the 1 h
    // windows of both scales cover the same last hour of generated traffic.
    const now = new Date(Number(nowNs / 1_000_000n));
    const pairing = new BenchPairing(store);
    let traces = 0;
    let spansBefore = 0;
    for (const scale of opts.scales) {
      const target = Math.round(scale / SPANS_PER_TRACE);
      const add = target - traces;
      const t0 = performance.now();
      const c0 = cpuNow();
      // each phase spreads its traces over the same last 24 hours, offset from the earlier ones
      const spacing = DAY_NS / BigInt(add);
      await generatePhase(store, { firstTrace: traces, traces: add, baseNs: nowNs - DAY_NS, spacingNs: spacing, shiftNs: spacing / 2n }, PAIRABLE_CHUNK_TRACES);
      const generateS = (performance.now() - t0) / 1000;
      const generateCpuS = cpuNow() - c0;
      traces = target;
      const [count] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${store.database}.spans`, { name: 'bench:count' });
      const spans = Number(count!.n);
      log(`${spans} spans (${spans - spansBefore} new) generated in ${generateS.toFixed(1)} s, ${generateCpuS.toFixed(1)} CPU-s; pairing`);
      const paired = await pairing.run(spans - spansBefore, log);
      log(
        `pairing: ${paired.wallS.toFixed(1)} s, ${paired.cpuS.toFixed(1)} CPU-s (${paired.cpuSecondsPerMillion.toFixed(1)} per 1M spans), ` +
          `${paired.passes} passes, ${paired.hopsWritten} hops written${paired.error ? `, FAILED: ${paired.error}` : ''}`,
      );
      // the queries run on a settled store, as a running system's would be: the bulk generation and
      // pairing of millions of spans in seconds leave merges behind that a live stream of this
      // volume (~115 spans/s for 10M a day) never piles up
      const settled = await settleMerges(store, 120);
      log(`merges settled in ${settled.settleS.toFixed(1)} s${settled.mergesLeft ? ` (${settled.mergesLeft} still running)` : ''}`);
      const parts = await partCounts(store);
      sqlTimes = [];
      const queries = await runQueries(store, opts.runs, now, traces / 24, (fn) => {
        sqlTimes = [];
        return fn().then((r) => ({ ...r, sql: sqlTimes }));
      });
      for (const q of queries) log(`${q.name}: p50 ${q.p50Ms.toFixed(0)} ms, p95 ${q.p95Ms.toFixed(0)} ms, ${q.answer}${q.empty ? ` — EMPTY: ${q.empty}` : ''}`);
      results.push({
        spans,
        traces,
        addedSpans: spans - spansBefore,
        generateS,
        generateCpuS,
        parts: parts.spans,
        messagingParts: parts.messaging,
        pairing: paired,
        querySettle: settled,
        now: now.toISOString(),
        queries,
      });
      spansBefore = spans;
    }
    const cadence = opts.cadenceSpans ?? 0;
    if (cadence > 0 && results.length > 0) {
      const batches = Math.max(1, Math.round(cadence / (CADENCE_BATCH_TRACES * SPANS_PER_TRACE)));
      const spacing = CADENCE_SPREAD_NS / BigInt(batches * CADENCE_BATCH_TRACES);
      const base = nowNs - CADENCE_SPREAD_NS;
      const first = traces;
      log(`pairing at the collector's cadence: ${batches} batches of ${CADENCE_BATCH_TRACES * 10} spans appended to ${spansBefore} stored, the pass after each`);
      const r = await measureBatchedPairing(
        store,
        pairing,
        {
          storedSpans: spansBefore,
          batches,
          batchSpans: Math.round(CADENCE_BATCH_TRACES * SPANS_PER_TRACE),
          // new traces (ids after every earlier one) over the last minutes before the data's end
          generate: (b) =>
            generatePhase(
              store,
              { firstTrace: first + b * CADENCE_BATCH_TRACES, traces: CADENCE_BATCH_TRACES, baseNs: base + BigInt(b * CADENCE_BATCH_TRACES) * spacing, spacingNs: spacing, shiftNs: 0n },
              CADENCE_BATCH_TRACES,
            ),
        },
        log,
      );
      log(`pairing at the collector's cadence: ${r.cpuSecondsPerMillion.toFixed(1)} CPU-s per 1M spans, pass median ${r.passMedianMs.toFixed(0)} ms, slowest ${r.passMaxMs.toFixed(0)} ms${r.error ? `, FAILED: ${r.error}` : ''}`);
      results.at(-1)!.batchedPairing = r;
    }
    await new Promise<void>((resolve) => process.send!(results, undefined, {}, () => resolve()));
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function partCounts(store: Store): Promise<{ spans: number; messaging: number }> {
  const rows = await store.query<{ table: string; p: string }>(
    `SELECT table, count() AS p FROM system.parts WHERE database = {db:String} AND active GROUP BY table`,
    { name: 'bench:parts', params: { db: store.database } },
  );
  const of = (t: string) => Number(rows.find((r) => r.table === t)?.p ?? 0);
  return { spans: of('spans'), messaging: of('messaging_spans') };
}

type Measured = { status: number; body: any; sql: Array<{ name: string; ms: number }> };

export async function runQueries(
  store: Store,
  runs: number,
  now: Date,
  tracesPerHour: number,
  track: (fn: () => Promise<{ status: number; body: any }>) => Promise<Measured>,
  only?: string[],
): Promise<QueryTiming[]> {
  const db = store.database;
  // Requests spread over the day (timeline) and over the last hour (message-id search, whose
  // default window is the last hour), picked before timing.
  const traces = await store.query<{ trace_id: string }>(
    `SELECT trace_id FROM ${db}.spans
      WHERE service_name = 'gateway' AND span_kind = 'SERVER' AND timestamp > fromUnixTimestamp64Milli({now:Int64}) - INTERVAL 23 HOUR
      ORDER BY cityHash64(trace_id) LIMIT {n:UInt32}`,
    { name: 'bench:pick-traces', params: { n: runs + 1, now: now.getTime() } },
  );
  const messages = await store.query<{ id: string }>(
    `SELECT message_id AS id FROM ${db}.messaging_spans
      WHERE operation = 'send' AND message_id != '' AND timestamp > fromUnixTimestamp64Milli({now:Int64}) - INTERVAL 50 MINUTE
      ORDER BY cityHash64(id) LIMIT {n:UInt32}`,
    { name: 'bench:pick-messages', params: { n: runs + 1, now: now.getTime() } },
  );
  type Case = {
    name: string;
    path: (i: number) => string;
    size: (body: any) => string;
    /** what the answer lacks (null: it has content) */
    empty: (body: any) => string | null;
    figures?: (body: any) => Record<string, number>;
  };
  // dataset.ts: a second delivery after success for 1 trace in 500
  const duplicatesPerHour = tracesPerHour / 500;
  const deliverEdges = (b: any) => (b.edges ?? []).filter((e: any) => e.kind === 'deliver');
  const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
  const delivered = (b: any) => sum(deliverEdges(b).map((e: any) => Number(e.count) || 0));
  const lagDelivered = (b: any) => sum((b.groups ?? []).flatMap((g: any) => (g.series ?? []).map((p: any) => Number(p.delivered) || 0)));
  const topology = (range: string): Case => ({
    name: `topology ${range}`,
    path: () => `/api/topology?from=now-${range.replace(' ', '')}`,
    size: (b) => `${b.nodes?.length} nodes, ${b.edges?.length} edges (${deliverEdges(b).length} deliver, ${delivered(b).toLocaleString('en-US')} messages)`,
    empty: (b) => (deliverEdges(b).length === 0 ? 'no deliver edge' : delivered(b) === 0 ? 'deliver edges without counts' : null),
    figures: (b) => ({ deliverEdges: deliverEdges(b).length, delivered: delivered(b) }),
  });
  const lag = (range: string): Case => ({
    name: `lag (${range})`,
    path: () => `/api/lag?from=now-${range.replace(' ', '')}`,
    size: (b) => `${b.groups?.length} groups, ${lagDelivered(b).toLocaleString('en-US')} delivered`,
    empty: (b) => (!b.groups?.length ? 'no consumer group' : lagDelivered(b) === 0 ? 'no deliveries in the series' : null),
    figures: (b) => ({ groups: b.groups?.length ?? 0, delivered: lagDelivered(b) }),
  });
  const cases: Case[] = [
    {
      name: 'request timeline by trace id',
      path: (i) => `/api/requests/${traces[i % traces.length]!.trace_id}`,
      size: (b) => `${b.spanCount} spans, ${b.traceIds?.length} traces`,
      empty: (b) => (b.spanCount > 0 ? null : 'no spans'),
    },
    {
      name: 'request search by message id (1 h)',
      path: (i) => `/api/requests?messageId=${encodeURIComponent(messages[i % messages.length]!.id)}&from=now-1h`,
      size: (b) => `${b.requests?.length} requests`,
      empty: (b) => (b.requests?.length ? null : 'no request'),
    },
    {
      name: 'request list (1 h)',
      path: () => '/api/requests?from=now-1h',
      size: (b) => `${b.requests?.length} requests, ${sum((b.requests ?? []).map((r: any) => Number(r.hopCount) || 0))} hops`,
      empty: (b) => (!b.requests?.length ? 'no request' : sum((b.requests ?? []).map((r: any) => Number(r.hopCount) || 0)) === 0 ? 'no hop counts' : null),
    },
    topology('1 h'),
    topology('24 h'),
    lag('1 h'),
    lag('24 h'),
    {
      name: 'anomalies (1 h)',
      path: () => '/api/anomalies?from=now-1h',
      size: (b) => `${b.duplicates?.total} duplicates (≈ ${Math.round(duplicatesPerHour)} generated), ${b.ordering?.total} inversions`,
      // too few generated in an hour at small scales for an empty answer to mean anything
      empty: (b) => (b.duplicates?.total > 0 || duplicatesPerHour < 3 ? null : 'no duplicates'),
      figures: (b) => ({ duplicates: Number(b.duplicates?.total ?? 0), inversions: Number(b.ordering?.total ?? 0) }),
    },
  ];
  const out: QueryTiming[] = [];
  for (const c of cases) {
    if (only && !only.some((o) => c.name.startsWith(o))) continue;
    const times: number[] = [];
    const sqlByName = new Map<string, number[]>();
    let ok = true;
    let last: any;
    // One untimed warm-up call (module loading, first-touch caches), then `runs` timed calls; a slow
    // query stops after CASE_BUDGET_MS with at least MIN_RUNS timed calls, to keep the bench in budget.
    const started = performance.now();
    for (let i = 0; i <= runs; i++) {
      if (i > MIN_RUNS && performance.now() - started > CASE_BUDGET_MS) break;
      const p = c.path(i);
      const url = new URL(p, 'http://eventscope.bench');
      const match = matchRoute(url.pathname)!;
      const { handler } = await match.route.load();
      const t0 = performance.now();
      const r = await track(() => runHandler(handler, { store, url, params: match.params, now }));
      const ms = performance.now() - t0;
      if (i === 0) continue;
      times.push(ms);
      ok &&= r.status === 200;
      last = r.body;
      for (const s of r.sql) {
        let l = sqlByName.get(s.name);
        if (!l) sqlByName.set(s.name, (l = []));
        l.push(s.ms);
      }
    }
    times.sort((a, b) => a - b);
    const sqlMs: Record<string, number> = {};
    for (const [name, l] of sqlByName) sqlMs[name] = Math.round(percentile(l.sort((a, b) => a - b), 50));
    out.push({
      name: c.name,
      path: c.path(1),
      runs: times.length,
      p50Ms: percentile(times, 50),
      p95Ms: percentile(times, 95),
      maxMs: times.at(-1)!,
      ok,
      sqlMs,
      answer: ok ? c.size(last) : `HTTP error: ${JSON.stringify(last).slice(0, 200)}`,
      empty: ok ? c.empty(last) : 'HTTP error',
      ...(ok && c.figures ? { figures: c.figures(last) } : {}),
    });
  }
  return out;
}

// imported by a script (runQueries) or forked by bench/run.ts
if (process.send) runAsChild(main);
