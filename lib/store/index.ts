// The one ClickHouse client: embedded chDB (default, a local folder) or a server/cluster (URL).
// Same @clickhouse/client API and the same SQL in both modes.
import { createRequire } from 'node:module';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config/index.js';
import { lockDataDir } from './lock.js';
import { loadMigrations, onClusterOf } from './migrate.js';
import { assertSupportedVersion } from './version.js';
import { checkSchemaGeneration, recordSchemaGeneration } from './schema.js';
import { applyTtl } from './retention.js';
import { applyMergePolicy, spanWriteTables } from './merge-policy.js';
import { createRowInserter, createSpanWriter, type InsertFormat, type PreparedSpans, type SpanWriter } from './writer.js';
import type { Column } from './rowbinary.js';
import type { SpanRow } from './rows.js';
import { metrics } from '../metrics.js';

export type { InsertFormat, PreparedSpans } from './writer.js';

export type StoreMode = 'embedded' | 'server';
export type QueryParams = Record<string, unknown>;

export interface QueryOptions {
  /** short name for logs and system.query_log (log_comment) */
  name: string;
  params?: QueryParams;
  signal?: AbortSignal;
}

export interface Store {
  readonly mode: StoreMode;
  readonly database: string;
  readonly client: ClickHouseClient;
  /** Runs a SELECT with ClickHouse parameters ({name:Type}) and returns JSON rows. */
  query<T = Record<string, unknown>>(sql: string, opts: QueryOptions): Promise<T[]>;
  command(sql: string, opts?: Partial<QueryOptions>): Promise<void>;
  /** how span rows reach the engine, chosen at start: RowBinary, or JSONEachRow when that is refused */
  readonly insertFormat: InsertFormat;
  /** span commits that run side by side (the collector keeps this many inserts in flight) */
  readonly insertLanes: number;
  /** Encodes span rows for one insert (synchronous, on the JS thread) and collects their resources. */
  prepareSpans(rows: readonly SpanRow[]): PreparedSpans;
  /** Inserts a prepared batch (its new resources first); resolves only when ClickHouse has committed it. */
  commitSpans(prepared: PreparedSpans): Promise<void>;
  /** prepareSpans + commitSpans. */
  insertSpans(rows: readonly SpanRow[]): Promise<void>;
  /**
   * Inserts JSON rows (JSONEachRow shape) into one of Eventscope's own tables — the pairing pass's
   * writes; resolves when committed. Embedded, chDB gets the bytes as one Buffer (through
   * @clickhouse/client its connection pastes the body into the SQL text, several times the CPU).
   */
  insertRows(table: string, rows: readonly object[], opts?: { name?: string }): Promise<void>;
  /**
   * The same rows in the binary format the store writes spans in (Native or RowBinary, lib/store/
   * writer.ts createRowInserter), else as insertRows: every row has the same keys, values in JSON
   * output's shape.
   */
  insertRowsBinary(table: string, rows: ReadonlyArray<Record<string, unknown>>, opts?: { name?: string }): Promise<void>;
  version(): Promise<string>;
  close(): Promise<void>;
}

export interface StoreTiming {
  name: string;
  ms: number;
}

/** Embedded: span commits that run side by side, each on its own chDB connection. */
const INSERT_LANES = 2;
/** Embedded: queries that run side by side, each on its own chDB connection. */
const QUERY_LANES = 2;

const SETTINGS = {
  // 64-bit values (nanosecond times, offsets, counts) stay exact in JSON output
  output_format_json_quote_64bit_integers: 1,
  // the hop model's tables are read with FINAL: let their bloom indexes (trace ids, span and
  // message keys) skip granules there too
  use_skip_indexes_if_final: 1,
  date_time_input_format: 'best_effort',
  // times come back as UTC text whatever the machine's zone (lib/datetime64.ts reads them as UTC,
  // and minutes and hours are UTC ones)
  session_timezone: 'UTC',
} as const;

