// The broker's own numbers (issue 11): the official OTel JS metrics SDK with its OTLP exporters
// (HTTP/JSON, HTTP/protobuf and gRPC) sends gauge and sum points named like the Collector's
// kafkametrics and rabbitmq receivers; /api/lag shows them beside the trace-derived lag, including a
// group no span tells of, and the flow map carries them. Ingest tokens apply to /v1/metrics and
// the MetricsService, and bad bodies are 400 with a precise message.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Metadata } from '@grpc/grpc-js';
import { ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as HttpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as HttpProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, request, type Span } from '../support/otlp.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const TOPIC = 'bm-orders';
const TRACED_GROUP = 'bm-billing';
const SILENT_GROUP = 'bm-audit'; // no consumer runs: only the broker knows of it
const QUEUE = 'bm-emails';

let es: TestEventscope;

before(async () => {
  es = await startTestEventscope({ EVENTSCOPE_INGEST_TOKENS: `collector:${TOKEN}` });
});
after(async () => {
  await es?.close();
});

/** Records the points with a fresh MeterProvider and pushes them once through `exporter`. */
async function sendWith(exporter: PushMetricExporter, record: (p: MeterProvider) => void, resource: Record<string, string> = {}): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'otel-collector', ...resource }), readers: [reader] });
  record(provider);
  // shutting down exports once, and reports a failed export
  await provider.shutdown();
}

/** Exports through `exporter` directly and returns what it reported (the SDK's ExportResult). */
async function exportResult(exporter: PushMetricExporter, record: (p: MeterProvider) => void): Promise<{ code: number; error?: Error }> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'otel-collector' }), readers: [reader] });
  record(provider);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return new Promise((resolve) => exporter.export(resourceMetrics, (r) => resolve(r)));
}

class ManualReader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

const headers = { Authorization: `Bearer ${TOKEN}` };

function kafkaLag(p: MeterProvider) {
  const m = p.getMeter('kafkametricsreceiver');
  const lag = m.createGauge('kafka.consumer_group.lag', { valueType: ValueType.INT });
  lag.record(40, { group: TRACED_GROUP, topic: TOPIC, partition: 0 });
  lag.record(2, { group: TRACED_GROUP, topic: TOPIC, partition: 1 });
  lag.record(120, { group: SILENT_GROUP, topic: TOPIC, partition: 0 });
  lag.record(-1, { group: SILENT_GROUP, topic: TOPIC, partition: 1 }); // no committed offset yet
  const offset = m.createGauge('kafka.consumer_group.offset', { valueType: ValueType.INT });
  offset.record(960, { group: TRACED_GROUP, topic: TOPIC, partition: 0 });
  m.createGauge('kafka.partition.current_offset', { valueType: ValueType.INT }).record(1000, { topic: TOPIC, partition: 0 });
  m.createGauge('kafka.consumer_group.lag_sum', { valueType: ValueType.INT }).record(42, { group: TRACED_GROUP, topic: TOPIC });
  const members = m.createUpDownCounter('kafka.consumer_group.members', { valueType: ValueType.INT });
  members.add(2, { group: TRACED_GROUP });
  members.add(0, { group: SILENT_GROUP });
  // not a broker metric: acknowledged, not stored
  m.createHistogram('http.client.duration').record(5);
}

function rabbitDepth(p: MeterProvider) {
  const m = p.getMeter('rabbitmqreceiver');
  const current = m.createUpDownCounter('rabbitmq.message.current', { valueType: ValueType.INT });
  current.add(17, { state: 'ready' });
  current.add(3, { state: 'unacknowledged' });
  m.createUpDownCounter('rabbitmq.consumer.count', { valueType: ValueType.INT }).add(1);
  m.createCounter('rabbitmq.message.published', { valueType: ValueType.INT }).add(500);
}

