// Duplicates and ordering through the real collector, with known right answers:
// a redelivery after a failed attempt, a second delivery after success (parent- and link-connected),
// an explicit redelivery marker, an exporter resend (NOT a duplicate), a producer-less duplicate by
// message id, an out-of-order delivery in one partition, in-order-per-partition deliveries
// interleaved across partitions (NOT an anomaly), and key-based ordering without offsets.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, request, type MessagingAttrs, type Span, type StatusCode } from '../support/otlp.js';
import { anomaliesForTraces } from '../../lib/analysis/anomalies.js';

let es: TestEventscope;
let fromMs: number;
let toMs: number;
const s: Record<string, Span> = {};
const range = () => `from=${fromMs}&to=${toMs}`;

function buildScenario(): { first: Span[]; resent: Span[] } {
  const t = clock(Date.now() - 20_000);
  const spans: Span[] = [];
  const pub = (name: string, dest: string, start: number, m: Partial<MessagingAttrs> = {}) => {
    const p = t.span({
      service: 'producer',
      name: `${dest} send`,
      kind: 'PRODUCER',
      start,
      attributes: messaging({ destination: dest, operation: 'send', ...m }),
    });
    spans.push((s[name] = p));
    return p;
  };
  const deliver = (
    name: string,
    dest: string,
    group: string,
    start: number,
    o: { parent?: Span; links?: Span[]; status?: StatusCode; m?: Partial<MessagingAttrs>; attrs?: Record<string, string> } = {},
  ) => {
    const d = t.span({
      service: `${group}-svc`,
      name: `${dest} process`,
      kind: 'CONSUMER',
      parent: o.parent,
      links: o.links,
      start,
      status: o.status ?? 'OK',
      attributes: { ...messaging({ destination: dest, operation: 'process', group, ...o.m }), ...o.attrs },
    });
    spans.push((s[name] = d));
    return d;
  };

  // payments: duplicates
  const a = pub('a', 'payments', 0);
  deliver('a1', 'payments', 'billing', 10, { parent: a, status: 'ERROR' });
  deliver('a2', 'payments', 'billing', 60, { parent: a });
  const b = pub('b', 'payments', 100);
  deliver('b1', 'payments', 'billing', 110, { parent: b });
  deliver('b2', 'payments', 'billing', 150, { parent: b });
  deliver('b-other', 'payments', 'fraud', 120, { parent: b }); // another group: not a duplicate
  const c = pub('c', 'payments', 200);
  deliver('c1', 'payments', 'billing', 210, { links: [c] }); // link-only, twice
  deliver('c2', 'payments', 'billing', 260, { links: [c] });
  const m = pub('m', 'payments', 300);
  deliver('m1', 'payments', 'billing', 310, { parent: m });
  deliver('m2', 'payments', 'billing', 350, { parent: m, attrs: { 'messaging.rabbitmq.redelivered': 'true' } });
  const r = pub('r', 'payments', 400); // resent below: delivered once, stored twice
  deliver('r1', 'payments', 'billing', 410, { parent: r });
  // producer not traced: identity by message id
  deliver('x1', 'payments', 'billing', 500, { m: { messageId: 'msg-x' } });
  deliver('x2', 'payments', 'billing', 550, { m: { messageId: 'msg-x' } });

  // ledger: offsets, partition 0 gets 5 before 4; partitions 1 and 2 interleaved but in order
  const l4 = pub('l4', 'ledger', 1000, { partition: 0, offset: 4 });
  const l5 = pub('l5', 'ledger', 1001, { partition: 0, offset: 5 });
  deliver('l5d', 'ledger', 'books', 1010, { parent: l5, m: { partition: 0, offset: 5 } });
  deliver('l4d', 'ledger', 'books', 1020, { parent: l4, m: { partition: 0, offset: 4 } });
  for (let k = 1; k <= 3; k++) {
    for (const part of [1, 2]) {
      // partition 2's offsets are lower than partition 1's: only within a partition does order count
      const offset = part === 1 ? 100 + k : k;
      const p = pub(`i${part}-${k}`, 'ledger', 1100 + k * 10 + part, { partition: part, offset });
      deliver(`i${part}-${k}d`, 'ledger', 'books', 1200 + k * 10 + part, { parent: p, m: { partition: part, offset } });
    }
  }

  // customers: no offsets, ordering by publish order within a key
  const k1 = pub('k1', 'customers', 2000, { key: 'cust-1' });
  const k2 = pub('k2', 'customers', 2005, { key: 'cust-1' });
  const k3 = pub('k3', 'customers', 2006, { key: 'cust-2' });
  deliver('k2d', 'customers', 'crm', 2010, { parent: k2, m: { key: 'cust-1' } });
  deliver('k3d', 'customers', 'crm', 2012, { parent: k3, m: { key: 'cust-2' } }); // other key: no anomaly
  deliver('k1d', 'customers', 'crm', 2020, { parent: k1, m: { key: 'cust-1' } });

  return { first: spans, resent: [s.r!, s.r1!, s.b1!] };
}

