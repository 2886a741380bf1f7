// Flow map (issue 8): dead-letter destinations drawn as such, also when grouped by message type,
// and each deliver edge's retry rate beside its error rate — through the real collector.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Span } from '../support/otlp.js';

let es: TestEventscope;
const typed = (type: string, attrs: ReturnType<typeof messaging>) => ({ ...attrs, 'cloudevents.event_type': type });

before(async () => {
  // one destination named by configuration only, beside the naming conventions
  es = await startTestEventscope({ EVENTSCOPE_DEAD_LETTER_PATTERNS: '^parking-lot$' });
  const t = clock(Date.now() - 60_000);
  const spans: Span[] = [];
  for (let i = 0; i < 10; i++) {
    const at = i * 100;
    const pub = t.span({ service: 'shop', name: 'orders send', kind: 'PRODUCER', start: at, attributes: typed('OrderPlaced', messaging({ destination: 'orders', operation: 'send' })) });
    spans.push(pub);
    const attempt = (start: number, ok: boolean, retry: boolean) =>
      t.span({
        service: 'payment', name: 'orders process', kind: 'CONSUMER', parent: pub, start, durationMs: 2, status: ok ? 'OK' : 'ERROR',
        attributes: { ...typed('OrderPlaced', messaging({ destination: 'orders', operation: 'process', group: 'payment' })), ...(retry ? { 'messaging.rabbitmq.redelivered': 'true' } : {}) },
      });
    // messages 0–3 fail once and are retried (marked redelivered); 0 and 1 fail again and are dead-lettered
    const first = attempt(at + 10, i >= 4, false);
    spans.push(first);
    if (i < 4) {
      const retry = attempt(at + 50, i >= 2, true);
      spans.push(retry);
      if (i < 2) {
        const dead = t.span({ service: 'payment', name: 'orders.payment.dlq send', kind: 'PRODUCER', parent: retry, start: at + 53, attributes: typed('OrderPlaced', messaging({ destination: 'orders.payment.dlq', operation: 'send' })) });
        spans.push(dead, t.span({ service: 'ops', name: 'orders.payment.dlq process', kind: 'CONSUMER', parent: dead, start: at + 80, attributes: typed('OrderPlaced', messaging({ destination: 'orders.payment.dlq', operation: 'process', group: 'dlq-inspector' })) }));
      }
    }
  }
  spans.push(t.span({ service: 'shipping', name: 'parking-lot send', kind: 'PRODUCER', start: 2_000, attributes: typed('ShipmentFailed', messaging({ destination: 'parking-lot', operation: 'send' })) }));
  await es.sendSpans(spans);
});
after(async () => {
  await es?.close();
});

async function topology(query = '') {
  const r = await es.api(`/api/topology?from=now-1h${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { nodes: any[]; edges: any[] };
}

describe('flow map: dead-letter destinations and retries', () => {
  it('marks dead-letter destinations, by convention and by configuration, and no other', async () => {
    const topo = await topology();
    const destinations = topo.nodes.filter((n) => n.kind === 'destination').map((n) => [n.label, n.deadLetter ?? false]);
    assert.deepEqual(destinations, [
      ['orders', false],
      ['orders.payment.dlq', true],
      ['parking-lot', true],
    ]);
  });

  it('a deliver edge carries its retries beside its errors', async () => {
    const topo = await topology();
    const e = topo.edges.find((x) => x.kind === 'deliver' && x.group === 'payment');
    // 10 first deliveries + 4 retries; 4 first attempts and 2 retries failed
    assert.deepEqual([e.count, e.errors, e.retries], [14, 6, 4]);
    const inspector = topo.edges.find((x) => x.kind === 'deliver' && x.group === 'dlq-inspector');
    assert.deepEqual([inspector.source, inspector.count, inspector.retries], ['destination:kafka:orders.payment.dlq', 2, 0]);
    assert.ok(topo.edges.filter((x) => x.kind === 'publish').every((x) => x.retries === undefined), 'publish edges have no retries');
  });

  it('grouped by message type, the dead-letter destination keeps its own node and deliver edges keep their lag', async () => {
    const topo = await topology('&groupBy=messageType');
    const dlq = 'destination:kafka:orders.payment.dlq';
    assert.deepEqual(topo.nodes.find((n) => n.id === dlq), { id: dlq, kind: 'destination', label: 'orders.payment.dlq', system: 'kafka', deadLetter: true });
    assert.equal(topo.nodes.some((n) => n.id === 'destination:kafka:orders'), false, 'an ordinary destination folds into its type');
    assert.deepEqual(
      topo.edges.filter((e) => e.source === dlq || e.target === dlq).map((e) => `${e.kind} ${e.source} -> ${e.target}${e.group ? ` [${e.group}]` : ''} ${e.count}`),
      [`publish service:payment -> ${dlq} 2`, `deliver ${dlq} -> service:ops [dlq-inspector] 2`],
    );
    const payment = topo.edges.find((e) => e.kind === 'deliver' && e.group === 'payment');
    assert.deepEqual([payment.source, payment.retries, payment.lag?.status, payment.lag?.backlog], ['messageType:kafka:OrderPlaced', 4, 'OK', 0]);
  });
});
