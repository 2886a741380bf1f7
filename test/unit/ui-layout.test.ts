import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  layoutFlowMap, edgeWidth, edgeColor, nodeKindOf, edgeLabelShort, edgeLabelDetails, initialViewport, neighbourhood,
  smoothPath, nodeBox, labelWidth, straighten, segmentHitsRect, spreadPorts, EDGE_COLORS, NODE_SIZE, type FlowLayout, type PositionedNode, type RankDir,
} from '../../lib/ui/layout.js';

const nodes = [
  { id: 'svc:order', kind: 'service', label: 'order' },
  { id: 'dst:kafka:orders', kind: 'destination', label: 'orders', system: 'kafka' },
  { id: 'svc:payment', kind: 'service', label: 'payment' },
  { id: 'svc:inventory', kind: 'service', label: 'inventory' },
  { id: 'peer:postgres', kind: 'peer', label: 'postgres' },
];
const edges = [
  { source: 'svc:order', target: 'dst:kafka:orders', kind: 'publish', count: 1000, errors: 0, p50Ms: 1, p95Ms: 3 },
  { source: 'dst:kafka:orders', target: 'svc:payment', kind: 'deliver', count: 990, errors: 100, p50Ms: 5, p95Ms: 12, group: 'payment', queueP50Ms: 20, queueP95Ms: 40, lag: { backlog: 12, oldestUndeliveredAgeMs: 900, offsetLag: null, status: 'WARN' } },
  { source: 'dst:kafka:orders', target: 'svc:inventory', kind: 'deliver', count: 10, errors: 0, p50Ms: 5, p95Ms: 9, group: 'inventory' },
  { source: 'svc:payment', target: 'peer:postgres', kind: 'call', count: 990, errors: 1, p50Ms: 2, p95Ms: 4 },
  { source: 'svc:payment', target: 'svc:missing', kind: 'call', count: 5, errors: 0 },
];
const RANGE = 900_000;

const node = (l: FlowLayout, id: string) => l.nodes.find((n) => n.id === id)!;
const centre = (n: PositionedNode) => ({ x: n.position.x + n.width / 2, y: n.position.y + n.height / 2 });
/** position along the flow: y top → bottom, x left → right */
const along = (l: FlowLayout, id: string) => (l.rankdir === 'TB' ? centre(node(l, id)).y : centre(node(l, id)).x);
const across = (l: FlowLayout, id: string) => (l.rankdir === 'TB' ? centre(node(l, id)).x : centre(node(l, id)).y);

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const nodeBoxOf = (n: PositionedNode): Box => ({ x: n.position.x, y: n.position.y, width: n.width, height: n.height });
/** the label slot, as the layout sized it (short label, one line) */
const labelBoxes = (l: FlowLayout) =>
  l.edges.map((e) => { const w = labelWidth(e.data.short); return { id: e.id, x: e.data.labelX - w / 2, y: e.data.labelY - 10, width: w, height: 20 }; });

