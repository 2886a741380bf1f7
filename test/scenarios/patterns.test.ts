// Patterns of event-driven design, through the real collector, on the demo shop (demo/shop.ts) whose
// answers are known by construction: OrderPlaced/PaymentTaken are events (fan-out, past tense),
// ChargeCard/ShipOrder commands (one handler, a reply to the sender), checkout-orchestrator owns the
// orchestrated checkout flow while the OrderPlaced flow is choreographed, the notification consumer
// of OrderPlaced calls the order service back (its event lacks the e-mail address) and inventory
// does not. The exports of the same range parse (mermaid) and validate (@asyncapi/parser).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, type DemoHandle } from '../../demo/index.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { routeHandler, runHandler } from '../../lib/api/http.js';
import { registerStore } from '../../lib/runtime.js';
import { asyncApiHandler, mermaidHandler } from '../../lib/api/export.js';
import { parseMermaid, validateAsyncApi } from '../support/export-validators.js';

let es: TestEventscope;
let demo: DemoHandle | undefined;
let body: any;
let range: string;

before(async () => {
  es = await startTestEventscope();
  const fromMs = Date.now() - 60_000;
  demo = await startDemo(
    { endpoint: es.otlpHttpUrl, rate: 30, seed: 13, duplicateRate: 0, reorderRate: 0, errorRate: 0, maxRetries: 1, slowConsumerMs: 5, stopConsumerAfterS: 600, exportIntervalMs: 100 },
    { log: () => {} },
  );
  const deadline = Date.now() + 30_000;
  while (demo.stats.ordersPlaced < 40 || demo.stats.sagasCompleted < 5 || demo.stats.callbacks < 5) {
    if (Date.now() > deadline) throw new Error(`demo too slow: ${JSON.stringify(demo.stats)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await demo.stop();
  demo = undefined;
  range = `from=${fromMs}&to=${Date.now() + 60_000}`;
  const res = await es.api(`/api/patterns?${range}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  body = res.body;
});

after(async () => {
  await demo?.stop();
  await es?.close();
});

const type = (name: string) => {
  const t = body.messageTypes.find((m: any) => m.messageType === name);
  assert.ok(t, `${name} among ${body.messageTypes.map((m: any) => m.messageType).join(', ')}`);
  return t;
};

describe('patterns of the demo shop', () => {
  test('OrderPlaced and PaymentTaken are events: fanned out to several groups, named as facts', () => {
    for (const name of ['OrderPlaced', 'PaymentTaken']) {
      const t = type(name);
      assert.equal(t.kind, 'event', JSON.stringify(t));
      assert.ok(t.consumerGroups.length >= 2, JSON.stringify(t.consumerGroups));
      assert.equal(t.nameShape, 'past-tense');
      assert.match(t.explanation, /fact/);
    }
    assert.deepEqual(type('OrderPlaced').consumerGroups, ['inventory', 'notification', 'payment']);
  });

  test('ChargeCard and ShipOrder are commands: one handler group, each answered with a reply to its sender', () => {
    assert.deepEqual(
      ['ChargeCard', 'ShipOrder'].map((n) => [type(n).kind, type(n).consumerGroups, type(n).replies]),
      [
        ['command', ['payment-commands'], ['CardCharged']],
        ['command', ['shipping-commands'], ['OrderShipped']],
      ],
    );
    assert.ok(type('ChargeCard').evidence.some((e: string) => /replies with CardCharged/.test(e)));
  });

  test('checkout-orchestrator owns the orchestrated flow; the OrderPlaced flow has no owner', () => {
    const orchestrated = body.flows.filter((f: any) => f.kind === 'orchestrated');
    assert.deepEqual(orchestrated.map((f: any) => f.owner), ['checkout-orchestrator']);
    const [checkout] = orchestrated;
    for (const t of ['StartCheckout', 'ChargeCard', 'CardCharged', 'ShipOrder', 'OrderShipped', 'OrderCompleted']) assert.ok(checkout.messageTypes.includes(t), `${t} in ${checkout.messageTypes}`);
    assert.deepEqual(checkout.entryTypes, ['StartCheckout']);
    const placed = body.flows.find((f: any) => f.messageTypes.includes('OrderPlaced'));
    assert.equal(placed.kind, 'choreographed');
    assert.equal(placed.owner, undefined);
    assert.ok(placed.messageTypes.includes('PaymentTaken') && placed.messageTypes.includes('StockReserved'), placed.messageTypes.join());
  });

  test('the notification consumer of OrderPlaced calls the order service back; inventory and payment carry the state', () => {
    const consumer = (group: string, messageType = 'OrderPlaced') => body.consumers.find((c: any) => c.messageType === messageType && c.consumerGroup === group);
    const notification = consumer('notification');
    assert.equal(notification.kind, 'notification-with-callback', JSON.stringify(notification));
    assert.equal(notification.publisher, 'order');
    assert.ok(notification.callbacks >= 5 && notification.callbacks === notification.deliveries, JSON.stringify(notification));
    for (const g of ['inventory', 'payment']) assert.deepEqual([consumer(g).kind, consumer(g).callbacks], ['event-carried-state', 0]);
    // the same service on another event does not call back
    assert.equal(consumer('notification', 'PaymentTaken').kind, 'event-carried-state');
  });

  test('request/reply over queues: the orchestrator waits for replies on checkout-replies, correlated by conversation id', () => {
    const rr = body.requestReply.map((r: any) => [r.requester, r.responder, r.requestType, r.replyType, r.replyDestination, r.correlatedShare]);
    assert.deepEqual(rr, [
      ['checkout-orchestrator', 'payment', 'ChargeCard', 'CardCharged', 'checkout-replies', 1],
      ['checkout-orchestrator', 'shipping', 'ShipOrder', 'OrderShipped', 'checkout-replies', 1],
    ]);
  });

  test('the Mermaid export parses, draws the services and holds the orchestrated flow in a subgraph', async () => {
    const res = await runHandler(mermaidHandler, { store: es.store, url: new URL(`http://x/api/export/mermaid?${range}`), params: {}, now: new Date(), config: es.config });
    assert.equal(res.status, 200);
    assert.match(res.headers?.['content-disposition'] ?? '', /^attachment; filename="eventscope-flow-\d{8}-\d{4}\.mmd"$/);
    const text = res.body as string;
    assert.equal((await parseMermaid(text)).diagramType, 'flowchart-v2');
    assert.match(text, /subgraph flow\d+\["orchestrated by checkout-orchestrator: StartCheckout → /);
    assert.match(text, /s\d+\["checkout-orchestrator"\]/);
    assert.match(text, /-->\|"[^"]*OrderPlaced[^"]*"\|/);
    assert.match(text, /-.->\|"sync call"\|/);
  });

  test('the AsyncAPI export validates and names the observed channels and operations', async () => {
    const res = await runHandler(asyncApiHandler, { store: es.store, url: new URL(`http://x/api/export/asyncapi?${range}`), params: {}, now: new Date(), config: es.config });
    assert.equal(res.status, 200);
    assert.match(res.headers?.['content-disposition'] ?? '', /^attachment; filename="eventscope-flow-\d{8}-\d{4}\.asyncapi\.json"$/);
    const doc = JSON.parse(res.body as string);
    const errors = await validateAsyncApi(doc);
    assert.deepEqual(errors, []);
    assert.equal(doc.asyncapi, '3.0.0');
    assert.equal(doc.channels.orders.address, 'orders');
    assert.deepEqual(Object.keys(doc.channels.orders.messages), ['OrderPlaced']);
    const op = doc.operations['order.send.orders'];
    assert.deepEqual([op.action, op.channel.$ref, op.messages], ['send', '#/channels/orders', [{ $ref: '#/channels/orders/messages/OrderPlaced' }]]);
    assert.equal(doc.operations['notification.receive.orders.notification'].action, 'receive');
  });

  test('the Next.js route answers the file as a download, and errors as JSON', async () => {
    registerStore(es.store);
    const get = routeHandler(mermaidHandler);
    const res = await get(new Request(`http://eventscope.test/api/export/mermaid?${range}`));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/vnd.mermaid; charset=utf-8');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="eventscope-flow-/);
    assert.match(await res.text(), /^%% Eventscope flow map/);
    const bad = await get(new Request('http://eventscope.test/api/export/mermaid?from=yesterday'));
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('content-type'), 'application/json');
    assert.match((await bad.json()).error, /^from: /);
  });
});
