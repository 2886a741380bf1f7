// Eventscope's own numbers, in Prometheus text format (GET /metrics). One registry per process,
// kept on globalThis: the collector (loaded by tsx) and the route handlers (bundled by Next.js)
// must count into the same counters. Every metric is declared here, so the names, labels and help
// texts are one list a reader (and a dashboard author) can scan.
import client from 'prom-client';

/** Why spans were refused (label `reason` of eventscope_spans_refused_total). */
export type RefusalReason = 'auth' | 'size' | 'overload' | 'store_down' | 'invalid' | 'limit' | 'disk_full';

function create() {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service: 'eventscope' });
  client.collectDefaultMetrics({ register: registry, prefix: 'eventscope_process_' });
  const r = [registry];
  return {
    registry,
    spansReceived: new client.Counter({
      name: 'eventscope_spans_received_total',
      help: 'Spans decoded from OTLP export requests, by transport (http, grpc)',
      labelNames: ['transport'] as const,
      registers: r,
    }),
    spansStored: new client.Counter({
      name: 'eventscope_spans_stored_total',
      help: 'Spans committed to the store (acknowledged to the exporter after this)',
      registers: r,
    }),
    spansRefused: new client.Counter({
      name: 'eventscope_spans_refused_total',
      help: 'Spans (or, when a request was refused before decoding, requests) not taken, by reason: auth, size, overload, store_down, invalid, limit, disk_full',
      labelNames: ['reason', 'transport'] as const,
      registers: r,
    }),
    ingestRequests: new client.Counter({
      name: 'eventscope_ingest_requests_total',
      help: 'OTLP export requests by ingest token name ("-" when ingest is open) and outcome (ok, refused, unauthenticated)',
      labelNames: ['token', 'transport', 'outcome'] as const,
      registers: r,
    }),
    limitsApplied: new client.Counter({
      name: 'eventscope_limits_applied_total',
      help: 'Times a per-client limit cut something: spans_per_request, attributes_per_span, attribute_value_length, events_per_span, links_per_span',
      labelNames: ['limit'] as const,
      registers: r,
    }),
    queueSpans: new client.Gauge({ name: 'eventscope_queue_spans', help: 'Spans waiting in the ingest queue or being inserted', registers: r }),
    queueBytes: new client.Gauge({ name: 'eventscope_queue_bytes', help: 'Bytes of the requests waiting in the ingest queue', registers: r }),
    insertDuration: new client.Histogram({
      name: 'eventscope_insert_duration_seconds',
      help: 'Time to commit one batch of spans to the store',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    storeQuerySeconds: new client.Counter({
      name: 'eventscope_store_query_seconds_total',
      help: 'Time spent in store queries and row inserts, by query name (pairing:*, api:*, …): where the engine time goes',
      labelNames: ['query'] as const,
      registers: r,
    }),
    storeQueries: new client.Counter({
      name: 'eventscope_store_queries_total',
      help: 'Store queries and row inserts run, by query name',
      labelNames: ['query'] as const,
      registers: r,
    }),
    storeErrors: new client.Counter({
      name: 'eventscope_store_errors_total',
      help: 'Store operations that failed, by operation (insert, query, pairing, retention)',
      labelNames: ['operation'] as const,
      registers: r,
    }),
    apiDuration: new client.Histogram({
      name: 'eventscope_api_request_duration_seconds',
      help: 'JSON API request latency by route and status',
      labelNames: ['route', 'status'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    authFailures: new client.Counter({
      name: 'eventscope_auth_failures_total',
      help: 'Requests refused for missing or wrong credentials, by surface (otlp_http, otlp_grpc, api, page, login)',
      labelNames: ['surface'] as const,
      registers: r,
    }),
    pairingBehind: new client.Gauge({
      name: 'eventscope_pairing_behind_seconds',
      help: 'How far the pairing pass (hops, per-minute state) trails the clock',
      registers: r,
    }),
    diskBytes: new client.Gauge({ name: 'eventscope_disk_bytes', help: 'Bytes the store keeps on disk (active parts)', registers: r }),
    alertNotifications: new client.Counter({
      name: 'eventscope_alert_notifications_total',
      help: 'Alert webhook attempts by outcome: sent, retried (an attempt failed and another follows), failed (gave up)',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
    alertsFiring: new client.Gauge({ name: 'eventscope_alerts_firing', help: 'Alert rule instances firing at the last evaluation', registers: r }),
    retentionDropped: new client.Counter({
      name: 'eventscope_retention_days_dropped_total',
      help: 'Days of data dropped to stay within EVENTSCOPE_MAX_DISK_GB',
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof create>;

const KEY = Symbol.for('eventscope.metrics');

/** The process's metrics (created on first use). */
export function metrics(): Metrics {
  const g = globalThis as { [KEY]?: Metrics };
  g[KEY] ??= create();
  return g[KEY];
}

/** The exposition: Prometheus text format 0.0.4. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  const m = metrics();
  return { contentType: m.registry.contentType, body: await m.registry.metrics() };
}