for (const rankdir of ['TB', 'LR'] as RankDir[]) {
  test(`${rankdir}: producer, destination, consumers, their peers follow the flow`, () => {
    const l = layoutFlowMap(nodes, edges, { rankdir, rangeMs: RANGE });
    assert.equal(l.rankdir, rankdir);
    assert.equal(l.nodes.length, 5);
    assert.equal(l.edges.length, 4, 'the edge to an unknown node is dropped');
    assert.ok(along(l, 'svc:order') < along(l, 'dst:kafka:orders'));
    assert.ok(along(l, 'dst:kafka:orders') < along(l, 'svc:payment'));
    assert.ok(along(l, 'dst:kafka:orders') < along(l, 'svc:inventory'));
    assert.ok(along(l, 'svc:payment') < along(l, 'peer:postgres'));
    // consumers share a rank, side by side
    assert.equal(along(l, 'svc:payment'), along(l, 'svc:inventory'));
    assert.notEqual(across(l, 'svc:payment'), across(l, 'svc:inventory'));
    assert.equal(node(l, 'dst:kafka:orders').type, 'destination');
    assert.equal(node(l, 'dst:kafka:orders').data.system, 'kafka');
    assert.equal(node(l, 'svc:payment').data.inCount, 990);
    assert.equal(node(l, 'svc:payment').data.errors, 100);
  });

  test(`${rankdir}: no two nodes overlap, and no label slot sits on a node or on another label`, () => {
    const withGroup = [...nodes, { id: 'group:svc:inventory:stock-reservers', kind: 'consumerGroup', label: 'stock-reservers', service: 'svc:inventory' }];
    const grouped = edges.map((e) => (e.target === 'svc:inventory' ? { ...e, group: 'stock-reservers' } : e));
    const l = layoutFlowMap(withGroup, grouped, { rankdir, rangeMs: RANGE });
    for (const a of l.nodes) for (const b of l.nodes) if (a !== b) assert.ok(!overlaps(nodeBoxOf(a), nodeBoxOf(b)), `${a.id} overlaps ${b.id}`);
    const labels = labelBoxes(l);
    for (const lb of labels) {
      for (const n of l.nodes) assert.ok(!overlaps(lb, nodeBoxOf(n)), `label of ${lb.id} sits on ${n.id}`);
      for (const other of labels) if (other !== lb) assert.ok(!overlaps(lb, other), `labels ${lb.id} and ${other.id} overlap`);
    }
  });

  test(`${rankdir}: an edge runs from its source's face to its target's face, through its label`, () => {
    const l = layoutFlowMap(nodes, edges, { rankdir, rangeMs: RANGE });
    for (const e of l.edges) {
      const s = node(l, e.source);
      const t = node(l, e.target);
      const first = e.data.points[0]!;
      const last = e.data.points.at(-1)!;
      if (rankdir === 'TB') {
        assert.equal(first.y, s.position.y + s.height, `${e.id} leaves the bottom of its source`);
        assert.equal(last.y, t.position.y, `${e.id} enters the top of its target`);
        assert.ok(first.x >= s.position.x && first.x <= s.position.x + s.width);
        assert.ok(last.x >= t.position.x && last.x <= t.position.x + t.width);
      } else {
        assert.equal(first.x, s.position.x + s.width);
        assert.equal(last.x, t.position.x);
      }
      assert.ok(e.data.points.some((p) => Math.abs(p.x - e.data.labelX) <= 1 && Math.abs(p.y - e.data.labelY) <= 1), `${e.id} passes its label`);
      assert.equal(e.data.backward, false);
    }
  });
}

test('edges meeting one face of a node get their own ports, in the order they come from', () => {
  const l = layoutFlowMap(nodes, edges);
  const out = l.edges.filter((e) => e.source === 'dst:kafka:orders').map((e) => ({ port: e.data.points[0]!.x, to: centre(node(l, e.target)).x }));
  assert.equal(out.length, 2);
  assert.notEqual(out[0]!.port, out[1]!.port);
  out.sort((a, b) => a.port - b.port);
  assert.ok(out[0]!.to < out[1]!.to, 'the left port leads to the left consumer');
  const orders = node(l, 'dst:kafka:orders');
  for (const o of out) assert.ok(o.port > orders.position.x && o.port < orders.position.x + orders.width);
});

test('spreadPorts keeps ports where their edges come from, just far enough apart', () => {
  assert.deepEqual(spreadPorts([10, 50, 90], 0, 100, 16), [10, 50, 90], 'already apart: untouched');
  assert.deepEqual(spreadPorts([40, 40, 41], 0, 100, 16), [40, 56, 72], 'pushed apart in order');
  assert.deepEqual(spreadPorts([95, 99, 120], 0, 100, 16), [68, 84, 100], 'pushed back from the far end');
  assert.deepEqual(spreadPorts([1, 2, 3, 4], 0, 30, 16), [3.8, 11.3, 18.8, 26.3], 'too short a face: spread evenly');
});

test('layout is deterministic whatever the input order', () => {
  const a = layoutFlowMap(nodes, edges);
  const b = layoutFlowMap([...nodes].reverse(), edges);
  assert.deepEqual(a.nodes.map((n) => [n.id, n.position]), b.nodes.map((n) => [n.id, n.position]));
  assert.deepEqual(a.edges.map((e) => e.data.points), b.edges.map((e) => e.data.points));
});

test('top to bottom by default; boxes are as wide as their names need, within bounds', () => {
  const l = layoutFlowMap(nodes, edges);
  assert.equal(l.rankdir, 'TB');
  const short = nodeBox('service', 'ab');
  const long = nodeBox('service', 'checkout-orchestrator');
  const huge = nodeBox('service', 'x'.repeat(200));
  assert.equal(short.width, NODE_SIZE.service.minWidth);
  assert.ok(long.width > short.width && long.width < NODE_SIZE.service.maxWidth, `${long.width}`);
  assert.equal(huge.width, NODE_SIZE.service.maxWidth);
  assert.equal(short.height, NODE_SIZE.service.height);
});

