// Pathways through the real collector: a two-hop chain shop → orders → billing → payments →
// notifier, five times, each with known times. The end-to-end latency of each step is measured
// from the chain's FIRST publish (shop's), so the p50/p95 are known exactly. One chain arrives
// backwards — its second hop is stored and paired before its first exists — and must still join
// the full path (late arrival), which the exact percentiles over five samples prove.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Span } from '../support/otlp.js';

let es: TestEventscope;
let result: any;
let fromMs: number;
let toMs: number;
let lateDownstreamAlone: any;

// step 1 (billing done) and step 2 (notifier done), ms after shop's publish started
const STEP1 = [10, 20, 30, 40, 50];
const STEP2 = [100, 200, 300, 400, 500];
const LATE = 3; // this chain's second hop is sent first

function chain(baseMs: number, i: number): { upstream: Span[]; downstream: Span[] } {
  const t = clock(baseMs + i * 2_000);
  const pub = t.span({ service: 'pw-shop', name: 'pw-orders send', kind: 'PRODUCER', start: 0, durationMs: 2, attributes: messaging({ destination: 'pw-orders', operation: 'send' }) });
  // billing handles it from 5 ms to STEP1[i], publishing to payments 1 ms into its work
  const billing = t.span({ service: 'pw-billing', name: 'pw-orders process', kind: 'CONSUMER', parent: pub, start: 5, end: STEP1[i]!, attributes: messaging({ destination: 'pw-orders', operation: 'process', group: 'pw-billing' }) });
  const pay = t.span({ service: 'pw-billing', name: 'pw-payments send', kind: 'PRODUCER', parent: billing, start: 6, durationMs: 1, attributes: messaging({ destination: 'pw-payments', operation: 'send' }) });
  const notify = t.span({ service: 'pw-notifier', name: 'pw-payments process', kind: 'CONSUMER', parent: pay, start: STEP2[i]! - 20, end: STEP2[i]!, attributes: messaging({ destination: 'pw-payments', operation: 'process', group: 'pw-notifier' }) });
  return { upstream: [pub, billing], downstream: [pay, notify] };
}

describe('GET /api/pathways', () => {
  before(async () => {
    es = await startTestEventscope();
    const baseMs = Date.now() - 60_000;
    fromMs = baseMs - 60_000;
    toMs = Date.now() + 60_000;
    const chains = STEP1.map((_, i) => chain(baseMs, i));
    await es.sendSpans(chains.filter((_, i) => i !== LATE).flatMap((c) => [...c.upstream, ...c.downstream]));
    // the late chain: its second hop alone first (paired by the next API call), then its first hop
    await es.sendSpans(chains[LATE]!.downstream);
    lateDownstreamAlone = (await es.api(`/api/pathways?from=${fromMs}&to=${toMs}`)).body;
    await es.sendSpans(chains[LATE]!.upstream);
    const res = await es.api(`/api/pathways?from=${fromMs}&to=${toMs}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    result = res.body;
  });
  after(async () => {
    await es?.close();
  });

  it('before its first hop arrives, a chain counts from the first publish it has', () => {
    const alone = lateDownstreamAlone.pathways.find((p: any) => p.path === 'pw-billing → pw-payments → pw-notifier');
    assert.ok(alone, JSON.stringify(lateDownstreamAlone.pathways.map((p: any) => p.path)));
    assert.equal(alone.count, 1);
  });

  it('lists the whole path once, from the first publishing service to the last consumer', () => {
    assert.deepEqual(
      result.pathways.map((p: any) => [p.path, p.origin, p.count]),
      [['pw-shop → pw-orders → pw-billing → pw-payments → pw-notifier', 'pw-shop', 5]],
    );
  });

  it('gives each consumer along the path p50/p95 from the FIRST publish to its completion, exactly', () => {
    const [p] = result.pathways;
    assert.deepEqual(
      p.steps.map((s: any) => [s.depth, s.destination, s.consumerGroup, s.service, s.count, s.p50Ms, s.p95Ms, s.maxMs]),
      [
        // exact percentiles, linear interpolation: p95 of 10…50 is 40 + 0.8 × 10
        [1, 'pw-orders', 'pw-billing', 'pw-billing', 5, 30, 48, 50],
        [2, 'pw-payments', 'pw-notifier', 'pw-notifier', 5, 300, 480, 500],
      ],
    );
    assert.deepEqual([p.endToEndP50Ms, p.endToEndP95Ms], [300, 480]);
  });

  it('links each step to an example request: the slowest one', async () => {
    const [p] = result.pathways;
    const ex = p.steps[1].exampleTraceId;
    assert.match(ex, /^[0-9a-f]{32}$/);
    const r = await es.api(`/api/requests/${ex}`);
    assert.equal(r.status, 200);
    const services = new Set(r.body.spans.map((s: any) => s.service));
    assert.ok(services.has('pw-shop') && services.has('pw-notifier'), [...services].join());
  });

  it('filters by origin and destination', async () => {
    const none = await es.api(`/api/pathways?from=${fromMs}&to=${toMs}&origin=pw-billing`);
    assert.deepEqual(none.body.pathways, []);
    const through = await es.api(`/api/pathways?from=${fromMs}&to=${toMs}&destination=pw-payments`);
    assert.equal(through.body.pathways.length, 1);
    const elsewhere = await es.api(`/api/pathways?from=${fromMs}&to=${toMs}&destination=nowhere`);
    assert.deepEqual(elsewhere.body.pathways, []);
  });
});
