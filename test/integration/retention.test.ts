// Data that stays and goes as configured: EVENTSCOPE_TTL_DAYS changed between two starts reaches
// every existing table; above EVENTSCOPE_MAX_DISK_GB the oldest day is dropped (never today).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config/index.js';
import { openStore, type Store } from '../../lib/store/index.js';
import { checkDiskBudget, ttlDaysOf } from '../../lib/store/retention.js';
import { metrics } from '../../lib/metrics.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, type Span } from '../support/otlp.js';

const DAY_MS = 86_400_000;

async function ttlByTable(store: Store): Promise<Map<string, number | undefined>> {
  const rows = await store.query<{ name: string; create_table_query: string }>(
    `SELECT name, create_table_query FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree'`,
    { name: 'test:ttl', params: { db: store.database } },
  );
  return new Map(rows.map((r) => [r.name, ttlDaysOf(r.create_table_query)]));
}

describe('EVENTSCOPE_TTL_DAYS changed between starts', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-ttl-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every table that had a TTL has the new one, logged once; the same value again changes nothing', async () => {
    const open = async (days: string) => {
      const lines: string[] = [];
      const store = await openStore(loadConfig({ EVENTSCOPE_DATA_DIR: dir, EVENTSCOPE_TTL_DAYS: days }), { log: (l) => lines.push(l) });
      return { store, lines };
    };
    const first = await open('30');
    const before = await ttlByTable(first.store);
    // a row 10 days old: inside 30 days, outside 7
    await first.store.command(`INSERT INTO ${first.store.database}.resources (resource_key, day) VALUES (42, toDate({d:String}))`, {
      params: { d: new Date(Date.now() - 10 * DAY_MS).toISOString().slice(0, 10) },
    });
    await first.store.close();
    assert.deepEqual(first.lines, [], 'a first start has nothing to change');
    const withTtl = [...before].filter(([, d]) => d !== undefined).map(([n]) => n).sort();
    for (const table of ['spans', 'resources', 'trace_index', 'span_links', 'call_spans', 'messaging_spans', 'publish_keys', 'hops', 'hop_minutes', 'lag_cells', 'lag_cells_late', 'call_cells', 'hop_hours', 'hop_repeats', 'order_points', 'order_cells', 'order_inversions', 'broker_metrics']) {
      assert.ok(withTtl.includes(table), `${table} has a TTL`);
      assert.equal(before.get(table), 30);
    }

    const second = await open('7');
    const after = await ttlByTable(second.store);
    for (const table of withTtl) assert.equal(after.get(table), 7, `${table}: TTL of 7 days after the restart`);
    for (const [table, d] of after) if (!withTtl.includes(table)) assert.equal(d, undefined, `${table} still has no TTL`);
    assert.equal(second.lines.length, 1, second.lines.join('\n'));
    assert.match(second.lines[0]!, /EVENTSCOPE_TTL_DAYS changed from 30 to 7 days: applied to \d+ tables/);
    // resources keep their day of grace: TTL day + toIntervalDay(7 + 1)
    const [res] = await second.store.query<{ q: string }>(
      `SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = 'resources'`,
      { name: 'test', params: { db: second.store.database } },
    );
    assert.match(res!.q, /TTL day \+ toIntervalDay\(7 \+ 1\)/);
    // the 10-day-old row goes under the new TTL (materialized in the background)
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [r] = await second.store.query<{ n: string }>(`SELECT count() AS n FROM ${second.store.database}.resources WHERE resource_key = 42`, { name: 'test' });
      if (Number(r!.n) === 0) break;
      if (Date.now() > deadline) assert.fail('the row older than the new TTL is still there after 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    await second.store.close();

    const third = await open('7');
    assert.deepEqual(third.lines, [], 'an unchanged TTL alters nothing');
    await third.store.close();
  });
});

