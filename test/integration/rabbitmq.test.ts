// Real broker, real instrumentation: amqplib + @opentelemetry/instrumentation-amqplib against the
// RabbitMQ at 127.0.0.1:5672, exporting through the official OTLP exporter into the real collector.
// Skips (saying why) when no broker answers.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { brokerReachable, startRabbitProof, type RabbitProof } from '../../demo/rabbitmq/proof.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';

const URL_ = process.env.EVENTSCOPE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MESSAGES = 6;
const FAIL_ONCE = [2, 4];

let reachable = false;
let es: TestEventscope | undefined;
let proof: RabbitProof | undefined;
let published: { messageIds: string[]; traceIds: string[] };
let db: string;

function skipUnlessBroker(t: TestContext): boolean {
  if (reachable) return false;
  t.skip(`RabbitMQ not reachable at ${URL_.replace(/\/\/[^@]*@/, '//')} (start one, or set EVENTSCOPE_TEST_AMQP_URL)`);
  return true;
}

async function rows<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return es!.store.query<T>(sql.replaceAll('${db}', db), { name: 'test:rabbitmq', params });
}

before(async () => {
  reachable = await brokerReachable(URL_, 2000);
  if (!reachable) return;
  es = await startTestEventscope();
  db = es.store.database;
  proof = await startRabbitProof({ url: URL_, endpoint: es.otlpHttpUrl, exportIntervalMs: 100 });
  published = await proof.publish(MESSAGES, FAIL_ONCE);
  // every message acked by both consumers, the marked ones after a nack
  await proof.waitFor(
    (ds) =>
      ds.filter((d) => d.service === proof!.services.billing && d.outcome === 'ack').length === MESSAGES &&
      ds.filter((d) => d.service === proof!.services.email && d.outcome === 'ack').length === MESSAGES,
  );
  // stopping flushes every exporter; the collector answers only after commit
  await proof.stop();
});

after(async () => {
  await proof?.stop();
  await es?.close();
});

