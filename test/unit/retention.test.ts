// The TTL each table gets from the migrations (single node and cluster), read back from a table's DDL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMigrations, ttlClauses } from '../../lib/store/migrate.js';
import { ttlDaysOf } from '../../lib/store/retention.js';

const TABLES = ['spans', 'resources', 'trace_index', 'span_links', 'call_spans', 'messaging_spans', 'publish_keys', 'hops', 'hop_minutes', 'lag_cells', 'broker_metrics', 'pathway_minutes', 'alert_events', 'business_keys', 'hop_keys', 'lag_cells_late', 'call_cells', 'hop_hours', 'hop_repeats', 'order_points', 'order_cells', 'order_inversions'];

test('every table the migrations create with a TTL, with the configured days', () => {
  const single = ttlClauses(loadMigrations({ database: 'es', ttlDays: 7 }), 'es');
  assert.deepEqual([...single.keys()].sort(), [...TABLES].sort());
  assert.equal(single.get('spans'), 'toDateTime(timestamp) + toIntervalDay(7)');
  assert.equal(single.get('resources'), 'day + toIntervalDay(7 + 1)');
  for (const ttl of single.values()) assert.equal(ttlDaysOf(`TTL ${ttl}`), 7);
});

test('on a cluster the TTLs belong to the _local tables (the Distributed ones hold no data)', () => {
  const cluster = ttlClauses(loadMigrations({ database: 'es', cluster: 'c1', ttlDays: 30 }), 'es');
  assert.deepEqual([...cluster.keys()].sort(), TABLES.map((t) => `${t}_local`).sort());
  assert.equal(cluster.get('hops_local'), 'toDateTime(d_start) + toIntervalDay(30)');
});

test('ttlDaysOf reads the days from the engine clause', () => {
  assert.equal(ttlDaysOf('MergeTree PARTITION BY toDate(timestamp) ORDER BY x TTL toDateTime(timestamp) + toIntervalDay(30) SETTINGS a = 1'), 30);
  assert.equal(ttlDaysOf('ReplacingMergeTree PARTITION BY day ORDER BY k TTL day + toIntervalDay(7 + 1) SETTINGS a = 1'), 7);
  assert.equal(ttlDaysOf('ReplacingMergeTree ORDER BY k SETTINGS index_granularity = 8192'), undefined);
});
