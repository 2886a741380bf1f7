// Ingest tokens (EVENTSCOPE_INGEST_TOKENS): OTLP/HTTP and OTLP/gRPC refuse a request without the
// right `Authorization: Bearer <token>` before its body is read, take it with the right one (the
// spans are then in the store), and count every answer per token name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/minimal.js';
import { Metadata } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { exportWith, recordSpans } from '../support/sdk.js';
import { metricTotal } from '../support/metrics.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { request, span } from '../support/otlp.js';
import { renderMetrics } from '../../lib/metrics.js';

const CHECKOUT = 'checkout-0123456789abcdef';
const BILLING = 'billing-0123456789abcdef';

let es: TestEventscope;
let closed = false;
before(async () => {
  es = await startTestEventscope({ EVENTSCOPE_INGEST_TOKENS: `checkout:${CHECKOUT}, billing:${BILLING}` });
});
after(async () => {
  if (!closed) await es?.close();
});

const post = (body: string, headers: Record<string, string>) =>
  fetch(`${es.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

const jsonRequest = (service: string) => JSON.stringify(request([span({ service, name: 'checkout', start: Date.now() - 1000 })]));

describe('OTLP/HTTP with ingest tokens', () => {
  test('no token → 401 with an OTLP status body and WWW-Authenticate: Bearer; nothing stored; counted', async () => {
    const failures = await metricTotal('authFailures', { surface: 'otlp_http' });
    const unauth = await metricTotal('ingestRequests', { transport: 'http', outcome: 'unauthenticated' });
    const res = await post(jsonRequest('no-token-http'), {});
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/);
    const body = (await res.json()) as { code: number; message: string };
    assert.equal(body.code, 16, 'google.rpc.Status code UNAUTHENTICATED');
    assert.match(body.message, /Authorization: Bearer/);
    assert.equal(await es.countSpansOf('no-token-http'), 0);
    assert.equal(await metricTotal('authFailures', { surface: 'otlp_http' }), failures + 1);
    assert.equal(await metricTotal('ingestRequests', { transport: 'http', outcome: 'unauthenticated' }), unauth + 1);
  });

  test('wrong token, or another scheme → 401; nothing stored', async () => {
    for (const authorization of [`Bearer ${CHECKOUT}x`, `Bearer ${CHECKOUT.slice(0, -1)}`, `Basic ${Buffer.from(`x:${CHECKOUT}`).toString('base64')}`, CHECKOUT]) {
      const res = await post(jsonRequest('wrong-token-http'), { authorization });
      assert.equal(res.status, 401, authorization);
      await res.arrayBuffer();
    }
    assert.equal(await es.countSpansOf('wrong-token-http'), 0);
  });

  test('the token is checked before the body is decoded: garbage without a token is 401, not 400', async () => {
    const res = await post('{not json', {});
    assert.equal(res.status, 401);
    const proto = await fetch(`${es.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0xff, 0xff, 0xff]) });
    assert.equal(proto.status, 401);
    // the protobuf reply is a google.rpc.Status: code (1) = 16, message (2)
    const r = protobuf.Reader.create(new Uint8Array(await proto.arrayBuffer()));
    assert.equal(r.uint32(), (1 << 3) | 0);
    assert.equal(r.int32(), 16);
    assert.equal(r.uint32(), (2 << 3) | 2);
    assert.match(r.string(), /ingest token/);
    // and with the token the same garbage is a decode error
    const withToken = await post('{not json', { authorization: `Bearer ${CHECKOUT}` });
    assert.equal(withToken.status, 400);
    await withToken.arrayBuffer();
  });

  test('right token → 200, the spans are stored, counted under the token name', async () => {
    const ok = await metricTotal('ingestRequests', { token: 'checkout', transport: 'http', outcome: 'ok' });
    const res = await post(jsonRequest('right-token-http'), { authorization: `Bearer ${CHECKOUT}` });
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();
    assert.equal(await es.countSpansOf('right-token-http'), 1);
    assert.equal(await metricTotal('ingestRequests', { token: 'checkout', transport: 'http', outcome: 'ok' }), ok + 1);
    const text = (await renderMetrics()).body;
    assert.match(text, /eventscope_ingest_requests_total\{[^}]*token="checkout"[^}]*transport="http"[^}]*outcome="ok"[^}]*\} [1-9]/);
  });

  test('real OTLP/HTTP exporters: refused without headers, stored with them (and with OTEL_EXPORTER_OTLP_HEADERS)', async () => {
    const url = `${es.otlpHttpUrl}/v1/traces`;
    const refused = await exportWith(new HttpJsonExporter({ url }), recordSpans('exporter-http-none'));
    assert.equal(refused.code, ExportResultCode.FAILED);
    assert.equal((refused.error as { code?: number }).code, 401);
    assert.equal(await es.countSpansOf('exporter-http-none'), 0);

    const wrong = await exportWith(new HttpProtoExporter({ url, headers: { Authorization: 'Bearer not-a-valid-token-at-all' } }), recordSpans('exporter-http-wrong'));
    assert.equal(wrong.code, ExportResultCode.FAILED);
    assert.equal((wrong.error as { code?: number }).code, 401);

    const ok = await metricTotal('ingestRequests', { token: 'billing', transport: 'http', outcome: 'ok' });
    const json = await exportWith(new HttpJsonExporter({ url, headers: { Authorization: `Bearer ${BILLING}` } }), recordSpans('exporter-http-json', 3));
    assert.equal(json.code, ExportResultCode.SUCCESS, String(json.error));
    assert.equal(await es.countSpansOf('exporter-http-json'), 3);

    // what the README tells a team to set
    const saved = process.env.OTEL_EXPORTER_OTLP_HEADERS;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = `Authorization=Bearer ${BILLING}`;
    try {
      const proto = await exportWith(new HttpProtoExporter({ url }), recordSpans('exporter-http-env', 2));
      assert.equal(proto.code, ExportResultCode.SUCCESS, String(proto.error));
    } finally {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
      else process.env.OTEL_EXPORTER_OTLP_HEADERS = saved;
    }
    assert.equal(await es.countSpansOf('exporter-http-env'), 2);
    assert.equal(await metricTotal('ingestRequests', { token: 'billing', transport: 'http', outcome: 'ok' }), ok + 2);
  });

  test('/health on the OTLP port says only that it is up', async () => {
    const res = await fetch(`${es.otlpHttpUrl}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });
});

describe('OTLP/gRPC with ingest tokens', () => {
  const grpcUrl = () => es.otlpGrpcUrl;
  const withAuth = (token: string) => {
    const m = new Metadata();
    m.set('authorization', `Bearer ${token}`);
    return m;
  };

  test('no metadata → UNAUTHENTICATED; nothing stored; counted', async () => {
    const failures = await metricTotal('authFailures', { surface: 'otlp_grpc' });
    const refusedSpans = await metricTotal('spansRefused', { reason: 'auth', transport: 'grpc' });
    const result = await exportWith(new GrpcExporter({ url: grpcUrl() }), recordSpans('grpc-none'));
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.equal((result.error as { code?: number }).code, 16, String(result.error));
    assert.equal(await es.countSpansOf('grpc-none'), 0);
    assert.equal(await metricTotal('authFailures', { surface: 'otlp_grpc' }), failures + 1);
    assert.equal(await metricTotal('spansRefused', { reason: 'auth', transport: 'grpc' }), refusedSpans + 1);
  });

  test('wrong token → UNAUTHENTICATED', async () => {
    const result = await exportWith(new GrpcExporter({ url: grpcUrl(), metadata: withAuth(`${BILLING}-not`) }), recordSpans('grpc-wrong'));
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.equal((result.error as { code?: number }).code, 16);
    assert.equal(await es.countSpansOf('grpc-wrong'), 0);
  });

  test('right token → stored, counted under its name; a client cannot pick its own token label', async () => {
    const ok = await metricTotal('ingestRequests', { token: 'checkout', transport: 'grpc', outcome: 'ok' });
    const md = withAuth(CHECKOUT);
    md.set('x-eventscope-ingest-token', 'billing'); // spoofed: replaced by the interceptor
    const result = await exportWith(new GrpcExporter({ url: grpcUrl(), metadata: md }), recordSpans('grpc-right', 4));
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    assert.equal(await es.countSpansOf('grpc-right'), 4);
    assert.equal(await metricTotal('ingestRequests', { token: 'checkout', transport: 'grpc', outcome: 'ok' }), ok + 1);
    assert.equal(await metricTotal('ingestRequests', { token: 'billing', transport: 'grpc' }), 0);

    const saved = process.env.OTEL_EXPORTER_OTLP_HEADERS;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = `Authorization=Bearer ${BILLING}`;
    try {
      const env = await exportWith(new GrpcExporter({ url: grpcUrl() }), recordSpans('grpc-env', 1));
      assert.equal(env.code, ExportResultCode.SUCCESS, String(env.error));
    } finally {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
      else process.env.OTEL_EXPORTER_OTLP_HEADERS = saved;
    }
    assert.equal(await es.countSpansOf('grpc-env'), 1);
    assert.equal(await metricTotal('ingestRequests', { token: 'billing', transport: 'grpc', outcome: 'ok' }), 1);
  });
});

describe('without ingest tokens', () => {
  test('ingest is open, counted under "-"', async () => {
    // one chDB folder per process: the token-protected instance goes first
    await es.close();
    closed = true;
    const open = await startTestEventscope();
    try {
      const before = await metricTotal('ingestRequests', { token: '-', transport: 'http', outcome: 'ok' });
      const res = await fetch(`${open.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonRequest('open-http') });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      assert.equal(await metricTotal('ingestRequests', { token: '-', transport: 'http', outcome: 'ok' }), before + 1);
      const health = (await (await fetch(`${open.otlpHttpUrl}/health`)).json()) as Record<string, unknown>;
      assert.equal(health.status, 'ok');
      assert.equal(typeof health.committedSpans, 'number', 'open ingest keeps the queue numbers on /health');
    } finally {
      await open.close();
    }
  });
});
