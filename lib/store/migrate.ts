// Numbered migration files (lib/store/migrations/NNN_name.sql), rendered for the deployment
// (single node or cluster) and applied in order at start-up. Every statement is idempotent.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MigrationTarget {
  database: string;
  cluster?: string;
  ttlDays: number;
}

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const MIGRATIONS_DIR = path.join(here, 'migrations');

/** ` ON CLUSTER '<name>'` for a cluster, '' for one node: what every DDL statement of a target carries. */
export const onClusterOf = (cluster: string | undefined): string => (cluster ? ` ON CLUSTER '${cluster}'` : '');

/** A table name as system.tables lists Eventscope's own (safe to put into DDL text). */
export const TABLE_NAME = /^\w+$/;

/** Renders one migration file's text into executable statements for the target. */
export function renderMigration(sql: string, t: MigrationTarget): string[] {
  const cluster = t.cluster;
  const local = cluster ? '_local' : '';
  const onCluster = cluster ? `ON CLUSTER '${cluster}'` : '';
  const statements: string[] = [];
  for (const chunk of sql.split(/;\s*(?:\n|$)/)) {
    // `-- distributed: <table>` or `-- distributed: <table> by <sharding expression>` (default rand():
    // a table deduplicated by key, ReplacingMergeTree read with FINAL, needs its key's shard)
    const distributed = [...chunk.matchAll(/^--\s*distributed:\s*(\w+)(?:\s+by\s+(.+?))?\s*$/gm)].map((m) => ({ table: m[1]!, by: m[2] ?? 'rand()' }));
    const body = chunk
      .split('\n')
      .filter((line) => !line.trim().startsWith('--'))
      .join('\n')
      .trim();
    // A `-- distributed:` line follows the statement it belongs to, so it opens the next chunk.
    if (cluster) {
      for (const { table, by } of distributed) {
        statements.push(
          `CREATE TABLE IF NOT EXISTS ${t.database}.${table} ${onCluster} AS ${t.database}.${table}_local ` +
            `ENGINE = Distributed('${cluster}', '${t.database}', '${table}_local', ${by})`,
        );
      }
    }
    if (body) {
      statements.push(
        body
          .replaceAll('${db}', t.database)
          .replaceAll('${local}', local)
          .replaceAll('${onCluster}', onCluster)
          .replaceAll('${ttlDays}', String(t.ttlDays))
          .replace(/\$\{engine:(\w+)\}/g, (_, family: string) => (cluster ? `Replicated${family}` : family)),
      );
    }
  }
  return statements;
}

export function loadMigrations(t: MigrationTarget, dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number.parseInt(file.slice(0, 3), 10),
      name: file.replace(/\.sql$/, ''),
      statements: renderMigration(fs.readFileSync(path.join(dir, file), 'utf8'), t),
    }));
}

/**
 * The TTL each table is created with, from the rendered migrations: table name (as it is stored,
 * `<table>_local` on a cluster) → TTL expression. The migrations create tables `IF NOT EXISTS`, so
 * these clauses reach an existing table only through `MODIFY TTL` (lib/store/retention.ts).
 */
export function ttlClauses(migrations: readonly Migration[], database: string): Map<string, string> {
  const out = new Map<string, string>();
  const prefix = `${database}.`;
  for (const m of migrations) {
    for (const s of m.statements) {
      const table = /^CREATE TABLE IF NOT EXISTS (\S+)/.exec(s)?.[1];
      const ttl = /^TTL (.+)$/m.exec(s)?.[1]?.trim();
      if (table?.startsWith(prefix) && ttl) out.set(table.slice(prefix.length), ttl);
    }
  }
  return out;
}
