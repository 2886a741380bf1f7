// Amazon SQS through the real @opentelemetry/instrumentation-aws-sdk and @aws-sdk/client-sqs, against
// a local stand-in for the SQS endpoint (no AWS here: the stand-in answers the AWS JSON protocol the
// client speaks, with the MD5 digests the client checks), exporting through the official OTLP
// exporter into the real collector (collector/profiles/aws-sdk.ts). A second queue carries a retry as an
// SQS consumer sees it: its processing fails, it makes the message visible again, and SQS delivers the
// same MessageId a second time with ApproximateReceiveCount 2.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { assertFlow, assertLag } from './instrumentation-support.js';

const PRODUCER = 'orders-sqs';
const CONSUMER = 'shipping-sqs';
const QUEUE = 'orders';
const MESSAGES = 3;
const EMPTY_POLLS = 3;
const RETRY_QUEUE = 'payments';

let es: TestEventscope;
let server: http.Server;
const providers: NodeTracerProvider[] = [];

/**
 * The part of SQS the test uses, per queue: SendMessage, ReceiveMessage (everything visible; the
 * received messages stay in flight with their receive count, ApproximateReceiveCount returned when
 * asked for), ChangeMessageVisibility to 0 (visible again), DeleteMessage.
 */
function startSqsStandIn(): Promise<number> {
  const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');
  interface Stored { id: string; body: string; attributes?: unknown; receives: number; handle: string }
  const queues = new Map<string, { visible: Stored[]; inFlight: Map<string, Stored> }>();
  const queue = (url: string) => {
    let q = queues.get(url);
    if (!q) queues.set(url, (q = { visible: [], inFlight: new Map() }));
    return q;
  };
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = body ? JSON.parse(body) : {};
      let out: unknown = {};
      const q = queue(String(input.QueueUrl));
      if (target.endsWith('.SendMessage')) {
        const id = crypto.randomUUID();
        q.visible.push({ id, body: input.MessageBody, attributes: input.MessageAttributes, receives: 0, handle: '' });
        out = { MessageId: id, MD5OfMessageBody: md5(input.MessageBody) };
      } else if (target.endsWith('.ReceiveMessage')) {
        const names: string[] = [...(input.MessageSystemAttributeNames ?? []), ...(input.AttributeNames ?? [])];
        const withCount = names.includes('All') || names.includes('ApproximateReceiveCount');
        out = {
          Messages: q.visible.splice(0).map((m) => {
            m.receives++;
            m.handle = `rh-${m.id}-${m.receives}`;
            q.inFlight.set(m.handle, m);
            return { MessageId: m.id, ReceiptHandle: m.handle, Body: m.body, MD5OfBody: md5(m.body), MessageAttributes: m.attributes, ...(withCount ? { Attributes: { ApproximateReceiveCount: String(m.receives) } } : {}) };
          }),
        };
      } else if (target.endsWith('.ChangeMessageVisibility')) {
        const m = q.inFlight.get(input.ReceiptHandle);
        if (m && input.VisibilityTimeout === 0) {
          q.inFlight.delete(input.ReceiptHandle);
          q.visible.push(m);
        }
      } else if (target.endsWith('.DeleteMessage')) {
        q.inFlight.delete(input.ReceiptHandle);
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(out));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

before(async () => {
  es = await startTestEventscope();
  const provider = (service: string) => {
    const p = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${es.otlpHttpUrl}/v1/traces` }))],
    });
    providers.push(p);
    return p;
  };
  const producer = provider(PRODUCER);
  const consumer = provider(CONSUMER);
  // the producer's context travels in the message attributes (W3C traceparent), as in any SDK setup
  // (the instrumentation injects from the active context: a context manager must be set)
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const instrumentation = new AwsInstrumentation();
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: producer });
  // the instrumentation patches the CommonJS build when it is required (the ESM build is not hooked)
  const { SQSClient, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand, ChangeMessageVisibilityCommand } = createRequire(import.meta.url)('@aws-sdk/client-sqs');
  const port = await startSqsStandIn();
  const client = new SQSClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const QueueUrl = `http://127.0.0.1:${port}/000000000000/${QUEUE}`;
  // one process plays both services: the instrumentation's spans go to the service making the call
  for (let i = 0; i < MESSAGES; i++) await client.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ order: i }) }));
  instrumentation.setTracerProvider(consumer);
  const got = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
  assert.equal(got.Messages?.length, MESSAGES);
  for (const m of got.Messages) await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
  // then the consumer keeps polling an empty queue, as every SQS consumer does
  for (let i = 0; i < EMPTY_POLLS; i++) await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));

  // the retry: one payment; the consumer processes each received message in its own span, a child of
  // the producer's context carried in the message (the instrumentation's receive span is one per batch
  // and already ended), recording the message's ApproximateReceiveCount as the attempt; the first
  // attempt fails, the consumer makes the message visible again, SQS delivers it a second time
  instrumentation.setTracerProvider(producer);
  const RetryUrl = `http://127.0.0.1:${port}/000000000000/${RETRY_QUEUE}`;
  await client.send(new SendMessageCommand({ QueueUrl: RetryUrl, MessageBody: JSON.stringify({ payment: 1 }) }));
  instrumentation.setTracerProvider(consumer);
  const app = consumer.getTracer('shipping-app');
  const seen: { id: string; count: string }[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const r = await client.send(new ReceiveMessageCommand({ QueueUrl: RetryUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    assert.equal(r.Messages?.length, 1);
    for (const m of r.Messages) {
      seen.push({ id: m.MessageId, count: m.Attributes?.ApproximateReceiveCount });
      const carrier = Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, (v as { StringValue?: string }).StringValue ?? '']));
      const parent = propagation.extract(ROOT_CONTEXT, carrier);
      await app.startActiveSpan(
        `${RETRY_QUEUE} process`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'aws_sqs',
            'messaging.destination.name': RETRY_QUEUE,
            'messaging.operation.type': 'process',
            'messaging.message.id': m.MessageId,
            'aws.sqs.approximate_receive_count': Number(m.Attributes?.ApproximateReceiveCount),
          },
        },
        parent,
        async (span) => {
          try {
            if (attempt === 1) throw new Error('card declined by the gateway');
            await client.send(new DeleteMessageCommand({ QueueUrl: RetryUrl, ReceiptHandle: m.ReceiptHandle }));
          } catch (err) {
            span.recordException(err as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
            await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: RetryUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
          } finally {
            span.end();
          }
        },
      );
    }
  }
  // the stand-in behaves like SQS: the same message, counted twice
  assert.equal(seen[0]!.id, seen[1]!.id);
  assert.deepEqual(seen.map((s) => s.count), ['1', '2']);
  instrumentation.disable();
  for (const p of providers) await p.forceFlush();
});

