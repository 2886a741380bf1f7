// Child process of the benchmark: the limit, and where a span's CPU goes on the write path. The same
// span rows the collector would write, inserted straight into the same chDB engine and schema (fresh
// temp folder, migrations applied) with no HTTP, decoding or normalization:
//   1. exactly as the collector writes them (store.insertSpans), batches like the collector's;
//   2. for information, as RowBinary from the table's generated encoder (lib/store/rowbinary.ts), read by
//      the engine from a tmpfs file (lib/store/chdb-binary.ts), without the store: no resources step;
//   3. stages: the store's encoding alone (store.prepareSpans when the store has that step, else the
//      JSONEachRow text it sends), the old JSONEachRow text of the same rows (the 'before' encoder),
//      and the engine's cost per table: `INSERT INTO … SELECT` from a staging copy of one batch (no
//      parsing) into `spans`, into copies of `spans` without its views, without its projection, and
//      with one view each — the differences are the views' and the projection's shares.
// Runs once with its options as argv[2] (JSON) and sends the result as its only message.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/config/index.js';
import { openStore, type Store } from '../lib/store/index.js';
import { SPAN_RESOURCE_FIELDS, type SpanRow } from '../lib/store/rows.js';
import { createRequire } from 'node:module';
import { chdbBinaryInserter } from '../lib/store/chdb-binary.js';
import { RowBinaryWriter, tableEncoding, type Column } from '../lib/store/rowbinary.js';
import { batches, cpuNow, flatRow, peakRss, poolRows, roundAfter, type PoolOptions } from './rows.js';
import { runAsChild } from './child.js';

