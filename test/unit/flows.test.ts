// The pure flow model (lib/analysis/flow-model.ts): usual steps by the most common sequence, step
// times from the previous step, stuck = on the usual path, stopped before its end for longer than
// max(minimum, multiplier × p95 of the missing step), other paths not judged, the stuck series.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFlows, percentile, type FlowOptions, type FlowStepRow } from '../../lib/analysis/flow-model.js';

const MIN = 60_000;
const opts = (o: Partial<FlowOptions> = {}): FlowOptions => ({ nowMs: 100 * MIN, fromMs: 40 * MIN, toMs: 100 * MIN, stuckMultiplier: 3, stuckMinMs: 1000, minSamples: 3, buckets: 6, ...o });
const row = (value: string, step: string, atMs: number, group = step.toLowerCase(), key = 'order.id'): FlowStepRow => ({ key, value, step, destination: 'd-' + step, consumerGroup: group, publisher: 'p-' + step, atMs });

/** n complete A → B → C transactions, step times 1 s and 2 s, starting at 50 min. */
function complete(n: number): FlowStepRow[] {
  const out: FlowStepRow[] = [];
  for (let i = 0; i < n; i++) {
    const t = 50 * MIN + i * 1000;
    out.push(row('c' + i, 'A', t), row('c' + i, 'B', t + 1000), row('c' + i, 'C', t + 3000));
  }
  return out;
}

test('percentile is nearest-rank', () => {
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
  assert.equal(percentile([7], 95), 7);
});

test('the usual steps are the most common sequence; times are from the previous step', () => {
  const { flows } = buildFlows([...complete(4), row('x', 'A', 60 * MIN), row('x', 'Z', 60 * MIN + 10)], opts());
  assert.equal(flows.length, 1);
  const f = flows[0]!;
  assert.deepEqual(f.usualSteps.map((s) => [s.label, s.p50Ms, s.p95Ms, s.stuckAfterMs]), [['A', null, null, null], ['B', 1000, 1000, 3000], ['C', 2000, 2000, 6000]]);
  assert.deepEqual([f.transactions, f.completed, f.otherPaths, f.stuck], [5, 4, 1, 0]);
});

test('a transaction stopped before the end is stuck only after max(minimum, multiplier × p95)', () => {
  const rows = [...complete(3), row('s', 'A', 90 * MIN), row('s', 'B', 90 * MIN + 1000)];
  // C usually takes 2 s: stuck after 6 s
  assert.equal(buildFlows(rows, opts({ nowMs: 90 * MIN + 1000 + 5000 })).stuck.length, 0);
  const { stuck, flows } = buildFlows(rows, opts({ nowMs: 90 * MIN + 1000 + 7000 }));
  assert.equal(stuck.length, 1);
  assert.deepEqual([stuck[0]!.value, stuck[0]!.reached.label, stuck[0]!.missing.label, stuck[0]!.missing.consumerGroups, stuck[0]!.waitingMs], ['s', 'B', 'C', ['c'], 7000]);
  assert.equal(flows[0]!.stuck, 1);
  // the minimum wins over a small p95
  assert.equal(buildFlows(rows, opts({ nowMs: 90 * MIN + 1000 + 7000, stuckMinMs: 10_000 })).stuck.length, 0);
  // the multiplier scales the p95
  assert.equal(buildFlows(rows, opts({ nowMs: 90 * MIN + 1000 + 7000, stuckMultiplier: 4 })).stuck.length, 0);
});

test('nothing is judged before minSamples transactions completed the usual steps', () => {
  const rows = [...complete(2), row('s', 'A', 60 * MIN)];
  const { flows, stuck } = buildFlows(rows, opts());
  assert.equal(flows[0]!.learnt, false);
  assert.equal(stuck.length, 0);
  assert.equal(buildFlows(rows, opts({ minSamples: 2 })).stuck.length, 1);
});

test('a transaction on another path is not stuck; flows are per key and first step', () => {
  const rows = [...complete(3), row('o', 'A', 60 * MIN), row('o', 'Q', 60 * MIN + 1), row('k', 'A', 60 * MIN, 'a', 'customer.id'), row('k', 'B', 60 * MIN + 1, 'b', 'customer.id')];
  const { flows, stuck } = buildFlows(rows, opts());
  assert.deepEqual(flows.map((f) => f.id), ['order.id:A', 'customer.id:A']);
  assert.equal(flows[0]!.otherPaths, 1);
  assert.equal(stuck.length, 0);
});

test('steps are ordered by delivery: a later step first makes its own flow, swapped later steps still complete', () => {
  const rows = [...complete(3), row('r', 'A', 60 * MIN), row('r', 'C', 60 * MIN + 1), row('r', 'B', 60 * MIN + 2), row('b', 'B', 60 * MIN), row('b', 'A', 60 * MIN + 5)];
  const { flows, stuck } = buildFlows(rows, opts());
  assert.deepEqual(flows.map((f) => [f.id, f.transactions, f.completed]), [['order.id:A', 4, 4], ['order.id:B', 1, 1]]);
  assert.equal(stuck.length, 0);
});

test('the series counts a transaction in each bucket where it was stuck, judged with what it had reached then', () => {
  // buckets end at 50, 60, … 100 min; s reaches B at 65 min and C at 85 min
  const rows = [...complete(3), row('s', 'A', 64 * MIN), row('s', 'B', 65 * MIN), row('s', 'C', 85 * MIN)];
  const f = buildFlows(rows, opts({ stuckMinMs: 1000 })).flows[0]!;
  // C's p95 is now the 20-minute wait (4 samples, nearest rank): stuck after 60 min, never reached
  assert.deepEqual(f.series.map((p) => p.stuck), [0, 0, 0, 0, 0, 0]);
  const g = buildFlows([...complete(40), row('s', 'A', 64 * MIN), row('s', 'B', 65 * MIN), row('s', 'C', 85 * MIN)], opts()).flows[0]!;
  assert.deepEqual(g.series.map((p) => [p.t.slice(11, 16), p.stuck]), [['00:50', 0], ['01:00', 0], ['01:10', 1], ['01:20', 1], ['01:30', 0], ['01:40', 0]]);
  assert.equal(g.stuck, 0);
});
