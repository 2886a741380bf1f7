// Request timeline and request list scenarios: OTLP through the real collector, exact answers from
// GET /api/requests/{traceId} and GET /api/requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, msToNs, traceId, type Span } from '../support/otlp.js';

let es: TestEventscope;
before(async () => {
  es = await startTestEventscope();
});
after(async () => {
  await es?.close();
});

const send = (spans: Span[]) => es.sendSpans(spans);

const timeline = async (id: string, query = '') => {
  const r = await es.api(`/api/requests/${id}${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

// ── link-only batch consumer (kafkajs eachBatch): three producer traces, one consumer trace ──
const tb = clock(Date.now() - 120_000);
const producers = [0, 1, 2].map((i) =>
  tb.span({ service: 'tl-producer', name: 'tl-batch send', kind: 'PRODUCER', start: i * 2, durationMs: 1, host: 'prod-host', attributes: messaging({ destination: 'tl-batch', operation: 'send', messageId: `tl-msg-${i}` }) }),
);
const batch = tb.span({
  service: 'tl-consumer', name: 'tl-batch process', kind: 'CONSUMER', start: 30, durationMs: 10, host: 'cons-host',
  links: producers.map((p, i) => ({ traceId: p.traceId, spanId: p.spanId, attributes: { 'messaging.message.id': `tl-msg-${i}` } })),
  attributes: messaging({ destination: 'tl-batch', operation: 'process', group: 'tl-group', batchCount: 3 }),
});
const handler = tb.span({ service: 'tl-consumer', name: 'store batch', kind: 'INTERNAL', parent: batch, start: 31, durationMs: 8, host: 'cons-host', status: { code: 'ERROR', message: 'disk full' } });

test('a producer trace reaches the link-only batch consumer trace, which lists the other producers without following them (issue 13)', async () => {
  await send([...producers, batch, handler]);
  const t = await timeline(producers[0]!.traceId);
  assert.deepEqual(t.traceIds, [producers[0]!.traceId, batch.traceId]);
  assert.equal(t.spanCount, 3);
  assert.deepEqual(t.services, ['tl-consumer', 'tl-producer']);
  const byId = new Map<string, any>(t.spans.map((s: any) => [s.spanId, s]));
  assert.deepEqual(
    t.spans.map((s: any) => [s.spanId, s.depth]),
    [[producers[0]!.spanId, 0], [batch.spanId, 1], [handler.spanId, 1]],
  );
  // links in both directions, with their attributes
  assert.deepEqual(byId.get(producers[0]!.spanId).linksIn, [
    { traceId: batch.traceId, spanId: batch.spanId, service: 'tl-consumer', attributes: { 'messaging.message.id': 'tl-msg-0' }, inRequest: true },
  ]);
  assert.deepEqual(
    byId.get(batch.spanId).linksOut.map((l: any) => [l.traceId, l.spanId, l.attributes['messaging.message.id'], l.inRequest]),
    producers.map((p, i) => [p.traceId, p.spanId, `tl-msg-${i}`, i === 0]),
  );
  assert.deepEqual(byId.get(batch.spanId).otherMessages, {
    count: 2,
    links: [1, 2].map((i) => ({ traceId: producers[i]!.traceId, spanId: producers[i]!.spanId, messageId: `tl-msg-${i}` })),
  });
  // three hops into one consumer group, one of them paired here; publish ends at 1 ms, batch starts at 30
  assert.deepEqual(
    t.hops.filter((h: any) => h.publish).map((h: any) => [h.publish.spanId, h.deliver.spanId, h.consumerGroup, h.destination, h.queueMs, h.rawQueueMs]),
    [[producers[0]!.spanId, batch.spanId, 'tl-group', 'tl-batch', 29, 29]],
  );
  assert.equal(t.startNs, tb.ns(0).toString());
  assert.equal(t.endNs, tb.ns(40).toString());
  assert.equal(t.durationMs, 40);
  assert.equal(t.truncated, undefined);
  const h = byId.get(handler.spanId);
  assert.deepEqual([h.status, h.kind, h.parentSpanId, h.durationMs], [{ code: 'ERROR', message: 'disk full' }, 'INTERNAL', batch.spanId, 8]);
});

test('the consumer trace reaches all three producer traces (links out)', async () => {
  const t = await timeline(batch.traceId);
  assert.deepEqual(t.traceIds, [batch.traceId, ...producers.map((p) => p.traceId).sort()]);
  assert.equal(t.spanCount, 5);
  assert.equal(t.hops.length, 3);
});

test('depth and span-count limits truncate and say so', async () => {
  const shallow = await timeline(batch.traceId, '?maxDepth=0');
  assert.deepEqual([shallow.spanCount, shallow.truncated], [2, { reason: 'depth', limit: 0 }]);
  assert.deepEqual(shallow.traceIds, [batch.traceId]);
  // links to spans outside the response are still listed, marked as such
  assert.deepEqual(shallow.spans.find((s: any) => s.spanId === batch.spanId).linksOut.map((l: any) => l.inRequest), [false, false, false]);
  const few = await timeline(producers[0]!.traceId, '?maxSpans=2');
  assert.deepEqual([few.spanCount, few.truncated], [2, { reason: 'spans', limit: 2 }]);
});

test('clock skew: a sync child on a skewed host is shifted and flagged; an async consumer that outlives its parent is not', async () => {
  const t = clock(Date.now() - 110_000);
  const root = t.span({ service: 'web', name: 'GET /order', kind: 'SERVER', start: 0, durationMs: 100, host: 'web-1' });
  const call = t.span({ service: 'web', name: 'GET /price', kind: 'CLIENT', parent: root, start: 10, durationMs: 80, host: 'web-1' });
  // pricing-1's clock is 500 ms behind: its server span appears to start before the call
  const served = t.span({ service: 'pricing', name: 'GET /price', kind: 'SERVER', parent: call, start: -480, durationMs: 60, host: 'pricing-1' });
  const inner = t.span({ service: 'pricing', name: 'compute', kind: 'INTERNAL', parent: served, start: -470, durationMs: 40, host: 'pricing-1' });
  const pub = t.span({ service: 'web', name: 'orders send', kind: 'PRODUCER', parent: root, start: 95, durationMs: 2, host: 'web-1', attributes: messaging({ destination: 'tl-orders', operation: 'send' }) });
  const consume = t.span({ service: 'worker', name: 'orders process', kind: 'CONSUMER', parent: pub, start: 150, durationMs: 250, host: 'worker-1', attributes: messaging({ destination: 'tl-orders', operation: 'process', group: 'worker' }) });
  await send([root, call, served, inner, pub, consume]);

  const tl = await timeline(root.traceId);
  const byId = new Map<string, any>(tl.spans.map((s: any) => [s.spanId, s]));
  assert.deepEqual(tl.clockSkew.map((c: any) => [c.host, c.offsetMs, c.basis.childSpanId]), [['pricing-1', 500, served.spanId]]);
  // centred in the 80 ms call: 20..80
  assert.deepEqual([byId.get(served.spanId).startNs, byId.get(served.spanId).endNs, byId.get(served.spanId).skewAdjustedMs], [t.ns(20).toString(), t.ns(80).toString(), 500]);
  assert.deepEqual([byId.get(inner.spanId).startNs, byId.get(inner.spanId).skewAdjustedMs], [t.ns(30).toString(), 500]);
  for (const s of [root, call, pub, consume]) assert.equal(byId.get(s.spanId).skewAdjustedMs, undefined, s.name);
  assert.deepEqual([byId.get(consume.spanId).startNs, byId.get(consume.spanId).endNs], [t.ns(150).toString(), t.ns(400).toString()]);
  assert.deepEqual(tl.hops.map((h: any) => [h.deliver.spanId, h.consumerGroup, h.queueMs]), [[consume.spanId, 'worker', 53]]);
  // the spans come in corrected start order
  assert.deepEqual(tl.spans.map((s: any) => s.spanId), [root.spanId, call.spanId, served.spanId, inner.spanId, pub.spanId, consume.spanId]);
});

test('typed attributes, resource, events and messaging fields come back as sent', async () => {
  const t = clock(Date.now() - 100_000);
  const s = t.span({
    service: 'typed', name: 'work', kind: 'INTERNAL', start: 0, durationMs: 5, host: 'typed-1',
    // a blank line inside a value (RowBinary must not end there), and a number whose bytes hold one (0x0A0A)
    attributes: { str: 'x', num: 42, big: { int: '9007199254740993' }, ratio: 0.5, flag: true, list: ['a', 'b'], mixed: [1, 'two'], note: 'a\n\nDROP TABLE spans', nl: 2570 },
    resource: { 'deployment.environment': 'typed-env', 'process.pid': 4242, 'feature.on': true },
    events: [{ name: 'retry', at: 2, attributes: { attempt: 2 } }],
  });
  await send([s]);
  const tl = await timeline(s.traceId);
  const span = tl.spans[0];
  assert.deepEqual(span.attributes, { big: '9007199254740993', flag: true, list: ['a', 'b'], mixed: [1, 'two'], nl: 2570, note: 'a\n\nDROP TABLE spans', num: 42, ratio: 0.5, str: 'x' });
  // resource attributes are stored once per resource (`resources`) and come back typed
  assert.deepEqual(span.resource, { 'deployment.environment': 'typed-env', 'feature.on': true, 'host.name': 'typed-1', 'process.pid': 4242, 'service.name': 'typed' });
  const found = await es.api(`/api/requests?from=now-1h&attribute=deployment.environment=typed-env`);
  assert.deepEqual(found.body.requests.map((r: any) => r.traceId), [s.traceId], 'the attribute filter matches resource attributes');
  assert.deepEqual(span.events, [{ name: 'retry', timeNs: (t.ns(0) + msToNs(2)).toString(), attributes: { attempt: 2 } }]);
  assert.deepEqual([span.host, span.scope.name, span.messaging], ['typed-1', 'eventscope-test', undefined]);
});

test('a duplicate delivery after success marks the request and shows in its anomalies', async () => {
  const t = clock(Date.now() - 90_000);
  const pub = t.span({ service: 'dup-producer', name: 'dup-topic send', kind: 'PRODUCER', start: 0, durationMs: 1, attributes: messaging({ destination: 'dup-topic', operation: 'send', partition: 0, offset: 7 }) });
  const first = t.span({ service: 'dup-consumer', name: 'dup-topic process', kind: 'CONSUMER', parent: pub, start: 5, durationMs: 2, attributes: messaging({ destination: 'dup-topic', operation: 'process', group: 'dup-group', partition: 0, offset: 7 }) });
  const again = t.span({ service: 'dup-consumer', name: 'dup-topic process', kind: 'CONSUMER', parent: pub, start: 50, durationMs: 2, attributes: messaging({ destination: 'dup-topic', operation: 'process', group: 'dup-group', partition: 0, offset: 7 }) });
  await send([pub, first, again]);
  assert.deepEqual((await timeline(pub.traceId, '?anomalies=false')).anomalies, { duplicates: [], ordering: [] });
  const tl = await timeline(pub.traceId);
  assert.deepEqual(tl.anomalies.duplicates.map((d: any) => [d.consumerGroup, d.class, d.extraDeliveries]), [['dup-group', 'duplicate_after_success', 1]]);
  const list = await es.api(`/api/requests?from=now-1h&service=dup-consumer`);
  assert.deepEqual(list.body.requests.map((r: any) => [r.traceId, r.hasAnomaly, r.hopCount]), [[pub.traceId, true, 2]]);
});

test('GET /api/requests: rows per trace with root, timing, services, hops and flags', async () => {
  const r = await es.api(`/api/requests?from=now-1h&traceId=${batch.traceId}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.requests, [
    {
      traceId: batch.traceId, rootService: 'tl-consumer', rootName: 'tl-batch process', startNs: tb.ns(30).toString(),
      start: new Date(tb.ms(30)).toISOString(), durationMs: 10, spanCount: 2, services: ['tl-consumer'], hopCount: 3, hasError: true, hasAnomaly: false,
    },
  ]);
});

