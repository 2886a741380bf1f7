// The schema generation check: a fresh folder is stamped with this generation; a folder of the first
// layout (Eventscope tables, no schema_info) or of another generation is refused at start with one
// sentence saying what to do, and `npm run collector` prints just that sentence and exits 2.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config/index.js';
import { openStore } from '../../lib/store/index.js';
import { SCHEMA_GENERATION, SchemaGenerationError, generationMessage } from '../../lib/store/schema.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-schema-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const config = loadConfig({ EVENTSCOPE_DATA_DIR: dataDir });

async function generations(): Promise<number[]> {
  const store = await openStore(config);
  try {
    const rows = await store.query<{ generation: number }>(`SELECT generation FROM ${store.database}.schema_info ORDER BY generation`, { name: 'test' });
    return rows.map((r) => Number(r.generation));
  } finally {
    await store.close();
  }
}

/** Opens the folder's database without Eventscope's checks and runs statements on it. */
async function tamper(...statements: string[]): Promise<void> {
  const { createRequire } = await import('node:module');
  const { createChdbConnection } = createRequire(import.meta.url)('chdb/connection') as typeof import('chdb/connection');
  const c = createChdbConnection({ path: dataDir });
  try {
    for (const s of statements) await c.chdb.queryAsync(s);
  } finally {
    await c.close();
  }
}

test('a fresh folder is stamped with this generation once, and opens again', async () => {
  assert.equal(SCHEMA_GENERATION, 7);
  assert.deepEqual(await generations(), [SCHEMA_GENERATION]);
  assert.deepEqual(await generations(), [SCHEMA_GENERATION], 'reopening adds no second row');
});

test('another generation is refused with one sentence naming it and what to do', async () => {
  const newer = SCHEMA_GENERATION + 1;
  await tamper(`INSERT INTO eventscope.schema_info (generation) VALUES (${newer})`);
  await assert.rejects(openStore(config), (err: Error) => {
    assert.ok(err instanceof SchemaGenerationError);
    assert.equal(err.message, generationMessage('eventscope', { mode: 'embedded', dataDir }, newer));
    assert.match(err.message, new RegExp(`written by a newer Eventscope \\(schema generation ${newer}, this one needs ${SCHEMA_GENERATION}\\)`));
    return true;
  });
  await tamper(`TRUNCATE TABLE eventscope.schema_info`, `INSERT INTO eventscope.schema_info (generation) VALUES (${SCHEMA_GENERATION})`);
  assert.deepEqual(await generations(), [SCHEMA_GENERATION]);
});

test('the first layout (tables, no schema_info) is refused, and npm run collector says so in one line', async () => {
  await tamper(`DROP TABLE eventscope.schema_info`);
  const expected = `The data folder ${dataDir} was written by an earlier Eventscope (schema generation 1, this one needs ${SCHEMA_GENERATION}): stop Eventscope, move or delete that folder (or point EVENTSCOPE_DATA_DIR at a new one), then start again.`;
  await assert.rejects(openStore(config), (err: Error) => err instanceof SchemaGenerationError && err.message === expected);
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/collector.ts'], {
    cwd: ROOT,
    env: { ...process.env, EVENTSCOPE_DATA_DIR: dataDir, EVENTSCOPE_OTLP_HTTP_PORT: '0', EVENTSCOPE_OTLP_GRPC_PORT: '0' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr.trim(), expected);
});

test('server mode names the database and CLICKHOUSE_DATABASE', () => {
  assert.equal(
    generationMessage('es', { mode: 'server', url: 'http://ch:8123' }, 1),
    `The ClickHouse database es at http://ch:8123 was written by an earlier Eventscope (schema generation 1, this one needs ${SCHEMA_GENERATION}): stop every Eventscope using it, drop or rename that database (or set CLICKHOUSE_DATABASE to a new one), then start again.`,
  );
});
