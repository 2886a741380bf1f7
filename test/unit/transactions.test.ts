// buildTransaction (lib/analysis/transactions.ts) and businessKeyRows (lib/store/business-keys.ts):
// steps, islands of traces and breaks from a timeline, without a store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTransaction } from '../../lib/analysis/transactions.js';
import type { Timeline, TimelineHop, TimelineSpan } from '../../lib/analysis/timeline.js';
import { businessKeyRows } from '../../lib/store/business-keys.js';
import type { SpanRow } from '../../lib/store/rows.js';

const MS = 1_000_000n;
let seq = 0;
function span(p: { trace: string; start: number; service?: string; name?: string; parent?: string; op?: string; dest?: string; type?: string; msgId?: string; group?: string; linksOut?: Array<[string, string]>; linksIn?: Array<[string, string]> }): TimelineSpan {
  const id = (++seq).toString(16).padStart(16, '0');
  return {
    traceId: p.trace, spanId: id, parentSpanId: p.parent ?? '', service: p.service ?? 'svc', host: 'h', name: p.name ?? 'span', kind: 'INTERNAL',
    startNs: (BigInt(p.start) * MS).toString(), endNs: (BigInt(p.start + 1) * MS).toString(), durationMs: 1,
    status: { code: 'UNSET', message: '' }, attributes: {}, resource: {}, scope: { name: '', version: '', attributes: {} }, events: [],
    linksOut: (p.linksOut ?? []).map(([traceId, spanId]) => ({ traceId, spanId, attributes: {}, inRequest: true })),
    linksIn: (p.linksIn ?? []).map(([traceId, spanId]) => ({ traceId, spanId, attributes: {}, inRequest: true })),
    depth: 0,
    ...(p.op ? { messaging: { operation: p.op, system: 'kafka', destination: p.dest ?? 'd', partition: '', offset: null, messageId: p.msgId ?? '', consumerGroup: p.group ?? '', key: '', messageType: p.type ?? '' } } : {}),
  };
}
function timeline(spans: TimelineSpan[], hops: TimelineHop[] = []): Timeline {
  spans.sort((a, b) => Number(BigInt(a.startNs) - BigInt(b.startNs)));
  return {
    traceId: spans[0]!.traceId, traceIds: [...new Set(spans.map((s) => s.traceId))], startNs: spans[0]!.startNs, endNs: spans.at(-1)!.endNs, durationMs: 0,
    spanCount: spans.length, services: [...new Set(spans.map((s) => s.service))].sort(), spans, hops, clockSkew: [], anomalies: { duplicates: [], ordering: [] },
  };
}
const T = (n: number) => n.toString(16).padStart(32, '0');

test('one trace: entry, publish and deliver steps in start order, no break; child spans are not steps', () => {
  const root = span({ trace: T(1), start: 0, name: 'POST /orders' });
  const inner = span({ trace: T(1), start: 1, parent: root.spanId, name: 'INSERT' });
  const pub = span({ trace: T(1), start: 2, parent: root.spanId, op: 'send', type: 'OrderPlaced' });
  const del = span({ trace: T(1), start: 5, parent: pub.spanId, op: 'process', type: 'OrderPlaced', group: 'billing' });
  const hop: TimelineHop = { consumerGroup: 'billing', destination: 'd', message: 'm', publish: { traceId: T(1), spanId: pub.spanId, service: 'svc' }, deliver: { traceId: T(1), spanId: del.spanId, service: 'svc' }, queueMs: 2, rawQueueMs: 2 };
  const t = buildTransaction('order.id', 'o-1', timeline([del, inner, pub, root], [hop]), new Set([`${T(1)}:${root.spanId}`]));
  assert.deepEqual(t.steps.map((s) => [s.kind, s.label, s.queueMs, s.carriesKey, s.segment]), [
    ['entry', 'POST /orders', null, true, 0],
    ['publish', 'OrderPlaced', null, false, 0],
    ['deliver', 'OrderPlaced', 2, false, 0],
  ]);
  assert.deepEqual(t.breaks, []);
  assert.equal(t.keySpanCount, 1);
});

test('traces joined by a link in either direction are one island; an unlinked trace is a break after the message it lost', () => {
  const pub = span({ trace: T(1), start: 0, op: 'send', dest: 'orders', msgId: 'm-1', type: 'OrderPlaced' });
  const linked = span({ trace: T(2), start: 3, op: 'process', dest: 'orders', msgId: 'm-1', linksOut: [[T(1), '']] });
  const unrelatedLater = span({ trace: T(3), start: 4, name: 'audit' }); // started before the broken delivery
  const lost = span({ trace: T(4), start: 10, op: 'process', dest: 'orders', msgId: 'm-1', service: 'payment' });
  const linksBack = span({ trace: T(5), start: 12, name: 'report', linksIn: [[T(4), lost.spanId]] });
  const t = buildTransaction('order.id', 'o-1', timeline([pub, linked, unrelatedLater, lost, linksBack]), new Set());
  assert.deepEqual(t.steps.map((s) => s.segment), [0, 0, 1, 2, 2]);
  assert.deepEqual(t.breaks.map((b) => [b.segment, b.traceIds, b.before?.spanId, b.after.spanId]), [
    [1, [T(3)], linked.spanId, unrelatedLater.spanId], // no message in common: the step just before
    [2, [T(4), T(5)], pub.spanId, lost.spanId], // the delivery's own message, published in another island
  ]);
  // queue time by message id across the break: publish end (1 ms) → delivery (10 ms)
  assert.equal(t.steps.find((s) => s.spanId === lost.spanId)!.queueMs, 9);
  assert.match(t.breaks[1]!.explanation, /^payment started a new trace with no parent and no link to the earlier ones \(after publish OrderPlaced by svc\): .* order\.id=o-1/);
});

test('businessKeyRows: span attribute first, else the resource; the conversation id from its normalized column; long values skipped', () => {
  const resource = { resource_key: '1', service_name: 's', resource_attributes: { 'order.id': 'r-1', 'customer.id': 'c-1' }, scope_name: '', scope_version: '', scope_attributes: {}, attribute_types: {}, env: '', namespace: '' };
  const row = (attrs: Record<string, string>, conv = '') => ({ timestamp: '1', trace_id: T(1), span_id: 'a', service_name: 's', span_attributes: attrs, resource, msg_conversation_id: conv }) as unknown as SpanRow;
  const rows = businessKeyRows([row({ 'order.id': 's-1' }, 'cv'), row({ 'customer.id': 'x'.repeat(600) })], ['messaging.message.conversation_id', 'order.id', 'customer.id', 'cart.id']);
  assert.deepEqual(rows.map((r) => [r.key, r.value, r.source]), [
    ['messaging.message.conversation_id', 'cv', 'span'],
    ['order.id', 's-1', 'span'],
    ['customer.id', 'c-1', 'resource'],
    ['order.id', 'r-1', 'resource'],
  ]);
  assert.deepEqual(businessKeyRows([row({ 'order.id': 's-1' })], []), []);
});