/** One trace per day offset (0 = now), each a publish and its delivery, so the hop tables fill too. */
function spansOverDays(offsets: number[]): { spans: Span[]; traceOf: Map<number, string> } {
  const spans: Span[] = [];
  const traceOf = new Map<number, string>();
  for (const d of offsets) {
    const t = clock(Date.now() - d * DAY_MS - 1_000);
    const attrs = { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders', 'messaging.consumer.group.name': 'billing' };
    const pub = t.span({ service: 'shop', name: 'orders send', kind: 'PRODUCER', attributes: attrs });
    const del = t.span({ service: 'billing', name: 'orders process', kind: 'CONSUMER', parent: pub, start: 5, attributes: attrs });
    spans.push(pub, del);
    traceOf.set(d, pub.traceId);
  }
  return { spans, traceOf };
}

async function spansOfTrace(es: TestEventscope, traceId: string): Promise<number> {
  const [r] = await es.store.query<{ n: string }>(`SELECT count() AS n FROM ${es.store.database}.spans WHERE trace_id = {t:String}`, {
    name: 'test',
    params: { t: traceId },
  });
  return Number(r!.n);
}

async function bytesByDay(store: Store): Promise<Map<string, number>> {
  const rows = await store.query<{ id: string; b: string }>(
    `SELECT partition_id AS id, toString(sum(bytes_on_disk)) AS b FROM system.parts WHERE database = {db:String} AND active GROUP BY id`,
    { name: 'test', params: { db: store.database } },
  );
  return new Map(rows.map((r) => [r.id, Number(r.b)]));
}

const dayId = (offset: number) => new Date(Date.now() - offset * DAY_MS - 1_000).toISOString().slice(0, 10).replaceAll('-', '');

describe('disk budget', () => {
  test('above the budget the oldest day goes, in every table, and the newer days stay', async () => {
    const es = await startTestEventscope({ EVENTSCOPE_DISK_CHECK_INTERVAL_MS: '3600000' });
    try {
      const { spans, traceOf } = spansOverDays([3, 2, 1, 0]);
      await es.sendSpans(spans);
      await es.collector.pairing!.sync();
      const byDay = await bytesByDay(es.store);
      const oldest = dayId(3);
      assert.ok((byDay.get(oldest) ?? 0) > 0, 'the oldest day has parts');
      const total = [...byDay.values()].reduce((a, b) => a + b, 0);
      // room for everything but the oldest day (and half of the next, for parts written meanwhile)
      const budget = total - byDay.get(oldest)! + Math.floor(byDay.get(dayId(2))! / 2);
      const droppedBefore = (await metrics().retentionDropped.get()).values[0]?.value ?? 0;
      const lines: string[] = [];
      const r = await checkDiskBudget(es.store, { database: es.store.database, maxDiskBytes: budget, log: (l) => lines.push(l) });

      assert.deepEqual(r.dropped, [`${oldest.slice(0, 4)}-${oldest.slice(4, 6)}-${oldest.slice(6)}`]);
      assert.equal(r.tooSmall, false);
      assert.ok(r.bytes <= budget);
      assert.equal(await spansOfTrace(es, traceOf.get(3)!), 0, 'the oldest day is gone');
      for (const d of [2, 1, 0]) assert.equal(await spansOfTrace(es, traceOf.get(d)!), 2, `day -${d} stays`);
      const after = await bytesByDay(es.store);
      assert.equal(after.has(oldest), false, 'no table keeps a part of the dropped day');
      for (const d of [2, 1, 0]) assert.ok(after.has(dayId(d)));
      const [hops] = await es.store.query<{ n: string }>(`SELECT count() AS n FROM ${es.store.database}.hops WHERE toDate(d_start) = toDate({d:String})`, {
        name: 'test',
        params: { d: r.dropped[0] },
      });
      assert.equal(Number(hops!.n), 0, 'the hops of the dropped day went with its spans');
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, new RegExp(`dropped ${r.dropped[0]} \\(`));
      assert.equal((await metrics().retentionDropped.get()).values[0]?.value ?? 0, droppedBefore + 1);
      assert.equal((await metrics().diskBytes.get()).values[0]?.value, r.bytes);

      // a late span for the dropped day finds its resource again (the writer had it cached as written)
      const late = spansOverDays([3]);
      await es.sendSpans(late.spans);
      const [res] = await es.store.query<{ n: string }>(
        `SELECT count() AS n FROM ${es.store.database}.resources WHERE day = toDate({d:String}) AND service_name IN ('shop', 'billing')`,
        { name: 'test', params: { d: r.dropped[0] } },
      );
      assert.equal(Number(res!.n), 2, 'both resources written again for the dropped day');
    } finally {
      await es.close();
    }
  });

  test('a budget smaller than one day drops every earlier day but never today, and health says why', async () => {
    const es = await startTestEventscope({ EVENTSCOPE_MAX_DISK_GB: '0.000001', EVENTSCOPE_DISK_CHECK_INTERVAL_MS: '3600000' });
    try {
      const { spans, traceOf } = spansOverDays([2, 1, 0]);
      await es.sendSpans(spans);
      const r = await es.collector.diskBudget!.check();
      assert.equal(r?.dropped.length, 2, JSON.stringify(r));
      assert.equal(r?.tooSmall, true);
      assert.equal(await spansOfTrace(es, traceOf.get(2)!), 0);
      assert.equal(await spansOfTrace(es, traceOf.get(1)!), 0);
      assert.equal(await spansOfTrace(es, traceOf.get(0)!), 2, "today's spans stay");
      const health = await es.api('/api/health');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'degraded');
      assert.match(health.body.reason, /above EVENTSCOPE_MAX_DISK_GB .* only today's data left.*raise the budget/);
    } finally {
      await es.close();
    }
  });
});
