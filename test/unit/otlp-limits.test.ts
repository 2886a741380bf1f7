// Per-client limits in the decoders (EVENTSCOPE_MAX_*): the same cuts, counts and markers from
// protobuf and JSON; spans are never dropped for a long value or too many attributes, events or
// links; a request with too many spans is refused whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtoTraces } from '../../collector/otlp/proto.js';
import { decodeJsonTraces } from '../../collector/otlp/json.js';
import { NO_LIMITS, SpanLimitError, noLimitHits, truncateValue, type DecodeLimits, type LimitHits } from '../../collector/otlp/decode.js';
import type { DecodedBatch } from '../../lib/store/rows.js';
import { encodeRequest, kv, type JRequest, type JSpan } from './otlp-request.js';

const hexId = (n: number, bytes: number) => (n + 1).toString(16).padStart(bytes * 2, '0');

function spanWith(i: number, opts: { attributes?: number; events?: number; links?: number; value?: string } = {}): JSpan {
  return {
    traceId: hexId(1000 + i, 16),
    spanId: hexId(i, 8),
    name: `span ${i}`,
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000001000000',
    attributes: [
      ...(opts.value !== undefined ? [kv.str('long', opts.value)] : []),
      ...Array.from({ length: opts.attributes ?? 0 }, (_, k) => (k % 2 ? kv.int(`a${k}`, k) : kv.str(`a${k}`, `v${k}`))),
    ],
    events: Array.from({ length: opts.events ?? 0 }, (_, k) => ({ timeUnixNano: String(1700000000000000000n + BigInt(k)), name: `e${k}`, attributes: [kv.int('n', k)] })),
    links: Array.from({ length: opts.links ?? 0 }, (_, k) => ({ traceId: hexId(5000 + k, 16), spanId: hexId(900 + k, 8), attributes: [kv.bool('first', k === 0)] })),
  };
}

const req = (spans: JSpan[], resource: Array<ReturnType<typeof kv.str>> = [kv.str('service.name', 'limits')]): JRequest => ({
  resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: 'limit-test' }, spans }] }],
});

const limits = (l: Partial<DecodeLimits>): DecodeLimits => ({ ...NO_LIMITS, ...l });

/** Decodes the request both ways; asserts both give the same rows and hits; returns them. */
function decodeBoth(r: JRequest, l: Partial<DecodeLimits>): { batch: DecodedBatch; hits: LimitHits } {
  const protoHits = noLimitHits();
  const jsonHits = noLimitHits();
  const proto = decodeProtoTraces(encodeRequest(r), { limits: limits(l), limitHits: protoHits });
  const json = decodeJsonTraces(JSON.stringify(r), { limits: limits(l), limitHits: jsonHits });
  assert.deepEqual(json.rows, proto.rows, 'protobuf and JSON decode to the same rows under limits');
  assert.deepEqual(jsonHits, protoHits);
  return { batch: proto, hits: protoHits };
}

test('attributes per span: the first N are kept, the rest added to dropped_attributes_count (with the sender’s own)', () => {
  const s = { ...spanWith(0, { attributes: 5 }), droppedAttributesCount: 3 };
  const { batch, hits } = decodeBoth(req([s, spanWith(1, { attributes: 2 })]), { attributesPerSpan: 2 });
  const [cut, fits] = batch.rows;
  assert.deepEqual(Object.keys(cut!.span_attributes), ['a0', 'a1']);
  assert.equal(cut!.attribute_types['span.a1'], 'int');
  assert.equal(cut!.attribute_types['span.a3'], undefined, 'no type entry for a dropped attribute');
  assert.equal(cut!.dropped_attributes_count, 3 + 3);
  assert.equal(fits!.dropped_attributes_count, 0);
  assert.deepEqual(Object.keys(fits!.span_attributes), ['a0', 'a1']);
  assert.equal(hits.attributes_per_span, 1, 'one span was cut');
});

test('without limits the sender’s dropped counts are kept as sent', () => {
  const s = { ...spanWith(0, { attributes: 1, events: 1, links: 1 }), droppedAttributesCount: 7, droppedEventsCount: 2, droppedLinksCount: 1 };
  const { batch, hits } = decodeBoth(req([s]), {});
  const [row] = batch.rows;
  assert.deepEqual([row!.dropped_attributes_count, row!.dropped_events_count, row!.dropped_links_count], [7, 2, 1]);
  assert.deepEqual(hits, noLimitHits());
});

