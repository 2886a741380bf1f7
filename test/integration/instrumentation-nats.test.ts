// NATS JetStream, real broker at 127.0.0.1:4222, real client (@nats-io/transport-node + @nats-io/jetstream).
// No OpenTelemetry instrumentation for the Node.js NATS client exists on npm, so the app traces by hand
// as users do today (the OTel API, W3C context in the NATS headers) with the attributes the nats profile
// reads (collector/profiles/nats.ts); what matters comes from the broker: the stream sequence, the
// durable consumer and the delivery count of a real redelivery after a nak.
// Skips (saying why) when no broker answers.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { context, propagation, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { assertFlow, assertHousekeepingHidden, assertLag, assertRetry, tcpReachable } from './instrumentation-support.js';

const HOST = process.env.EVENTSCOPE_TEST_NATS_HOST ?? '127.0.0.1';
const PORT = Number(process.env.EVENTSCOPE_TEST_NATS_PORT ?? 4222);
const run = Date.now().toString(36);
const STREAM = `ORDERS_${run}`;
const SUBJECT = `orders-${run}.created`;
const DURABLE = 'shipping';
const PRODUCER = 'orders-nats';
const CONSUMER = 'shipping-nats';
const MESSAGES = 3;
const SCOPE = '@nats-io/jetstream';

let reachable = false;
let es: TestEventscope | undefined;
let nc: NatsConnection | undefined;
const providers: BasicTracerProvider[] = [];
let retriedTrace = '';

function skipUnlessNats(t: TestContext): boolean {
  if (reachable) return false;
  t.skip(`NATS not reachable at ${HOST}:${PORT} (start nats-server -js, or set EVENTSCOPE_TEST_NATS_HOST/PORT)`);
  return true;
}

const carrier = {
  set: (h: ReturnType<typeof headers>, k: string, v: string) => h.set(k, v),
  get: (h: ReturnType<typeof headers> | undefined, k: string) => h?.get(k) || undefined,
  keys: (h: ReturnType<typeof headers> | undefined) => (h ? [...h.keys()] : []),
};

before(async () => {
  reachable = await tcpReachable(HOST, PORT);
  if (!reachable) return;
  es = await startTestEventscope();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const tracerOf = (service: string): Tracer => {
    const p = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${es!.otlpHttpUrl}/v1/traces` }))],
    });
    providers.push(p);
    return p.getTracer(SCOPE);
  };
  const producer = tracerOf(PRODUCER);
  const consumer = tracerOf(CONSUMER);

  nc = await connect({ servers: `${HOST}:${PORT}` });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: [SUBJECT] });
  await jsm.consumers.add(STREAM, { durable_name: DURABLE, ack_policy: AckPolicy.Explicit });
  const js = jetstream(nc);

  for (let i = 0; i < MESSAGES; i++) {
    const span = producer.startSpan(`${SUBJECT} publish`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': SUBJECT } });
    const h = headers();
    propagation.inject(trace.setSpan(context.active(), span), h, carrier);
    const ack = await js.publish(SUBJECT, JSON.stringify({ order: i }), { headers: h });
    span.setAttribute('messaging.nats.jetstream.stream_sequence', String(ack.seq));
    span.end();
  }

  const c = await js.consumers.get(STREAM, DURABLE);
  const messages = await c.consume();
  let handled = 0;
  for await (const m of messages) {
    const parent = propagation.extract(context.active(), m.headers, carrier);
    const span = consumer.startSpan(
      `${m.subject} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.nats.jetstream.consumer': m.info.consumer,
          'messaging.nats.jetstream.stream_sequence': String(m.seq),
          'messaging.nats.jetstream.delivery_count': m.info.deliveryCount,
        },
      },
      parent,
    );
    if (m.seq === 2 && m.info.deliveryCount === 1) {
      // the handler gives up on its first attempt: a nak, and the broker redelivers
      span.addEvent('nak', { 'exception.message': 'warehouse unavailable' });
      retriedTrace = span.spanContext().traceId;
      span.end();
      m.nak();
      continue;
    }
    span.end();
    m.ack();
    if (++handled === MESSAGES) break;
  }
  await messages.close();
  await jsm.streams.delete(STREAM);
  // closing the connection is bookkeeping, not a request
  const close = consumer.startSpan('connection close', { attributes: { 'messaging.system': 'nats' } });
  await nc.drain();
  close.end();
  for (const p of providers) await p.forceFlush();
});

after(async () => {
  for (const p of providers) await p.shutdown().catch(() => {});
  if (nc && !nc.isClosed()) await nc.close();
  await es?.close();
});

describe('NATS JetStream (real broker, hand-traced app)', () => {
  test('the flow map: producer → subject → consumer, the durable consumer as group', async (t) => {
    if (skipUnlessNats(t)) return;
    const { deliver } = await assertFlow(es!, { producer: PRODUCER, destination: SUBJECT, system: 'nats', consumer: CONSUMER, group: DURABLE, published: MESSAGES });
    assert.equal(deliver.count, MESSAGES + 1, 'the redelivery is a delivery too');
    assert.equal(deliver.errors, 1, 'the nak-ed attempt is an error');
  });

  test("the nak-ed message and the broker's redelivery (delivery count 2): a redelivery after failure", async (t) => {
    if (skipUnlessNats(t)) return;
    assert.match(retriedTrace, /^[0-9a-f]{32}$/);
    await assertRetry(es!, { traceId: retriedTrace, producer: PRODUCER, consumer: CONSUMER, group: DURABLE, destination: SUBJECT });
    const [r] = await es!.store.query<{ n: string }>(
      `SELECT count() AS n FROM ${es!.store.database}.spans WHERE trace_id = {t:String} AND msg_redelivered = 1 AND span_attributes['messaging.nats.jetstream.delivery_count'] = '2'`,
      { name: 'test:nats', params: { t: retriedTrace } },
    );
    assert.equal(Number(r!.n), 1, "the broker's delivery count marked the redelivery");
  });

  test('lag of the subject', async (t) => {
    if (skipUnlessNats(t)) return;
    await assertLag(es!, { destination: SUBJECT, group: DURABLE, published: MESSAGES });
  });

  test('closing the connection is no request', async (t) => {
    if (skipUnlessNats(t)) return;
    await assertHousekeepingHidden(es!, { names: /^connection close$/, atLeast: 1 });
  });
});
