// Schema generations: a layout change that the numbered migrations cannot apply to existing tables
// (a new sorting key, a row split into spans + resources) starts a new generation. A database is
// stamped with its generation in `schema_info` when it is migrated; at start a database of another
// generation — or with Eventscope tables but no `schema_info`, the first layout — is refused with
// one sentence that says what to do, instead of failing later on a missing column.
import type { Store } from './index.js';

/** The generation these migrations create. Bump it with any change existing tables cannot take. */
export const SCHEMA_GENERATION = 7;

/** Tables of the first layout (generation 1, before schema_info existed). */
const GENERATION_1_TABLES = ['spans', 'trace_index', 'span_links', 'edge_rollup_1m', 'call_spans', 'messaging_spans'];

export class SchemaGenerationError extends Error {
  override name = 'SchemaGenerationError';
}

export type SchemaPlace = { mode: 'embedded'; dataDir: string } | { mode: 'server'; url: string };

/** Resolves when the database is empty or of this generation; throws SchemaGenerationError otherwise. */
export async function checkSchemaGeneration(store: Pick<Store, 'query' | 'database'>, place: SchemaPlace): Promise<void> {
  const tables = new Set(
    (
      await store.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = {db:String}`, {
        name: 'schema:tables',
        params: { db: store.database },
      })
    ).map((t) => t.name.replace(/_local$/, '')),
  );
  let found: number | undefined;
  if (tables.has('schema_info')) {
    const rows = await store.query<{ generation: number }>(`SELECT DISTINCT generation FROM ${store.database}.schema_info`, {
      name: 'schema:generation',
    });
    // no row yet: a first migration of this generation was interrupted; it is finished now
    found = rows.map((r) => Number(r.generation)).find((g) => g !== SCHEMA_GENERATION);
  } else if (GENERATION_1_TABLES.some((t) => tables.has(t))) {
    found = 1;
  }
  if (found !== undefined) throw new SchemaGenerationError(generationMessage(store.database, place, found));
}

/** Stamps a migrated database with this generation (once). */
export async function recordSchemaGeneration(store: Pick<Store, 'query' | 'command' | 'database'>): Promise<void> {
  const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${store.database}.schema_info WHERE generation = {g:UInt32}`, {
    name: 'schema:generation',
    params: { g: SCHEMA_GENERATION },
  });
  if (Number(row?.n ?? 0) > 0) return;
  await store.command(`INSERT INTO ${store.database}.schema_info (generation) SELECT {g:UInt32}`, {
    name: 'schema:record',
    params: { g: SCHEMA_GENERATION },
  });
}

export function generationMessage(database: string, place: SchemaPlace, found: number): string {
  const older = found < SCHEMA_GENERATION;
  const which = `${older ? 'an earlier' : 'a newer'} Eventscope (schema generation ${found}, this one needs ${SCHEMA_GENERATION})`;
  if (place.mode === 'embedded') {
    return older
      ? `The data folder ${place.dataDir} was written by ${which}: stop Eventscope, move or delete that folder (or point EVENTSCOPE_DATA_DIR at a new one), then start again.`
      : `The data folder ${place.dataDir} was written by ${which}: run that newer Eventscope on it, or point EVENTSCOPE_DATA_DIR at a new folder.`;
  }
  return older
    ? `The ClickHouse database ${database} at ${place.url} was written by ${which}: stop every Eventscope using it, drop or rename that database (or set CLICKHOUSE_DATABASE to a new one), then start again.`
    : `The ClickHouse database ${database} at ${place.url} was written by ${which}: run that newer Eventscope on it, or set CLICKHOUSE_DATABASE to a new database.`;
}
