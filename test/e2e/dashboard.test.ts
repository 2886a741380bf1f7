// The dashboard in a real Chromium against a real Eventscope (store, collector, Next.js) fed
// through OTLP/HTTP: a shop publishes an order; billing consumes it as the consumer group
// "billing-workers" (twice: a duplicate after success); shipping consumes it in a new trace
// connected only by a span link. The browser must show it all: flow map, request across both
// traces with its queue time, lag status, the duplicate.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { Eventscope } from '../../scripts/eventscope.js';
import { openPage, startApp } from './app.js';
import { clock, messaging, request, type Span } from '../support/otlp.js';
import { AnomaliesPage, FlowMapPage, LagPage, RequestsPage, TimelinePage } from './pages.js';

let es: Eventscope;
let browser: Browser;
let page: Page;
let base: string;
const s: Record<string, Span> = {};

function scenario(): Span[] {
  const t = clock(Date.now() - 90_000);
  const root = (s.root = t.span({ service: 'shop', name: 'POST /orders', kind: 'SERVER', start: 0, durationMs: 20 }));
  const pub = (s.pub = t.span({
    service: 'shop', name: 'orders send', kind: 'PRODUCER', parent: root, start: 5, durationMs: 2,
    attributes: messaging({ destination: 'orders', operation: 'send', partition: 0, offset: 10, messageId: 'ord-e2e-1', key: 'customer-7' }),
  }));
  const billingMsg = messaging({ destination: 'orders', operation: 'process', partition: 0, offset: 10, group: 'billing-workers' });
  s.bill1 = t.span({ service: 'billing', name: 'orders process', kind: 'CONSUMER', parent: pub, start: 40, durationMs: 15, status: 'OK', attributes: billingMsg });
  s.charge = t.span({ service: 'billing', name: 'charge card', kind: 'INTERNAL', parent: s.bill1, start: 42, durationMs: 10 });
  // the same message again after a successful delivery: the dangerous duplicate
  s.bill2 = t.span({ service: 'billing', name: 'orders process', kind: 'CONSUMER', parent: pub, start: 400, durationMs: 12, status: 'OK', attributes: billingMsg });
  // shipping starts a new trace and links back to the message (kafkajs eachBatch shape)
  s.ship = t.span({
    service: 'shipping', name: 'orders process', kind: 'CONSUMER', start: 120, durationMs: 30, links: [pub],
    attributes: messaging({ destination: 'orders', operation: 'process', partition: 0, offset: 10, group: 'shipping' }),
  });
  s.book = t.span({ service: 'shipping', name: 'book courier', kind: 'INTERNAL', parent: s.ship, start: 125, durationMs: 20 });
  return Object.values(s);
}

