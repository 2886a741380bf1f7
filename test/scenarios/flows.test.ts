// Flows and stuck transactions (issue 13) through the real collector, with known answers: ten orders
// go FlowStart → ChargeCard → CardCharged with step times 1000 + 100·i ms and 2000 + 100·i ms; one
// more stops after ChargeCard five minutes ago. GET /api/flows learns the usual steps and their
// p50/p95; GET /api/flows/stuck lists the stopped order with CardCharged missing and the group that
// usually consumes it; once its CardCharged is sent the order is no longer stuck.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Span } from '../support/otlp.js';

let es: TestEventscope;
before(async () => {
  // 3 × p95 of CardCharged (2900 ms) = 8.7 s beats the 5 s minimum
  es = await startTestEventscope({ EVENTSCOPE_BUSINESS_KEYS: 'order.id', EVENTSCOPE_STUCK_MIN_SECONDS: '5', EVENTSCOPE_STUCK_MIN_SAMPLES: '5' });
});
after(async () => {
  await es?.close();
});

const STEPS = [
  { type: 'FlowStart', destination: 'fl-checkout', publisher: 'fl-web', consumer: 'fl-orchestrator', group: 'orchestrator-start' },
  { type: 'ChargeCard', destination: 'fl-card-commands', publisher: 'fl-orchestrator', consumer: 'fl-card', group: 'card-service' },
  { type: 'CardCharged', destination: 'fl-card-events', publisher: 'fl-card', consumer: 'fl-orchestrator', group: 'orchestrator-replies' },
];

/** One step of an order: a publish and its delivery (child of the publish); the key on the publish, the delivery, or both. */
function step(order: string, n: number, atMs: number, keyOn: 'publish' | 'deliver' | 'both'): Span[] {
  const s = STEPS[n]!;
  const c = clock(atMs);
  const key = { 'order.id': order };
  const pub = c.span({
    service: s.publisher, name: `${s.destination} send`, kind: 'PRODUCER', start: -20, durationMs: 1,
    attributes: { ...messaging({ destination: s.destination, operation: 'send', messageId: `${order}-${n}` }), 'cloudevents.event_type': s.type, ...(keyOn !== 'deliver' ? key : {}) },
  });
  const del = c.span({
    service: s.consumer, name: `${s.destination} process`, kind: 'CONSUMER', parent: pub, start: 0, durationMs: 5,
    attributes: { ...messaging({ destination: s.destination, operation: 'process', group: s.group, messageId: `${order}-${n}` }), 'cloudevents.event_type': s.type, ...(keyOn !== 'publish' ? key : {}) },
  });
  return [pub, del];
}

const now = Date.now();
const stuckAt = now - 5 * 60_000;
const spans: Span[] = [];
for (let i = 0; i < 10; i++) {
  const t0 = now - 30 * 60_000 + i * 2 * 60_000;
  spans.push(...step(`o-${i}`, 0, t0, 'publish'), ...step(`o-${i}`, 1, t0 + 1000 + 100 * i, 'deliver'), ...step(`o-${i}`, 2, t0 + 1000 + 100 * i + 2000 + 100 * i, 'both'));
}
spans.push(...step('o-stuck', 0, stuckAt, 'publish'), ...step('o-stuck', 1, stuckAt + 1200, 'deliver'));

let flowId: string;

