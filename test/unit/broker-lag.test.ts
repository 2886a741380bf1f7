// The broker-lag rules (lib/analysis/broker-lag.ts) on hand-made latest points: Kafka lag_sum before
// the sum of partitions, -1 as unknown, members per group, RabbitMQ ready + unacknowledged, the match
// to trace-derived groups, broker-only groups and their status, and the flow map attachment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBrokerLag, judgeBrokerOnly, withBrokerLag, withBrokerOnMap, type BrokerPointRow } from '../../lib/analysis/broker-lag.js';
import type { GroupLag } from '../../lib/analysis/lag.js';
import type { Topology } from '../../lib/analysis/graph.js';

const AT = Date.parse('2026-11-26T09:00:00Z');
const row = (r: Partial<BrokerPointRow>): BrokerPointRow => ({
  source: 'kafkametrics', metric: 'kafka.consumer_group.lag', destination: 'orders', consumer_group: 'billing', partition: '0',
  state: '', vhost: '', node: '', value: 0, at_ms: AT, ...r,
});

test('Kafka: lag_sum wins over the partitions’ sum; without it the non-negative partitions are summed', () => {
  const withSum = buildBrokerLag([
    row({ partition: '1', value: 5 }),
    row({ partition: '0', value: 3, at_ms: AT + 1000 }),
    row({ metric: 'kafka.consumer_group.lag_sum', partition: '', value: 9 }),
    row({ metric: 'kafka.consumer_group.members', destination: '', partition: '', value: 2 }),
    row({ metric: 'kafka.partition.current_offset', consumer_group: '', partition: '0', value: 100 }),
    row({ metric: 'kafka.consumer_group.offset', partition: '0', value: 97 }),
  ]);
  assert.equal(withSum.length, 1);
  const g = withSum[0]!;
  assert.deepEqual([g.broker.lag, g.broker.consumers, g.broker.at], [9, 2, new Date(AT + 1000).toISOString()]);
  assert.deepEqual(g.partitions.map((p) => [p.partition, p.broker.lag, p.broker.offset, p.broker.endOffset]), [['0', 3, 97, 100], ['1', 5, null, null]]);

  const summed = buildBrokerLag([row({ partition: '0', value: 4 }), row({ partition: '1', value: -1 }), row({ partition: '10', value: 6 })]);
  assert.equal(summed[0]!.broker.lag, 10, '-1 (no committed offset) is not counted');
  assert.deepEqual(summed[0]!.partitions.map((p) => p.partition), ['0', '1', '10'], 'partitions in number order');
  assert.equal(summed[0]!.partitions[1]!.broker.lag, null);
  assert.equal(summed[0]!.broker.consumers, null, 'members not reported');
});

test('RabbitMQ: the queue is the group; ready + unacknowledged summed over vhosts and nodes', () => {
  const rabbit = (metric: string, state: string, value: number, node = 'a') =>
    row({ source: 'rabbitmq', metric, destination: 'emails', consumer_group: 'emails', partition: '', state, node, value });
  const [g] = buildBrokerLag([
    rabbit('rabbitmq.message.current', 'ready', 10),
    rabbit('rabbitmq.message.current', 'unacknowledged', 2),
    rabbit('rabbitmq.message.current', 'ready', 5, 'b'),
    rabbit('rabbitmq.consumer.count', '', 1),
  ]);
  assert.deepEqual({ ...g!.broker, at: undefined }, { source: 'rabbitmq', lag: 17, consumers: 1, ready: 15, unacknowledged: 2, at: undefined });
  assert.equal(g!.system, 'rabbitmq');
});

test('beside the trace-derived groups: matched by name (RabbitMQ also by queue), the rest listed as broker-only', () => {
  const current = { at: '', backlog: 3, oldestUndeliveredAgeMs: 0, offsetLag: null, queueP50Ms: null, queueP95Ms: null, queueMaxMs: null, lastDeliveryAt: null };
  const traced = (destination: string, consumerGroup: string, partitions: string[] = []): GroupLag => ({
    destination, consumerGroup, status: 'OK', reason: '', current, series: [],
    partitions: partitions.map((partition) => ({ partition, status: 'OK', reason: '', current, series: [] })),
  });
  const broker = buildBrokerLag([
    row({ partition: '0', value: 4 }),
    row({ partition: '1', value: 6 }),
    row({ consumer_group: 'audit', value: 50 }),
    row({ consumer_group: 'audit', metric: 'kafka.consumer_group.members', destination: '', partition: '', value: 0 }),
    row({ source: 'rabbitmq', metric: 'rabbitmq.message.current', destination: 'emails', consumer_group: 'emails', partition: '', state: 'ready', value: 8 }),
  ]);
  const r = withBrokerLag(
    { from: '', to: '', stepMs: 1000, lookbackMs: 0, clockSkew: [], groups: [traced('orders', 'billing', ['0']), traced('shop-exchange', 'emails')] },
    broker,
  );
  const by = new Map(r.groups.map((g) => [`${g.destination}/${g.consumerGroup}`, g]));
  const billing = by.get('orders/billing')!;
  assert.equal(billing.broker?.lag, 10);
  assert.equal(billing.current.backlog, 3, 'the trace figures stay');
  assert.deepEqual(billing.partitions.map((p) => [p.partition, p.broker?.lag]), [['0', 4], ['1', 6]], 'a partition only the broker reports is added');
  assert.equal(by.get('shop-exchange/emails')!.broker?.lag, 8, 'amqplib names the exchange; the queue is the group');
  const audit = by.get('orders/audit')!;
  assert.equal(audit.brokerOnly, true);
  assert.equal(audit.status, 'STOP');
  assert.equal(r.groups.length, 3, 'the RabbitMQ entry is not listed twice');
  assert.equal(judgeBrokerOnly({ source: 'kafkametrics', lag: 0, consumers: 0, at: '' }).status, 'OK', 'nothing waiting: not stopped');
  assert.equal(judgeBrokerOnly({ source: 'kafkametrics', lag: 5, consumers: null, at: '' }).status, 'OK', 'consumers unknown: no verdict');
});

test('on the map: the deliver edge gets its group, the topic node its most lagging group, a queue only the broker knows a node', () => {
  const graph: Topology = {
    nodes: [
      { id: 'destination:kafka:orders', kind: 'destination', label: 'orders', system: 'kafka' },
      { id: 'service:billing', kind: 'service', label: 'billing' },
    ],
    edges: [{ id: 'd', source: 'destination:kafka:orders', target: 'service:billing', kind: 'deliver', count: 1, errors: 0, p50Ms: 0, p95Ms: 0, group: 'billing' }],
  };
  const broker = buildBrokerLag([
    row({ value: 4 }),
    row({ consumer_group: 'audit', value: 50 }),
    row({ source: 'rabbitmq', metric: 'rabbitmq.message.current', destination: 'emails', consumer_group: 'emails', partition: '', state: 'ready', value: 8 }),
  ]);
  const out = withBrokerOnMap(graph, broker);
  assert.equal(out.edges[0]!.broker?.lag, 4);
  const topic = out.nodes.find((n) => n.label === 'orders')!;
  assert.deepEqual([topic.broker?.lag, topic.broker?.consumerGroup, topic.broker?.onlyBroker], [50, 'audit', undefined]);
  const queue = out.nodes.find((n) => n.label === 'emails')!;
  assert.deepEqual([queue.kind, queue.system, queue.broker?.lag, queue.broker?.onlyBroker], ['destination', 'rabbitmq', 8, true]);
  assert.equal(graph.nodes.length, 2, 'the input graph is not changed');
});
