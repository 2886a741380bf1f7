// The official OTel JS exporters (OTLP/HTTP JSON, OTLP/HTTP protobuf, OTLP/gRPC, with and without
// gzip) send real SDK spans to the real collector; the rows read back from ClickHouse must match
// what the SDK recorded exactly: ids, nanosecond times, kinds, status, typed attributes, events,
// links, resource and scope.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, SpanKind, SpanStatusCode, type HrTime, type Link } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { NodeTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { plainValue, typedAttributes } from '../../lib/store/anyvalue.js';

let es: TestEventscope;
before(async () => {
  es = await startTestEventscope();
});
after(async () => {
  await es?.close();
});

const BASE_S = Math.floor(Date.now() / 1000) - 60;
const at = (offsetMs: number, extraNs = 0): HrTime => [BASE_S + Math.floor(offsetMs / 1000), (offsetMs % 1000) * 1_000_000 + extraNs];
const ns = (t: HrTime) => (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();

/** Records one small async request with the real SDK and returns the finished spans. */
function recordSpans(label: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': `orders-${label}`,
      'service.version': '1.2.3',
      'host.name': 'host-a',
      'process.pid': 4242,
      'deployment.canary': true,
    }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('eventscope-test', '0.0.1');
  const root = tracer.startSpan('POST /orders', { kind: SpanKind.SERVER, startTime: at(0, 123) });
  const producer = tracer.startSpan(
    'orders send',
    {
      kind: SpanKind.PRODUCER,
      startTime: at(5, 7),
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'orders',
        'messaging.destination.partition.id': '3',
        'messaging.kafka.offset': 9_007_199_254_740_991, // 2^53 − 1 (the largest exact JS integer)
        'messaging.message.id': `m-${label}`,
        'messaging.kafka.message.key': 'customer-7',
        'test.string': 'hello',
        'test.bool': false,
        'test.int': -42,
        'test.double': 3.25,
        'test.strings': ['a', 'b'],
        'test.ints': [1, 2, 3],
        'test.doubles': [1.5, -2.5],
        'test.bools': [true, false],
      },
    },
    trace.setSpan(context.active(), root),
  );
  producer.addEvent('serialized', { 'payload.bytes': 512, 'payload.format': 'avro' }, at(6, 11));
  producer.end(at(7, 999));
  const link: Link = { context: producer.spanContext(), attributes: { 'messaging.message.id': `m-${label}`, 'link.weight': 2 } };
  const consumer = tracer.startSpan('orders process', {
    kind: SpanKind.CONSUMER,
    startTime: at(40, 1),
    root: true, // a new trace, connected to the producer only by its link
    links: [link],
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'orders',
      'messaging.consumer.group.name': 'billing',
      'messaging.destination.partition.id': '3',
      'messaging.kafka.offset': 17,
    },
  });
  consumer.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  consumer.end(at(52, 5));
  root.setStatus({ code: SpanStatusCode.OK });
  root.end(at(60, 500));
  // The SDK's getTracer takes no scope attributes yet; the exporters do serialize them.
  const scope = { name: 'eventscope-test', version: '0.0.1', attributes: { 'scope.flavour': 'test', 'scope.level': 3 } };
  for (const s of memory.getFinishedSpans()) Object.defineProperty(s, 'instrumentationScope', { value: scope });
  return memory.getFinishedSpans();
}

/** The SDK's attribute value as plainValue() rebuilds it: integers as bigint. */
function sdkPlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sdkPlain);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

interface StoredRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  start: string;
  duration_ns: string;
  span_name: string;
  span_kind: string;
  service_name: string;
  host: string;
  status_code: string;
  status_message: string;
  scope_name: string;
  scope_version: string;
  scope_attributes: Record<string, string>;
  span_attributes: Record<string, string>;
  attribute_types: Record<string, string>;
  resource_attributes: Record<string, string>;
  /** the resource row's types ('resource.<key>', 'scope.<key>') */
  resource_types: Record<string, string>;
  event_names: string[];
  event_times: string[];
  event_attributes: Record<string, string>[];
  link_trace_ids: string[];
  link_span_ids: string[];
  link_attributes: Record<string, string>[];
  msg_operation: string;
  msg_destination: string;
  msg_partition: string;
  msg_offset: string | null;
  msg_consumer_group: string;
  msg_message_id: string;
  msg_key: string;
}