test('GET /api/requests filters: messageId (also on links), service, errorOnly, attribute, limit', async () => {
  const ids = async (query: string) => {
    const r = await es.api(`/api/requests?from=now-1h&${query}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.requests.map((x: any) => x.traceId);
  };
  // the message id names the producer span and the consumer's link: both requests are found
  assert.deepEqual(await ids('messageId=tl-msg-1'), [batch.traceId, producers[1]!.traceId]);
  assert.deepEqual(await ids('service=tl-producer'), producers.map((p) => p.traceId).reverse());
  assert.deepEqual(await ids('service=tl-producer&limit=2'), [producers[2]!.traceId, producers[1]!.traceId]);
  assert.deepEqual(await ids('service=tl-consumer&errorOnly=true'), [batch.traceId]);
  assert.deepEqual(await ids('service=tl-producer&errorOnly=true'), []);
  assert.deepEqual(await ids('attribute=messaging.message.id=tl-msg-2'), [producers[2]!.traceId]);
  assert.deepEqual(await ids('destination=tl-batch&service=tl-consumer'), [batch.traceId]);
  assert.deepEqual(await ids(`traceId=${traceId()}`), []);
});

test('GET /api/requests without filters: the newest traces of the range, however far back they are', async () => {
  // four traces 55, 40, 20 and 12 minutes ago; the range [now−50m, now−10m) holds the last three,
  // and its last minutes only the newest (the list looks further back until it has enough)
  const base = Date.now();
  const at = (minAgo: number) => {
    const t = clock(base - minAgo * 60_000);
    return t.span({ service: 'rl-web', name: `GET /${minAgo}`, kind: 'SERVER', start: 0, durationMs: 5 });
  };
  const spans = [55, 40, 20, 12].map(at);
  await send(spans);
  const ids = async (query: string) => {
    const r = await es.api(`/api/requests?${query}`, new Date(base));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.requests.map((x: any) => x.rootName);
  };
  assert.deepEqual(await ids('from=now-50m&to=now-10m&limit=2'), ['GET /12', 'GET /20']);
  assert.deepEqual(await ids('from=now-50m&to=now-10m&limit=10'), ['GET /12', 'GET /20', 'GET /40']);
  assert.deepEqual(await ids('from=now-15m&to=now-10m'), ['GET /12']);
});

test('invalid parameters get 400, an unknown trace 404', async () => {
  for (const [path, message] of [
    ['/api/requests?from=banana', 'from: expected ISO 8601'],
    ['/api/requests?limit=0', 'limit: expected an integer between 1 and 500'],
    ['/api/requests?limit=501', 'limit: expected an integer between 1 and 500'],
    ['/api/requests?limit=ten', 'limit: expected an integer between 1 and 500'],
    ['/api/requests?traceId=xyz', 'traceId: expected 32 hex characters'],
    ['/api/requests?attribute=novalue', 'attribute: expected key=value'],
    ['/api/requests?errorOnly=maybe', 'errorOnly: expected true or false'],
    ['/api/requests?servce=x', 'unknown parameter "servce"'],
    ['/api/requests/not-a-trace-id', 'traceId: expected 32 hex characters'],
    [`/api/requests/${'a'.repeat(31)}`, 'traceId: expected 32 hex characters'],
    [`/api/requests/${traceId()}?maxDepth=-1`, 'maxDepth: expected an integer between 0 and 10'],
    [`/api/requests/${traceId()}?maxSpans=0`, 'maxSpans: expected an integer between 1 and 10000'],
    [`/api/requests/${traceId()}?anomalies=yes`, 'anomalies: expected true or false'],
  ] as const) {
    const r = await es.api(path);
    assert.equal(r.status, 400, path);
    assert.ok(String(r.body.error).includes(message), `${path}: ${r.body.error}`);
  }
  const missing = traceId();
  const r = await es.api(`/api/requests/${missing}`);
  assert.deepEqual([r.status, r.body], [404, { error: `trace ${missing} not found` }]);
});
