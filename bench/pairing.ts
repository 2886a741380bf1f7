// The pairing pass (lib/hops/pairing.ts) over data the bench generated inside the engine: views read
// `hops`, `hop_minutes` and `lag_cells`, which only the pass writes, so the query section runs it to
// completion after each generated phase and reports its cost — wall time, CPU of this process (chDB
// runs in-process, so the engine's threads are in it), passes, hops written, and the time per SQL
// statement name. The store handed to the pass is wrapped so its commands and its `hops` insert are
// timed too (the store's own onQuery hook times only SELECTs).
import type { Store } from '../lib/store/index.js';
import { PairingPass } from '../lib/hops/pairing.js';

/** The pass's options as the embedded collector sets them (collector/index.ts), everything committed. */
export const PAIRING_OPTIONS = {
  lookbackMs: 86_400_000,
  lateWindowMs: 900_000,
  maxSpansPerPass: 200_000,
};

export interface PairingSql {
  name: string;
  calls: number;
  totalMs: number;
}

export interface PairingResult {
  /** spans generated in the phase this pairing covered */
  spans: number;
  /** of which messaging spans (the rows the pass reads) */
  messagingSpans: number;
  /** waited this long for the generation's merges to finish before starting (not in the figures) */
  settleS: number;
  /** merges still running when the wait gave up */
  mergesLeft: number;
  wallS: number;
  /** utime + stime of the whole process around sync() (all threads: Node and chDB) */
  cpuS: number;
  cpuSecondsPerMillion: number;
  /** the pass's own account (PairingStats.cpuMicros), for comparison */
  passCpuS: number;
  passes: number;
  hopsWritten: number;
  /** rows after the pass (FINAL, live rows): the views' tables are not empty */
  tables: { hops: number; hopMinutes: number; lagCells: number };
  /** the pairing's SQL by statement name, slowest first */
  sql: PairingSql[];
  error?: string;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/** A view of the store whose query, command and client.insert calls are timed into `record`. */
export function timedStore(store: Store, record: (name: string, ms: number) => void): Store {
  const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      record(name, performance.now() - t0);
    }
  };
  const client = new Proxy(store.client, {
    get(target, key) {
      if (key === 'insert') {
        return (args: { table: string }) => time(`insert ${args.table.split('.').pop()}`, () => (target as any).insert(args));
      }
      const v = (target as any)[key];
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return new Proxy(store, {
    get(target, key) {
      if (key === 'query') return (sql: string, o: { name: string }) => time(o.name, () => target.query(sql, o as any));
      if (key === 'command') return (sql: string, o: { name?: string } = {}) => time(o.name ?? 'command', () => target.command(sql, o as any));
      if (key === 'client') return client;
      if (key === 'insertRowsBinary')
        return (table: string, rows: unknown[], o: { name?: string } = {}) =>
          time(o.name ?? `insert ${table}`, () => (target.insertRowsBinary as (...a: unknown[]) => Promise<void>)(table, rows, o));
      return Reflect.get(target, key);
    },
  });
}

/** Waits (at most maxS) until no merge runs in the store's database; returns the wait and what is left. */
export async function settleMerges(store: Store, maxS: number): Promise<{ settleS: number; mergesLeft: number }> {
  const t0 = performance.now();
  let left = 0;
  for (;;) {
    const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM system.merges WHERE database = {db:String}`, {
      name: 'bench:merges',
      params: { db: store.database },
    });
    left = Number(row?.n ?? 0);
    if (left === 0 || performance.now() - t0 > maxS * 1000) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { settleS: (performance.now() - t0) / 1000, mergesLeft: left };
}

/**
 * A pairing pass over one store for the whole bench run: the same instance pairs every phase
 * (its watermark and known consumer groups carry over, as in a running collector).
 */
export class BenchPairing {
  readonly pass: PairingPass;
  private sql = new Map<string, PairingSql>();

  constructor(private readonly store: Store) {
    const timed = timedStore(store, (name, ms) => {
      let s = this.sql.get(name);
      if (!s) this.sql.set(name, (s = { name, calls: 0, totalMs: 0 }));
      s.calls++;
      s.totalMs += ms;
    });
    // every generated row is committed when sync() starts
    this.pass = new PairingPass(timed, { committedBefore: () => Date.now(), ...PAIRING_OPTIONS });
  }

  /** Pairs everything committed so far; `spans` is what was generated since the last call. */
  async run(spans: number, log: (msg: string) => void = () => {}, o: { settle?: boolean; tables?: boolean } = {}): Promise<PairingResult> {
    const db = this.store.database;
    const [pending] = await this.store.query<{ n: string }>(
      `SELECT count() AS n FROM ${db}.messaging_spans WHERE ingested_at >= fromUnixTimestamp64Milli({w:Int64})`,
      { name: 'bench:pending', params: { w: this.pass.stats.watermarkMs } },
    );
    const settle = o.settle === false ? { settleS: 0, mergesLeft: 0 } : await settleMerges(this.store, 60);
    this.sql = new Map();
    const s0 = { ...this.pass.stats };
    const progress = setInterval(() => log(`pairing: ${this.pass.stats.passes - s0.passes} passes, ${this.pass.stats.hopsWritten - s0.hopsWritten} hops so far`), 30_000);
    const t0 = performance.now();
    const c0 = cpuNow();
    let error: string | undefined;
    try {
      await this.pass.sync();
    } catch (err) {
      error = (err as Error).message?.split('\n')[0] ?? String(err);
    } finally {
      clearInterval(progress);
    }
    const wallS = (performance.now() - t0) / 1000;
    const cpuS = cpuNow() - c0;
    const s = this.pass.stats;
    const [rows] = o.tables === false ? [undefined] : await this.store.query<{ h: string; m: string; l: string }>(
      `SELECT (SELECT count() FROM ${db}.hops FINAL WHERE deleted = 0) AS h,
              (SELECT count() FROM ${db}.hop_minutes FINAL WHERE deleted = 0) AS m,
              (SELECT count() FROM ${db}.lag_cells FINAL WHERE deleted = 0) AS l`,
      { name: 'bench:pairing-tables' },
    );
    return {
      spans,
      messagingSpans: Number(pending?.n ?? 0),
      ...settle,
      wallS,
      cpuS,
      cpuSecondsPerMillion: spans > 0 ? cpuS / (spans / 1e6) : 0,
      passCpuS: (s.cpuMicros - s0.cpuMicros) / 1e6,
      passes: s.passes - s0.passes,
      hopsWritten: s.hopsWritten - s0.hopsWritten,
      tables: { hops: Number(rows?.h ?? 0), hopMinutes: Number(rows?.m ?? 0), lagCells: Number(rows?.l ?? 0) },
      sql: [...this.sql.values()].sort((a, b) => b.totalMs - a.totalMs).map((x) => ({ ...x, totalMs: Math.round(x.totalMs) })),
      ...(error ? { error } : {}),
    };
  }
}

export interface BatchedPairingResult {
  /** spans stored before the first appended batch */
  storedSpans: number;
  spans: number;
  batches: number;
  batchSpans: number;
  /** generation of the batches (not in the figures below) */
  generateCpuS: number;
  wallS: number;
  cpuS: number;
  cpuSecondsPerMillion: number;
  passes: number;
  hopsWritten: number;
  /** one pass, per batch: median and slowest wall time */
  passMedianMs: number;
  passMaxMs: number;
  sql: PairingSql[];
  error?: string;
}

/**
 * The pass at the collector's cadence on a store that already holds the bench's data: `spans` new
 * spans appended in collector-sized batches, the pass run after each (a running collector runs one
 * per batch interval, each over a few batches). `generate(firstTrace, traces)` appends traces.
 */
export async function measureBatchedPairing(
  store: Store,
  pairing: BenchPairing,
  opts: { storedSpans: number; batches: number; batchSpans: number; generate: (batch: number) => Promise<number> },
  log: (msg: string) => void = () => {},
): Promise<BatchedPairingResult> {
  let cpuS = 0;
  let wallS = 0;
  let generateCpuS = 0;
  let spans = 0;
  let passes = 0;
  let hops = 0;
  const passMs: number[] = [];
  const sql = new Map<string, PairingSql>();
  let error: string | undefined;
  for (let b = 0; b < opts.batches; b++) {
    const c0 = cpuNow();
    const n = await opts.generate(b);
    generateCpuS += cpuNow() - c0;
    spans += n;
    const r = await pairing.run(n, undefined, { settle: false, tables: false });
    cpuS += r.cpuS;
    wallS += r.wallS;
    passes += r.passes;
    hops += r.hopsWritten;
    passMs.push(r.wallS * 1000);
    for (const s of r.sql) {
      const x = sql.get(s.name) ?? { name: s.name, calls: 0, totalMs: 0 };
      x.calls += s.calls;
      x.totalMs += s.totalMs;
      sql.set(s.name, x);
    }
    if (r.error) {
      error = r.error;
      break;
    }
    if (b % 5 === 4) log(`pairing at the collector's cadence: ${b + 1}/${opts.batches} batches, ${(cpuS / (spans / 1e6)).toFixed(1)} CPU-s per 1M so far`);
  }
  passMs.sort((a, b) => a - b);
  return {
    storedSpans: opts.storedSpans,
    spans,
    batches: passMs.length,
    batchSpans: opts.batchSpans,
    generateCpuS,
    wallS,
    cpuS,
    cpuSecondsPerMillion: spans > 0 ? cpuS / (spans / 1e6) : 0,
    passes,
    hopsWritten: hops,
    passMedianMs: passMs[Math.floor((passMs.length - 1) / 2)] ?? 0,
    passMaxMs: passMs.at(-1) ?? 0,
    sql: [...sql.values()].sort((a, b) => b.totalMs - a.totalMs).map((x) => ({ ...x, totalMs: Math.round(x.totalMs) })),
    ...(error ? { error } : {}),
  };
}
