// Test helper: encodes an OTLP/JSON-shaped ExportTraceServiceRequest as protobuf with protobufjs's
// Writer, written independently of the decoder, so one request object can be sent both ways.
// Only what the tests need: the OTLP/JSON field names, ids as hex, int64 as decimal strings.
import protobuf from 'protobufjs/minimal.js';

export interface JAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values: JAnyValue[] };
  kvlistValue?: { values: JKeyValue[] };
}
export interface JKeyValue {
  key: string;
  value?: JAnyValue;
}
export interface JSpan {
  traceId?: string;
  spanId?: string;
  traceState?: string;
  parentSpanId?: string;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: JKeyValue[];
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
  events?: { timeUnixNano?: string; name?: string; attributes?: JKeyValue[] }[];
  links?: { traceId?: string; spanId?: string; traceState?: string; attributes?: JKeyValue[]; flags?: number }[];
  status?: { code?: number; message?: string };
}
export interface JRequest {
  resourceSpans: {
    resource?: { attributes?: JKeyValue[] };
    scopeSpans?: { scope?: { name?: string; version?: string; attributes?: JKeyValue[] }; spans?: JSpan[]; schemaUrl?: string }[];
    schemaUrl?: string;
  }[];
}

type W = protobuf.Writer;
const LD = 2;
const tag = (field: number, wire: number) => (field << 3) | wire;

function message(w: W, field: number, body: (w: W) => void): void {
  w.uint32(tag(field, LD)).fork();
  body(w);
  w.ldelim();
}

function anyValue(w: W, v: JAnyValue): void {
  if (v.stringValue !== undefined) w.uint32(tag(1, LD)).string(v.stringValue);
  if (v.boolValue !== undefined) w.uint32(tag(2, 0)).bool(v.boolValue);
  if (v.intValue !== undefined) w.uint32(tag(3, 0)).int64(String(v.intValue));
  if (v.doubleValue !== undefined) w.uint32(tag(4, 1)).double(Number(v.doubleValue));
  if (v.arrayValue) message(w, 5, (w) => v.arrayValue!.values.forEach((e) => message(w, 1, (w) => anyValue(w, e))));
  if (v.kvlistValue) message(w, 6, (w) => v.kvlistValue!.values.forEach((kv) => message(w, 1, (w) => keyValue(w, kv))));
  if (v.bytesValue !== undefined) w.uint32(tag(7, LD)).bytes(Buffer.from(v.bytesValue, 'base64'));
}

function keyValue(w: W, kv: JKeyValue): void {
  w.uint32(tag(1, LD)).string(kv.key);
  if (kv.value) message(w, 2, (w) => anyValue(w, kv.value!));
}

function attributes(w: W, field: number, kvs: JKeyValue[] | undefined): void {
  for (const kv of kvs ?? []) message(w, field, (w) => keyValue(w, kv));
}

const hex = (s: string) => Buffer.from(s, 'hex');

function span(w: W, s: JSpan): void {
  if (s.traceId !== undefined) w.uint32(tag(1, LD)).bytes(hex(s.traceId));
  if (s.spanId !== undefined) w.uint32(tag(2, LD)).bytes(hex(s.spanId));
  if (s.traceState) w.uint32(tag(3, LD)).string(s.traceState);
  if (s.parentSpanId) w.uint32(tag(4, LD)).bytes(hex(s.parentSpanId));
  if (s.name !== undefined) w.uint32(tag(5, LD)).string(s.name);
  if (s.kind) w.uint32(tag(6, 0)).int32(s.kind);
  if (s.startTimeUnixNano) w.uint32(tag(7, 1)).fixed64(s.startTimeUnixNano);
  if (s.endTimeUnixNano) w.uint32(tag(8, 1)).fixed64(s.endTimeUnixNano);
  attributes(w, 9, s.attributes);
  if (s.droppedAttributesCount) w.uint32(tag(10, 0)).uint32(s.droppedAttributesCount);
  for (const e of s.events ?? []) {
    message(w, 11, (w) => {
      if (e.timeUnixNano) w.uint32(tag(1, 1)).fixed64(e.timeUnixNano);
      if (e.name) w.uint32(tag(2, LD)).string(e.name);
      attributes(w, 3, e.attributes);
    });
  }
  for (const l of s.links ?? []) {
    message(w, 13, (w) => {
      if (l.traceId !== undefined) w.uint32(tag(1, LD)).bytes(hex(l.traceId));
      if (l.spanId !== undefined) w.uint32(tag(2, LD)).bytes(hex(l.spanId));
      if (l.traceState) w.uint32(tag(3, LD)).string(l.traceState);
      attributes(w, 4, l.attributes);
      if (l.flags) w.uint32(tag(6, 5)).fixed32(l.flags);
    });
  }
  if (s.droppedEventsCount) w.uint32(tag(12, 0)).uint32(s.droppedEventsCount);
  if (s.droppedLinksCount) w.uint32(tag(14, 0)).uint32(s.droppedLinksCount);
  if (s.status) {
    message(w, 15, (w) => {
      if (s.status!.message) w.uint32(tag(2, LD)).string(s.status!.message);
      if (s.status!.code) w.uint32(tag(3, 0)).int32(s.status!.code);
    });
  }
  if (s.flags) w.uint32(tag(16, 5)).fixed32(s.flags);
}