test('bounds cover every node, route point and label', () => {
  const l = layoutFlowMap(nodes, edges);
  const inside = (x: number, y: number) => x >= l.bounds.x && x <= l.bounds.x + l.bounds.width && y >= l.bounds.y && y <= l.bounds.y + l.bounds.height;
  for (const n of l.nodes) assert.ok(inside(n.position.x, n.position.y) && inside(n.position.x + n.width, n.position.y + n.height), n.id);
  for (const e of l.edges) {
    for (const p of e.data.points) assert.ok(inside(p.x, p.y), e.id);
    assert.ok(inside(e.data.labelX, e.data.labelY));
  }
});

test('edge style: width by volume, colour by error rate', () => {
  const { edges: es } = layoutFlowMap(nodes, edges);
  const deliverPay = es.find((e) => e.target === 'svc:payment')!;
  const deliverInv = es.find((e) => e.target === 'svc:inventory')!;
  assert.equal(deliverPay.data.color, EDGE_COLORS.error);
  assert.equal(deliverInv.data.color, EDGE_COLORS.ok);
  assert.equal(es.find((e) => e.target === 'peer:postgres')!.data.color, EDGE_COLORS.warn);
  assert.ok(deliverPay.data.strokeWidth > deliverInv.data.strokeWidth);
  assert.equal(edgeWidth(1000, 1000), 6);
  assert.equal(edgeWidth(0, 1000), 1.5);
  assert.equal(edgeColor(0.049), EDGE_COLORS.warn);
  assert.equal(new Set(es.map((e) => e.id)).size, es.length, 'edge ids are unique');
});

test('parallel edges between the same nodes get their own label slots', () => {
  const twoTypes = [
    { source: 'svc:order', target: 'dst:kafka:orders', kind: 'publish', count: 5, errors: 0, messageType: 'OrderPlaced' },
    { source: 'svc:order', target: 'dst:kafka:orders', kind: 'publish', count: 3, errors: 0, messageType: 'OrderCancelled' },
  ];
  const { edges: es } = layoutFlowMap(nodes, twoTypes);
  assert.equal(es.length, 2);
  assert.notDeepEqual([es[0]!.data.labelX, es[0]!.data.labelY], [es[1]!.data.labelX, es[1]!.data.labelY]);
  assert.deepEqual(es.map((e) => e.data.short.map((p) => p.text)), [['OrderPlaced', '0.3/min'], ['OrderCancelled', '0.2/min']]);
});

test('short labels: the rate, the error rate when there are errors, the lag status when not OK', () => {
  const { edges: es } = layoutFlowMap(nodes, edges, { rangeMs: RANGE });
  const pay = es.find((e) => e.target === 'svc:payment')!;
  assert.deepEqual(pay.data.short, [
    { text: '1.1/s', tone: 'rate' },
    { text: '10% err', tone: 'error' },
    { text: 'lag WARN', tone: 'lag' },
  ]);
  assert.deepEqual(es[0]!.data.short, [{ text: '1.1/s', tone: 'rate' }]);
  assert.deepEqual(edgeLabelShort({ kind: 'deliver', count: 6, errors: 0, lag: { backlog: 0, oldestUndeliveredAgeMs: 0, offsetLag: 0, status: 'OK' } }, RANGE), [{ text: '0.4/min', tone: 'rate' }]);
  assert.deepEqual(edgeLabelShort({ kind: 'deliver', count: 6, errors: 0, lag: { backlog: 0, oldestUndeliveredAgeMs: 0, offsetLag: 0, status: 'STOP' } }, RANGE).map((p) => p.text), ['0.4/min', 'lag STOP']);
});

test('details: counts, durations, queue time and lag', () => {
  const { edges: es } = layoutFlowMap(nodes, edges, { rangeMs: RANGE });
  assert.deepEqual(es.find((e) => e.target === 'svc:payment')!.data.details, [
    '990 delivered · 1.1/s · 100 failed (10%)',
    'group payment',
    'processing p50 5 ms · p95 12 ms',
    'queue p50 20 ms · p95 40 ms',
    'lag 12 msgs · oldest 900 ms · WARN',
  ]);
  assert.deepEqual(es[0]!.data.details, ['1k published · 1.1/s', 'duration p50 1 ms · p95 3 ms']);
  assert.deepEqual(edgeLabelDetails({ kind: 'call', count: 2, errors: 0 }, RANGE), ['2 calls · 0.1/min']);
});

