import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTopology, type MessagingEdgeRow } from '../../lib/analysis/graph.js';
import type { LagStatus } from '../../lib/domain.js';

const row = (p: Partial<MessagingEdgeRow>): MessagingEdgeRow => ({
  edgeKind: 'publish', service: 's', system: 'kafka', destination: 'd', messageType: '', consumerGroup: '',
  count: 1, errors: 0, p50Ms: 1, p95Ms: 1, ...p,
});

test('publish and deliver rows become service/destination nodes and keyed edges with queue time and lag', () => {
  const g = buildTopology({
    messaging: [
      row({ service: 'orders', destination: 'orders', count: 5 }),
      row({ edgeKind: 'deliver', service: 'billing', destination: 'orders', consumerGroup: 'billing-v2', count: 5, errors: 1 }),
    ],
    queue: [{ service: 'billing', destination: 'orders', messageType: '', consumerGroup: 'billing-v2', samples: 5, p50Ms: 3, p95Ms: 9 }],
    lag: [{ destination: 'orders', consumerGroup: 'billing-v2', lag: { backlog: 2, oldestUndeliveredAgeMs: 100, offsetLag: null, status: 'WARN' } }],
  });
  assert.deepEqual(g.nodes.map((n) => n.id), ['service:billing', 'service:orders', 'destination:kafka:orders', 'group:billing:billing-v2']);
  assert.deepEqual(g.edges, [
    { id: 'publish:service:orders->destination:kafka:orders', source: 'service:orders', target: 'destination:kafka:orders', kind: 'publish', count: 5, errors: 0, p50Ms: 1, p95Ms: 1 },
    {
      id: 'deliver:destination:kafka:orders->service:billing#billing-v2', source: 'destination:kafka:orders', target: 'service:billing', kind: 'deliver',
      count: 5, errors: 1, p50Ms: 1, p95Ms: 1, group: 'billing-v2', queueP50Ms: 3, queueP95Ms: 9, queueSamples: 5,
      lag: { backlog: 2, oldestUndeliveredAgeMs: 100, offsetLag: null, status: 'WARN' },
    },
  ]);
});

test('a consumer whose group is its service name gets no group node', () => {
  const g = buildTopology({ messaging: [row({ edgeKind: 'deliver', service: 'billing', consumerGroup: 'billing' })] });
  assert.equal(g.nodes.some((n) => n.kind === 'consumerGroup'), false);
  assert.equal(g.edges[0]!.group, 'billing');
});

test('grouped by message type, message types replace destinations', () => {
  const g = buildTopology({
    groupBy: 'messageType',
    messaging: [row({ service: 'saga', messageType: 'ChargePayment' }), row({ edgeKind: 'deliver', service: 'payment', messageType: 'ChargePayment', consumerGroup: 'payment' })],
  });
  assert.deepEqual(g.edges.map((e) => [e.source, e.target]), [
    ['service:saga', 'messageType:kafka:ChargePayment'],
    ['messageType:kafka:ChargePayment', 'service:payment'],
  ]);
});

test('calls: child server in another service, same service (skipped), known peer.service, external peers', () => {
  const stats = { count: 2, errors: 0, p50Ms: 5, p95Ms: 8 };
  const g = buildTopology({
    messaging: [],
    calls: [
      { service: 'web', target: 'api', peerName: '', peerKind: '', ...stats },
      { service: 'web', target: 'web', peerName: '', peerKind: '', ...stats },
      { service: 'api', target: '', peerName: 'web', peerKind: 'service', ...stats },
      { service: 'api', target: '', peerName: 'billing-legacy', peerKind: 'service', ...stats },
      { service: 'api', target: '', peerName: 'postgresql shop', peerKind: 'database', ...stats },
      { service: 'api', target: '', peerName: '', peerKind: '', ...stats },
    ],
  });
  assert.deepEqual(g.edges.map((e) => `${e.kind} ${e.source} -> ${e.target}`), [
    'call service:api -> service:web',
    'call service:web -> service:api',
    'peer service:api -> peer:database:postgresql shop',
    'peer service:api -> peer:service:billing-legacy',
  ]);
  assert.deepEqual(g.nodes.filter((n) => n.kind === 'peer').map((n) => [n.label, n.peerKind]), [
    ['postgresql shop', 'database'],
    ['billing-legacy', 'service'],
  ]);
});

