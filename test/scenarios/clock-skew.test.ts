// Clock skew corrected per host everywhere (issue 8), through the real collector: the orders service
// runs on a host whose clock is 3 s ahead. checkout (a normal host) calls it over HTTP; it publishes;
// billing (a normal host) consumes 50 ms after the publish. Uncorrected, every queue time would be
// negative (clamped to 0), a 100 ms request would last 3 s in the request list, and publishes from
// "the future" would confuse the lag status. Corrected, queue times and durations are real and the
// views say a correction was applied.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Span } from '../support/otlp.js';

const AHEAD_MS = 3_000;
let es: TestEventscope;
let now: Date;
const traceIds: string[] = [];
const lonely: string[] = [];
const range = () => `from=${now.getTime() - 2 * 60_000}&to=${now.getTime()}`;

before(async () => {
  es = await startTestEventscope();
  const nowMs = Math.floor(Date.now() / 1000) * 1000;
  now = new Date(nowMs);
  const t = clock(nowMs - 60_000);
  const spans: Span[] = [];
  for (let s = 0; s < 30; s++) {
    const at = s * 1000;
    // true times: checkout [0, 100]; orders server [10, 60]; publish [20, 21]; billing [71, 91]
    const call = t.span({ service: 'checkout', host: 'checkout-host', name: 'POST /orders', kind: 'CLIENT', start: at, durationMs: 100 });
    const server = t.span({ service: 'orders', host: 'orders-host', name: 'POST /orders', kind: 'SERVER', parent: call, start: at + 10 + AHEAD_MS, durationMs: 50 });
    const pub = t.span({
      service: 'orders',
      host: 'orders-host',
      name: 'skew-orders send',
      kind: 'PRODUCER',
      parent: server,
      start: at + 20 + AHEAD_MS,
      durationMs: 1,
      attributes: messaging({ destination: 'skew-orders', operation: 'send' }),
    });
    const del = t.span({
      service: 'billing',
      host: 'billing-host',
      name: 'skew-orders process',
      kind: 'CONSUMER',
      parent: pub,
      start: at + 71,
      durationMs: 20,
      attributes: messaging({ destination: 'skew-orders', operation: 'process', group: 'billing' }),
    });
    spans.push(call, server, pub, del);
    traceIds.push(call.traceId);
  }
  // a producer host 2 s ahead that nothing calls: only the hops tell its clock
  for (let s = 0; s < 20; s++) {
    const p = t.span({
      service: 'ledger',
      host: 'lonely-host',
      name: 'skew-audit send',
      kind: 'PRODUCER',
      start: s * 1000 + 2_000,
      durationMs: 1,
      attributes: messaging({ destination: 'skew-audit', operation: 'send' }),
    });
    const d = t.span({
      service: 'audit',
      host: 'audit-host',
      name: 'skew-audit process',
      kind: 'CONSUMER',
      parent: p,
      start: s * 1000 + 31 + (s % 5) * 10,
      attributes: messaging({ destination: 'skew-audit', operation: 'process', group: 'audit' }),
    });
    spans.push(p, d);
    lonely.push(p.traceId);
  }
  await es.sendSpans(spans);
});
after(async () => {
  await es?.close();
});

describe('a producer host 3 s ahead', () => {
  it('is found and corrected: the host offset says so', async () => {
    const r = await es.api(`/api/lag?${range()}`, now);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const skew = r.body.clockSkew.find((c: any) => c.host === 'orders-host');
    assert.equal(skew.host, 'orders-host');
    // centring the 50 ms server span in its 100 ms client span: −(3000 + 10 − 25) ms
    assert.equal(skew.offsetMs, -2_985);
    assert.match(skew.basis, /^checkout-host → orders-host: 30 synchronous calls put the server span inside its client span/);
  });

  it('lag: real queue times, a caught-up consumer is OK, not STOP', async () => {
    const r = await es.api(`/api/lag?${range()}&destination=skew-orders`, now);
    const g = r.body.groups.find((x: any) => x.consumerGroup === 'billing');
    assert.ok(g);
    assert.equal(g.status, 'OK', g.reason);
    assert.equal(g.current.backlog, 0);
    // true queue 50 ms; centring leaves 35 ms (the server span's true position inside the call is unknown)
    assert.equal(g.current.queueP50Ms, 35);
    const delivered = g.series.reduce((n: number, p: any) => n + p.delivered, 0);
    assert.equal(delivered, 30);
  });

  it('flow map: the deliver edge has the corrected queue time', async () => {
    const r = await es.api(`/api/topology?${range()}`, now);
    const edge = r.body.edges.find((e: any) => e.kind === 'deliver' && e.group === 'billing');
    assert.equal(edge.queueP50Ms, 35);
    assert.equal(edge.queueP95Ms, 35);
  });

  it('request list: a 100 ms request lasts 100 ms, flagged as corrected', async () => {
    const r = await es.api(`/api/requests?${range()}&service=checkout&limit=100`, now);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const rows = r.body.requests.filter((x: any) => traceIds.includes(x.traceId));
    assert.equal(rows.length, 30);
    assert.deepEqual([...new Set(rows.map((x: any) => `${x.durationMs}/${x.clockSkewCorrected}`))], ['100/true']);
  });

  it('a host only the hops know: the timeline shifts it by the estimate and says so', async () => {
    const r = await es.api(`/api/lag?${range()}&destination=skew-audit`, now);
    const skew = r.body.clockSkew.find((c: any) => c.host === 'lonely-host');
    // true queue times 30–70 ms; the bound can only remove the impossible part: −(2000 − 30 ... ) ms
    assert.equal(skew.offsetMs, -1_969);
    assert.match(skew.basis, /^lonely-host → audit-host: a delivery started 1,969 ms before its publish started$/);
    const g = r.body.groups.find((x: any) => x.consumerGroup === 'audit');
    assert.equal(g.status, 'OK', g.reason);
    const tl = await es.api(`/api/requests/${lonely[4]}`, now);
    assert.equal(tl.status, 200);
    assert.deepEqual(tl.body.clockSkew.map((c: any) => [c.host, c.offsetMs]), [['audit-host', 1_969]]);
    const [hop] = tl.body.hops;
    // message 4: true queue 70 ms; on the estimate 40 ms (the least true queue, 30 ms, is what the bound cannot see)
    assert.equal(hop.rawQueueMs, -1_930);
    assert.equal(hop.queueMs, 39);
  });
});
