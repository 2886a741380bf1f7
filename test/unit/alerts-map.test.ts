// Which flow-map edges a firing alert marks (lib/alerts/map.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertMarks, type MapEdge, type MapNode } from '../../lib/alerts/map.js';

const node = (id: string, rawKind: string, label: string): MapNode => ({ id, data: { rawKind, label } });
const nodes = [node('s:shop', 'service', 'shop'), node('d:orders', 'destination', 'orders'), node('s:billing', 'service', 'billing'), node('s:ship', 'service', 'shipping')];
const edges: MapEdge[] = [
  { id: 'pub', source: 's:shop', target: 'd:orders', data: { kind: 'publish' } },
  { id: 'bill', source: 'd:orders', target: 's:billing', data: { kind: 'deliver', group: 'billing' } },
  { id: 'ship', source: 'd:orders', target: 's:ship', data: { kind: 'deliver', group: 'shipping' } },
];

describe('flow map alert marks', () => {
  it('a group marks its deliver edge only, a destination all its edges, a service its edges', () => {
    assert.deepEqual(alertMarks(nodes, edges, [{ ruleName: 'stopped', instance: { destination: 'orders', consumerGroup: 'billing' } }]), { bill: ['stopped'] });
    assert.deepEqual(Object.keys(alertMarks(nodes, edges, [{ ruleName: 'quiet', instance: { destination: 'orders' } }])).sort(), ['bill', 'pub', 'ship']);
    assert.deepEqual(alertMarks(nodes, edges, [{ ruleName: 'errors', instance: { service: 'shop' } }]), { pub: ['errors'] });
    assert.deepEqual(alertMarks(nodes, edges, [{ ruleName: 'x', instance: { destination: 'payments', consumerGroup: 'billing' } }]), {});
    const two = alertMarks(nodes, edges, [
      { ruleName: 'a', instance: { destination: 'orders', consumerGroup: 'billing' } },
      { ruleName: 'b', instance: { service: 'billing' } },
      { ruleName: 'a', instance: { destination: 'orders', consumerGroup: 'billing' } },
    ]);
    assert.deepEqual(two, { bill: ['a', 'b'] });
  });
});
