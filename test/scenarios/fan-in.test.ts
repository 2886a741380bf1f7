// Requests stop at fan-in (issue 13): a batch consumer's request, opened from one message's producer,
// holds that producer, the batch and what follows it, not the batch's other producers; those are
// listed on the batch span as other messages. Opened from the consumer trace it holds every producer.
// OTLP through the real collector, answers from GET /api/requests/{traceId}.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging } from '../support/otlp.js';
import { metricTotal } from '../support/metrics.js';

let es: TestEventscope;
before(async () => {
  es = await startTestEventscope();
});
after(async () => {
  await es?.close();
});

const timeline = async (id: string) => {
  const r = await es.api(`/api/requests/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const spanOf = (t: any, spanId: string) => t.spans.find((s: any) => s.spanId === spanId);

// one batch consumer span linking o-1, o-2, o-3 (kafkajs eachBatch with a link per message); its
// handler publishes one message that a downstream consumer receives in a trace of its own (link back)
const c = clock(Date.now() - 120_000);
const orders = ['o-1', 'o-2', 'o-3'];
const producers = orders.map((id, i) =>
  c.span({ service: `fi-checkout-${i}`, name: 'fi-orders send', kind: 'PRODUCER', start: i * 2, durationMs: 1, attributes: messaging({ destination: 'fi-orders', operation: 'send', messageId: id }) }),
);
const batch = c.span({
  service: 'fi-billing', name: 'fi-orders process', kind: 'CONSUMER', start: 30, durationMs: 10,
  links: producers.map((p, i) => ({ traceId: p.traceId, spanId: p.spanId, attributes: { 'messaging.message.id': orders[i]! } })),
  attributes: messaging({ destination: 'fi-orders', operation: 'process', group: 'fi-billing', batchCount: 3 }),
});
const invoiced = c.span({ service: 'fi-billing', name: 'fi-invoices send', kind: 'PRODUCER', parent: batch, start: 35, durationMs: 1, attributes: messaging({ destination: 'fi-invoices', operation: 'send', messageId: 'inv-1' }) });
const mailer = c.span({
  service: 'fi-mailer', name: 'fi-invoices process', kind: 'CONSUMER', start: 50, durationMs: 3,
  links: [{ traceId: invoiced.traceId, spanId: invoiced.spanId }],
  attributes: messaging({ destination: 'fi-invoices', operation: 'process', group: 'fi-mailer' }),
});

test("a producer's request holds its own batch and what follows it, not the batch's other producers", async () => {
  await es.sendSpans([...producers, batch, invoiced, mailer]);
  const t = await timeline(producers[0]!.traceId);
  assert.deepEqual(t.traceIds, [producers[0]!.traceId, batch.traceId, mailer.traceId]);
  assert.deepEqual(t.spans.map((s: any) => s.spanId), [producers[0]!.spanId, batch.spanId, invoiced.spanId, mailer.spanId]);
  assert.deepEqual(t.services, ['fi-billing', 'fi-checkout-0', 'fi-mailer']);
  const b = spanOf(t, batch.spanId);
  assert.deepEqual(b.otherMessages, {
    count: 2,
    links: [1, 2].map((i) => ({ traceId: producers[i]!.traceId, spanId: producers[i]!.spanId, messageId: orders[i] })),
  });
  assert.deepEqual(b.linksOut.map((l: any) => l.inRequest), [true, false, false]);
  // the hop of o-1 is paired; the other two messages' publishes are not in this request
  const paired = t.hops.filter((h: any) => h.publish !== null).map((h: any) => [h.publish.spanId, h.deliver.spanId]);
  assert.deepEqual(paired, [[producers[0]!.spanId, batch.spanId], [invoiced.spanId, mailer.spanId]]);
  assert.equal(t.truncated, undefined);
  // nothing else in the request claims other messages
  assert.deepEqual(t.spans.filter((s: any) => s.otherMessages).map((s: any) => s.spanId), [batch.spanId]);
});

test("the walk reads each depth's spans once: the traces linking in come with the round that found them", async () => {
  const count = async () => ({
    spans: await metricTotal('storeQueries', { query: 'timeline:spans' }),
    links: await metricTotal('storeQueries', { query: 'timeline:links-in' }),
  });
  const before = await count();
  const t = await timeline(producers[0]!.traceId);
  const after = await count();
  assert.deepEqual(t.traceIds, [producers[0]!.traceId, batch.traceId, mailer.traceId]);
  // depth 0: what links into the producer's trace (the batch), then the producer's and the batch's
  // spans in one read; depth 1: what links into the batch's trace (the mailer), then its spans;
  // depth 2: nothing links into the mailer and it links nowhere new, so no spans are read
  assert.deepEqual({ spans: after.spans - before.spans, links: after.links - before.links }, { spans: 2, links: 3 });
});

test('o-2 sees o-1 and o-3 as the other messages', async () => {
  const t = await timeline(producers[1]!.traceId);
  assert.deepEqual(t.traceIds, [producers[1]!.traceId, batch.traceId, mailer.traceId]);
  assert.deepEqual(spanOf(t, batch.spanId).otherMessages.links.map((l: any) => l.messageId), ['o-1', 'o-3']);
});

test("the request opened from the batch consumer's trace holds all three producers", async () => {
  const t = await timeline(batch.traceId);
  assert.deepEqual(t.traceIds, [batch.traceId, ...[...producers.map((p) => p.traceId), mailer.traceId].sort()]);
  assert.equal(t.spanCount, 6);
  const b = spanOf(t, batch.spanId);
  assert.equal(b.otherMessages, undefined);
  assert.deepEqual(b.linksOut.map((l: any) => l.inRequest), [true, true, true]);
  assert.deepEqual(
    t.hops.filter((h: any) => h.deliver.spanId === batch.spanId).map((h: any) => h.publish?.spanId).sort(),
    producers.map((p) => p.spanId).sort(),
  );
});

// kafkajs eachBatch with a process span per message: a receive span whose children each link to one
// message's producer
const k = clock(Date.now() - 100_000);
const kProducers = ['k-1', 'k-2', 'k-3'].map((id, i) =>
  k.span({ service: 'fi-shop', name: 'fi-carts send', kind: 'PRODUCER', start: i, durationMs: 1, attributes: messaging({ destination: 'fi-carts', operation: 'send', messageId: id }) }),
);
const receive = k.span({ service: 'fi-stock', name: 'fi-carts receive', kind: 'CONSUMER', start: 20, durationMs: 10, attributes: messaging({ destination: 'fi-carts', operation: 'receive', group: 'fi-stock', batchCount: 3 }) });
const perMessage = kProducers.map((p, i) =>
  k.span({
    service: 'fi-stock', name: 'fi-carts process', kind: 'CONSUMER', parent: receive, start: 21 + i, durationMs: 1,
    links: [{ traceId: p.traceId, spanId: p.spanId, attributes: { 'messaging.message.id': `k-${i + 1}` } }],
    attributes: messaging({ destination: 'fi-carts', operation: 'process', group: 'fi-stock', messageId: `k-${i + 1}` }),
  }),
);

test('a process span per message: the receive span is the batch and lists the other messages', async () => {
  await es.sendSpans([...kProducers, receive, ...perMessage]);
  const t = await timeline(kProducers[2]!.traceId);
  assert.deepEqual(t.traceIds, [kProducers[2]!.traceId, receive.traceId]);
  assert.equal(t.spanCount, 5);
  assert.deepEqual(spanOf(t, receive.spanId).otherMessages, {
    count: 2,
    links: [0, 1].map((i) => ({ traceId: kProducers[i]!.traceId, spanId: kProducers[i]!.spanId, messageId: `k-${i + 1}` })),
  });
  const whole = await timeline(receive.traceId);
  assert.deepEqual(whole.traceIds, [receive.traceId, ...kProducers.map((p) => p.traceId).sort()]);
  assert.equal(spanOf(whole, receive.spanId).otherMessages, undefined);
});
