// Bad input gets a precise answer and never costs good data: status codes, messages, partial
// success for single invalid spans, and no input that crashes or hangs the collector.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { NodeTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, request } from '../support/otlp.js';

const LIMIT = 64 * 1024;
let es: TestEventscope;
before(async () => {
  es = await startTestEventscope({ EVENTSCOPE_MAX_BODY_BYTES: String(LIMIT) });
});
after(async () => {
  await es?.close();
});

function sdkSpans(n: number, service = 'bad-input'): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < n; i++) tracer.startSpan(`op-${i}`, { attributes: { i } }).end();
  return memory.getFinishedSpans();
}

const protoBody = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);

function post(body: Buffer | string, headers: Record<string, string>) {
  return fetch(`${es.otlpHttpUrl}/v1/traces`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

async function countService(service: string): Promise<number> {
  const [r] = await es.store.query<{ n: string }>(`SELECT count() AS n FROM ${es.store.database}.spans WHERE service_name = {s:String}`, {
    name: 'test',
    params: { s: service },
  });
  return Number(r!.n);
}

describe('OTLP/HTTP bad input', () => {
  test('garbage protobuf → 400 with a message', async () => {
    const res = await post(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]), { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    const text = Buffer.from(await res.arrayBuffer()).toString('latin1');
    assert.match(text, /cannot decode the protobuf request/);
  });

  test('truncated protobuf → 400', async () => {
    const full = protoBody(sdkSpans(3, 'truncated'));
    const res = await post(full.subarray(0, full.length - 7), { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 400);
    assert.equal(await countService('truncated'), 0);
  });

  test('invalid JSON → 400 with a JSON error', async () => {
    const res = await post('{"resourceSpans": [', { 'content-type': 'application/json' });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.code, 3);
    assert.match(body.message, /cannot decode the json request/);
  });

  test('wrong content type → 415', async () => {
    const res = await post('hello', { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    assert.match((await res.json()).message, /unsupported Content-Type "text\/plain"/);
  });

  test('unsupported content encoding → 415', async () => {
    const res = await post('x', { 'content-type': 'application/json', 'content-encoding': 'br' });
    assert.equal(res.status, 415);
  });

  test('corrupt gzip → 400', async () => {
    const res = await post(Buffer.from('this is not gzip at all'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /corrupt gzip body/);
  });

  test('body over the limit → 413', async () => {
    const res = await post(Buffer.alloc(LIMIT + 1, 0x20), { 'content-type': 'application/json' });
    assert.equal(res.status, 413);
  });

  test('gzip body that decompresses over the limit → 413', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(LIMIT * 4, 0x20));
    assert.ok(bomb.length < LIMIT);
    const res = await post(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(res.status, 413);
    assert.match((await res.json()).message, /decompressed request body exceeds the limit of 65536 bytes/);
  });

  test('wrong method and path', async () => {
    assert.equal((await fetch(`${es.otlpHttpUrl}/v1/traces`)).status, 405);
    // logs are not received; metrics are (broker metrics), and want a content type like traces
    assert.equal((await fetch(`${es.otlpHttpUrl}/v1/logs`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${es.otlpHttpUrl}/v1/metrics`, { method: 'POST' })).status, 415);
  });

  test('JSON: one span with an invalid id is rejected alone, its siblings are stored', async () => {
    const t = clock();
    const good1 = t.span({ service: 'partial-json', name: 'a' });
    const good2 = t.span({ service: 'partial-json', name: 'b', parent: good1 });
    const bad = t.span({ service: 'partial-json', name: 'bad', spanId: '0000000000000000' });
    const res = await es.postOtlpJson(request([good1, bad, good2]));
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(Number(body.partialSuccess.rejectedSpans), 1);
    assert.match(body.partialSuccess.errorMessage, /span_id is all zeros/);
    assert.equal(await countService('partial-json'), 2);
  });

  test('protobuf: one span with an invalid id is rejected alone, its siblings are stored', async () => {
    const spans = sdkSpans(4, 'partial-proto');
    const broken = spans[2]!;
    const ctx = broken.spanContext();
    (broken as { spanContext: () => typeof ctx }).spanContext = () => ({ ...ctx, traceId: '0'.repeat(32) });
    const res = await post(protoBody(spans), { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    const reply = Buffer.from(await res.arrayBuffer());
    // ExportTraceServiceResponse{ partial_success(1){ rejected_spans(1)=1, error_message(2) } }
    assert.equal(reply[0], 0x0a);
    assert.equal(reply[2], 0x08);
    assert.equal(reply[3], 0x01);
    assert.match(reply.toString('latin1'), /trace_id is all zeros/);
    assert.equal(await countService('partial-proto'), 3);
  });

  test('no input crashes or hangs the collector: 300 mutated bodies get 200 or 400', async () => {
    const valid = protoBody(sdkSpans(5, 'fuzz'));
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const body = Buffer.from(valid);
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.3 ? body.subarray(0, Math.floor(rand() * body.length)) : body;
      const res = await post(cut, { 'content-type': 'application/x-protobuf' });
      const text = Buffer.from(await res.arrayBuffer()).toString('latin1');
      if (res.status !== 200 && res.status !== 400) console.log(res.status, text);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    for (const status of statuses.keys()) assert.ok(status === 200 || status === 400, `unexpected status ${status}`);
    assert.ok((statuses.get(400) ?? 0) > 0, 'some mutations must be undecodable');
    const health = await fetch(`${es.otlpHttpUrl}/health`);
    assert.equal(health.status, 200);
  });
});

describe('OTLP/JSON robustness', () => {
  test('200 mutated JSON bodies get 200 or 400, never a 5xx', async () => {
    const t = clock();
    const parent = t.span({ service: 'fuzz-json', name: 'root', attributes: { n: 1, ok: true, s: 'x', list: ['a', 2] as never } });
    const valid = JSON.stringify(request([parent, t.span({ service: 'fuzz-json', name: 'child', parent, links: [parent] })]));
    let seed = 777;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pieces = ['{', '}', '[', ']', '"', ',', ':', 'null', '1e999', '-1', '"zz"', '{}', '[]', 'true', '"\\u0000"'];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const chars = [...valid];
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) chars[Math.floor(rand() * chars.length)] = pieces[Math.floor(rand() * pieces.length)]!;
      const res = await post(chars.join(''), { 'content-type': 'application/json' });
      const text = await res.text();
      if (res.status !== 200 && res.status !== 400) console.log(res.status, text);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    for (const status of statuses.keys()) assert.ok(status === 200 || status === 400, `unexpected status ${status}`);
    assert.ok((statuses.get(400) ?? 0) > 0);
  });
});

describe('OTLP/gRPC bad input', () => {
  const Client = grpc.makeGenericClientConstructor(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    'TraceService',
  );
  const call = (body: Buffer) =>
    new Promise<{ err: grpc.ServiceError | null; res?: Buffer }>((resolve) => {
      const client = new Client(es.otlpGrpcUrl.replace('http://', ''), grpc.credentials.createInsecure());
      (client as any).Export(body, (err: grpc.ServiceError | null, res?: Buffer) => {
        client.close();
        resolve({ err, res });
      });
    });

  test('garbage → INVALID_ARGUMENT with a message', async () => {
    const { err } = await call(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err!.details, /cannot decode/);
  });

  test('valid request → OK, stored before the reply', async () => {
    const { err } = await call(protoBody(sdkSpans(2, 'grpc-raw')));
    assert.equal(err, null);
    assert.equal(await countService('grpc-raw'), 2);
  });
});
