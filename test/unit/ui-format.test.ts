import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDurationMs, formatCount, formatRate, formatMessages, formatPercent, formatClock, formatDateTime, nsDiffMs, formatAgo,
} from '../../lib/ui/format.js';
import { serviceColor, lagStatusOf } from '../../lib/ui/colors.js';

test('durations carry a unit and a sensible precision', () => {
  assert.equal(formatDurationMs(0), '0 ms');
  assert.equal(formatDurationMs(0.42), '420 µs');
  assert.equal(formatDurationMs(0.0042), '4.2 µs');
  assert.equal(formatDurationMs(3.456), '3.46 ms');
  assert.equal(formatDurationMs(38.27), '38.3 ms');
  assert.equal(formatDurationMs(380.6), '381 ms');
  assert.equal(formatDurationMs(1250), '1.25 s');
  assert.equal(formatDurationMs(210_000), '3.5 min');
  assert.equal(formatDurationMs(2 * 3_600_000), '2 h');
  assert.equal(formatDurationMs(-12), '−12 ms');
  assert.equal(formatDurationMs(null), '–');
  assert.equal(formatDurationMs(Number.NaN), '–');
});

test('counts, rates and percentages', () => {
  assert.equal(formatCount(950), '950');
  assert.equal(formatCount(1234), '1.2k');
  assert.equal(formatCount(34_000), '34k');
  assert.equal(formatCount(1_500_000), '1.5M');
  assert.equal(formatRate(600, 60_000), '10/s');
  assert.equal(formatRate(30, 60_000), '30/min');
  assert.equal(formatRate(90, 900_000), '6/min');
  assert.equal(formatRate(2, 3_600_000 * 10), '0.2/h');
  assert.equal(formatRate(5, 0), '–');
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(0.0004), '<0.1%');
  assert.equal(formatPercent(0.0234), '2.3%');
  assert.equal(formatPercent(0.5), '50%');
  assert.equal(formatMessages(1), '1 msg');
  assert.equal(formatMessages(33), '33 msgs');
});

test('times are shown in UTC', () => {
  const t = Date.UTC(2026, 10, 26, 9, 4, 5, 67);
  assert.equal(formatClock(t), '09:04:05');
  assert.equal(formatClock(new Date(t).toISOString(), true), '09:04:05.067');
  assert.equal(formatDateTime(t), '2026-11-26 09:04:05 UTC');
  assert.equal(formatClock('not a date'), '–');
  assert.equal(nsDiffMs('1764147845067000500', '1764147845067000000'), 0.0005);
  assert.equal(nsDiffMs('1764147845167000000', '1764147845067000000'), 100);
  assert.equal(formatAgo(t - 12_000, t), '12 s ago');
});

test('service colours are stable and statuses parse', () => {
  assert.equal(serviceColor('payment'), serviceColor('payment'));
  assert.match(serviceColor('x'), /^#[0-9a-f]{6}$/);
  const names = ['order', 'payment', 'inventory', 'shipping', 'notification', 'checkout', 'checkout-orchestrator', 'a', 'zz', 'billing'];
  for (const n of names) assert.match(serviceColor(n), /^#[0-9a-f]{6}$/, n);
  const colours = new Set(names.slice(0, 6).map(serviceColor));
  assert.ok(colours.size >= 4, `six demo services should get several colours, got ${colours.size}`);
  assert.equal(lagStatusOf('stall'), 'STALL');
  assert.equal(lagStatusOf('nope'), undefined);
});
