import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anomalyMarkers, mergeAnomalySeries, messageLabel } from '../../lib/ui/markers.js';
import { spanKey } from '../../lib/ui/timeline.js';
import type { DuplicateOccurrence, OrderingOccurrence } from '../../lib/analysis/anomalies.js';

const T = 'a'.repeat(32);
const delivery = (spanId: string, status: string, cls: DuplicateOccurrence['class'] | null) => ({
  traceId: T, spanId, service: 'billing', operation: 'process', at: '2026-11-26T09:18:44.540Z', startNs: '1', status, redelivered: false, fromRewind: false, class: cls,
});

test('duplicate and ordering occurrences mark the deliveries involved', () => {
  const dup: DuplicateOccurrence = {
    message: `span:${T}:00000000000000aa`, messageId: null, destination: 'orders', consumerGroup: 'billing', partition: '0', offset: '7', key: '',
    class: 'duplicate_after_success', fromRewind: false, extraDeliveries: 2, at: '2026-11-26T09:18:44.900Z', publish: null,
    deliveries: [delivery('0000000000000001', 'ERROR', null), delivery('0000000000000002', 'OK', 'redelivery_after_failure'), delivery('0000000000000003', 'OK', 'duplicate_after_success')],
    traceIds: [T],
  };
  const msg = (spanId: string, offset: string) => ({
    message: `span:${T}:${spanId}`, offset, key: 'k', publishedAt: null, deliveredAt: '2026-11-26T09:18:44.900Z',
    deliver: { traceId: T, spanId, service: 'crm' }, publish: null,
  });
  const ord: OrderingOccurrence = {
    destination: 'orders', consumerGroup: 'crm', partition: '1', key: 'k', basis: 'offset', at: '2026-11-26T09:18:44.900Z',
    deliveredFirst: msg('00000000000000f1', '12'), deliveredLater: msg('00000000000000f2', '11'), traceIds: [T],
  };
  const m = anomalyMarkers({ duplicates: [dup], ordering: [ord] });
  assert.deepEqual(m.get(spanKey(T, '0000000000000001'))!.map((x) => x.type), ['first-delivery']);
  assert.deepEqual(m.get(spanKey(T, '0000000000000002'))!.map((x) => x.type), ['retry']);
  assert.deepEqual(m.get(spanKey(T, '0000000000000003'))!.map((x) => x.type), ['duplicate']);
  assert.match(m.get(spanKey(T, '0000000000000003'))![0]!.text, /delivery 3 of 3 to billing/);
  assert.equal(m.get(spanKey(T, '00000000000000f2'))![0]!.text, 'out of order in crm: offset 11 after offset 12');
  assert.equal(m.get(spanKey(T, '00000000000000f1'))![0]!.text, 'delivered to crm before an older message (offset 12 before 11)');
});

test('count series merge by interval start', () => {
  const pts = mergeAnomalySeries(
    [{ t: '2026-11-26T09:00:10.000Z', redelivery_after_failure: 1, duplicate_after_success: 2 }, { t: '2026-11-26T09:00:00.000Z', redelivery_after_failure: 0, duplicate_after_success: 0 }],
    [{ t: '2026-11-26T09:00:10.000Z', count: 3 }, { t: '2026-11-26T09:00:20.000Z', count: 1 }],
  );
  assert.deepEqual(pts.map((p) => [new Date(p.ts).toISOString().slice(14, 19), p.redelivery, p.duplicate, p.ordering]), [
    ['00:00', 0, 0, 0], ['00:10', 1, 2, 3], ['00:20', 0, 0, 1],
  ]);
  assert.deepEqual(mergeAnomalySeries(undefined, undefined), []);
});

test('messages are named by id, offset, key, else producer span', () => {
  assert.equal(messageLabel({ message: 'x', messageId: 'ord-1' }), 'id ord-1');
  assert.equal(messageLabel({ message: 'x', partition: '2', offset: '41' }), 'partition 2 offset 41');
  assert.equal(messageLabel({ message: 'x', messageId: 'ord-1', partition: '2', offset: '41' }), 'id ord-1 · partition 2 offset 41');
  assert.equal(messageLabel({ message: 'x', offset: null, key: 'cust-1' }), 'key cust-1');
  assert.equal(messageLabel({ message: `span:${T}:c3891c0fd198c80f` }), 'producer span c3891c0f');
});
