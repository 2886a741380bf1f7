import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  flattenTimeline, visibleRows, collapsibleKeys, timeWindow, barOf, queueSegments, windowSlice, spanKey,
  type TimelineSpanInput, type RowModel,
} from '../../lib/ui/timeline.js';

const T0 = 1_764_147_845_000_000_000n;
const ms = (n: number) => String(T0 + BigInt(Math.round(n * 1e6)));
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

function span(traceId: string, spanId: string, parentSpanId: string, service: string, start: number, end: number): TimelineSpanInput & { name: string } {
  return { traceId, spanId, parentSpanId, service, startNs: ms(start), endNs: ms(end), name: `${service} op` };
}

// order (trace A) publishes; payment consumes by parent (trace A); shipping consumes by link (trace B)
const spans = [
  span(A, '0000000000000001', '', 'order', 0, 50),
  span(A, '0000000000000002', '0000000000000001', 'order', 10, 12), // publish
  span(A, '0000000000000003', '0000000000000002', 'payment', 30, 45), // deliver via parent
  span(A, '0000000000000004', '0000000000000003', 'payment', 32, 40),
  span(B, '0000000000000010', '', 'shipping', 80, 100), // deliver via link
  span(B, '0000000000000011', '0000000000000010', 'shipping', 85, 90),
];
const hops = [
  { publish: { traceId: A, spanId: '0000000000000002' }, deliver: { traceId: A, spanId: '0000000000000003' } },
  { publish: { traceId: A, spanId: '0000000000000002' }, deliver: { traceId: B, spanId: '0000000000000010' } },
];
const ids = (rows: RowModel<(typeof spans)[number]>[]) => rows.map((r) => (r.type === 'span' ? `${r.span.spanId.slice(-2)}@${r.depth}` : r.key));

test('tree mode: depth-first, children by start, link-connected consumer nested under its publish', () => {
  const rows = flattenTimeline(spans, hops);
  assert.deepEqual(ids(rows), ['01@0', '02@1', '03@2', '04@3', '10@2', '11@3']);
  const r10 = rows.find((r) => r.type === 'span' && r.span.spanId.endsWith('10'))!;
  assert.equal(r10.type === 'span' && r10.via, 'hop');
  const r02 = rows[1]!;
  assert.equal(r02.childCount, 2);
});

test('without hops the second trace is its own root; resent spans appear once; orphans are flagged', () => {
  const rows = flattenTimeline([...spans, spans[2]!, span(A, '0000000000000020', '00000000000000ee', 'audit', 5, 6)]);
  assert.deepEqual(ids(rows), ['01@0', '02@1', '03@2', '04@3', '20@0', '10@0', '11@1']);
  const orphan = rows.find((r) => r.type === 'span' && r.span.spanId.endsWith('20'));
  assert.equal(orphan?.type === 'span' && orphan.orphan, true);
});

test('cycles in odd link data do not loop forever', () => {
  const x = span(A, '0000000000000001', '0000000000000002', 's', 0, 1);
  const y = span(A, '0000000000000002', '0000000000000001', 's', 1, 2);
  const rows = flattenTimeline([x, y]);
  assert.equal(rows.length, 2);
});

test('service mode: one section per service in order of first activity', () => {
  const rows = flattenTimeline(spans, hops, 'service');
  assert.deepEqual(ids(rows), [
    'service:order', '01@1', '02@1',
    'service:payment', '03@1', '04@1',
    'service:shipping', '10@1', '11@1',
  ]);
  assert.equal(rows[0]!.childCount, 2);
  assert.deepEqual(ids(visibleRows(rows, new Set(['service:payment']))), [
    'service:order', '01@1', '02@1', 'service:payment', 'service:shipping', '10@1', '11@1',
  ]);
});

test('collapse hides descendants only', () => {
  const rows = flattenTimeline(spans, hops);
  assert.deepEqual(ids(visibleRows(rows, new Set([spanKey(A, '0000000000000003')]))), ['01@0', '02@1', '03@2', '10@2', '11@3']);
  assert.deepEqual(ids(visibleRows(rows, new Set([spanKey(A, '0000000000000001')]))), ['01@0']);
  assert.deepEqual(collapsibleKeys(rows).length, 4);
});

test('positions are fractions of the request window; queue segments span publish end → deliver start', () => {
  const w = timeWindow(spans);
  assert.equal(w.startNs, T0);
  assert.equal(w.endNs, T0 + 100_000_000n);
  const bar = barOf(ms(10), ms(12), w);
  assert.ok(Math.abs(bar.left - 0.1) < 1e-9 && Math.abs(bar.width - 0.02) < 1e-9, JSON.stringify(bar));
  const tiny = barOf(ms(100), ms(100), w);
  assert.ok(tiny.width > 0 && tiny.left + tiny.width <= 1);
  const q = queueSegments(spans, hops, w);
  assert.equal(q.size, 2);
  const ship = q.get(spanKey(B, '0000000000000010'))!;
  assert.equal(ship.queueMs, 68);
  assert.ok(Math.abs(ship.left - 0.12) < 1e-9 && Math.abs(ship.width - 0.68) < 1e-9);
  // clock skew: deliver starts before publish ends → negative queue time, zero-width segment
  const skewed = [span(A, '0000000000000002', '', 'x', 10, 20), span(B, '0000000000000010', '', 'y', 15, 30)];
  const s = queueSegments(skewed, [hops[1]!], timeWindow(skewed)).get(spanKey(B, '0000000000000010'))!;
  assert.equal(s.queueMs, -5);
  assert.equal(s.width, 0);
  // a hop whose producer span is not in the request draws no segment and nests nothing
  const lost = [{ publish: null, deliver: { traceId: B, spanId: '0000000000000010' } }];
  assert.equal(queueSegments(spans, lost, w).size, 0);
  assert.equal(flattenTimeline(spans, lost).filter((r) => r.depth === 0).length, 2);
});

test('windowing renders only the rows in view plus overscan, across sizes', () => {
  for (const total of [0, 1, 30, 50_000]) {
    for (const scrollTop of [0, 280, 1_000_000]) {
      const { start, end } = windowSlice(scrollTop, 560, 28, total, 10);
      assert.ok(start >= 0 && end <= total && start <= end, `${total}/${scrollTop}: ${start}-${end}`);
      assert.ok(end - start <= Math.ceil(560 / 28) + 1 + 20);
    }
  }
  assert.deepEqual(windowSlice(280, 560, 28, 50_000, 10), { start: 0, end: 41 });
  assert.deepEqual(windowSlice(28_000, 560, 28, 50_000, 10), { start: 990, end: 1031 });
});

test('a 50,000-span chain flattens without recursion limits', () => {
  const chain = Array.from({ length: 50_000 }, (_, i) =>
    span(A, i.toString(16).padStart(16, '0'), i === 0 ? '' : (i - 1).toString(16).padStart(16, '0'), 's', i, i + 1));
  const rows = flattenTimeline(chain);
  assert.equal(rows.length, 50_000);
  assert.equal(rows[49_999]!.depth, 49_999);
});
