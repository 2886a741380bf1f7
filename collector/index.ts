// Starts the collector: the ingest queue over a store, and the OTLP/HTTP and OTLP/gRPC receivers
// (with ingest tokens, TLS and the per-client limits of the config).
import type { Config } from '../lib/config/index.js';
import type { PreparedSpans, Store } from '../lib/store/index.js';
import { startGrpcReceiver } from './grpc.js';
import { startHttpReceiver } from './http.js';
import { IngestQueue } from './pipeline.js';
import { PairingPass } from '../lib/hops/pairing.js';
import { createIngestService, type IngestService } from './service.js';
import { createMetricsIngest, type MetricsIngest } from './otlp/metrics-service.js';
import { createIngestAuth } from './auth.js';
import { readTlsFiles } from './tls.js';
import { loadProfileSet } from './profiles/loader.js';
import { metrics } from '../lib/metrics.js';
import { DiskBudget } from '../lib/store/retention.js';
import { registerCollectorStatus } from '../lib/status.js';

export interface Collector {
  httpPort: number;
  grpcPort: number;
  /** the listeners' scheme: 'https' when TLS is on (gRPC then speaks TLS too) */
  scheme: 'http' | 'https';
  ingest: IngestService;
  queue: IngestQueue;
  /** pairs committed deliver spans with their producers (absent when the store cannot be queried) */
  pairing?: PairingPass;
  /** measures the store's disk use and keeps EVENTSCOPE_MAX_DISK_GB (absent when the store cannot be queried) */
  diskBudget?: DiskBudget;
  /** Stops listening, then commits everything already accepted. */
  close(): Promise<void>;
}

export interface CollectorDeps {
  store: Pick<Store, 'prepareSpans' | 'commitSpans'> & Partial<Store>;
  config: Config;
  log?: (msg: string) => void;
}

export async function startCollector({ store, config, log = console.error }: CollectorDeps): Promise<Collector> {
  // read first: a wrong certificate path stops the start before anything listens
  const tls = config.tls ? readTlsFiles(config.tls) : undefined;
  // a broken mapping file stops the start too, naming its line
  const profiles = loadProfileSet(config.mappingsFile);
  const auth = createIngestAuth(config.auth.ingestTokens);
  const m = metrics();
  const queue = new IngestQueue({
    // encoding (prepare) on the JS thread, commit in the engine: the queue encodes the next batch
    // while the current one commits (collector/pipeline.ts says when)
    prepare: (rows) => store.prepareSpans(rows),
    insert: async (prepared: PreparedSpans) => {
      const done = m.insertDuration.startTimer();
      try {
        await store.commitSpans(prepared);
      } catch (err) {
        m.storeErrors.inc({ operation: 'insert' });
        throw err;
      } finally {
        done();
      }
      m.spansStored.inc(prepared.spans);
    },
    maxBatchSpans: config.batchMaxSpans,
    flushIntervalMs: config.batchIntervalMs,
    maxInflightInserts: store.insertLanes ?? 1,
    maxQueueSpans: config.queueMaxSpans,
    maxQueueBytes: config.queueMaxBytes,
    onError: (err, spans) => log(`[collector] store write of ${spans} spans failed: ${(err as Error)?.message ?? err}`),
  });
  const ingest = createIngestService(queue, { messageTypeAttribute: config.messageTypeAttribute || undefined, limits: config.limits, profiles });
  // OTLP metrics: the broker's own lag numbers, one insert per request (absent without a full store)
  const insertRows = store.insertRows?.bind(store);
  const metricsIngest: MetricsIngest | undefined = insertRows
    ? createMetricsIngest({ insert: (rows) => insertRows('broker_metrics', rows, { name: 'collector:insert-broker-metrics' }), limits: config.limits, log })
    : undefined;
  // queue depth, read when /metrics is scraped
  const unobserve = observeQueue(queue);
  const http = await startHttpReceiver({
    host: config.host,
    port: config.otlpHttpPort,
    maxBodyBytes: config.maxBodyBytes,
    retryAfterSeconds: config.retryAfterSeconds,
    ingest,
    metrics: metricsIngest,
    auth,
    tls,
    log,
  });
  let grpc;
  try {
    grpc = await startGrpcReceiver({ host: config.host, port: config.otlpGrpcPort, maxBodyBytes: config.maxBodyBytes, ingest, metrics: metricsIngest, auth, tls, log });
  } catch (err) {
    http.server.close();
    unobserve();
    throw err;
  }
  const grpcServer = grpc.server;
  const pairing = startPairing(store, queue, config, log);
  const unobservePairing = pairing ? observePairing(pairing) : () => {};
  const diskBudget = startDiskBudget(store, config, log);
  // what /api/health reads of this collector (lib/status.ts)
  registerCollectorStatus(() => ({
    queuedSpans: queue.stats.queuedSpans,
    queuedBytes: queue.stats.queuedBytes,
    maxQueueSpans: config.queueMaxSpans,
    maxQueueBytes: config.queueMaxBytes,
    pairingError: pairing?.stats.lastError ?? null,
  }));
  return {
    httpPort: http.port,
    grpcPort: grpc.port,
    scheme: tls ? 'https' : 'http',
    ingest,
    queue,
    pairing,
    diskBudget,
    async close() {
      registerCollectorStatus(undefined);
      await diskBudget?.stop();
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
      unobserve();
      unobservePairing();
    },
  };
}

/** The disk check: right after start, then every EVENTSCOPE_DISK_CHECK_INTERVAL_MS (no budget: it only measures). */
function startDiskBudget(store: CollectorDeps['store'], config: Config, log: (msg: string) => void): DiskBudget | undefined {
  if (!store.query || !store.command) return undefined;
  const budget = new DiskBudget(store as Store, {
    database: config.store.database,
    cluster: config.store.mode === 'server' ? config.store.cluster : undefined,
    maxDiskBytes: config.maxDiskBytes ?? Infinity,
    intervalMs: config.diskCheckIntervalMs,
    log,
  });
  budget.start();
  return budget;
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

/**
 * Sets the queue gauges from the queue's own books whenever the registry is read (prom-client calls
 * a gauge's `collect` on every scrape), so the hot path updates nothing. Returns the undo.
 */
function observeQueue(queue: IngestQueue): () => void {
  const { queueSpans, queueBytes } = metrics();
  type Collectable = { collect?: () => void };
  const spans = queueSpans as unknown as Collectable;
  const bytes = queueBytes as unknown as Collectable;
  const collectSpans = () => queueSpans.set(queue.stats.queuedSpans);
  const collectBytes = () => queueBytes.set(queue.stats.queuedBytes);
  spans.collect = collectSpans;
  bytes.collect = collectBytes;
  return () => {
    // another collector in this process (tests) may have taken over the gauges since
    if (spans.collect === collectSpans) delete spans.collect;
    if (bytes.collect === collectBytes) delete bytes.collect;
  };
}

/** How far the pairing pass's watermark trails the clock, read on every scrape (0 before its first pass). */
function observePairing(pairing: PairingPass): () => void {
  const { pairingBehind } = metrics();
  const gauge = pairingBehind as unknown as { collect?: () => void };
  const collect = () => {
    const w = pairing.stats.watermarkMs;
    pairingBehind.set(w > 0 ? Math.max(0, (Date.now() - w) / 1000) : 0);
  };
  gauge.collect = collect;
  return () => {
    if (gauge.collect === collect) delete gauge.collect;
  };
}
