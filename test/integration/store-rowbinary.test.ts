// Native and RowBinary into embedded chDB (lib/store/chdb-binary.ts: a tmpfs file read with file()):
// every column type the spans table uses comes back exactly (64-bit extremes, ns times, NUL, newline and blank-line
// bytes inside strings and numbers, maps, nullable arrays), and a truncated body fails with the
// engine's error. Also the reason for the file: chDB's native raw-insert entry cuts inline data at an
// empty line and runs the rest as SQL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chdbBinaryInserter, type ChdbBinaryInserter } from '../../lib/store/chdb-binary.js';
import { RowBinaryWriter, tableEncoding, type Column } from '../../lib/store/rowbinary.js';

const { createChdbConnection } = createRequire(import.meta.url)('chdb/connection') as typeof import('chdb/connection');
let dir = '';
let connection: ReturnType<typeof createChdbConnection>;
let binary: ChdbBinaryInserter;

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
  binary = chdbBinaryInserter(connection.chdb);
});
after(async () => {
  binary.close();
  await connection.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const format of ['RowBinary', 'Native'] as const) test(`${format} rows round-trip exactly, blank lines and all`, async () => {
  await connection.chdb.queryAsync(TABLE.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'));
  await connection.chdb.queryAsync('TRUNCATE TABLE default.t');
  const cols = await columns();
  const enc = tableEncoding<Row>('t', cols.map((c) => c.name), cols);
  const rows: Row[] = [
    {
      s: 'nul\0inside\nand newline, é€😀', lc: 'orders', u: '18446744073709551615', i: '-9223372036854775808',
      ts: '1700000000123456789', f: 4294967295, d: 19700, m: { 'a\0b': 'x\ny', 'service.name': 'orders' },
      ai: [null, '9223372036854775807', '-1'], at: ['1', '1700000000000000001'], am: [{}, { k: 'v' }],
    },
    { s: 'x'.repeat(70_000), lc: '', u: '0', i: null, ts: '0', f: 0, d: 0, m: {}, ai: [], at: [], am: [] },
    // blank lines inside a string and inside a number's bytes (0x0A0A), and what would run as SQL after one
    {
      s: 'stack:\n\n  at x\n\nDROP TABLE default.t', lc: '\n\n', u: String(0x0a0a), i: String(0x0a0a0a0a), ts: String(0x0a0a0a0a0a0a),
      f: 0x0a0a, d: 0x0a0a, m: { '\n\n': '\n\nSELECT 1' }, ai: ['2570'], at: ['2570'], am: [{ k: '\n\n' }],
    },
    // more entries than a one-byte count holds, empty and nested collections side by side
    {
      s: '', lc: 'x', u: '1', i: '0', ts: '1', f: 1, d: 1, m: Object.fromEntries(Array.from({ length: 300 }, (_, k) => [`k${k}`, `v${k}`])),
      ai: Array.from({ length: 200 }, (_, k) => (k % 3 ? String(k) : null)), at: [], am: [{}, {}, { a: '1', b: '2' }, {}],
    },
  ];
  const w = new RowBinaryWriter(16);
  if (format === 'Native') enc.native(rows, w);
  else enc.rowBinary(rows, w);
  await binary.insert('default.t', enc.columns, w.bytes(), format);
  const r = await connection.chdb.queryAsync(
    `SELECT s, lc, toString(u) AS u, toString(i) AS i, toString(toUnixTimestamp64Nano(ts)) AS ts, f, toUInt16(d) AS d, m,
            arrayMap(x -> toString(x), ai) AS ai, arrayMap(x -> toString(toUnixTimestamp64Nano(x)), at) AS at, am
       FROM default.t ORDER BY toUInt64(u) DESC`,
    { format: 'JSONEachRow' },
  );
  const back = r.text().trim().split('\n').map((l) => JSON.parse(l) as Row);
  const expected = rows.map((row) => ({ ...row, ai: row.ai.map((x) => x ?? null) }));
  assert.deepEqual(back, expected.sort((a, b) => (BigInt(b.u) > BigInt(a.u) ? 1 : -1)));
});

test('a truncated RowBinary or Native body fails with the engine error, and inserts nothing', async () => {
  const cols = await columns();
  const enc = tableEncoding<Row>('t', cols.map((c) => c.name), cols);
  const row: Row = { s: 'short', lc: '', u: '7', i: null, ts: '1', f: 1, d: 1, m: {}, ai: [], at: [], am: [{ k: 'v' }] };
  const w = new RowBinaryWriter();
  enc.rowBinary([row], w);
  await assert.rejects(binary.insert('default.t', enc.columns, w.bytes().subarray(0, w.pos - 3)), /CANNOT_READ_ALL_DATA|ATTEMPT_TO_READ_AFTER_EOF/);
  const n = new RowBinaryWriter();
  enc.native([row], n);
  await assert.rejects(binary.insert('default.t', enc.columns, n.bytes().subarray(0, n.pos - 3), 'Native'), /CANNOT_READ_ALL_DATA|ATTEMPT_TO_READ_AFTER_EOF|Cannot read/);
  const r = await connection.chdb.queryAsync(`SELECT count() AS n FROM default.t WHERE u = 7`, { format: 'JSONEachRow' });
  assert.equal(JSON.parse(r.text()).n, 0);
  // the ordinary raw insert still takes its own text format afterwards
  await connection.chdb.rawInsert({ table: 'default.t', values: Buffer.from('{"s":"json","u":8}\n'), format: 'JSONEachRow' });
  const j = await connection.chdb.queryAsync(`SELECT s FROM default.t WHERE u = 8`, { format: 'JSONEachRow' });
  assert.equal(JSON.parse(j.text()).s, 'json');
});

test("chDB's native raw-insert entry cuts inline data at an empty line (why RowBinary goes through a file)", async () => {
  // If this starts to fail, a newer chDB keeps inline data whole and a Buffer could go in directly.
  const native = createRequire(import.meta.url)(path.join(path.dirname(createRequire(import.meta.url).resolve('chdb')), 'dist', 'loader.js')).loadNative() as {
    InsertRawAsyncConnection(c: unknown, prefix: string, buf: Buffer, countLines: boolean): Promise<unknown>;
  };
  const original = native.InsertRawAsyncConnection;
  let handle: unknown;
  native.InsertRawAsyncConnection = function (c, p, b, n) {
    handle = c;
    return original.call(this, c, p, b, n);
  };
  try {
    await connection.chdb.rawInsert({ table: 'default.t', values: Buffer.from('{"s":"probe","u":9}\n'), format: 'JSONEachRow' });
  } finally {
    native.InsertRawAsyncConnection = original;
  }
  // JSONEachRow with a blank line between two rows: the second row is parsed as SQL
  await assert.rejects(original.call(native, handle, 'INSERT INTO default.t FORMAT JSONEachRow', Buffer.from('{"s":"a","u":10}\n\n{"s":"b","u":11}\n'), true), /Syntax error/);
});
