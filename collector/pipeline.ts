// The ingest queue between receivers and the store: combines requests into batches (group commit),
// encodes the next batch while the engine inserts the current one, answers each request only after
// the insert holding its rows has committed (ack after commit), and bounds memory by spans and bytes
// (backpressure instead of buffering forever).
//
// When batches go:
// - Group commit: a batch starts as soon as an insert slot is free and something is pending, so a
//   single SDK exporting one request at a time waits for its own insert only. While an insert runs,
//   requests accumulate; when it finishes, the next batch takes everything pending (up to
//   `maxBatchSpans`, whole requests only). Requests that arrive in the same event-loop turn share a
//   batch (the queue acts on the next `setImmediate`).
// - Pipelining: with a `prepare` stage (the JS-thread encoding), the next batch is taken and encoded
//   while the insert runs, once it cannot grow (`maxBatchSpans` reached) or once its oldest request
//   has waited `flushIntervalMs`, so it is ready when the insert commits. Taking it earlier would
//   split what arrives during the insert into a small batch and a later one: more inserts, each
//   paying the engine's fixed cost (most of the ~150 ms a 512-span commit takes here), to hide an
//   encoding that takes 5-30 % of a commit. At most one encoded batch waits; without a `prepare`
//   stage nothing is taken early.
// - `flushIntervalMs` is thus an upper bound, not a delay: the longest a request waits for company
//   before its batch is taken, which matters only while every insert slot is busy (above) or when
//   `minBatchSpans` asks a free slot to linger for a bigger batch.
// - No linger by default (bench/group-commit.ts): clients that wait for their answer batch
//   themselves (same inserts and parts as interval batching, 1.8-1.9× the spans/s); requests at a
//   steady 20/s make up to 1.4× the inserts and cost ~30 % more CPU, but active parts stay in single
//   digits per table, and at 50/s the insert time itself batches as much as the interval did.
import type { DecodedBatch, SpanRow } from '../lib/store/rows.js';
import { isDiskFull } from '../lib/store/disk-full.js';

export interface IngestQueueLimits {
  /** a batch never holds more spans than this unless one request alone is larger (never split) */
  maxBatchSpans: number;
  /** the longest a request waits for company before its batch is taken (see the file comment) */
  flushIntervalMs: number;
  /** a free insert slot waits (up to `flushIntervalMs`) for this many spans; default 1 = no linger */
  minBatchSpans?: number;
  /**
   * inserts allowed at once (default 1; embedded chDB: one per insert connection). With an insert
   * running, another slot starts only a batch of at least half `maxBatchSpans` (at shutdown: any).
   */
  maxInflightInserts?: number;
  maxQueueSpans: number;
  maxQueueBytes: number;
  onError?: (err: unknown, spans: number) => void;
}

/**
 * The write stages: `prepare` turns a batch's rows into what `insert` takes, synchronously on the JS
 * thread (encoding); `insert` commits it in the engine, off the JS thread, resolving once committed.
 */
export interface IngestStages<P> {
  prepare: (rows: SpanRow[]) => P;
  insert: (prepared: P) => Promise<void>;
}

/** Without `prepare`, `insert` gets the rows. */
export type IngestQueueOptions<P = SpanRow[]> = IngestQueueLimits &
  (IngestStages<P> | { prepare?: undefined; insert: (rows: SpanRow[]) => Promise<void> });

/** The queue is full: the client should retry later (HTTP 429, gRPC RESOURCE_EXHAUSTED). */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** The store failed to commit the batch: retry later (HTTP 503, gRPC UNAVAILABLE). */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(
    message: string,
    /** why, as counted in eventscope_spans_refused_total: the store's disk is full, or it failed otherwise */
    readonly reason: 'disk_full' | 'store_down' = 'store_down',
  ) {
    super(message);
  }
}

/** The queue is shutting down and takes no new work (HTTP 503, gRPC UNAVAILABLE). */
export class ShuttingDownError extends Error {
  override name = 'ShuttingDownError';
}

