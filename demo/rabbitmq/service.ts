// One RabbitMQ service of the real-instrumentation proof, run in its own worker thread so it has
// its own OpenTelemetry globals and its own copy of amqplib patched by the official
// @opentelemetry/instrumentation-amqplib, exactly as a separate process would. No messaging span
// here is written by hand; the only hand-made span is the producer's business operation.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type * as Amqp from 'amqplib';

export interface RabbitServiceConfig {
  role: 'producer' | 'consumer';
  serviceName: string;
  /** OTLP/HTTP base URL */
  endpoint: string;
  exportIntervalMs: number;
  url: string;
  exchange: string;
  /** consumer: the queue it consumes (declared and bound by the parent) */
  queue?: string;
  /** consumer: nack with requeue the first delivery of messages marked `x-fail-once` */
  nackFirstDelivery?: boolean;
  /** consumer: the instrumentation links the consumer span to the producer instead of parenting */
  useLinksForConsume?: boolean;
}

/** parent → worker */
export type RabbitCommand =
  | { cmd: 'publish'; messages: { routingKey: string; messageId: string; body: unknown; failOnce?: boolean }[] }
  | { cmd: 'stop' };

/** worker → parent */
export type RabbitEvent =
  | { event: 'ready' }
  | { event: 'published'; messageIds: string[]; traceIds: string[] }
  | { event: 'delivered'; service: string; messageId: string; redelivered: boolean; outcome: 'ack' | 'nack-requeue' }
  | { event: 'stopped' }
  | { event: 'error'; message: string };

const cfg = workerData as RabbitServiceConfig;
const port = parentPort!;
const send = (e: RabbitEvent) => port.postMessage(e);

// 1. the SDK, registered globally (global within this worker thread only)
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({
    'service.name': cfg.serviceName,
    'service.namespace': 'demo-rabbitmq',
    'service.instance.id': `${cfg.serviceName}-1`,
    'host.name': `${cfg.serviceName}-host`,
  }),
  spanProcessors: [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: `${cfg.endpoint}/v1/traces` }), {
      scheduledDelayMillis: cfg.exportIntervalMs,
    }),
  ],
});
provider.register();

// 2. the official auto-instrumentation, before amqplib is loaded
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [new AmqplibInstrumentation({ useLinksForConsume: cfg.useLinksForConsume ?? false })],
});

// 3. amqplib through require(), which is what the instrumentation patches
const amqp = createRequire(import.meta.url)('amqplib') as typeof Amqp;

let connection: Amqp.ChannelModel | undefined;
let channel: Amqp.ConfirmChannel | Amqp.Channel | undefined;

async function startProducer(): Promise<void> {
  connection = await amqp.connect(cfg.url);
  const ch = await connection.createConfirmChannel();
  channel = ch;
  const tracer = trace.getTracer('demo-rabbitmq-producer');
  port.on('message', async (c: RabbitCommand) => {
    if (c.cmd !== 'publish') return;
    const traceIds: string[] = [];
    for (const m of c.messages) {
      // the business operation is ours; the publish span inside it is the instrumentation's
      await tracer.startActiveSpan('place order', { kind: SpanKind.INTERNAL }, async (span) => {
        traceIds.push(span.spanContext().traceId);
        ch.publish(cfg.exchange, m.routingKey, Buffer.from(JSON.stringify(m.body)), {
          messageId: m.messageId,
          contentType: 'application/json',
          type: 'OrderPlaced',
          headers: m.failOnce ? { 'x-fail-once': true } : {},
        });
        span.end();
      });
    }
    await ch.waitForConfirms();
    send({ event: 'published', messageIds: c.messages.map((m) => m.messageId), traceIds });
  });
}

async function startConsumer(): Promise<void> {
  connection = await amqp.connect(cfg.url);
  const ch = await connection.createChannel();
  channel = ch;
  await ch.prefetch(10);
  await ch.consume(cfg.queue!, (msg) => {
    if (!msg) return;
    const messageId = String(msg.properties.messageId ?? '');
    const failOnce = Boolean(msg.properties.headers?.['x-fail-once']);
    if (cfg.nackFirstDelivery && failOnce && !msg.fields.redelivered) {
      // a real failed attempt: RabbitMQ puts the message back and delivers it again
      ch.nack(msg, false, true);
      send({ event: 'delivered', service: cfg.serviceName, messageId, redelivered: false, outcome: 'nack-requeue' });
      return;
    }
    // a little work, so the consumer span has a duration
    setTimeout(() => {
      ch.ack(msg);
      send({ event: 'delivered', service: cfg.serviceName, messageId, redelivered: msg.fields.redelivered, outcome: 'ack' });
    }, 2);
  });
}

async function stop(): Promise<void> {
  try {
    await channel?.close();
  } catch {
    /* already closed */
  }
  try {
    await connection?.close();
  } catch {
    /* already closed */
  }
  await provider.shutdown(); // flushes the exporter
  send({ event: 'stopped' });
}

port.on('message', (c: RabbitCommand) => {
  if (c.cmd === 'stop') void stop().catch((err) => send({ event: 'error', message: String(err) }));
});

(cfg.role === 'producer' ? startProducer() : startConsumer()).then(
  () => send({ event: 'ready' }),
  (err) => send({ event: 'error', message: err instanceof Error ? err.message : String(err) }),
);
