// Configuration validation, migration rendering for single node and cluster, version gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../../lib/config/index.js';
import { loadMigrations, renderMigration } from '../../lib/store/migrate.js';
import { assertSupportedVersion, compareVersions, MIN_CLICKHOUSE_VERSION } from '../../lib/store/version.js';

test('defaults: embedded store in ./data, standard OTLP ports, loopback', () => {
  const c = loadConfig({});
  assert.equal(c.store.mode, 'embedded');
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.otlpHttpPort, 4318);
  assert.equal(c.otlpGrpcPort, 4317);
  assert.equal(c.uiPort, 3000);
  assert.equal(c.maxBodyBytes, 32 * 1024 * 1024);
  assert.ok(c.dataDir.endsWith('/data'));
});

test('CLICKHOUSE_URL switches to server mode with credentials and cluster', () => {
  const c = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'u', CLICKHOUSE_PASSWORD: 'p', CLICKHOUSE_DATABASE: 'obs', CLICKHOUSE_CLUSTER: 'main' });
  assert.deepEqual(c.store, { mode: 'server', url: 'http://ch:8123', user: 'u', password: 'p', database: 'obs', cluster: 'main' });
});

test('bad values are refused with every problem named', () => {
  assert.throws(
    () => loadConfig({ EVENTSCOPE_OTLP_HTTP_PORT: '70000', CLICKHOUSE_DATABASE: 'x; DROP', EVENTSCOPE_BATCH_MAX_SPANS: '-1' }),
    (err: Error) =>
      err instanceof ConfigError &&
      /EVENTSCOPE_OTLP_HTTP_PORT/.test(err.message) &&
      /CLICKHOUSE_DATABASE: must be a plain identifier/.test(err.message) &&
      /EVENTSCOPE_BATCH_MAX_SPANS/.test(err.message),
  );
  assert.throws(() => loadConfig({ CLICKHOUSE_CLUSTER: 'main' }), /CLICKHOUSE_CLUSTER: needs CLICKHOUSE_URL/);
  assert.throws(() => loadConfig({ CLICKHOUSE_URL: 'ftp://x' }), ConfigError);
});

test('EVENTSCOPE_MERGE_SELECTOR_BASE: 10 by default, 0 or 2 to 100, anything else refused by name', () => {
  assert.equal(loadConfig({}).mergeSelectorBase, 10);
  assert.equal(loadConfig({ EVENTSCOPE_MERGE_SELECTOR_BASE: '0' }).mergeSelectorBase, 0);
  assert.equal(loadConfig({ EVENTSCOPE_MERGE_SELECTOR_BASE: '2.5' }).mergeSelectorBase, 2.5);
  assert.equal(loadConfig({ EVENTSCOPE_MERGE_SELECTOR_BASE: '100' }).mergeSelectorBase, 100);
  for (const bad of ['1', '1.9', '-5', '101', 'ten']) {
    assert.throws(() => loadConfig({ EVENTSCOPE_MERGE_SELECTOR_BASE: bad }), (err: Error) => err instanceof ConfigError && /EVENTSCOPE_MERGE_SELECTOR_BASE/.test(err.message), bad);
  }
  assert.throws(() => loadConfig({ EVENTSCOPE_MERGE_SELECTOR_BASE: '1' }), /must be 0 \(the engine's own merge policy\) or a number from 2 to 100/);
});

test('migrations render for a single node: plain engines, no ON CLUSTER, no Distributed', () => {
  const all = loadMigrations({ database: 'es', ttlDays: 7 }).flatMap((m) => m.statements);
  assert.ok(all.length >= 5);
  assert.ok(all.some((s) => /^CREATE TABLE IF NOT EXISTS es\.spans\s/.test(s) && /ENGINE = MergeTree\b/.test(s) && /toIntervalDay\(7\)/.test(s)));
  for (const s of all) {
    assert.doesNotMatch(s, /\$\{|ON CLUSTER|Replicated|Distributed|_local/);
  }
});

test('migrations render for a cluster: ON CLUSTER, Replicated engines, a Distributed table per queried table', () => {
  const sql = `CREATE TABLE IF NOT EXISTS \${db}.spans\${local} \${onCluster} (a UInt8) ENGINE = \${engine:MergeTree} ORDER BY a;
-- distributed: spans
CREATE MATERIALIZED VIEW IF NOT EXISTS \${db}.mv\${local} \${onCluster} TO \${db}.agg\${local} AS SELECT a FROM \${db}.spans\${local};`;
  assert.deepEqual(renderMigration(sql, { database: 'es', cluster: 'main', ttlDays: 30 }), [
    "CREATE TABLE IF NOT EXISTS es.spans_local ON CLUSTER 'main' (a UInt8) ENGINE = ReplicatedMergeTree ORDER BY a",
    "CREATE TABLE IF NOT EXISTS es.spans ON CLUSTER 'main' AS es.spans_local ENGINE = Distributed('main', 'es', 'spans_local', rand())",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS es.mv_local ON CLUSTER 'main' TO es.agg_local AS SELECT a FROM es.spans_local",
  ]);
  const all = loadMigrations({ database: 'es', cluster: 'c1', ttlDays: 30 }).flatMap((m) => m.statements);
  assert.ok(all.some((s) => s.includes("ENGINE = Distributed('c1', 'es', 'spans_local', rand())")));
  assert.ok(all.every((s) => !/ENGINE = (Aggregating|Replacing|Summing)?MergeTree\b/.test(s)), 'no unreplicated engine in cluster mode');
  // tables read with FINAL shard by their key, so every version of a row meets on one shard
  assert.ok(all.some((s) => s.includes("ENGINE = Distributed('c1', 'es', 'hops_local', cityHash64(consumer_group, destination, message_key))")));
  assert.ok(all.some((s) => /^CREATE TABLE IF NOT EXISTS es\.hops_local .*ENGINE = ReplicatedReplacingMergeTree\(version, deleted\)/s.test(s)));
});

test('servers older than the minimum are refused with the minimum named', () => {
  assert.equal(compareVersions('26.7.2.1', '24.3'), 1);
  assert.equal(compareVersions('24.3', '24.3.0.0'), 0);
  assert.equal(compareVersions('23.12.4', '24.3'), -1);
  assert.doesNotThrow(() => assertSupportedVersion('24.3.1.1'));
  assert.throws(() => assertSupportedVersion('23.8.9.54'), new RegExp(`ClickHouse 23.8.9.54 is too old for Eventscope: the schema needs ClickHouse ${MIN_CLICKHOUSE_VERSION} or newer`));
});
