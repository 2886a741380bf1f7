// Dead-letter destinations by naming convention and by configuration (EVENTSCOPE_DEAD_LETTER_PATTERNS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterMatcher } from '../../lib/analysis/dead-letter.js';
import { loadConfig } from '../../lib/config/index.js';

test('naming conventions of the common brokers and frameworks, case-insensitive', () => {
  const isDeadLetter = deadLetterMatcher();
  const yes = [
    'orders.dlq', 'orders-dlq', 'orders_dlq', 'orders.DLQ', 'ORDERS-DLQ', 'orders.DLT', 'orders-dlt', 'orders_dlt',
    'DLQ.orders', 'ActiveMQ.DLQ', 'dlq', 'payments.dlq.v2',
    'orders_error', 'orders.error', 'orders.errors', 'error.orders.billing', 'error',
    'deadletter', 'orders-deadletter', 'dead-letter-queue', 'dead_letter', 'orders.dead.letter', 'DeadLetterQueue', 'orders/$DeadLetterQueue',
  ];
  const no = ['orders', 'payment-error', 'PaymentError', 'errors-by-region', 'terror', 'handler', 'dlqueue', 'orders.dlqx', 'letters', ''];
  assert.deepEqual(yes.filter((d) => !isDeadLetter(d)), [], 'recognised');
  assert.deepEqual(no.filter((d) => isDeadLetter(d)), [], 'not dead-letter destinations');
});

test('configured patterns add to the conventions', () => {
  const { deadLetterPatterns } = loadConfig({ EVENTSCOPE_DEAD_LETTER_PATTERNS: ' ^parking-lot$ , quarantine ,' });
  assert.deepEqual(deadLetterPatterns.map((p) => p.source), ['^parking-lot$', 'quarantine']);
  const isDeadLetter = deadLetterMatcher(deadLetterPatterns);
  assert.deepEqual(['parking-lot', 'Parking-Lot', 'orders.quarantine', 'parking-lot-2', 'orders.dlq'].map(isDeadLetter), [true, true, true, false, true]);
  assert.deepEqual(loadConfig({}).deadLetterPatterns, []);
});

test('an invalid pattern stops the start with a clear error naming it', () => {
  assert.throws(
    () => loadConfig({ EVENTSCOPE_DEAD_LETTER_PATTERNS: 'ok,([a-z' }),
    /EVENTSCOPE_DEAD_LETTER_PATTERNS: "\(\[a-z" is not a valid regular expression \(.*\); entries are separated by commas/,
  );
});
