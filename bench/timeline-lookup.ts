// How fast a request timeline finds its spans by trace id at scale (issue 9: spans ordered by
// (ten-minute bucket, trace id) instead of a by_trace projection). Generates N spans over 24 hours
// with bench/dataset.ts into a fresh store, then times the timeline's per-round spans query
// (`timeline:spans`) and the whole timeline for random traces.
//   npx tsx bench/timeline-lookup.ts [spans, default 10000000] [lookups, default 50]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/config/index.js';
import { openStore } from '../lib/store/index.js';
import { requestTimeline } from '../lib/analysis/timeline.js';
import { generatePhase, SPANS_PER_TRACE } from './dataset.js';

const DAY_NS = 86_400_000_000_000n;
const spans = Number(process.argv[2] ?? 10_000_000);
const lookups = Number(process.argv[3] ?? 50);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-timeline-lookup-'));
const times: Array<{ name: string; ms: number }> = [];
const store = await openStore(loadConfig({ EVENTSCOPE_DATA_DIR: dir }), { onQuery: (t) => times.push(t) });
try {
  const traces = Math.round(spans / SPANS_PER_TRACE);
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const t0 = performance.now();
  await generatePhase(store, { firstTrace: 0, traces, baseNs: nowNs - DAY_NS, spacingNs: DAY_NS / BigInt(traces), shiftNs: 0n });
  const [n] = await store.query<{ n: string; parts: string }>(
    `SELECT (SELECT count() FROM ${store.database}.spans) AS n,
            (SELECT count() FROM system.parts WHERE database = {db:String} AND table = 'spans' AND active) AS parts`,
    { name: 'bench:count', params: { db: store.database } },
  );
  console.log(`${n!.n} spans in ${n!.parts} parts, generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const ids = await store.query<{ trace_id: string }>(
    `SELECT trace_id FROM ${store.database}.trace_index ORDER BY cityHash64(trace_id) LIMIT {n:UInt32}`,
    { name: 'bench:ids', params: { n: lookups } },
  );
  const round: number[] = [];
  const resources: number[] = [];
  const whole: number[] = [];
  for (const [i, { trace_id }] of ids.entries()) {
    times.length = 0;
    const t = performance.now();
    await requestTimeline(store, { traceId: trace_id, maxDepth: 10, maxSpans: 10_000, anomalies: false });
    if (i < 3) continue; // warm-up
    whole.push(performance.now() - t);
    for (const q of times) {
      if (q.name === 'timeline:spans') round.push(q.ms);
      if (q.name === 'timeline:resources') resources.push(q.ms);
    }
  }
  const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
  console.log(`timeline:spans per round: p50 ${p(round, 0.5).toFixed(1)} ms, p95 ${p(round, 0.95).toFixed(1)} ms (${round.length} rounds)`);
  console.log(`timeline:resources (once per timeline): p50 ${p(resources, 0.5).toFixed(1)} ms, p95 ${p(resources, 0.95).toFixed(1)} ms`);
  console.log(`timeline without anomalies: p50 ${p(whole, 0.5).toFixed(1)} ms, p95 ${p(whole, 0.95).toFixed(1)} ms (${whole.length} lookups)`);
} finally {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