describe('broker metrics through the official OTel JS metrics exporters', () => {
  it('Kafka receiver gauges over OTLP/HTTP JSON and RabbitMQ queue depth over OTLP/HTTP protobuf are stored as sent', async () => {
    await sendWith(new HttpJsonExporter({ url: `${es.otlpHttpUrl}/v1/metrics`, headers }), kafkaLag);
    await sendWith(new HttpProtoExporter({ url: `${es.otlpHttpUrl}/v1/metrics`, headers, temporalityPreference: AggregationTemporality.DELTA }), rabbitDepth, {
      'rabbitmq.queue.name': QUEUE,
      'rabbitmq.vhost.name': '/',
      'rabbitmq.node.name': 'rabbit@bm',
    });
    const rows = await es.store.query<{ metric: string; n: string; v: string; temporality: string; source: string }>(
      `SELECT metric, source, temporality, toString(count()) AS n, toString(sum(value)) AS v FROM ${es.store.database}.broker_metrics
        GROUP BY metric, source, temporality ORDER BY metric`,
      { name: 'test:broker-rows' },
    );
    const by = Object.fromEntries(rows.map((r) => [r.metric, r]));
    assert.equal(by['kafka.consumer_group.lag']?.n, '4');
    assert.equal(by['kafka.consumer_group.lag']?.v, String(40 + 2 + 120 - 1));
    assert.equal(by['kafka.consumer_group.lag']?.source, 'kafkametrics');
    assert.equal(by['kafka.consumer_group.lag']?.temporality, 'gauge');
    assert.equal(by['kafka.consumer_group.members']?.temporality, 'cumulative');
    assert.equal(by['rabbitmq.message.current']?.v, '20');
    // the delta preference applies to the monotonic counter: stored as received
    assert.equal(by['rabbitmq.message.published']?.temporality, 'delta');
    assert.equal(by['http.client.duration'], undefined, 'a histogram of another metric is not stored');
  });

  it('the gRPC MetricsService stores the same points (with the token in metadata)', async () => {
    const before = await count('kafka.consumer_group.lag_sum');
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    const exporter = new GrpcExporter({ url: es.otlpGrpcUrl, metadata });
    const r = await exportResult(exporter, (p) =>
      p.getMeter('kafkametricsreceiver').createGauge('kafka.consumer_group.lag_sum', { valueType: ValueType.INT }).record(42, { group: TRACED_GROUP, topic: TOPIC }),
    );
    await exporter.shutdown();
    assert.equal(r.code, 0, String(r.error));
    assert.equal((await count('kafka.consumer_group.lag_sum')) - before, 1);
  });

  it('/api/lag shows the broker beside the trace-derived lag, and a group only the broker knows', async () => {
    // the traced group: 5 published, 3 delivered in the last minutes → a trace backlog of 2
    const t = clock(Date.now() - 120_000);
    const spans: Span[] = [];
    for (let i = 0; i < 5; i++) {
      const p = t.span({ service: 'bm-shop', name: `${TOPIC} send`, kind: 'PRODUCER', start: i * 1000, attributes: messaging({ destination: TOPIC, operation: 'send', partition: 0, offset: 995 + i }) });
      spans.push(p);
      if (i < 3) spans.push(t.span({ service: 'bm-billing-svc', name: `${TOPIC} process`, kind: 'CONSUMER', parent: p, start: i * 1000 + 200, attributes: messaging({ destination: TOPIC, operation: 'process', group: TRACED_GROUP, partition: 0, offset: 995 + i }) }));
    }
    const res = await fetch(`${es.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(request(spans)) });
    assert.equal(res.status, 200, await res.text());
    await es.collector.pairing?.sync();
    const { status, body } = await es.api(`/api/lag?from=now-15m`);
    assert.equal(status, 200);
    const traced = body.groups.find((g: any) => g.destination === TOPIC && g.consumerGroup === TRACED_GROUP);
    assert.ok(traced, JSON.stringify(body.groups.map((g: any) => [g.destination, g.consumerGroup])));
    assert.equal(traced.current.backlog, 2, 'the trace-derived backlog');
    assert.equal(traced.brokerOnly, undefined);
    assert.equal(traced.broker.source, 'kafkametrics');
    assert.equal(traced.broker.lag, 42, 'the broker lag (lag_sum)');
    assert.equal(traced.broker.consumers, 2);
    assert.ok(Math.abs(Date.parse(traced.broker.at) - Date.now()) < 120_000, traced.broker.at);
    const p0 = traced.partitions.find((p: any) => p.partition === '0');
    assert.equal(p0.broker.lag, 40);
    assert.equal(p0.broker.offset, 960);
    assert.equal(p0.broker.endOffset, 1000);

    const silent = body.groups.find((g: any) => g.consumerGroup === SILENT_GROUP);
    assert.ok(silent, 'a group with only broker metrics is listed');
    assert.equal(silent.destination, TOPIC);
    assert.equal(silent.brokerOnly, true);
    assert.equal(silent.broker.lag, 120, 'the -1 of a partition without a committed offset is not counted');
    assert.equal(silent.broker.consumers, 0);
    assert.equal(silent.status, 'STOP');
    assert.match(silent.reason, /no consumer: the broker counts 120 messages waiting and 0 consumers/);
    assert.deepEqual(silent.partitions.map((p: any) => [p.partition, p.broker.lag]), [['0', 120], ['1', null]]);

    const queue = body.groups.find((g: any) => g.destination === QUEUE);
    assert.equal(queue.consumerGroup, QUEUE, 'RabbitMQ: the queue is the group');
    assert.deepEqual(
      { source: queue.broker.source, lag: queue.broker.lag, ready: queue.broker.ready, unacknowledged: queue.broker.unacknowledged, consumers: queue.broker.consumers },
      { source: 'rabbitmq', lag: 20, ready: 17, unacknowledged: 3, consumers: 1 },
    );

    // the filters apply to the broker's figures too
    const only = await es.api(`/api/lag?from=now-15m&group=${SILENT_GROUP}`);
    assert.deepEqual(only.body.groups.map((g: any) => g.consumerGroup), [SILENT_GROUP]);
  });

  it('the flow map carries the broker figures on the deliver edge and the destination node', async () => {
    const { body } = await es.api('/api/topology?from=now-15m');
    const edge = body.edges.find((e: any) => e.kind === 'deliver' && e.group === TRACED_GROUP);
    assert.equal(edge.broker.lag, 42);
    assert.equal(edge.broker.source, 'kafkametrics');
    const topic = body.nodes.find((n: any) => n.kind === 'destination' && n.label === TOPIC);
    assert.equal(topic.broker.lag, 120, 'the most lagging group of the topic');
    assert.equal(topic.broker.consumerGroup, SILENT_GROUP);
    const queue = body.nodes.find((n: any) => n.kind === 'destination' && n.label === QUEUE);
    assert.ok(queue, 'a queue no span tells of appears with its depth');
    assert.equal(queue.broker.lag, 20);
  });
});

describe('broker metrics ingest protections', () => {
  it('without the ingest token: 401 over HTTP and UNAUTHENTICATED over gRPC, nothing stored', async () => {
    const before = await count('kafka.consumer_group.lag');
    const noToken = await exportResult(new HttpJsonExporter({ url: `${es.otlpHttpUrl}/v1/metrics` }), kafkaLag);
    assert.equal(noToken.code, 1, 'the exporter reports a failure');
    const res = await fetch(`${es.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' }, body: '{}' });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).code, 16);
    const grpc = await exportResult(new GrpcExporter({ url: es.otlpGrpcUrl }), kafkaLag);
    assert.equal(grpc.code, 1);
    assert.match(String(grpc.error?.message), /UNAUTHENTICATED|16/);
    assert.equal(await count('kafka.consumer_group.lag'), before);
  });

  it('bad bodies are 400 with a message; bad points are refused alone beside good ones', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${es.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
    const notJson = await post('{"resourceMetrics": [');
    assert.equal(notJson.status, 400);
    assert.match((await notJson.json()).message, /cannot decode the json metrics request: invalid JSON/);
    const wrongShape = await post(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'kafka.consumer_group.lag', gauge: { dataPoints: [{ asInt: 'lots' }] } }] }] }] }));
    assert.equal(wrongShape.status, 400);
    assert.match((await wrongShape.json()).message, /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[0\]\.asInt must be a 64-bit integer/);
    const badProto = await post('\x0a\x09\x01', 'application/x-protobuf');
    assert.equal(badProto.status, 400);
    assert.equal((await post('x', 'text/plain')).status, 415);
    // the body limit of traces applies: over it (here decompressed from a small gzip body) is 413
    const big = gzipSync(Buffer.alloc(es.config.maxBodyBytes + 1, 0x20));
    const tooBig = await fetch(`${es.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...headers }, body: big });
    assert.equal(tooBig.status, 413);
    assert.match((await tooBig.json()).message, /exceeds the limit of \d+ bytes/);

    const nowNs = String(BigInt(Date.now()) * 1_000_000n);
    const attrs = (group: string) => [
      { key: 'group', value: { stringValue: group } },
      { key: 'topic', value: { stringValue: 'bm-mixed' } },
      { key: 'partition', value: { intValue: '0' } },
    ];
    const mixed = await post(
      JSON.stringify({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'kafka.consumer_group.lag',
                    gauge: {
                      dataPoints: [
                        { timeUnixNano: nowNs, asInt: '7', attributes: attrs('bm-good') },
                        { timeUnixNano: nowNs, asDouble: 'NaN', attributes: attrs('bm-nan') },
                        { timeUnixNano: nowNs, asInt: '1', attributes: [] },
                      ],
                    },
                  },
                  { name: 'jvm.memory.used', sum: { dataPoints: [{ timeUnixNano: nowNs, asInt: '1' }] } },
                ],
              },
            ],
          },
        ],
      }),
    );
    assert.equal(mixed.status, 200);
    const reply = await mixed.json();
    assert.equal(reply.partialSuccess.rejectedDataPoints, '3', 'two bad points and one not stored');
    assert.match(reply.partialSuccess.errorMessage, /2 points rejected: .*value NaN is not a finite number.*attribute group is missing/);
    assert.match(reply.partialSuccess.errorMessage, /1 points not stored: .*jvm\.memory\.used/);
    const stored = await es.store.query<{ consumer_group: string }>(
      `SELECT consumer_group FROM ${es.store.database}.broker_metrics WHERE destination = 'bm-mixed'`,
      { name: 'test:mixed' },
    );
    assert.deepEqual(stored.map((r) => r.consumer_group), ['bm-good']);
  });
});

async function count(metric: string): Promise<number> {
  const [row] = await es.store.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${es.store.database}.broker_metrics WHERE metric = {m:String}`, {
    name: 'test:broker-count',
    params: { m: metric },
  });
  return Number(row?.n ?? 0);
}
