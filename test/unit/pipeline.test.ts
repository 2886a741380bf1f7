// The ingest queue on its own: batching, group commit, pipelining, ack after commit, failure
// fan-out, memory bounds. Inserts are fakes the tests resolve by hand: assertions are on order and
// batch composition, never on timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IngestQueue, QueueFullError, StoreUnavailableError, type IngestQueueLimits } from '../../collector/pipeline.js';
import type { DecodedBatch, SpanRow } from '../../lib/store/rows.js';

const batch = (n: number, tag: string, bytes = 100): DecodedBatch => ({
  rows: Array.from({ length: n }, (_, i) => ({ span_id: `${tag}${i}` }) as unknown as SpanRow),
  rejectedSpans: 0,
  rejectionMessages: [],
  bytes,
});

const LIMITS: IngestQueueLimits = { maxBatchSpans: 10, flushIntervalMs: 20, maxQueueSpans: 100, maxQueueBytes: 10_000 };

function queue(insert: (rows: SpanRow[]) => Promise<void>, over: Partial<IngestQueueLimits> = {}) {
  return new IngestQueue({ insert, ...LIMITS, ...over });
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

// --- group commit and pipelining -------------------------------------------------------------

interface FakeInsert<P> {
  got: P;
  commit(): void;
  fail(err: Error): void;
}

/** A fake engine: every insert stays pending until the test commits or fails it. */
function manualEngine<P = SpanRow[]>() {
  const calls: FakeInsert<P>[] = [];
  const insert = (got: P) => new Promise<void>((commit, fail) => calls.push({ got, commit, fail }));
  return { calls, insert };
}

const ids = (rows: SpanRow[]) => rows.map((r) => r.span_id).join(' ');

const nextTurn = () => new Promise((r) => setImmediate(r));

/** Lets the queue act (it acts on the next event-loop turn); fails after `turns` turns, not a time. */
async function until(cond: () => boolean, what: string, turns = 200): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await nextTurn();
  }
  assert.fail(`never happened: ${what}`);
}

/** Gives the queue every chance to act (to show that it does not). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await nextTurn();
}

/** Tracks whether a promise has settled, without waiting for it. */
function track(p: Promise<void>) {
  const t = { done: false, failed: undefined as unknown, promise: p };
  p.then(
    () => (t.done = true),
    (err) => (t.failed = err),
  );
  return t;
}

test('group commit: a lone request is inserted at once, not after the interval', async () => {
  const engine = manualEngine();
  const q = queue(engine.insert, { flushIntervalMs: 60_000 });
  const a = track(q.submit(batch(1, 'a')));
  await until(() => engine.calls.length === 1, 'the insert starts without waiting for the interval');
  assert.equal(a.done, false, 'not acknowledged before commit');
  engine.calls[0]!.commit();
  await a.promise;
  const b = track(q.submit(batch(1, 'b')));
  await until(() => engine.calls.length === 2, 'the next lone request goes at once too');
  engine.calls[1]!.commit();
  await b.promise;
  assert.deepEqual(engine.calls.map((c) => ids(c.got)), ['a0', 'b0']);
});

test('group commit: requests arriving during an insert go together as soon as it finishes', async () => {
  const engine = manualEngine();
  const q = queue(engine.insert, { flushIntervalMs: 60_000 });
  const a = track(q.submit(batch(2, 'a')));
  await until(() => engine.calls.length === 1, 'first insert');
  const rest = [];
  for (const tag of ['b', 'c', 'd']) {
    rest.push(track(q.submit(batch(2, tag))));
    await settle();
  }
  assert.equal(engine.calls.length, 1, 'one insert at a time: the others wait for it');
  engine.calls[0]!.commit();
  await a.promise;
  await until(() => engine.calls.length === 2, 'the second insert starts when the first finishes, no interval wait');
  assert.equal(ids(engine.calls[1]!.got), 'b0 b1 c0 c1 d0 d1', 'everything that accumulated, in arrival order');
  assert.ok(rest.every((r) => !r.done), 'acknowledged only after their own insert commits');
  engine.calls[1]!.commit();
  await Promise.all(rest.map((r) => r.promise));
  assert.equal(q.stats.committedBatches, 2);
  assert.equal(q.stats.queuedSpans, 0);
  assert.equal(q.stats.queuedBytes, 0);
});

