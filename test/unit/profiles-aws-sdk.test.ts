// collector/profiles/aws-sdk.ts on spans recorded from @opentelemetry/instrumentation-aws-sdk (test/fixtures/aws-sdk/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columns, normalizedFixture } from './profiles-support.js';
import { compileProfiles } from '../../collector/profiles/language.js';

const span = normalizedFixture('aws-sdk');

test('send and a receive that got messages are messaging spans of the queue', () => {
  assert.deepEqual(columns(span('p1')), { system: 'aws_sqs', operation: 'send', destination: 'orders', group: '', messageId: '7debf31a-aa51-40d9-859e-eb612a99c8c1', messageType: 'orders', redelivered: 0, housekeeping: 0, status: 'UNSET' });
  assert.deepEqual(columns(span('c1')), { system: 'aws_sqs', operation: 'receive', destination: 'orders', group: 'shipping-sqs', messageId: '', messageType: 'orders', redelivered: 0, housekeeping: 0, status: 'UNSET' });
});

test('an empty receive is housekeeping; DeleteMessage is not a messaging span', () => {
  assert.deepEqual([span('e1').msg_housekeeping, span('e1').msg_operation], [1, '']);
  assert.deepEqual([span('d1').msg_housekeeping, span('d1').msg_operation, span('d1').msg_destination], [0, '', '']);
});

test('without the profile the empty poll would be a delivery (the conventions alone)', () => {
  const none = normalizedFixture('aws-sdk', { profiles: compileProfiles([]) });
  assert.deepEqual([none('e1').msg_operation, none('e1').msg_housekeeping], ['receive', 0]);
});

test("the consumer's processing span: its ApproximateReceiveCount is the attempt, read whatever the tracer", () => {
  const attrs = (count: number) => ({ 'messaging.system': 'aws_sqs', 'messaging.destination.name': 'payments', 'messaging.operation.type': 'process', 'messaging.message.id': 'm-1', 'aws.sqs.approximate_receive_count': count });
  const process = normalizedFixture({
    source: 'the processing spans of instrumentation-aws-sdk.test.ts (an app tracer, not the instrumentation)',
    scope: 'shipping-app',
    services: {
      'shipping-sqs': [
        { id: 'a1', trace: 't1', name: 'payments process', kind: 'CONSUMER', offsetMs: 0, durationMs: 3, status: { code: 'ERROR', message: 'card declined' }, attributes: attrs(1) },
        { id: 'a2', trace: 't1', name: 'payments process', kind: 'CONSUMER', offsetMs: 10, durationMs: 3, attributes: attrs(2) },
      ],
    },
  });
  assert.deepEqual(columns(process('a1')), { system: 'aws_sqs', operation: 'process', destination: 'payments', group: 'shipping-sqs', messageId: 'm-1', messageType: 'payments', redelivered: 0, housekeeping: 0, status: 'ERROR' });
  assert.deepEqual([process('a2').msg_operation, process('a2').msg_redelivered], ['process', 1]);
});
