// The OTLP metrics decoders: the official JS SDK's own serializers (protobuf and JSON) encode real
// metric data; both decoders must produce the same broker_metrics rows, keep good points beside bad
// ones, count what they do not store, and refuse a body that is not a request with a precise error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueType } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { decodeProtoMetrics } from '../../collector/otlp/metrics-proto.js';
import { decodeJsonMetrics } from '../../collector/otlp/metrics-json.js';
import { nsToDateTime64, type DecodedMetrics } from '../../collector/otlp/metrics-decode.js';
import { DecodeError } from '../../collector/otlp/decode.js';

class ManualReader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

/** Real SDK metric data: Kafka receiver gauges, a RabbitMQ queue, and an unrelated histogram. */
async function sdkMetrics() {
  const reader = new ManualReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'otel-collector', 'rabbitmq.queue.name': 'orders', 'rabbitmq.vhost.name': '/', 'rabbitmq.node.name': 'rabbit@a' }),
    readers: [reader],
  });
  const meter = provider.getMeter('kafkametricsreceiver');
  const lag = meter.createGauge('kafka.consumer_group.lag', { valueType: ValueType.INT });
  lag.record(42, { group: 'billing', topic: 'orders', partition: 0 });
  lag.record(7, { group: 'billing', topic: 'orders', partition: 1 });
  meter.createGauge('kafka.consumer_group.lag_sum').record(49.5, { group: 'billing', topic: 'orders' });
  const depth = meter.createUpDownCounter('rabbitmq.message.current', { valueType: ValueType.INT });
  depth.add(12, { state: 'ready' });
  depth.add(3, { state: 'unacknowledged' });
  meter.createCounter('rabbitmq.message.published').add(100);
  meter.createHistogram('http.server.duration').record(12);
  meter.createGauge('kafka.consumer_group.members').record(2, { topic: 'orders' }); // no group: rejected alone
  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  await provider.shutdown();
  return resourceMetrics;
}

function byMetric(d: DecodedMetrics) {
  return d.rows.map((r) => `${r.metric}|${r.destination}|${r.consumer_group}|${r.partition}|${r.state}|${r.value}|${r.value_int}|${r.temporality}|${r.monotonic}`).sort();
}

test('the SDK protobuf and JSON encodings decode to the same rows, with the receivers’ names mapped', async () => {
  const rm = await sdkMetrics();
  const proto = decodeProtoMetrics(ProtobufMetricsSerializer.serializeRequest(rm)!);
  const json = decodeJsonMetrics(JsonMetricsSerializer.serializeRequest(rm)!);
  const expected = [
    'kafka.consumer_group.lag_sum|orders|billing|||49.5|null|gauge|0',
    'kafka.consumer_group.lag|orders|billing|0||42|42|gauge|0',
    'kafka.consumer_group.lag|orders|billing|1||7|7|gauge|0',
    'rabbitmq.message.current|orders|orders||ready|12|12|cumulative|0',
    'rabbitmq.message.current|orders|orders||unacknowledged|3|3|cumulative|0',
    'rabbitmq.message.published|orders|orders|||100|null|cumulative|1',
  ];
  for (const d of [proto, json]) {
    assert.deepEqual(byMetric(d), expected);
    // the members point without its group is refused alone, the histogram not stored
    assert.equal(d.rejectedPoints, 1);
    assert.match(d.rejectionMessages[0]!, /kafka\.consumer_group\.members point .*attribute group is missing/);
    assert.equal(d.ignoredPoints, 1);
    assert.deepEqual(d.ignoredMetrics, ['http.server.duration']);
    const rabbit = d.rows.find((r) => r.metric === 'rabbitmq.message.current')!;
    assert.equal(rabbit.source, 'rabbitmq');
    assert.equal(rabbit.vhost, '/');
    assert.equal(rabbit.node, 'rabbit@a');
    assert.equal(rabbit.service_name, 'otel-collector');
    const kafka = d.rows.find((r) => r.metric === 'kafka.consumer_group.lag')!;
    assert.equal(kafka.source, 'kafkametrics');
    assert.equal(kafka.system, 'kafka');
    assert.match(kafka.time, /^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}$/);
  }
  assert.deepEqual(proto.rows, json.rows);
});

const point = (extra: object) => ({ timeUnixNano: '1700000000123456789', attributes: [kv('group', 'g'), kv('topic', 't'), kvInt('partition', '3')], ...extra });
const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
const kvInt = (key: string, v: string) => ({ key, value: { intValue: v } });
const request = (metrics: object[], resource: object[] = []) => JSON.stringify({ resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ metrics }] }] });

