// The merge policy (lib/store/merge-policy.ts): EVENTSCOPE_MERGE_SELECTOR_BASE reaches every
// MergeTree-family table of the database at start — a fresh one silently, a changed value with one
// log line — and 0 gives the tables back to the engine's own policy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config/index.js';
import { openStore, type Store } from '../../lib/store/index.js';
import { mergeSelectorBaseOf } from '../../lib/store/merge-policy.js';

async function baseByTable(store: Store): Promise<Map<string, number | undefined>> {
  const rows = await store.query<{ name: string; engine_full: string }>(
    `SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree'`,
    { name: 'test:merge-policy', params: { db: store.database } },
  );
  return new Map(rows.map((r) => [r.name, mergeSelectorBaseOf(r.engine_full)]));
}

describe('EVENTSCOPE_MERGE_SELECTOR_BASE', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-merge-policy-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const open = async (base?: string) => {
    const lines: string[] = [];
    const env: Record<string, string> = { EVENTSCOPE_DATA_DIR: dir };
    if (base !== undefined) env.EVENTSCOPE_MERGE_SELECTOR_BASE = base;
    const store = await openStore(loadConfig(env), { log: (l) => lines.push(l) });
    return { store, lines };
  };

  test('every table takes the default on a fresh database, a new value at the next start, 0 resets them', async () => {
    const first = await open();
    const fresh = await baseByTable(first.store);
    await first.store.close();
    assert.deepEqual(first.lines, [], 'a fresh database takes the policy silently');
    for (const table of ['spans', 'messaging_spans', 'call_spans', 'span_links', 'trace_index', 'resources', 'hops', 'hop_minutes', 'lag_cells']) {
      assert.equal(fresh.get(table), 10, `${table}: merge_selector_base 10`);
    }
    assert.ok([...fresh.values()].every((v) => v === 10), `every MergeTree table: ${JSON.stringify([...fresh])}`);

    const second = await open('16');
    const changed = await baseByTable(second.store);
    await second.store.close();
    assert.ok([...changed.values()].every((v) => v === 16), JSON.stringify([...changed]));
    assert.equal(second.lines.length, 1, second.lines.join('\n'));
    assert.match(second.lines[0]!, new RegExp(`EVENTSCOPE_MERGE_SELECTOR_BASE changed from 10 to 16: applied to ${changed.size} tables`));

    const same = await open('16');
    await same.store.close();
    assert.deepEqual(same.lines, [], 'the same value again changes nothing');

    const reset = await open('0');
    const engine = await baseByTable(reset.store);
    await reset.store.close();
    assert.ok([...engine.values()].every((v) => v === undefined), JSON.stringify([...engine]));
    assert.match(reset.lines.join('\n'), /changed from 16 to the engine's default: applied to \d+ tables/);
  });

  test("a table's engine description is read for the setting, quoted or not", () => {
    assert.equal(mergeSelectorBaseOf("MergeTree ORDER BY x SETTINGS index_granularity = 8192, merge_selector_base = 10"), 10);
    assert.equal(mergeSelectorBaseOf("MergeTree ORDER BY x SETTINGS merge_selector_base = '2.5', ttl_only_drop_parts = 1"), 2.5);
    assert.equal(mergeSelectorBaseOf('MergeTree ORDER BY x SETTINGS index_granularity = 8192'), undefined);
  });
});
