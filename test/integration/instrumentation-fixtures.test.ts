// Profiles whose library cannot run here (Celery, Sidekiq: written from their instrumentations'
// documented attributes) or has no OpenTelemetry instrumentation for Node (NATS), and a made-up
// in-house bus mapped by an EVENTSCOPE_MAPPINGS file: each fixture (test/fixtures/<library>/) goes
// through the real OTLP/JSON path and the real collector, and is asserted through the API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { assertFlow, assertHousekeepingHidden, assertLag, assertRetry, fixtureId, fixtureRequest, readFixture } from './instrumentation-support.js';

const fixture = (lib: string) => readFixture(new URL(`../fixtures/${lib}/spans.json`, import.meta.url));
const MAPPINGS = fileURLToPath(new URL('../fixtures/in-house-bus/mappings.yaml', import.meta.url));

interface Case {
  lib: string;
  salt: string;
  producer: string;
  consumer: string;
  destination: string;
  system: string;
  group: string;
  /** the fixture id of the trace holding the failed attempt and its retry */
  retryTrace: string;
  housekeeping?: RegExp;
  /** the span kind the consumer's deliveries are sent with (an in-house bus may send INTERNAL) */
  consumerKind?: string;
}

const CASES: Case[] = [
  { lib: 'celery', salt: 'cel', producer: 'web-celery', consumer: 'worker-celery', destination: 'billing', system: 'celery', group: 'worker-celery', retryTrace: 't2' },
  { lib: 'sidekiq', salt: 'sdk', producer: 'rails-sidekiq', consumer: 'worker-sidekiq', destination: 'mailers', system: 'sidekiq', group: 'worker-sidekiq', retryTrace: 't2', housekeeping: /^Sidekiq::/ },
  { lib: 'nats', salt: 'nat', producer: 'orders-nats', consumer: 'shipping-nats', destination: 'orders.created', system: 'nats', group: 'shipping', retryTrace: 't2', housekeeping: /^connection close$/ },
  { lib: 'in-house-bus', salt: 'hrm', producer: 'checkout-hermes', consumer: 'payments-hermes', destination: 'payments.v1', system: 'hermes', group: 'payments-workers', retryTrace: 't2', housekeeping: /^hermes tick$/, consumerKind: 'INTERNAL' },
];

for (const c of CASES) {
  describe(`${c.lib} (fixture through the real collector)`, () => {
    let es: TestEventscope;
    before(async () => {
      es = await startTestEventscope(c.lib === 'in-house-bus' ? { EVENTSCOPE_MAPPINGS: MAPPINGS } : {});
      const res = await es.postOtlpJson(fixtureRequest(fixture(c.lib), Date.now() - 60_000, c.salt));
      assert.equal(res.status, 200, await res.text());
    });
    after(() => es.close());

    test('flow map: producer → named destination → consumer group; the failed attempt is an error', async () => {
      const { deliver } = await assertFlow(es, { producer: c.producer, destination: c.destination, system: c.system, consumer: c.consumer, group: c.group, published: 2 });
      assert.equal(deliver.count, 3, 'two messages, one retried');
      assert.equal(deliver.errors, 1);
    });

    test('the request joins producer and consumer; the retry is a redelivery after failure', async () => {
      await assertRetry(es, { traceId: fixtureId(c.salt, c.retryTrace), producer: c.producer, consumer: c.consumer, group: c.group, destination: c.destination, consumerKind: c.consumerKind });
    });

    test('lag of the destination', async () => {
      await assertLag(es, { destination: c.destination, group: c.group, published: 2 });
    });

    if (c.lib === 'in-house-bus') {
      test("the bus's attempt counter alone makes a redelivery (the first attempt reported no failure)", async () => {
        const dup = await es.api('/api/anomalies?type=duplicate&from=now-1h&group=payments-workers');
        assert.equal(dup.status, 200, JSON.stringify(dup.body));
        const audit = (dup.body.duplicates.occurrences as { class: string; destination: string }[]).filter((o) => o.destination === 'audit.v1');
        assert.deepEqual(audit.map((o) => o.class), ['redelivery_after_failure']);
      });

      test('a housekeeping call makes no call edge', async () => {
        const [r] = await es.store.query<{ n: string }>(
          `SELECT count() AS n FROM ${es.store.database}.call_spans WHERE span_id = {id:String}`,
          { name: 'test:hk-call', params: { id: fixtureId(c.salt, 'h2', 16) } },
        );
        assert.equal(Number(r!.n), 0);
        const topo = await es.api('/api/topology?from=now-1h');
        assert.ok(!(topo.body.edges as { kind: string }[]).some((e) => e.kind === 'call'), JSON.stringify(topo.body.edges));
      });
    }

    if (c.housekeeping) {
      test('housekeeping spans are no requests and no nodes', async () => {
        await assertHousekeepingHidden(es, { names: c.housekeeping!, atLeast: 1 });
      });
    }
  });
}
