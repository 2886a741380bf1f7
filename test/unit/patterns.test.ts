// The pattern rules on hand-made rows: each verdict flips when its evidence is taken away.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPatterns,
  classifyConsumers,
  classifyFlows,
  classifyMessageTypes,
  findRequestReply,
  nameShape,
  nameWords,
  type ChainRow,
  type PatternRows,
  type TypeEdgeRow,
} from '../../lib/analysis/patterns.js';

const pub = (messageType: string, publisher: string, destination = messageType.toLowerCase(), messages = 10): TypeEdgeRow => ({
  kind: 'publish', messageType, destination, system: 'kafka', publisher, consumerGroup: '', consumer: '', messages,
});
const del = (messageType: string, publisher: string, group: string, consumer = group, destination = messageType.toLowerCase(), messages = 10): TypeEdgeRow => ({
  kind: 'deliver', messageType, destination, system: 'kafka', publisher, consumerGroup: group, consumer, messages,
});
const chain = (inType: string, inPublisher: string, handler: string, outType: string, outConsumer: string, messages = 10): ChainRow => ({
  inType, inPublisher, inGroup: handler, handler, outType, outDestination: outType.toLowerCase(), outConsumer, messages,
});
const rows = (p: Partial<PatternRows>): PatternRows => ({ types: [], chains: [], callbacks: [], correlations: [], ...p });

describe('names', () => {
  test('words of the usual spellings', () => {
    assert.deepEqual(nameWords('OrderPlaced'), ['order', 'placed']);
    assert.deepEqual(nameWords('order.placed'), ['order', 'placed']);
    assert.deepEqual(nameWords('payment_taken'), ['payment', 'taken']);
    assert.deepEqual(nameWords('com.shop.ChargeCard'), ['charge', 'card']);
    assert.deepEqual(nameWords('HTTPRequestSent'), ['http', 'request', 'sent']);
  });
  test('past tense, imperative, neither', () => {
    for (const n of ['OrderPlaced', 'PaymentTaken', 'CardCharged', 'order.shipped', 'InvoiceSent']) assert.equal(nameShape(n), 'past-tense', n);
    for (const n of ['ChargeCard', 'ShipOrder', 'StartCheckout', 'reserve_stock', 'SendInvoice']) assert.equal(nameShape(n), 'imperative', n);
    for (const n of ['orders', 'payments', 'Heartbeat', '']) assert.equal(nameShape(n), 'neither', n);
  });
});

describe('event or command', () => {
  test('fan-out and a past-tense name make an event; one handler, an imperative name and a reply a command', () => {
    const r = rows({
      types: [pub('OrderPlaced', 'order'), del('OrderPlaced', 'order', 'payment'), del('OrderPlaced', 'order', 'inventory'),
        pub('ChargeCard', 'orch'), del('ChargeCard', 'orch', 'payment-commands', 'payment'), pub('CardCharged', 'payment'), del('CardCharged', 'payment', 'orch')],
      chains: [chain('ChargeCard', 'orch', 'payment', 'CardCharged', 'orch')],
    });
    const byName = Object.fromEntries(classifyMessageTypes(r).map((t) => [t.messageType, t]));
    assert.equal(byName.OrderPlaced!.kind, 'event');
    assert.deepEqual(byName.OrderPlaced!.consumerGroups, ['inventory', 'payment']);
    assert.match(byName.OrderPlaced!.evidence[0]!, /fan-out: delivered to 2 consumer groups/);
    assert.equal(byName.ChargeCard!.kind, 'command');
    assert.deepEqual(byName.ChargeCard!.replies, ['CardCharged']);
    assert.equal(byName.CardCharged!.kind, 'event', 'a reply named as a fact is still a fact');
    assert.ok(byName.CardCharged!.evidence.includes('it is the reply to ChargeCard: it reports what was done'), byName.CardCharged!.evidence.join());
  });
  test('a neutral name decides by the traffic: fan-out → event, one group with a reply → command, one group alone → command', () => {
    const fan = classifyMessageTypes(rows({ types: [pub('orders', 'a'), del('orders', 'a', 'g1'), del('orders', 'a', 'g2')] }));
    assert.equal(fan[0]!.kind, 'event');
    const one = classifyMessageTypes(rows({ types: [pub('jobs', 'a'), del('jobs', 'a', 'g1')] }));
    assert.equal(one[0]!.kind, 'command');
    const none = classifyMessageTypes(rows({ types: [pub('jobs', 'a')] }));
    assert.equal(none[0]!.kind, 'unclear');
  });
  test('an imperative name fanned out to two groups is unclear, not silently one of them', () => {
    const t = classifyMessageTypes(rows({ types: [pub('SendEmail', 'a'), del('SendEmail', 'a', 'g1'), del('SendEmail', 'a', 'g2')] }))[0]!;
    assert.equal(t.kind, 'unclear');
    assert.equal(t.evidence.length, 2);
  });
  test('a message sent back to someone else than the sender is no reply', () => {
    const r = rows({ types: [pub('ChargeCard', 'orch'), del('ChargeCard', 'orch', 'pay')], chains: [chain('ChargeCard', 'orch', 'pay', 'CardCharged', 'audit')] });
    assert.deepEqual(classifyMessageTypes(r)[0]!.replies, []);
  });
});