async function readBack(traceIds: string[]): Promise<Map<string, StoredRow>> {
  const rows = await es.store.query<StoredRow>(
    // resource and scope attributes are stored once per resource (`resources`), joined by key
    `SELECT trace_id, span_id, parent_span_id, toString(toUnixTimestamp64Nano(timestamp)) AS start, duration_ns,
            span_name, span_kind, s.service_name AS service_name, host, status_code, status_message, s.scope_name AS scope_name,
            s.scope_version AS scope_version, r.scope_attributes AS scope_attributes,
            span_attributes, s.attribute_types AS attribute_types, r.resource_attributes AS resource_attributes,
            r.attribute_types AS resource_types,
            events.name AS event_names, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), events.timestamp) AS event_times,
            events.attributes AS event_attributes,
            links.trace_id AS link_trace_ids, links.span_id AS link_span_ids, links.attributes AS link_attributes,
            msg_operation, msg_destination, msg_partition, msg_offset, msg_consumer_group, msg_message_id, msg_key
     FROM ${es.store.database}.spans AS s
     LEFT JOIN (SELECT * FROM ${es.store.database}.resources LIMIT 1 BY resource_key) AS r ON r.resource_key = s.resource_key
     WHERE trace_id IN {ids:Array(String)}`,
    { name: 'test:readback', params: { ids: traceIds } },
  );
  return new Map(rows.map((r) => [r.span_id, r]));
}

