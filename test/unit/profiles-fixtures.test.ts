// collector/profiles/{celery,sidekiq,nats}.ts on their fixtures (written from the instrumentations'
// documented attributes), and a user's mapping file for a made-up bus (test/fixtures/in-house-bus/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { columns, normalizedFixture } from './profiles-support.js';
import { loadProfileSet } from '../../collector/profiles/loader.js';

test('celery: apply_async → send, run → process; RETRY state an error, celery.retries 1 a redelivery', () => {
  const span = normalizedFixture('celery');
  const base = { system: 'celery', destination: 'billing', messageType: 'tasks.charge', housekeeping: 0 };
  assert.deepEqual(columns(span('p2')), { ...base, operation: 'send', group: '', messageId: 'task-2', redelivered: 0, status: 'UNSET' });
  assert.deepEqual(columns(span('c2')), { ...base, operation: 'process', group: 'worker-celery', messageId: 'task-2', redelivered: 0, status: 'ERROR' });
  assert.equal(span('c2').status_message, 'Retry in 1s: card network timeout');
  assert.deepEqual(columns(span('c3')), { ...base, operation: 'process', group: 'worker-celery', messageId: 'task-2', redelivered: 1, status: 'UNSET' });
});

test('sidekiq: the job class is the message type; poller and heartbeat spans are housekeeping', () => {
  const span = normalizedFixture('sidekiq');
  assert.deepEqual(columns(span('c1')), { system: 'sidekiq', operation: 'process', destination: 'mailers', group: 'worker-sidekiq', messageId: 'jid-1', messageType: 'ReceiptMailerJob', redelivered: 0, housekeeping: 0, status: 'UNSET' });
  assert.equal(span('p1').msg_operation, 'send');
  assert.equal(span('h1').msg_housekeeping, 1);
  assert.equal(span('h2').msg_housekeeping, 1);
});

test('nats: subject from the span name, durable consumer as group, delivery count 2 a redelivery, a nak an error', () => {
  const span = normalizedFixture('nats');
  const base = { system: 'nats', operation: 'process', destination: 'orders.created', group: 'shipping', messageType: 'orders.created', housekeeping: 0 };
  assert.deepEqual(columns(span('c2')), { ...base, messageId: '42', redelivered: 0, status: 'ERROR' });
  assert.deepEqual(columns(span('c3')), { ...base, messageId: '42', redelivered: 1, status: 'UNSET' });
  assert.equal(span('h1').msg_housekeeping, 1);
});

test("an in-house bus is understood only with the team's mapping file", () => {
  const file = fileURLToPath(new URL('../fixtures/in-house-bus/mappings.yaml', import.meta.url));
  const span = normalizedFixture('in-house-bus', { profiles: loadProfileSet(file) });
  assert.deepEqual(columns(span('c3')), { system: 'hermes', operation: 'process', destination: 'payments.v1', group: 'payments-workers', messageId: 'env-2', messageType: 'payments.v1', redelivered: 1, housekeeping: 0, status: 'UNSET' });
  assert.deepEqual(columns(span('p1')).destination, 'payments.v1', 'destination from the span name');
  assert.equal(span('p1').msg_message_type, 'PaymentRequested');
  assert.equal(span('c2').status_code, 'ERROR');
  const without = normalizedFixture('in-house-bus');
  assert.equal(without('c3').msg_operation, '', 'without the file the spans are plain internal spans');
});

test('an exception event fails any span, profile or not; without one the status stays as sent', () => {
  const attrs = { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders', 'messaging.operation.type': 'process' };
  const span = normalizedFixture({
    source: 'inline',
    scope: 'some-semconv-instrumentation',
    services: {
      worker: [
        { id: 'a', trace: 't', name: 'orders process', kind: 'CONSUMER', offsetMs: 0, durationMs: 1, attributes: attrs, events: [{ name: 'exception', attributes: { 'exception.message': 'boom' } }] },
        { id: 'b', trace: 't', name: 'orders process', kind: 'CONSUMER', offsetMs: 2, durationMs: 1, attributes: attrs, events: [{ name: 'retrying' }] },
        { id: 'c', trace: 't', name: 'orders process', kind: 'CONSUMER', offsetMs: 4, durationMs: 1, attributes: attrs, status: { code: 'ERROR', message: 'sent as error' }, events: [{ name: 'exception', attributes: { 'exception.message': 'other' } }] },
      ],
    },
  });
  assert.deepEqual([span('a').status_code, span('a').status_message], ['ERROR', 'boom']);
  assert.deepEqual([span('b').status_code, span('b').status_message], ['UNSET', '']);
  assert.deepEqual([span('c').status_code, span('c').status_message], ['ERROR', 'sent as error'], "the sender's message is kept");
});
