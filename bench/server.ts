// Child process of the benchmark: Eventscope (embedded store in a fresh temp folder, collector only)
// on ephemeral ports, so its CPU and memory are measured apart from the load clients. Talks to the
// parent over IPC: 'ready' with the ports, then answers 'count' and 'stop'.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEventscope } from '../scripts/eventscope.js';
import { metrics } from '../lib/metrics.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export type ServerRequest = { id: number; type: 'count' } | { id: number; type: 'drain' } | { id: number; type: 'stop' };
/** Where the collector's memory is, at the end of a second (MiB): what RSS is made of. */
export interface SecondMemory {
  rss: number;
  /** V8's heap in use, and the memory of Buffers and other external objects */
  jsHeap: number;
  jsExternal: number;
  /** what the engine's own allocations add up to (system.metrics MemoryTracking); -1 if not read */
  engine: number;
}

export interface ServerCounts {
  spans: number;
  uniqueSpans: number;
  parts: number;
  ingest: Record<string, number>;
  /** store time by query name since start (s, count), the costliest first */
  queries: Array<{ query: string; seconds: number; count: number }>;
  /** the pairing pass: CPU-s in passes, passes run */
  pairing?: { cpuSeconds: number; passes: number; hops: number; behindMs: number };
  /** per table: active parts, rows, uncompressed bytes and bytes × merge level (≈ bytes rewritten by merges) */
  tables: Array<{ table: string; parts: number; rows: number; bytes: number; mergedBytes: number }>;
  /** the engine's merge counters since start */
  merges: { merges: number; mergedRows: number; mergedBytes: number };
  /**
   * One sample per second since start: the longest the JS thread's event loop was held in that
   * second (ms, perf_hooks' monitorEventLoopDelay), and whether every insert slot was busy at its end
   */
  seconds: Array<{ loopMaxMs: number; slotsBusy: boolean; memory: SecondMemory }>;
}

async function queryTimes(): Promise<ServerCounts['queries']> {
  const m = metrics();
  const [secs, counts, inserts] = await Promise.all([m.storeQuerySeconds.get(), m.storeQueries.get(), m.insertDuration.get()]);
  const n = new Map(counts.values.map((v) => [String(v.labels.query), v.value]));
  // span commits are timed by the insert histogram (its _sum and _count)
  const insert = (suffix: string) => inserts.values.find((v) => v.metricName === `eventscope_insert_duration_seconds_${suffix}`)?.value ?? 0;
  return [
    ...secs.values.map((v) => ({ query: String(v.labels.query), seconds: v.value, count: n.get(String(v.labels.query)) ?? 0 })),
    { query: 'insert:spans', seconds: insert('sum'), count: insert('count') },
  ].sort((a, b) => b.seconds - a.seconds);
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-bench-ingest-'));
  const es = await startEventscope({
    env: {
      ...process.env,
      EVENTSCOPE_DATA_DIR: dataDir,
      EVENTSCOPE_OTLP_HTTP_PORT: '0',
      EVENTSCOPE_OTLP_GRPC_PORT: '0',
      EVENTSCOPE_HOST: '127.0.0.1',
    },
    ui: false,
    log: () => {},
  });
  const db = es.store.database;
  const seconds: ServerCounts['seconds'] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const lanes = es.store.insertLanes ?? 1;
  let engineMiB = -1;
  const mib = (b: number) => Math.round(b / 2 ** 20);
  setInterval(() => {
    const m = process.memoryUsage();
    seconds.push({
      loopMaxMs: Math.round(loop.max / 1e6),
      slotsBusy: es.collector.ingest.stats().inflightInserts >= lanes,
      memory: { rss: mib(m.rss), jsHeap: mib(m.heapUsed), jsExternal: mib(m.external + m.arrayBuffers), engine: engineMiB },
    });
    loop.reset();
    // read for the next sample (a query lane, not the inserts' connections)
    es.store
      .query<{ v: string }>(`SELECT toString(value) AS v FROM system.metrics WHERE metric = 'MemoryTracking'`, { name: 'bench:memory' })
      .then(([r]) => (engineMiB = r ? mib(Number(r.v)) : -1), () => (engineMiB = -1));
  }, 1000).unref();
  const send = (msg: unknown, done?: () => void) => process.send!(msg, undefined, {}, done);
  process.on('message', async (req: ServerRequest) => {
    try {
      if (req.type === 'count') {
        const [row] = await es.store.query<{ n: string; u: string }>(
          `SELECT count() AS n, uniqExact(trace_id, span_id) AS u FROM ${db}.spans`,
          { name: 'bench:count' },
        );
        const [parts] = await es.store.query<{ p: string }>(
          `SELECT count() AS p FROM system.parts WHERE database = {db:String} AND table = 'spans' AND active`,
          { name: 'bench:parts', params: { db } },
        );
        const counts: ServerCounts = {
          spans: Number(row!.n),
          uniqueSpans: Number(row!.u),
          parts: Number(parts!.p),
          ingest: { ...es.collector.ingest.stats() },
          queries: await queryTimes(),
          tables: (
            await es.store.query<{ table: string; parts: string; rows: string; bytes: string; merged: string }>(
              `SELECT table, count() AS parts, sum(rows) AS rows, sum(data_uncompressed_bytes) AS bytes, sum(data_uncompressed_bytes * level) AS merged
                 FROM system.parts WHERE database = {db:String} AND active GROUP BY table ORDER BY merged DESC`,
              { name: 'bench:tables', params: { db } },
            )
          ).map((t) => ({ table: t.table, parts: Number(t.parts), rows: Number(t.rows), bytes: Number(t.bytes), mergedBytes: Number(t.merged) })),
          seconds: [...seconds],
          merges: await (async () => {
            const ev = await es.store.query<{ event: string; value: string }>(
              `SELECT event, value FROM system.events WHERE event IN ('Merge', 'MergedRows', 'MergedUncompressedBytes')`,
              { name: 'bench:events' },
            );
            const v = (e: string) => Number(ev.find((x) => x.event === e)?.value ?? 0);
            return { merges: v('Merge'), mergedRows: v('MergedRows'), mergedBytes: v('MergedUncompressedBytes') };
          })(),
          pairing: es.collector.pairing
            ? {
                cpuSeconds: es.collector.pairing.stats.cpuMicros / 1e6,
                passes: es.collector.pairing.stats.passes,
                hops: es.collector.pairing.stats.hopsWritten,
                // how far the watermark trails what is committed (the pairing's backlog)
                behindMs: Math.max(0, es.collector.queue.committedBefore() - es.collector.pairing.stats.watermarkMs),
              }
            : undefined,
        };
        send({ id: req.id, ok: true, result: counts });
      } else if (req.type === 'drain') {
        // pairs everything committed so far; answers with the wall and process CPU seconds it took
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        await es.collector.pairing?.sync();
        const cpu = process.cpuUsage(cpu0);
        send({ id: req.id, ok: true, result: { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 } });
      } else if (req.type === 'stop') {
        await es.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
        send({ id: req.id, ok: true, result: null }, () => process.exit(0));
      }
    } catch (err) {
      send({ id: req.id, ok: false, error: String((err as Error)?.stack ?? err) });
    }
  });
  // The parent going away must not leave this process (and its data folder) behind.
  process.on('disconnect', () => {
    void es
      .stop()
      .finally(() => fs.rmSync(dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(0));
  });
  send({ type: 'ready', httpPort: es.collector.httpPort, grpcPort: es.collector.grpcPort, version: await es.store.version() });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