test('bad points are refused alone, with their reasons; the good ones beside them are kept', () => {
  const d = decodeJsonMetrics(
    request([
      {
        name: 'kafka.consumer_group.lag',
        gauge: {
          dataPoints: [
            point({ asInt: '9007199254740993' }), // beyond 2^53: exact in value_int
            point({ asDouble: 'NaN' }),
            point({}), // no value
            point({ asInt: 1, timeUnixNano: '0' }),
            point({ asInt: 1, timeUnixNano: '18446744073709551615' }),
            point({ asInt: 1, attributes: [kv('group', 'g'), kv('topic', 't'), kv('partition', 'zero')] }),
            point({ flags: 1 }), // no recorded value: a staleness marker, skipped without complaint
          ],
        },
      },
      { name: 'rabbitmq.consumer.count', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', dataPoints: [point({ asInt: '2' })] } },
      { name: 'kafka.consumer_group.offset', histogram: { dataPoints: [{}, {}] } },
    ]),
  );
  assert.equal(d.rows.length, 1);
  assert.equal(d.rows[0]!.value_int, '9007199254740993');
  assert.equal(d.rows[0]!.partition, '3');
  assert.equal(d.rows[0]!.time, '2023-11-14 22:13:20.123456789');
  assert.equal(d.rejectedPoints, 6);
  const text = d.rejectionMessages.join('\n');
  assert.match(text, /dataPoints\[1\]: value NaN is not a finite number/);
  assert.match(text, /dataPoints\[2\]: has no value/);
  assert.match(text, /dataPoints\[3\]: time_unix_nano is missing/);
  assert.match(text, /dataPoints\[4\]: time is beyond 2262/);
  // at most five reasons are kept
  assert.equal(d.rejectionMessages.length, 5);
  // the sixth: the RabbitMQ point has no queue on its resource (its reason is past the five kept)
  // not stored: the staleness marker and the histogram's two points
  assert.equal(d.ignoredPoints, 1 + 2);
  assert.match(d.ignoredMetrics.join(), /kafka\.consumer_group\.offset \(histogram: only gauge and sum points are stored\)/);
});

test('a RabbitMQ point without its queue is refused; with it the queue is destination and group', () => {
  const sum = { name: 'rabbitmq.consumer.count', sum: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: '1700000000000000000', asInt: '0' }] } };
  const without = decodeJsonMetrics(request([sum]));
  assert.equal(without.rows.length, 0);
  assert.match(without.rejectionMessages[0]!, /rabbitmq\.queue\.name \(resource\) is missing/);
  const withQueue = decodeJsonMetrics(request([sum], [kv('rabbitmq.queue.name', 'emails')]));
  assert.equal(withQueue.rows[0]!.destination, 'emails');
  assert.equal(withQueue.rows[0]!.consumer_group, 'emails');
  assert.equal(withQueue.rows[0]!.value, 0);
});

test('a body that is not an ExportMetricsServiceRequest is a DecodeError naming where', () => {
  assert.throws(() => decodeJsonMetrics('{'), (e: unknown) => e instanceof DecodeError && /invalid JSON/.test(e.message));
  assert.throws(() => decodeJsonMetrics('[]'), /must be a JSON object/);
  assert.throws(() => decodeJsonMetrics('{"resourceMetrics":{}}'), /resourceMetrics must be an array/);
  assert.throws(
    () => decodeJsonMetrics(request([{ name: 'kafka.consumer_group.lag', gauge: { dataPoints: [point({ asInt: 'x' })] } }])),
    /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[0\]\.asInt must be a 64-bit integer/,
  );
  assert.throws(() => decodeJsonMetrics(request([{ name: 5 }])), /metrics\[0\]\.name must be a string/);
  // protobuf: a length prefix running past the end, and a known field with the wrong wire type
  assert.throws(() => decodeProtoMetrics(Buffer.from([0x0a, 0x05, 0x01])), (e: unknown) => e instanceof DecodeError && /runs past the end/.test(e.message));
  assert.throws(() => decodeProtoMetrics(Buffer.from([0x08, 0x01])), /ExportMetricsServiceRequest field 1 has wire type 0/);
  // an empty request is a valid request with nothing in it
  assert.equal(decodeProtoMetrics(Buffer.alloc(0)).rows.length, 0);
});

test('nanoseconds become DateTime64(9) text exactly', () => {
  assert.equal(nsToDateTime64('1700000000123456789'), '2023-11-14 22:13:20.123456789');
  assert.equal(nsToDateTime64('5'), '1970-01-01 00:00:00.000000005');
  assert.equal(nsToDateTime64('0'), '1970-01-01 00:00:00.000000000');
  assert.equal(nsToDateTime64('9223372036854775807'), '2262-04-11 23:47:16.854775807');
});
