// The health assessment (pure): which state makes Eventscope degraded, and the sentence it gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessHealth, QUEUE_NEAR_FULL, type HealthInputs } from '../../lib/api/health.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const base: HealthInputs = { nowMs: NOW, pairingWatermarkMs: NOW - 1_000, pairingBehindLimitMs: 120_000 };
const collector = { queuedSpans: 0, queuedBytes: 0, maxQueueSpans: 1000, maxQueueBytes: 1_000_000, pairingError: null };

test('nothing wrong: ok, no reason', () => {
  assert.deepEqual(assessHealth({ ...base, collector }), { status: 'ok', reason: null, reasons: [] });
  assert.equal(assessHealth({ ...base, pairingWatermarkMs: null }).status, 'ok', 'no pass yet is not behind');
});

test('a full disk comes first and says what happens to new spans', () => {
  const h = assessHealth({
    ...base,
    writeFailure: { atMs: NOW - 5_000, message: 'the disk is full: Code: 243 … (NOT_ENOUGH_SPACE)', diskFull: true },
    collector: { ...collector, pairingError: 'Code: 243' },
  });
  assert.equal(h.status, 'degraded');
  assert.match(h.reason!, /^The store's disk is full: new spans are refused with a retryable 503 until space is freed \(last refused 5 seconds ago/);
  assert.equal(h.reasons.length, 2);
  assert.match(h.reasons[1]!, /pairing pass fails/);
});

test('other write failures', () => {
  const h = assessHealth({ ...base, writeFailure: { atMs: NOW - 600_000, message: 'Code: 60. Unknown table', diskFull: false } });
  assert.match(h.reason!, /^Spans cannot be written to the store: exporters are told to retry \(last failure 10 minutes ago: Code: 60/);
});

test('the pairing pass falling behind: degraded past the limit only', () => {
  assert.equal(assessHealth({ ...base, pairingWatermarkMs: NOW - 119_000 }).status, 'ok');
  const h = assessHealth({ ...base, pairingWatermarkMs: NOW - 10 * 60_000 });
  assert.equal(h.status, 'degraded');
  assert.match(h.reason!, /^The pairing pass is 10 minutes behind: .* up to 2026-12-01T11:50:00.000Z/);
});

test('an ingest queue near full, by spans or by bytes', () => {
  const below = Math.floor(QUEUE_NEAR_FULL * 1000) - 1;
  assert.equal(assessHealth({ ...base, collector: { ...collector, queuedSpans: below } }).status, 'ok');
  assert.match(assessHealth({ ...base, collector: { ...collector, queuedSpans: 950 } }).reason!, /^The ingest queue is 95% full/);
  assert.match(assessHealth({ ...base, collector: { ...collector, queuedBytes: 1_000_000 } }).reason!, /^The ingest queue is 100% full/);
});

test('long engine messages are cut, a retention problem is passed on', () => {
  const h = assessHealth({ ...base, queryError: 'x'.repeat(1000), retentionProblem: 'The data on disk … raise the budget.' });
  assert.ok(h.reason!.length < 400);
  assert.deepEqual(h.reasons.at(-1), 'The data on disk … raise the budget.');
});