/** Encodes the request as an ExportTraceServiceRequest protobuf body. */
export function encodeRequest(req: JRequest): Buffer {
  const w = protobuf.Writer.create();
  for (const rs of req.resourceSpans) {
    message(w, 1, (w) => {
      if (rs.resource) message(w, 1, (w) => attributes(w, 1, rs.resource!.attributes));
      for (const ss of rs.scopeSpans ?? []) {
        message(w, 2, (w) => {
          if (ss.scope) {
            message(w, 1, (w) => {
              if (ss.scope!.name) w.uint32(tag(1, LD)).string(ss.scope!.name);
              if (ss.scope!.version) w.uint32(tag(2, LD)).string(ss.scope!.version);
              attributes(w, 3, ss.scope!.attributes);
            });
          }
          for (const s of ss.spans ?? []) message(w, 2, (w) => span(w, s));
          if (ss.schemaUrl) w.uint32(tag(3, LD)).string(ss.schemaUrl);
        });
      }
      if (rs.schemaUrl) w.uint32(tag(3, LD)).string(rs.schemaUrl);
    });
  }
  return Buffer.from(w.finish());
}

/** A string attribute, an int attribute … (OTLP/JSON KeyValue builders). */
export const kv = {
  str: (key: string, v: string): JKeyValue => ({ key, value: { stringValue: v } }),
  int: (key: string, v: string | number): JKeyValue => ({ key, value: { intValue: String(v) } }),
  bool: (key: string, v: boolean): JKeyValue => ({ key, value: { boolValue: v } }),
  double: (key: string, v: number): JKeyValue => ({ key, value: { doubleValue: v } }),
};

export const TRACE_A = '5b8efff798038103d269b633813fc60c';
export const SPAN_A = 'eee19b7ec3c1b174';
export const SPAN_B = 'eee19b7ec3c1b175';
export const TRACE_L = '0af7651916cd43dd8448eb211c80319c';
export const SPAN_L = 'b7ad6b7169203331';

/** Every attribute value type, in span, resource, scope, event and link attributes; exact 64-bit edges. */
export function richRequest(): JRequest {
  const everyType: JKeyValue[] = [
    kv.str('s', 'hello wörld ✓'),
    kv.str('empty', ''),
    kv.bool('t', true),
    kv.bool('f', false),
    kv.int('i', 42),
    kv.int('neg', '-7'),
    kv.int('big', '9007199254740993'), // 2^53 + 1: not a double
    kv.int('max', '9223372036854775807'),
    kv.int('min', '-9223372036854775808'),
    kv.double('d', 1.5),
    kv.double('whole', 2),
    kv.double('tiny', 5e-324),
    { key: 'nan', value: { doubleValue: 'NaN' } },
    { key: 'inf', value: { doubleValue: '-Infinity' } },
    { key: 'bytes', value: { bytesValue: Buffer.from([0, 1, 2, 250, 255]).toString('base64') } },
    { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '-9007199254740993' }, { doubleValue: 0.1 }, { boolValue: true }, { bytesValue: 'AQI=' }, {}, { arrayValue: { values: [{ stringValue: 'nested' }] } }] } } },
    { key: 'strs', value: { arrayValue: { values: [{ stringValue: 'x' }, { stringValue: 'y"z' }] } } },
    {
      key: 'kv',
      value: {
        kvlistValue: {
          values: [
            { key: 'a', value: { stringValue: '1' } },
            { key: 'n', value: { intValue: '18' } },
            { key: 'deep', value: { kvlistValue: { values: [{ key: 'x', value: { doubleValue: 3.25 } }] } } },
          ],
        },
      },
    },
    { key: 'novalue' },
  ];
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [kv.str('service.name', 'orders'), kv.str('host.name', 'node-1'), kv.int('process.pid', 4242), ...everyType.slice(0, 3)],
        },
        scopeSpans: [
          {
            scope: { name: 'my-lib', version: '1.2.3', attributes: [kv.str('scope.attr', 'x')] },
            spans: [
              {
                traceId: TRACE_A,
                spanId: SPAN_A,
                traceState: 'vendor=1',
                flags: 257,
                name: 'orders send',
                kind: 4,
                startTimeUnixNano: '1795683548265000001',
                endTimeUnixNano: '1795683548266241889',
                attributes: [
                  ...everyType,
                  kv.str('messaging.system', 'kafka'),
                  kv.str('messaging.destination.name', 'orders'),
                  kv.int('messaging.kafka.offset', '9007199254740993'),
                ],
                events: [
                  { timeUnixNano: '1795683548265500000', name: 'retry', attributes: [kv.int('attempt', 2), kv.str('why', 'timeout')] },
                  { timeUnixNano: '1795683548265600000', name: 'no attrs' },
                ],
                links: [{ traceId: TRACE_L, spanId: SPAN_L, traceState: 'k=v', attributes: [kv.bool('sampled', true), kv.str('messaging.message.id', 'm-1')] }],
                status: { code: 2, message: 'boom' },
              },
              {
                traceId: TRACE_A,
                spanId: SPAN_B,
                parentSpanId: SPAN_A,
                name: 'child',
                kind: 1,
                startTimeUnixNano: '1795683548266000000',
                endTimeUnixNano: '1795683548265000000', // ends before it starts: duration clamps to 0
                status: { code: 1 },
              },
            ],
          },
        ],
      },
    ],
  };
}
