// The pairing pass through the real collector and store (issue 8): late producers complete their
// hops, resends and re-runs change nothing, delivery classes, the watermark in /api/health, and a
// kill -9 during pairing followed by a restart leaves every hop exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, request, type Span } from '../support/otlp.js';
import { loadConfig } from '../../lib/config/index.js';
import { openStore, type Store } from '../../lib/store/index.js';
import { PairingPass } from '../../lib/hops/pairing.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface HopRow {
  d_span_id: string;
  message: string;
  matched: number;
  consumer_group: string;
  queue_ns: string | null;
  ordinal: number;
  class: string;
}

async function hopsOf(store: Store, destination: string): Promise<HopRow[]> {
  return store.query<HopRow>(
    `SELECT d_span_id, message, matched, consumer_group, queue_ns, ordinal, class FROM ${store.database}.hops FINAL
      WHERE destination = {d:String} ORDER BY d_start, d_span_id`,
    { name: 'test:hops', params: { d: destination } },
  );
}

async function minuteTotals(store: Store, destination: string) {
  const [r] = await store.query<{ m: string; f: string; du: string; re: string; pu: string; sa: string }>(
    `SELECT toString(sumIf(messages, kind = 'deliver')) AS m, toString(sum(first_deliveries)) AS f,
            toString(sum(duplicates)) AS du, toString(sum(redeliveries)) AS re,
            toString(sumIf(messages, kind = 'publish')) AS pu, toString(sum(queue_samples)) AS sa
       FROM ${store.database}.hop_minutes FINAL WHERE destination = {d:String}`,
    { name: 'test:minutes', params: { d: destination } },
  );
  if (!r) return r;
  return { messages: r.m, first: r.f, dup: r.du, redel: r.re, published: r.pu, samples: r.sa };
}

const pub = (t: ReturnType<typeof clock>, destination: string, start: number) =>
  t.span({ service: 'producer', name: `${destination} send`, kind: 'PRODUCER', start, durationMs: 1, attributes: messaging({ destination, operation: 'send' }) });
const del = (t: ReturnType<typeof clock>, p: Span, group: string, start: number, status: 'UNSET' | 'ERROR' = 'UNSET') =>
  t.span({
    service: `${group}-svc`,
    name: `${p.name.split(' ')[0]} process`,
    kind: 'CONSUMER',
    parent: p,
    start,
    status,
    attributes: messaging({ destination: p.name.split(' ')[0]!, operation: 'process', group }),
  });

