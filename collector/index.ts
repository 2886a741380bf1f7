// Starts the collector: the ingest queue over a store, and the OTLP/HTTP and OTLP/gRPC receivers.
import type { Config } from '../lib/config/index.js';
import type { PreparedSpans, Store } from '../lib/store/index.js';
import { startGrpcReceiver } from './grpc.js';
import { startHttpReceiver } from './http.js';
import { IngestQueue } from './pipeline.js';
import { PairingPass } from '../lib/hops/pairing.js';
import { createIngestService, type IngestService } from './service.js';

export interface Collector {
  httpPort: number;
  grpcPort: number;
  ingest: IngestService;
  queue: IngestQueue;
  /** pairs committed deliver spans with their producers (absent when the store cannot be queried) */
  pairing?: PairingPass;
  /** Stops listening, then commits everything already accepted. */
  close(): Promise<void>;
}

export interface CollectorDeps {
  store: Pick<Store, 'prepareSpans' | 'commitSpans'> & Partial<Store>;
  config: Config;
  log?: (msg: string) => void;
}

export async function startCollector({ store, config, log = console.error }: CollectorDeps): Promise<Collector> {
  const queue = new IngestQueue({
    // encoding (prepare) on the JS thread, commit in the engine: the queue encodes the next batch
    // while the current one commits (collector/pipeline.ts says when)
    prepare: (rows) => store.prepareSpans(rows),
    insert: (prepared: PreparedSpans) => store.commitSpans(prepared),
    maxBatchSpans: config.batchMaxSpans,
    flushIntervalMs: config.batchIntervalMs,
    maxQueueSpans: config.queueMaxSpans,
    maxQueueBytes: config.queueMaxBytes,
    onError: (err, spans) => log(`[collector] store write of ${spans} spans failed: ${(err as Error)?.message ?? err}`),
  });
  const ingest = createIngestService(queue, { messageTypeAttribute: config.messageTypeAttribute || undefined });
  const http = await startHttpReceiver({
    host: config.host,
    port: config.otlpHttpPort,
    maxBodyBytes: config.maxBodyBytes,
    retryAfterSeconds: config.retryAfterSeconds,
    ingest,
    log,
  });
  let grpc;
  try {
    grpc = await startGrpcReceiver({ host: config.host, port: config.otlpGrpcPort, maxBodyBytes: config.maxBodyBytes, ingest, log });
  } catch (err) {
    http.server.close();
    throw err;
  }
  const grpcServer = grpc.server;
  const pairing = startPairing(store, queue, config, log);
  return {
    httpPort: http.port,
    grpcPort: grpc.port,
    ingest,
    queue,
    pairing,
    async close() {
      await Promise.all([
        new Promise<void>((resolve) => {
          http.server.close(() => resolve());
          http.server.closeIdleConnections();
        }),
        new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())),
      ]);
      await queue.close();
      // a last pass pairs what the queue committed while closing
      await pairing?.sync().catch(() => {});
      await pairing?.stop();
    },
  };
}

/**
 * The pairing pass over the store's committed rows. Embedded, this process is the only writer, so
 * every row ingested before the oldest insert still in flight is committed. In server mode other
 * collectors write too: the pass stays `settleMs` behind the clock (each collector runs one; their
 * writes are idempotent, so several at once change nothing but the work done).
 */
function startPairing(store: CollectorDeps['store'], queue: IngestQueue, config: Config, log: (msg: string) => void): PairingPass | undefined {
  if (!store.query || !store.command || !store.client) return undefined;
  const settle = config.store.mode === 'server' ? config.pairing.settleMs : 0;
  const pairing = new PairingPass(store as Store, {
    committedBefore: () => Math.min(queue.committedBefore(), Date.now() - settle),
    lookbackMs: 24 * 3_600_000,
    lateWindowMs: config.pairing.lateWindowMs,
    // bounded so a pass under load holds a bounded number of rows in memory
    maxSpansPerPass: 50_000,
    log,
  });
  pairing.start(config.pairing.intervalMs);
  return pairing;
}