test('attribute value length: long string values are cut with a marker, the span is kept; other values untouched', () => {
  const long = 'x'.repeat(25);
  const s = spanWith(0, { value: long, attributes: 2 });
  s.attributes!.push({ key: 'list', value: { arrayValue: { values: [{ stringValue: 'abcdefghij' }, { stringValue: 'klmnop' }] } } });
  const r = req([s], [kv.str('service.name', 'limits'), kv.str('resource.note', 'r'.repeat(40))]);
  const { batch, hits } = decodeBoth(r, { attributeValueLength: 10 });
  const [row] = batch.rows;
  assert.ok(row, 'the span is stored');
  assert.equal(row.span_attributes.long, `${'x'.repeat(10)}…[truncated 15 chars]`);
  assert.equal(row.span_attributes.a0, 'v0', 'a short value is untouched');
  assert.equal(row.span_attributes.a1, '1');
  assert.equal(row.attribute_types['span.a1'], 'int');
  // an array's stored text is longer than the limit: it becomes a cut string value (a cut JSON array would not parse)
  assert.match(row.span_attributes.list!, /^.{10}…\[truncated \d+ chars\]$/u);
  assert.equal(row.attribute_types['span.list'], undefined);
  assert.equal(row.resource.resource_attributes['resource.note'], `${'r'.repeat(10)}…[truncated 30 chars]`);
  assert.equal(row.resource.resource_attributes['service.name'], 'limits');
  assert.equal(hits.attribute_value_length, 3, 'span value, array value, resource value');
});

test('truncateValue never splits a surrogate pair', () => {
  assert.equal(truncateValue('ab😀cd', 3), 'ab…[truncated 4 chars]');
  assert.equal(truncateValue('ab😀cd', 4), 'ab😀…[truncated 2 chars]');
  assert.equal(truncateValue('abcdef', 3), 'abc…[truncated 3 chars]');
});

test('events and links per span: the first N are kept, the rest counted as dropped', () => {
  const s = { ...spanWith(0, { events: 4, links: 3 }), droppedEventsCount: 1 };
  const { batch, hits } = decodeBoth(req([s]), { eventsPerSpan: 1, linksPerSpan: 2 });
  const [row] = batch.rows;
  assert.deepEqual(row!['events.name'], ['e0']);
  assert.equal(row!['events.attributes'].length, 1);
  assert.equal(row!.attribute_types['event.0.n'], 'int');
  assert.equal(row!.attribute_types['event.1.n'], undefined, 'nothing of a dropped event is kept');
  assert.equal(row!.dropped_events_count, 1 + 3);
  assert.equal(row!['links.trace_id'].length, 2);
  assert.equal(row!['links.span_id'][1], hexId(901, 8));
  assert.equal(row!.attribute_types['link.2.first'], undefined);
  assert.equal(row!.dropped_links_count, 1);
  assert.deepEqual(hits, { attributes_per_span: 0, attribute_value_length: 0, events_per_span: 1, links_per_span: 1 });
});

test('spans per request: at the limit the request decodes; past it both formats refuse it whole, naming the variable and the count', () => {
  const spans = Array.from({ length: 5 }, (_, i) => spanWith(i));
  assert.equal(decodeBoth(req(spans.slice(0, 3)), { spansPerRequest: 3 }).batch.rows.length, 3);
  for (const decode of [() => decodeProtoTraces(encodeRequest(req(spans)), { limits: limits({ spansPerRequest: 3 }) }), () => decodeJsonTraces(JSON.stringify(req(spans)), { limits: limits({ spansPerRequest: 3 }) })]) {
    assert.throws(decode, (err: Error) => err instanceof SpanLimitError && err.spans === 5 && /5 spans/.test(err.message) && /EVENTSCOPE_MAX_SPANS_PER_REQUEST=3/.test(err.message));
  }
  // spans with invalid ids count too: the limit is on what the client sent
  const bad = spans.map((s) => ({ ...s, spanId: '' }));
  assert.throws(() => decodeProtoTraces(encodeRequest(req(bad)), { limits: limits({ spansPerRequest: 4 }) }), SpanLimitError);
});

test('dropped counts stay within UInt32', () => {
  const s = { ...spanWith(0, { attributes: 3 }), droppedAttributesCount: 0xffffffff };
  const { batch } = decodeBoth(req([s]), { attributesPerSpan: 1 });
  assert.equal(batch.rows[0]!.dropped_attributes_count, 0xffffffff);
});
