import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/minimal.js';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeProtoTraces } from '../../collector/otlp/proto.js';
import { decodeJsonTraces } from '../../collector/otlp/json.js';
import { DecodeError, i64ToDecimal, u64DiffToDecimal, u64ToDecimal } from '../../collector/otlp/decode.js';
import { typedAttributes, type AnyValue } from '../../lib/store/anyvalue.js';
import { SPAN_A, SPAN_B, SPAN_L, TRACE_A, TRACE_L, encodeRequest, kv, richRequest, type JKeyValue, type JSpan } from './otlp-request.js';

const span = (over: Partial<JSpan> = {}): JSpan => ({
  traceId: TRACE_A,
  spanId: SPAN_A,
  name: 'op',
  kind: 1,
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000000000001000',
  ...over,
});
const oneResource = (spans: JSpan[], resource: JKeyValue[] = [kv.str('service.name', 'svc')]) =>
  encodeRequest({ resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ spans }] }] });

/** The typed value a KeyValue list holds, in the canonical OTLP/JSON form the decoders rebuild. */
function expectedTyped(kvs: JKeyValue[]): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  for (const { key, value } of kvs) {
    if (!value || Object.keys(value).length === 0) out[key] = { stringValue: '' };
    else if (value.doubleValue !== undefined) out[key] = { doubleValue: value.doubleValue as number | 'NaN' };
    else if (value.intValue !== undefined) out[key] = { intValue: String(value.intValue) };
    else out[key] = value as AnyValue;
  }
  return out;
}

test('every attribute value type is stored as a string and rebuilds to the exact typed value', () => {
  const req = richRequest();
  const batch = decodeProtoTraces(encodeRequest(req));
  assert.equal(batch.rejectedSpans, 0);
  assert.equal(batch.rows.length, 2);
  const row = batch.rows[0]!;
  const a = row.span_attributes;
  assert.equal(a.s, 'hello wörld ✓');
  assert.equal(a.empty, '');
  assert.equal(a.t, 'true');
  assert.equal(a.f, 'false');
  assert.equal(a.i, '42');
  assert.equal(a.neg, '-7');
  assert.equal(a.big, '9007199254740993');
  assert.equal(a.max, '9223372036854775807');
  assert.equal(a.min, '-9223372036854775808');
  assert.equal(a.d, '1.5');
  assert.equal(a.whole, '2');
  assert.equal(a.tiny, '5e-324');
  assert.equal(a.nan, 'NaN');
  assert.equal(a.inf, '-Infinity');
  assert.equal(a.bytes, 'AAEC+v8=');
  assert.equal(a.arr, '["a",{"intValue":"-9007199254740993"},{"doubleValue":0.1},true,{"bytesValue":"AQI="},null,["nested"]]');
  assert.equal(a.strs, '["x","y\\"z"]');
  assert.equal(a.kv, '{"a":"1","n":{"intValue":"18"},"deep":{"kvlistValue":{"x":{"doubleValue":3.25}}}}');
  assert.equal(a.novalue, '');

  const t = row.attribute_types;
  assert.equal(t['span.s'], undefined);
  assert.equal(t['span.t'], 'bool');
  assert.equal(t['span.max'], 'int');
  assert.equal(t['span.nan'], 'double');
  assert.equal(t['span.bytes'], 'bytes');
  assert.equal(t['span.arr'], 'array');
  assert.equal(t['span.kv'], 'kvlist');
  // resource types live on the span's resource row, not on every span
  const rt = row.resource.attribute_types;
  assert.equal(rt['resource.process.pid'], 'int');
  assert.equal(rt['resource.t'], 'bool');
  assert.equal(t['resource.process.pid'], undefined);
  assert.equal(t['event.0.attempt'], 'int');
  assert.equal(t['link.0.sampled'], 'bool');

  const spanKvs = req.resourceSpans[0]!.scopeSpans![0]!.spans![0]!.attributes!;
  assert.deepEqual(typedAttributes(a, t, 'span.'), expectedTyped(spanKvs));
  assert.deepEqual(typedAttributes(row.resource.resource_attributes, rt, 'resource.'), expectedTyped(req.resourceSpans[0]!.resource!.attributes!));
  assert.deepEqual(typedAttributes(row['events.attributes'][0]!, t, 'event.0.'), { attempt: { intValue: '2' }, why: { stringValue: 'timeout' } });
  assert.deepEqual(typedAttributes(row['links.attributes'][0]!, t, 'link.0.'), { sampled: { boolValue: true }, 'messaging.message.id': { stringValue: 'm-1' } });
  // the child span has its own types (none), and shares the resource row (one object, one key)
  assert.deepEqual(batch.rows[1]!.attribute_types, {});
  assert.equal(batch.rows[1]!.resource, row.resource);
  assert.match(row.resource.resource_key, /^\d{1,20}$/);
});