test('grouped by message type, deliver edges keep their destination\'s lag; a merged edge shows the worst', () => {
  const lagOf = (backlog: number, status: LagStatus) => ({ backlog, oldestUndeliveredAgeMs: backlog * 10, offsetLag: null, status });
  const g = buildTopology({
    groupBy: 'messageType',
    messaging: [
      row({ edgeKind: 'deliver', service: 'billing', destination: 'orders-eu', messageType: 'OrderPlaced', consumerGroup: 'billing', count: 2 }),
      row({ edgeKind: 'deliver', service: 'billing', destination: 'orders-us', messageType: 'OrderPlaced', consumerGroup: 'billing', count: 3 }),
      row({ edgeKind: 'deliver', service: 'mail', destination: 'orders-eu', messageType: 'OrderPlaced', consumerGroup: 'mail', count: 1 }),
    ],
    lag: [
      { destination: 'orders-eu', consumerGroup: 'billing', lag: lagOf(4, 'OK') },
      { destination: 'orders-us', consumerGroup: 'billing', lag: lagOf(1, 'STOP') },
      { destination: 'orders-eu', consumerGroup: 'mail', lag: lagOf(7, 'WARN') },
    ],
  });
  const byGroup = new Map(g.edges.map((e) => [e.group, e]));
  assert.equal(byGroup.get('billing')!.count, 5);
  assert.deepEqual(byGroup.get('billing')!.lag, lagOf(1, 'STOP'), 'the stopped topic wins over the healthy one');
  assert.deepEqual(byGroup.get('mail')!.lag, lagOf(7, 'WARN'));
});

test('dead-letter destinations are marked, and keep their own node when grouped by message type', () => {
  const isDeadLetter = (d: string) => d.endsWith('.dlq');
  const messaging = [
    row({ service: 'orders', destination: 'orders', messageType: 'OrderPlaced', count: 9 }),
    row({ edgeKind: 'deliver', service: 'payment', destination: 'orders', messageType: 'OrderPlaced', consumerGroup: 'payment', count: 9, errors: 2, retries: 3 }),
    row({ service: 'payment', destination: 'orders.dlq', messageType: 'OrderPlaced', count: 1 }),
  ];
  const byDest = buildTopology({ messaging, isDeadLetter });
  assert.deepEqual(byDest.nodes.filter((n) => n.kind === 'destination'), [
    { id: 'destination:kafka:orders', kind: 'destination', label: 'orders', system: 'kafka' },
    { id: 'destination:kafka:orders.dlq', kind: 'destination', label: 'orders.dlq', system: 'kafka', deadLetter: true },
  ]);
  const byType = buildTopology({ messaging, isDeadLetter, groupBy: 'messageType' });
  assert.deepEqual(byType.edges.map((e) => `${e.kind} ${e.source} -> ${e.target}`), [
    'publish service:orders -> messageType:kafka:OrderPlaced',
    'publish service:payment -> destination:kafka:orders.dlq',
    'deliver messageType:kafka:OrderPlaced -> service:payment',
  ]);
  assert.equal(byType.nodes.find((n) => n.id === 'destination:kafka:orders.dlq')?.deadLetter, true);
  assert.deepEqual(byType.edges.filter((e) => e.kind === 'deliver').map((e) => [e.errors, e.retries]), [[2, 3]], 'deliver edges carry retries beside errors');
  assert.equal(byType.edges.find((e) => e.kind === 'publish')!.retries, undefined, 'publish edges have no retries');
});

test('grouped by message type, a type over several destinations adds its retries', () => {
  const g = buildTopology({
    groupBy: 'messageType',
    messaging: [
      row({ edgeKind: 'deliver', service: 'billing', destination: 'orders-eu', messageType: 'OrderPlaced', consumerGroup: 'billing', count: 2, retries: 1 }),
      row({ edgeKind: 'deliver', service: 'billing', destination: 'orders-us', messageType: 'OrderPlaced', consumerGroup: 'billing', count: 3, retries: 2 }),
    ],
  });
  assert.deepEqual(g.edges.map((e) => [e.count, e.retries]), [[5, 3]]);
});

test('a consumer group known from recent history that delivered nothing in the range keeps an idle edge with its lag', () => {
  const stop = { backlog: 40, oldestUndeliveredAgeMs: 2_400_000, offsetLag: null, status: 'STOP' as const };
  const ok = { backlog: 0, oldestUndeliveredAgeMs: 0, offsetLag: null, status: 'OK' as const };
  const known = (group: string, service = `${group}-svc`) => ({ service, system: 'kafka', destination: 'orders', messageType: '', consumerGroup: group });
  const g = buildTopology({
    messaging: [
      row({ service: 'orders', destination: 'orders', count: 60 }),
      row({ edgeKind: 'deliver', service: 'live-svc', destination: 'orders', consumerGroup: 'live', count: 60 }),
    ],
    known: [known('live'), known('stopped')],
    lag: [
      { destination: 'orders', consumerGroup: 'live', lag: ok },
      { destination: 'orders', consumerGroup: 'stopped', lag: stop },
    ],
  });
  assert.deepEqual(
    g.edges.filter((e) => e.kind === 'deliver').map((e) => [e.target, e.group, e.count, e.lag?.status, e.lag?.backlog]),
    [
      ['service:live-svc', 'live', 60, 'OK', 0],
      ['service:stopped-svc', 'stopped', 0, 'STOP', 40],
    ],
  );
  assert.ok(g.nodes.some((n) => n.id === 'group:stopped-svc:stopped'), 'its group and service are on the map');
});
