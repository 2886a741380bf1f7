// The RowBinary writer and the generated table encoders, without a database: exact 64-bit
// decimals, string and map length prefixes of every size, and the column checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowBinaryWriter, tableEncoding } from '../../lib/store/rowbinary.js';

function dec64Bytes(s: string): Buffer {
  const w = new RowBinaryWriter(8);
  w.dec64(s);
  return Buffer.from(w.bytes());
}

function expected(s: string): Buffer {
  const b = Buffer.alloc(8);
  const v = BigInt(s);
  if (v < 0n) b.writeBigInt64LE(v);
  else b.writeBigUInt64LE(v);
  return b;
}

test('dec64 writes every 64-bit decimal exactly, around each limb and length boundary', () => {
  const values = ['0', '1', '9', '4294967295', '4294967296', '9007199254740991', '9007199254740992', '999999999999999',
    '1000000000000000', '1700000000123456789', '1700000000999999999', '9223372036854775807', '18446744073709551615',
    '18446744073709551614', '18446744069414584320', '-1', '-9223372036854775808', '-1700000000123456789', '-4294967296'];
  let x = 1n;
  for (let i = 0; i < 64; i++, x *= 2n) values.push(String(x), String(x - 1n), String(x + 1n));
  // a spread of random values across all magnitudes
  let seed = 12345n;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    values.push(String(seed >> BigInt(i % 64)));
  }
  for (const v of values) {
    if (BigInt(v) >= 1n << 64n) continue;
    assert.deepEqual(dec64Bytes(v), expected(v), v);
  }
});

test('dec64 refuses what is not a 64-bit decimal', () => {
  for (const bad of ['', '-', '12a', '1.5', '184467440737095516150', '18446744073709551616']) {
    assert.throws(() => dec64Bytes(bad), RangeError, bad);
  }
});

test('strings and maps of every length get the right varint prefix', () => {
  for (const len of [0, 1, 24, 25, 42, 43, 127, 128, 200, 16383, 16384, 70000]) {
    for (const ch of ['a', 'é', '€', '\u{1F600}', '\0', '\n']) {
      const s = ch.repeat(Math.ceil(len / ch.length)).slice(0, len);
      const w = new RowBinaryWriter(4);
      w.str(s);
      const bytes = Buffer.from(s, 'utf8');
      let n = bytes.length;
      const prefix: number[] = [];
      while (n >= 0x80) {
        prefix.push((n & 0x7f) | 0x80);
        n = Math.floor(n / 128);
      }
      prefix.push(n);
      assert.deepEqual(w.bytes(), Buffer.concat([Buffer.from(prefix), bytes]), `${len} × ${JSON.stringify(ch)}`);
    }
  }
  for (const count of [0, 1, 127, 128, 300]) {
    const m: Record<string, string> = {};
    for (let i = 0; i < count; i++) m[`k${i}`] = `v${i}`;
    const w = new RowBinaryWriter(4);
    w.strMap(m);
    w.u8(0xee);
    const b = w.bytes();
    const head = count < 128 ? 1 : 2;
    assert.equal(b[0], count < 128 ? count : (count & 0x7f) | 0x80, `map of ${count}`);
    assert.equal(b.subarray(head, head + 4).toString('latin1'), count ? '\x02k0\x02' : '\xee');
    assert.equal(b[b.length - 1], 0xee);
  }
});

test('a table encoding follows the provided columns and checks them against the table', () => {
  const cols = [
    { name: 'a', type: 'UInt64', default_kind: '' },
    { name: 'b', type: 'Nullable(Int64)', default_kind: '' },
    { name: 'c', type: 'Array(LowCardinality(String))', default_kind: '' },
    { name: 'd', type: 'UInt64', default_kind: 'DEFAULT' },
  ];
  const enc = tableEncoding<{ a: string; x: { b: string | null }; c: string[] }>('t', ['a', 'b', 'c'], cols, { b: ['x', 'b'] });
  assert.equal(enc.columnList, '(`a`, `b`, `c`)');
  const w = new RowBinaryWriter();
  enc.rowBinary([{ a: '5', x: { b: null }, c: ['p', 'q'] }, { a: '6', x: { b: '-2' }, c: [] }], w);
  assert.deepEqual(
    w.bytes(),
    Buffer.concat([expected('5'), Buffer.from([1, 2, 1, 0x70, 1, 0x71]), expected('6'), Buffer.from([0]), expected('-2'), Buffer.from([0])]),
  );
  assert.equal(enc.jsonEachRow([{ a: '5', x: { b: null }, c: ['p'] }]), '{"a":"5","b":null,"c":["p"]}\n');
  assert.throws(() => tableEncoding('t', ['a', 'b', 'zz'], cols), /not in the table: zz/);
  assert.throws(() => tableEncoding('t', ['a', 'c'], cols), /without a default: b/);
  assert.throws(() => tableEncoding('t', ['a'], [{ name: 'a', type: 'Decimal(10, 2)' }]), /no encoder for type Decimal/);
});

test('dt64 takes ns as a decimal or the engine\'s DateTime64(9) text (query results written back), exactly', () => {
  const cases: Array<[string, string]> = [
    ['2026-12-02 01:07:41.883000001', '1796173661883000001'],
    ['2026-12-02 01:07:41.000000000', '1796173661000000000'],
    ['1970-01-01 00:00:01.000000007', '1000000007'],
    ['1970-01-01 00:00:00.000000123', '123'],
    ['2262-04-11 23:47:16.854775807', '9223372036854775807'],
    ['1969-12-31 23:59:59.000000000', '-1000000000'],
  ];
  for (const [text, ns] of cases) {
    const a = new RowBinaryWriter(8);
    a.dt64(text);
    const b = new RowBinaryWriter(8);
    b.dt64(ns);
    assert.deepEqual(Buffer.from(a.bytes()), expected(ns), text);
    assert.deepEqual(Buffer.from(b.bytes()), expected(ns), ns);
  }
});