describe('GET /api/anomalies', () => {
  let body: any;
  before(async () => {
    es = await startTestEventscope();
    const { first, resent } = buildScenario();
    assert.equal((await es.postOtlpJson(request(first))).status, 200);
    assert.equal((await es.postOtlpJson(request(resent))).status, 200);
    await es.waitForSpans(first.length + resent.length);
    fromMs = Date.now() - 60_000;
    toMs = Date.now() + 1_000;
    const t0 = performance.now();
    const res = await es.api(`/api/anomalies?${range()}&step=10s`);
    console.log(`# /api/anomalies (both types): ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    body = res.body;
  });
  after(async () => {
    await es?.close();
  });

  it('answers both types when type is omitted', () => {
    assert.deepEqual(body.types, ['duplicate', 'ordering']);
    assert.ok(body.duplicates && body.ordering);
    assert.equal(body.stepMs, 10_000);
  });

  it('classifies each duplicate, and the resend is not one', () => {
    const d = body.duplicates;
    const byFirstSpan = new Map(d.occurrences.map((o: any) => [o.deliveries[0].spanId, o]));
    const summary = (name: string) => {
      const o: any = byFirstSpan.get(s[name]!.spanId);
      return o && { class: o.class, extra: o.extraDeliveries, classes: o.deliveries.map((x: any) => x.class) };
    };
    assert.deepEqual(summary('a1'), { class: 'redelivery_after_failure', extra: 1, classes: [null, 'redelivery_after_failure'] });
    assert.deepEqual(summary('b1'), { class: 'duplicate_after_success', extra: 1, classes: [null, 'duplicate_after_success'] });
    assert.deepEqual(summary('c1'), { class: 'duplicate_after_success', extra: 1, classes: [null, 'duplicate_after_success'] });
    assert.deepEqual(summary('m1'), { class: 'redelivery_after_failure', extra: 1, classes: [null, 'redelivery_after_failure'] });
    assert.deepEqual(summary('x1'), { class: 'duplicate_after_success', extra: 1, classes: [null, 'duplicate_after_success'] });
    assert.equal(summary('r1'), undefined, 'an exporter resend is not a duplicate');
    assert.equal(d.total, 5);
    assert.deepEqual(d.byClass, { redelivery_after_failure: 2, duplicate_after_success: 3 });
    assert.equal(d.occurrences.length, 5);
    assert.ok(d.occurrences.every((o: any) => o.consumerGroup === 'billing' && o.destination === 'payments'));
  });

  it('a duplicate names every delivery and the traces to open', () => {
    const o = body.duplicates.occurrences.find((x: any) => x.deliveries[0].spanId === s.a1!.spanId);
    assert.deepEqual(
      o.deliveries.map((x: any) => [x.traceId, x.spanId, x.service, x.status, x.startNs]),
      [
        [s.a1!.traceId, s.a1!.spanId, 'billing-svc', 'ERROR', s.a1!.startNs.toString()],
        [s.a2!.traceId, s.a2!.spanId, 'billing-svc', 'OK', s.a2!.startNs.toString()],
      ],
    );
    assert.deepEqual(o.publish, { traceId: s.a!.traceId, spanId: s.a!.spanId, service: 'producer' });
    assert.equal(o.message, `span:${s.a!.traceId}:${s.a!.spanId}`);
    assert.deepEqual(o.traceIds, [s.a!.traceId]);
    const linked = body.duplicates.occurrences.find((x: any) => x.deliveries[0].spanId === s.c1!.spanId);
    assert.deepEqual(linked.traceIds, [s.c!.traceId, s.c1!.traceId, s.c2!.traceId]);
    const byId = body.duplicates.occurrences.find((x: any) => x.deliveries[0].spanId === s.x1!.spanId);
    assert.equal(byId.messageId, 'msg-x');
    assert.equal(byId.publish, null);
  });

  it('counts duplicates over time', () => {
    const series = body.duplicates.series;
    assert.equal(series.length, 7);
    const sum = (k: string) => series.reduce((n: number, p: any) => n + p[k], 0);
    assert.equal(sum('redelivery_after_failure'), 2);
    assert.equal(sum('duplicate_after_success'), 3);
  });

  it('finds the out-of-order delivery in one partition, not the interleaving across partitions', () => {
    const byOffset = body.ordering.occurrences.filter((o: any) => o.basis === 'offset');
    assert.equal(byOffset.length, 1);
    const o = byOffset[0];
    assert.deepEqual(
      [o.destination, o.consumerGroup, o.partition, o.deliveredFirst.offset, o.deliveredLater.offset],
      ['ledger', 'books', '0', '5', '4'],
    );
    assert.deepEqual(o.deliveredFirst.deliver, { traceId: s.l5d!.traceId, spanId: s.l5d!.spanId, service: 'books-svc' });
    assert.deepEqual(o.deliveredLater.deliver, { traceId: s.l4d!.traceId, spanId: s.l4d!.spanId, service: 'books-svc' });
    assert.deepEqual(o.deliveredLater.publish, { traceId: s.l4!.traceId, spanId: s.l4!.spanId });
    assert.deepEqual(o.traceIds.sort(), [s.l5!.traceId, s.l4!.traceId].sort());
  });

  it('finds key-based inversions by publish order when offsets are unknown', () => {
    const byKey = body.ordering.occurrences.filter((o: any) => o.basis === 'publish_order');
    assert.equal(byKey.length, 1);
    const o = byKey[0];
    assert.equal(o.key, 'cust-1');
    assert.equal(o.deliveredFirst.message, `span:${s.k2!.traceId}:${s.k2!.spanId}`);
    assert.equal(o.deliveredLater.message, `span:${s.k1!.traceId}:${s.k1!.spanId}`);
    assert.equal(o.deliveredLater.publishedAt, new Date(Number(s.k1!.startNs / 1_000_000n)).toISOString());
    assert.deepEqual(body.ordering.byBasis, { offset: 1, publish_order: 1 });
    assert.equal(body.ordering.total, 2);
    assert.equal(body.ordering.series.reduce((n: number, p: any) => n + p.count, 0), 2);
  });

  it('type, destination, group and limit narrow the answer', async () => {
    const dup = await es.api(`/api/anomalies?type=duplicate&${range()}&limit=2`);
    assert.equal(dup.status, 200);
    assert.deepEqual(dup.body.types, ['duplicate']);
    assert.equal(dup.body.ordering, undefined);
    assert.equal(dup.body.duplicates.occurrences.length, 2);
    assert.equal(dup.body.duplicates.total, 5, 'counts cover everything');
    assert.equal(dup.body.duplicates.truncated, true);
    const ord = await es.api(`/api/anomalies?type=ordering&${range()}&destination=customers&group=crm`);
    assert.equal(ord.status, 200);
    assert.equal(ord.body.duplicates, undefined);
    assert.deepEqual(ord.body.ordering.occurrences.map((o: any) => o.key), ['cust-1']);
    const none = await es.api(`/api/anomalies?${range()}&group=fraud`);
    assert.equal(none.body.duplicates.total, 0);
    assert.equal(none.body.ordering.total, 0);
  });

  it('anomaliesForTraces finds what touches a request', async () => {
    const got = await anomaliesForTraces(es.store, { traceIds: [s.l4!.traceId], fromMs, toMs });
    assert.equal(got.duplicates.length, 0);
    assert.deepEqual(got.ordering.map((o) => o.deliveredLater.message), [`span:${s.l4!.traceId}:${s.l4!.spanId}`]);
    const dup = await anomaliesForTraces(es.store, { traceIds: [s.c!.traceId], fromMs, toMs });
    assert.deepEqual(dup.duplicates.map((o) => o.deliveries.map((d) => d.spanId)), [[s.c1!.spanId, s.c2!.spanId]]);
    assert.equal(dup.ordering.length, 0);
  });

  it('rejects bad parameters with 400 and a message', async () => {
    const cases: Array<[string, RegExp]> = [
      [`/api/anomalies?type=foo`, /^type: expected one of duplicate, ordering/],
      [`/api/anomalies?type=duplicate&step=0s`, /^step must be at least 1s/],
      [`/api/anomalies?from=now-31d&step=1s`, /too small for the range/],
      [`/api/anomalies?from=now&to=now-1h`, /^from must be before to$/],
      [`/api/anomalies?limit=0`, /^limit: expected an integer between 1 and 1000/],
      [`/api/anomalies?limit=abc`, /^limit: expected an integer/],
    ];
    for (const [path, message] of cases) {
      const res = await es.api(path);
      assert.equal(res.status, 400, path);
      assert.match(res.body.error, message, path);
    }
  });

  it('a duplicate names its message id even when its identity is the producer span', async () => {
    // five minutes earlier than the rest, queried on its own range: the counts above stay as they are
    const t = clock(Date.now() - 5 * 60_000);
    const send = (id: string, start: number) =>
      t.span({ service: 'invoicing', name: 'invoices send', kind: 'PRODUCER', start, attributes: messaging({ destination: 'invoices', operation: 'send', messageId: id }) });
    const deliver = (p: Span, start: number, m: Partial<MessagingAttrs> = {}) =>
      t.span({ service: 'ledger-svc', name: 'invoices process', kind: 'CONSUMER', parent: p, start, status: 'OK', attributes: messaging({ destination: 'invoices', operation: 'process', group: 'ledger', ...m }) });
    const both = send('inv-1', 0); // the deliveries carry the id too
    const producerOnly = send('inv-2', 100); // only the publish span names it
    await es.sendSpans([
      both, deliver(both, 10, { messageId: 'inv-1' }), deliver(both, 50, { messageId: 'inv-1' }),
      producerOnly, deliver(producerOnly, 110), deliver(producerOnly, 150),
    ]);
    const res = await es.api(`/api/anomalies?type=duplicate&from=${t.baseMs - 60_000}&to=${t.baseMs + 60_000}&destination=invoices`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const found = res.body.duplicates.occurrences
      .map((o: any) => [o.message, o.messageId, o.class])
      .sort((x: string[], y: string[]) => x[1]!.localeCompare(y[1]!));
    assert.deepEqual(found, [
      [`span:${both.traceId}:${both.spanId}`, 'inv-1', 'duplicate_after_success'],
      [`span:${producerOnly.traceId}:${producerOnly.spanId}`, 'inv-2', 'duplicate_after_success'],
    ]);
  });
});
