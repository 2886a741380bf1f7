// Per-host clock offsets from hop evidence (lib/hops/clocks.ts): the least shift that puts every
// delivery after its publish started, relative to the host that consumed most.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateHostOffsets } from '../../lib/hops/clocks.js';

const ms = (n: number) => BigInt(Math.round(n * 1e6));
const offsets = (m: ReturnType<typeof estimateHostOffsets>) => Object.fromEntries([...m].map(([h, o]) => [h, Number(o.offsetNs) / 1e6]));

test('a producer host 3 s ahead is moved back by the largest impossibility seen', () => {
  const r = estimateHostOffsets([
    { producerHost: 'orders-1', consumerHost: 'billing-1', minStartGapNs: ms(-2_950), hops: 40 },
    { producerHost: 'orders-1', consumerHost: 'shipping-1', minStartGapNs: ms(-2_990), hops: 10 },
  ]);
  // billing-1 consumed most: the reference; orders-1 moves −2950 ms; then shipping-1 needs
  // shipping start + o ≥ orders start − 2950 ⇔ o ≥ −2950 + 2990 = 40 ms
  assert.deepEqual(offsets(r), { 'orders-1': -2_950, 'shipping-1': 40 });
  assert.match(r.get('orders-1')!.basis, /^orders-1 → billing-1: a delivery started 2,950 ms before its publish started$/);
});

test('consistent clocks, same-host pairs and unrelated hosts move nothing', () => {
  const r = estimateHostOffsets([
    { producerHost: 'a', consumerHost: 'b', minStartGapNs: ms(12), hops: 5 },
    { producerHost: 'c', consumerHost: 'c', minStartGapNs: ms(-500), hops: 5 },
    { producerHost: 'd', consumerHost: 'e', minStartGapNs: 0n, hops: 1 },
  ]);
  assert.deepEqual(offsets(r), {});
});

test('a consumer host behind is moved forward; the result does not depend on input order', () => {
  const ev = [
    { producerHost: 'p', consumerHost: 'slow-clock', minStartGapNs: ms(-1_000), hops: 3 },
    { producerHost: 'p', consumerHost: 'main', minStartGapNs: ms(5), hops: 30 },
  ];
  const a = offsets(estimateHostOffsets(ev));
  const b = offsets(estimateHostOffsets([...ev].reverse()));
  assert.deepEqual(a, { 'slow-clock': 1_000 });
  assert.deepEqual(b, a);
});

test('synchronous calls fix a host exactly; hop bounds only place what calls do not reach', () => {
  const r = estimateHostOffsets(
    [
      // orders (3 s ahead) publishes, billing consumes 100 ms later: the bound alone would say −2,899 ms
      { producerHost: 'orders-host', consumerHost: 'billing-host', minStartGapNs: ms(-2_899), hops: 60 },
      // an uninstrumented-by-calls host, consumer of orders, also ahead
      { producerHost: 'orders-host', consumerHost: 'audit-host', minStartGapNs: ms(-1_000), hops: 5 },
    ],
    // checkout calls orders: orders' server spans sit 3,000 ms late inside checkout's client spans
    [{ clientHost: 'checkout-host', serverHost: 'orders-host', medianCorrectionNs: ms(-3_000), calls: 80 }],
  );
  // reference checkout-host (most evidence); orders −3,000 ms exactly; billing and audit by bounds:
  // billing: o ≥ −3000 + 2899 = −101 → 0; audit: o ≥ −3000 + 1000 = −2000 → 0
  assert.deepEqual(offsets(r), { 'orders-host': -3_000 });
  assert.match(r.get('orders-host')!.basis, /^checkout-host → orders-host: 80 synchronous calls put the server span inside its client span \(3,000 ms\)$/);
});
