// collector/profiles/bullmq.ts on spans recorded from bullmq + bullmq-otel (test/fixtures/bullmq/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columns, normalizedFixture } from './profiles-support.js';
import { compileProfiles } from '../../collector/profiles/language.js';
import { bullmq } from '../../collector/profiles/bullmq.js';

const span = normalizedFixture('bullmq');
const base = { system: 'bullmq', destination: 'charge', messageId: '1', messageType: 'charge', housekeeping: 0 };

test('add is a publish to the queue named in bullmq.queue.name, the job name as message type', () => {
  assert.deepEqual(columns(span('s3')), { ...base, operation: 'send', group: '', redelivered: 0, status: 'UNSET' });
});

test("the first attempt: its 'job failed' event makes it an error (status was UNSET), the reason kept", () => {
  const first = span('s5');
  assert.deepEqual(columns(first), { ...base, operation: 'process', group: 'charge', redelivered: 0, status: 'ERROR' });
  assert.equal(first.status_message, 'card declined');
});

test('the second attempt (attempts.made 2) is a redelivery', () => {
  assert.deepEqual(columns(span('s7')), { ...base, operation: 'process', group: 'charge', redelivered: 1, status: 'UNSET' });
});

test('stalled-job checks and close are housekeeping; delay and complete stay plain spans', () => {
  for (const id of ['s1', 's2', 's8', 's9']) assert.equal(span(id).msg_housekeeping, 1, id);
  for (const id of ['s4', 's6']) assert.deepEqual([span(id).msg_housekeeping, span(id).msg_operation], [0, ''], id);
});

test('a custom tracer name is still matched by the marker attribute', () => {
  const set = compileProfiles([bullmq]);
  const custom = normalizedFixture('bullmq', { profiles: { ...set, byScope: new Map() } });
  assert.equal(custom('s7').msg_redelivered, 1);
  assert.equal(custom('s1').msg_housekeeping, 1);
});
