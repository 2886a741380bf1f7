// Data that stays and goes as configured: the TTL of every table follows EVENTSCOPE_TTL_DAYS at
// each start (the migrations create tables IF NOT EXISTS, so their TTL clause reaches only a new
// table), and a disk budget (EVENTSCOPE_MAX_DISK_GB) drops whole days, oldest first, when the
// store's active parts grow beyond it.
import { metrics } from '../metrics.js';
import { noteDaysDropped, noteRetentionProblem } from '../status.js';
import type { Store } from './index.js';
import { loadMigrations, onClusterOf, TABLE_NAME, ttlClauses, type Migration, type MigrationTarget } from './migrate.js';

type Log = (msg: string) => void;

/** a day partition's id as system.parts lists it (PARTITION BY a Date: YYYYMMDD) */
const DAY_PARTITION_ID = /^\d{8}$/;

/** The days of a table's TTL clause (`… + toIntervalDay(30)`, `… + toIntervalDay(30 + 1)` → 30). */
export function ttlDaysOf(engineFull: string): number | undefined {
  const m = /\bTTL\b.*?toIntervalDay\((\d+)/.exec(engineFull);
  return m ? Number(m[1]) : undefined;
}

/**
 * Brings every table that has a TTL to `t.ttlDays` (`ALTER TABLE … MODIFY TTL`, the clause the
 * migrations would create it with; on a cluster the `_local` tables, ON CLUSTER — Distributed
 * tables hold no data). Logs one line when the TTL changed. Returns the tables altered.
 */
export async function applyTtl(
  store: Pick<Store, 'query' | 'command' | 'database'>,
  t: MigrationTarget,
  log: Log,
  migrations: readonly Migration[] = loadMigrations(t),
): Promise<string[]> {
  const wanted = ttlClauses(migrations, t.database);
  const tables = await store.query<{ name: string; engine_full: string }>(
    `SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}`,
    { name: 'retention:ttl', params: { db: t.database, names: [...wanted.keys()] } },
  );
  const altered: string[] = [];
  const before = new Set<number>();
  for (const { name, engine_full } of tables) {
    const days = ttlDaysOf(engine_full);
    if (days === t.ttlDays || !TABLE_NAME.test(name)) continue;
    if (days !== undefined) before.add(days);
    await store.command(`ALTER TABLE ${t.database}.${name}${onClusterOf(t.cluster)} MODIFY TTL ${wanted.get(name)!}`, {
      name: 'retention:modify-ttl',
    });
    altered.push(name);
  }
  if (altered.length > 0) {
    const from = before.size > 0 ? [...before].sort((a, b) => a - b).join('/') : 'none';
    log(`[store] EVENTSCOPE_TTL_DAYS changed from ${from} to ${t.ttlDays} days: applied to ${altered.length} tables (${altered.join(', ')})`);
  }
  return altered;
}

export interface DiskBudgetOptions {
  database: string;
  cluster?: string;
  maxDiskBytes: number;
  log: Log;
  now?: () => Date;
}

export interface DiskCheck {
  /** bytes of the database's active parts after the check (and any drops) */
  bytes: number;
  /** the days dropped, oldest first (YYYY-MM-DD) */
  dropped: string[];
  /** still over the budget: only today's data (never dropped for the budget) is left */
  tooSmall: boolean;
}

interface PartitionRow {
  table: string;
  partition_id: string;
  bytes: string;
}

const gb = (n: number) => `${(n / 1024 ** 3).toFixed(n < 1024 ** 3 / 10 ? 4 : 2)} GB`;
const dayOfId = (id: string) => `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}`;
const idOfDate = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '');

/**
 * One check of the disk budget: sums the bytes of the database's active parts (system.parts, on the
 * server Eventscope is connected to) and, above the budget, drops the oldest day — that day's
 * partition of every table partitioned by day, so the spans, their resources, indexes and hops go
 * together — until it is within the budget. Today's data is never dropped: a budget smaller than one
 * day is reported instead.
 */
