// How eagerly the engine merges the parts of Eventscope's tables (issue 9). Every insert writes a
// new part in each table it reaches (spans and the tables its views fill); the engine then merges
// parts in the background, rewriting each byte once per merge it takes part in. With the engine's
// default `merge_selector_base` (5) a span's bytes are rewritten about log5(day's part ÷ first
// part) times — 2.7 times within the first million spans of the benchmark — and merging costs as
// much CPU as the insert itself (docs/benchmarks.md). A larger base merges more parts at once and
// rewrites each byte fewer times, at the price of a few more active parts per partition for
// queries to open. Applied to every MergeTree-family table of the database at start (ALTER …
// MODIFY SETTING, ON CLUSTER in a cluster), so existing databases follow the configuration too;
// EVENTSCOPE_MERGE_SELECTOR_BASE=0 resets the tables to the engine's own policy.
import type { Store } from './index.js';

export const MERGE_SELECTOR_SETTING = 'merge_selector_base';

type Log = (msg: string) => void;

export interface MergePolicyTarget {
  database: string;
  cluster?: string;
}

const TABLE_NAME = /^\w+$/;
const SETTING_IN_ENGINE = new RegExp(`\\b${MERGE_SELECTOR_SETTING}\\s*=\\s*'?([0-9.]+)'?`);

/** The value set on a table (its `engine_full`), or undefined when it follows the engine's default. */
export function mergeSelectorBaseOf(engineFull: string): number | undefined {
  const m = SETTING_IN_ENGINE.exec(engineFull);
  return m ? Number(m[1]) : undefined;
}

/**
 * Sets `merge_selector_base` to `base` on every MergeTree-family table of the database that does
 * not have it yet (0: resets the tables that have one). Returns the tables changed. A server that
 * does not know the setting keeps its own policy, said once in the log.
 */
export async function applyMergePolicy(store: Pick<Store, 'query' | 'command'>, t: MergePolicyTarget, base: number, log: Log): Promise<string[]> {
  const [known] = await store.query<{ n: string }>(`SELECT count() AS n FROM system.merge_tree_settings WHERE name = {name:String}`, {
    name: 'merge-policy:supported',
    params: { name: MERGE_SELECTOR_SETTING },
  });
  if (Number(known?.n ?? 0) === 0) {
    if (base !== 0) log(`[store] this ClickHouse has no ${MERGE_SELECTOR_SETTING} setting: its tables merge with the server's own policy (EVENTSCOPE_MERGE_SELECTOR_BASE ignored)`);
    return [];
  }
  const tables = await store.query<{ name: string; engine_full: string }>(
    `SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree'`,
    { name: 'merge-policy:tables', params: { db: t.database } },
  );
  const onCluster = t.cluster ? ` ON CLUSTER '${t.cluster}'` : '';
  const changed: string[] = [];
  const before = new Set<number>();
  for (const { name, engine_full } of tables) {
    if (!TABLE_NAME.test(name)) continue;
    const current = mergeSelectorBaseOf(engine_full);
    if (base === 0 ? current === undefined : current === base) continue;
    if (current !== undefined) before.add(current);
    // `base` is a validated number (lib/config), never text from outside
    const clause = base === 0 ? `RESET SETTING ${MERGE_SELECTOR_SETTING}` : `MODIFY SETTING ${MERGE_SELECTOR_SETTING} = ${Number(base)}`;
    await store.command(`ALTER TABLE ${t.database}.${name}${onCluster} ${clause}`, { name: 'merge-policy:alter' });
    changed.push(name);
  }
  // a fresh database (or one from before this setting) takes it silently; a changed value is said
  if (before.size > 0) {
    const to = base === 0 ? "the engine's default" : String(base);
    log(`[store] EVENTSCOPE_MERGE_SELECTOR_BASE changed from ${[...before].sort((a, b) => a - b).join('/')} to ${to}: applied to ${changed.length} tables`);
  }
  return changed;
}
