// The ingest queue on its own: batching, ack after commit, failure fan-out, memory bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IngestQueue, QueueFullError, StoreUnavailableError } from '../../collector/pipeline.js';
import type { DecodedBatch, SpanRow } from '../../lib/store/rows.js';

const batch = (n: number, tag: string, bytes = 100): DecodedBatch => ({
  rows: Array.from({ length: n }, (_, i) => ({ span_id: `${tag}${i}` }) as unknown as SpanRow),
  rejectedSpans: 0,
  rejectionMessages: [],
  bytes,
});

function queue(insert: (rows: SpanRow[]) => Promise<void>, over: Partial<ConstructorParameters<typeof IngestQueue>[0]> = {}) {
  return new IngestQueue({ insert, maxBatchSpans: 10, flushIntervalMs: 20, maxQueueSpans: 100, maxQueueBytes: 10_000, ...over });
}

test('requests are combined into one insert and each resolves only after it commits', async () => {
  const inserts: string[][] = [];
  let commit!: () => void;
  const q = queue((rows) => {
    inserts.push(rows.map((r) => r.span_id));
    return new Promise<void>((r) => (commit = r));
  });
  let aDone = false;
  const a = q.submit(batch(3, 'a')).then(() => (aDone = true));
  const b = q.submit(batch(2, 'b'));
  while (inserts.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(inserts, [['a0', 'a1', 'a2', 'b0', 'b1']]);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(aDone, false, 'not acknowledged before commit');
  commit();
  await Promise.all([a, b]);
  assert.equal(q.stats.committedSpans, 5);
  assert.equal(q.stats.queuedSpans, 0);
});

test('a full batch flushes without waiting for the interval, never splitting a request', async () => {
  const sizes: number[] = [];
  const q = queue(async (rows) => void sizes.push(rows.length), { flushIntervalMs: 60_000 });
  await Promise.all([q.submit(batch(5, 'a')), q.submit(batch(5, 'b'))]);
  assert.deepEqual(sizes, [10], 'two requests filling one batch go at once');
  const c = q.submit(batch(6, 'c'));
  const d = q.submit(batch(6, 'd'));
  await c;
  assert.deepEqual(sizes, [10, 6], 'a request that would overflow the batch waits for the next one');
  await q.close();
  await d;
  assert.deepEqual(sizes, [10, 6, 6]);
});

test('a failed insert rejects every request of that batch with a retryable error', async () => {
  let fail = true;
  const q = queue(async () => {
    if (fail) throw new Error('disk on fire');
  });
  const results = await Promise.allSettled([q.submit(batch(2, 'a')), q.submit(batch(2, 'b'))]);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.ok((r as PromiseRejectedResult).reason instanceof StoreUnavailableError);
    assert.match((r as PromiseRejectedResult).reason.message, /disk on fire/);
  }
  assert.equal(q.stats.queuedSpans, 0, 'failed work is released');
  fail = false;
  await q.submit(batch(2, 'c'));
  assert.equal(q.stats.committedSpans, 2);
});

test('the queue bounds spans and bytes; an oversized request is still taken when the queue is empty', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = queue(() => gate, { maxQueueSpans: 10, maxQueueBytes: 1000, flushIntervalMs: 1 });
  assert.equal(q.saturated, false);
  const big = q.submit(batch(15, 'big'));
  assert.equal(q.saturated, true, 'receivers refuse before reading bodies');
  await assert.rejects(q.submit(batch(1, 'x')), QueueFullError);
  release();
  await big;
  const a = q.submit(batch(5, 'a', 600));
  await assert.rejects(q.submit(batch(1, 'b', 600)), QueueFullError, 'bytes bound');
  await a;
  assert.equal(q.stats.rejectedFull, 2);
});

test('close commits what was accepted and refuses new work', async () => {
  const got: number[] = [];
  const q = queue(async (rows) => void got.push(rows.length), { flushIntervalMs: 60_000 });
  const p = q.submit(batch(3, 'a'));
  await q.close();
  await p;
  assert.deepEqual(got, [3]);
  await assert.rejects(q.submit(batch(1, 'late')), /shutting down/);
});
