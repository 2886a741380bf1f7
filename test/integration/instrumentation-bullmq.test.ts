// BullMQ with its OpenTelemetry add-on bullmq-otel, real library against the Redis at 127.0.0.1:6379,
// exporting through the official OTLP exporter into the real collector (collector/profiles/bullmq.ts).
// Skips (saying why) when Redis does not answer.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { context, propagation, trace, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Queue, Worker } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { assertFlow, assertHousekeepingHidden, assertLag, assertRetry, tcpReachable } from './instrumentation-support.js';

const HOST = process.env.EVENTSCOPE_TEST_REDIS_HOST ?? '127.0.0.1';
const PORT = Number(process.env.EVENTSCOPE_TEST_REDIS_PORT ?? 6379);
const run = Date.now().toString(36);
const CHARGE = `charge-${run}`;
const MAIL = `mail-${run}`;
const PRODUCER = 'orders-bullmq';
const WORKER = 'billing-bullmq';
const JOBS = 4;

let reachable = false;
let es: TestEventscope | undefined;
let providers: BasicTracerProvider[] = [];
let failedTrace = '';

function skipUnlessRedis(t: TestContext): boolean {
  if (reachable) return false;
  t.skip(`Redis not reachable at ${HOST}:${PORT} (start one, or set EVENTSCOPE_TEST_REDIS_HOST/PORT)`);
  return true;
}

before(async () => {
  reachable = await tcpReachable(HOST, PORT);
  if (!reachable) return;
  es = await startTestEventscope();
  const provider = (service: string) =>
    new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${es!.otlpHttpUrl}/v1/traces` }))],
    });
  const producer = provider(PRODUCER);
  const worker = provider(WORKER);
  providers = [producer, worker];
  // one process plays both services: bullmq-otel asks the global API for its tracer by name, and
  // each name gets the tracer of its service — under the add-on's default scope name 'bullmq'
  const global: TracerProvider = { getTracer: (name, version) => (name === 'worker' ? worker : producer).getTracer('bullmq', version) };
  trace.setGlobalTracerProvider(global);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());

  const connection = { host: HOST, port: PORT };
  const charge = new Queue(CHARGE, { connection, telemetry: new BullMQOtel({ tracerName: 'producer' }) });
  const mail = new Queue(MAIL, { connection, telemetry: new BullMQOtel({ tracerName: 'producer' }) });
  let failedOnce = false;
  const done = new Map<string, number>();
  const workers: Worker[] = [];
  const finished = new Promise<void>((resolve) => {
    const count = (q: string) => {
      done.set(q, (done.get(q) ?? 0) + 1);
      if ((done.get(CHARGE) ?? 0) === JOBS && (done.get(MAIL) ?? 0) === 2) resolve();
    };
    for (const [name, failFirst] of [
      [CHARGE, true],
      [MAIL, false],
    ] as const) {
      const w = new Worker(
        name,
        async (job) => {
          // the third charge fails its first attempt (status stays UNSET: bullmq-otel adds a `job failed` event)
          if (failFirst && job.data.i === 2 && !failedOnce) {
            failedOnce = true;
            throw new Error('card declined');
          }
          return 'ok';
        },
        { connection, telemetry: new BullMQOtel({ tracerName: 'worker' }) },
      );
      w.on('completed', () => count(name));
      workers.push(w);
    }
  });
  for (let i = 0; i < JOBS; i++) await charge.add('charge-card', { i }, { attempts: 3, backoff: { type: 'fixed', delay: 20 } });
  for (let i = 0; i < 2; i++) await mail.add('send-receipt', { i });
  await finished;
  for (const w of workers) await w.close();
  await charge.close();
  await mail.close();
  for (const p of providers) await p.forceFlush();
  const [row] = await es.store.query<{ trace_id: string }>(
    `SELECT trace_id FROM ${es.store.database}.spans WHERE msg_destination = {q:String} AND status_code = 'ERROR' LIMIT 1`,
    { name: 'test:bullmq', params: { q: CHARGE } },
  );
  failedTrace = row?.trace_id ?? '';
});

after(async () => {
  for (const p of providers) await p.shutdown().catch(() => {});
  await es?.close();
});

describe('BullMQ with bullmq-otel (real Redis)', () => {
  test('the flow map names each queue: producer → queue → worker, the queue as consumer group', async (t) => {
    if (skipUnlessRedis(t)) return;
    const charge = await assertFlow(es!, { producer: PRODUCER, destination: CHARGE, system: 'bullmq', consumer: WORKER, group: CHARGE, published: JOBS });
    assert.equal(charge.deliver.count, JOBS + 1, 'the retry is a delivery too');
    assert.equal(charge.deliver.errors, 1, 'the failed attempt counts as an error');
    await assertFlow(es!, { producer: PRODUCER, destination: MAIL, system: 'bullmq', consumer: WORKER, group: MAIL, published: 2 });
  });

  test('the failed attempt and its retry: one request, an error, a redelivery after failure', async (t) => {
    if (skipUnlessRedis(t)) return;
    assert.match(failedTrace, /^[0-9a-f]{32}$/, 'a span of the failed attempt is stored as ERROR');
    await assertRetry(es!, { traceId: failedTrace, producer: PRODUCER, consumer: WORKER, group: CHARGE, destination: CHARGE });
  });

  test('lag per queue, not one mixed backlog', async (t) => {
    if (skipUnlessRedis(t)) return;
    await assertLag(es!, { destination: CHARGE, group: CHARGE, published: JOBS });
    await assertLag(es!, { destination: MAIL, group: MAIL, published: 2 });
  });

  test("the workers' stalled-job checks and closing are no requests", async (t) => {
    if (skipUnlessRedis(t)) return;
    await assertHousekeepingHidden(es!, { names: /^(startStalledCheckTimer|moveStalledJobsToWait|close|extendLocks|getNextJob) /, atLeast: 3 });
  });
});