test('span columns, events, links, status, scope and resource are decoded', () => {
  const [row, child] = decodeProtoTraces(encodeRequest(richRequest())).rows;
  assert.ok(row && child);
  assert.equal(row.trace_id, TRACE_A);
  assert.equal(row.span_id, SPAN_A);
  assert.equal(row.parent_span_id, '');
  assert.equal(row.trace_state, 'vendor=1');
  assert.equal(row.flags, 257);
  assert.equal(row.span_name, 'orders send');
  assert.equal(row.span_kind, 'PRODUCER');
  assert.equal(row.service_name, 'orders');
  assert.equal(row.host, 'node-1');
  assert.equal(row.scope_name, 'my-lib');
  assert.equal(row.scope_version, '1.2.3');
  assert.equal(row.status_code, 'ERROR');
  assert.equal(row.status_message, 'boom');
  assert.deepEqual(row['events.name'], ['retry', 'no attrs']);
  assert.deepEqual(row['events.timestamp'], ['1795683548265500000', '1795683548265600000']);
  assert.deepEqual(row['events.attributes'][1], {});
  assert.deepEqual(row['links.trace_id'], [TRACE_L]);
  assert.deepEqual(row['links.span_id'], [SPAN_L]);
  assert.deepEqual(row['links.trace_state'], ['k=v']);
  assert.equal(row.resource.resource_attributes['service.name'], 'orders');
  assert.equal(row.resource.resource_attributes['process.pid'], '4242');
  assert.equal(row.resource.service_name, 'orders');
  assert.equal(row.resource.scope_name, 'my-lib');
  assert.equal(row.resource.scope_version, '1.2.3');
  // normalized on the way
  assert.equal(row.msg_system, 'kafka');
  assert.equal(row.msg_operation, 'send');
  assert.equal(row.msg_destination, 'orders');
  assert.equal(row.msg_offset, '9007199254740993');

  assert.equal(child.span_id, SPAN_B);
  assert.equal(child.parent_span_id, SPAN_A);
  assert.equal(child.span_kind, 'INTERNAL');
  assert.equal(child.status_code, 'OK');
  assert.equal(child.status_message, '');
  assert.deepEqual(child['links.trace_id'], []);
});

