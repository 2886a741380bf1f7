// socket.io through the real @opentelemetry/instrumentation-socket.io on a real socket.io server, with
// real socket.io-client apps (traced by hand: the client has no instrumentation), exporting through
// the official OTLP exporter into the real collector (collector/profiles/socketio.ts). No broker: the
// server and both clients run in this process (test/integration/socketio-scenario.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { assertFlow, assertLag, assertRetry } from './instrumentation-support.js';
import { FAILING_ORDER, NAMESPACE, ORDERS, PLACE, PLACED, runSocketIoScenario, SERVICES } from './socketio-scenario.js';

const PLACE_DEST = `${NAMESPACE} ${PLACE}`;
const PLACED_DEST = `${NAMESPACE} ${PLACED}`;

let es: TestEventscope;
const providers: NodeTracerProvider[] = [];

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
  const run = await runSocketIoScenario({ till: provider(SERVICES.till), server: provider(SERVICES.server), kitchen: provider(SERVICES.kitchen) });
  // the scenario really retried: the failing order reached the handler twice, each order the kitchen once
  assert.deepEqual(run.attempts, { 'o-0': 1, [FAILING_ORDER]: 2, 'o-2': 1 });
  assert.deepEqual(run.kitchenGot.sort(), ['o-0', 'o-1', 'o-2']);
  for (const p of providers) await p.forceFlush();
});

after(async () => {
  for (const p of providers) await p.shutdown().catch(() => {});
  await es?.close();
});

describe('socket.io with @opentelemetry/instrumentation-socket.io', () => {
  test('the flow map: each event of the namespace is its own destination, emitter → event → handler', async () => {
    const first = await assertFlow(es, { producer: SERVICES.till, destination: PLACE_DEST, system: 'socket.io', consumer: SERVICES.server, group: SERVICES.server, published: ORDERS });
    assert.equal(first.deliver.count, ORDERS + 1, 'three orders, one delivered twice');
    assert.equal(first.deliver.errors, 1, 'the failed attempt is an error on the deliver edge');
    const second = await assertFlow(es, { producer: SERVICES.server, destination: PLACED_DEST, system: 'socket.io', consumer: SERVICES.kitchen, group: SERVICES.kitchen, published: ORDERS });
    assert.equal(second.deliver.errors, 0);
    const topo = await es.api('/api/topology?from=now-1h');
    const labels = (topo.body.nodes as { label: string; kind: string }[]).filter((n) => n.kind !== 'service').map((n) => n.label).sort();
    assert.deepEqual(labels, [PLACE_DEST, PLACED_DEST], 'no bare namespace node, no room node');
  });

  test("the retried order's timeline joins the till, both attempts of the handler and the kitchen; the retry is a redelivery after failure", async () => {
    // the failed attempt's span links to the till's emit: its trace is the request's entry
    const [failed] = await es.store.query<{ link: string }>(
      `SELECT toString(links.trace_id[1]) AS link FROM ${es.store.database}.spans WHERE service_name = {s:String} AND status_code = 'ERROR' LIMIT 1`,
      { name: 'test:sio', params: { s: SERVICES.server } },
    );
    assert.ok(failed, 'the failed attempt is stored as an error');
    await assertRetry(es, { traceId: failed.link, producer: SERVICES.till, consumer: SERVICES.server, group: SERVICES.server, destination: PLACE_DEST });
    const tl = await es.api(`/api/requests/${failed.link}`);
    assert.ok((tl.body.services as string[]).includes(SERVICES.kitchen), 'the kitchen, two hops on, is in the same request');
  });

  test('lag per event', async () => {
    await assertLag(es, { destination: PLACE_DEST, group: SERVICES.server, published: ORDERS });
    await assertLag(es, { destination: PLACED_DEST, group: SERVICES.kitchen, published: ORDERS });
  });

  test('disconnects (reserved events, traced with traceReserved) are no requests and no nodes', async () => {
    // a disconnect span is named like every listener span (`receive /orders`): only its event tells it apart
    const rows = await es.store.query<{ trace_id: string; housekeeping: number }>(
      `SELECT trace_id, msg_housekeeping AS housekeeping FROM ${es.store.database}.spans WHERE span_attributes['messaging.socket.io.event_name'] = 'disconnect'`,
      { name: 'test:sio' },
    );
    assert.equal(rows.length, 2, 'both clients disconnected');
    assert.deepEqual(rows.map((r) => Number(r.housekeeping)), [1, 1]);
    const list = await es.api('/api/requests?from=now-1h&limit=500');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const listed = new Set((list.body.requests as { traceId: string }[]).map((r) => r.traceId));
    assert.ok(listed.size > 0);
    assert.deepEqual(rows.filter((r) => listed.has(r.trace_id)), [], 'no disconnect is a request');
    const topo = await es.api('/api/topology?from=now-1h');
    const labels = (topo.body.nodes as { label: string }[]).map((n) => n.label);
    assert.ok(!labels.some((l) => /disconnect/.test(l)), `no disconnect node: ${labels}`);
  });
});