describe('pairing pass', () => {
  let es: TestEventscope;
  before(async () => {
    es = await startTestEventscope();
  });
  after(async () => {
    await es?.close();
  });

  test('a deliver span stored 5 minutes before its producer ends up as one matched hop', async () => {
    const t = clock(Date.now() - 10 * 60_000);
    const p = pub(t, 'late-orders', 0);
    const d = del(t, p, 'billing', 40);
    await es.sendSpans([d]);
    await es.collector.pairing!.sync();
    const before = await hopsOf(es.store, 'late-orders');
    assert.deepEqual(before.map((h) => [h.matched, h.message.split(':')[0]]), [[0, 'delivery']], 'without its producer the delivery is its own message');
    // the deliver span was committed 5 minutes ago
    await es.store.command(
      `ALTER TABLE ${es.store.database}.messaging_spans UPDATE ingested_at = ingested_at - toIntervalMinute(5) WHERE span_id = {s:String}
       SETTINGS mutations_sync = 2`,
      { name: 'test:backdate', params: { s: d.spanId } },
    );
    await es.sendSpans([p]);
    await es.collector.pairing!.sync();
    const hops = await hopsOf(es.store, 'late-orders');
    assert.deepEqual(hops, [
      { d_span_id: d.spanId, message: `span:${p.traceId}:${p.spanId}`, matched: 1, consumer_group: 'billing', queue_ns: '39000000', ordinal: 1, class: 'first' },
    ]);
    assert.deepEqual(await minuteTotals(es.store, 'late-orders'), { messages: '1', first: '1', dup: '0', redel: '0', published: '1', samples: '1' });
  });

  test('resent spans and a re-run of every pass from the start change nothing', async () => {
    const t = clock(Date.now() - 5 * 60_000);
    const spans: Span[] = [];
    for (let i = 0; i < 20; i++) {
      const p = pub(t, 'resent-orders', i * 100);
      spans.push(p, del(t, p, 'a', i * 100 + 5), del(t, p, 'b', i * 100 + 7));
    }
    await es.sendSpans(spans);
    await es.sendSpans(spans); // an exporter retry
    await es.collector.pairing!.sync();
    const first = await hopsOf(es.store, 'resent-orders');
    assert.equal(first.length, 40);
    assert.deepEqual(await minuteTotals(es.store, 'resent-orders'), { messages: '40', first: '40', dup: '0', redel: '0', published: '20', samples: '40' });
    // a second pass over everything (as after a crash before the watermark was saved)
    const rerun = new PairingPass(es.store, { committedBefore: () => Date.now(), lookbackMs: 86_400_000, lateWindowMs: 900_000, maxSpansPerPass: 7 });
    await es.store.command(`INSERT INTO ${es.store.database}.pairing_state VALUES ('hops', 0, {u:Int64})`, { name: 'test:reset', params: { u: Date.now() + 1 } });
    await rerun.sync();
    assert.ok(rerun.stats.passes > 1, 'a small per-pass limit works the backlog off in several passes');
    assert.deepEqual(await hopsOf(es.store, 'resent-orders'), first);
    assert.deepEqual(await minuteTotals(es.store, 'resent-orders'), { messages: '40', first: '40', dup: '0', redel: '0', published: '20', samples: '40' });
  });

  test('a second delivery after success is a duplicate, after a failure a redelivery', async () => {
    const t = clock(Date.now() - 3 * 60_000);
    const ok = pub(t, 'dup-orders', 0);
    const failed = pub(t, 'dup-orders', 10);
    // the later deliveries arrive first: classes follow delivery time, not arrival
    await es.sendSpans([ok, failed, del(t, ok, 'g', 500), del(t, failed, 'g', 520)]);
    await es.collector.pairing!.sync();
    await es.sendSpans([del(t, ok, 'g', 100), del(t, failed, 'g', 120, 'ERROR')]);
    await es.collector.pairing!.sync();
    const hops = await hopsOf(es.store, 'dup-orders');
    assert.deepEqual(
      hops.map((h) => [h.message === `span:${ok.traceId}:${ok.spanId}` ? 'ok' : 'failed', h.ordinal, h.class]),
      [
        ['ok', 1, 'first'],
        ['failed', 1, 'first'],
        ['ok', 2, 'duplicate_after_success'],
        ['failed', 2, 'redelivery_after_failure'],
      ],
    );
    assert.deepEqual(await minuteTotals(es.store, 'dup-orders'), { messages: '4', first: '2', dup: '1', redel: '1', published: '2', samples: '2' });
  });

  test('a message without a stored producer delivered again hours later is a duplicate (its earlier delivery found by key)', async () => {
    // the earlier delivery lies in another hour than the later one; hop_keys names that hour
    const t = clock(Date.now() - 5 * 3_600_000);
    const consume = (start: number) =>
      t.span({
        service: 'ledger-svc',
        name: 'ext-payments process',
        kind: 'CONSUMER',
        start,
        attributes: messaging({ destination: 'ext-payments', operation: 'process', group: 'ledger', messageId: 'pay-7' }),
      });
    await es.sendSpans([consume(0)]);
    await es.collector.pairing!.sync();
    await es.sendSpans([consume(4 * 3_600_000)]);
    await es.collector.pairing!.sync();
    const hops = await hopsOf(es.store, 'ext-payments');
    assert.deepEqual(
      hops.map((h) => [h.matched, h.message, h.ordinal, h.class]),
      [
        [0, 'id:ext-payments:pay-7', 1, 'first'],
        [0, 'id:ext-payments:pay-7', 2, 'duplicate_after_success'],
      ],
    );
    const [keys] = await es.store.query<{ hours: string }>(
      `SELECT toString(uniqExact(hour)) AS hours FROM ${es.store.database}.hop_keys
        WHERE message_key IN (SELECT message_key FROM ${es.store.database}.hops WHERE destination = 'ext-payments')`,
      { name: 'test:hop-keys' },
    );
    assert.equal(keys!.hours, '2', 'both delivery hours are recorded under the message key');
  });

  test('the pass runs on its own: a committed delivery reaches the flow map without anyone asking', async () => {
    const t = clock(Date.now() - 1_000);
    const p = pub(t, 'fresh-orders', 0);
    await es.sendSpans([p, del(t, p, 'fresh', 20)]);
    const acked = Date.now();
    // call the handler directly: the harness's api() would run a pass first
    const { matchRoute } = await import('../../lib/api/routes.js');
    const { runHandler } = await import('../../lib/api/http.js');
    const url = new URL('http://eventscope.test/api/topology?from=now-5m');
    const match = matchRoute(url.pathname)!;
    const { handler } = await match.route.load();
    for (;;) {
      const r = await runHandler(handler, { store: es.store, url, params: match.params, now: new Date() });
      const edges = (r.body as { edges: Array<{ kind: string; group?: string; count: number }> }).edges;
      if (edges.some((e) => e.kind === 'deliver' && e.group === 'fresh' && e.count === 1)) break;
      assert.ok(Date.now() - acked < 15_000, 'the deliver edge did not appear within 15 s of the acknowledgement');
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`# visible in the flow map ${Date.now() - acked} ms after the acknowledgement`);
  });

  test('a publish in the last milliseconds of a minute counts in that minute', async () => {
    // regression: DateTime64 compared with a whole-second DateTime rounded 12:00:59.975 up to 12:01:00
    const minute = Math.floor((Date.now() - 120_000) / 60_000) * 60_000;
    const t = clock(minute - 25);
    const p = pub(t, 'edge-orders', 0);
    await es.sendSpans([p, del(t, p, 'edge', 40)]);
    await es.collector.pairing!.sync();
    assert.deepEqual(await minuteTotals(es.store, 'edge-orders'), { messages: '1', first: '1', dup: '0', redel: '0', published: '1', samples: '1' });
  });

  test('call edges: a SERVER span exported after its caller moves the call to its callee; resends and re-runs count once', async () => {
    const t = clock(Date.now() - 3 * 60_000);
    const calls = async () => {
      const res = await es.api('/api/topology?from=now-15m');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.edges
        .filter((e: any) => (e.kind === 'call' || e.kind === 'peer') && e.source === 'service:cc-web')
        .map((e: any) => `${e.kind} ${e.target} ${e.count} calls ${e.errors} errors`)
        .sort();
    };
    const clients: Span[] = [];
    const servers: Span[] = [];
    for (let i = 0; i < 5; i++) {
      const root = t.span({ service: 'cc-web', name: 'GET /', kind: 'SERVER', start: i * 1000, durationMs: 20 });
      const call = t.span({ service: 'cc-web', name: 'GET /price', kind: 'CLIENT', parent: root, start: i * 1000 + 1, durationMs: 10, attributes: { 'http.request.method': 'GET', 'server.address': 'cc-pricing.internal' } });
      servers.push(t.span({ service: 'cc-pricing', name: 'GET /price', kind: 'SERVER', parent: call, start: i * 1000 + 2, durationMs: 8, status: i === 4 ? 'ERROR' : 'UNSET' }));
      clients.push(root, call);
    }
    // a sixth call answered by a host whose clock is 20 minutes behind: its server span starts 20
    // minutes before its client span (still one call, found within the trace's time bounds)
    const root = t.span({ service: 'cc-web', name: 'GET /', kind: 'SERVER', start: 5000, durationMs: 20 });
    const call = t.span({ service: 'cc-web', name: 'GET /price', kind: 'CLIENT', parent: root, start: 5001, durationMs: 10, attributes: { 'http.request.method': 'GET', 'server.address': 'cc-pricing.internal' } });
    servers.push(t.span({ service: 'cc-pricing', name: 'GET /price', kind: 'SERVER', parent: call, start: 5002 - 20 * 60_000, durationMs: 8, host: 'slow-clock' }));
    clients.push(root, call);
    await es.sendSpans(clients);
    await es.collector.pairing!.sync();
    assert.deepEqual(await calls(), ['peer peer:http:cc-pricing.internal 6 calls 0 errors'], 'no server span yet: an external peer');
    await es.sendSpans(servers);
    await es.collector.pairing!.sync();
    assert.deepEqual(await calls(), ['call service:cc-pricing 6 calls 1 errors'], 'the server spans found their caller');
    await es.sendSpans(clients); // an exporter retry of the caller's batch
    await es.collector.pairing!.sync();
    assert.deepEqual(await calls(), ['call service:cc-pricing 6 calls 1 errors'], 'after the resend');
    // every pass again from the start (as after a crash before the watermark was saved)
    await es.store.command(`INSERT INTO ${es.store.database}.pairing_state VALUES ('hops', 0, {u:Int64})`, { name: 'test:reset', params: { u: Date.now() + 1 } });
    await new PairingPass(es.store, { committedBefore: () => Date.now(), lookbackMs: 86_400_000, lateWindowMs: 900_000, maxSpansPerPass: 3 }).sync();
    assert.deepEqual(await calls(), ['call service:cc-pricing 6 calls 1 errors']);
  });

  test('hour rows (hop_hours) hold the sums and percentiles of their minutes; the flow map over hours reads them', async () => {
    // 3.5 hours ending half an hour before the current hour
    const t = clock(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 4 * 3_600_000);
    const spans: Span[] = [];
    // one message every 7 minutes, two groups; every 5th delivered twice to h-a
    for (let i = 0; i < 30; i++) {
      const p = pub(t, 'hourly-orders', i * 7 * 60_000 + 500);
      spans.push(p, del(t, p, 'h-a', i * 7 * 60_000 + 500 + 10 + i), del(t, p, 'h-b', i * 7 * 60_000 + 500 + 40));
      if (i % 5 === 0) spans.push(del(t, p, 'h-a', i * 7 * 60_000 + 500 + 90_000));
      // and a sync call beside each, answered but for every 3rd
      const root = t.span({ service: 'h-web', name: 'GET /', kind: 'SERVER', start: i * 7 * 60_000 + 100, durationMs: 30 });
      const call = t.span({ service: 'h-web', name: 'GET /x', kind: 'CLIENT', parent: root, start: i * 7 * 60_000 + 101, durationMs: 10 + i, attributes: { 'http.request.method': 'GET', 'server.address': 'h-api' } });
      spans.push(root, call);
      if (i % 3 !== 0) spans.push(t.span({ service: 'h-api', name: 'GET /x', kind: 'SERVER', parent: call, start: i * 7 * 60_000 + 102, durationMs: 5 }));
    }
    await es.sendSpans(spans);
    await es.collector.pairing!.sync();
    const sums = (table: 'hop_minutes' | 'hop_hours') =>
      es.store.query<Record<string, string | number[]>>(
        `SELECT toString(toStartOfHour(${table === 'hop_minutes' ? 'minute' : 'hour'})) AS h, kind, consumer_group,
                toString(sum(messages)) AS m, toString(sum(first_deliveries)) AS f, toString(sum(duplicates)) AS d,
                toString(sum(queue_samples)) AS s, toString(max(max_offset)) AS o, toString(min(first_ms)) AS fm, toString(max(last_ms)) AS lm,
                quantilesExactInclusiveMerge(0.5, 0.95)(queue_exact) AS q
           FROM ${es.store.database}.${table} FINAL WHERE destination = 'hourly-orders'
          GROUP BY h, kind, consumer_group ORDER BY h, kind, consumer_group`,
        { name: 'test:hours' },
      );
    const minutes = await sums('hop_minutes');
    assert.ok(minutes.length >= 4 * 3, `rows over four hours: ${minutes.length}`);
    assert.deepEqual(await sums('hop_hours'), minutes);
    // over whole hours the flow map reads hour rows: the same counts and queue times as its minutes
    const res = await es.api('/api/topology?from=now-5h');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const edge = res.body.edges.find((e: any) => e.kind === 'deliver' && e.group === 'h-a');
    assert.equal(edge?.count, 36, 'h-a: 30 messages, 6 of them twice');
    assert.equal(res.body.edges.find((e: any) => e.kind === 'deliver' && e.group === 'h-b')?.count, 30);
    const calls = res.body.edges.filter((e: any) => e.source === 'service:h-web').map((e: any) => `${e.target} ${e.count}`).sort();
    assert.deepEqual(calls, ['peer:http:h-api 10', 'service:h-api 20']);
    // the call cells' hours hold what their minutes hold
    const callSums = (res: number) =>
      es.store.query<{ h: string; t: string; n: string; q: number[] }>(
        `SELECT toString(toStartOfHour(bucket)) AS h, target AS t, toString(sum(calls)) AS n, quantilesTDigestMerge(0.5, 0.95)(duration_ms) AS q
           FROM ${es.store.database}.call_cells FINAL WHERE service = 'h-web' AND resolution = {res:UInt16} GROUP BY h, t ORDER BY h, t`,
        { name: 'test:call-hours', params: { res } },
      );
    const byMinute = await callSums(60);
    assert.ok(byMinute.length >= 4, JSON.stringify(byMinute));
    assert.deepEqual(await callSums(3600), byMinute);
  });

  test('ordering is decided by the pass: a late earlier delivery ends an inversion, an hour apart nothing is compared, a re-run changes nothing', async () => {
    const t = clock(Date.now() - 3 * 3_600_000);
    const dest = 'ordered-orders';
    const p = (offset: number, start: number, partition = 0) =>
      t.span({ service: 'producer', name: `${dest} send`, kind: 'PRODUCER', start, durationMs: 1, attributes: messaging({ destination: dest, operation: 'send', partition, offset }) });
    const d = (parent: Span, offset: number, start: number, partition = 0) =>
      t.span({
        service: 'o-svc',
        name: `${dest} process`,
        kind: 'CONSUMER',
        parent,
        start,
        attributes: messaging({ destination: dest, operation: 'process', group: 'o', partition, offset }),
      });
    const inversions = async () =>
      (await es.api(`/api/anomalies?from=now-4h&destination=${dest}&limit=1000`)).body as {
        ordering: { total: number; occurrences: any[] };
        duplicates: { total: number; occurrences: any[] };
      };
    const stored = () =>
      es.store.query<{ dk: string; a: string }>(
        `SELECT toString(d_key) AS dk, toString(a_d_key) AS a FROM ${es.store.database}.order_inversions FINAL WHERE destination = {d:String} ORDER BY dk`,
        { name: 'test:inversions', params: { d: dest } },
      );
    const p5 = p(5, 0);
    const p3 = p(3, 10);
    // offset 5 delivered before offset 3: out of order
    const d5 = d(p5, 5, 100);
    const d3 = d(p3, 3, 200);
    // partition 1: offset 9, and offset 8 delivered 62 minutes later (outside the hour it is compared with)
    const p9 = p(9, 0, 1);
    const p8 = p(8, 5, 1);
    await es.sendSpans([p5, p3, d5, d3, p9, p8, d(p9, 9, 300, 1), d(p8, 8, 62 * 60_000, 1)]);
    await es.collector.pairing!.sync();
    let body = await inversions();
    assert.equal(body.ordering.total, 1, JSON.stringify(body.ordering));
    const o = body.ordering.occurrences[0];
    assert.deepEqual(
      [o.partition, o.basis, o.deliveredLater.offset, o.deliveredFirst.offset, o.deliveredLater.deliver.spanId, o.deliveredFirst.deliver.spanId],
      ['0', 'offset', '3', '5', d3.spanId, d5.spanId],
    );
    assert.equal(body.duplicates.total, 0);
    // offset 3 had been delivered at 50 ms already, exported late: in order after all, and its
    // delivery at 200 ms is a duplicate
    await es.sendSpans([d(p3, 3, 50)]);
    await es.collector.pairing!.sync();
    body = await inversions();
    assert.equal(body.ordering.total, 0, JSON.stringify(body.ordering));
    assert.equal(body.duplicates.total, 1);
    assert.deepEqual(
      body.duplicates.occurrences.map((x) => [x.offset, x.class, x.deliveries.map((y: any) => y.class)]),
      [['3', 'duplicate_after_success', [null, 'duplicate_after_success']]],
    );
    // offset 4 delivered after 5 (and after the duplicate of 3): out of order again, against 5
    const p4 = p(4, 20);
    const d4 = d(p4, 4, 400);
    await es.sendSpans([p4, d4]);
    await es.collector.pairing!.sync();
    const before = await stored();
    assert.deepEqual(before.length, 1);
    body = await inversions();
    assert.deepEqual(body.ordering.occurrences.map((x) => [x.deliveredLater.offset, x.deliveredFirst.offset]), [['4', '5']]);
    // every pass again from the start: the same inversions
    const rerun = new PairingPass(es.store, { committedBefore: () => Date.now(), lookbackMs: 86_400_000, lateWindowMs: 900_000, maxSpansPerPass: 3 });
    await es.store.command(`INSERT INTO ${es.store.database}.pairing_state VALUES ('hops', 0, {u:Int64})`, { name: 'test:reset', params: { u: Date.now() + 1 } });
    await rerun.sync();
    assert.deepEqual(await stored(), before);
    assert.equal((await inversions()).duplicates.total, 1);
  });

  test("a publish's lag cells count the groups that delivered from its destination within the day before it", async () => {
    const dest = 'horizon-orders';
    const at = Date.now() - 5 * 60_000;
    const day = 86_400_000;
    // a group last delivering two minutes before the horizon (a day and a second before the publish),
    // usually in the same hour row as the horizon, and one two minutes after it
    const delivered = (group: string, ms: number) => {
      const t = clock(ms);
      const p = pub(t, dest, 0);
      return [p, del(t, p, group, 20)];
    };
    await es.sendSpans([...delivered('gone-workers', at - day - 2 * 60_000), ...delivered('kept-workers', at - day + 2 * 60_000)]);
    await es.collector.pairing!.sync();
    // a later pass: the publish's second is recomputed alone
    await es.sendSpans([pub(clock(at), dest, 0)]);
    await es.collector.pairing!.sync();
    const cellGroups = async (resolution: number) =>
      (
        await es.store.query<{ g: string }>(
          `SELECT DISTINCT consumer_group AS g FROM ${es.store.database}.lag_cells FINAL
            WHERE destination = {d:String} AND resolution = {r:UInt16} AND has_pub = 1
              AND pub_bucket >= fromUnixTimestamp64Milli({from:Int64}) ORDER BY g`,
          { name: 'test:lag-cell-groups', params: { d: dest, r: resolution, from: at - Math.max(60, resolution) * 1000 } },
        )
      ).map((r) => r.g);
    assert.deepEqual(await cellGroups(1), ['kept-workers']);
    assert.deepEqual(await cellGroups(60), ['kept-workers']);
    assert.deepEqual(await cellGroups(300), ['kept-workers']);
  });

  test('/api/health reports the pairing watermark', async () => {
    const res = await es.api<{ pairing: { watermark: string | null; behindMs: number | null } }>('/api/health');
    assert.equal(res.status, 200);
    assert.ok(res.body.pairing.watermark !== null);
    assert.ok(res.body.pairing.behindMs !== null && res.body.pairing.behindMs < 5_000, `behind ${res.body.pairing.behindMs} ms`);
  });
});