function expectMatches(stored: Map<string, StoredRow>, spans: ReadableSpan[]) {
  assert.equal(stored.size, spans.length, 'every exported span is stored exactly once');
  for (const s of spans) {
    const ctx = s.spanContext();
    const row = stored.get(ctx.spanId);
    assert.ok(row, `span ${s.name} stored`);
    assert.equal(row.trace_id, ctx.traceId);
    assert.equal(row.parent_span_id, s.parentSpanContext?.spanId ?? '');
    assert.equal(row.start, ns(s.startTime), `${s.name} start ns`);
    assert.equal(BigInt(row.start) + BigInt(row.duration_ns), BigInt(ns(s.endTime)), `${s.name} end ns`);
    assert.equal(row.span_name, s.name);
    assert.equal(row.span_kind, ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'][s.kind]);
    assert.equal(row.status_code, ['UNSET', 'OK', 'ERROR'][s.status.code]);
    assert.equal(row.status_message, s.status.message ?? '');
    assert.equal(row.scope_name, 'eventscope-test');
    assert.equal(row.scope_version, '0.0.1');
    assert.deepEqual(row.scope_attributes, { 'scope.flavour': 'test', 'scope.level': '3' });
    assert.equal(row.resource_types['scope.scope.level'], 'int');
    assert.equal(row.service_name, s.resource.attributes['service.name']);
    assert.equal(row.host, 'host-a');
    assert.equal(row.resource_attributes['process.pid'], '4242');
    assert.equal(row.resource_types['resource.process.pid'], 'int');
    assert.equal(row.resource_attributes['deployment.canary'], 'true');
    assert.equal(row.resource_types['resource.deployment.canary'], 'bool');
    // the span row keeps only its own types
    assert.deepEqual(Object.keys(row.attribute_types).filter((k) => /^(resource|scope)\./.test(k)), []);
    assert.equal(row.event_names.length, s.events.length);
    s.events.forEach((e, i) => {
      assert.equal(row.event_names[i], e.name);
      assert.equal(row.event_times[i], ns(e.time));
    });
    assert.deepEqual(row.link_trace_ids, s.links.map((l) => l.context.traceId));
    assert.deepEqual(row.link_span_ids, s.links.map((l) => l.context.spanId));
  }
  const producer = spans.find((s) => s.kind === SpanKind.PRODUCER)!;
  const p = stored.get(producer.spanContext().spanId)!;
  // Every attribute the SDK recorded rebuilds to the same typed value (ints exact, as bigint).
  const typed = typedAttributes(p.span_attributes, p.attribute_types, 'span.');
  assert.deepEqual(Object.keys(typed).sort(), Object.keys(producer.attributes).sort());
  for (const [key, value] of Object.entries(producer.attributes)) {
    assert.deepEqual(plainValue(typed[key]!), sdkPlain(value), key);
  }
  assert.equal(p.span_attributes['messaging.kafka.offset'], '9007199254740991');
  assert.equal(p.span_attributes['test.strings'], '["a","b"]', 'string arrays stay readable JSON');
  assert.equal(p.attribute_types['span.test.bool'], 'bool');
  assert.equal(p.attribute_types['span.test.int'], 'int');
  assert.equal(p.attribute_types['span.test.double'], 'double');
  assert.equal(p.attribute_types['span.test.strings'], 'array');
  assert.equal(p.attribute_types['span.messaging.kafka.offset'], 'int');
  assert.equal(p.attribute_types['span.test.string'], undefined, 'strings carry no type entry');
  assert.deepEqual(p.event_attributes, [{ 'payload.bytes': '512', 'payload.format': 'avro' }]);
  assert.equal(p.attribute_types['event.0.payload.bytes'], 'int');
  assert.equal(p.msg_operation, 'send');
  assert.equal(p.msg_destination, 'orders');
  assert.equal(p.msg_partition, '3');
  assert.equal(p.msg_offset, '9007199254740991');
  assert.equal(p.msg_key, 'customer-7');
  assert.equal(p.msg_consumer_group, '');

  const consumer = spans.find((s) => s.kind === SpanKind.CONSUMER)!;
  const c = stored.get(consumer.spanContext().spanId)!;
  assert.equal(c.msg_operation, 'process');
  assert.equal(c.msg_consumer_group, 'billing');
  assert.equal(c.msg_offset, '17');
  assert.deepEqual(c.link_attributes, [{ 'messaging.message.id': producer.attributes['messaging.message.id'], 'link.weight': '2' }]);
  assert.equal(c.attribute_types['link.0.link.weight'], 'int');
}

const exporters: Array<[string, (es: TestEventscope) => SpanExporter]> = [
  ['otlp-http json', (e) => new HttpJsonExporter({ url: `${e.otlpHttpUrl}/v1/traces` })],
  ['otlp-http json gzip', (e) => new HttpJsonExporter({ url: `${e.otlpHttpUrl}/v1/traces`, compression: 'gzip' as never })],
  ['otlp-proto', (e) => new HttpProtoExporter({ url: `${e.otlpHttpUrl}/v1/traces` })],
  ['otlp-proto gzip', (e) => new HttpProtoExporter({ url: `${e.otlpHttpUrl}/v1/traces`, compression: 'gzip' as never })],
  ['otlp-grpc', (e) => new GrpcExporter({ url: e.otlpGrpcUrl })],
  ['otlp-grpc gzip', (e) => new GrpcExporter({ url: e.otlpGrpcUrl, compression: 'gzip' as never })],
];

describe('official OTLP exporters → collector → ClickHouse', () => {
  for (const [label, make] of exporters) {
    test(label, async () => {
      const spans = recordSpans(label.replaceAll(' ', '-'));
      const exporter = make(es);
      const result = await exportWith(exporter, spans);
      await exporter.shutdown();
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
      // Ack after commit: once the exporter has its success, the rows are already queryable.
      const traceIds = [...new Set(spans.map((s) => s.spanContext().traceId))];
      expectMatches(await readBack(traceIds), spans);
    });
  }
});

test('/api/health reports the store and every span stored', async () => {
  const { status, body } = await es.api('/api/health');
  assert.equal(status, 200);
  assert.equal(body.status, 'ok');
  assert.equal(body.store.mode, 'embedded');
  assert.equal(body.store.insertFormat, 'Native');
  assert.match(body.store.clickhouseVersion, /^\d+\.\d+/);
  assert.equal(body.spansStored, await es.countSpans());
  assert.equal(body.spansStored, exporters.length * 3);
  assert.deepEqual(body.otlp, { otlpHttpUrl: es.otlpHttpUrl, otlpGrpcUrl: es.otlpGrpcUrl });
  // every span's resource is stored, each (resource, day) once however many requests carried it
  const [r] = await es.store.query<{ keys: string; rows: string; missing: string }>(
    `SELECT (SELECT uniqExact(resource_key) FROM ${es.store.database}.spans) AS keys,
            (SELECT count() FROM ${es.store.database}.resources) AS rows,
            (SELECT count() FROM ${es.store.database}.spans WHERE resource_key NOT IN (SELECT resource_key FROM ${es.store.database}.resources)) AS missing`,
    { name: 'test:resources' },
  );
  assert.deepEqual([Number(r!.missing), Number(r!.rows)], [0, Number(r!.keys)]);
});
