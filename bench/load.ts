// Load clients: send pooled OTLP requests over HTTP (protobuf) or gRPC, either as fast as accepted
// (closed loop, fixed concurrency, fixed span count) or at a fixed offered rate (open loop, for
// overload). A refused request (HTTP 429/503, gRPC RESOURCE_EXHAUSTED/UNAVAILABLE) is retried after
// Retry-After, like an OTLP exporter does; a span counts as acknowledged only on success.
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { stampRound, type RequestPool } from './workload.js';

export interface SendResult {
  status: number; // HTTP status, or 200 / 429 / 503 mapped from gRPC codes
  retryAfterMs?: number;
  /** the refusal carried a Retry-After header (HTTP) */
  hadRetryAfter?: boolean;
  rejectedSpans?: number;
}

export type Sender = { send(body: Buffer): Promise<SendResult>; close(): void };

export function httpSender(url: string, maxSockets: number): Sender {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(url);
  return {
    send(body) {
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            hostname,
            port,
            path: '/v1/traces',
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              const ra = res.headers['retry-after'];
              const seconds = ra === undefined ? NaN : Number(ra);
              resolve({
                status,
                hadRetryAfter: ra !== undefined,
                retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : undefined,
                rejectedSpans: status === 200 ? rejectedSpansOf(Buffer.concat(chunks)) : 0,
              });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** partial_success.rejected_spans of an ExportTraceServiceResponse (field 1 → field 1, varint). */
function rejectedSpansOf(body: Buffer): number {
  if (body.length < 3 || body[0] !== 0x0a) return 0;
  const len = body[1]!;
  if (len === 0 || body[2] !== 0x08) return 0;
  let v = 0;
  let shift = 0;
  for (let i = 3; i < 2 + len + 1 && i < body.length; i++) {
    v += (body[i]! & 0x7f) * 2 ** shift;
    if (!(body[i]! & 0x80)) break;
    shift += 7;
  }
  return v;
}

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export function grpcSender(target: string): Sender {
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  return {
    send(body) {
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          EXPORT_PATH,
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          (err, res) => {
            if (!err) return resolve({ status: 200, rejectedSpans: res ? rejectedSpansOf(res) : 0 });
            if (err.code === grpc.status.RESOURCE_EXHAUSTED) return resolve({ status: 429, retryAfterMs: 1000 });
            if (err.code === grpc.status.UNAVAILABLE) return resolve({ status: 503, retryAfterMs: 1000 });
            reject(err);
          },
        );
      });
    },
    close: () => client.close(),
  };
}

export interface LoadStats {
  ackedSpans: number;
  ackedRequests: number;
  /** spans the server rejected alone (partial success); must be 0 for this workload */
  rejectedSpans: number;
  /** refusals by HTTP status (429, 503) */
  refused: Record<number, number>;
  refusedWithoutRetryAfter: number;
  networkErrors: number;
  otherErrors: string[];
  wallMs: number;
}

function newStats(): LoadStats {
  return { ackedSpans: 0, ackedRequests: 0, rejectedSpans: 0, refused: {}, refusedWithoutRetryAfter: 0, networkErrors: 0, otherErrors: [], wallMs: 0 };
}