test('nanosecond times and int64 values are exact', () => {
  const [row, child] = decodeProtoTraces(encodeRequest(richRequest())).rows;
  assert.equal(row!.timestamp, '1795683548265000001');
  assert.equal(row!.duration_ns, '1241888');
  assert.equal(child!.duration_ns, '0', 'end before start clamps to 0');

  const MAX = '9223372036854775807'; // the latest nanosecond DateTime64(9) stores (2262-04-11)
  const edges = ['0', '1', '4294967295', '4294967296', '9007199254740991', '9007199254740992', '9007199254740993', '1795683548265000001', MAX];
  const rows = decodeProtoTraces(
    oneResource(edges.map((t, i) => span({ spanId: (i + 1).toString(16).padStart(16, '0'), startTimeUnixNano: t, endTimeUnixNano: MAX }))),
  ).rows;
  assert.deepEqual(
    rows.map((r) => r.timestamp),
    edges,
  );
  assert.deepEqual(
    rows.map((r) => r.duration_ns),
    edges.map((t) => (BigInt(MAX) - BigInt(t)).toString()),
  );
  // beyond what the store can hold: that span alone is rejected
  const late = decodeProtoTraces(
    oneResource([span({ name: 'late', startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '18446744073709551615' }), span({ spanId: SPAN_B })]),
  );
  assert.equal(late.rows.length, 1);
  assert.equal(late.rejectedSpans, 1);
  assert.match(late.rejectionMessages[0]!, /late.*beyond 2262-04-11/);
  const nearEnd = (end: string) =>
    decodeProtoTraces(oneResource([span({ startTimeUnixNano: '9223372036854775797', endTimeUnixNano: end })]));
  assert.equal(nearEnd(MAX).rows[0]?.duration_ns, '10');
  assert.equal(nearEnd('9223372036854775808').rejectedSpans, 1, 'an end one nanosecond too late');

  // the formatting helpers against BigInt, over random and edge 64-bit values
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const pairs: [number, number][] = [
    [0, 0],
    [0xffffffff, 0xffffffff],
    [0, 0x80000000],
    [0xffffffff, 0x7fffffff],
    [0, 0x200000],
    [0xffffffff, 0x1fffff],
  ];
  for (let i = 0; i < 5000; i++) pairs.push([rnd(), i % 3 === 0 ? rnd() >>> (i % 32) : rnd()]);
  for (const [lo, hi] of pairs) {
    const u = (BigInt(hi) << 32n) | BigInt(lo);
    assert.equal(u64ToDecimal(lo, hi), u.toString());
    assert.equal(i64ToDecimal(lo, hi), BigInt.asIntN(64, u).toString());
  }
  for (let i = 0; i < 2000; i++) {
    const [a, b, c, d] = [rnd(), rnd() >>> 4, rnd(), rnd() >>> 4];
    const x = (BigInt(b) << 32n) | BigInt(a);
    const y = (BigInt(d) << 32n) | BigInt(c);
    assert.equal(u64DiffToDecimal(a, b, c, d), (x > y ? x - y : 0n).toString());
  }
});

test('the resource may follow its scope_spans, and unknown fields are skipped at every level', () => {
  const w = protobuf.Writer.create();
  w.uint32(0x7a0 | 0).uint32(99); // unknown field 244 (varint) in the request
  w.uint32(10).fork(); // ResourceSpans
  w.uint32(18).fork(); // scope_spans first
  w.uint32((9 << 3) | 1).fixed64(7); // unknown fixed64 in ScopeSpans
  w.uint32(18).fork(); // span
  w.uint32((99 << 3) | 2).string('ignored'); // unknown length-delimited
  w.uint32(10).bytes(Buffer.from(TRACE_A, 'hex'));
  w.uint32((98 << 3) | 5).fixed32(1); // unknown fixed32
  w.uint32(18).bytes(Buffer.from(SPAN_A, 'hex'));
  w.uint32(42).string('late');
  w.uint32(74).fork(); // attribute with an unknown field inside its AnyValue
  w.uint32(10).string('k');
  w.uint32(18).fork().uint32((20 << 3) | 0).uint32(5).uint32(10).string('v').ldelim();
  w.ldelim();
  w.uint32((12 << 3) | 0).uint32(3); // dropped_events_count: known to the proto, not decoded
  w.ldelim();
  w.ldelim(); // end scope_spans
  w.uint32(10).fork(); // resource after its spans
  w.uint32(10).fork().uint32(10).string('service.name').uint32(18).fork().uint32(10).string('late-svc').ldelim().ldelim();
  w.ldelim();
  w.uint32(26).string('https://schema'); // schema_url
  w.ldelim();
  const { rows, rejectedSpans } = decodeProtoTraces(w.finish());
  assert.equal(rejectedSpans, 0);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.service_name, 'late-svc');
  assert.equal(rows[0]!.span_name, 'late');
  assert.deepEqual(rows[0]!.span_attributes, { k: 'v' });
});

