// The demo shop's own traffic in a real Chromium (issue 13's proof): the transaction page of a demo
// order shows every step the API reports for it, and the flow map's patterns view marks what the
// demo really is — OrderPlaced an event, checkout-orchestrator the owner of its flow, the
// notification consumer calling the order service back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { Eventscope } from '../../scripts/eventscope.js';
import { openPage, startApp } from './app.js';
import { FlowMapPage } from './pages.js';

let es: Eventscope;
let browser: Browser;
let page: Page;
let base: string;

before(async () => {
  es = await startApp('demo', {
    env: { EVENTSCOPE_BUSINESS_KEYS: 'order.id' },
    demoArgs: ['--rate', '20', '--seed', '11', '--export-interval-ms', '100'],
  });
  base = es.uiUrl!;
  // until an orchestrated checkout has completed and its spans are paired
  const deadline = Date.now() + 40_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    await es.collector.pairing?.sync();
    const [row] = await es.store.query<{ n: string }>(
      `SELECT count() AS n FROM ${es.store.database}.hops WHERE message_type = 'OrderCompleted'`,
      { name: 'e2e:demo-ready' },
    );
    if (Number(row?.n) >= 3) break;
    assert.ok(Date.now() < deadline, 'the demo completed no checkout in 40 s');
  }
  ({ browser, page } = await openPage());
});

after(async () => {
  await browser?.close();
  await es?.stop();
});

describe('the demo, as a user sees it', () => {
  it('the transaction page of a demo order shows every step of it', async () => {
    // an order placed a while ago, so its whole flow has had time to happen
    const [row] = await es.store.query<{ v: string }>(
      `SELECT value AS v FROM ${es.store.database}.business_keys WHERE key = 'order.id' ORDER BY timestamp LIMIT 1`,
      { name: 'e2e:demo-order' },
    );
    assert.ok(row, 'the demo writes order.id');
    const api = (await (await fetch(`${base}/api/transactions/order.id/${encodeURIComponent(row.v)}`)).json()) as { steps: { service: string }[] };
    assert.ok(api.steps.length >= 3, `an order has several steps (${api.steps.length})`);
    await page.goto(`${base}/transactions/order.id/${encodeURIComponent(row.v)}`);
    const steps = page.getByTestId('transaction-step');
    await steps.first().waitFor();
    assert.equal(await steps.count(), api.steps.length);
    const text = await page.getByTestId('transaction-steps').innerText();
    for (const s of new Set(api.steps.map((x) => x.service))) assert.match(text, new RegExp(s));
  });

  it('the patterns view marks the events, the orchestrator and the call-back consumer', async () => {
    const map = new FlowMapPage(page, base);
    await map.open('from=now-15m&patterns=on&groupBy=messageType');
    const badge = (kind: string, label: string) =>
      map.page.locator(`[data-testid="flow-node"][data-label="${label}"] [data-testid="pattern-badge"][data-pattern="${kind}"]`);
    await badge('orchestrator', 'checkout-orchestrator').waitFor();
    assert.equal(await badge('event', 'OrderPlaced').count(), 1);
    assert.equal(await badge('command', 'ChargeCard').count(), 1);
    assert.equal(await badge('callback', 'notification').count(), 1);
    assert.equal(await badge('orchestrator', 'order').count(), 0, 'the order service owns no flow');
  });
});