test('the usual steps of the flow, their p50/p95 from the previous step, and the stuck count over time', async () => {
  await es.sendSpans(spans);
  const r = await es.api('/api/flows?from=now-1h');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const flows = r.body.flows.filter((f: any) => f.key === 'order.id');
  assert.equal(flows.length, 1, JSON.stringify(flows.map((f: any) => f.id)));
  const f = flows[0];
  flowId = f.id;
  assert.equal(f.id, 'order.id:FlowStart');
  assert.equal(f.learnt, true);
  assert.deepEqual([f.transactions, f.completed, f.inProgress, f.otherPaths, f.stuck], [11, 10, 0, 0, 1]);
  assert.deepEqual(
    f.usualSteps.map((s: any) => [s.label, s.destination, s.consumerGroups, s.publishers, s.p50Ms, s.p95Ms, s.samples, s.stuckAfterMs]),
    [
      ['FlowStart', 'fl-checkout', ['orchestrator-start'], ['fl-web'], null, null, 11, null],
      ['ChargeCard', 'fl-card-commands', ['card-service'], ['fl-orchestrator'], 1400, 1900, 11, 5700],
      ['CardCharged', 'fl-card-events', ['orchestrator-replies'], ['fl-card'], 2400, 2900, 10, 8700],
    ],
  );
  assert.equal(f.series.length, 24);
  assert.equal(f.series.at(-1).stuck, 1, JSON.stringify(f.series));
  // nothing was stuck before the order stopped (the ten others completed within seconds)
  assert.equal(f.series.filter((p: any) => Date.parse(p.t) < stuckAt).reduce((n: number, p: any) => n + p.stuck, 0), 0);
  assert.equal(r.body.stuck, undefined, 'the list itself is /api/flows/stuck');
});

test('the stopped order is listed as stuck: CardCharged missing, orchestrator-replies should have acted', async () => {
  const r = await es.api(`/api/flows/stuck?from=now-1h&flow=${encodeURIComponent(flowId)}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.total, 1);
  const s = r.body.stuck[0];
  assert.equal(s.value, 'o-stuck');
  assert.deepEqual([s.reached.label, s.reached.index, s.reached.consumerGroups], ['ChargeCard', 1, ['card-service']]);
  assert.deepEqual([s.missing.label, s.missing.index, s.missing.consumerGroups, s.missing.publishers], ['CardCharged', 2, ['orchestrator-replies'], ['fl-card']]);
  assert.equal(s.stuckAfterMs, 8700);
  assert.ok(s.waitingMs > 4 * 60_000, String(s.waitingMs));
  assert.equal(s.link, '/transactions/order.id/o-stuck');
  assert.equal(s.reached.at, new Date(stuckAt + 1200 - 20).toISOString()); // its publish
  // the same order is not stuck when judged from two seconds after its last step (less than 8.7 s)
  const early = await es.api(`/api/flows/stuck?from=now-1h&to=now`, new Date(stuckAt + 3200));
  assert.equal(early.status, 200, JSON.stringify(early.body));
  assert.equal(early.body.total, 0, JSON.stringify(early.body.stuck));
});

test('filters and parameters are checked', async () => {
  const other = await es.api('/api/flows/stuck?from=now-1h&flow=order.id:Nope');
  assert.equal(other.status, 200);
  assert.equal(other.body.total, 0);
  const bad = await es.api('/api/flows/stuck?flow=span.name:FlowStart');
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /^flow: expected a flow id/);
  assert.equal((await es.api('/api/flows/stuck?limit=0')).status, 400);
  assert.equal((await es.api('/api/flows?flow=x')).status, 400);
});

test('once its missing step arrives the order is no longer stuck, and its wait joins the usual times', async () => {
  await es.sendSpans(step('o-stuck', 2, Date.now() - 1000, 'both'));
  const r = await es.api(`/api/flows/stuck?from=now-1h`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.stuck.map((s: any) => s.value), []);
  const f = (await es.api('/api/flows?from=now-1h')).body.flows.find((x: any) => x.id === flowId);
  assert.deepEqual([f.completed, f.stuck], [11, 0]);
  assert.equal(f.series.at(-1).stuck, 0, JSON.stringify(f.series));
  // its late CardCharged is now one of the step's samples (11 of them: the p95 is the slowest, its ~300 s)
  const charged = f.usualSteps[2];
  assert.equal(charged.samples, 11);
  assert.ok(charged.p95Ms > 290_000, String(charged.p95Ms));
});
