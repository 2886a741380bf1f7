import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJsonTraces } from '../../collector/otlp/json.js';
import { decodeProtoTraces } from '../../collector/otlp/proto.js';
import { DecodeError } from '../../collector/otlp/decode.js';
import { SPAN_A, SPAN_B, TRACE_A, encodeRequest, kv, richRequest } from './otlp-request.js';

const request = (spans: unknown[], resource: unknown[] = [kv.str('service.name', 'svc')]) => ({
  resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: 'lib' }, spans }] }],
});
const span = (over: Record<string, unknown> = {}) => ({
  traceId: TRACE_A,
  spanId: SPAN_A,
  name: 'op',
  kind: 1,
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000000000001000',
  ...over,
});
const decode = (doc: unknown) => decodeJsonTraces(JSON.stringify(doc));

test('the same request as JSON and as protobuf gives identical rows', () => {
  const req = richRequest();
  const fromJson = decodeJsonTraces(Buffer.from(JSON.stringify(req)));
  const fromProto = decodeProtoTraces(encodeRequest(req));
  assert.equal(fromJson.rows.length, 2);
  assert.deepEqual(fromJson.rows, fromProto.rows);
  assert.equal(fromJson.rejectedSpans, 0);
  assert.equal(fromJson.bytes, Buffer.byteLength(JSON.stringify(req)));
});

test('enums are accepted as names and as integers', () => {
  const rows = decode(
    request([
      span({ spanId: '0000000000000001', kind: 'SPAN_KIND_PRODUCER', status: { code: 'STATUS_CODE_ERROR', message: 'x' } }),
      span({ spanId: '0000000000000002', kind: 5, status: { code: 1 } }),
      span({ spanId: '0000000000000003', kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_UNSET' } }),
      span({ spanId: '0000000000000004', kind: 'CONSUMER', status: {} }),
      span({ spanId: '0000000000000005', kind: 99, status: { code: 7 } }),
    ]),
  ).rows;
  assert.deepEqual(
    rows.map((r) => [r.span_kind, r.status_code]),
    [
      ['PRODUCER', 'ERROR'],
      ['CONSUMER', 'OK'],
      ['CLIENT', 'UNSET'],
      ['CONSUMER', 'UNSET'],
      ['UNSPECIFIED', 'UNSET'],
    ],
  );
  assert.equal(rows[0]!.status_message, 'x');
});

test('int64 values are accepted as strings and as numbers, and stay exact', () => {
  const [row] = decode(
    request([
      span({
        startTimeUnixNano: 1700000000000000, // a number (microsecond-ish magnitude, still a safe integer)
        endTimeUnixNano: '1700000000000250',
        attributes: [
          { key: 'asNumber', value: { intValue: 12 } },
          { key: 'asString', value: { intValue: '-9223372036854775808' } },
          { key: 'padded', value: { intValue: '+0042' } },
          { key: 'dblString', value: { doubleValue: '2.5' } },
          { key: 'inf', value: { doubleValue: 'Infinity' } },
        ],
        events: [{ timeUnixNano: 1700000000000100, name: 'e' }],
        flags: '257',
      }),
    ]),
  ).rows;
  assert.ok(row);
  assert.equal(row.timestamp, '1700000000000000');
  assert.equal(row.duration_ns, '250');
  assert.deepEqual(row['events.timestamp'], ['1700000000000100']);
  assert.equal(row.flags, 257);
  assert.deepEqual(row.span_attributes, { asNumber: '12', asString: '-9223372036854775808', padded: '42', dblString: '2.5', inf: 'Infinity' });
  assert.equal(row.attribute_types['span.asNumber'], 'int');
  assert.equal(row.attribute_types['span.dblString'], 'double');
});

test('snake_case field names are accepted and unknown fields ignored', () => {
  const doc = {
    resource_spans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }], dropped_attributes_count: 0, future: 1 },
        scope_spans: [
          {
            scope: { name: 'lib', version: '1', extra: true },
            spans: [
              {
                trace_id: TRACE_A,
                span_id: SPAN_B,
                parent_span_id: SPAN_A,
                trace_state: 'a=b',
                name: 'snake span',
                kind: 2,
                start_time_unix_nano: '1700000000000000000',
                end_time_unix_nano: '1700000000000000500',
                attributes: [{ key: 'n', value: { int_value: '5' } }],
                links: [{ trace_id: TRACE_A, span_id: SPAN_A, trace_state: '' }],
                something_new: { nested: [1, 2, 3] },
              },
            ],
          },
        ],
      },
    ],
    unknownTopLevel: 'ignored',
  };
  const { rows, rejectedSpans } = decode(doc);
  assert.equal(rejectedSpans, 0);
  const row = rows[0]!;
  assert.equal(row.service_name, 'snake');
  assert.equal(row.span_id, SPAN_B);
  assert.equal(row.parent_span_id, SPAN_A);
  assert.equal(row.trace_state, 'a=b');
  assert.equal(row.span_kind, 'SERVER');
  assert.equal(row.duration_ns, '500');
  assert.deepEqual(row.span_attributes, { n: '5' });
  assert.deepEqual(row['links.span_id'], [SPAN_A]);
});

