// Child process of the benchmark: the limit. The same span rows the collector would write, inserted
// straight into the same chDB engine and schema (fresh temp folder, migrations applied) with no
// HTTP, decoding or normalization: first exactly as the collector writes them (store.insertSpans,
// JSONEachRow), then, for information, as RowBinary read by the engine from a tmpfs file.
// Runs once with its options as argv[2] (JSON) and sends the result as its only message.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/config/index.js';
import { openStore, type Store } from '../lib/store/index.js';
import type { SpanRow } from '../lib/store/rows.js';
import { decodeProtoTraces } from '../collector/otlp/proto.js';
import { buildPool } from './workload.js';
import { rowBinaryEncoder, Writer, type Column } from './rowbinary.js';

export interface LimitOptions {
  pool: { traces: number; spansPerRequest: number; startNs: string };
  /** spans inserted the collector's way, and as RowBinary */
  spans: number;
  rowBinarySpans: number;
  batchSpans: number;
}

export interface LimitRun {
  format: string;
  spans: number;
  batches: number;
  /** wall time inside the timed calls only */
  wallS: number;
  spansPerSecond: number;
  cpuSeconds: number;
  cpuSecondsPerMillion: number;
  /** of the wall time: JS-side encoding (RowBinary) */
  encodeS?: number;
}

export interface LimitResult {
  runs: LimitRun[];
  storedSpans: number;
  parts: number;
  peakRssBytes: number;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/** Batches of the pool's rows, trace ids stamped with the round like the load clients do. */
function* batches(poolRows: SpanRow[], total: number, batchSpans: number, firstRound = 1): Generator<SpanRow[]> {
  let sent = 0;
  let round = firstRound;
  let i = 0;
  while (sent < total) {
    const n = Math.min(batchSpans, total - sent);
    const batch: SpanRow[] = new Array(n);
    for (let k = 0; k < n; k++) {
      if (i === poolRows.length) {
        i = 0;
        round++;
      }
      const r = poolRows[i++]!;
      const prefix = round.toString(16).padStart(8, '0');
      batch[k] = {
        ...r,
        trace_id: prefix + r.trace_id.slice(8),
        'links.trace_id': r['links.trace_id'].map((t) => prefix + t.slice(8)),
      };
    }
    sent += n;
    yield batch;
  }
}

async function timed(label: string, rows: Generator<SpanRow[]>, insert: (b: SpanRow[]) => Promise<number | void>): Promise<LimitRun> {
  let wall = 0;
  let cpu = 0;
  let encode = 0;
  let spans = 0;
  let count = 0;
  for (const batch of rows) {
    const t0 = performance.now();
    const c0 = cpuNow();
    encode += ((await insert(batch)) as number | undefined) ?? 0;
    wall += performance.now() - t0;
    cpu += cpuNow() - c0;
    spans += batch.length;
    count++;
  }
  return {
    format: label,
    spans,
    batches: count,
    wallS: wall / 1000,
    spansPerSecond: spans / (wall / 1000),
    cpuSeconds: cpu,
    cpuSecondsPerMillion: cpu / (spans / 1e6),
    ...(encode ? { encodeS: encode / 1000 } : {}),
  };
}

async function rowBinaryInserter(store: Store): Promise<(rows: SpanRow[]) => Promise<number>> {
  const columns = await store.query<Column>(
    `SELECT name, type FROM system.columns WHERE database = {db:String} AND table = 'spans' ORDER BY position`,
    { name: 'bench:columns', params: { db: store.database } },
  );
  const structure = columns.map((c) => `\`${c.name}\` ${c.type}`).join(', ');
  const encode = rowBinaryEncoder(columns);
  const dir = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const file = path.join(dir, `es-bench-${process.pid}.rowbinary`);
  const w = new Writer();
  return async (rows) => {
    const t0 = performance.now();
    w.pos = 0;
    encode(rows, w);
    fs.writeFileSync(file, w.buf.subarray(0, w.pos));
    const encodeMs = performance.now() - t0;
    try {
      await store.command(`INSERT INTO ${store.database}.spans SELECT * FROM file({file:String}, 'RowBinary', {structure:String})`, {
        name: 'bench:rowbinary',
        params: { file, structure },
      });
    } finally {
      fs.rmSync(file, { force: true });
    }
    return encodeMs;
  };
}

async function main() {
  const opts = JSON.parse(process.argv[2]!) as LimitOptions;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-bench-limit-'));
  const store = await openStore(loadConfig({ EVENTSCOPE_DATA_DIR: dataDir }));
  try {
    const pool = buildPool({ ...opts.pool, startNs: BigInt(opts.pool.startNs) });
    const poolRows = pool.requests.flatMap((r) => decodeProtoTraces(r.body).rows);
    const runs: LimitRun[] = [];
    runs.push(await timed('JSONEachRow (store.insertSpans)', batches(poolRows, opts.spans, opts.batchSpans), (b) => store.insertSpans(b)));
    if (opts.rowBinarySpans > 0) {
      const insert = await rowBinaryInserter(store);
      // later rounds, so these rows do not repeat the ones above
      const firstRound = 2 + Math.ceil(opts.spans / poolRows.length);
      runs.push(await timed('RowBinary (file() on tmpfs)', batches(poolRows, opts.rowBinarySpans, opts.batchSpans, firstRound), insert));
    }
    const [count] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${store.database}.spans`, { name: 'bench:count' });
    const [parts] = await store.query<{ p: string }>(
      `SELECT count() AS p FROM system.parts WHERE database = {db:String} AND table = 'spans' AND active`,
      { name: 'bench:parts', params: { db: store.database } },
    );
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const result: LimitResult = {
      runs,
      storedSpans: Number(count!.n),
      parts: Number(parts!.p),
      peakRssBytes: Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024,
    };
    await new Promise<void>((resolve) => process.send!(result, undefined, {}, () => resolve()));
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

process.on('disconnect', () => process.exit(0));
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
