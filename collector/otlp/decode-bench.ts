// Decoder throughput on realistic requests: real SDK spans (10-span traces, ~10 attributes each,
// a Node SDK resource) serialized by the official OTLP serializers, decoded in a loop.
//   npx tsx collector/otlp/decode-bench.ts [spansPerRequest=512] [seconds=3]
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeProtoTraces } from './proto.js';
import { decodeJsonTraces } from './json.js';

const spansPerRequest = Number(process.argv[2] ?? 512);
const seconds = Number(process.argv[3] ?? 3);

function buildSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'service.version': '1.4.2',
      'service.instance.id': '7f3c9a1e-2b4d-4e8f-9a0b-1c2d3e4f5a6b',
      'host.name': 'checkout-7d9f8b6c5-x2k4q',
      'process.pid': 4242,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': '20.20.2',
      'process.command_args': ['/usr/local/bin/node', '/app/dist/server.js'],
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': '2.12.1',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  const traces = Math.ceil(spansPerRequest / 10);
  for (let t = 0; t < traces; t++) {
    const root = tracer.startSpan('POST /api/orders', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'url.path': '/api/orders',
        'url.scheme': 'https',
        'http.route': '/api/orders',
        'http.response.status_code': 201,
        'server.address': 'shop.example.com',
        'server.port': 443,
        'client.address': '10.1.2.3',
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
        'network.protocol.version': '1.1',
      },
    });
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 0; i < 9; i++) {
      const kind = i % 3 === 0 ? SpanKind.PRODUCER : i % 3 === 1 ? SpanKind.CLIENT : SpanKind.INTERNAL;
      const child = tracer.startSpan(
        kind === SpanKind.PRODUCER ? 'orders send' : kind === SpanKind.CLIENT ? 'SELECT orders' : `validate step ${i}`,
        {
          kind,
          attributes:
            kind === SpanKind.PRODUCER
              ? {
                  'messaging.system': 'kafka',
                  'messaging.operation.type': 'send',
                  'messaging.destination.name': 'orders',
                  'messaging.destination.partition.id': String(i % 6),
                  'messaging.kafka.offset': 1_000_000 + t * 10 + i,
                  'messaging.message.id': `msg-${t}-${i}`,
                  'messaging.kafka.message.key': `customer-${t % 97}`,
                  'messaging.client.id': 'checkout-producer-1',
                  'server.address': 'kafka-0.kafka',
                  'server.port': 9092,
                }
              : kind === SpanKind.CLIENT
                ? {
                    'db.system.name': 'postgresql',
                    'db.namespace': 'orders',
                    'db.operation.name': 'SELECT',
                    'db.collection.name': 'orders',
                    'db.query.text': 'SELECT id, status, total FROM orders WHERE customer_id = $1 LIMIT 50',
                    'server.address': 'pg-primary',
                    'server.port': 5432,
                    'network.peer.address': '10.0.0.12',
                    'db.response.returned_rows': 12,
                    'db.client.connection.pool.name': 'main',
                  }
                : {
                    'app.step': i,
                    'app.order.id': `ord-${t}`,
                    'app.order.total': 129.95,
                    'app.order.items': 3,
                    'app.customer.tier': 'gold',
                    'app.feature.new_pricing': true,
                    'app.currency': 'EUR',
                    'app.region': 'eu-west-1',
                    'app.retry': 0,
                    'app.cache.hit': false,
                  },
        },
        ctx,
      );
      if (i === 4) child.addEvent('cache miss', { 'cache.key': `order:${t}` });
      if (i === 8) child.setStatus({ code: SpanStatusCode.ERROR, message: 'validation failed' });
      child.end();
    }
    root.end();
  }
  return exporter.getFinishedSpans().slice(0, spansPerRequest);
}

function cpuSeconds(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

function bench(label: string, body: Uint8Array, decode: (b: Uint8Array) => { rows: unknown[] }) {
  const spans = decode(body).rows.length;
  for (let i = 0; i < 200; i++) decode(body); // warm up
  let iterations = 0;
  const wall0 = performance.now();
  const cpu0 = cpuSeconds();
  while (performance.now() - wall0 < seconds * 1000) {
    for (let i = 0; i < 20; i++) decode(body);
    iterations += 20;
  }
  const wall = (performance.now() - wall0) / 1000;
  // CPU time is the honest figure on a shared machine; wall time is shown as well
  const cpu = cpuSeconds() - cpu0;
  const rate = (s: number) => `${((body.length * iterations) / s / 1e6).toFixed(1).padStart(6)} MB/s`;
  console.log(
    `${label.padEnd(9)} ${String(body.length).padStart(7)} B/request, ${spans} spans: ` +
      `${rate(cpu)} ${Math.round((spans * iterations) / cpu).toLocaleString('en').padStart(9)} spans/s per CPU-second ` +
      `(wall: ${rate(wall)}, ${((wall / iterations) * 1e3).toFixed(2)} ms/request)`,
  );
}

const spans = buildSpans();
const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
const json = JsonTraceSerializer.serializeRequest(spans)!;
bench('protobuf', proto, (b) => decodeProtoTraces(b));
bench('json', json, (b) => decodeJsonTraces(b));
