// A full disk, for real: the data folder on a small tmpfs, filled up with a filler file. Ingest
// answers retryable errors (HTTP 503 + Retry-After, gRPC UNAVAILABLE) counted as disk_full, /api/health
// says why, nothing acknowledged before is lost, and once the filler is gone the same spans resent
// are taken and health is ok again — without a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { NodeTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, request, type Span } from '../support/otlp.js';
import { handler as health } from '../../lib/api/health.js';
import { runHandler } from '../../lib/api/http.js';
import { metrics } from '../../lib/metrics.js';

/** Mounts a tmpfs of `size` on a new folder, else (no root, no tmpfs) says why it cannot. */
function mountSmallDisk(size: string): { dir: string } | { skip: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-full-'));
  if (process.getuid?.() !== 0) return { skip: 'mounting a small tmpfs needs root (this test mounts one as the data folder)' };
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { skip: `mount -t tmpfs was refused: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}` };
  }
}

/** Writes zeros into `file` until the disk refuses (ENOSPC). */
function fillDisk(file: string): void {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    // the last few bytes: a partial chunk may still fit
    try {
      for (;;) fs.writeSync(fd, chunk, 0, 4096);
    } catch {}
  } finally {
    fs.closeSync(fd);
  }
}

function sdkSpans(n: number, service: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < n; i++) tracer.startSpan(`op-${i}`).end();
  return memory.getFinishedSpans();
}

const refusedDiskFull = async () =>
  (await metrics().spansRefused.get()).values.filter((v) => v.labels.reason === 'disk_full').reduce((n, v) => n + v.value, 0);

const disk = mountSmallDisk('48m');

describe('disk full', { skip: 'skip' in disk ? disk.skip : false }, () => {
  const dataDir = 'dir' in disk ? path.join(disk.dir, 'data') : '';
  const filler = 'dir' in disk ? path.join(disk.dir, 'filler') : '';
  let es: TestEventscope;
  before(async () => {
    es = await startTestEventscope({ EVENTSCOPE_DATA_DIR: dataDir, EVENTSCOPE_RETRY_AFTER_SECONDS: '3', EVENTSCOPE_DISK_CHECK_INTERVAL_MS: '3600000' });
  });
  after(async () => {
    await es?.close();
    if ('dir' in disk) {
      execFileSync('umount', ['-l', disk.dir]);
      fs.rmSync(disk.dir, { recursive: true, force: true });
    }
  });

  const spansOf = async (traceIds: string[]) => {
    const [r] = await es.store.query<{ n: string; u: string }>(
      `SELECT count() AS n, uniqExact(trace_id, span_id) AS u FROM ${es.store.database}.spans WHERE trace_id IN {t:Array(String)}`,
      { name: 'test', params: { t: traceIds } },
    );
    return { rows: Number(r!.n), unique: Number(r!.u) };
  };
  const healthNow = async () => {
    const r = await runHandler(health, { store: es.store, url: new URL('http://t/api/health'), params: {}, now: new Date(), config: es.config });
    return { status: r.status, body: JSON.parse(JSON.stringify(r.body)) };
  };

  test('503 with Retry-After and gRPC UNAVAILABLE while full; the same spans resent land once space returns, nothing acknowledged lost', async () => {
    const t = clock();
    const acked: Span[] = Array.from({ length: 40 }, (_, i) => t.span({ service: 'before-full', name: `op-${i}`, attributes: { pad: 'x'.repeat(300) } }));
    await es.sendSpans(acked);
    assert.equal((await spansOf(acked.map((s) => s.traceId))).unique, 40);
    assert.equal((await healthNow()).body.status, 'ok');

    fillDisk(filler);
    const refusedBefore = await refusedDiskFull();
    const refused: Span[] = Array.from({ length: 30 }, (_, i) => t.span({ service: 'while-full', name: `op-${i}`, start: 10 }));
    const res = await es.postOtlpJson(request(refused));
    const body = await res.json();
    assert.equal(res.status, 503, JSON.stringify(body));
    assert.equal(res.headers.get('retry-after'), '3');
    assert.match(body.message, /disk is full/);
    assert.ok((await refusedDiskFull()) >= refusedBefore + 30, 'counted as spans refused for disk_full');

    // the real gRPC exporter: UNAVAILABLE (retryable), so it gives up only at its deadline
    const grpcSpans = sdkSpans(5, 'grpc-while-full');
    const exporter = new GrpcExporter({ url: es.otlpGrpcUrl, timeoutMillis: 3000 });
    const failed = await new Promise<ExportResult>((resolve) => exporter.export(grpcSpans, resolve));
    assert.equal(failed.code, ExportResultCode.FAILED);
    assert.equal((failed.error as { code?: number }).code, 14, String(failed.error)); // UNAVAILABLE
    assert.match(String(failed.error), /disk is full/);

    const degraded = await healthNow();
    assert.equal(degraded.status, 200, 'degraded is still a 200: the store answers');
    assert.equal(degraded.body.status, 'degraded');
    assert.match(degraded.body.reason, /disk is full/);
    assert.equal((await spansOf(acked.map((s) => s.traceId))).unique, 40, 'what was acknowledged is still there');
    assert.equal((await spansOf(refused.map((s) => s.traceId))).unique, 0, 'nothing of the refused request was stored');

    fs.rmSync(filler);
    // no restart: the same request resent is taken, and so is the gRPC exporter's batch
    const again = await es.postOtlpJson(request(refused));
    assert.equal(again.status, 200, await again.text());
    const ok = await new Promise<ExportResult>((resolve) => exporter.export(grpcSpans, resolve));
    assert.equal(ok.code, ExportResultCode.SUCCESS, String(ok.error));
    await exporter.shutdown();
    assert.equal((await spansOf(acked.map((s) => s.traceId))).unique, 40);
    assert.equal((await spansOf(refused.map((s) => s.traceId))).unique, 30);
    const [g] = await es.store.query<{ n: string }>(`SELECT uniqExact(span_id) AS n FROM ${es.store.database}.spans WHERE service_name = 'grpc-while-full'`, {
      name: 'test',
    });
    assert.equal(Number(g!.n), 5);
    // the pairing pass could not save its watermark while full either; it runs again now
    const back = await es.api('/api/health');
    assert.equal(back.status, 200);
    assert.equal(back.body.status, 'ok', back.body.reason);
    assert.equal(back.body.reason, null);
  });
});