export async function checkDiskBudget(store: Pick<Store, 'query' | 'command'>, o: DiskBudgetOptions): Promise<DiskCheck> {
  const m = metrics();
  // every table with a day partition key: its partition ids are YYYYMMDD
  const rows = await store.query<PartitionRow>(
    `SELECT p.table AS table, p.partition_id AS partition_id, toString(sum(p.bytes_on_disk)) AS bytes
     FROM system.parts AS p
     WHERE p.database = {db:String} AND p.active
     GROUP BY p.table, p.partition_id`,
    { name: 'retention:parts', params: { db: o.database } },
  );
  let bytes = rows.reduce((n, r) => n + Number(r.bytes), 0);
  const days = new Map<string, { bytes: number; tables: Set<string> }>();
  for (const r of rows) {
    if (!DAY_PARTITION_ID.test(r.partition_id) || !TABLE_NAME.test(r.table)) continue;
    const day = days.get(r.partition_id) ?? { bytes: 0, tables: new Set<string>() };
    day.bytes += Number(r.bytes);
    day.tables.add(r.table);
    days.set(r.partition_id, day);
  }
  const today = idOfDate(o.now?.() ?? new Date());
  const dropped: string[] = [];
  for (const id of [...days.keys()].sort()) {
    if (bytes <= o.maxDiskBytes || id >= today) break;
    const day = days.get(id)!;
    for (const table of [...day.tables].sort()) {
      await store.command(`ALTER TABLE ${o.database}.${table}${onClusterOf(o.cluster)} DROP PARTITION ID {id:String}`, {
        name: 'retention:drop',
        params: { id },
      });
    }
    noteDaysDropped();
    bytes -= day.bytes;
    dropped.push(dayOfId(id));
    m.retentionDropped.inc();
    o.log(`[retention] over the disk budget (EVENTSCOPE_MAX_DISK_GB = ${gb(o.maxDiskBytes)}): dropped ${dayOfId(id)} (${gb(day.bytes)} in ${day.tables.size} tables); ${gb(bytes)} left`);
  }
  m.diskBytes.set(bytes);
  return { bytes, dropped, tooSmall: bytes > o.maxDiskBytes };
}

/** The periodic disk-budget check (right after start, then every `intervalMs`). */
export class DiskBudget {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<DiskCheck | undefined> | undefined;
  private stopped = false;
  private reportedTooSmall = false;
  lastError: string | null = null;

  constructor(
    private readonly store: Pick<Store, 'query' | 'command'>,
    private readonly opts: DiskBudgetOptions & { intervalMs: number },
  ) {}

  start(): void {
    const loop = (delay: number) => {
      if (this.stopped) return;
      this.timer = setTimeout(async () => {
        await this.check().catch(() => {});
        loop(this.opts.intervalMs);
      }, delay);
      this.timer.unref?.();
    };
    loop(0);
  }

  /** One check now (or joins the running one). */
  check(): Promise<DiskCheck | undefined> {
    this.running ??= this.checkOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async checkOnce(): Promise<DiskCheck | undefined> {
    try {
      const r = await checkDiskBudget(this.store, this.opts);
      this.lastError = null;
      if (r.tooSmall) {
        const problem = `The data on disk (${gb(r.bytes)}) is above EVENTSCOPE_MAX_DISK_GB (${gb(this.opts.maxDiskBytes)}) with only today's data left, which is never dropped for the budget: raise the budget.`;
        if (!this.reportedTooSmall) this.opts.log(`[retention] ${problem}`);
        this.reportedTooSmall = true;
        noteRetentionProblem(problem);
      } else {
        this.reportedTooSmall = false;
        noteRetentionProblem(undefined);
      }
      return r;
    } catch (err) {
      this.lastError = (err as Error)?.message ?? String(err);
      metrics().storeErrors.inc({ operation: 'retention' });
      this.opts.log(`[retention] disk budget check failed (will retry): ${this.lastError.split('\n')[0]}`);
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => {});
    noteRetentionProblem(undefined);
  }
}
