// Consumer lag through the real collector: one destination published to once a second for a
// minute, consumed by groups that keep up, fall behind, stop, catch up after a pause, or consume in
// link-only batches; a second destination with Kafka offsets on both sides. Everything is posted
// twice (an exporter resend), which must not change a single count.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, request, type Span } from '../support/otlp.js';

const STEP = 10_000;
let es: TestEventscope;
let fromMs: number;
let toMs: number;
let lag: any;
const query = () => `/api/lag?from=${fromMs}&to=${toMs}&step=10s`;

function buildScenario(): Span[] {
  const t = clock(fromMs);
  const spans: Span[] = [];
  const consume = (group: string, p: Span, start: number) =>
    spans.push(
      t.span({
        service: `${group}-svc`,
        name: 'lag-orders process',
        kind: 'CONSUMER',
        parent: p,
        start,
        attributes: messaging({ destination: 'lag-orders', operation: 'process', group }),
      }),
    );
  const published: Span[] = [];
  for (let s = 0; s < 60; s++) {
    const at = s * 1000 + 500;
    const p = t.span({
      service: 'orders',
      name: 'lag-orders send',
      kind: 'PRODUCER',
      start: at,
      durationMs: 1,
      attributes: messaging({ destination: 'lag-orders', operation: 'send' }),
    });
    spans.push(p);
    published.push(p);
    consume('fast', p, at + 11); // queue time 10 ms
    if (s % 2 === 0) consume('slow', p, at + 301); // every other message: backlog grows
    if (s < 20) consume('stopper', p, at + 21); // consumes for 20 s, then stops
    consume('pausy', p, s < 35 ? 35_000 + s * 10 + 100 : at + 100); // paused 35 s, then drains
  }
  // link-only batch consumer: one receive span per 10 s linking that interval's 10 messages
  for (let i = 0; i < 6; i++) {
    spans.push(
      t.span({
        service: 'linked-svc',
        name: 'lag-orders receive',
        kind: 'CONSUMER',
        start: i * STEP + 9_900,
        links: published.slice(i * 10, i * 10 + 10),
        attributes: messaging({ destination: 'lag-orders', operation: 'receive', group: 'linked', batchCount: 10 }),
      }),
    );
  }
  // offsets on both sides: partition 0 offsets 0..9 produced, 0..5 delivered
  for (let o = 0; o < 10; o++) {
    const p = t.span({
      service: 'ledger',
      name: 'lag-ledger send',
      kind: 'PRODUCER',
      start: o * 1000 + 200,
      attributes: messaging({ destination: 'lag-ledger', operation: 'send', partition: 0, offset: o }),
    });
    spans.push(p);
    if (o <= 5) {
      spans.push(
        t.span({
          service: 'audit',
          name: 'lag-ledger process',
          kind: 'CONSUMER',
          parent: p,
          start: o * 1000 + 300,
          attributes: messaging({ destination: 'lag-ledger', operation: 'process', group: 'audit', partition: 0, offset: o }),
        }),
      );
    }
  }
  return spans;
}

const group = (name: string) => {
  const g = lag.groups.find((x: any) => x.consumerGroup === name);
  assert.ok(g, `group ${name} in ${lag.groups.map((x: any) => x.consumerGroup)}`);
  return g;
};
const column = (g: any, key: string) => g.series.map((p: any) => p[key]);