test('ids must be hex: an invalid id rejects that span alone; uppercase hex is accepted', () => {
  const batch = decode(
    request([
      span({ spanId: '0000000000000001', name: 'ok' }),
      span({ spanId: 'zz00000000000002', name: 'bad hex' }),
      span({ spanId: '0000000000000003', traceId: 'W47/95gDgQPSabYzgT/GDA==', name: 'base64 trace id' }),
      span({ spanId: '0000000000000004', traceId: TRACE_A.toUpperCase(), name: 'upper' }),
      span({ spanId: '0000000000000005', parentSpanId: '123', name: 'odd parent' }),
      span({ spanId: '0000000000000006', links: [{ traceId: TRACE_A, spanId: 'nothex!!' }], name: 'bad link' }),
      span({ spanId: '0000000000000007', traceId: '', name: 'empty trace' }),
    ]),
  );
  assert.deepEqual(
    batch.rows.map((r) => r.span_name),
    ['ok', 'upper'],
  );
  assert.equal(batch.rows[1]!.trace_id, TRACE_A);
  assert.equal(batch.rejectedSpans, 5);
  assert.match(batch.rejectionMessages[0]!, /bad hex.*spanId is not hex/);
  assert.match(batch.rejectionMessages[1]!, /base64 trace id.*traceId is not hex/);
  assert.match(batch.rejectionMessages[2]!, /odd parent.*parentSpanId is not hex/);
  assert.match(batch.rejectionMessages[3]!, /bad link.*links\[0\]\.spanId is not hex/);
  assert.match(batch.rejectionMessages[4]!, /empty trace.*trace_id must be 16 bytes, got 0/);
});

test('bodies that are not an OTLP/JSON request throw a DecodeError naming the problem', () => {
  const bad = (body: string, pattern: RegExp) =>
    assert.throws(() => decodeJsonTraces(body), (err: Error) => {
      assert.ok(err instanceof DecodeError, String(err));
      assert.match(err.message, pattern);
      return true;
    });
  bad('{"resourceSpans": [', /invalid JSON/);
  bad('', /invalid JSON/);
  bad('[]', /must be a JSON object/);
  bad('"text"', /must be a JSON object/);
  bad('{"resourceSpans": {}}', /resourceSpans must be an array/);
  bad(JSON.stringify({ resourceSpans: [5] }), /resourceSpans\[0\] must be an object/);
  bad(JSON.stringify(request([span({ name: 5 })])), /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.name must be a string/);
  bad(JSON.stringify(request([span({ startTimeUnixNano: '-5' })])), /startTimeUnixNano must be an unsigned 64-bit integer/);
  bad(JSON.stringify(request([span({ startTimeUnixNano: 1.5 })])), /startTimeUnixNano/);
  bad(JSON.stringify(request([span({ attributes: [{ key: 'k', value: { intValue: 'twelve' } }] })])), /attributes\[0\]\.value\.intValue must be a 64-bit integer/);
  bad(JSON.stringify(request([span({ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] })])), /intValue must be a 64-bit integer/);
  bad(JSON.stringify(request([span({ attributes: [{ key: 'k', value: { boolValue: 'yes' } }] })])), /boolValue must be true or false/);
  bad(JSON.stringify(request([span({ attributes: [{ key: 'k', value: { bytesValue: 'not base64!' } }] })])), /bytesValue must be base64/);
  bad(JSON.stringify(request([span({ kind: { x: 1 } })])), /kind must be an enum/);
  bad(JSON.stringify(request([span({ flags: -1 })])), /flags must be an unsigned 32-bit integer/);

  let value: unknown = { stringValue: 'leaf' };
  for (let i = 0; i < 100; i++) value = { arrayValue: { values: [value] } };
  bad(JSON.stringify(request([span({ attributes: [{ key: 'deep', value }] })])), /nested deeper than 64/);
});

test('empty and null parts are defaults, not errors', () => {
  assert.deepEqual(decodeJsonTraces('{}').rows, []);
  assert.deepEqual(decodeJsonTraces('{"resourceSpans":null}').rows, []);
  const { rows } = decode({ resourceSpans: [{ resource: null, scopeSpans: [{ scope: null, spans: [span({ attributes: null, status: null })] }] }] });
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.service_name, 'unknown_service');
  assert.equal(rows[0]!.scope_name, '');
  assert.equal(rows[0]!.status_code, 'UNSET');
});

test('bytes values are stored in canonical base64 whatever padding the sender used', () => {
  const [row] = decode(request([span({ attributes: [{ key: 'b', value: { bytesValue: 'AQID' } }, { key: 'url', value: { bytesValue: '-_8' } }] })])).rows;
  assert.equal(row!.span_attributes.b, 'AQID');
  assert.equal(row!.span_attributes.url, '+/8=');
});