interface Job {
  seq: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every round is shifted to the time its first request is sent (the pool's times start when it was
 * built): the spans of one round share one shift, so a trace's spans across services stay consistent.
 */
const shifts = new WeakMap<RequestPool, Map<number, bigint>>();
function roundShiftNs(pool: RequestPool, round: number): bigint {
  let m = shifts.get(pool);
  if (!m) shifts.set(pool, (m = new Map()));
  let s = m.get(round);
  if (s === undefined) m.set(round, (s = BigInt(Date.now() - pool.builtAtMs) * 1_000_000n));
  return s;
}

/** Sends one job until it is acknowledged (or fails for good); retries honour Retry-After. */
async function deliver(sender: Sender, pool: RequestPool, job: Job, roundBase: number, stats: LoadStats, stopRetrying: () => boolean): Promise<void> {
  const n = pool.requests.length;
  const req = pool.requests[job.seq % n]!;
  const round = roundBase + Math.floor(job.seq / n);
  const body = stampRound(req, round, undefined, roundShiftNs(pool, round));
  for (;;) {
    let r: SendResult;
    try {
      r = await sender.send(body);
    } catch (err) {
      stats.networkErrors++;
      if (stats.networkErrors > 1000 || stopRetrying()) throw err;
      await sleep(500);
      continue;
    }
    if (r.status === 200) {
      stats.ackedRequests++;
      stats.ackedSpans += req.spans - (r.rejectedSpans ?? 0);
      stats.rejectedSpans += r.rejectedSpans ?? 0;
      return;
    }
    if (r.status === 429 || r.status === 503) {
      stats.refused[r.status] = (stats.refused[r.status] ?? 0) + 1;
      if (r.hadRetryAfter === false) stats.refusedWithoutRetryAfter++;
      if (stopRetrying()) return;
      await sleep(r.retryAfterMs ?? 1000);
      continue;
    }
    if (stats.otherErrors.length < 5) stats.otherErrors.push(`HTTP ${r.status}`);
    return;
  }
}

/** Closed loop: `concurrency` workers send requests back to back until `totalSpans` are acknowledged. */
export async function runClosedLoop(opts: {
  sender: Sender;
  pool: RequestPool;
  totalSpans: number;
  concurrency: number;
  roundBase: number;
}): Promise<LoadStats & { requests: number }> {
  const stats = newStats();
  const perRequest = opts.pool.spansPerRound / opts.pool.requests.length;
  const requests = Math.ceil(opts.totalSpans / perRequest);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < requests) {
        const job = { seq: next++ };
        await deliver(opts.sender, opts.pool, job, opts.roundBase, stats, () => false);
      }
    }),
  );
  stats.wallMs = performance.now() - t0;
  return { ...stats, requests };
}

/**
 * Open loop: requests arrive at `spansPerSecond` for `seconds` whatever happens to earlier ones;
 * at most `maxInFlight` are on the wire, the rest wait in the client. Refused requests are retried
 * after Retry-After. Resolves when every request is acknowledged; `onSecond` runs once a second.
 */
export async function runOpenLoop(opts: {
  sender: Sender;
  pool: RequestPool;
  spansPerSecond: number;
  seconds: number;
  maxInFlight: number;
  roundBase: number;
  onSecond?: (elapsedS: number, stats: LoadStats & { offeredSpans: number; waiting: number }) => void;
}): Promise<LoadStats & { offeredSpans: number; offeredRequests: number; offerMs: number }> {
  const stats = newStats();
  const perRequest = opts.pool.spansPerRound / opts.pool.requests.length;
  const waiting: Job[] = [];
  let created = 0;
  let createdSpans = 0;
  let inFlight = 0;
  let failure: unknown;
  const t0 = performance.now();
  let offerMs = 0;
  let wake: (() => void) | undefined;
  const pump = () => {
    while (inFlight < opts.maxInFlight && waiting.length > 0) {
      const job = waiting.shift()!;
      inFlight++;
      deliver(opts.sender, opts.pool, job, opts.roundBase, stats, () => false)
        .catch((err) => (failure ??= err))
        .finally(() => {
          inFlight--;
          pump();
          wake?.();
        });
    }
  };
  let lastSecond = 0;
  const ticker = setInterval(() => {
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed <= opts.seconds) {
      const due = Math.floor((elapsed * opts.spansPerSecond) / perRequest);
      while (created < due) {
        createdSpans += opts.pool.requests[created % opts.pool.requests.length]!.spans;
        waiting.push({ seq: created++ });
      }
      offerMs = performance.now() - t0;
      pump();
    }
    if (Math.floor(elapsed) > lastSecond) {
      lastSecond = Math.floor(elapsed);
      opts.onSecond?.(lastSecond, { ...stats, offeredSpans: createdSpans, waiting: waiting.length + inFlight });
    }
  }, 10);
  try {
    while (failure === undefined && ((performance.now() - t0) / 1000 <= opts.seconds || inFlight > 0 || waiting.length > 0)) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
  } finally {
    clearInterval(ticker);
  }
  if (failure !== undefined) throw failure;
  stats.wallMs = performance.now() - t0;
  return { ...stats, offeredSpans: createdSpans, offeredRequests: created, offerMs };
}