test('node kinds', () => {
  assert.equal(nodeKindOf('consumer_group'), 'consumerGroup');
  assert.equal(nodeKindOf('topic'), 'destination');
  assert.equal(nodeKindOf('database'), 'peer');
  assert.equal(nodeKindOf('something-new'), 'service');
});

for (const rankdir of ['TB', 'LR'] as RankDir[]) {
  test(`${rankdir}: a consumer group that differs from its service is a tab attached to that service`, () => {
    const withGroup = [...nodes, { id: 'group:svc:inventory:stock-reservers', kind: 'consumerGroup', label: 'stock-reservers', service: 'svc:inventory' }];
    const grouped = edges.map((e) => (e.target === 'svc:inventory' ? { ...e, group: 'stock-reservers', id: 'deliver:inv' } : e));
    const l = layoutFlowMap(withGroup, grouped, { rankdir });
    const deliver = l.edges.find((e) => e.data.group === 'stock-reservers')!;
    assert.equal(deliver.source, 'dst:kafka:orders');
    assert.equal(deliver.target, 'group:svc:inventory:stock-reservers');
    assert.equal(deliver.data.consumer, 'inventory');
    const inv = node(l, 'svc:inventory');
    const grp = node(l, 'group:svc:inventory:stock-reservers');
    assert.equal(grp.type, 'consumerGroup');
    assert.equal(grp.data.attachedTo, 'svc:inventory');
    assert.equal(grp.data.serviceLabel, 'inventory');
    if (rankdir === 'TB') {
      assert.equal(grp.position.y, inv.position.y, 'same rank as its service');
      assert.equal(grp.position.x, inv.position.x + inv.width + 4, 'right beside it');
      assert.equal(deliver.data.points.at(-1)!.y, grp.position.y, 'the delivery ends on the group tab');
    } else {
      assert.equal(grp.position.x, inv.position.x, 'same column as its service');
      assert.equal(grp.position.y, inv.position.y + inv.height + 4, 'right under it');
    }
  });
}

test('a call back to the producer is drawn against the flow and does not stretch the map', () => {
  const callBack = [...edges, { source: 'svc:payment', target: 'svc:order', kind: 'call', count: 5, errors: 0, p50Ms: 1, p95Ms: 2 }];
  const l = layoutFlowMap(nodes, callBack);
  const plain = layoutFlowMap(nodes, edges);
  assert.ok(along(l, 'svc:order') < along(l, 'dst:kafka:orders') && along(l, 'dst:kafka:orders') < along(l, 'svc:payment'));
  assert.equal(along(l, 'svc:payment') - along(l, 'svc:order'), along(plain, 'svc:payment') - along(plain, 'svc:order'), 'same number of ranks');
  const back = l.edges.find((e) => e.data.kind === 'call' && e.target === 'svc:order')!;
  assert.equal(back.data.backward, true);
  const pay = node(l, 'svc:payment');
  const ord = node(l, 'svc:order');
  assert.equal(back.data.points[0]!.y, pay.position.y, 'leaves the top of the caller');
  assert.equal(back.data.points.at(-1)!.y, ord.position.y + ord.height, 'enters the bottom of the called service');
});

test('message-type nodes (groupBy=messageType) get their own node type', () => {
  const { nodes: ns } = layoutFlowMap([{ id: 'messageType:kafka:OrderPlaced', kind: 'messageType', label: 'OrderPlaced', system: 'kafka' }], []);
  assert.equal(ns[0]!.type, 'messageType');
});

