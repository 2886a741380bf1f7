import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutFlowMap, edgeWidth, edgeColor, nodeKindOf, edgeLabelLines, EDGE_COLORS, NODE_SIZE } from '../../lib/ui/layout.js';
import { formatRate, formatPercent, formatDurationMs, formatCount } from '../../lib/ui/format.js';

const nodes = [
  { id: 'svc:order', kind: 'service', label: 'order' },
  { id: 'dst:kafka:orders', kind: 'destination', label: 'orders', system: 'kafka' },
  { id: 'svc:payment', kind: 'service', label: 'payment' },
  { id: 'svc:inventory', kind: 'service', label: 'inventory' },
  { id: 'peer:postgres', kind: 'peer', label: 'postgres' },
];
const edges = [
  { source: 'svc:order', target: 'dst:kafka:orders', kind: 'publish', count: 1000, errors: 0, p50Ms: 1, p95Ms: 3 },
  { source: 'dst:kafka:orders', target: 'svc:payment', kind: 'deliver', count: 990, errors: 100, p50Ms: 5, p95Ms: 12, group: 'payment', queueP95Ms: 40, lag: { backlog: 12, oldestUndeliveredAgeMs: 900, offsetLag: null, status: 'WARN' } },
  { source: 'dst:kafka:orders', target: 'svc:inventory', kind: 'deliver', count: 10, errors: 0, p50Ms: 5, p95Ms: 9, group: 'inventory' },
  { source: 'svc:payment', target: 'peer:postgres', kind: 'call', count: 990, errors: 1, p50Ms: 2, p95Ms: 4 },
  { source: 'svc:payment', target: 'svc:missing', kind: 'call', count: 5, errors: 0 },
];

test('layout runs left to right: producer, destination, consumers, their peers', () => {
  const { nodes: ns, edges: es } = layoutFlowMap(nodes, edges);
  assert.equal(ns.length, 5);
  assert.equal(es.length, 4, 'the edge to an unknown node is dropped');
  const x = (id: string) => {
    const n = ns.find((n) => n.id === id)!;
    return n.position.x + n.width / 2;
  };
  assert.ok(x('svc:order') < x('dst:kafka:orders'));
  assert.ok(x('dst:kafka:orders') < x('svc:payment'));
  assert.ok(x('dst:kafka:orders') < x('svc:inventory'));
  assert.ok(x('svc:payment') < x('peer:postgres'));
  // consumers share a rank and do not overlap
  const pay = ns.find((n) => n.id === 'svc:payment')!;
  const inv = ns.find((n) => n.id === 'svc:inventory')!;
  assert.equal(x('svc:payment'), x('svc:inventory'));
  assert.ok(Math.abs(pay.position.y - inv.position.y) >= NODE_SIZE.service.height);
  assert.equal(ns.find((n) => n.id === 'dst:kafka:orders')!.type, 'destination');
  assert.equal(ns.find((n) => n.id === 'dst:kafka:orders')!.data.system, 'kafka');
  assert.equal(ns.find((n) => n.id === 'svc:payment')!.data.inCount, 990);
  assert.equal(ns.find((n) => n.id === 'svc:payment')!.data.errors, 100);
});

test('layout is deterministic whatever the input order', () => {
  const a = layoutFlowMap(nodes, edges);
  const b = layoutFlowMap([...nodes].reverse(), edges);
  assert.deepEqual(
    a.nodes.map((n) => [n.id, n.position]),
    b.nodes.map((n) => [n.id, n.position]),
  );
});

test('edge style: width by volume, colour by error rate', () => {
  const { edges: es } = layoutFlowMap(nodes, edges);
  const deliverPay = es.find((e) => e.target === 'svc:payment')!;
  const deliverInv = es.find((e) => e.target === 'svc:inventory')!;
  assert.equal(deliverPay.data.color, EDGE_COLORS.error);
  assert.equal(deliverInv.data.color, EDGE_COLORS.ok);
  assert.equal(es.find((e) => e.target === 'peer:postgres')!.data.color, EDGE_COLORS.warn);
  assert.ok(deliverPay.data.strokeWidth > deliverInv.data.strokeWidth);
  assert.equal(edgeWidth(1000, 1000), 7);
  assert.equal(edgeWidth(0, 1000), 1.5);
  assert.equal(edgeColor(0.049), EDGE_COLORS.warn);
  assert.equal(new Set(es.map((e) => e.id)).size, es.length, 'edge ids are unique');
});

