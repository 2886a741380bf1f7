import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalI64,
  canonicalU64,
  decodeStoredValue,
  encodeAnyValue,
  formatDouble,
  plainValue,
  typedAttributes,
  type AnyValue,
} from '../../lib/store/anyvalue.js';

const values: AnyValue[] = [
  { stringValue: '' },
  { stringValue: 'plain' },
  { stringValue: '{"looks":"like json"}' },
  { stringValue: '["also"]' },
  { boolValue: true },
  { boolValue: false },
  { intValue: '0' },
  { intValue: '-1' },
  { intValue: '9223372036854775807' },
  { intValue: '-9223372036854775808' },
  { doubleValue: 0.1 },
  { doubleValue: -0 },
  { doubleValue: 1e300 },
  { doubleValue: 5e-324 },
  { doubleValue: 3 },
  { doubleValue: 'NaN' },
  { doubleValue: 'Infinity' },
  { doubleValue: '-Infinity' },
  { bytesValue: '' },
  { bytesValue: 'AAEC+v8=' },
  { arrayValue: { values: [] } },
  { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } },
  {
    arrayValue: {
      values: [
        { intValue: '7' },
        { doubleValue: 7 },
        { doubleValue: 'NaN' },
        { doubleValue: -0 },
        { boolValue: false },
        { bytesValue: 'AQ==' },
        {},
        { arrayValue: { values: [{ arrayValue: { values: [] } }] } },
        { kvlistValue: { values: [{ key: 'intValue', value: { stringValue: 'not a typed wrapper' } }] } },
      ],
    },
  },
  { kvlistValue: { values: [] } },
  {
    kvlistValue: {
      values: [
        { key: 'a', value: { stringValue: 'x' } },
        { key: 'n', value: { intValue: '-5' } },
        { key: 'empty', value: {} },
        { key: 'list', value: { arrayValue: { values: [{ boolValue: true }] } } },
        { key: 'inner', value: { kvlistValue: { values: [{ key: 'z', value: { doubleValue: 2.5 } }] } } },
      ],
    },
  },
];

test('typed attribute values round-trip exactly through their stored strings', () => {
  for (const v of values) {
    const stored = encodeAnyValue(v);
    assert.equal(typeof stored.value, 'string');
    const rebuilt = decodeStoredValue(stored.value, stored.type);
    assert.deepEqual(rebuilt, v, `${JSON.stringify(v)} stored as ${JSON.stringify(stored)}`);
    if ('doubleValue' in v && v.doubleValue === -0) assert.ok(Object.is((rebuilt as { doubleValue: number }).doubleValue, -0));
  }
});

test('stored strings stay readable: scalars as text, string arrays as plain JSON', () => {
  assert.deepEqual(encodeAnyValue({ stringValue: 'x' }), { value: 'x', type: undefined });
  assert.deepEqual(encodeAnyValue({ intValue: '-12' }), { value: '-12', type: 'int' });
  assert.deepEqual(encodeAnyValue({ doubleValue: -0 }), { value: '-0', type: 'double' });
  assert.deepEqual(encodeAnyValue({ boolValue: true }), { value: 'true', type: 'bool' });
  assert.deepEqual(encodeAnyValue({ arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } }), { value: '["a","b"]', type: 'array' });
  assert.deepEqual(encodeAnyValue({ kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } }), { value: '{"k":"v"}', type: 'kvlist' });
  assert.deepEqual(encodeAnyValue({}), { value: '', type: undefined });
  assert.equal(formatDouble(0.1 + 0.2), '0.30000000000000004');
});

test('typedAttributes rebuilds one map column by its prefix; plainValue gives JS values', () => {
  const map = { port: '5432', name: 'pg', tags: '["a"]', ok: 'false' };
  const types = { 'span.port': 'int', 'span.tags': 'array', 'span.ok': 'bool', 'resource.name': 'int' };
  const typed = typedAttributes(map, types, 'span.');
  assert.deepEqual(typed, {
    port: { intValue: '5432' },
    name: { stringValue: 'pg' },
    tags: { arrayValue: { values: [{ stringValue: 'a' }] } },
    ok: { boolValue: false },
  });
  assert.equal(plainValue(typed.port!), 5432n);
  assert.deepEqual(plainValue(typed.tags!), ['a']);
  assert.deepEqual(plainValue({ kvlistValue: { values: [{ key: 'x', value: { doubleValue: 'NaN' } }] } }), { x: NaN });
  // a corrupt stored array is shown as text rather than throwing
  assert.deepEqual(decodeStoredValue('[oops', 'array'), { stringValue: '[oops' });
});

test('canonical int64/uint64 decimals', () => {
  assert.equal(canonicalI64('007'), '7');
  assert.equal(canonicalI64('-0'), '0');
  assert.equal(canonicalI64('+5'), '5');
  assert.equal(canonicalI64('-9223372036854775808'), '-9223372036854775808');
  assert.equal(canonicalI64('-9223372036854775809'), null);
  assert.equal(canonicalI64('9223372036854775808'), null);
  assert.equal(canonicalI64('1e3'), null);
  assert.equal(canonicalI64(' 1'), null);
  assert.equal(canonicalU64('18446744073709551615'), '18446744073709551615');
  assert.equal(canonicalU64('18446744073709551616'), null);
  assert.equal(canonicalU64('-1'), null);
  assert.equal(canonicalU64('000'), '0');
});
