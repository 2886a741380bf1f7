// Which hours of a flow-map range come whole from hop_hours (the rest from hop_minutes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wholeHours } from '../../lib/analysis/hop-state.js';

const at = (hhmmss: string) => Date.parse(`2026-12-02T${hhmmss}Z`);
const hours = (fromMs: number, toMs: number) => {
  const w = wholeHours(fromMs, toMs);
  return [new Date(w.fullFromMs).toISOString().slice(11, 16), new Date(w.fullToMs).toISOString().slice(11, 16)];
};

test('an hour is whole when all its minutes are read: from the minute of `from`, the minutes starting before `to`', () => {
  assert.deepEqual(hours(at('10:17:30'), at('14:05:00')), ['11:00', '14:00']);
  assert.deepEqual(hours(at('10:00:30'), at('14:00:00')), ['10:00', '14:00'], 'the minute of from is read whole: 10:00 counts');
  assert.deepEqual(hours(at('10:00:00'), at('13:59:00')), ['10:00', '13:00'], 'minute 13:59 is not read: hour 13 is not whole');
  assert.deepEqual(hours(at('10:00:00'), at('13:59:00.001')), ['10:00', '14:00'], 'minute 13:59 starts before to: read');
});

test('a range without a whole hour gets an empty span of hours', () => {
  const w = wholeHours(at('10:17:30'), at('11:17:30'));
  assert.ok(w.fullToMs <= w.fullFromMs, JSON.stringify(w));
  const v = wholeHours(at('10:05:00'), at('10:55:00'));
  assert.equal(v.fullToMs, v.fullFromMs);
});
