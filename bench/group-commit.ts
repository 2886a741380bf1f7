// Group commit against interval batching: parts, merges, CPU and spans/s when clients export one
// request at a time (as an OTel SDK's BatchSpanProcessor does), closed loop (each client sends its
// next request when the previous one is answered) or open loop (requests at a fixed rate, as many
// services exporting on their own schedules). Not part of `npm run bench` or the tests; run by hand:
//   npx tsx bench/group-commit.ts [--requests 200] [--clients 1,8] [--rates 20] [--spans 512]
// Each scenario runs in its own process on a fresh chDB folder (chDB binds one folder per process).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/config/index.js';
import { openStore, type Store } from '../lib/store/index.js';
import { IngestQueue } from '../collector/pipeline.js';
import { createIngestService } from '../collector/service.js';
import { buildPool, stampRound } from './workload.js';

type Mode = 'interval' | 'group';
const MAX_BATCH = 20_000;
const INTERVAL_MS = 200;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

async function counters(store: Store): Promise<Record<string, number>> {
  const rows = await store.query<{ event: string; value: string }>(
    `SELECT event, value FROM system.events WHERE event IN ('Merge', 'MergedRows', 'MergeTreeDataWriterBlocks', 'InsertQuery')`,
    { name: 'bench:events' },
  );
  return Object.fromEntries(rows.map((r) => [r.event, Number(r.value)]));
}

async function activeParts(store: Store): Promise<{ spans: number; all: number }> {
  const rows = await store.query<{ table: string; n: string }>(
    `SELECT table, count() AS n FROM system.parts WHERE database = {db:String} AND active GROUP BY table`,
    { name: 'bench:parts', params: { db: store.database } },
  );
  return { spans: Number(rows.find((r) => r.table === 'spans')?.n ?? 0), all: rows.reduce((n, r) => n + Number(r.n), 0) };
}

async function scenario(mode: Mode, clients: number, rate: number, requests: number, spansPerRequest: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-group-commit-'));
  const store = await openStore(loadConfig({ EVENTSCOPE_DATA_DIR: dir }));
  try {
    const queue = new IngestQueue({
      prepare: (rows) => store.prepareSpans(rows),
      insert: (prepared) => store.commitSpans(prepared),
      maxBatchSpans: MAX_BATCH,
      flushIntervalMs: INTERVAL_MS,
      // 'interval' reproduces the batching before group commit: wait for company until the batch
      // is full or its oldest request has waited the interval.
      ...(mode === 'interval' ? { minBatchSpans: MAX_BATCH } : {}),
      maxQueueSpans: 200_000,
      maxQueueBytes: 1 << 30,
    });
    const ingest = createIngestService(queue, {});
    const pool = buildPool({ traces: 5_120, spansPerRequest, startNs: BigInt(Date.now()) * 1_000_000n });
    const before = await counters(store);
    const cpu0 = process.cpuUsage();
    let next = 0;
    let spans = 0;
    const send = async (seq: number) => {
      const req = pool.requests[seq % pool.requests.length]!;
      await ingest.export('protobuf', stampRound(req, 1 + Math.floor(seq / pool.requests.length)));
      spans += req.spans;
    };
    const t0 = performance.now();
    if (rate > 0) {
      // open loop: request i is sent at t0 + i/rate, whether or not earlier ones are answered
      const sent: Promise<void>[] = [];
      for (let seq = 0; seq < requests; seq++) {
        const wait = t0 + (seq * 1000) / rate - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        sent.push(send(seq));
      }
      await Promise.all(sent);
    } else {
      await Promise.all(
        Array.from({ length: clients }, async () => {
          for (let seq = next++; seq < requests; seq = next++) await send(seq);
        }),
      );
    }
    const seconds = (performance.now() - t0) / 1000;
    await queue.close();
    const cpuRun = process.cpuUsage(cpu0);
    const atEnd = await activeParts(store);
    const after = await counters(store);
    // Let background merges catch up (merge selection sleeps up to several seconds between rounds).
    await new Promise((r) => setTimeout(r, 15_000));
    const settled = await activeParts(store);
    const later = await counters(store);
    const cpuAll = process.cpuUsage(cpu0);
    const cpuSeconds = (c: NodeJS.CpuUsage) => Math.round((c.user + c.system) / 1e4) / 100;
    const delta = (c: Record<string, number>, k: string) => (c[k] ?? 0) - (before[k] ?? 0);
    return {
      mode,
      load: rate > 0 ? `${rate} req/s` : `${clients} client${clients > 1 ? 's' : ''}`,
      requests,
      spans,
      spansPerSecond: Math.round(spans / seconds),
      inserts: queue.stats.committedBatches,
      spansPerInsert: Math.round(spans / queue.stats.committedBatches),
      partsWritten: delta(after, 'MergeTreeDataWriterBlocks'),
      activePartsAtEnd: atEnd,
      mergesDuringRun: delta(after, 'Merge'),
      mergedRowsDuringRun: delta(after, 'MergedRows'),
      activePartsAfter15s: settled,
      mergesAfter15s: delta(later, 'Merge'),
      mergedRowsAfter15s: delta(later, 'MergedRows'),
      cpuSecondsRun: cpuSeconds(cpuRun),
      cpuSecondsAfter15s: cpuSeconds(cpuAll),
    };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child')) {
  const result = await scenario(
    arg('mode', 'group') as Mode,
    Number(arg('clients', '1')),
    Number(arg('rate', '0')),
    Number(arg('requests', '200')),
    Number(arg('spans', '512')),
  );
  console.log(JSON.stringify(result));
} else {
  const common = ['--requests', arg('requests', '200'), '--spans', arg('spans', '512')];
  const loads = [
    ...arg('clients', '1,8').split(',').filter(Boolean).map((c) => ['--clients', c]),
    ...arg('rates', '').split(',').filter(Boolean).map((r) => ['--rate', r]),
  ];
  const results = [];
  for (const load of loads) {
    for (const mode of ['interval', 'group'] as Mode[]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', '--mode', mode, ...load, ...common], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (r.status !== 0) throw new Error(`scenario ${mode} ${load.join(' ')} failed`);
      const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
      console.log(JSON.stringify(result));
      results.push(result);
    }
  }
  console.table(
    results.map((r) => ({
      mode: r.mode,
      load: r.load,
      'spans/s': r.spansPerSecond,
      inserts: r.inserts,
      'spans/insert': r.spansPerInsert,
      'parts written': r.partsWritten,
      'spans parts (end)': r.activePartsAtEnd.spans,
      'all parts (end)': r.activePartsAtEnd.all,
      'merges (run)': r.mergesDuringRun,
      'all parts (+15 s)': r.activePartsAfter15s.all,
      'merges (+15 s)': r.mergesAfter15s,
      'merged rows (+15 s)': r.mergedRowsAfter15s,
      'CPU-s (run)': r.cpuSecondsRun,
      'CPU-s (+15 s)': r.cpuSecondsAfter15s,
    })),
  );
}