interface Waiting {
  rows: SpanRow[];
  /** when it was queued: the interval counts from the oldest waiting request */
  at: number;
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Whole requests taken from the queue and prepared for one insert. */
interface Batch {
  requests: Waiting[];
  spans: number;
  bytes: number;
  prepared: unknown;
}

interface Inflight {
  startedAt: number;
  /** settles (never rejects) once the insert has committed or failed and its requests are answered */
  done: Promise<void>;
}

export interface IngestStats {
  /** accepted and not yet committed: waiting, prepared or in an insert */
  queuedSpans: number;
  queuedBytes: number;
  committedSpans: number;
  committedBatches: number;
  failedBatches: number;
  rejectedFull: number;
  inflightInserts: number;
  /** epoch ms at which the oldest insert still running started; 0 when none runs */
  oldestInflightStartMs: number;
}

// The type parameter only ties `prepare` to `insert` at construction; instances do not depend on it
// (the stages are held as unknown), so a queue with any prepared type is an `IngestQueue` to the
// receivers, which only submit rows.
export class IngestQueue<P = SpanRow[]> {
  private readonly prepare: ((rows: SpanRow[]) => unknown) | undefined;
  private readonly insert: (prepared: unknown) => Promise<void>;
  private readonly limits: Required<Omit<IngestQueueLimits, 'onError'>> & Pick<IngestQueueLimits, 'onError'>;
  private pending: Waiting[] = [];
  private pendingSpans = 0;
  /** taken and prepared while every insert slot was busy; goes first when a slot frees */
  private ready: Batch | undefined;
  private readonly inflight = new Set<Inflight>();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  readonly stats: IngestStats = {
    queuedSpans: 0,
    queuedBytes: 0,
    committedSpans: 0,
    committedBatches: 0,
    failedBatches: 0,
    rejectedFull: 0,
    inflightInserts: 0,
    oldestInflightStartMs: 0,
  };

  // Two signatures rather than one over the union, so `insert`'s parameter is inferred from `prepare`.
  constructor(opts: IngestQueueLimits & { prepare?: undefined; insert: (rows: SpanRow[]) => Promise<void> });
  constructor(opts: IngestQueueLimits & IngestStages<P>);
  constructor(opts: IngestQueueOptions<P>) {
    const { prepare, insert, ...limits } = opts;
    this.prepare = prepare;
    this.insert = insert as (prepared: unknown) => Promise<void>;
    this.limits = { minBatchSpans: 1, maxInflightInserts: 1, ...limits };
    if (!(this.limits.maxInflightInserts >= 1)) throw new RangeError('maxInflightInserts must be at least 1');
  }

  /** True when no request can be taken now: receivers refuse before reading a body (memory stays flat). */
  get saturated(): boolean {
    const s = this.stats;
    return s.queuedSpans >= this.limits.maxQueueSpans || s.queuedBytes >= this.limits.maxQueueBytes;
  }

  /**
   * Epoch ms such that every insert started before it has finished (now when none runs). A row's
   * commit-side timestamp (`ingested_at`, set by the engine during its insert) is never earlier than
   * its insert's start, so every row stamped before this time is committed: the pairing pass's
   * watermark. Rows still waiting or prepared have no timestamp yet and do not hold it back.
   */
  committedBefore(): number {
    return this.inflight.size > 0 ? this.stats.oldestInflightStartMs : Date.now();
  }