test('an invalid span is rejected alone; its siblings are kept', () => {
  const zeroTrace = '0'.repeat(32);
  const spans: JSpan[] = [
    span({ spanId: '0000000000000001', name: 'ok-1' }),
    span({ spanId: '0000000000000002', traceId: TRACE_A.slice(0, 30), name: 'short trace' }),
    span({ spanId: '0000000000000003', traceId: zeroTrace, name: 'zero trace' }),
    span({ spanId: undefined, name: 'no span id' }),
    span({ spanId: '0000000000000005', parentSpanId: 'abcdef', name: 'bad parent' }),
    span({ spanId: '0000000000000006', links: [{ traceId: TRACE_L, spanId: '0000000000000000' }], name: 'bad link' }),
    span({ spanId: '0000000000000007', name: 'ok-2' }),
  ];
  const batch = decodeProtoTraces(oneResource(spans));
  assert.deepEqual(
    batch.rows.map((r) => r.span_name),
    ['ok-1', 'ok-2'],
  );
  assert.equal(batch.rejectedSpans, 5);
  assert.equal(batch.rejectionMessages.length, 5);
  assert.match(batch.rejectionMessages[0]!, /short trace.*trace_id must be 16 bytes, got 15/);
  assert.match(batch.rejectionMessages[1]!, /zero trace.*trace_id is all zeros/);
  assert.match(batch.rejectionMessages[2]!, /no span id.*span_id must be 8 bytes, got 0/);
  assert.match(batch.rejectionMessages[3]!, /bad parent.*parent_span_id must be empty or 8 bytes, got 3/);
  assert.match(batch.rejectionMessages[4]!, /bad link.*link 0 has an invalid span_id/);

  const many = decodeProtoTraces(oneResource(Array.from({ length: 9 }, (_, i) => span({ traceId: zeroTrace, name: `z${i}` }))));
  assert.equal(many.rejectedSpans, 9);
  assert.equal(many.rejectionMessages.length, 5, 'only the first few reasons are kept');
});

test('service and host fall back as documented', () => {
  const decode = (resource: JKeyValue[]) => decodeProtoTraces(oneResource([span()], resource)).rows[0]!;
  assert.equal(decode([]).service_name, 'unknown_service');
  assert.equal(decode([]).host, 'unknown_service');
  assert.equal(decode([kv.str('service.name', 'a')]).host, 'a');
  assert.equal(decode([kv.str('service.name', 'a'), kv.str('service.instance.id', 'i-1')]).host, 'i-1');
  assert.equal(decode([kv.str('service.name', 'a'), kv.str('service.instance.id', 'i-1'), kv.str('host.name', 'h')]).host, 'h');
  // no resource message at all
  const bare = encodeRequest({ resourceSpans: [{ scopeSpans: [{ spans: [span()] }] }] });
  assert.equal(decodeProtoTraces(bare).rows[0]!.service_name, 'unknown_service');
});

test('undecodable bodies throw a DecodeError with a precise message, never another error', () => {
  assert.throws(() => decodeProtoTraces(Buffer.from('this is not a protobuf body')), DecodeError);
  assert.throws(() => decodeProtoTraces(Buffer.from('{"resourceSpans":[]}')), DecodeError);

  const body = encodeRequest(richRequest());
  // cut at the last byte: the outer length prefix now runs past the end
  assert.throws(() => decodeProtoTraces(body.subarray(0, body.length - 1)), (err: Error) => {
    assert.ok(err instanceof DecodeError);
    assert.match(err.message, /byte \d+/);
    assert.match(err.message, /runs past the end|truncated/);
    return true;
  });
  // every prefix either decodes (a cut on a field boundary is valid protobuf) or throws DecodeError
  let threw = 0;
  for (let n = 0; n < body.length; n++) {
    try {
      decodeProtoTraces(body.subarray(0, n));
    } catch (err) {
      assert.ok(err instanceof DecodeError, `prefix ${n}: ${String(err)}`);
      threw++;
    }
  }
  assert.ok(threw > body.length * 0.9);

  // random byte flips: only DecodeError, or a successful decode
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 3000; i++) {
    const copy = Buffer.from(body);
    for (let k = 0; k < 3; k++) copy[rnd() % copy.length] = rnd() & 0xff;
    try {
      decodeProtoTraces(copy);
    } catch (err) {
      assert.ok(err instanceof DecodeError, `mutation ${i}: ${String(err)}`);
    }
  }

  // a known field with the wrong wire type
  const wrong = protobuf.Writer.create();
  wrong.uint32(10).fork().uint32(18).fork().uint32(18).fork().uint32((1 << 3) | 0).uint32(5).ldelim().ldelim().ldelim();
  assert.throws(() => decodeProtoTraces(wrong.finish()), /Span field 1 has wire type 0/);

  // absurd nesting is refused, not a stack overflow
  let value: Record<string, unknown> = { stringValue: 'leaf' };
  for (let i = 0; i < 200; i++) value = { arrayValue: { values: [value] } };
  const deep = oneResource([span({ attributes: [{ key: 'deep', value }] })]);
  assert.throws(() => decodeProtoTraces(deep), /nested deeper than 64/);
});