describe('pairing after kill -9', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-kill-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('every hop is there exactly once after a restart', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/collector.ts'], {
      cwd: ROOT,
      env: { ...process.env, EVENTSCOPE_DATA_DIR: dataDir, EVENTSCOPE_OTLP_HTTP_PORT: '0', EVENTSCOPE_OTLP_GRPC_PORT: '0', EVENTSCOPE_PAIRING_INTERVAL_MS: '50' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /OTLP\/HTTP (http:\/\/[^ ]+)\/v1\/traces/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`collector exited ${code}`)));
    });
    const t = clock(Date.now() - 2 * 60_000);
    const messages = 3000;
    for (let batch = 0; batch < 6; batch++) {
      const spans: Span[] = [];
      for (let i = 0; i < messages / 6; i++) {
        const p = pub(t, 'kill-orders', batch * 1000 + i);
        spans.push(p, del(t, p, 'k', batch * 1000 + i + 3));
      }
      const res = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request(spans)) });
      assert.equal(res.status, 200);
    }
    // acknowledged = committed; the pass runs every 50 ms, so it is busy now
    await new Promise((r) => setTimeout(r, 60));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const store = await openStore(loadConfig({ EVENTSCOPE_DATA_DIR: dataDir }));
    try {
      const pairing = new PairingPass(store, { committedBefore: () => Date.now(), lookbackMs: 86_400_000, lateWindowMs: 900_000, maxSpansPerPass: 200_000 });
      await pairing.sync();
      const [r] = await store.query<{ hops: string; deliveries: string; matched: string }>(
        `SELECT toString(count()) AS hops, toString(uniqExact(d_key)) AS deliveries, toString(countIf(matched = 1)) AS matched
           FROM ${store.database}.hops FINAL WHERE destination = 'kill-orders'`,
        { name: 'test:kill' },
      );
      assert.deepEqual(r, { hops: String(messages), deliveries: String(messages), matched: String(messages) });
      assert.deepEqual(await minuteTotals(store, 'kill-orders'), {
        messages: String(messages),
        first: String(messages),
        dup: '0',
        redel: '0',
        published: String(messages),
        samples: String(messages),
      });
    } finally {
      await store.close();
    }
  });
});
