// Amazon SQS through the real @opentelemetry/instrumentation-aws-sdk and @aws-sdk/client-sqs, against
// a local stand-in for the SQS endpoint (no AWS here: the stand-in answers the AWS JSON protocol the
// client speaks, with the MD5 digests the client checks), exporting through the official OTLP
// exporter into the real collector (collector/profiles/aws-sdk.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { context, propagation } from '@opentelemetry/api';
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

let es: TestEventscope;
let server: http.Server;
const providers: NodeTracerProvider[] = [];

/** The part of SQS the test uses: SendMessage, ReceiveMessage (everything waiting), DeleteMessage. */
function startSqsStandIn(): Promise<number> {
  const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');
  const waiting: { id: string; body: string; attributes?: unknown }[] = [];
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = body ? JSON.parse(body) : {};
      let out: unknown = {};
      if (target.endsWith('.SendMessage')) {
        const id = crypto.randomUUID();
        waiting.push({ id, body: input.MessageBody, attributes: input.MessageAttributes });
        out = { MessageId: id, MD5OfMessageBody: md5(input.MessageBody) };
      } else if (target.endsWith('.ReceiveMessage')) {
        out = {
          Messages: waiting.splice(0).map((m, i) => ({ MessageId: m.id, ReceiptHandle: `rh-${m.id}-${i}`, Body: m.body, MD5OfBody: md5(m.body), MessageAttributes: m.attributes })),
        };
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
  const { SQSClient, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand } = createRequire(import.meta.url)('@aws-sdk/client-sqs');
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

  test('lag of the queue', async () => {
    await assertLag(es, { destination: QUEUE, group: CONSUMER, published: MESSAGES });
  });

  test('empty long-poll receives are stored but are no requests; DeleteMessage is a call, not a delivery', async () => {
    const [stored] = await es.store.query<{ empty: string; housekeeping: string; deletes: string }>(
      `SELECT countIf(span_attributes['messaging.batch.message_count'] = '0') AS empty, countIf(msg_housekeeping = 1) AS housekeeping,
              countIf(span_attributes['rpc.method'] = 'DeleteMessage' AND msg_operation = '') AS deletes
         FROM ${es.store.database}.spans`,
      { name: 'test:sqs' },
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
