// Flow map (issue 8): a consumer group that delivered nothing in the range stays on the map with its
// status and backlog (a stopped consumer is the one a user looks for) — through the real collector.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Span } from '../support/otlp.js';

const MIN = 60_000;
let es: TestEventscope;
let now: Date;

before(async () => {
  es = await startTestEventscope();
  const nowMs = Math.floor(Date.now() / MIN) * MIN;
  now = new Date(nowMs);
  const t = clock(nowMs);
  const spans: Span[] = [];
  // one order a minute for the last hour; 'live' keeps up, 'stopped' consumed the first 20 and stopped
  for (let m = 60; m > 0; m--) {
    const at = -m * MIN + 1_000;
    const p = t.span({ service: 'orders', name: 'idle-orders send', kind: 'PRODUCER', start: at, attributes: messaging({ destination: 'idle-orders', operation: 'send' }) });
    spans.push(p);
    const consume = (group: string) =>
      t.span({ service: `${group}-svc`, name: 'idle-orders process', kind: 'CONSUMER', parent: p, start: at + 20, attributes: messaging({ destination: 'idle-orders', operation: 'process', group }) });
    spans.push(consume('live'));
    if (m > 40) spans.push(consume('stopped'));
  }
  await es.sendSpans(spans);
});
after(async () => {
  await es?.close();
});

const deliverEdges = async (query: string) => {
  const r = await es.api(`/api/topology?${query}`, now);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return new Map<string, any>(r.body.edges.filter((e: any) => e.kind === 'deliver').map((e: any) => [e.group, e]));
};

describe('flow map: consumer groups that delivered nothing in the range', () => {
  for (const query of ['from=now-15m', 'from=now-5m', 'from=now-15m&groupBy=messageType']) {
    it(`${query}: the stopped group keeps an idle edge with its STOP status and backlog`, async () => {
      const edges = await deliverEdges(query);
      const stopped = edges.get('stopped');
      assert.ok(stopped, `deliver edges: ${[...edges.keys()]}`);
      assert.deepEqual(
        [stopped.target, stopped.count, stopped.errors, stopped.lag?.status, stopped.lag?.backlog],
        ['service:stopped-svc', 0, 0, 'STOP', 40],
      );
      assert.deepEqual([edges.get('live')?.lag?.status, edges.get('live')?.lag?.backlog], ['OK', 0]);
      assert.ok(edges.get('live').count > 0);
    });
  }

  it('over the hour it delivered in, the group has its ordinary edge', async () => {
    const edges = await deliverEdges('from=now-1h');
    assert.deepEqual([edges.get('stopped')?.count, edges.get('stopped')?.lag?.status], [20, 'STOP']);
  });

  it('lag=false still draws the edge, without a status', async () => {
    const edges = await deliverEdges('from=now-15m&lag=false');
    assert.deepEqual([edges.get('stopped')?.count, edges.get('stopped')?.lag], [0, undefined]);
  });
});