test('parallel edges between the same nodes fan out', () => {
  const twoTypes = [
    { source: 'svc:order', target: 'dst:kafka:orders', kind: 'publish', count: 5, errors: 0, messageType: 'OrderPlaced' },
    { source: 'svc:order', target: 'dst:kafka:orders', kind: 'publish', count: 3, errors: 0, messageType: 'OrderCancelled' },
  ];
  const { edges: es } = layoutFlowMap(nodes, twoTypes);
  assert.deepEqual(es.map((e) => [e.data.parallelIndex, e.data.parallelCount]), [[0, 2], [1, 2]]);
});

test('node kinds and labels', () => {
  assert.equal(nodeKindOf('consumer_group'), 'consumerGroup');
  assert.equal(nodeKindOf('topic'), 'destination');
  assert.equal(nodeKindOf('database'), 'peer');
  assert.equal(nodeKindOf('something-new'), 'service');
  const { edges: es } = layoutFlowMap(nodes, edges);
  const fmt = { rate: formatRate, pct: formatPercent, dur: formatDurationMs, count: formatCount };
  assert.deepEqual(edgeLabelLines(es.find((e) => e.target === 'svc:payment')!.data, 900_000, fmt), [
    '1.1/s · 10% err',
    'p95 12 ms · queue 40 ms',
    'lag 12 msgs · WARN',
  ]);
  assert.deepEqual(edgeLabelLines(es[0]!.data, 900_000, fmt), ['1.1/s', 'p95 3 ms']);
});

test('a consumer group that differs from its service hangs under that service', () => {
  const withGroup = [...nodes, { id: 'group:svc:inventory:stock-reservers', kind: 'consumerGroup', label: 'stock-reservers', service: 'svc:inventory' }];
  const grouped = edges.map((e) => (e.target === 'svc:inventory' ? { ...e, group: 'stock-reservers', id: 'deliver:inv' } : e));
  const { nodes: ns, edges: es } = layoutFlowMap(withGroup, grouped);
  const deliver = es.find((e) => e.data.group === 'stock-reservers')!;
  assert.equal(deliver.source, 'dst:kafka:orders');
  assert.equal(deliver.target, 'group:svc:inventory:stock-reservers');
  assert.equal(deliver.data.consumer, 'inventory');
  const inv = ns.find((n) => n.id === 'svc:inventory')!;
  const grp = ns.find((n) => n.id === 'group:svc:inventory:stock-reservers')!;
  assert.equal(grp.type, 'consumerGroup');
  assert.equal(grp.position.x, inv.position.x, 'same column as its service');
  assert.ok(grp.position.y >= inv.position.y + inv.height, 'stacked under its service');
  // nothing else overlaps the block
  for (const n of ns) {
    if (n.id === grp.id || n.id === inv.id) continue;
    const overlap = n.position.x < grp.position.x + grp.width && grp.position.x < n.position.x + n.width &&
      n.position.y < grp.position.y + grp.height && grp.position.y < n.position.y + n.height;
    assert.ok(!overlap, `${n.id} overlaps the group node`);
  }
});

test('a call back to the producer does not stretch the map into a longer chain', () => {
  const callBack = [...edges, { source: 'svc:payment', target: 'svc:order', kind: 'call', count: 5, errors: 0, p50Ms: 1, p95Ms: 2 }];
  const { nodes: ns, edges: es } = layoutFlowMap(nodes, callBack);
  const x = (id: string) => ns.find((n) => n.id === id)!.position.x;
  assert.ok(x('svc:order') < x('dst:kafka:orders') && x('dst:kafka:orders') < x('svc:payment'));
  assert.ok(es.some((e) => e.data.kind === 'call' && e.target === 'svc:order'), 'the call is still drawn');
});

test('message-type nodes (groupBy=messageType) get their own node type', () => {
  const { nodes: ns } = layoutFlowMap([{ id: 'messageType:kafka:OrderPlaced', kind: 'messageType', label: 'OrderPlaced', system: 'kafka' }], []);
  assert.equal(ns[0]!.type, 'messageType');
});