after(async () => {
  for (const p of providers) await p.shutdown().catch(() => {});
  server?.close();
  await es?.close();
});

describe('Amazon SQS with @opentelemetry/instrumentation-aws-sdk', () => {
  test('the flow map: producer → queue → consumer; empty polls are no deliveries', async () => {
    const { deliver } = await assertFlow(es, { producer: PRODUCER, destination: QUEUE, system: 'aws_sqs', consumer: CONSUMER, group: CONSUMER, published: MESSAGES });
    assert.equal(deliver.count, MESSAGES, 'one delivery per message, none for the empty polls');
  });

  test('a request timeline joins the producer and the batch receive linked to it', async () => {
    const [p] = await es.store.query<{ trace_id: string }>(
      `SELECT trace_id FROM ${es.store.database}.spans WHERE service_name = {s:String} AND span_kind = 'PRODUCER' ORDER BY timestamp LIMIT 1`,
      { name: 'test:sqs', params: { s: PRODUCER } },
    );
    const tl = await es.api(`/api/requests/${p!.trace_id}`);
    assert.equal(tl.status, 200, JSON.stringify(tl.body));
    const body = tl.body as { services: string[]; hops: { destination: string; consumerGroup: string }[] };
    assert.deepEqual([...body.services].sort(), [CONSUMER, PRODUCER].sort());
    assert.ok(body.hops.some((h) => h.destination === QUEUE && h.consumerGroup === CONSUMER));
  });

  test('a failed processing and the second receive of the same message: a redelivery after failure, counted as an error', async () => {
    const processes = await es.store.query<{ trace_id: string; status: string; redelivered: number; attempt: string }>(
      `SELECT trace_id, status_code AS status, msg_redelivered AS redelivered, span_attributes['aws.sqs.approximate_receive_count'] AS attempt
         FROM ${es.store.database}.spans WHERE msg_destination = {q:String} AND msg_operation = 'process' ORDER BY timestamp`,
      { name: 'test:sqs', params: { q: RETRY_QUEUE } },
    );
    // the profile reads the receive count as the attempt: the second delivery says it is a redelivery
    assert.deepEqual(processes.map((p) => [p.status, Number(p.redelivered), p.attempt]), [['ERROR', 0, '1'], ['UNSET', 1, '2']]);

    const tl = await es.api(`/api/requests/${processes[0]!.trace_id}`);
    assert.equal(tl.status, 200, JSON.stringify(tl.body));
    const body = tl.body as { services: string[]; spans: { service: string; name: string; status: { code: string } }[] };
    assert.deepEqual([...body.services].sort(), [CONSUMER, PRODUCER].sort());
    const mine = body.spans.filter((s) => s.service === CONSUMER && s.name.startsWith(RETRY_QUEUE));
    assert.deepEqual(mine.map((s) => `${s.name}:${s.status.code}`).sort(), [`${RETRY_QUEUE} process:ERROR`, `${RETRY_QUEUE} process:UNSET`, `${RETRY_QUEUE} receive:UNSET`, `${RETRY_QUEUE} receive:UNSET`], 'both receives (linked) and both processing attempts');

    const dup = await es.api(`/api/anomalies?type=duplicate&from=now-1h&group=${encodeURIComponent(CONSUMER)}`);
    assert.equal(dup.status, 200, JSON.stringify(dup.body));
    const d = dup.body.duplicates as { byClass: Record<string, number>; occurrences: { class: string; destination: string }[] };
    assert.deepEqual(d.occurrences.filter((o) => o.destination === RETRY_QUEUE).map((o) => o.class), ['redelivery_after_failure']);
    assert.equal(d.byClass.duplicate_after_success ?? 0, 0, 'the receives are preludes of the processing, not second deliveries');

    const { deliver } = await assertFlow(es, { producer: PRODUCER, destination: RETRY_QUEUE, system: 'aws_sqs', consumer: CONSUMER, group: CONSUMER, published: 1 });
    assert.equal(deliver.errors, 1, 'the failed attempt is an error on the deliver edge');
  });

  test('lag of the queue', async () => {
    await assertLag(es, { destination: QUEUE, group: CONSUMER, published: MESSAGES });
  });

  test('empty long-poll receives are stored but are no requests; DeleteMessage is a call, not a delivery', async () => {
    const [stored] = await es.store.query<{ empty: string; housekeeping: string; deletes: string }>(
      `SELECT countIf(span_attributes['messaging.batch.message_count'] = '0') AS empty, countIf(msg_housekeeping = 1) AS housekeeping,
              countIf(span_attributes['rpc.method'] = 'DeleteMessage' AND msg_operation = '') AS deletes
         FROM ${es.store.database}.spans WHERE span_attributes['messaging.destination.name'] = {q:String}`,
      { name: 'test:sqs', params: { q: QUEUE } },
    );
    assert.equal(Number(stored!.empty), EMPTY_POLLS);
    assert.equal(Number(stored!.housekeeping), EMPTY_POLLS);
    assert.equal(Number(stored!.deletes), MESSAGES);
    const list = await es.api('/api/requests?from=now-1h&limit=500');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const receives = (list.body.requests as { rootName: string; rootService: string }[]).filter((r) => r.rootService === CONSUMER && r.rootName === `${QUEUE} receive`);
    assert.equal(receives.length, 1, 'only the receive that got messages is a request');
  });
});
