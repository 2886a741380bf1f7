// The ingest queue between receivers and the store: combines requests into batches (flush by
// size or interval), answers each request only after its batch is committed (ack after commit),
// and bounds memory by spans and bytes (backpressure instead of buffering forever).
import type { DecodedBatch, SpanRow } from '../lib/store/rows.js';

export interface IngestQueueOptions {
  insert: (rows: SpanRow[]) => Promise<void>;
  maxBatchSpans: number;
  flushIntervalMs: number;
  maxQueueSpans: number;
  maxQueueBytes: number;
  onError?: (err: unknown, spans: number) => void;
}

/** The queue is full: the client should retry later (HTTP 429, gRPC RESOURCE_EXHAUSTED). */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** The store failed to commit the batch: retry later (HTTP 503, gRPC UNAVAILABLE). */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
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

export interface IngestStats {
  queuedSpans: number;
  queuedBytes: number;
  committedSpans: number;
  committedBatches: number;
  failedBatches: number;
  rejectedFull: number;
}

export class IngestQueue {
  private pending: Waiting[] = [];
  private pendingSpans = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  readonly stats: IngestStats = {
    queuedSpans: 0,
    queuedBytes: 0,
    committedSpans: 0,
    committedBatches: 0,
    failedBatches: 0,
    rejectedFull: 0,
  };

  constructor(private readonly opts: IngestQueueOptions) {}

  /** True when no request can be taken now: receivers refuse before reading a body (memory stays flat). */
  get saturated(): boolean {
    const s = this.stats;
    return s.queuedSpans >= this.opts.maxQueueSpans || s.queuedBytes >= this.opts.maxQueueBytes;
  }

  /** Resolves once every row of `batch` is committed; rejects with a retryable error otherwise. */
  submit(batch: DecodedBatch): Promise<void> {
    if (this.closed) return Promise.reject(new ShuttingDownError('the collector is shutting down'));
    if (batch.rows.length === 0) return Promise.resolve();
    const s = this.stats;
    // Everything accepted and not yet committed counts, in flight or waiting. A request larger
    // than the whole budget is still taken when nothing else is queued, or it could never land.
    const empty = s.queuedSpans === 0;
    if (!empty && (s.queuedSpans + batch.rows.length > this.opts.maxQueueSpans || s.queuedBytes + batch.bytes > this.opts.maxQueueBytes)) {
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

  private schedule(): void {
    if (this.flushing) return; // the running flush re-schedules when it finishes
    if (this.pendingSpans >= this.opts.maxBatchSpans || this.closed) {
      this.startFlush();
    } else if (!this.timer && this.pending.length > 0) {
      const due = this.pending[0]!.at + this.opts.flushIntervalMs - Date.now();
      this.timer = setTimeout(() => this.startFlush(), Math.max(0, due));
    }
  }

  private startFlush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = undefined;
      this.schedule();
    });
  }

  private async flushOnce(): Promise<void> {
    // Take whole requests up to the batch size (at least one), so a request is never split.
    const batch: Waiting[] = [];
    let spans = 0;
    while (this.pending.length > 0 && (batch.length === 0 || spans + this.pending[0]!.rows.length <= this.opts.maxBatchSpans)) {
      const w = this.pending.shift()!;
      batch.push(w);
      spans += w.rows.length;
    }
    this.pendingSpans -= spans;
    const bytes = batch.reduce((n, w) => n + w.bytes, 0);
    const rows = batch.length === 1 ? batch[0]!.rows : batch.flatMap((w) => w.rows);
    try {
      await this.opts.insert(rows);
      this.stats.committedSpans += spans;
      this.stats.committedBatches++;
      for (const w of batch) w.resolve();
    } catch (err) {
      this.stats.failedBatches++;
      this.opts.onError?.(err, spans);
      const message = err instanceof Error ? err.message : String(err);
      for (const w of batch) w.reject(new StoreUnavailableError(`the store did not commit the batch: ${message}`));
    } finally {
      this.stats.queuedSpans -= spans;
      this.stats.queuedBytes -= bytes;
    }
  }

  /** Stops taking work and commits (or fails) everything already accepted. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.pending.length > 0 || this.flushing) {
      this.startFlush();
      await this.flushing;
    }
  }
}
