// Per-client limits end to end (EVENTSCOPE_MAX_*): a request with too many spans is refused whole
// by both receivers and nothing of it is stored; a span over the per-span limits is stored cut —
// first attributes, events and links kept, the rest in its dropped counts, long values truncated
// with a marker — and every application is counted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, type Link } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { exportWith, sdkTracer } from '../support/sdk.js';
import { metricTotal } from '../support/metrics.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { request, span, spanId, traceId } from '../support/otlp.js';

let es: TestEventscope;
before(async () => {
  es = await startTestEventscope({
    EVENTSCOPE_MAX_SPANS_PER_REQUEST: '5',
    EVENTSCOPE_MAX_ATTRIBUTES_PER_SPAN: '3',
    EVENTSCOPE_MAX_ATTRIBUTE_VALUE_LENGTH: '50',
    EVENTSCOPE_MAX_EVENTS_PER_SPAN: '2',
    EVENTSCOPE_MAX_LINKS_PER_SPAN: '1',
  });
});
after(async () => {
  await es?.close();
});

describe('spans per request', () => {
  test('OTLP/HTTP: 6 spans over a limit of 5 → 413 naming the variable and the count, nothing stored, counted', async () => {
    const applied = await metricTotal('limitsApplied', { limit: 'spans_per_request' });
    const refused = await metricTotal('spansRefused', { reason: 'limit', transport: 'http' });
    const spans = Array.from({ length: 6 }, (_, i) => span({ service: 'limit-spans-http', name: `s${i}`, start: Date.now() - 1000 }));
    const res = await es.postOtlpJson(request(spans));
    assert.equal(res.status, 413);
    const body = (await res.json()) as { message: string };
    assert.match(body.message, /6 spans/);
    assert.match(body.message, /EVENTSCOPE_MAX_SPANS_PER_REQUEST=5/);
    assert.equal(await es.countSpansOf('limit-spans-http'), 0);
    assert.equal(await metricTotal('limitsApplied', { limit: 'spans_per_request' }), applied + 1);
    assert.equal(await metricTotal('spansRefused', { reason: 'limit', transport: 'http' }), refused + 1, 'refused before the spans were taken: the request counts');

    const five = await es.postOtlpJson(request(spans.slice(0, 5)));
    assert.equal(five.status, 200, 'at the limit the request is taken');
    await five.arrayBuffer();
    assert.equal(await es.countSpansOf('limit-spans-http'), 5);
  });

  test('OTLP/gRPC: a real exporter with 6 spans gets INVALID_ARGUMENT (not retryable), nothing stored', async () => {
    const { tracer, spans } = sdkTracer('limit-spans-grpc', 'limits-test');
    for (let i = 0; i < 6; i++) tracer.startSpan(`s${i}`).end();
    const exporter = new GrpcExporter({ url: es.otlpGrpcUrl });
    const result = await exportWith(exporter, spans());
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.equal((result.error as { code?: number }).code, 3, String(result.error));
    assert.match(String(result.error), /EVENTSCOPE_MAX_SPANS_PER_REQUEST=5/);
    assert.equal(await es.countSpansOf('limit-spans-grpc'), 0);
    await exporter.shutdown();
  });
});

interface StoredRow {
  attributes: Record<string, string>;
  event_names: string[];
  link_span_ids: string[];
  dropped_attributes_count: number;
  dropped_events_count: number;
  dropped_links_count: number;
}

async function storedSpan(service: string): Promise<StoredRow> {
  const rows = await es.store.query<StoredRow>(
    `SELECT span_attributes AS attributes, events.name AS event_names, links.span_id AS link_span_ids,
            dropped_attributes_count, dropped_events_count, dropped_links_count
       FROM ${es.store.database}.spans WHERE service_name = {s:String}`,
    { name: 'test:limits-span', params: { s: service } },
  );
  assert.equal(rows.length, 1, 'the span is stored');
  return rows[0]!;
}

describe('per-span limits (a real exporter, the stored row read back)', () => {
  test('attributes, value length, events and links are cut as configured and counted', async () => {
    const before = {
      attributes: await metricTotal('limitsApplied', { limit: 'attributes_per_span' }),
      length: await metricTotal('limitsApplied', { limit: 'attribute_value_length' }),
      events: await metricTotal('limitsApplied', { limit: 'events_per_span' }),
      links: await metricTotal('limitsApplied', { limit: 'links_per_span' }),
    };
    const { tracer, spans } = sdkTracer('limit-span-cut', 'limits-test');
    const linkIds = [spanId(), spanId(), spanId()];
    const links: Link[] = linkIds.map((id) => ({ context: { traceId: traceId(), spanId: id, traceFlags: 1 } }));
    const long = 'é'.repeat(200);
    const s = tracer.startSpan('big', {
      kind: SpanKind.PRODUCER,
      links,
      attributes: { 'order.note': long, 'order.id': 'o-1', 'order.count': 2, 'extra.one': 'x', 'extra.two': 'y' },
    });
    for (let i = 0; i < 4; i++) s.addEvent(`event ${i}`, { i });
    s.end();
    const exporter = new HttpProtoExporter({ url: `${es.otlpHttpUrl}/v1/traces` });
    const result = await exportWith(exporter, spans());
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    await exporter.shutdown();

    const row = await storedSpan('limit-span-cut');
    assert.deepEqual(Object.keys(row.attributes).sort(), ['order.count', 'order.id', 'order.note']);
    assert.equal(row.attributes['order.note'], `${'é'.repeat(50)}…[truncated 150 chars]`);
    assert.equal(row.attributes['order.id'], 'o-1');
    assert.equal(Number(row.dropped_attributes_count), 2);
    assert.deepEqual(row.event_names, ['event 0', 'event 1']);
    assert.equal(Number(row.dropped_events_count), 2);
    assert.deepEqual(row.link_span_ids, [linkIds[0]]);
    assert.equal(Number(row.dropped_links_count), 2);

    assert.equal(await metricTotal('limitsApplied', { limit: 'attributes_per_span' }), before.attributes + 1);
    assert.equal(await metricTotal('limitsApplied', { limit: 'attribute_value_length' }), before.length + 1);
    assert.equal(await metricTotal('limitsApplied', { limit: 'events_per_span' }), before.events + 1);
    assert.equal(await metricTotal('limitsApplied', { limit: 'links_per_span' }), before.links + 1);
  });

  test('a span within every limit is stored as sent, with zero dropped counts', async () => {
    const { tracer, spans } = sdkTracer('limit-span-fits', 'limits-test');
    const s = tracer.startSpan('small', { attributes: { a: 'short', b: 1 } });
    s.addEvent('only');
    s.end();
    const result = await exportWith(new GrpcExporter({ url: es.otlpGrpcUrl }), spans());
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    const row = await storedSpan('limit-span-fits');
    assert.deepEqual(row.attributes, { a: 'short', b: '1' });
    assert.deepEqual(row.event_names, ['only']);
    assert.deepEqual([row.dropped_attributes_count, row.dropped_events_count, row.dropped_links_count].map(Number), [0, 0, 0]);
  });
});
