// Business transactions (issue 13) through the real collector: three traces of one order with no
// links between them (the context broke twice), one linked trace, an unrelated order, and a batch job
// carrying order.id only in its resource. GET /api/transactions/{key}/{value} with exact answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Attributes } from '../support/otlp.js';

let es: TestEventscope;
before(async () => {
  es = await startTestEventscope({ EVENTSCOPE_BUSINESS_KEYS: 'order.id, customer.id' });
});
after(async () => {
  await es?.close();
});

const c = clock(Date.now() - 60_000);
const typed = (type: string, m: Parameters<typeof messaging>[0], extra: Attributes = {}): Attributes => ({ ...messaging(m), 'cloudevents.event_type': type, ...extra });
const order = { 'order.id': 'o-1' };

// trace A: the checkout request publishes OrderPlaced
const checkout = c.span({ service: 'tx-checkout', name: 'POST /checkout', kind: 'SERVER', start: 0, durationMs: 10, attributes: order });
const placed = c.span({ service: 'tx-checkout', name: 'orders send', kind: 'PRODUCER', parent: checkout, start: 2, durationMs: 1, attributes: typed('OrderPlaced', { destination: 'tx-orders', operation: 'send', messageId: 'm-1' }, order) });
// trace E: a notifier linked to the publish (context kept through a link: no break)
const notified = c.span({ service: 'tx-notify', name: 'orders process', kind: 'CONSUMER', start: 6, durationMs: 2, links: [placed], attributes: typed('OrderPlaced', { destination: 'tx-orders', operation: 'process', group: 'notify', messageId: 'm-1' }) });
// trace B: the payment consumer started a fresh trace, no parent, no link (break 1)
const payment = c.span({ service: 'tx-payment', name: 'orders process', kind: 'CONSUMER', start: 20, durationMs: 8, attributes: typed('OrderPlaced', { destination: 'tx-orders', operation: 'process', group: 'payment', messageId: 'm-1' }, order) });
const taken = c.span({ service: 'tx-payment', name: 'payments send', kind: 'PRODUCER', parent: payment, start: 25, durationMs: 1, attributes: typed('PaymentTaken', { destination: 'tx-payments', operation: 'send', messageId: 'm-2' }) });
// trace C: a shipping batch job, order.id only in its resource (break 2)
const job = c.span({ service: 'tx-shipping', name: 'ship batch', kind: 'INTERNAL', start: 100, durationMs: 20, resource: order });
const shipped = c.span({ service: 'tx-shipping', name: 'payments process', kind: 'CONSUMER', parent: job, start: 105, durationMs: 5, resource: order, attributes: typed('PaymentTaken', { destination: 'tx-payments', operation: 'process', group: 'shipping', messageId: 'm-2' }) });
// another order, same services
const other = c.span({ service: 'tx-checkout', name: 'POST /checkout', kind: 'SERVER', start: 50, durationMs: 5, attributes: { 'order.id': 'o-2' } });

test('a transaction whose trace context broke twice is one transaction: every step in order, two breaks', async () => {
  await es.sendSpans([checkout, placed, notified, payment, taken, job, shipped, other]);
  const r = await es.api('/api/transactions/order.id/o-1?from=now-1h');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const t = r.body;
  assert.deepEqual(new Set(t.traceIds), new Set([checkout.traceId, notified.traceId, payment.traceId, job.traceId]));
  assert.ok(!t.traceIds.includes(other.traceId), 'the unrelated order is not included');
  assert.equal(t.keySpanCount, 5); // checkout, placed, payment, and both spans of the job (resource attribute)
  assert.deepEqual(
    t.steps.map((s: any) => [s.kind, s.label, s.service, s.consumerGroup, s.segment, s.carriesKey]),
    [
      ['entry', 'POST /checkout', 'tx-checkout', '', 0, true],
      ['publish', 'OrderPlaced', 'tx-checkout', '', 0, true],
      ['deliver', 'OrderPlaced', 'tx-notify', 'notify', 0, false],
      ['deliver', 'OrderPlaced', 'tx-payment', 'payment', 1, true],
      ['publish', 'PaymentTaken', 'tx-payment', '', 1, false],
      ['entry', 'ship batch', 'tx-shipping', '', 2, true],
      ['deliver', 'PaymentTaken', 'tx-shipping', 'shipping', 2, true],
    ],
  );
  // queue time: through the link (3 → 6 ms), and by message id across the broken hops (3 → 20, 26 → 105)
  assert.deepEqual(t.steps.filter((s: any) => s.kind === 'deliver').map((s: any) => s.queueMs), [3, 17, 79]);
  assert.deepEqual(
    t.breaks.map((b: any) => [b.segment, b.traceIds, b.before.spanId, b.after.spanId]),
    [
      [1, [payment.traceId], placed.spanId, payment.spanId],
      [2, [job.traceId], taken.spanId, job.spanId],
    ],
  );
  assert.match(t.breaks[0].explanation, /tx-payment started a new trace with no parent and no link .* order\.id=o-1/);
  assert.equal(t.breaks[1].gapMs, 75);
  assert.equal(t.timeline.spanCount, 7);
});

test('the other order is its own transaction with no break', async () => {
  const r = await es.api('/api/transactions/order.id/o-2?from=now-1h');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.traceIds, [other.traceId]);
  assert.deepEqual(r.body.breaks, []);
});

test('a value nothing carries is 404; a key that is not a business key, a bad value or parameter is 400', async () => {
  assert.equal((await es.api('/api/transactions/order.id/o-404?from=now-1h')).status, 404);
  assert.equal((await es.api('/api/transactions/customer.id/o-1?from=now-1h')).status, 404);
  const notKey = await es.api('/api/transactions/span.name/o-1');
  assert.equal(notKey.status, 400);
  assert.match(notKey.body.error, /key: expected a business key \(messaging\.message\.conversation_id, order\.id, customer\.id/);
  assert.equal((await es.api('/api/transactions/order.id/a%0Ab')).status, 400);
  assert.equal((await es.api('/api/transactions/order.id/o-1?limit=3')).status, 400);
});

test('the conversation id is always a business key', async () => {
  const a = c.span({ service: 'tx-conv', name: 'q send', kind: 'PRODUCER', start: 200, attributes: messaging({ destination: 'tx-q', operation: 'send', conversationId: 'conv-9' }) });
  const b = c.span({ service: 'tx-conv', name: 'q process', kind: 'CONSUMER', start: 210, attributes: messaging({ destination: 'tx-q', operation: 'process', group: 'g', conversationId: 'conv-9' }) });
  await es.sendSpans([a, b]);
  const r = await es.api('/api/transactions/messaging.message.conversation_id/conv-9?from=now-1h');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.steps.map((s: any) => s.kind), ['publish', 'deliver']);
  assert.equal(r.body.breaks.length, 1);
});
