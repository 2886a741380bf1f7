// The pass's ordering decision for one lane (lib/hops/ordering.ts decideLane), without the store:
// what came before is given as cells (the highest of a second or minute) and single deliveries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLane, ORDER_WINDOW_S, type Candidate, type PriorItem } from '../../lib/hops/ordering.js';

const S = 1_000_000_000n;
const T0 = 1_800_000_000n * S; // a minute boundary
const delivery = (atNs: bigint, ord: number, key: string): PriorItem & Candidate => ({
  atNs,
  top: [BigInt(ord), -atNs, BigInt(key), 0n],
  ord: BigInt(ord),
  d_key: key,
  message_key: '0',
});
const verdicts = (items: PriorItem[], cands: Candidate[]) =>
  decideLane(items, cands).map((v) => [v.d_key, v.before ? v.before.d_key : null]);

test('a delivery of a lower ord after a higher one is out of order, against the highest delivered before it', () => {
  const a = delivery(T0 + 1n * S, 5, '1');
  const b = delivery(T0 + 2n * S, 7, '2');
  const c = delivery(T0 + 3n * S, 6, '3');
  const d = delivery(T0 + 4n * S, 8, '4');
  assert.deepEqual(verdicts([a, b, c, d], [a, b, c, d]), [['1', null], ['2', null], ['3', '2'], ['4', null]]);
});

test('deliveries that start together (one batch span) are not compared with each other', () => {
  const a = delivery(T0 + S, 9, '1');
  const b = delivery(T0 + S, 4, '2');
  const c = delivery(T0 + S + 1n, 4, '3');
  assert.deepEqual(verdicts([a, b, c], [a, b, c]), [['1', null], ['2', null], ['3', '1']]);
});

test('the message delivered first is the earliest delivery of the highest ord (a redelivery of it is not)', () => {
  const first = delivery(T0 + S, 9, '1');
  const again = delivery(T0 + 2n * S, 9, '2');
  const late = delivery(T0 + 3n * S, 3, '3');
  assert.deepEqual(verdicts([again, first, late], [late]), [['3', '1']]);
});

test('compared with the hour before the start of its minute: a cell just inside counts, one just outside does not', () => {
  const minute = 60n * S;
  const window = BigInt(ORDER_WINDOW_S) * S;
  const at = T0 + window + 30n * S; // 30 s into a minute
  const inside: PriorItem = { atNs: T0, top: [10n, -T0, 1n, 0n] }; // the cell of the minute 1 h before
  const outside: PriorItem = { atNs: T0 - minute, top: [20n, -(T0 - minute), 2n, 0n] };
  const c = delivery(at, 5, '3');
  assert.deepEqual(verdicts([outside, inside], [c]), [['3', '1']]);
  assert.deepEqual(verdicts([outside], [c]), [['3', null]]);
  // a candidate later in the next minute no longer sees the cell at T0
  const c2 = delivery(at + minute, 5, '4');
  assert.deepEqual(verdicts([outside, inside], [c, c2]), [['3', '1'], ['4', null]]);
});

test('an equal ord is not out of order; candidates come back in time order', () => {
  const a = delivery(T0 + 2n * S, 5, '1');
  const b = delivery(T0 + 3n * S, 5, '2');
  assert.deepEqual(verdicts([b, a], [b, a]), [['1', null], ['2', null]]);
});