test('an empty body is an empty request', () => {
  const batch = decodeProtoTraces(new Uint8Array(0));
  assert.deepEqual(batch, { rows: [], rejectedSpans: 0, rejectionMessages: [], bytes: 0 });
});

test('requests from the official OTLP serializers decode to the SDK spans, identically in protobuf and JSON', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'box', 'process.pid': 99, 'process.command_args': ['node', 'a.js'] }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('sdk-scope', '9.9.9');
  const root = tracer.startSpan('POST /orders', {
    kind: SpanKind.SERVER,
    startTime: [1795683548, 265000001],
    attributes: { 'http.request.method': 'POST', 'http.response.status_code': 201, ratio: 0.25, ok: true, tags: ['a', 'b'] },
  });
  const child = tracer.startSpan(
    'orders send',
    {
      kind: SpanKind.PRODUCER,
      startTime: [1795683548, 266000000],
      attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders', 'messaging.kafka.offset': 17 },
      links: [{ context: { traceId: TRACE_L, spanId: SPAN_L, traceFlags: 1 }, attributes: { why: 'batch' } }],
    },
    trace.setSpan(context.active(), root),
  );
  child.addEvent('enqueued', { depth: 3 }, [1795683548, 266500000]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'broker down' });
  child.end([1795683548, 267000000]);
  root.end([1795683548, 268000000]);
  const spans = exporter.getFinishedSpans();

  const proto = decodeProtoTraces(ProtobufTraceSerializer.serializeRequest(spans)!);
  const json = decodeJsonTraces(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!));
  assert.equal(proto.rows.length, 2);
  assert.deepEqual(
    json.rows,
    proto.rows.map((r) => r),
  );

  const byName = Object.fromEntries(proto.rows.map((r) => [r.span_name, r]));
  const r = byName['POST /orders']!;
  const c = byName['orders send']!;
  assert.equal(r.trace_id, root.spanContext().traceId);
  assert.equal(r.span_id, root.spanContext().spanId);
  assert.equal(c.parent_span_id, r.span_id);
  assert.equal(r.timestamp, '1795683548265000001');
  assert.equal(r.duration_ns, '2999999');
  assert.equal(r.span_kind, 'SERVER');
  assert.equal(r.service_name, 'checkout');
  assert.equal(r.host, 'box');
  assert.equal(r.scope_name, 'sdk-scope');
  assert.equal(r.scope_version, '9.9.9');
  assert.deepEqual(r.span_attributes, {
    'http.request.method': 'POST',
    'http.response.status_code': '201',
    ratio: '0.25',
    ok: 'true',
    tags: '["a","b"]',
  });
  assert.equal(r.attribute_types['span.http.response.status_code'], 'int');
  assert.equal(r.attribute_types['span.ratio'], 'double');
  assert.equal(r.resource.attribute_types['resource.process.command_args'], 'array');
  assert.equal(r.resource.resource_attributes['process.command_args'], '["node","a.js"]');
  assert.equal(c.status_code, 'ERROR');
  assert.equal(c.status_message, 'broker down');
  assert.deepEqual(c['events.name'], ['enqueued']);
  assert.deepEqual(c['events.timestamp'], ['1795683548266500000']);
  assert.deepEqual(c['events.attributes'], [{ depth: '3' }]);
  assert.deepEqual(c['links.trace_id'], [TRACE_L]);
  assert.deepEqual(c['links.span_id'], [SPAN_L]);
  assert.deepEqual(c['links.attributes'], [{ why: 'batch' }]);
  assert.equal(c.msg_operation, 'send');
  assert.equal(c.msg_offset, '17');
});
