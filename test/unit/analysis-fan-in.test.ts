// The fan-in rule of the request walk (lib/analysis/timeline.ts fanInBatches): which spans are a
// batch the walk entered through one of its messages, and whose links it stops following.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fanInBatches, type FanInRow } from '../../lib/analysis/timeline.js';
import { spanKey } from '../../lib/analysis/skew.js';

const row = (spanId: string, links: string[], parent = '', traceId = 'c'): FanInRow => ({
  trace_id: traceId, span_id: spanId, parent_span_id: parent, link_trace_ids: links,
});
const keys = (...ids: string[]) => new Set(ids.map((id) => spanKey('c', id)));
const batches = (m: Map<string, string[]>) => [...m].map(([k, v]) => [k, [...v].sort()]);

test('a span with several links, entered through one of them, is a batch of itself', () => {
  const rows = [row('b', ['p1', 'p2', 'p3']), row('h', [], 'b')];
  assert.deepEqual(batches(fanInBatches(rows, keys('b'))), [[spanKey('c', 'b'), [spanKey('c', 'b')]]]);
});

test('the same span not entered through a link (the request was opened from its trace) is no batch', () => {
  const rows = [row('b', ['p1', 'p2', 'p3'])];
  assert.equal(fanInBatches(rows, new Set()).size, 0);
  // an entry in another trace does not make this one a batch
  assert.equal(fanInBatches(rows, new Set([spanKey('other', 'b')])).size, 0);
});

test('a single-link consumer without linking siblings is no batch: its link is followed', () => {
  const rows = [row('r', []), row('m', ['p1'], 'r'), row('x', [], 'r')];
  assert.equal(fanInBatches(rows, keys('m')).size, 0);
});

test('a process span per message: the receive span is the batch, its linking children its members', () => {
  const rows = [row('r', []), row('m1', ['p1'], 'r'), row('m2', ['p2'], 'r'), row('m3', ['p3'], 'r'), row('x', [], 'r')];
  assert.deepEqual(batches(fanInBatches(rows, keys('m2'))), [[spanKey('c', 'r'), ['m1', 'm2', 'm3'].map((id) => spanKey('c', id)).sort()]]);
  // without the receive span in the rows there is no batch span to hold the other messages
  assert.equal(fanInBatches(rows.slice(1), keys('m2')).size, 0);
});
