// The merge policy (lib/store/merge-policy.ts): EVENTSCOPE_MERGE_SELECTOR_BASE reaches every table a
// span insert writes at start — a fresh database silently, a changed value with one log line — the
// hop model's tables (read with FINAL) keep the engine's policy, and 0 gives every table back to it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config/index.js';
import { openStore, type Store } from '../../lib/store/index.js';
import { mergeSelectorBaseOf, spanWriteTables } from '../../lib/store/merge-policy.js';
import { loadMigrations } from '../../lib/store/migrate.js';
import { poolRows } from '../../bench/rows.js';

const WRITE_PATH = ['spans', 'resources', 'business_keys', 'trace_index', 'span_links', 'call_spans', 'messaging_spans', 'publish_keys'];

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

  test('the write path takes the default on a fresh database, a new value at the next start, 0 resets them; the hop model keeps the engine policy', async () => {
    const first = await open();
    const fresh = await baseByTable(first.store);
    // the tables one insert of workload spans (messaging spans with links, calls) writes rows into
    const rows = poolRows({ traces: 20, spansPerRequest: 100, startNs: (BigInt(Date.now() - 60_000) * 1_000_000n).toString() });
    await first.store.insertSpans(rows);
    const written = await first.store.query<{ table: string }>(
      `SELECT DISTINCT table FROM system.parts WHERE database = {db:String} AND active AND rows > 0 AND table != 'schema_info'`,
      { name: 'test:written', params: { db: first.store.database } },
    );
    await first.store.close();
    assert.deepEqual(first.lines, [], 'a fresh database takes the policy silently');
    const tuned = [...fresh].filter(([, v]) => v !== undefined).map(([t]) => t).sort();
    assert.deepEqual(tuned, [...WRITE_PATH].sort(), 'the tables the span insert writes, no others');
    assert.ok(tuned.every((t) => fresh.get(t) === 10));
    for (const t of written.map((w) => w.table)) assert.ok(tuned.includes(t), `${t} got rows from a span insert and merges with the write path's policy`);
    for (const t of ['hops', 'hop_minutes', 'lag_cells', 'order_inversions', 'order_points']) assert.equal(fresh.get(t), undefined, `${t}: the engine's policy`);

    const second = await open('16');
    const changed = await baseByTable(second.store);
    await second.store.close();
    assert.ok(WRITE_PATH.every((t) => changed.get(t) === 16), JSON.stringify([...changed]));
    assert.equal(second.lines.length, 1, second.lines.join('\n'));
    assert.match(second.lines[0]!, new RegExp(`EVENTSCOPE_MERGE_SELECTOR_BASE changed from 10 to 16: applied to ${WRITE_PATH.length} tables`));

    const same = await open('16');
    await same.store.close();
    assert.deepEqual(same.lines, [], 'the same value again changes nothing');

    const reset = await open('0');
    const engine = await baseByTable(reset.store);
    await reset.store.close();
    assert.ok([...engine.values()].every((v) => v === undefined), JSON.stringify([...engine]));
    assert.match(reset.lines.join('\n'), /changed from 16 to the engine's default: applied to \d+ tables/);
  });

  test('the write path is found by following the views of the migrations, for one node and a cluster', () => {
    const single = spanWriteTables(loadMigrations({ database: 'es', ttlDays: 30 }));
    assert.deepEqual([...single].sort(), [...WRITE_PATH].sort());
    const cluster = spanWriteTables(loadMigrations({ database: 'es', cluster: 'main', ttlDays: 30 }));
    assert.deepEqual([...cluster].sort(), [...WRITE_PATH].sort(), 'the _local tables of a cluster by their names');
    // a view on a view is followed; a view from elsewhere is not
    const extra = spanWriteTables([
      {
        version: 900,
        name: '900_extra',
        statements: [
          'CREATE MATERIALIZED VIEW IF NOT EXISTS es.a_mv TO es.a AS SELECT x FROM es.m',
          'CREATE MATERIALIZED VIEW IF NOT EXISTS es.m_mv TO es.m AS SELECT x FROM es.spans WHERE x IN (SELECT 1)',
          'CREATE MATERIALIZED VIEW IF NOT EXISTS es.b_mv TO es.b AS SELECT x FROM (SELECT * FROM es.hops)',
        ],
      },
    ]);
    assert.deepEqual([...extra].sort(), ['a', 'business_keys', 'm', 'resources', 'spans']);
  });

  test("a table's engine description is read for the setting, quoted or not", () => {
    assert.equal(mergeSelectorBaseOf("MergeTree ORDER BY x SETTINGS index_granularity = 8192, merge_selector_base = 10"), 10);
    assert.equal(mergeSelectorBaseOf("MergeTree ORDER BY x SETTINGS merge_selector_base = '2.5', ttl_only_drop_parts = 1"), 2.5);
    assert.equal(mergeSelectorBaseOf('MergeTree ORDER BY x SETTINGS index_granularity = 8192'), undefined);
  });
});