export async function openStore(
  config: Config,
  opts: { onQuery?: (t: StoreTiming) => void; log?: (msg: string) => void } = {},
): Promise<Store> {
  const s = config.store;
  let client: ClickHouseClient;
  /** clients queries run on, the least busy first (embedded: one per chDB connection; a server: one) */
  let queryClients: ClickHouseClient[] = [];
  let chdb: import('chdb/connection').ChdbExtension | undefined;
  /** embedded: the span writer's own connections to the same folder (see below) */
  let writerChdb: Array<import('chdb/connection').ChdbExtension> | undefined;
  let closeWriterConnections = async () => {};
  let release = () => {};
  if (s.mode === 'embedded') {
    release = lockDataDir(s.dataDir);
    try {
      // chdb/connection is CommonJS-only; load it lazily so server mode never touches the native lib.
      const { createChdbConnection } = createRequire(import.meta.url)('chdb/connection') as typeof import('chdb/connection');
      const connection = createChdbConnection({ path: s.dataDir });
      chdb = connection.chdb;
      // Queries get QUERY_LANES connections (the first also serves row inserts): a handler's
      // queries in Promise.all, and the pairing pass beside the API, then use both cores.
      const extra = Array.from({ length: QUERY_LANES - 1 }, () => createChdbConnection({ path: s.dataDir }));
      queryClients = extra.map((c) => createClient({ connection: c, clickhouse_settings: SETTINGS } as Parameters<typeof createClient>[0]));
      // chDB runs one query at a time per connection; connections to the same folder share one
      // engine and run side by side. Span inserts get connections of their own (INSERT_LANES: two
      // commits in flight), so the pairing pass's and the API's queries do not queue behind them,
      // nor they behind the queries, and the engine inserts one batch while it finishes another.
      const writers = Array.from({ length: INSERT_LANES }, () => createChdbConnection({ path: s.dataDir }));
      writerChdb = writers.map((w) => w.chdb);
      closeWriterConnections = async () => {
        for (const w of writers) await w.close();
      };
      client = createClient({
        connection,
        clickhouse_settings: SETTINGS,
      } as Parameters<typeof createClient>[0]);
      queryClients = [client, ...queryClients];
    } catch (err) {
      release();
      throw err;
    }
  } else {
    await probeServer(s);
    client = createClient({
      url: s.url,
      username: s.user,
      password: s.password,
      clickhouse_settings: SETTINGS,
      request_timeout: 60_000,
    });
    queryClients = [client];
  }
  const busy = new Map<ClickHouseClient, number>(queryClients.map((c) => [c, 0]));
  /** Runs `f` on the query client with the fewest queries in flight. */
  const onLane = async <T>(f: (c: ClickHouseClient) => Promise<T>): Promise<T> => {
    let c = queryClients[0]!;
    for (const k of queryClients) if (busy.get(k)! < busy.get(c)!) c = k;
    busy.set(c, busy.get(c)! + 1);
    try {
      return await f(c);
    } finally {
      busy.set(c, busy.get(c)! - 1);
    }
  };

  const database = s.database;
  let spanWriter: SpanWriter | undefined;
  let rowInserter: ReturnType<typeof createRowInserter> | undefined;
  const writer = () => {
    if (!spanWriter) throw new Error('the store is not open yet');
    return spanWriter;
  };
  const timed = (name: string, t0: number) => {
    const ms = performance.now() - t0;
    const m = metrics();
    m.storeQuerySeconds.inc({ query: name }, ms / 1000);
    m.storeQueries.inc({ query: name });
    opts.onQuery?.({ name, ms });
  };
  const store: Store = {
    mode: s.mode,
    database,
    client,
    async query<T>(sql: string, o: QueryOptions): Promise<T[]> {
      const t0 = performance.now();
      const rows = await onLane(async (c) => {
        const rs = await c.query({
          query: sql,
          query_params: o.params,
          format: 'JSONEachRow',
          abort_signal: o.signal,
          clickhouse_settings: { log_comment: `eventscope:${o.name}` },
        });
        return (await rs.json()) as T[];
      });
      timed(o.name, t0);
      return rows;
    },
    async command(sql: string, o: Partial<QueryOptions> = {}) {
      const t0 = performance.now();
      await onLane((c) =>
        c.command({
          query: sql,
          query_params: o.params,
          clickhouse_settings: { log_comment: `eventscope:${o.name ?? 'command'}` },
        }),
      );
      timed(o.name ?? 'command', t0);
    },
    get insertFormat() {
      return writer().format;
    },
    get insertLanes() {
      return writer().lanes;
    },
    prepareSpans(rows) {
      return writer().prepare(rows);
    },
    commitSpans(prepared) {
      return writer().commit(prepared);
    },
    async insertRows(table, rows, o = {}) {
      if (rows.length === 0) return;
      const t0 = performance.now();
      const settings = { date_time_input_format: 'best_effort', input_format_skip_unknown_fields: 0 } as const;
      if (chdb) {
        let body = '';
        for (const r of rows) body += JSON.stringify(r) + '\n';
        await chdb.rawInsert({ table: `${database}.${table}`, values: Buffer.from(body), format: 'JSONEachRow', settings });
      } else {
        await client.insert({ table: `${database}.${table}`, values: rows as object[], format: 'JSONEachRow', clickhouse_settings: settings });
      }
      timed(o.name ?? `insert:${table}`, t0);
    },
    async insertRowsBinary(table, rows, o = {}) {
      if (rows.length === 0) return;
      if (writer().format === 'JSONEachRow') return store.insertRows(table, rows, o);
      const t0 = performance.now();
      await rowInserter!.insert(table, rows);
      timed(o.name ?? `insert:${table}`, t0);
    },
    async insertSpans(rows) {
      const w = writer();
      return w.commit(w.prepare(rows));
    },
    async version() {
      const [row] = await store.query<{ v: string }>('SELECT version() AS v', { name: 'version' });
      return row!.v;
    },
    async close() {
      try {
        spanWriter?.close();
        await closeWriterConnections();
        for (const c of queryClients.slice(1)) await c.close();
        await client.close();
      } finally {
        release();
      }
    },
  };

  try {
    assertSupportedVersion(await store.version());
    await migrate(store, config, opts.log ?? console.log);
    const columns = (table: string) =>
      store.query<Column & { default_kind: string }>(
        `SELECT name, type, default_kind FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position`,
        { name: 'store:columns', params: { db: database, table } },
      );
    spanWriter = await createSpanWriter({ database, client, chdb: writerChdb, columns }, { businessKeys: config.businessKeys });
    rowInserter = createRowInserter({ database, client, chdb, columns }, spanWriter.format === 'JSONEachRow' ? 'RowBinary' : spanWriter.format);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

/** A ClickHouse server that cannot be reached or used at all (wrong URL, credentials …). */
export class StoreUnreachableError extends Error {
  override name = 'StoreUnreachableError';
}

/**
 * Asks a server its version with no settings attached: an old server would refuse the settings
 * every later query carries ("Unknown setting …") before we could tell its version is too old.
 */
async function probeServer(s: { url: string; user: string; password: string }): Promise<void> {
  const probe = createClient({
    url: s.url,
    username: s.user,
    password: s.password,
    request_timeout: 10_000,
    log: { level: ClickHouseLogLevel.OFF }, // the error below says it once, plainly
  });
  let version: string;
  try {
    const rs = await probe.query({ query: 'SELECT version()', format: 'TabSeparated' });
    version = (await rs.text()).trim();
  } catch (err) {
    throw new StoreUnreachableError(`Cannot use the ClickHouse server at ${s.url}: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await probe.close();
  }
  assertSupportedVersion(version);
}

async function migrate(store: Store, config: Config, log: (msg: string) => void): Promise<void> {
  const cluster = config.store.mode === 'server' ? config.store.cluster : undefined;
  await store.command(`CREATE DATABASE IF NOT EXISTS ${store.database}${onClusterOf(cluster)}`, { name: 'migrate' });
  await checkSchemaGeneration(store, config.store.mode === 'embedded' ? { mode: 'embedded', dataDir: config.store.dataDir } : { mode: 'server', url: config.store.url });
  const target = { database: store.database, cluster, ttlDays: config.ttlDays };
  // read once: the TTL clauses and the write path's tables come from the same statements
  const migrations = loadMigrations(target);
  for (const m of migrations) {
    for (const statement of m.statements) {
      await store.command(statement, { name: `migrate:${m.name}` });
    }
  }
  await recordSchemaGeneration(store);
  // existing tables keep the TTL they were created with unless told: EVENTSCOPE_TTL_DAYS changed
  await applyTtl(store, target, log, migrations);
  // how often the write path's parts are rewritten by merges (half of its CPU with the engine's default)
  await applyMergePolicy(store, target, spanWriteTables(migrations), config.mergeSelectorBase, log);
}
