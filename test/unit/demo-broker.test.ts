// The demo's Kafka-like broker and fault dice, without I/O: partitioning, offsets, groups,
// at-least-once redelivery, reordering, duplicates, retention.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker, partitionFor, type Delivery } from '../../demo/broker.js';
import { Faults, seededRandom, type FaultRates } from '../../demo/faults.js';

const NONE: FaultRates = { duplicateRate: 0, reorderRate: 0, errorRate: 0, maxRetries: 2 };
/** dice that always roll `v` */
const always = (v: number) => () => v;

function drain(g: ReturnType<Broker['group']>, ack = true): Delivery[] {
  const out: Delivery[] = [];
  for (let i = 0; i < 1000; i++) {
    const ds = g.poll(10);
    if (ds.length === 0) break;
    for (const d of ds) {
      out.push(d);
      if (ack) g.ack(d);
    }
  }
  return out;
}

describe('partitionFor', () => {
  test('is stable and in range, and spreads keys', () => {
    for (const n of [1, 2, 3, 7, 16]) {
      const seen = new Set<number>();
      for (let i = 0; i < 200; i++) {
        const p = partitionFor(`key-${i}`, n);
        assert.ok(p >= 0 && p < n);
        assert.equal(partitionFor(`key-${i}`, n), p);
        seen.add(p);
      }
      assert.equal(seen.size, n, `all ${n} partitions used`);
    }
  });
});

describe('Broker', () => {
  test('offsets grow per partition and one key stays in one partition', () => {
    const b = new Broker({ partitions: 3 });
    const recs = Array.from({ length: 30 }, (_, i) => b.produce('t', `k${i % 4}`, i));
    for (const key of ['k0', 'k1', 'k2', 'k3']) {
      const mine = recs.filter((r) => r.key === key);
      assert.equal(new Set(mine.map((r) => r.partition)).size, 1);
    }
    for (let p = 0; p < 3; p++) {
      const offs = recs.filter((r) => r.partition === p).map((r) => r.offset);
      assert.deepEqual(offs, offs.map((_, i) => i));
    }
    assert.equal(b.endOffsets('t').reduce((a, c) => a + c, 0), 30);
  });

  test('each consumer group gets every record once, in partition order, without faults', () => {
    const b = new Broker({ partitions: 3, faults: new Faults(NONE, always(0.5)) });
    for (let i = 0; i < 50; i++) b.produce('t', `k${i % 7}`, i);
    for (const group of ['a', 'b']) {
      const got = drain(b.group('t', group));
      assert.equal(got.length, 50);
      assert.ok(got.every((d) => d.attempt === 1 && d.group === group));
      for (let p = 0; p < 3; p++) {
        const offs = got.filter((d) => d.record.partition === p).map((d) => d.record.offset);
        assert.deepEqual(offs, [...offs].sort((x, y) => x - y));
      }
      assert.deepEqual(b.group('t', group).lag(), [0, 0, 0]);
    }
  });

  test('a nacked record comes again after the backoff, with attempt + 1', () => {
    let now = 1000;
    const b = new Broker({ partitions: 1, now: () => now, retryBackoffMs: 100 });
    b.produce('t', 'k', 'x');
    const g = b.group('t', 'g');
    const [first] = g.poll(5);
    g.nack(first!);
    assert.equal(g.poll(5).length, 0, 'not before the backoff');
    now += 100;
    const [again] = g.poll(5);
    assert.equal(again!.record.offset, first!.record.offset);
    assert.equal(again!.attempt, 2);
    assert.equal(again!.redelivery, 'retry');
    assert.deepEqual(g.lag(), [1], 'not committed until acked');
    g.ack(again!);
    assert.deepEqual(g.lag(), [0]);
  });

  test('the duplicate fault delivers an acked record once more', () => {
    const b = new Broker({ partitions: 1, faults: new Faults({ ...NONE, duplicateRate: 0.5 }, always(0.1)) });
    b.produce('t', 'k', 'x');
    const g = b.group('t', 'g');
    const [d] = g.poll(1);
    g.ack(d!);
    const [dup] = g.poll(1);
    assert.equal(dup!.record.offset, 0);
    assert.equal(dup!.redelivery, 'duplicate');
    assert.equal(dup!.attempt, 2);
  });

  test('the reorder fault delivers the successor first, and holds no longer than maxHoldMs', () => {
    let now = 0;
    const b = new Broker({ partitions: 1, now: () => now, maxHoldMs: 500, faults: new Faults({ ...NONE, reorderRate: 1 }, always(0)) });
    const g = b.group('t', 'g');
    b.produce('t', 'k', 0);
    assert.equal(g.poll(1).length, 0, 'offset 0 is held back, waiting for its successor');
    b.produce('t', 'k', 1);
    // the successor would itself be held (rate 1), so only the held one's successor rule applies
    const first = g.poll(1);
    assert.deepEqual(first.map((d) => d.record.offset), [1]);
    const second = g.poll(1);
    assert.deepEqual(second.map((d) => d.record.offset), [0], 'then the held record');
    b.produce('t', 'k', 2);
    assert.equal(g.poll(1).length, 0);
    now += 500;
    assert.deepEqual(g.poll(1).map((d) => d.record.offset), [2], 'released after maxHoldMs without successor');
  });

  test('retention drops old records and a late group skips ahead', () => {
    const b = new Broker({ partitions: 1, retention: 5 });
    for (let i = 0; i < 12; i++) b.produce('t', 'k', i);
    const got = drain(b.group('t', 'late'));
    assert.deepEqual(got.map((d) => d.record.offset), [7, 8, 9, 10, 11]);
  });
});

describe('Faults', () => {
  test('rates of 0 never fire, rates of 1 always fire', () => {
    const zero = new Faults({ duplicateRate: 0, reorderRate: 0, errorRate: 0, maxRetries: 0 }, seededRandom(1));
    const one = new Faults({ duplicateRate: 1, reorderRate: 1, errorRate: 1, maxRetries: 0 }, seededRandom(1));
    for (let i = 0; i < 100; i++) {
      assert.equal(zero.duplicate() || zero.reorder() || zero.fail(), false);
      assert.equal(one.duplicate() && one.reorder() && one.fail(), true);
    }
  });

  test('a seeded random is reproducible and roughly uniform', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    assert.deepEqual(xs.slice(0, 20), Array.from({ length: 20 }, () => b()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
    const f = new Faults({ duplicateRate: 0.1, reorderRate: 0, errorRate: 0, maxRetries: 0 }, seededRandom(9));
    const hits = Array.from({ length: 10_000 }, () => f.duplicate()).filter(Boolean).length;
    assert.ok(hits > 800 && hits < 1200, `~10% duplicates, got ${hits}`);
  });

  test('retries up to maxRetries, then dead-letter', () => {
    const f = new Faults({ ...NONE, maxRetries: 2 });
    assert.deepEqual([1, 2, 3, 4].map((a) => f.afterFailure(a)), ['retry', 'retry', 'dead-letter', 'dead-letter']);
  });
});