describe('RabbitMQ with the official amqplib instrumentation', () => {
  test('billing really got a redelivery after its nack', (t) => {
    if (skipUnlessBroker(t)) return;
    const billing = proof!.deliveries.filter((d) => d.service === proof!.services.billing);
    for (const i of FAIL_ONCE) {
      const id = published.messageIds[i]!;
      const mine = billing.filter((d) => d.messageId === id);
      assert.deepEqual(
        mine.map((d) => [d.outcome, d.redelivered]),
        [
          ['nack-requeue', false],
          ['ack', true],
        ],
      );
    }
  });

  test('spans are the instrumentation\'s, normalized: exchange as destination, queue as consumer group', async (t) => {
    if (skipUnlessBroker(t)) return;
    const got = await rows<{ service_name: string; span_kind: string; msg_operation: string; msg_system: string; msg_destination: string; msg_consumer_group: string; n: string }>(
      `SELECT service_name, span_kind, msg_operation, msg_system, msg_destination, msg_consumer_group, count() AS n
       FROM \${db}.spans WHERE scope_name = '@opentelemetry/instrumentation-amqplib'
       GROUP BY ALL ORDER BY ALL`,
    );
    const { producer, billing, email } = proof!.services;
    const find = (svc: string, kind: string) => got.find((r) => r.service_name === svc && r.span_kind === kind);
    const pub = find(producer, 'PRODUCER');
    assert.ok(pub, 'producer spans');
    assert.equal(pub.msg_operation, 'send');
    assert.equal(pub.msg_system, 'rabbitmq');
    assert.equal(pub.msg_destination, proof!.exchange);
    assert.equal(Number(pub.n), MESSAGES);
    const bill = find(billing, 'CONSUMER');
    assert.ok(bill);
    assert.equal(bill.msg_destination, proof!.exchange);
    assert.equal(bill.msg_consumer_group, proof!.billingQueue);
    assert.equal(Number(bill.n), MESSAGES + FAIL_ONCE.length, 'one span per delivery, redeliveries included');
    const mail = find(email, 'CONSUMER');
    assert.ok(mail);
    assert.equal(mail.msg_consumer_group, proof!.emailQueue);
    assert.equal(Number(mail.n), MESSAGES);
  });

  test('billing is parented by the publish span; email starts new traces linked to it', async (t) => {
    if (skipUnlessBroker(t)) return;
    const [r] = await rows<{ parented: string; linked: string }>(
      `SELECT
         (SELECT count() FROM \${db}.spans c INNER JOIN \${db}.spans p ON c.trace_id = p.trace_id AND c.parent_span_id = p.span_id
          WHERE c.service_name = {billing:String} AND p.service_name = {producer:String} AND p.span_kind = 'PRODUCER') AS parented,
         (SELECT count() FROM \${db}.span_links l INNER JOIN \${db}.spans p ON l.link_trace_id = p.trace_id AND l.link_span_id = p.span_id
          WHERE l.service_name = {email:String} AND p.span_kind = 'PRODUCER') AS linked`,
      { billing: proof!.services.billing, producer: proof!.services.producer, email: proof!.services.email },
    );
    assert.equal(Number(r!.parented), MESSAGES + FAIL_ONCE.length);
    assert.equal(Number(r!.linked), MESSAGES);
  });

  test('the nacked attempt is an ERROR span followed by the redelivery', async (t) => {
    if (skipUnlessBroker(t)) return;
    const got = await rows<{ msg_message_id: string; statuses: string[] }>(
      `SELECT msg_message_id, arrayMap(x -> x.2, arraySort(groupArray((timestamp, status_code)))) AS statuses
       FROM \${db}.spans WHERE service_name = {billing:String} AND span_kind = 'CONSUMER'
       GROUP BY msg_message_id HAVING count() > 1 ORDER BY msg_message_id`,
      { billing: proof!.services.billing },
    );
    assert.deepEqual(
      got.map((r) => r.msg_message_id).sort(),
      FAIL_ONCE.map((i) => published.messageIds[i]!).sort(),
    );
    for (const r of got) assert.deepEqual(r.statuses, ['ERROR', 'UNSET']);
  });

  test('the flow map has producer → exchange → both consumers (GET /api/topology)', async (t) => {
    if (skipUnlessBroker(t)) return;
    const res = await es!.api('/api/topology?from=now-15m');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { nodes, edges } = res.body as {
      nodes: { id: string; kind: string; label: string; system?: string }[];
      edges: { source: string; target: string; kind: string; count: number; group?: string }[];
    };
    const { producer, billing, email } = proof!.services;
    const id = (label: string) => nodes.find((n) => n.label === label)?.id;
    const exchangeNode = nodes.find((n) => n.label === proof!.exchange);
    assert.ok(exchangeNode, 'a node for the exchange');
    assert.equal(exchangeNode.system, 'rabbitmq');
    const publish = edges.find((e) => e.kind === 'publish' && e.source === id(producer) && e.target === exchangeNode.id);
    assert.ok(publish, 'producer → exchange');
    assert.equal(publish.count, MESSAGES);
    const toBilling = edges.find((e) => e.kind === 'deliver' && e.source === exchangeNode.id && e.target === id(billing));
    const toEmail = edges.find((e) => e.kind === 'deliver' && e.source === exchangeNode.id && e.target === id(email));
    assert.ok(toBilling, 'exchange → billing');
    assert.ok(toEmail, 'exchange → email (linked consumer)');
    assert.equal(toBilling.group, proof!.billingQueue, 'the queue is the consumer group');
    assert.equal(toEmail.group, proof!.emailQueue);
  });
});

