// Flow map scenarios: OTLP through the real collector, exact answers from GET /api/topology.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Span } from '../support/otlp.js';

let es: TestEventscope;
before(async () => {
  es = await startTestEventscope();
});
after(async () => {
  await es?.close();
});

const send = (spans: Span[]) => es.sendSpans(spans);

interface Edge {
  source: string;
  target: string;
  kind: string;
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  group?: string;
  queueP50Ms?: number;
  queueP95Ms?: number;
  queueSamples?: number;
  lag?: { backlog: number; status: string };
}

async function topology(query = '') {
  const r = await es.api<{ nodes: Array<{ id: string; kind: string; label: string; system?: string; service?: string; peerKind?: string }>; edges: Edge[] }>(
    `/api/topology?from=now-1h${query}`,
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** Edges touching any of the node ids, as compact comparable rows. */
function edgesOf(t: { edges: Edge[] }, ids: string[]) {
  return t.edges
    .filter((e) => ids.includes(e.source) || ids.includes(e.target))
    .map((e) => {
      const row: Record<string, unknown> = {
        edge: `${e.kind} ${e.source} -> ${e.target}${e.group ? ` [${e.group}]` : ''}`,
        count: e.count,
        errors: e.errors,
        p50Ms: e.p50Ms,
        p95Ms: e.p95Ms,
      };
      if (e.queueP50Ms !== undefined) Object.assign(row, { queueP50Ms: e.queueP50Ms, queueP95Ms: e.queueP95Ms, queueSamples: e.queueSamples });
      return row;
    });
}

test('fan-out: one event to three consumer groups makes 1 publish edge and 3 deliver edges', async () => {
  const t = clock(Date.now() - 60_000);
  const spans: Span[] = [];
  for (const at of [0, 100]) {
    const pub = t.span({ service: 'fan-orders', name: 'order-events send', kind: 'PRODUCER', start: at, durationMs: 2, attributes: messaging({ destination: 'order-events', operation: 'send' }) });
    spans.push(pub);
    const consumer = (service: string, group: string, queueMs: number, status: 'UNSET' | 'ERROR' = 'UNSET') =>
      t.span({ service, name: 'order-events process', kind: 'CONSUMER', parent: pub, start: at + 2 + queueMs, durationMs: 4, status, attributes: messaging({ destination: 'order-events', operation: 'process', group }) });
    spans.push(consumer('billing', 'billing', 8), consumer('shipping', 'shipping', 15), consumer('warehouse', 'analytics-loader', 30, at === 0 ? 'ERROR' : 'UNSET'));
  }
  await send(spans);

  const topo = await topology();
  const dest = 'destination:kafka:order-events';
  assert.deepEqual(edgesOf(topo, [dest]), [
    { edge: `publish service:fan-orders -> ${dest}`, count: 2, errors: 0, p50Ms: 2, p95Ms: 2 },
    { edge: `deliver ${dest} -> service:billing [billing]`, count: 2, errors: 0, p50Ms: 4, p95Ms: 4, queueP50Ms: 8, queueP95Ms: 8, queueSamples: 2 },
    { edge: `deliver ${dest} -> service:shipping [shipping]`, count: 2, errors: 0, p50Ms: 4, p95Ms: 4, queueP50Ms: 15, queueP95Ms: 15, queueSamples: 2 },
    { edge: `deliver ${dest} -> service:warehouse [analytics-loader]`, count: 2, errors: 1, p50Ms: 4, p95Ms: 4, queueP50Ms: 30, queueP95Ms: 30, queueSamples: 2 },
  ]);
  assert.deepEqual(topo.nodes.find((n) => n.id === dest), { id: dest, kind: 'destination', label: 'order-events', system: 'kafka' });
  // a consumer group that differs from its service is a node of its own; groups named like the service are not
  assert.deepEqual(topo.nodes.filter((n) => n.kind === 'consumerGroup' && n.service?.startsWith('service:')).map((n) => n.id).filter((id) => ['billing', 'shipping', 'warehouse'].some((s) => id.startsWith(`group:${s}:`))), ['group:warehouse:analytics-loader']);
  // every message delivered: no backlog on these groups
  for (const e of topo.edges.filter((e) => e.source === dest)) assert.equal(e.lag?.backlog, 0, `${e.group} backlog`);
});

test('orchestrator: commands out and replies back are edges both ways with exact latencies', async () => {
  const t = clock(Date.now() - 50_000);
  const spans: Span[] = [];
  for (const [i, d] of [1, 2, 3].entries()) {
    const at = i * 1000;
    const cmd = t.span({ service: 'saga', name: 'payment-commands send', kind: 'PRODUCER', start: at, durationMs: d, attributes: { ...messaging({ destination: 'payment-commands', operation: 'send' }), 'cloudevents.event_type': 'ChargePayment' } });
    const handle = t.span({ service: 'payment', name: 'payment-commands process', kind: 'CONSUMER', parent: cmd, start: at + d + 4 + d, durationMs: 10 * d, attributes: { ...messaging({ destination: 'payment-commands', operation: 'process', group: 'payment' }), 'cloudevents.event_type': 'ChargePayment' } });
    const replyAt = at + d + 4 + d + 1;
    const reply = t.span({ service: 'payment', name: 'saga-replies send', kind: 'PRODUCER', parent: handle, start: replyAt, durationMs: 1, attributes: { ...messaging({ destination: 'saga-replies', operation: 'send' }), 'cloudevents.event_type': 'PaymentCharged' } });
    const collect = t.span({ service: 'saga', name: 'saga-replies process', kind: 'CONSUMER', parent: reply, start: replyAt + 1 + 20, durationMs: 3, attributes: { ...messaging({ destination: 'saga-replies', operation: 'process', group: 'saga' }), 'cloudevents.event_type': 'PaymentCharged' } });
    spans.push(cmd, handle, reply, collect);
  }
  await send(spans);

  const topo = await topology();
  const cmds = 'destination:kafka:payment-commands';
  const replies = 'destination:kafka:saga-replies';
  assert.deepEqual(edgesOf(topo, [cmds, replies]), [
    { edge: `publish service:payment -> ${replies}`, count: 3, errors: 0, p50Ms: 1, p95Ms: 1 },
    { edge: `publish service:saga -> ${cmds}`, count: 3, errors: 0, p50Ms: 2, p95Ms: 3 },
    // queue times 5, 6, 7 ms: exact inclusive percentiles
    { edge: `deliver ${cmds} -> service:payment [payment]`, count: 3, errors: 0, p50Ms: 20, p95Ms: 30, queueP50Ms: 6, queueP95Ms: 6.9, queueSamples: 3 },
    { edge: `deliver ${replies} -> service:saga [saga]`, count: 3, errors: 0, p50Ms: 3, p95Ms: 3, queueP50Ms: 20, queueP95Ms: 20, queueSamples: 3 },
  ]);

  // grouped by message type the map reads saga → ChargePayment → payment → PaymentCharged → saga
  const byType = await topology('&groupBy=messageType');
  const charge = 'messageType:kafka:ChargePayment';
  const charged = 'messageType:kafka:PaymentCharged';
  assert.deepEqual(
    byType.edges.filter((e) => [charge, charged].includes(e.source) || [charge, charged].includes(e.target)).map((e) => [e.source, e.target, e.count, e.queueP50Ms ?? null]),
    [
      ['service:payment', charged, 3, null],
      ['service:saga', charge, 3, null],
      [charge, 'service:payment', 3, 6],
      [charged, 'service:saga', 3, 20],
    ],
  );
  assert.deepEqual(byType.nodes.find((n) => n.id === charge), { id: charge, kind: 'messageType', label: 'ChargePayment', system: 'kafka' });
  assert.equal(byType.nodes.some((n) => n.id === cmds), false, 'destinations fold into message types');
});

test('link-only batch consumers (kafkajs eachBatch) appear exactly like parent/child consumers', async () => {
  const t = clock(Date.now() - 40_000);
  const producers = [0, 1, 2].map((i) =>
    t.span({ service: 'batch-producer', name: 'batch-topic send', kind: 'PRODUCER', start: i, durationMs: 1, attributes: messaging({ destination: 'batch-topic', operation: 'send' }) }),
  );
  // one consumer span in a NEW trace, connected to its three messages only by links
  const batch = t.span({ service: 'batch-consumer', name: 'batch-topic process', kind: 'CONSUMER', start: 20, durationMs: 9, links: producers, attributes: messaging({ destination: 'batch-topic', operation: 'process', group: 'batch-group', batchCount: 3 }) });
  // and a parent/child consumer of the same messages in another group, for comparison
  const single = producers.map((p, i) =>
    t.span({ service: 'single-consumer', name: 'batch-topic process', kind: 'CONSUMER', parent: p, start: 20 + i, durationMs: 9, attributes: messaging({ destination: 'batch-topic', operation: 'process', group: 'single-group' }) }),
  );
  await send([...producers, batch, ...single]);

  const topo = await topology();
  const dest = 'destination:kafka:batch-topic';
  assert.deepEqual(edgesOf(topo, [dest]), [
    { edge: `publish service:batch-producer -> ${dest}`, count: 3, errors: 0, p50Ms: 1, p95Ms: 1 },
    // ends at 1, 2, 3 ms; batch starts at 20 → queue 19, 18, 17. The edge counts the 3 messages the
    // batch delivered, not its 1 span (issue 8).
    { edge: `deliver ${dest} -> service:batch-consumer [batch-group]`, count: 3, errors: 0, p50Ms: 9, p95Ms: 9, queueP50Ms: 18, queueP95Ms: 18.9, queueSamples: 3 },
    { edge: `deliver ${dest} -> service:single-consumer [single-group]`, count: 3, errors: 0, p50Ms: 9, p95Ms: 9, queueP50Ms: 19, queueP95Ms: 19, queueSamples: 3 },
  ]);
});

test('sync calls between services and calls to external peers', async () => {
  const t = clock(Date.now() - 30_000);
  const spans: Span[] = [];
  for (const [i, d] of [30, 40, 50].entries()) {
    const root = t.span({ service: 'checkout', name: 'POST /checkout', kind: 'SERVER', start: i * 100, durationMs: 100 });
    const call = t.span({ service: 'checkout', name: 'GET /stock', kind: 'CLIENT', parent: root, start: i * 100 + 1, durationMs: d, attributes: { 'http.request.method': 'GET', 'server.address': 'inventory' } });
    const served = t.span({ service: 'inventory', name: 'GET /stock', kind: 'SERVER', parent: call, start: i * 100 + 2, durationMs: d - 2, status: i === 2 ? 'ERROR' : 'UNSET' });
    const db = t.span({ service: 'checkout', name: 'SELECT orders', kind: 'CLIENT', parent: root, start: i * 100 + 60, durationMs: 4, attributes: { 'db.system': 'postgresql', 'db.namespace': 'shop' } });
    const stripe = t.span({ service: 'checkout', name: 'POST', kind: 'CLIENT', parent: root, start: i * 100 + 70, durationMs: 12, attributes: { 'http.request.method': 'POST', 'server.address': 'api.stripe.com' } });
    spans.push(root, call, served, db, stripe);
  }
  // a peer.service that names a service we know but whose server span is missing: still a call edge
  const root = t.span({ service: 'inventory', name: 'reindex', kind: 'INTERNAL', start: 500, durationMs: 50 });
  spans.push(root, t.span({ service: 'inventory', name: 'notify', kind: 'CLIENT', parent: root, start: 501, durationMs: 6, attributes: { 'peer.service': 'checkout' } }));
  await send(spans);

  const topo = await topology();
  assert.deepEqual(edgesOf(topo, ['service:checkout']), [
    { edge: 'call service:checkout -> service:inventory', count: 3, errors: 1, p50Ms: 40, p95Ms: 50 },
    { edge: 'call service:inventory -> service:checkout', count: 1, errors: 0, p50Ms: 6, p95Ms: 6 },
    { edge: 'peer service:checkout -> peer:database:postgresql shop', count: 3, errors: 0, p50Ms: 4, p95Ms: 4 },
    { edge: 'peer service:checkout -> peer:http:api.stripe.com', count: 3, errors: 0, p50Ms: 12, p95Ms: 12 },
  ]);
  assert.deepEqual(topo.nodes.find((n) => n.id === 'peer:database:postgresql shop'), { id: 'peer:database:postgresql shop', kind: 'peer', label: 'postgresql shop', peerKind: 'database' });
});

test('Java-agent legacy attributes: destination, consumer group, partition and offset', async () => {
  const t = clock(Date.now() - 20_000);
  const legacy = (op: string) => ({ 'messaging.system': 'kafka', 'messaging.destination': 'legacy-orders', 'messaging.destination_kind': 'topic', 'messaging.operation': op });
  const pub = t.span({ service: 'java-producer', name: 'legacy-orders send', kind: 'PRODUCER', start: 0, durationMs: 3, attributes: { ...legacy('send'), 'messaging.kafka.partition': { int: 2 } } });
  const del = t.span({ service: 'java-consumer', name: 'legacy-orders process', kind: 'CONSUMER', parent: pub, start: 13, durationMs: 5, attributes: { ...legacy('process'), 'messaging.kafka.consumer_group': 'legacy-group', 'messaging.kafka.partition': { int: 2 }, 'messaging.kafka.message.offset': { int: 42 } } });
  await send([pub, del]);

  const topo = await topology();
  const dest = 'destination:kafka:legacy-orders';
  assert.deepEqual(edgesOf(topo, [dest]), [
    { edge: `publish service:java-producer -> ${dest}`, count: 1, errors: 0, p50Ms: 3, p95Ms: 3 },
    { edge: `deliver ${dest} -> service:java-consumer [legacy-group]`, count: 1, errors: 0, p50Ms: 5, p95Ms: 5, queueP50Ms: 10, queueP95Ms: 10, queueSamples: 1 },
  ]);
});

test('amqplib: exchange as destination, the queue as consumer group', async () => {
  const t = clock(Date.now() - 10_000);
  const pub = t.span({ service: 'amqp-shop', name: 'publish shop-exchange', kind: 'PRODUCER', start: 0, durationMs: 1, attributes: { 'messaging.system': 'rabbitmq', 'messaging.destination': 'shop-exchange', 'messaging.rabbitmq.routing_key': 'order.created', 'messaging.protocol': 'AMQP' } });
  const consumer = (service: string, queue: string, at: number) =>
    t.span({ service, name: `${queue} process`, kind: 'CONSUMER', parent: pub, start: at, durationMs: 2, attributes: { 'messaging.system': 'rabbitmq', 'messaging.destination': 'shop-exchange', 'messaging.rabbitmq.routing_key': 'order.created', 'messaging.operation': 'process' } });
  await send([pub, consumer('mailer', 'email-queue', 6), consumer('audit', 'audit-queue', 11)]);

  const topo = await topology();
  const dest = 'destination:rabbitmq:shop-exchange';
  assert.deepEqual(edgesOf(topo, [dest]), [
    { edge: `publish service:amqp-shop -> ${dest}`, count: 1, errors: 0, p50Ms: 1, p95Ms: 1 },
    { edge: `deliver ${dest} -> service:audit [audit-queue]`, count: 1, errors: 0, p50Ms: 2, p95Ms: 2, queueP50Ms: 10, queueP95Ms: 10, queueSamples: 1 },
    { edge: `deliver ${dest} -> service:mailer [email-queue]`, count: 1, errors: 0, p50Ms: 2, p95Ms: 2, queueP50Ms: 5, queueP95Ms: 5, queueSamples: 1 },
  ]);
  assert.deepEqual(
    topo.nodes.filter((n) => n.id === 'group:mailer:email-queue' || n.id === 'group:audit:audit-queue'),
    [
      { id: 'group:audit:audit-queue', kind: 'consumerGroup', label: 'audit-queue', service: 'service:audit' },
      { id: 'group:mailer:email-queue', kind: 'consumerGroup', label: 'email-queue', service: 'service:mailer' },
    ],
  );
});

test('a time window before the data is empty; invalid parameters get 400 with a message', async () => {
  const empty = await es.api('/api/topology?from=now-3d&to=now-2d');
  assert.equal(empty.status, 200);
  assert.deepEqual([empty.body.nodes, empty.body.edges], [[], []]);

  for (const [query, message] of [
    ['from=yesterday', 'from: expected ISO 8601'],
    ['from=now-1h&to=now-2h', 'from must be before to'],
    ['groupBy=service', 'groupBy: expected one of destination, messageType, got "service"'],
    ['lag=maybe', 'lag: expected true or false'],
  ] as const) {
    const r = await es.api(`/api/topology?${query}`);
    assert.equal(r.status, 400, query);
    assert.match(r.body.error, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), query);
  }
});