test('group commit takes whole requests up to maxBatchSpans; a larger request goes alone, unsplit', async () => {
  const engine = manualEngine();
  const q = queue(engine.insert, { maxBatchSpans: 10, maxQueueSpans: 1000 });
  const first = q.submit(batch(1, 'a'));
  await until(() => engine.calls.length === 1, 'first insert');
  const all = [first];
  for (const [n, tag] of [[4, 'b'], [4, 'c'], [4, 'd'], [15, 'e'], [3, 'f']] as const) all.push(q.submit(batch(n, tag)));
  for (let i = 0; i < 4; i++) {
    engine.calls.at(-1)!.commit();
    await until(() => engine.calls.length === i + 2, `insert ${i + 2}`);
  }
  engine.calls.at(-1)!.commit();
  await Promise.all(all);
  assert.deepEqual(
    engine.calls.map((c) => c.got.length),
    [1, 8, 4, 15, 3],
    'b+c fill 8 (d would overflow 10), d alone (e would overflow), e alone although larger than a batch',
  );
  assert.equal(q.stats.queuedSpans, 0);
});

test('pipelining: the next full batch is prepared while the current insert runs; acks wait for its commit', async () => {
  const prepared: string[] = [];
  const engine = manualEngine<{ encoded: string }>();
  const q = new IngestQueue({
    ...LIMITS,
    maxBatchSpans: 4,
    flushIntervalMs: 60_000,
    prepare: (rows) => {
      prepared.push(ids(rows));
      return { encoded: ids(rows) };
    },
    insert: engine.insert,
  });
  const a = track(q.submit(batch(4, 'a')));
  await until(() => engine.calls.length === 1, 'insert 1');
  const b = track(q.submit(batch(4, 'b')));
  await until(() => prepared.length === 2, 'batch 2 prepared while insert 1 is pending');
  assert.equal(engine.calls.length, 1, 'but not inserted: one insert at a time');
  assert.equal(q.stats.queuedSpans, 8, 'prepared rows still count against the queue');
  const c = track(q.submit(batch(4, 'c')));
  await settle();
  assert.deepEqual(prepared, ['a0 a1 a2 a3', 'b0 b1 b2 b3'], 'at most one prepared batch waits');
  engine.calls[0]!.commit();
  await a.promise;
  await until(() => engine.calls.length === 2, 'insert 2 starts with the prepared batch');
  assert.deepEqual(engine.calls[1]!.got, { encoded: 'b0 b1 b2 b3' }, 'insert gets what prepare made');
  await until(() => prepared.length === 3, 'batch 3 prepared while insert 2 is pending');
  assert.equal(b.done, false, 'prepared is not committed: no ack yet');
  engine.calls[1]!.commit();
  await b.promise;
  assert.equal(c.done, false);
  await until(() => engine.calls.length === 3, 'insert 3');
  engine.calls[2]!.commit();
  await c.promise;
  assert.equal(q.stats.queuedSpans, 0);
  assert.equal(q.stats.committedSpans, 12);
});