test('initial viewport: the whole map when it fits readably, else readable and anchored at the start', () => {
  // fits: centred, zoom capped
  const small = initialViewport({ x: 0, y: 0, width: 400, height: 300 }, { width: 1000, height: 800 }, { maxZoom: 1.1, minZoom: 0.85, padding: 20 });
  assert.equal(small.zoom, 1.1);
  assert.equal(small.x, Math.round((1000 - 440) / 2));
  assert.equal(small.y, Math.round((800 - 330) / 2));
  // slightly too big: zoomed out to fit
  const fit = initialViewport({ x: 0, y: 0, width: 1000, height: 900 }, { width: 1040, height: 840 }, { minZoom: 0.85, padding: 20 });
  assert.equal(fit.zoom, 0.889);
  // far too tall: stays readable, top aligned, centred across
  const tall = initialViewport({ x: 10, y: 10, width: 800, height: 3000 }, { width: 1200, height: 700 }, { minZoom: 0.85, padding: 20 });
  assert.equal(tall.zoom, 0.85);
  assert.equal(tall.y, Math.round(20 - 10 * 0.85));
  assert.equal(tall.x, Math.round((1200 - 800 * 0.85) / 2 - 10 * 0.85));
  // far too wide in TB: readable, centred across the flow (both sides cut alike)
  const wide = initialViewport({ x: 0, y: 0, width: 3000, height: 500 }, { width: 1200, height: 700 }, { minZoom: 0.85, padding: 20 });
  assert.equal(wide.zoom, 0.85);
  assert.equal(wide.x, Math.round((1200 - 3000 * 0.85) / 2));
  // far too wide in LR: anchored at the left, where the flow starts
  const wideLR = initialViewport({ x: 0, y: 0, width: 3000, height: 500 }, { width: 1200, height: 700 }, { rankdir: 'LR', minZoom: 0.85, padding: 20 });
  assert.equal(wideLR.x, 20);
  assert.equal(wideLR.y, Math.round((700 - 500 * 0.85) / 2));
});

test('neighbourhood: a node lights its edges and their other ends; a service and its groups are one', () => {
  const withGroup = [...nodes, { id: 'group:svc:inventory:stock-reservers', kind: 'consumerGroup', label: 'stock-reservers', service: 'svc:inventory' }];
  const grouped = edges.map((e) => (e.target === 'svc:inventory' ? { ...e, group: 'stock-reservers' } : e));
  const l = layoutFlowMap(withGroup, grouped);
  assert.equal(neighbourhood(l.nodes, l.edges, null), null);
  const inv = neighbourhood(l.nodes, l.edges, { type: 'node', id: 'svc:inventory' })!;
  assert.deepEqual([...inv.nodes].sort(), ['dst:kafka:orders', 'group:svc:inventory:stock-reservers', 'svc:inventory']);
  assert.equal(inv.edges.size, 1);
  const pay = neighbourhood(l.nodes, l.edges, { type: 'node', id: 'svc:payment' })!;
  assert.deepEqual([...pay.nodes].sort(), ['dst:kafka:orders', 'peer:postgres', 'svc:payment']);
  const e = l.edges[0]!;
  const one = neighbourhood(l.nodes, l.edges, { type: 'edge', id: e.id })!;
  assert.deepEqual([...one.edges], [e.id]);
  assert.deepEqual([...one.nodes].sort(), [e.source, e.target].sort());
});

test('straighten: a route goes straight where nothing is in the way, keeps its faces and its label', () => {
  const pts = [{ x: 0, y: 0 }, { x: 0, y: 10 }, { x: 200, y: 30 }, { x: 200, y: 60 }, { x: 200, y: 90 }, { x: 100, y: 110 }, { x: 100, y: 120 }];
  const label = { x: 200, y: 60 };
  assert.deepEqual(straighten(pts, label, []), [pts[0], pts[1], label, pts[5], pts[6]]);
  // a node in the way of stub → label keeps the bend that goes round it
  const blocker = { x: 60, y: 25, width: 60, height: 30 };
  assert.ok(segmentHitsRect(pts[1]!, label, blocker));
  assert.ok(!segmentHitsRect(pts[1]!, pts[2]!, blocker));
  assert.deepEqual(straighten(pts, label, [blocker]), [pts[0], pts[1], pts[2], label, pts[5], pts[6]]);
  assert.ok(!segmentHitsRect({ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 20, y: -5, width: 5, height: 10 }));
});