  /** Resolves once every row of `batch` is committed; rejects with a retryable error otherwise. */
  submit(batch: DecodedBatch): Promise<void> {
    if (this.closed) return Promise.reject(new ShuttingDownError('the collector is shutting down'));
    if (batch.rows.length === 0) return Promise.resolve();
    const s = this.stats;
    // Everything accepted and not yet committed counts, in flight or waiting. A request larger
    // than the whole budget is still taken when nothing else is queued, or it could never land.
    const empty = s.queuedSpans === 0;
    if (!empty && (s.queuedSpans + batch.rows.length > this.limits.maxQueueSpans || s.queuedBytes + batch.bytes > this.limits.maxQueueBytes)) {
      s.rejectedFull++;
      return Promise.reject(new QueueFullError(`ingest queue is full (${s.queuedSpans} spans, ${s.queuedBytes} bytes waiting)`));
    }
    s.queuedSpans += batch.rows.length;
    s.queuedBytes += batch.bytes;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ rows: batch.rows, at: Date.now(), bytes: batch.bytes, resolve, reject });
      this.pendingSpans += batch.rows.length;
      this.schedule();
    });
  }

  /** Acts on the next turn of the event loop, so requests arriving together share a batch. */
  private schedule(): void {
    this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      this.pump();
    });
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const aged = () => this.closed || now - this.pending[0]!.at >= this.limits.flushIntervalMs;
    const full = () => this.pendingSpans >= this.limits.maxBatchSpans;
    // Free slots take the prepared batch first (its requests are older), then whatever is due. An
    // idle engine starts at once (group commit); with an insert running, another slot takes a batch
    // of at least half the batch size: small inserts beside a running one would split what one
    // takes and make more parts to merge; waiting for a full one would leave the slot idle whenever
    // the clients have less than two batches in flight (they wait for their answers).
    const mayStart = (spans: number) => this.inflight.size === 0 || spans * 2 >= this.limits.maxBatchSpans || this.closed;
    while (this.inflight.size < this.limits.maxInflightInserts) {
      if (this.ready && !mayStart(this.ready.spans) && this.pending.length > 0 && mayStart(this.ready.spans + this.pendingSpans)) {
        // a batch prepared small (it had waited the interval while an insert ran) may not start
        // beside the running insert, and would hold the free slot until that one ends while the
        // queue fills behind it: its requests go back in front and are taken again with what
        // arrived since (encoding is pure; the store writes nothing until commit)
        this.unprepare();
        continue;
      }
      if (this.ready) {
        if (!mayStart(this.ready.spans)) break;
        const batch = this.ready;
        this.ready = undefined;
        this.startInsert(batch);
      } else if (this.pending.length > 0 && mayStart(this.pendingSpans) && (this.pendingSpans >= this.limits.minBatchSpans || full() || aged())) {
        const batch = this.take();
        if (batch) this.startInsert(batch);
      } else break;
    }
    const idle = this.inflight.size === 0;
    // An insert running: encode the next batch now if it can no longer grow or has waited long enough.
    if (!idle && !this.ready && this.prepare && this.pending.length > 0 && (full() || aged())) {
      this.ready = this.take();
      // a full one may go at once in a free slot
      if (this.ready && this.inflight.size < this.limits.maxInflightInserts && mayStart(this.ready.spans)) {
        const batch = this.ready;
        this.ready = undefined;
        this.startInsert(batch);
      }
    }
    // Wake up when the oldest waiting request reaches the interval, if that would change anything;
    // otherwise the next insert to finish acts.
    if (this.pending.length > 0 && !this.closed && (idle || (this.prepare && !this.ready))) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, this.pending[0]!.at + this.limits.flushIntervalMs - now));
    }
  }

  /** Takes whole requests up to the batch size (at least one) and prepares them; undefined if prepare failed. */
  private take(): Batch | undefined {
    const requests: Waiting[] = [];
    let spans = 0;
    let bytes = 0;
    while (this.pending.length > 0 && (requests.length === 0 || spans + this.pending[0]!.rows.length <= this.limits.maxBatchSpans)) {
      const w = this.pending.shift()!;
      requests.push(w);
      spans += w.rows.length;
      bytes += w.bytes;
    }
    this.pendingSpans -= spans;
    const rows = requests.length === 1 ? requests[0]!.rows : requests.flatMap((w) => w.rows);
    try {
      return { requests, spans, bytes, prepared: this.prepare ? this.prepare(rows) : rows };
    } catch (err) {
      this.fail({ requests, spans, bytes, prepared: undefined }, err, 'the batch could not be encoded for the store');
      return undefined;
    }
  }

  /** Puts the prepared batch's requests back at the front of the queue, oldest first. */
  private unprepare(): void {
    const batch = this.ready!;
    this.ready = undefined;
    this.pending.unshift(...batch.requests);
    this.pendingSpans += batch.spans;
  }

  private startInsert(batch: Batch): void {
    const flight: Inflight = { startedAt: Date.now(), done: Promise.resolve() };
    this.inflight.add(flight);
    this.updateInflightStats();
    // The books (in flight, committedBefore) are settled before any request hears back.
    const landed = () => {
      this.inflight.delete(flight);
      this.updateInflightStats();
      this.schedule();
    };
    flight.done = new Promise<void>((resolve) => resolve(this.insert(batch.prepared))).then(
      () => {
        landed();
        this.stats.committedSpans += batch.spans;
        this.stats.committedBatches++;
        this.release(batch);
        for (const w of batch.requests) w.resolve();
      },
      (err: unknown) => {
        landed();
        this.fail(batch, err, 'the store did not commit the batch');
      },
    );
  }

  /** Rejects exactly the batch's requests with a retryable error and releases their budget. */
  private fail(batch: Batch, err: unknown, what: string): void {
    this.stats.failedBatches++;
    this.release(batch);
    const message = err instanceof Error ? err.message : String(err);
    const reason = isDiskFull(err) ? 'disk_full' : 'store_down';
    for (const w of batch.requests) w.reject(new StoreUnavailableError(`${what}: ${message}`, reason));
    try {
      this.limits.onError?.(err, batch.spans);
    } catch {
      // a failing logger must not leave the queue's books open
    }
  }

  private release(batch: Batch): void {
    this.stats.queuedSpans -= batch.spans;
    this.stats.queuedBytes -= batch.bytes;
  }

  private updateInflightStats(): void {
    let oldest = Infinity;
    for (const f of this.inflight) oldest = Math.min(oldest, f.startedAt);
    this.stats.inflightInserts = this.inflight.size;
    this.stats.oldestInflightStartMs = this.inflight.size > 0 ? oldest : 0;
  }

  /** Stops taking work and commits (or fails) everything already accepted. */
  async close(): Promise<void> {
    this.closed = true;
    for (;;) {
      this.pump(); // closing makes everything due: free slots start, a busy pipeline prepares ahead
      if (this.inflight.size === 0) return;
      await Promise.race([...this.inflight].map((f) => f.done));
    }
  }
}