test('pipelining: a batch that is not full is prepared ahead once its oldest request reached the interval', async () => {
  const prepared: string[] = [];
  const engine = manualEngine<string>();
  const q = new IngestQueue({ ...LIMITS, flushIntervalMs: 1, prepare: (rows) => (prepared.push(ids(rows)), ids(rows)), insert: engine.insert });
  const a = q.submit(batch(1, 'a'));
  await until(() => engine.calls.length === 1, 'insert 1');
  const b = q.submit(batch(2, 'b'));
  const deadline = Date.now() + 5_000;
  while (prepared.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  assert.deepEqual(prepared, ['a0', 'b0 b1'], 'taken while insert 1 still runs');
  assert.equal(engine.calls.length, 1);
  engine.calls[0]!.commit();
  await until(() => engine.calls.length === 2, 'insert 2');
  engine.calls[1]!.commit();
  await Promise.all([a, b]);
});

test('pipelining: a failed insert rejects exactly its own requests; the batches around it commit', async () => {
  const engine = manualEngine<SpanRow[]>();
  const errors: number[] = [];
  const q = new IngestQueue({
    ...LIMITS,
    maxBatchSpans: 4,
    prepare: (rows) => rows,
    insert: engine.insert,
    onError: (_err, spans) => errors.push(spans),
  });
  const a = track(q.submit(batch(4, 'a')));
  await until(() => engine.calls.length === 1, 'insert 1');
  const b = track(q.submit(batch(2, 'b')));
  const c = track(q.submit(batch(2, 'c')));
  const d = track(q.submit(batch(3, 'd')));
  engine.calls[0]!.commit();
  await until(() => engine.calls.length === 2, 'insert 2');
  assert.equal(ids(engine.calls[1]!.got), 'b0 b1 c0 c1');
  engine.calls[1]!.fail(new Error('disk on fire'));
  await until(() => engine.calls.length === 3, 'insert 3 goes on after the failure');
  for (const r of [b, c]) {
    assert.ok(r.failed instanceof StoreUnavailableError);
    assert.match((r.failed as Error).message, /the store did not commit the batch: disk on fire/);
  }
  assert.equal(a.done, true);
  assert.equal(d.failed, undefined);
  assert.equal(q.stats.queuedSpans, 3, 'the failed batch released its budget, the waiting one still counts');
  engine.calls[2]!.commit();
  await d.promise;
  assert.deepEqual(errors, [4]);
  assert.deepEqual(
    { ...q.stats },
    { queuedSpans: 0, queuedBytes: 0, committedSpans: 7, committedBatches: 2, failedBatches: 1, rejectedFull: 0, inflightInserts: 0, oldestInflightStartMs: 0 },
  );
});

test('a batch that cannot be prepared rejects its requests only and releases their budget', async () => {
  const engine = manualEngine<string>();
  const q = new IngestQueue({
    ...LIMITS,
    prepare: (rows) => {
      if (rows.some((r) => r.span_id.startsWith('bad'))) throw new Error('value out of range');
      return ids(rows);
    },
    insert: engine.insert,
  });
  const bad = track(q.submit(batch(2, 'bad')));
  await until(() => bad.failed !== undefined, 'the bad batch is rejected');
  assert.ok(bad.failed instanceof StoreUnavailableError);
  assert.match((bad.failed as Error).message, /could not be encoded.*value out of range/);
  assert.equal(q.stats.queuedSpans, 0);
  const good = q.submit(batch(2, 'ok'));
  await until(() => engine.calls.length === 1, 'the next batch goes');
  engine.calls[0]!.commit();
  await good;
  assert.equal(q.stats.failedBatches, 1);
});

test('committedBefore: now when idle, else the start of the oldest insert still running', async () => {
  const engine = manualEngine();
  const q = queue(engine.insert, { maxInflightInserts: 2, maxBatchSpans: 2 });
  const t0 = Date.now();
  const idle = q.committedBefore();
  assert.ok(idle >= t0 && idle <= Date.now(), 'no insert running: everything before now is committed');
  const a = track(q.submit(batch(2, 'a')));
  await until(() => engine.calls.length === 1, 'insert 1');
  const started1 = q.stats.oldestInflightStartMs;
  assert.ok(started1 >= t0 && started1 <= Date.now());
  await until(() => Date.now() > started1, 'the clock moves on', 100_000);
  assert.equal(q.committedBefore(), started1, 'not now: the running insert holds it back');
  const b = track(q.submit(batch(2, 'b')));
  await until(() => engine.calls.length === 2, 'a second insert runs alongside (maxInflightInserts 2)');
  assert.equal(q.stats.inflightInserts, 2);
  assert.equal(q.committedBefore(), started1, 'the oldest of the running inserts counts (the second started later)');
  engine.calls[1]!.commit();
  await b.promise;
  assert.equal(a.done, false, 'insert 1 still runs');
  assert.equal(q.committedBefore(), started1, 'held back by the older insert although the newer one finished');
  let seenOnAck: { inflight: number; before: number } | undefined;
  const acked = a.promise.then(() => (seenOnAck = { inflight: q.stats.inflightInserts, before: q.committedBefore() }));
  const t1 = Date.now();
  engine.calls[0]!.commit();
  await acked;
  assert.equal(seenOnAck!.inflight, 0, 'the books are settled before the request is answered');
  assert.ok(seenOnAck!.before >= t1);
  assert.equal(q.stats.oldestInflightStartMs, 0);
});

test('minBatchSpans: a free slot lingers for company, at most flushIntervalMs', async () => {
  const engine = manualEngine();
  const q = queue(engine.insert, { minBatchSpans: 5, flushIntervalMs: 60_000 });
  const a = q.submit(batch(3, 'a'));
  await settle();
  assert.equal(engine.calls.length, 0, 'below the minimum: waits');
  const b = q.submit(batch(2, 'b'));
  await until(() => engine.calls.length === 1, 'the minimum reached: goes');
  assert.equal(ids(engine.calls[0]!.got), 'a0 a1 a2 b0 b1');
  engine.calls[0]!.commit();
  await Promise.all([a, b]);

  const lone = queue(engine.insert, { minBatchSpans: 5, flushIntervalMs: 1 });
  const c = lone.submit(batch(1, 'c'));
  const deadline = Date.now() + 5_000;
  while (engine.calls.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  assert.equal(ids(engine.calls[1]!.got), 'c0', 'the interval bounds the wait');
  engine.calls[1]!.commit();
  await c;
});

test('close commits the running, the prepared and the waiting batches before it resolves', async () => {
  const engine = manualEngine<string>();
  const q = new IngestQueue({ ...LIMITS, maxBatchSpans: 2, flushIntervalMs: 60_000, prepare: ids, insert: engine.insert });
  const a = track(q.submit(batch(2, 'a')));
  await until(() => engine.calls.length === 1, 'insert 1');
  const b = track(q.submit(batch(2, 'b'))); // full: prepared ahead
  const c = track(q.submit(batch(1, 'c'))); // waits
  const d = track(q.submit(batch(1, 'd')));
  let closed = false;
  const closing = q.close().then(() => (closed = true));
  await assert.rejects(q.submit(batch(1, 'late')), /shutting down/);
  for (let i = 0; i < 3; i++) {
    await until(() => engine.calls.length === i + 1, `insert ${i + 1}`);
    assert.equal(closed, false, 'close waits for every accepted request');
    engine.calls[i]!.commit();
  }
  await closing;
  assert.deepEqual(engine.calls.map((x) => x.got), ['a0 a1', 'b0 b1', 'c0 d0']);
  assert.ok([a, b, c, d].every((r) => r.done));
  assert.equal(q.stats.queuedSpans, 0);
});

test('with an insert running, a second slot takes only a batch of at least half the batch size', async () => {
  const engine = manualEngine();
  const q = queue(engine.insert, { maxInflightInserts: 2, maxBatchSpans: 8, flushIntervalMs: 5 });
  const first = track(q.submit(batch(1, 'a')));
  await until(() => engine.calls.length === 1, 'an idle engine starts at once');
  const small = track(q.submit(batch(2, 'b')));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(engine.calls.length, 1, 'two spans wait for company, past their interval, instead of a second half-empty insert');
  const more = track(q.submit(batch(2, 'c')));
  await until(() => engine.calls.length === 2, 'half a batch: the second slot takes it');
  engine.calls[0]!.commit();
  engine.calls[1]!.commit();
  await Promise.all([first.promise, small.promise, more.promise]);
  assert.equal(q.stats.committedBatches, 2);
  assert.equal(q.stats.committedSpans, 5);
});

test('a batch prepared small beside a running insert is taken again with what arrived since, so the free slot does not sit idle', async () => {
  const engine = manualEngine<string>();
  const prepared: string[] = [];
  const q = new IngestQueue({
    ...LIMITS,
    maxInflightInserts: 2,
    maxBatchSpans: 8,
    flushIntervalMs: 5,
    prepare: (rows) => (prepared.push(ids(rows)), ids(rows)),
    insert: engine.insert,
  });
  const first = track(q.submit(batch(1, 'a')));
  await until(() => engine.calls.length === 1, 'an idle engine starts at once');
  // two spans wait past their interval while the insert runs: prepared ahead, too small to start beside it
  const small = track(q.submit(batch(2, 'b')));
  const deadline = Date.now() + 5_000;
  while (prepared.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  assert.deepEqual(prepared, ['a0', 'b0 b1'], 'the small batch is prepared ahead');
  await settle();
  assert.equal(engine.calls.length, 1, 'two spans do not make a second insert beside the first');
  // more arrives: together with the prepared requests it is half a batch, so the free slot takes it
  const more = track(q.submit(batch(3, 'c')));
  await until(() => engine.calls.length === 2, 'the second slot starts while the first insert still runs');
  assert.equal(engine.calls[1]!.got, 'b0 b1 c0 c1 c2', 'the earlier requests first, in one batch with the new one');
  assert.equal(q.stats.queuedSpans, 6, 'nothing counted twice');
  engine.calls[1]!.commit();
  await small.promise;
  await more.promise;
  assert.equal(first.done, false, 'the first insert has not committed yet');
  engine.calls[0]!.commit();
  await first.promise;
  assert.equal(q.stats.committedSpans, 6);
  assert.equal(q.stats.committedBatches, 2);
  assert.equal(q.stats.queuedSpans, 0);
});