test('a wide, shallow map gets more room between ranks so fanned-out edges slope', () => {
  const fan = [{ id: 'svc:a', kind: 'service', label: 'a' }, ...Array.from({ length: 12 }, (_, i) => ({ id: `svc:c${i}`, kind: 'service', label: `consumer-${i}` }))];
  const fanEdges = fan.slice(1).map((n) => ({ source: 'svc:a', target: n.id, kind: 'call', count: 1, errors: 0 }));
  const l = layoutFlowMap(fan, fanEdges);
  const gap = node(l, 'svc:c0').position.y - (node(l, 'svc:a').position.y + node(l, 'svc:a').height);
  const narrow = layoutFlowMap(fan.slice(0, 3), fanEdges.slice(0, 2));
  const narrowGap = node(narrow, 'svc:c0').position.y - (node(narrow, 'svc:a').position.y + node(narrow, 'svc:a').height);
  assert.ok(gap > narrowGap, `${gap} > ${narrowGap}`);
  assert.ok(gap <= narrowGap + 2 * 26 + 1, 'at most 3× the base separation');
});

test('smoothPath passes through every point without overshooting', () => {
  // a straight run stays straight
  assert.equal(smoothPath([{ x: 0, y: 0 }, { x: 0, y: 10 }, { x: 0, y: 40 }]), 'M 0,0 C 0,3.3 0,6.7 0,10 C 0,20 0,30 0,40');
  // a zig-zag: each cubic ends on the next point, and no control point leaves the points' x range
  const pts = [{ x: 0, y: 0 }, { x: 0, y: 10 }, { x: 100, y: 40 }, { x: 100, y: 50 }];
  const d = smoothPath(pts);
  const nums = d.replace(/[MC]/g, ' ').trim().split(/[\s,]+/).map(Number);
  const xs = nums.filter((_, i) => i % 2 === 0);
  assert.ok(xs.every((x) => x >= 0 && x <= 100), d);
  for (const p of pts) assert.ok(d.includes(`${p.x},${p.y}`), `passes ${p.x},${p.y}`);
  // LR swaps the axes; a route that doubles back still draws
  assert.equal(smoothPath([{ x: 0, y: 0 }, { x: 30, y: 0 }], 'LR'), 'M 0,0 C 10,0 20,0 30,0');
  assert.match(smoothPath([{ x: 0, y: 0 }, { x: 0, y: 10 }, { x: 5, y: 5 }]), /^M 0,0 C/);
  assert.equal(smoothPath([]), '');
});

test('retry rate beside the error rate; an idle consumer group says so; a dead-letter destination is marked and sized for it', () => {
  assert.deepEqual(edgeLabelShort({ kind: 'deliver', count: 200, errors: 10, retries: 20 }, RANGE), [
    { text: '13/min', tone: 'rate' },
    { text: '5% err', tone: 'error' },
    { text: '10% retry', tone: 'retry' },
  ]);
  assert.deepEqual(edgeLabelShort({ kind: 'deliver', count: 200, errors: 0, retries: 0 }, RANGE), [{ text: '13/min', tone: 'rate' }]);
  assert.equal(edgeLabelDetails({ kind: 'deliver', count: 200, errors: 10, retries: 20 }, RANGE)[0], '200 delivered · 13/min · 10 failed (5%) · 20 retried (10%)');
  assert.equal(edgeLabelDetails({ kind: 'deliver', count: 200, errors: 0, retries: 0 }, RANGE)[0], '200 delivered · 13/min');
  const stop = { backlog: 40, oldestUndeliveredAgeMs: 60_000, offsetLag: null, status: 'STOP' };
  assert.deepEqual(edgeLabelShort({ kind: 'deliver', count: 0, errors: 0, lag: stop }, RANGE), [
    { text: 'idle', tone: 'idle' },
    { text: 'lag STOP', tone: 'lag' },
  ]);
  assert.match(edgeLabelDetails({ kind: 'deliver', count: 0, errors: 0, lag: stop }, RANGE)[0]!, /^idle: no deliveries in this range/);

  const dlq = { id: 'dst:kafka:orders.dlq', kind: 'destination', label: 'orders.dlq', system: 'kafka', deadLetter: true as const };
  const l = layoutFlowMap([...nodes, dlq], [...edges, { source: 'svc:payment', target: dlq.id, kind: 'publish', count: 3, errors: 0, p50Ms: 1, p95Ms: 1 }], { rangeMs: RANGE });
  assert.equal(node(l, dlq.id).data.deadLetter, true);
  assert.equal(node(l, 'dst:kafka:orders').data.deadLetter, undefined);
  assert.ok(node(l, dlq.id).width >= nodeBox('destination', 'orders.dlq', 'kafka dead-letter topic').width, 'the box fits its subtitle');
});