describe('GET /api/lag', () => {
  before(async () => {
    es = await startTestEventscope();
    toMs = Math.floor(Date.now() / STEP) * STEP;
    fromMs = toMs - 6 * STEP;
    const spans = buildScenario();
    const body = request(spans);
    for (let k = 0; k < 2; k++) {
      const res = await es.postOtlpJson(body);
      assert.equal(res.status, 200);
    }
    await es.waitForSpans(2 * spans.length);
    const t0 = performance.now();
    const res = await es.api(query());
    console.log(`# /api/lag over ${spans.length * 2} stored spans: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    lag = res.body;
  });
  after(async () => {
    await es?.close();
  });

  it('lists every destination × group, sorted, with the requested step', () => {
    assert.equal(lag.stepMs, STEP);
    assert.deepEqual(
      lag.groups.map((g: any) => `${g.destination}/${g.consumerGroup}`),
      ['lag-ledger/audit', 'lag-orders/fast', 'lag-orders/linked', 'lag-orders/pausy', 'lag-orders/slow', 'lag-orders/stopper'],
    );
    for (const g of lag.groups) {
      assert.equal(g.series.length, 6);
      assert.deepEqual(column(g, 't'), [0, 1, 2, 3, 4, 5].map((i) => new Date(fromMs + i * STEP).toISOString()));
    }
  });

  it('a consumer that keeps up: backlog 0, queue time exact, OK', () => {
    const g = group('fast');
    assert.deepEqual(column(g, 'published'), [10, 10, 10, 10, 10, 10]);
    assert.deepEqual(column(g, 'delivered'), [10, 10, 10, 10, 10, 10]);
    assert.deepEqual(column(g, 'backlog'), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(column(g, 'queueP50Ms'), [10, 10, 10, 10, 10, 10]);
    assert.deepEqual(column(g, 'queueP95Ms'), [10, 10, 10, 10, 10, 10]);
    assert.deepEqual(column(g, 'oldestUndeliveredAgeMs'), [0, 0, 0, 0, 0, 0]);
    assert.equal(g.status, 'OK');
    assert.equal(g.reason, 'caught up: no messages waiting');
    assert.equal(g.current.backlog, 0);
  });

  it('a consumer whose backlog grows: WARN, with the age of the oldest waiting message', () => {
    const g = group('slow');
    assert.deepEqual(column(g, 'delivered'), [5, 5, 5, 5, 5, 5]);
    assert.deepEqual(column(g, 'backlog'), [5, 10, 15, 20, 25, 30]);
    assert.deepEqual(column(g, 'queueP50Ms'), [300, 300, 300, 300, 300, 300]);
    // message 1 (published at +1.5 s) is the oldest never delivered
    assert.deepEqual(column(g, 'oldestUndeliveredAgeMs'), [8_500, 18_500, 28_500, 38_500, 48_500, 58_500]);
    assert.equal(g.status, 'WARN');
    // the status is judged on its own grid, whatever the series' step (burrow.ts statusGrid): 15
    // intervals of 4 s over this one-minute range; after the first, 4 published and 2 delivered
    assert.equal(g.reason, 'backlog never decreased across the window and grew from 2 to 30');
    assert.deepEqual(
      { backlog: g.current.backlog, age: g.current.oldestUndeliveredAgeMs, p50: g.current.queueP50Ms },
      { backlog: 30, age: 58_500, p50: 300 },
    );
  });

  it('a consumer that stops: STOP, explained', () => {
    const g = group('stopper');
    assert.deepEqual(column(g, 'delivered'), [10, 10, 0, 0, 0, 0]);
    assert.deepEqual(column(g, 'backlog'), [0, 0, 10, 20, 30, 40]);
    assert.deepEqual(column(g, 'queueP95Ms'), [20, 20, null, null, null, null]);
    assert.equal(g.status, 'STOP');
    assert.match(g.reason, /^no deliveries for \d+s .* longer than the 19s it was active before; 40 messages waiting$/);
    assert.equal(g.current.lastDeliveryAt, new Date(fromMs + 19_521).toISOString());
  });

  it('a consumer that catches up after a pause: OK', () => {
    const g = group('pausy');
    assert.deepEqual(column(g, 'delivered'), [0, 0, 0, 40, 10, 10]);
    assert.deepEqual(column(g, 'backlog'), [10, 20, 30, 0, 0, 0]);
    assert.deepEqual(column(g, 'oldestUndeliveredAgeMs'), [9_500, 19_500, 29_500, 0, 0, 0]);
    assert.equal(g.status, 'OK');
  });

  it('a link-only batch consumer counts its linked messages as deliveries, with exact queue times', () => {
    const g = group('linked');
    assert.deepEqual(column(g, 'delivered'), [10, 10, 10, 10, 10, 10]);
    assert.deepEqual(column(g, 'backlog'), [0, 0, 0, 0, 0, 0]);
    // queue times 399, 1399, … 9399 ms in every interval (linear interpolation between samples)
    assert.deepEqual(column(g, 'queueP50Ms'), [4_899, 4_899, 4_899, 4_899, 4_899, 4_899]);
    assert.deepEqual(column(g, 'queueP95Ms'), [8_949, 8_949, 8_949, 8_949, 8_949, 8_949]);
    assert.deepEqual(column(g, 'queueMaxMs'), [9_399, 9_399, 9_399, 9_399, 9_399, 9_399]);
    assert.equal(g.status, 'OK');
  });

  it('offset lag where offsets are known on both sides, per partition', () => {
    const g = group('audit');
    assert.deepEqual(column(g, 'published'), [10, 0, 0, 0, 0, 0]);
    assert.deepEqual(column(g, 'backlog'), [4, 4, 4, 4, 4, 4]);
    assert.deepEqual(column(g, 'offsetLag'), [4, 4, 4, 4, 4, 4]);
    assert.equal(g.partitions.length, 1);
    assert.equal(g.partitions[0].partition, '0');
    assert.deepEqual(column(g.partitions[0], 'offsetLag'), [4, 4, 4, 4, 4, 4]);
    assert.equal(g.current.offsetLag, 4);
    // consumed for 5 s, silent since, 4 messages waiting
    assert.equal(g.status, 'STOP');
    assert.match(g.reason, /4 messages waiting$/);
    assert.equal(group('fast').current.offsetLag, null);
  });

  it('the exporter resend changed nothing: every group saw each message once', () => {
    assert.deepEqual(column(group('fast'), 'published'), [10, 10, 10, 10, 10, 10]);
    assert.equal(group('pausy').series.reduce((n: number, p: any) => n + p.delivered, 0), 60);
  });

  it('filters by destination and group', async () => {
    const res = await es.api(`/api/lag?from=${fromMs}&to=${toMs}&destination=lag-orders&group=slow`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.groups.map((g: any) => g.consumerGroup), ['slow']);
    assert.equal(res.body.stepMs, 1_000, 'default step for one minute: 1s (60 points)');
    assert.equal(res.body.groups[0].series.length, 60);
    assert.equal(res.body.groups[0].current.backlog, 30);
  });

  it('rejects bad parameters with 400 and a message', async () => {
    const cases: Array<[string, RegExp]> = [
      [`/api/lag?from=${fromMs}&to=${toMs}&step=banana`, /^step: expected a duration/],
      [`/api/lag?from=${fromMs}&to=${toMs}&step=500ms`, /^step must be at least 1s/],
      [`/api/lag?from=now-7d&to=now&step=1m`, /too small for the range: 10080 points, at most 1440/],
      [`/api/lag?from=${toMs}&to=${fromMs}`, /^from must be before to$/],
      [`/api/lag?from=yesterday`, /^from: expected ISO 8601/],
      [`/api/lag?group=`, /^group: expected a non-empty name/],
    ];
    for (const [path, message] of cases) {
      const res = await es.api(path);
      assert.equal(res.status, 400, path);
      assert.match(res.body.error, message, path);
    }
  });
});

// The status describes now (issue 8): a group that kept up for 40 minutes and has fallen further
// behind for the last 20 (10 minutes behind by now) must not read OK over a long range just because
// its backlog was zero earlier in that range.
describe('GET /api/lag: the status is evaluated over a window that ends at the range end', () => {
  const MIN = 60_000;
  let es2: TestEventscope;
  let now: Date;
  before(async () => {
    es2 = await startTestEventscope();
    const nowMs = Math.floor(Date.now() / MIN) * MIN;
    now = new Date(nowMs);
    const t = clock(nowMs);
    const spans: Span[] = [];
    const behindSince = -20 * MIN;
    for (let at = -60 * MIN; at < 0; at += 10_000) {
      const p = t.span({ service: 'orders', name: 'behind-orders send', kind: 'PRODUCER', start: at, durationMs: 1, attributes: messaging({ destination: 'behind-orders', operation: 'send' }) });
      spans.push(p);
      const consume = (group: string, start: number) =>
        spans.push(t.span({ service: `${group}-svc`, name: 'behind-orders process', kind: 'CONSUMER', parent: p, start, attributes: messaging({ destination: 'behind-orders', operation: 'process', group }) }));
      consume('keeping-up', at + 50);
      // on time until 20 minutes ago, then at half the publish rate: 10 minutes behind by now
      const late = at < behindSince ? at + 50 : behindSince + 2 * (at - behindSince) + 50;
      if (late < 0) consume('behind', late);
    }
    await es2.sendSpans(spans);
  });
  after(async () => {
    await es2?.close();
  });

  // [label, from, range, default step]: a series of whole-minute steps lies on the clock's
  // multiples of its step, its first interval holding the range's start
  for (const [label, from, rangeMs, stepMs] of [['1 h', 'now-1h', 60 * MIN, MIN], ['24 h', 'now-24h', 24 * 60 * MIN, 30 * MIN], ['15 min', 'now-15m', 15 * MIN, 15_000]] as const) {
    it(`over ${label}: the group falling behind is WARN with a 10-minute-old message waiting; the one keeping up is OK`, async () => {
      const startMs = stepMs % MIN === 0 ? Math.floor((now.getTime() - rangeMs) / stepMs) * stepMs : now.getTime() - rangeMs;
      const points = Math.ceil((now.getTime() - startMs) / stepMs);
      const res = await es2.api(`/api/lag?from=${from}&destination=behind-orders`, now);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const byGroup = new Map(res.body.groups.map((g: any) => [g.consumerGroup, g]));
      const behind: any = byGroup.get('behind');
      assert.equal(behind.status, 'WARN', behind.reason);
      assert.match(behind.reason, /^backlog never decreased across the window and grew from \d+ to 60$/);
      assert.equal(behind.current.backlog, 60);
      assert.equal(behind.current.oldestUndeliveredAgeMs, 10 * MIN);
      assert.equal(behind.series.length, points, 'the series still covers the whole range');
      assert.equal(behind.series[0].t, new Date(startMs).toISOString());
      const keeping: any = byGroup.get('keeping-up');
      assert.equal(keeping.status, 'OK', keeping.reason);
      assert.equal(keeping.current.backlog, 0);
    });
  }

  it('a five-minute series (from the 300 s cells) sums its one-minute series (from the 60 s cells), interval by interval', async () => {
    const seriesOf = async (step: string) => {
      const res = await es2.api(`/api/lag?from=now-2h&step=${step}&destination=behind-orders`, now);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return new Map<string, any[]>(res.body.groups.map((g: any) => [g.consumerGroup, g.series]));
    };
    const [fives, ones] = [await seriesOf('5m'), await seriesOf('1m')];
    for (const group of ['behind', 'keeping-up']) {
      const five = fives.get(group)!;
      const one = ones.get(group)!;
      // both on the clock: the five-minute series starts at or before the one-minute one
      assert.equal(one.length, 120, group);
      assert.ok(five.length === 24 || five.length === 25, `${group}: ${five.length}`);
      assert.equal(Date.parse(five[0].t) % (5 * MIN), 0);
      const at = new Map(one.map((m, i) => [m.t, i]));
      let published = 0;
      let compared = 0;
      for (const p of five) {
        const i = at.get(p.t);
        if (i === undefined) continue; // the first five minutes, begun before the hour series
        const minutes = one.slice(i, i + 5);
        const sum = (k: string) => minutes.reduce((a: number, m: any) => a + m[k], 0);
        assert.deepEqual([p.published, p.delivered, p.backlog], [sum('published'), sum('delivered'), minutes.at(-1).backlog], `${group} at ${p.t}`);
        published += p.published;
        compared++;
      }
      assert.ok(compared >= 23, `${group}: ${compared} compared`);
      assert.ok(published >= 330, `${group}: a message every 10 s for the last hour, ${published} counted`);
    }
  });

  it('the flow map reads the same status for the group', async () => {
    for (const from of ['now-1h', 'now-24h']) {
      const res = await es2.api(`/api/topology?from=${from}`, now);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const edge = res.body.edges.find((e: any) => e.kind === 'deliver' && e.group === 'behind');
      assert.deepEqual([edge?.lag?.status, edge?.lag?.backlog], ['WARN', 60], from);
    }
  });
});

describe('GET /api/lag: messages that waited longer than the look-back (late cells, migration 015)', () => {
  const MIN = 60_000;
  const HOUR = 60 * MIN;
  let es3: TestEventscope;
  let now: Date;
  before(async () => {
    es3 = await startTestEventscope();
    const nowMs = Math.floor(Date.now() / MIN) * MIN;
    now = new Date(nowMs);
    const t = clock(nowMs);
    const spans: Span[] = [];
    const consume = (group: string, p: Span, start: number) =>
      spans.push(t.span({ service: `${group}-svc`, name: 'old-orders process', kind: 'CONSUMER', parent: p, start, attributes: messaging({ destination: 'old-orders', operation: 'process', group }) }));
    const send = (at: number) => {
      const p = t.span({ service: 'orders', name: 'old-orders send', kind: 'PRODUCER', start: at, durationMs: 1, attributes: messaging({ destination: 'old-orders', operation: 'send' }) });
      spans.push(p);
      return p;
    };
    // every group delivers one message six hours ago: it is known from then on
    const first = send(-6 * HOUR);
    for (const g of ['drained', 'recent', 'stopped']) consume(g, first, -6 * HOUR + 50);
    // ten messages five hours ago: 'drained' gets them 20 minutes ago, 'recent' 10 minutes ago
    // (inside the status window), 'stopped' never
    for (let k = 0; k < 10; k++) {
      const p = send(-5 * HOUR + k * 1000);
      consume('drained', p, -20 * MIN + k * 1000);
      consume('recent', p, -10 * MIN + k * 1000);
    }
    await es3.sendSpans(spans);
  });
  after(async () => {
    await es3?.close();
  });
  const lagOf = async (from: string) => {
    const res = await es3.api(`/api/lag?from=${from}&destination=old-orders`, now);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return new Map<string, any>(res.body.groups.map((g: any) => [g.consumerGroup, g]));
  };
  const delivered = (g: any) => g.series.reduce((a: number, p: any) => a + p.delivered, 0);

  it('over 1 h: deliveries of messages published before the look-back count, with their queue time', async () => {
    const groups = await lagOf('now-1h');
    for (const [name, ago] of [['drained', 20 * MIN], ['recent', 10 * MIN]] as const) {
      const g = groups.get(name);
      assert.ok(g, `${name} in ${[...groups.keys()]}`);
      assert.equal(delivered(g), 10, name);
      const at = g.series.find((p: any) => p.delivered > 0);
      assert.equal(at.t, new Date(now.getTime() - ago).toISOString(), name);
      assert.equal(at.queueP50Ms, 5 * HOUR - ago - 1, name); // from the publish span's end
      // published before the look-back: never counted as waiting
      assert.equal(g.current.backlog, 0, name);
      assert.equal(g.status, 'OK', `${name}: ${g.reason}`);
    }
  });

  it('over 24 h: the stopped group still has the ten five-hour-old messages waiting, now; the others drained them', async () => {
    const groups = await lagOf('now-24h');
    const stopped = groups.get('stopped');
    assert.equal(stopped.current.backlog, 10);
    assert.equal(stopped.current.oldestUndeliveredAgeMs, 5 * HOUR);
    // the status window (the last 15 minutes) sees them waiting too
    assert.equal(stopped.status, 'STOP', stopped.reason);
    assert.match(stopped.reason, /; 10 messages waiting$/);
    assert.equal(stopped.current.lastDeliveryAt, new Date(now.getTime() - 6 * HOUR + 50).toISOString());
    for (const name of ['drained', 'recent']) {
      const g = groups.get(name);
      assert.equal(delivered(g), 11, name);
      assert.equal(g.current.backlog, 0, name);
      assert.equal(g.status, 'OK', `${name}: ${g.reason}`);
    }
    assert.equal(groups.get('recent').current.lastDeliveryAt, new Date(now.getTime() - 10 * MIN + 9000).toISOString());
    assert.equal(groups.get('drained').current.lastDeliveryAt, new Date(now.getTime() - 20 * MIN + 9000).toISOString());
  });
});

describe('GET /api/lag and the flow map: one status at every step (issue 8, the views agree)', () => {
  const MIN = 60_000;
  let es4: TestEventscope;
  let now: Date;
  before(async () => {
    es4 = await startTestEventscope();
    // now is 20 s past a minute: the status grid (the clock's minutes, and now) is not the grid of
    // a 15 s series from now − 15 min
    const nowMs = Math.floor(Date.now() / MIN) * MIN - MIN + 20_000;
    now = new Date(nowMs);
    const t = clock(nowMs);
    const spans: Span[] = [];
    const consume = (group: string, p: Span, start: number) =>
      spans.push(t.span({ service: `${group}-svc`, name: 'bursty-orders process', kind: 'CONSUMER', parent: p, start, attributes: messaging({ destination: 'bursty-orders', operation: 'process', group }) }));
    // two messages a second for 20 minutes; 'bursty' drains once a minute, 30 s past each minute,
    // and leaves 5 more waiting each time: sampled at the minutes and now its backlog never
    // decreases and grows (WARN); sampled every 15 s from now − 15 min it falls after every drain
    const waiting: Array<{ p: Span; at: number }> = [];
    let drains = 0;
    let nextDrain = -20 * MIN + 10_000;
    for (let at = -20 * MIN; at < 0; at += 500) {
      while (nextDrain <= at) {
        drains++;
        const deliver = waiting.splice(0, Math.max(0, waiting.length - 5 * drains));
        deliver.forEach((m, k) => consume('bursty', m.p, nextDrain + k));
        nextDrain += MIN;
      }
      const p = t.span({ service: 'orders', name: 'bursty-orders send', kind: 'PRODUCER', start: at, durationMs: 1, attributes: messaging({ destination: 'bursty-orders', operation: 'send' }) });
      spans.push(p);
      waiting.push({ p, at });
      consume('steady', p, at + 20);
    }
    await es4.sendSpans(spans);
  });
  after(async () => {
    await es4?.close();
  });

  const lagStatus = async (query: string) => {
    const res = await es4.api(`/api/lag?destination=bursty-orders&${query}`, now);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return new Map<string, any>(res.body.groups.map((g: any) => [g.consumerGroup, g]));
  };

  it('the lag page reads WARN for the bursty group at its default step (15 s) and at 5 s, 1 m, 90 s, over 15 min, 1 h and 24 h', async () => {
    for (const query of ['from=now-15m&step=1m', 'from=now-15m', 'from=now-15m&step=5s', 'from=now-15m&step=90s', 'from=now-1h', 'from=now-24h']) {
      const groups = await lagStatus(query);
      const bursty = groups.get('bursty');
      assert.equal(bursty?.status, 'WARN', `${query}: ${bursty?.reason}`);
      // 20 drains, 5 more left each time, 2 published a second since the last one 50 s ago
      assert.equal(bursty.current.backlog, 5 * 20 + 100, query);
      // the first minute of the window: 6 drains, the last 30 s before it
      assert.match(bursty.reason, /^backlog never decreased across the window and grew from 90 to 200$/, query);
      assert.equal(groups.get('steady')?.status, 'OK', query);
    }
  });

  it('a range that ended in the past, off the minute (a shared link): the lag page at any step and the map report the same exact backlog and status', async () => {
    // 35 s before now: 15 s after the last drain, 30 messages published since it
    const to = now.getTime() - 35_000;
    const seen: string[] = [];
    for (const range of [15 * MIN, 60 * MIN]) {
      const from = to - range;
      for (const step of ['', '&step=1m', '&step=15s', '&step=5m']) {
        if (range === 15 * MIN && step === '&step=5m') continue;
        const groups = await lagStatus(`from=${from}&to=${to}${step}`);
        const b = groups.get('bursty');
        assert.equal(b.current.backlog, 100 + 30, `${range} ${step}`);
        seen.push(`${b.status} ${b.current.backlog}`);
      }
      const res = await es4.api(`/api/topology?from=${from}&to=${to}`, now);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const edge = res.body.edges.find((e: any) => e.kind === 'deliver' && e.group === 'bursty');
      seen.push(`${edge?.lag?.status} ${edge?.lag?.backlog}`);
    }
    assert.equal(new Set(seen).size, 1, seen.join(', '));
  });

  it('the flow map shows the same status and backlog on the deliver edge, in both groupings', async () => {
    for (const query of ['from=now-15m', 'from=now-1h', 'from=now-1h&groupBy=messageType']) {
      const res = await es4.api(`/api/topology?${query}`, now);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const edgeOf = (group: string) => res.body.edges.find((e: any) => e.kind === 'deliver' && e.group === group);
      assert.deepEqual([edgeOf('bursty')?.lag?.status, edgeOf('bursty')?.lag?.backlog], ['WARN', 200], query);
      assert.deepEqual([edgeOf('steady')?.lag?.status, edgeOf('steady')?.lag?.backlog], ['OK', 0], query);
    }
  });
});