export interface LimitOptions {
  pool: PoolOptions;
  /** spans inserted the collector's way, and as RowBinary */
  spans: number;
  rowBinarySpans: number;
  batchSpans: number;
  /** spans per target for the per-table engine shares (0: skip the stages) */
  stageSpans: number;
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

export interface TableCost {
  /** what the rows went into */
  target: string;
  /** for a single view: its name */
  view?: string;
  cpuSecondsPerMillion: number;
}

export interface StageResult {
  spans: number;
  /** the store's own encoding step, CPU-s per 1M spans (main thread; nothing else runs meanwhile) */
  encode: { how: string; cpuSecondsPerMillion: number };
  /** JSONEachRow text of the same rows as the store wrote it before the binary path (JSON.stringify per row) */
  jsonEncodeCpuSecondsPerMillion: number;
  /** the store's commit of an encoded batch, when the store has the prepare/commit split */
  commit?: { how: string; cpuSecondsPerMillion: number; spansPerSecond: number };
  /** INSERT … SELECT from a staging copy of one batch, repeated, interleaved over the targets; median insert */
  tables: TableCost[];
  /** dependents of `spans` (materialized views) and its projections, as found in system tables */
  views: string[];
  projections: string[];
  errors: string[];
}

export interface LimitResult {
  runs: LimitRun[];
  storedSpans: number;
  parts: number;
  peakRssBytes: number;
  stages?: StageResult;
  rowBinaryError?: string;
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

async function rowBinaryInserter(store: Store, dataDir: string): Promise<(rows: SpanRow[]) => Promise<number>> {
  const columns = await store.query<Column & { default_kind: string }>(
    `SELECT name, type, default_kind FROM system.columns WHERE database = {db:String} AND table = 'spans' AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY position`,
    { name: 'bench:columns', params: { db: store.database } },
  );
  const enc = tableEncoding<SpanRow>('spans', columns.map((c) => c.name), columns, SPAN_RESOURCE_FIELDS);
  // a second connection to the same folder (they share the one engine): the store keeps its own private
  const { createChdbConnection } = createRequire(import.meta.url)('chdb/connection') as typeof import('chdb/connection');
  const binary = chdbBinaryInserter(createChdbConnection({ path: dataDir }).chdb);
  let estimate = 1 << 20;
  return async (rows) => {
    const t0 = performance.now();
    const w = new RowBinaryWriter(estimate);
    enc.rowBinary(rows, w);
    estimate = w.pos + 1024;
    const encodeMs = performance.now() - t0;
    await binary.insert(`${store.database}.spans`, enc.columns, w.bytes());
    return encodeMs;
  };
}

// ---- stages -------------------------------------------------------------------------------------

/** The JSONEachRow text the store sent before the binary path and the lean row (lib/store/index.ts jsonEachRow at b57f693). */
function oldJsonEachRow(rows: SpanRow[]): Buffer {
  const dt64 = (ns: string) => {
    const p = ns.length > 9 ? ns : ns.padStart(10, '0');
    return `${p.slice(0, -9)}.${p.slice(-9)}`;
  };
  let text = '';
  for (const row of rows) {
    const flat = flatRow(row);
    const events = row['events.timestamp'];
    text += JSON.stringify({ ...flat, timestamp: dt64(row.timestamp), 'events.timestamp': events.length === 0 ? events : events.map(dt64) }) + '\n';
  }
  return Buffer.from(text);
}

/** The store's prepare/commit split, if it has one (the names are looked up, not assumed). */
function splitOf(store: Store): { prepare: (rows: SpanRow[]) => Promise<unknown>; commit?: (p: unknown) => Promise<unknown>; how: string } | undefined {
  const s = store as unknown as Record<string, unknown>;
  if (typeof s.prepareSpans !== 'function') return undefined;
  const prepare = (rows: SpanRow[]) => Promise.resolve((s.prepareSpans as (r: SpanRow[]) => unknown).call(store, rows));
  for (const name of ['commitSpans', 'commitPrepared', 'insertPrepared', 'commit']) {
    if (typeof s[name] === 'function') {
      return { prepare, commit: (p) => Promise.resolve((s[name] as (p: unknown) => unknown).call(store, p)), how: `store.prepareSpans + store.${name}` };
    }
  }
  return {
    prepare,
    // a prepared batch that commits itself
    commit: async (p) => {
      const c = (p as { commit?: () => unknown } | null)?.commit;
      if (typeof c !== 'function') throw new Error('prepared batch has no commit(); store has no commit method');
      await c.call(p);
    },
    how: 'store.prepareSpans + prepared.commit()',
  };
}

async function measureStages(store: Store, rows: SpanRow[], opts: LimitOptions, firstRound: number): Promise<StageResult> {
  const db = store.database;
  const errors: string[] = [];
  const reps = Math.max(1, Math.round(opts.stageSpans / opts.batchSpans));
  const spans = reps * opts.batchSpans;
  const sample = [...batches(rows, spans, opts.batchSpans, firstRound)];
  const perM = (cpu: number, n: number) => cpu / (n / 1e6);

  // Encoding alone: the old JSON text, and the store's own step when it has one.
  let c0 = cpuNow();
  for (const b of sample) oldJsonEachRow(b);
  const jsonEncode = perM(cpuNow() - c0, spans);
  const split = splitOf(store);
  let encode = { how: 'JSONEachRow text (the store has no separate encoding step)', cpuSecondsPerMillion: jsonEncode };
  let commit: StageResult['commit'];
  if (split) {
    try {
      const prepared: unknown[] = [];
      c0 = cpuNow();
      for (const b of sample) prepared.push(await split.prepare(b));
      encode = { how: 'store.prepareSpans', cpuSecondsPerMillion: perM(cpuNow() - c0, spans) };
      if (split.commit) {
        c0 = cpuNow();
        const t0 = performance.now();
        for (const p of prepared) await split.commit(p);
        commit = { how: split.how, cpuSecondsPerMillion: perM(cpuNow() - c0, spans), spansPerSecond: spans / ((performance.now() - t0) / 1000) };
      }
    } catch (err) {
      errors.push(`prepare/commit: ${(err as Error).message}`);
    }
  }

  // Engine cost per table, without parsing: staging copy of one batch → INSERT … SELECT.
  const tables: TableCost[] = [];
  let views: string[] = [];
  let projections: string[] = [];
  const created: string[] = [];
  try {
    await store.command('SYSTEM STOP MERGES', { name: 'bench:stop-merges' });
    for (let i = 0; i < 300; i++) {
      const [m] = await store.query<{ n: string }>('SELECT count() AS n FROM system.merges', { name: 'bench:merges' });
      if (Number(m!.n) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const [deps] = await store.query<{ d: string[] }>(
      `SELECT dependencies_table AS d FROM system.tables WHERE database = {db:String} AND name = 'spans'`,
      { name: 'bench:deps', params: { db } },
    );
    views = deps?.d ?? [];
    projections = (
      await store
        .query<{ name: string }>(`SELECT name FROM system.projections WHERE database = {db:String} AND table = 'spans'`, { name: 'bench:projections', params: { db } })
        .catch(() => [])
    ).map((p) => p.name);

    const make = async (name: string, sql: string) => {
      await store.command(sql, { name: 'bench:stage-ddl' });
      created.push(name);
    };
    await store.command(`DROP TABLE IF EXISTS ${db}.bench_staging`, { name: 'bench:stage-ddl' });
    await make('bench_staging', `CREATE TABLE ${db}.bench_staging ENGINE = Memory AS SELECT * FROM ${db}.spans LIMIT ${opts.batchSpans}`);
    await make('bench_bare', `CREATE TABLE ${db}.bench_bare AS ${db}.spans`);
    if (projections.length) {
      const copied = await store.query<{ name: string }>(`SELECT name FROM system.projections WHERE database = {db:String} AND table = 'bench_bare'`, { name: 'bench:projections', params: { db } });
      if (copied.length !== projections.length) errors.push(`the copy of spans has ${copied.length} of its ${projections.length} projections: the projection share is not measured right`);
    }
    await make('bench_noproj', `CREATE TABLE ${db}.bench_noproj AS ${db}.spans`);
    for (const p of projections) await store.command(`ALTER TABLE ${db}.bench_noproj DROP PROJECTION \`${p}\``, { name: 'bench:stage-ddl' });
    const targets: TableCost[] = [
      { target: 'spans (views + projection)', cpuSecondsPerMillion: 0 },
      { target: 'copy of spans without views', cpuSecondsPerMillion: 0 },
      { target: 'copy of spans without views and projection', cpuSecondsPerMillion: 0 },
    ];
    const tableOf = ['spans', 'bench_bare', 'bench_noproj'];
    // one view at a time, on its own copy without projection: its definition with `spans` renamed
    for (const [i, v] of views.entries()) {
      try {
        const [row] = await store.query<{ q: string }>(
          `SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = {v:String}`,
          { name: 'bench:view-ddl', params: { db, v } },
        );
        const src = `bench_v${i}`;
        await make(src, `CREATE TABLE ${db}.${src} AS ${db}.bench_noproj`);
        const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const ddl = row!.q
          .replace(new RegExp(`${esc(db)}\\.${esc(v)}(?![\\w])`), `${db}.bench_mv${i}`)
          .replace(new RegExp(`${esc(db)}\\.spans(?![\\w])`, 'g'), `${db}.${src}`);
        if (ddl === row!.q || !ddl.includes(`${db}.bench_mv${i}`)) throw new Error('could not rename the view');
        await make(`bench_mv${i}`, ddl);
        targets.push({ target: `copy without projection + ${v}`, view: v, cpuSecondsPerMillion: 0 });
        tableOf.push(src);
      } catch (err) {
        errors.push(`view ${v}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    const cpu = targets.map(() => [] as number[]);
    // warm-up: one insert into each, not counted
    for (const t of tableOf) await store.command(`INSERT INTO ${db}.${t} SELECT * FROM ${db}.bench_staging`, { name: 'bench:stage-insert' });
    for (let r = 0; r < reps; r++) {
      for (const [i, t] of tableOf.entries()) {
        const c = cpuNow();
        await store.command(`INSERT INTO ${db}.${t} SELECT * FROM ${db}.bench_staging`, { name: 'bench:stage-insert' });
        cpu[i]!.push(cpuNow() - c);
      }
    }
    // the median insert of each target: one slow round (a burst of other work) does not decide it
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const [i, t] of targets.entries()) tables.push({ ...t, cpuSecondsPerMillion: perM(median(cpu[i]!), opts.batchSpans) });
  } catch (err) {
    errors.push(`tables: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    for (const name of created.reverse()) await store.command(`DROP TABLE IF EXISTS ${db}.${name}`, { name: 'bench:stage-ddl' }).catch(() => {});
    await store.command('SYSTEM START MERGES', { name: 'bench:start-merges' }).catch(() => {});
  }
  return { spans, encode, jsonEncodeCpuSecondsPerMillion: jsonEncode, ...(commit ? { commit } : {}), tables, views, projections, errors };
}

async function main() {
  const opts = JSON.parse(process.argv[2]!) as LimitOptions;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-bench-limit-'));
  const store = await openStore(loadConfig({ EVENTSCOPE_DATA_DIR: dataDir }));
  try {
    const rows = poolRows(opts.pool);
    const runs: LimitRun[] = [];
    runs.push(await timed('store.insertSpans (as the collector writes)', batches(rows, opts.spans, opts.batchSpans), (b) => store.insertSpans(b)));
    // later rounds, so these rows do not repeat the ones above
    let round = roundAfter(1, opts.spans, rows.length);
    let rowBinaryError: string | undefined;
    if (opts.rowBinarySpans > 0) {
      try {
        const insert = await rowBinaryInserter(store, dataDir);
        runs.push(await timed('RowBinary, generated encoder (tmpfs file, no resources step)', batches(rows, opts.rowBinarySpans, opts.batchSpans, round), insert));
      } catch (err) {
        rowBinaryError = (err as Error).message.split('\n')[0];
      }
      round = roundAfter(round, opts.rowBinarySpans, rows.length);
    }
    const [count] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${store.database}.spans`, { name: 'bench:count' });
    const [parts] = await store.query<{ p: string }>(
      `SELECT count() AS p FROM system.parts WHERE database = {db:String} AND table = 'spans' AND active`,
      { name: 'bench:parts', params: { db: store.database } },
    );
    const stages = opts.stageSpans > 0 ? await measureStages(store, rows, opts, round) : undefined;
    const result: LimitResult = {
      runs,
      storedSpans: Number(count!.n),
      parts: Number(parts!.p),
      peakRssBytes: peakRss(),
      ...(stages ? { stages } : {}),
      ...(rowBinaryError ? { rowBinaryError } : {}),
    };
    await new Promise<void>((resolve) => process.send!(result, undefined, {}, () => resolve()));
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runAsChild(main);
