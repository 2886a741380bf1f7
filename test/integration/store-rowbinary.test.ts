// RowBinary into embedded chDB through its native raw-insert entry (lib/store/chdb-binary.ts): every
// column type the spans table uses comes back exactly (64-bit extremes, ns times, NUL and newline
// bytes inside strings, maps, nullable arrays), and a truncated body fails with the engine's error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chdbInsertBinary } from '../../lib/store/chdb-binary.js';
import { RowBinaryWriter, tableEncoding, type Column } from '../../lib/store/rowbinary.js';

const { createChdbConnection } = createRequire(import.meta.url)('chdb/connection') as typeof import('chdb/connection');
let dir = '';
let connection: ReturnType<typeof createChdbConnection>;

const TABLE = `CREATE TABLE default.t (
  s String, lc LowCardinality(String), u UInt64, i Nullable(Int64), ts DateTime64(9), f UInt32, d Date,
  m Map(LowCardinality(String), String), ai Array(Nullable(Int64)), at Array(DateTime64(9)), am Array(Map(String, String))
) ENGINE = MergeTree ORDER BY u`;

interface Row {
  s: string;
  lc: string;
  u: string;
  i: string | null;
  ts: string;
  f: number;
  d: number;
  m: Record<string, string>;
  ai: (string | null)[];
  at: string[];
  am: Record<string, string>[];
}

async function columns(): Promise<Column[]> {
  const r = await connection.chdb.queryAsync(`SELECT name, type FROM system.columns WHERE database = 'default' AND table = 't' ORDER BY position`, { format: 'JSONEachRow' });
  return r.text().trim().split('\n').map((l) => JSON.parse(l) as Column);
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-rowbinary-'));
  connection = createChdbConnection({ path: dir });
});
after(async () => {
  await connection.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('RowBinary rows round-trip through the native entry exactly', async () => {
  await connection.chdb.queryAsync(TABLE);
  const cols = await columns();
  const enc = tableEncoding<Row>('t', cols.map((c) => c.name), cols);
  const rows: Row[] = [
    {
      s: 'nul\0inside\nand newline, é€😀', lc: 'orders', u: '18446744073709551615', i: '-9223372036854775808',
      ts: '1700000000123456789', f: 4294967295, d: 19700, m: { 'a\0b': 'x\ny', 'service.name': 'orders' },
      ai: [null, '9223372036854775807', '-1'], at: ['1', '1700000000000000001'], am: [{}, { k: 'v' }],
    },
    { s: 'x'.repeat(70_000), lc: '', u: '0', i: null, ts: '0', f: 0, d: 0, m: {}, ai: [], at: [], am: [] },
  ];
  const w = new RowBinaryWriter(16);
  enc.rowBinary(rows, w);
  await chdbInsertBinary(connection.chdb, `INSERT INTO default.t ${enc.columnList} FORMAT RowBinary`, w.bytes());
  const r = await connection.chdb.queryAsync(
    `SELECT s, lc, toString(u) AS u, toString(i) AS i, toString(toUnixTimestamp64Nano(ts)) AS ts, f, toUInt16(d) AS d, m,
            arrayMap(x -> toString(x), ai) AS ai, arrayMap(x -> toString(toUnixTimestamp64Nano(x)), at) AS at, am
       FROM default.t ORDER BY u DESC`,
    { format: 'JSONEachRow' },
  );
  const back = r.text().trim().split('\n').map((l) => JSON.parse(l) as Row);
  assert.deepEqual(back, rows.map((row) => ({ ...row, ai: row.ai.map((x) => x ?? null) })));
});

test('a truncated RowBinary body fails with the engine error, and inserts nothing', async () => {
  const cols = await columns();
  const enc = tableEncoding<Row>('t', cols.map((c) => c.name), cols);
  const w = new RowBinaryWriter();
  enc.rowBinary([{ s: 'short', lc: '', u: '7', i: null, ts: '1', f: 1, d: 1, m: {}, ai: [], at: [], am: [] }], w);
  await assert.rejects(
    chdbInsertBinary(connection.chdb, `INSERT INTO default.t ${enc.columnList} FORMAT RowBinary`, w.bytes().subarray(0, w.pos - 3)),
    /CANNOT_READ_ALL_DATA|ATTEMPT_TO_READ_AFTER_EOF/,
  );
  const r = await connection.chdb.queryAsync(`SELECT count() AS n FROM default.t WHERE u = 7`, { format: 'JSONEachRow' });
  assert.equal(JSON.parse(r.text()).n, 0);
  // the ordinary raw insert still takes its own text format afterwards
  await connection.chdb.rawInsert({ table: 'default.t', values: Buffer.from('{"s":"json","u":8}\n'), format: 'JSONEachRow' });
  const j = await connection.chdb.queryAsync(`SELECT s FROM default.t WHERE u = 8`, { format: 'JSONEachRow' });
  assert.equal(JSON.parse(j.text()).s, 'json');
});
