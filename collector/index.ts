// Starts the collector: the ingest queue over a store, and the OTLP/HTTP and OTLP/gRPC receivers.
import type { Config } from '../lib/config/index.js';
import type { Store } from '../lib/store/index.js';
import { startGrpcReceiver } from './grpc.js';
import { startHttpReceiver } from './http.js';
import { IngestQueue } from './pipeline.js';
import { createIngestService, type IngestService } from './service.js';

export interface Collector {
  httpPort: number;
  grpcPort: number;
  ingest: IngestService;
  queue: IngestQueue;
  /** Stops listening, then commits everything already accepted. */
  close(): Promise<void>;
}

export interface CollectorDeps {
  store: Pick<Store, 'insertSpans'>;
  config: Config;
  log?: (msg: string) => void;
}

export async function startCollector({ store, config, log = console.error }: CollectorDeps): Promise<Collector> {
  const queue = new IngestQueue({
    insert: (rows) => store.insertSpans(rows),
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
  return {
    httpPort: http.port,
    grpcPort: grpc.port,
    ingest,
    queue,
    async close() {
      await Promise.all([
        new Promise<void>((resolve) => {
          http.server.close(() => resolve());
          http.server.closeIdleConnections();
        }),
        new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())),
      ]);
      await queue.close();
    },
  };
}