before(async () => {
  es = await startApp('dashboard');
  base = es.uiUrl!;
  const spans = scenario();
  const res = await fetch(`${es.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request(spans)),
  });
  assert.equal(res.status, 200, await res.text());
  // acknowledged after commit; still poll with a deadline in case ingest is asynchronous
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [row] = await es.store.query<{ n: string }>(`SELECT count() AS n FROM ${es.store.database}.spans`, { name: 'e2e:count' });
    if (Number(row?.n) >= spans.length) break;
    if (Date.now() > deadline) throw new Error(`only ${row?.n} of ${spans.length} spans stored`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // the views read the hop model: let the pairing pass take the committed spans (it runs every second anyway)
  await es.collector.pairing?.sync();
  ({ browser, page } = await openPage());
});

after(async () => {
  await browser?.close();
  await es?.stop();
});

describe('dashboard', () => {
  it('health indicator counts the stored spans', async () => {
    await page.goto(`${base}/requests`);
    const text = await page.getByTestId('health').innerText();
    assert.match(text, /^7 spans stored · embedded chDB$/);
  });

  it('flow map shows services, the destination, the consumer group and a deliver edge', async () => {
    const map = new FlowMapPage(page, base);
    await map.open();
    assert.deepEqual(await map.nodeLabels('service'), ['billing', 'shipping', 'shop']);
    assert.deepEqual(await map.nodeLabels('destination'), ['orders']);
    assert.deepEqual(await map.nodeLabels('consumerGroup'), ['billing-workers']);
    assert.match(await map.node('destination', 'orders').innerText(), /kafka/);

    const edge = map.deliverEdgeLabel('billing-workers');
    assert.equal(await edge.count(), 1);
    assert.equal(await edge.getAttribute('data-source'), 'destination:kafka:orders');
    assert.match((await edge.getAttribute('data-target')) ?? '', /billing-workers/);
    // two deliveries of one message to the group, in a 15-minute window: the label says only the
    // rate (no errors, lag OK); hovering it adds the full metrics
    assert.equal(await edge.innerText(), '0.1/min');
    await edge.hover();
    const hoverDetails = map.page.getByTestId('flow-edge-details');
    await hoverDetails.waitFor();
    assert.match(await hoverDetails.innerText(), /^2 delivered · 0\.1\/min\ngroup billing-workers \(billing\)\n/);
    assert.match(await hoverDetails.innerText(), /queue p50 33 ms · p95 33 ms/);

    await edge.click();
    const panel = map.sidePanel();
    await panel.waitFor();
    const details = await panel.innerText();
    assert.match(details, /orders → billing-workers/);
    assert.match(details, /consumer group\s+billing-workers/);
    assert.match(details, /consuming service\s+billing/);
    assert.match(details, /deliveries\s+2/);
    assert.match(details, /queue time p95\s+33 ms/);
    await panel.getByRole('link', { name: /Requests through orders/ }).click();
    await page.waitForURL(/\/requests\?destination=orders/);
  });

  it('the request list leads to a timeline across both traces with the queue time', async () => {
    const list = new RequestsPage(page, base);
    await list.rows().first().waitFor();
    const traces = (await list.rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id')))).sort();
    assert.deepEqual(traces, [s.pub!.traceId, s.ship!.traceId].sort());
    await list.openRequest(s.pub!.traceId);

    const tl = new TimelinePage(page, base);
    assert.equal(await tl.spanRows().count(), 7);
    assert.deepEqual(await tl.traceIdsShown(), [s.pub!.traceId, s.ship!.traceId].sort());
    // shipping's consumer span is nested under the publish span it links to, with its queue time
    const shipRow = tl.row(s.ship!.spanId);
    assert.equal(await shipRow.getByTestId('queue-segment').count(), 1);
    assert.match(await shipRow.getByTestId('queue-segment').innerText(), /queue 113 ms/);
    assert.match(await tl.row(s.bill2!.spanId).innerText(), /duplicate/);

    // the span detail shows the link back, and focusing it selects the publish span
    await shipRow.click();
    const detail = tl.detail();
    assert.match(await detail.innerText(), /waited\s+113 ms\s+in the queue/);
    await detail.getByRole('button', { name: `shop ${s.pub!.spanId.slice(0, 8)} (this request)` }).click();
    assert.match((await tl.row(s.pub!.spanId).getAttribute('class')) ?? '', /selected/);
    assert.match(await detail.innerText(), /orders send/);
  });

  it('lag page shows the consumer group status', async () => {
    const lag = new LagPage(page, base);
    await lag.open();
    const row = lag.row('orders', 'billing-workers');
    await row.waitFor();
    const status = row.getByTestId('lag-status');
    assert.equal(await status.getAttribute('data-status'), 'OK');
    assert.match(await row.innerText(), /0 msgs/);
    const api = (await (await fetch(`${base}/api/lag?from=now-15m`)).json()) as { groups: { consumerGroup: string; status: string }[] };
    assert.equal(api.groups.find((g) => g.consumerGroup === 'billing-workers')?.status, 'OK');
  });

  it('anomalies page lists the duplicate after success, linking to the request', async () => {
    const anomalies = new AnomaliesPage(page, base);
    await anomalies.open();
    assert.equal(await anomalies.duplicateRows().count(), 1);
    const row = anomalies.duplicateRows('duplicate_after_success');
    assert.equal(await row.count(), 1);
    const text = await row.innerText();
    assert.match(text, /duplicate after success/);
    assert.match(text, /orders → billing-workers/);
    assert.match(text, /partition 0 offset 10\npublished by shop/);
    assert.match(text, /billing ok\n.*billing ok/);
    await row.getByRole('link', { name: s.pub!.traceId.slice(0, 8) }).click();
    await page.waitForURL(new RegExp(`/requests/${s.pub!.traceId}`));
    await page.getByTestId('timeline').waitFor();
  });
});
