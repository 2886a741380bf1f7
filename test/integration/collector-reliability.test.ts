// Ack after commit, retryable errors when the store fails, backpressure when the queue is full,
// and one process per data folder.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { NodeTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, request } from '../support/otlp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sdkSpans(n: number, service: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < n; i++) tracer.startSpan(`op-${i}`).end();
  return memory.getFinishedSpans();
}

describe('ack after commit', () => {
  let es: TestEventscope;
  before(async () => {
    es = await startTestEventscope({ EVENTSCOPE_RETRY_AFTER_SECONDS: '1' });
  });
  after(async () => {
    await es?.close();
  });

  const count = async (service: string) => {
    const [r] = await es.store.query<{ n: string; uniq: string }>(
      `SELECT count() AS n, uniqExact(trace_id, span_id) AS uniq FROM ${es.store.database}.spans WHERE service_name = {s:String}`,
      { name: 'test', params: { s: service } },
    );
    return { rows: Number(r!.n), unique: Number(r!.uniq) };
  };

  test('a failing store answers 503 + Retry-After and acknowledges nothing; the exporter retry lands every span once', async () => {
    const db = es.store.database;
    await es.store.command(`DETACH TABLE ${db}.spans`);
    try {
      // A raw request while the store is down: retryable error, nothing acknowledged.
      const t = clock();
      const res = await es.postOtlpJson(request([t.span({ service: 'store-down', name: 'x' })]));
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.match((await res.json()).message, /the store did not commit the batch/);
    } finally {
      // The real exporter starts while the store is still down and must retry until it lands.
      setTimeout(() => void es.store.command(`ATTACH TABLE ${db}.spans`), 1500);
    }
    const spans = sdkSpans(25, 'store-recovers');
    const exporter = new OTLPTraceExporter({ url: `${es.otlpHttpUrl}/v1/traces`, timeoutMillis: 20_000 });
    const failuresBefore = es.collector.queue.stats.failedBatches;
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    await exporter.shutdown();
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    assert.ok(es.collector.queue.stats.failedBatches > failuresBefore, 'the exporter saw at least one failed attempt');
    assert.deepEqual(await count('store-recovers'), { rows: 25, unique: 25 });
    assert.deepEqual(await count('store-down'), { rows: 0, unique: 0 });
  });
});

describe('backpressure', () => {
  let es: TestEventscope;
  before(async () => {
    es = await startTestEventscope({
      EVENTSCOPE_QUEUE_MAX_SPANS: '10',
      EVENTSCOPE_BATCH_MAX_SPANS: '1000',
      EVENTSCOPE_BATCH_INTERVAL_MS: '800',
      EVENTSCOPE_RETRY_AFTER_SECONDS: '3',
    });
  });
  after(async () => {
    await es?.close();
  });

  test('a full queue answers 429 + Retry-After; what was accepted still commits', async () => {
    const t = clock();
    const first = es.postOtlpJson(request(Array.from({ length: 8 }, (_, i) => t.span({ service: 'bp-first', name: `a${i}` }))));
    // Let the first request reach the queue, where it waits for the flush interval.
    const deadline = Date.now() + 5000;
    while (es.collector.queue.stats.queuedSpans < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(es.collector.queue.stats.queuedSpans, 8);
    const second = await es.postOtlpJson(request(Array.from({ length: 5 }, (_, i) => t.span({ service: 'bp-second', name: `b${i}` }))));
    assert.equal(second.status, 429);
    assert.equal(second.headers.get('retry-after'), '3');
    assert.match((await second.json()).message, /ingest queue is full/);
    const firstRes = await first;
    assert.equal(firstRes.status, 200);
    assert.equal(await es.countSpans(), 8);
  });
});

describe('one process per data folder', () => {
  let es: TestEventscope;
  before(async () => {
    es = await startTestEventscope();
  });
  after(async () => {
    await es?.close();
  });

  test('a second Eventscope on the same folder exits non-zero with one clear sentence', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/collector.ts'], {
      cwd: ROOT,
      env: { ...process.env, EVENTSCOPE_DATA_DIR: es.dataDir, EVENTSCOPE_OTLP_HTTP_PORT: '0', EVENTSCOPE_OTLP_GRPC_PORT: '0' },
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(
      stderr.trim(),
      `The data folder ${es.dataDir} is in use by PID ${process.pid} (another Eventscope process); stop that process or set EVENTSCOPE_DATA_DIR to another folder.`,
    );
  });
});
