// Throughput per destination and consumer group per step, and per-partition lag, through the real
// collector. Publishes to one destination in three whole minutes (3, 5, 2 messages); one group
// receives every message once, another also receives the first minute's messages a second time
// (duplicates after success) and fails one delivery that is then redelivered. A second destination
// has two partitions with offsets: partition 0 fully consumed, partition 1 only its first four.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Span } from '../support/otlp.js';

let es: TestEventscope;
let fromMs: number;
let toMs: number;
const PER_MINUTE = [3, 5, 2];

function scenario(): Span[] {
  const t = clock(fromMs);
  const spans: Span[] = [];
  PER_MINUTE.forEach((n, m) => {
    for (let k = 0; k < n; k++) {
      const at = m * 60_000 + k * 1_000 + 500;
      const pub = t.span({ service: 'tp-shop', name: 'tp-orders send', kind: 'PRODUCER', start: at, attributes: messaging({ destination: 'tp-orders', operation: 'send' }) });
      spans.push(pub);
      const deliver = (group: string, start: number, status?: 'ERROR') =>
        spans.push(
          t.span({
            service: `${group}-svc`,
            name: 'tp-orders process',
            kind: 'CONSUMER',
            parent: pub,
            start,
            status,
            attributes: messaging({ destination: 'tp-orders', operation: 'process', group }),
          }),
        );
      deliver('tp-all', at + 10);
      if (m === 1 && k === 0) {
        deliver('tp-twice', at + 10, 'ERROR');
        deliver('tp-twice', at + 20); // redelivery after a failure
      } else deliver('tp-twice', at + 10);
      if (m === 0) deliver('tp-twice', at + 100); // the same message again after success: a duplicate
    }
  });
  // partitions with offsets: 10 per partition, partition 1 consumed up to offset 3
  for (const partition of [0, 1]) {
    for (let o = 0; o < 10; o++) {
      const at = o * 1_000 + 200 + partition * 100;
      const pub = t.span({ service: 'tp-ledger', name: 'tp-ledger send', kind: 'PRODUCER', start: at, attributes: messaging({ destination: 'tp-ledger', operation: 'send', partition, offset: o }) });
      spans.push(pub);
      if (partition === 0 || o <= 3) {
        spans.push(
          t.span({ service: 'tp-audit', name: 'tp-ledger process', kind: 'CONSUMER', parent: pub, start: at + 50, attributes: messaging({ destination: 'tp-ledger', operation: 'process', group: 'tp-audit', partition, offset: o }) }),
        );
      }
    }
  }
  return spans;
}

before(async () => {
  es = await startTestEventscope();
  toMs = Math.floor(Date.now() / 60_000) * 60_000;
  fromMs = toMs - 3 * 60_000;
  await es.sendSpans(scenario());
});
after(async () => {
  await es?.close();
});

describe('GET /api/throughput', () => {
  let r: any;
  before(async () => {
    const res = await es.api(`/api/throughput?from=${fromMs}&to=${toMs}&step=1m`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    r = res.body;
  });
  const dest = (name: string) => r.destinations.find((d: any) => d.destination === name);
  const group = (d: string, g: string) => dest(d).groups.find((x: any) => x.consumerGroup === g);
  const col = (series: any[], k: string) => series.map((p: any) => p[k]);

  it('counts messages published to each destination per step', () => {
    assert.equal(r.stepMs, 60_000);
    const d = dest('tp-orders');
    assert.deepEqual(col(d.series, 't'), [0, 1, 2].map((m) => new Date(fromMs + m * 60_000).toISOString()));
    assert.deepEqual(col(d.series, 'published'), PER_MINUTE);
    assert.equal(d.published, 10);
    assert.deepEqual(d.publishers, ['tp-shop']);
  });

  it('counts deliveries per consumer group per step, first deliveries, redeliveries and duplicates apart', () => {
    const all = group('tp-orders', 'tp-all');
    assert.deepEqual(col(all.series, 'delivered'), PER_MINUTE);
    assert.deepEqual(col(all.series, 'firstDeliveries'), PER_MINUTE);
    assert.deepEqual(all.services, ['tp-all-svc']);
    const twice = group('tp-orders', 'tp-twice');
    assert.deepEqual(col(twice.series, 'delivered'), [6, 6, 2]);
    assert.deepEqual(col(twice.series, 'firstDeliveries'), PER_MINUTE);
    assert.deepEqual(col(twice.series, 'duplicates'), [3, 0, 0]);
    assert.deepEqual(col(twice.series, 'redeliveries'), [0, 1, 0]);
    assert.deepEqual(col(twice.series, 'errors'), [0, 1, 0]);
    assert.deepEqual([twice.delivered, twice.firstDeliveries], [14, 10]);
  });

  it('a coarser step sums the minutes; destination and group narrow the answer', async () => {
    const coarse = (await es.api(`/api/throughput?from=${fromMs}&to=${toMs}&step=2m&destination=tp-orders&group=tp-all`)).body;
    assert.deepEqual(coarse.destinations.map((d: any) => d.destination), ['tp-orders']);
    assert.deepEqual(coarse.destinations[0].groups.map((g: any) => g.consumerGroup), ['tp-all']);
    assert.deepEqual(col(coarse.destinations[0].series, 'published'), [8, 2]);
    assert.deepEqual(col(coarse.destinations[0].groups[0].series, 'delivered'), [8, 2]);
  });

  it('refuses a step finer than the per-minute state', async () => {
    const res = await es.api(`/api/throughput?from=${fromMs}&to=${toMs}&step=30s`);
    assert.equal(res.status, 400);
    assert.match(res.body.error, /whole minutes/);
  });
});

describe('GET /api/lag per partition', () => {
  it('reports backlog and offset lag per partition of a destination × group', async () => {
    const res = await es.api(`/api/lag?from=${fromMs}&to=${toMs}&step=10s&destination=tp-ledger`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [g] = res.body.groups;
    assert.equal(g.consumerGroup, 'tp-audit');
    assert.deepEqual(
      g.partitions.map((p: any) => [p.partition, p.current.backlog, p.current.offsetLag]),
      [['0', 0, 0], ['1', 6, 6]],
    );
    assert.equal(g.current.backlog, 6);
    // every partition has a series over the whole range: the chart draws one line per partition
    for (const p of g.partitions) assert.equal(p.series.length, g.series.length);
    const p1 = g.partitions.find((p: any) => p.partition === '1');
    assert.equal(Math.max(...p1.series.map((pt: any) => pt.backlog)), 6);
    assert.equal(p1.series.reduce((a: number, pt: any) => a + pt.delivered, 0), 4);
  });

  it('partition= keeps one partition', async () => {
    const res = await es.api(`/api/lag?from=${fromMs}&to=${toMs}&step=10s&destination=tp-ledger&partition=0`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [g] = res.body.groups;
    assert.deepEqual(g.partitions.map((p: any) => p.partition), ['0']);
    assert.equal(g.current.backlog, 0);
    assert.equal(g.series.reduce((a: number, pt: any) => a + pt.published, 0), 10);
  });
});
