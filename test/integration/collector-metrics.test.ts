// The collector's own metrics move as requests are sent: spans received by transport, stored,
// refused by reason (invalid, size, overload, store_down), insert latency, store errors, queue
// depth and pairing lag — read from prom-client as /metrics would render them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { exportWith, recordSpans } from '../support/sdk.js';
import { metricTotal } from '../support/metrics.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { request, span } from '../support/otlp.js';
import { loadConfig } from '../../lib/config/index.js';
import { startCollector } from '../../collector/index.js';
import { renderMetrics } from '../../lib/metrics.js';
import type { PreparedSpans } from '../../lib/store/index.js';
import type { SpanRow } from '../../lib/store/rows.js';

/** A sample's value from the exposition text (what a scraper reads). */
function sample(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

describe('with the real store', () => {
  let es: TestEventscope;
  before(async () => {
    es = await startTestEventscope({ EVENTSCOPE_MAX_BODY_BYTES: '4096' });
  });
  after(async () => {
    await es?.close();
  });

  test('spans received (per transport) and stored, insert latency observed', async () => {
    const httpBefore = await metricTotal('spansReceived', { transport: 'http' });
    const grpcBefore = await metricTotal('spansReceived', { transport: 'grpc' });
    const storedBefore = await metricTotal('spansStored');
    const insertsBefore = sample((await renderMetrics()).body, 'eventscope_insert_duration_seconds_count');
    await es.sendSpans([0, 1, 2].map((i) => span({ service: 'metrics-http', name: `s${i}`, start: Date.now() - 1000 })));
    const result = await exportWith(new GrpcExporter({ url: es.otlpGrpcUrl }), recordSpans('metrics-grpc', 2, 'metrics-test'));
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    assert.equal(await metricTotal('spansReceived', { transport: 'http' }), httpBefore + 3);
    assert.equal(await metricTotal('spansReceived', { transport: 'grpc' }), grpcBefore + 2);
    assert.equal(await metricTotal('spansStored'), storedBefore + 5);
    const text = (await renderMetrics()).body;
    assert.ok(sample(text, 'eventscope_insert_duration_seconds_count') > insertsBefore);
    assert.equal(sample(text, 'eventscope_queue_spans'), 0, 'nothing waits once every request is answered');
    assert.equal(sample(text, 'eventscope_queue_bytes'), 0);
  });

  test('refused by reason: invalid body → invalid, too large → size, a bad span id → invalid (alone)', async () => {
    const invalid = await metricTotal('spansRefused', { reason: 'invalid', transport: 'http' });
    const size = await metricTotal('spansRefused', { reason: 'size', transport: 'http' });
    const bad = await es.postOtlpJson('{"resourceSpans": 7}');
    assert.equal(bad.status, 400);
    await bad.arrayBuffer();
    assert.equal(await metricTotal('spansRefused', { reason: 'invalid', transport: 'http' }), invalid + 1);
    const big = await es.postOtlpJson(request([span({ service: 'metrics-big', name: 'x'.repeat(5000), start: Date.now() })]));
    assert.equal(big.status, 413);
    await big.arrayBuffer();
    assert.equal(await metricTotal('spansRefused', { reason: 'size', transport: 'http' }), size + 1);
    const one = request([span({ service: 'metrics-partial', name: 'ok', start: Date.now() - 1000 }), span({ service: 'metrics-partial', name: 'bad', start: Date.now() - 1000 })]);
    (one.resourceSpans[0]!.scopeSpans[0]!.spans[1] as { spanId: string }).spanId = '00'.repeat(8);
    const partial = await es.postOtlpJson(one);
    assert.equal(partial.status, 200);
    await partial.arrayBuffer();
    assert.equal(await metricTotal('spansRefused', { reason: 'invalid', transport: 'http' }), invalid + 2);
  });

  test('pairing lag is a small, non-negative number once the pass has run', async () => {
    await es.collector.pairing?.sync();
    const behind = sample((await renderMetrics()).body, 'eventscope_pairing_behind_seconds');
    assert.ok(behind >= 0 && behind < 3600, `pairing behind ${behind} s`);
  });
});

describe('with a store that fails or stalls', () => {
  const config = (env: Record<string, string> = {}) =>
    loadConfig({ EVENTSCOPE_OTLP_HTTP_PORT: '0', EVENTSCOPE_OTLP_GRPC_PORT: '0', EVENTSCOPE_BATCH_INTERVAL_MS: '5', EVENTSCOPE_RETRY_AFTER_SECONDS: '1', ...env });
  const prepare = (rows: SpanRow[]): PreparedSpans => ({ spans: rows.length, format: 'JSONEachRow', body: Buffer.alloc(0), resources: [] });
  const post = (port: number, service: string, n = 1) =>
    fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request(Array.from({ length: n }, (_, i) => span({ service, name: `s${i}`, start: Date.now() })))),
    });

  test('a failed insert → 503, counted as store_down and as an insert store error', async () => {
    const store = { prepareSpans: prepare, commitSpans: async () => Promise.reject(new Error('connection refused')) };
    const c = await startCollector({ store, config: config(), log: () => {} });
    try {
      const errors = await metricTotal('storeErrors', { operation: 'insert' });
      const down = await metricTotal('spansRefused', { reason: 'store_down', transport: 'http' });
      const res = await post(c.httpPort, 'metrics-down', 2);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      await res.arrayBuffer();
      assert.equal(await metricTotal('storeErrors', { operation: 'insert' }), errors + 1);
      assert.equal(await metricTotal('spansRefused', { reason: 'store_down', transport: 'http' }), down + 2, 'both decoded spans');
    } finally {
      await c.close();
    }
  });

  test('a full queue → 429, counted as overload; the queue gauges show what waits', async () => {
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const store = { prepareSpans: prepare, commitSpans: () => stalled };
    const c = await startCollector({ store, config: config({ EVENTSCOPE_QUEUE_MAX_SPANS: '2' }), log: () => {} });
    try {
      const overload = await metricTotal('spansRefused', { reason: 'overload', transport: 'http' });
      const first = post(c.httpPort, 'metrics-full', 3); // accepted, its insert stalls
      for (let i = 0; c.ingest.stats().queuedSpans < 3; i++) {
        assert.ok(i < 200, 'the first request reaches the queue');
        await new Promise((r) => setTimeout(r, 10));
      }
      const text = (await renderMetrics()).body;
      assert.equal(sample(text, 'eventscope_queue_spans'), 3);
      assert.ok(sample(text, 'eventscope_queue_bytes') > 0);
      const second = await post(c.httpPort, 'metrics-full');
      assert.equal(second.status, 429);
      await second.arrayBuffer();
      assert.equal(await metricTotal('spansRefused', { reason: 'overload', transport: 'http' }), overload + 1);
      release();
      assert.equal((await first).status, 200);
    } finally {
      release();
      await c.close();
    }
  });
});
