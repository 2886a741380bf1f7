// How eagerly the engine merges the parts of the tables every span insert writes (issue 9). An
// insert writes a new part into `spans`, `resources`, `business_keys` and each table the views of
// `spans` fill; the engine then merges parts in the background, rewriting each byte once per merge
// it takes part in. With the engine's default `merge_selector_base` (5) a span's bytes were
// rewritten 2.7–2.9 times within the benchmark's first million spans, and merging cost as much
// CPU as the insert itself (docs/benchmarks.md). A larger base merges more parts at once and
// rewrites each byte fewer times, at the price of more active parts per partition. Those tables
// are read by time range (a timeline by key): a few more parts cost little. The hop model's
// tables (hops, minutes, lag cells, ordering) are written by the pairing pass, a fraction of the
// bytes, and read with FINAL by every view, where each part costs: they keep the engine's policy
// (with base 10 on every table the anomalies view took ×2.26 the time at 10M spans as at 1M; with
// it on the write path only ×1.56, as before the policy ×1.54).
// Applied at start (ALTER … MODIFY SETTING, ON CLUSTER in a cluster), so existing databases
// follow the configuration too; EVENTSCOPE_MERGE_SELECTOR_BASE=0 resets the tables to the
// engine's own policy.
import type { Store } from './index.js';
import { onClusterOf, TABLE_NAME, type Migration } from './migrate.js';

export const MERGE_SELECTOR_SETTING = 'merge_selector_base';

type Log = (msg: string) => void;

export interface MergePolicyTarget {
  database: string;
  cluster?: string;
}

/** The tables the span writer inserts into itself (lib/store/writer.ts). */
export const SPAN_WRITER_TABLES = ['spans', 'resources', 'business_keys'] as const;

const MV = /CREATE MATERIALIZED VIEW[\s\S]*?\bTO\s+(\w+)\.(\w+)[\s\S]*?\bFROM\s+\1\.(\w+)/;
const withoutLocal = (table: string) => table.replace(/_local$/, '');

/**
 * The tables a span insert writes: the writer's own and, following the materialized views of the
 * migrations (`TO target … FROM source`), every table fed from them. Names without `_local`.
 */
export function spanWriteTables(migrations: readonly Migration[]): Set<string> {
  const edges: Array<[string, string]> = [];
  for (const st of migrations.flatMap((m) => m.statements)) {
    const m = MV.exec(st);
    if (m) edges.push([withoutLocal(m[3]!), withoutLocal(m[2]!)]);
  }
  const out = new Set<string>(SPAN_WRITER_TABLES);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [from, to] of edges) if (out.has(from) && !out.has(to)) (out.add(to), (grew = true));
  }
  return out;
}

const SETTING_IN_ENGINE = new RegExp(`\\b${MERGE_SELECTOR_SETTING}\\s*=\\s*'?([0-9.]+)'?`);

/** The value set on a table (its `engine_full`), or undefined when it follows the engine's default. */
export function mergeSelectorBaseOf(engineFull: string): number | undefined {
  const m = SETTING_IN_ENGINE.exec(engineFull);
  return m ? Number(m[1]) : undefined;
}

/**
 * Sets `merge_selector_base` to `value` on each of `tables` (names without `_local`) that does not
 * have it yet (0: resets those that have one). Returns the tables changed. A server that does not
 * know the setting keeps its own policy, said once in the log.
 */
export async function applyMergePolicy(
  store: Pick<Store, 'query' | 'command'>,
  t: MergePolicyTarget,
  tables: ReadonlySet<string>,
  value: number,
  log: Log,
): Promise<string[]> {
  const [known] = await store.query<{ n: string }>(`SELECT count() AS n FROM system.merge_tree_settings WHERE name = {name:String}`, {
    name: 'merge-policy:supported',
    params: { name: MERGE_SELECTOR_SETTING },
  });
  if (Number(known?.n ?? 0) === 0) {
    if (value !== 0) log(`[store] this ClickHouse has no ${MERGE_SELECTOR_SETTING} setting: its tables merge with the server's own policy (EVENTSCOPE_MERGE_SELECTOR_BASE ignored)`);
    return [];
  }
  const found = await store.query<{ name: string; engine_full: string }>(
    `SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree'`,
    { name: 'merge-policy:tables', params: { db: t.database } },
  );
  const changed: string[] = [];
  const before = new Set<number>();
  for (const { name, engine_full } of found) {
    if (!TABLE_NAME.test(name) || !tables.has(withoutLocal(name))) continue;
    const current = mergeSelectorBaseOf(engine_full);
    if (value === 0 ? current === undefined : current === value) continue;
    if (current !== undefined) before.add(current);
    // `value` is a validated number (lib/config), never text from outside
    const clause = value === 0 ? `RESET SETTING ${MERGE_SELECTOR_SETTING}` : `MODIFY SETTING ${MERGE_SELECTOR_SETTING} = ${Number(value)}`;
    await store.command(`ALTER TABLE ${t.database}.${name}${onClusterOf(t.cluster)} ${clause}`, { name: 'merge-policy:alter' });
    changed.push(name);
  }
  // a fresh database (or one from before this setting) takes it silently; a changed value is said
  if (before.size > 0) {
    const to = value === 0 ? "the engine's default" : String(value);
    log(`[store] EVENTSCOPE_MERGE_SELECTOR_BASE changed from ${[...before].sort((a, b) => a - b).join('/')} to ${to}: applied to ${changed.length} tables`);
  }
  return changed;
}