describe('RabbitMQ traffic through the analysis API', () => {
  test('the nacked message is a redelivery after failure (GET /api/anomalies?type=duplicate)', async (t) => {
    if (skipUnlessBroker(t)) return;
    const res = await es!.api(`/api/anomalies?type=duplicate&from=now-15m&group=${encodeURIComponent(proof!.billingQueue)}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const d = res.body.duplicates as {
      byClass: Record<string, number>;
      occurrences: { publish: { traceId: string } | null; destination: string; consumerGroup: string; class: string; extraDeliveries: number }[];
    };
    // the message is identified by its producer span, whose trace is the one the producer started
    const expected = FAIL_ONCE.map((i) => published.traceIds[i]!).sort();
    assert.deepEqual(d.occurrences.map((o) => o.publish?.traceId).sort(), expected);
    for (const o of d.occurrences) {
      assert.equal(o.class, 'redelivery_after_failure');
      assert.equal(o.consumerGroup, proof!.billingQueue);
      assert.equal(o.destination, proof!.exchange);
      assert.equal(o.extraDeliveries, 1);
    }
    assert.equal(d.byClass.duplicate_after_success ?? 0, 0, 'no dangerous duplicate');
  });

  test('a request timeline spans producer and both consumers, the linked one included (GET /api/requests/{traceId})', async (t) => {
    if (skipUnlessBroker(t)) return;
    const traceId = published.traceIds[FAIL_ONCE[0]!]!;
    const res = await es!.api(`/api/requests/${traceId}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const tl = res.body as {
      services: string[];
      spans: { service: string; kind: string; status: { code: string } }[];
      hops: { consumerGroup: string; destination: string; queueMs: number | null; deliver: { service: string } }[];
    };
    const { producer, billing, email } = proof!.services;
    assert.deepEqual([...tl.services].sort(), [producer, billing, email].sort());
    assert.equal(tl.spans.filter((s) => s.service === billing && s.kind === 'CONSUMER').length, 2, 'the failed attempt and the redelivery');
    assert.ok(tl.spans.some((s) => s.service === billing && s.status.code === 'ERROR'));
    const billingHops = tl.hops.filter((h) => h.consumerGroup === proof!.billingQueue);
    assert.equal(billingHops.length, 2);
    assert.ok(billingHops.every((h) => h.destination === proof!.exchange && h.queueMs !== null && h.queueMs >= 0));
    assert.ok(tl.hops.some((h) => h.consumerGroup === proof!.emailQueue && h.deliver.service === email), 'the linked consumer hop');
  });

  test('lag shows the queue time of both queues and an empty backlog (GET /api/lag)', async (t) => {
    if (skipUnlessBroker(t)) return;
    const res = await es!.api(`/api/lag?from=now-15m&destination=${encodeURIComponent(proof!.exchange)}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const groups = res.body.groups as {
      destination: string;
      consumerGroup: string;
      current: { backlog: number };
      series: { published: number; delivered: number; queueP95Ms: number | null }[];
    }[];
    for (const queue of [proof!.billingQueue, proof!.emailQueue]) {
      const g = groups.find((x) => x.consumerGroup === queue);
      assert.ok(g, `lag of ${queue}`);
      assert.equal(g.destination, proof!.exchange);
      assert.equal(g.current.backlog, 0, 'everything was consumed');
      assert.equal(g.series.reduce((n, p) => n + p.published, 0), MESSAGES);
      const q = g.series.map((p) => p.queueP95Ms).filter((v): v is number => v !== null);
      assert.ok(q.length > 0 && q.every((v) => v >= 0), `queue time measured for ${queue}: ${JSON.stringify(q)}`);
    }
  });
});

describe('the demo shop over RabbitMQ (npm run demo -- --broker …)', () => {
  let shopStats: { ordersPlaced: number; sagasCompleted: number } | undefined;

  before(async () => {
    if (!reachable) return;
    const { startDemo } = await import('../../demo/index.js');
    const demo = await startDemo(
      { endpoint: es!.otlpHttpUrl, broker: URL_, rate: 30, seed: 3, errorRate: 0.2, slowConsumerMs: 20, stopConsumerAfterS: 1, exportIntervalMs: 100 },
      { log: () => {} },
    );
    try {
      const deadline = Date.now() + 20_000;
      while (demo.stats.ordersPlaced < 60 || demo.stats.sagasCompleted < 3) {
        if (Date.now() > deadline) throw new Error(`shop over RabbitMQ too slow: ${JSON.stringify(demo.stats)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await demo.stop();
    }
    shopStats = demo.stats;
  });

  test('all six services publish and consume through exchanges and queues, with instrumentation spans', async (t) => {
    if (skipUnlessBroker(t)) return;
    assert.ok(shopStats);
    const got = await rows<{ service_name: string; msg_operation: string; msg_destination: string; msg_consumer_group: string }>(
      `SELECT DISTINCT service_name, msg_operation, msg_destination, msg_consumer_group FROM \${db}.spans
       WHERE scope_name = '@opentelemetry/instrumentation-amqplib' AND msg_destination LIKE 'demo-shop.%'`,
    );
    const has = (svc: string, op: string, dest: string, group?: string) =>
      got.some((r) => r.service_name === svc && r.msg_operation === op && r.msg_destination === dest && (group === undefined || r.msg_consumer_group === group));
    assert.ok(has('order', 'send', 'demo-shop.orders'));
    assert.ok(has('payment', 'process', 'demo-shop.orders', 'demo-shop.orders.payment'));
    assert.ok(has('inventory', 'process', 'demo-shop.orders', 'demo-shop.orders.inventory'));
    assert.ok(has('notification', 'process', 'demo-shop.orders', 'demo-shop.orders.notification'));
    assert.ok(has('shipping', 'process', 'demo-shop.payments', 'demo-shop.payments.shipping'));
    assert.ok(has('checkout-orchestrator', 'send', 'demo-shop.payment-commands'));
    assert.ok(has('checkout-orchestrator', 'process', 'demo-shop.checkout-replies', 'demo-shop.checkout-replies.checkout'));
    const [r] = await rows<{ n: string }>(
      `SELECT count() AS n FROM \${db}.spans WHERE service_name = 'payment' AND span_kind = 'CONSUMER' AND status_code = 'ERROR'`,
    );
    assert.ok(Number(r!.n) > 0, 'failed payments were nacked');
  });
});
