// The demo shop end to end: six services export real OTLP (the official proto exporter) to the real
// collector on chDB; the stored spans must show every shape the demo promises.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, type DemoHandle } from '../../demo/index.js';
import { SERVICE_NAMES } from '../../demo/shop.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';

let es: TestEventscope;
let demo: DemoHandle | undefined;
let db: string;

async function rows<T>(sql: string): Promise<T[]> {
  return es.store.query<T>(sql.replaceAll('${db}', db), { name: 'test:demo' });
}

before(async () => {
  es = await startTestEventscope();
  db = es.store.database;
  demo = await startDemo(
    {
      endpoint: es.otlpHttpUrl,
      rate: 40,
      seed: 7,
      duplicateRate: 0.1,
      reorderRate: 0.1,
      errorRate: 0.2,
      maxRetries: 1,
      slowConsumerMs: 40,
      stopConsumerAfterS: 1,
      exportIntervalMs: 100,
    },
    { log: () => {} },
  );
  // let it run until enough has happened (the orchestrated sagas take the longest)
  const deadline = Date.now() + 20_000;
  while (demo.stats.ordersPlaced < 120 || demo.stats.sagasCompleted < 5) {
    if (Date.now() > deadline) throw new Error(`demo too slow: ${JSON.stringify(demo.stats)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // stop() flushes every exporter, and the collector acks only after commit: all spans are stored
  await demo.stop();
  demo = undefined;
});

after(async () => {
  await demo?.stop();
  await es?.close();
});

describe('demo shop over the in-process broker', () => {
  test('all six services send spans', async () => {
    const got = await rows<{ s: string }>('SELECT DISTINCT service_name AS s FROM ${db}.spans ORDER BY s');
    assert.deepEqual(
      got.map((r) => r.s),
      [...SERVICE_NAMES].sort(),
    );
  });

  test('producer and consumer spans carry normalized destinations, on both flow structures', async () => {
    const got = await rows<{ service_name: string; msg_operation: string; msg_destination: string; msg_consumer_group: string }>(
      `SELECT DISTINCT service_name, msg_operation, msg_destination, msg_consumer_group FROM \${db}.spans
       WHERE msg_operation != '' ORDER BY ALL`,
    );
    const has = (service: string, op: string, dest: string, group = '') =>
      got.some(
        (r) => r.service_name === service && r.msg_operation === op && r.msg_destination === dest && (op === 'send' || r.msg_consumer_group === group),
      );
    // choreography
    assert.ok(has('order', 'send', 'orders'), 'order publishes to orders');
    assert.ok(has('payment', 'process', 'orders', 'payment'), 'payment consumes orders');
    assert.ok(has('inventory', 'process', 'orders', 'inventory'), 'inventory consumes orders (legacy names)');
    assert.ok(has('notification', 'process', 'orders', 'notification'));
    assert.ok(has('payment', 'send', 'payments'));
    assert.ok(has('shipping', 'process', 'payments', 'shipping'));
    // orchestration: commands and replies
    assert.ok(has('checkout-orchestrator', 'send', 'payment-commands'));
    assert.ok(has('payment', 'process', 'payment-commands', 'payment-commands'));
    assert.ok(has('payment', 'send', 'checkout-replies'));
    assert.ok(has('checkout-orchestrator', 'process', 'checkout-replies', 'checkout'));
    assert.ok(has('checkout-orchestrator', 'send', 'shipping-commands'));
    // failures end in the dead-letter topic
    assert.ok(has('payment', 'send', 'orders.payment.dlq'), 'a payment was dead-lettered');
  });

  test('consumer spans are children of the producer span across services', async () => {
    const [r] = await rows<{ n: string }>(
      `SELECT count() AS n FROM \${db}.spans c
       INNER JOIN \${db}.spans p ON c.trace_id = p.trace_id AND c.parent_span_id = p.span_id
       WHERE c.span_kind = 'CONSUMER' AND p.span_kind = 'PRODUCER' AND c.service_name = 'payment' AND p.service_name = 'order'`,
    );
    assert.ok(Number(r!.n) > 10, `payment consumer spans parented by order producer spans: ${r!.n}`);
  });

  test('the batch consumer starts a new trace and links to stored producer spans', async () => {
    const got = await rows<{ links: string; linked: string; batches: string }>(
      `SELECT count() AS links, countIf(p.span_id != '') AS linked, uniqExact(l.span_id) AS batches
       FROM \${db}.span_links l
       LEFT JOIN (SELECT trace_id, span_id FROM \${db}.spans WHERE span_kind = 'PRODUCER' AND msg_destination = 'shipments') p
         ON l.link_trace_id = p.trace_id AND l.link_span_id = p.span_id
       WHERE l.service_name = 'notification'`,
    );
    const r = got[0]!;
    assert.ok(Number(r.links) > 0, 'the batch consumer span has links');
    assert.equal(r.linked, r.links, 'every link points at a stored producer span');
    const [root] = await rows<{ n: string; parents: string }>(
      `SELECT count() AS n, countIf(parent_span_id != '') AS parents FROM \${db}.spans
       WHERE service_name = 'notification' AND span_kind = 'CONSUMER' AND msg_destination = 'shipments'`,
    );
    assert.ok(Number(root!.n) > 0);
    assert.equal(root!.parents, '0', 'batch consumer spans are roots (link-only)');
  });

  test('a message is delivered twice to the same consumer group', async () => {
    const got = await rows<{ msg_message_id: string; msg_consumer_group: string; n: string }>(
      `SELECT msg_message_id, msg_consumer_group, count() AS n FROM \${db}.spans
       WHERE msg_operation = 'process' AND msg_message_id != '' AND status_code != 'ERROR'
       GROUP BY msg_message_id, msg_consumer_group HAVING n > 1 LIMIT 5`,
    );
    assert.ok(got.length > 0, 'at least one duplicate delivery after success');
  });

  test('a failed consumer span is followed by a retry of the same message', async () => {
    const got = await rows<{ msg_message_id: string; failed_at: string; retried_at: string }>(
      `SELECT f.msg_message_id, f.timestamp AS failed_at, r.timestamp AS retried_at
       FROM \${db}.spans f
       INNER JOIN \${db}.spans r ON r.msg_message_id = f.msg_message_id AND r.msg_consumer_group = f.msg_consumer_group
       WHERE f.status_code = 'ERROR' AND f.msg_operation = 'process' AND f.msg_consumer_group = 'payment'
         AND r.msg_operation = 'process' AND r.span_id != f.span_id AND r.timestamp > f.timestamp
       LIMIT 1`,
    );
    assert.equal(got.length, 1, 'an ERROR payment span with a later delivery of the same message');
  });

  test('legacy Java-agent attributes are normalized', async () => {
    const [r] = await rows<{ n: string; with_offset: string; with_group: string; with_partition: string }>(
      `SELECT count() AS n, countIf(msg_offset IS NOT NULL) AS with_offset,
              countIf(msg_consumer_group = 'inventory') AS with_group, countIf(msg_partition != '') AS with_partition
       FROM \${db}.spans
       WHERE service_name = 'inventory' AND span_kind = 'CONSUMER' AND mapContains(span_attributes, 'messaging.kafka.consumer.group')`,
    );
    assert.ok(Number(r!.n) > 0, 'inventory sends legacy consumer spans');
    assert.equal(r!.with_offset, r!.n, 'msg_offset from messaging.kafka.message.offset');
    assert.equal(r!.with_group, r!.n, 'msg_consumer_group from messaging.kafka.consumer.group');
    assert.equal(r!.with_partition, r!.n, 'msg_partition from messaging.kafka.partition');
  });

  test('event notification: notification calls the order service back over HTTP', async () => {
    const [r] = await rows<{ n: string }>(
      `SELECT count() AS n FROM \${db}.spans c
       INNER JOIN \${db}.spans s ON s.trace_id = c.trace_id AND s.parent_span_id = c.span_id
       WHERE c.service_name = 'notification' AND c.span_kind = 'CLIENT' AND s.service_name = 'order' AND s.span_kind = 'SERVER'`,
    );
    assert.ok(Number(r!.n) > 0);
  });

  test('the flow map (GET /api/topology) shows choreography and orchestration', async () => {
    const res = await es.api('/api/topology?from=now-15m');
    assert.equal(res.status, 200);
    const { nodes, edges } = res.body as {
      nodes: { id: string; kind: string; label: string }[];
      edges: { source: string; target: string; kind: string; count: number; group?: string }[];
    };
    const label = (id: string) => nodes.find((n) => n.id === id)?.label;
    const edge = (kind: string, from: string, to: string) =>
      edges.find((e) => e.kind === kind && label(e.source) === from && label(e.target) === to);
    for (const name of SERVICE_NAMES) assert.ok(nodes.some((n) => n.kind === 'service' && n.label === name), `service node ${name}`);
    assert.ok(edge('publish', 'order', 'orders'), 'order → orders');
    assert.ok(edge('deliver', 'orders', 'payment'), 'orders → payment');
    assert.ok(edge('deliver', 'orders', 'inventory'), 'orders → inventory (legacy names)');
    assert.ok(edge('publish', 'checkout-orchestrator', 'payment-commands'), 'orchestrator → payment-commands');
    assert.ok(edge('deliver', 'checkout-replies', 'checkout-orchestrator'), 'replies → orchestrator');
    assert.ok(edge('deliver', 'shipments', 'notification'), 'shipments → notification (links)');
  });
});

describe('the demo shop through the analysis API', () => {
  test('duplicates: redeliveries after failure and duplicates after success (GET /api/anomalies?type=duplicate)', async () => {
    const res = await es.api('/api/anomalies?type=duplicate&from=now-15m&limit=1000');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const d = res.body.duplicates as { total: number; byClass: Record<string, number>; occurrences: { consumerGroup: string; class: string }[] };
    assert.ok((d.byClass.redelivery_after_failure ?? 0) > 0, `redeliveries after failure: ${JSON.stringify(d.byClass)}`);
    assert.ok((d.byClass.duplicate_after_success ?? 0) > 0, `duplicates after success: ${JSON.stringify(d.byClass)}`);
    assert.ok(d.occurrences.some((o) => o.consumerGroup === 'payment' && o.class === 'redelivery_after_failure'));
  });

  test('ordering inversions within a partition (GET /api/anomalies?type=ordering)', async () => {
    const res = await es.api('/api/anomalies?type=ordering&from=now-15m');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const o = res.body.ordering as { total: number; occurrences: { basis: string; deliveredFirst: { offset: string | null }; deliveredLater: { offset: string | null } }[] };
    assert.ok(o.total > 0, 'reordered deliveries are reported');
    const byOffset = o.occurrences.find((x) => x.basis === 'offset');
    assert.ok(byOffset, 'an inversion by offset');
    assert.ok(Number(byOffset.deliveredFirst.offset) > Number(byOffset.deliveredLater.offset));
  });

  test('lag: the stopped consumer group has a backlog, queue times are measured (GET /api/lag)', async () => {
    const res = await es.api('/api/lag?from=now-15m');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const groups = res.body.groups as { destination: string; consumerGroup: string; status: string; current: { backlog: number; queueP95Ms: number | null } }[];
    const stopped = groups.find((g) => g.destination === 'inventory' && g.consumerGroup === 'stock-alerts');
    assert.ok(stopped, 'the stock-alerts group is listed');
    assert.ok(stopped.current.backlog > 0, `stopped group backlog ${stopped.current.backlog}`);
    const payment = groups.find((g) => g.destination === 'orders' && g.consumerGroup === 'payment');
    assert.ok(payment && payment.current.queueP95Ms !== null, 'queue time of payment on orders');
  });

  test('a request timeline follows an order across the async hops (GET /api/requests/{traceId})', async () => {
    // an orchestrated order: order → checkout-orchestrator → payment → orchestrator → shipping → … → notification
    const [r] = await rows<{ trace_id: string }>(
      `SELECT trace_id FROM \${db}.spans WHERE service_name = 'checkout-orchestrator' AND msg_destination = 'checkout-events' AND msg_operation = 'send' LIMIT 1`,
    );
    assert.ok(r, 'an orchestrated order completed');
    const res = await es.api(`/api/requests/${r.trace_id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const t = res.body as { services: string[]; hops: { destination: string; queueMs: number | null }[] };
    for (const s of ['order', 'checkout-orchestrator', 'payment', 'shipping']) assert.ok(t.services.includes(s), `${s} in ${t.services}`);
    for (const dest of ['checkout-commands', 'payment-commands', 'checkout-replies', 'shipping-commands']) {
      assert.ok(t.hops.some((h) => h.destination === dest && h.queueMs !== null), `a hop through ${dest}`);
    }
  });
});