describe('consumers: call-back or carried state', () => {
  const types = [pub('OrderPlaced', 'order'), del('OrderPlaced', 'order', 'notification'), del('OrderPlaced', 'order', 'inventory')];
  const cb = (group: string, deliveries: number, callbacks: number) => ({ messageType: 'OrderPlaced', destination: 'orders', consumerGroup: group, consumer: group, publisher: 'order', deliveries, callbacks });
  test('at least half of the deliveries followed by a call to the publisher: a call-back', () => {
    const got = classifyConsumers(rows({ types, callbacks: [cb('notification', 10, 10), cb('inventory', 10, 0)] }));
    assert.deepEqual(got.map((c) => [c.consumerGroup, c.kind]), [['inventory', 'event-carried-state'], ['notification', 'notification-with-callback']]);
    assert.match(got[1]!.evidence[0]!, /10 of 10 deliveries \(100%\) were followed by a call from notification to order/);
  });
  test('below the share it is carried state, and says how many did call', () => {
    const [c] = classifyConsumers(rows({ types, callbacks: [cb('notification', 10, 4)] }));
    assert.equal(c!.kind, 'event-carried-state');
    assert.match(c!.evidence[0]!, /only 4 of 10 deliveries/);
    assert.equal(classifyConsumers(rows({ types, callbacks: [cb('notification', 10, 5)] }))[0]!.kind, 'notification-with-callback');
  });
  test('a command handler is not classified (it is told, not notified)', () => {
    const r = rows({ types: [pub('ChargeCard', 'orch'), del('ChargeCard', 'orch', 'pay')], callbacks: [{ messageType: 'ChargeCard', destination: 'chargecard', consumerGroup: 'pay', consumer: 'pay', publisher: 'orch', deliveries: 5, callbacks: 5 }] });
    assert.deepEqual(classifyConsumers(r), []);
  });
});

describe('flows and request/reply', () => {
  // the demo's two flows, as rows
  const orchestrated = rows({
    types: [
      pub('StartCheckout', 'order'), del('StartCheckout', 'order', 'checkout', 'orch'),
      pub('ChargeCard', 'orch'), del('ChargeCard', 'orch', 'payment-commands', 'payment'),
      pub('CardCharged', 'payment'), del('CardCharged', 'payment', 'checkout', 'orch'),
      pub('ShipOrder', 'orch'), del('ShipOrder', 'orch', 'shipping-commands', 'shipping'),
      pub('OrderShipped', 'shipping'), del('OrderShipped', 'shipping', 'checkout', 'orch'),
      pub('OrderPlaced', 'order'), del('OrderPlaced', 'order', 'payment'), del('OrderPlaced', 'order', 'inventory'),
      pub('PaymentTaken', 'payment'), del('PaymentTaken', 'payment', 'shipping'), del('PaymentTaken', 'payment', 'notification'),
    ],
    chains: [
      chain('StartCheckout', 'order', 'orch', 'ChargeCard', 'payment'),
      chain('ChargeCard', 'orch', 'payment', 'CardCharged', 'orch'),
      chain('CardCharged', 'payment', 'orch', 'ShipOrder', 'shipping'),
      chain('CardCharged', 'payment', 'orch', 'OrderShipped', 'orch', 1), // a rare branch
      chain('ShipOrder', 'orch', 'shipping', 'OrderShipped', 'orch'),
      chain('OrderPlaced', 'order', 'payment', 'PaymentTaken', 'shipping'),
      chain('OrderPlaced', 'order', 'payment', 'PaymentTaken', 'notification'),
    ],
    correlations: [{ messageType: 'ChargeCard', publishes: 10, correlated: 10 }, { messageType: 'CardCharged', publishes: 10, correlated: 5 }],
  });
  test('the service sending commands and collecting replies owns its flow; the other flow is choreographed', () => {
    const flows = classifyFlows(orchestrated);
    assert.deepEqual(flows.map((f) => [f.kind, f.owner, f.messageTypes]), [
      ['orchestrated', 'orch', ['StartCheckout', 'ChargeCard', 'CardCharged', 'ShipOrder', 'OrderShipped']],
      ['choreographed', undefined, ['OrderPlaced', 'PaymentTaken']],
    ]);
    assert.match(flows[0]!.evidence[0]!, /orch sends the commands ChargeCard, ShipOrder and collects the replies CardCharged, OrderShipped/);
  });
  test('without the replies nobody owns the flow', () => {
    const noReplies = { ...orchestrated, chains: orchestrated.chains.filter((c) => c.outConsumer !== 'orch') };
    assert.ok(classifyFlows(noReplies).every((f) => f.kind === 'choreographed'));
  });
  test('request/reply pairs name requester, responder, reply destination and the correlated share', () => {
    assert.deepEqual(findRequestReply(orchestrated).map((r) => [r.requester, r.responder, r.requestType, r.replyType, r.replyDestination, r.correlatedShare]), [
      ['orch', 'payment', 'ChargeCard', 'CardCharged', 'cardcharged', 0.75],
      ['orch', 'shipping', 'ShipOrder', 'OrderShipped', 'ordershipped', 0],
    ]);
    assert.match(findRequestReply(orchestrated)[1]!.evidence[1]!, /no correlation id/);
  });
  test('buildPatterns holds all four, each with an explanation', () => {
    const p = buildPatterns(orchestrated);
    for (const list of [p.messageTypes, p.flows, p.requestReply]) for (const x of list) assert.ok(x.explanation.length > 40);
  });
});
