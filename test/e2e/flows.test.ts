// Flows and stuck transactions in a real Chromium against a real Eventscope fed through OTLP/HTTP:
// ten orders went FlowStart → ChargeCard → CardCharged, one stopped after ChargeCard five minutes ago.
// The flows page shows the usual steps and the stuck order with its missing step and the group that
// should have acted; its link opens the transaction. Screenshots: FLOWS_SCREENSHOTS=<folder>.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Eventscope } from '../../scripts/eventscope.js';
import { openPage, sendAndPair, startApp } from './app.js';
import { clock, messaging, type Span } from '../support/otlp.js';

const SHOTS = process.env.FLOWS_SCREENSHOTS;

let es: Eventscope;
let browser: Browser;
let page: Page;
let base: string;

/** The flows page, as a user reads it. */
class FlowsPage {
  constructor(private readonly page: Page) {}
  async open(query = 'from=now-1h') {
    await this.page.goto(`${base}/flows?${query}`);
    await this.page.getByTestId('flows-panel').waitFor();
  }
  flow(id: string) {
    return this.page.locator(`[data-testid="flow"][data-flow="${id}"]`);
  }
  stuckRows() {
    return this.page.getByTestId('stuck-row');
  }
}

const STEPS = [
  { type: 'FlowStart', destination: 'e2e-fl-checkout', publisher: 'e2e-web', consumer: 'e2e-orchestrator', group: 'orchestrator-start' },
  { type: 'ChargeCard', destination: 'e2e-fl-card-commands', publisher: 'e2e-orchestrator', consumer: 'e2e-card', group: 'card-service' },
  { type: 'CardCharged', destination: 'e2e-fl-card-events', publisher: 'e2e-card', consumer: 'e2e-orchestrator', group: 'orchestrator-replies' },
];

function step(order: string, n: number, atMs: number): Span[] {
  const s = STEPS[n]!;
  const c = clock(atMs);
  const attrs = (operation: 'send' | 'process') => ({
    ...messaging({ destination: s.destination, operation, group: operation === 'process' ? s.group : undefined, messageId: `${order}-${n}` }),
    'cloudevents.event_type': s.type,
    'order.id': order,
  });
  const pub = c.span({ service: s.publisher, name: `${s.destination} send`, kind: 'PRODUCER', start: -20, durationMs: 1, attributes: attrs('send') });
  const del = c.span({ service: s.consumer, name: `${s.destination} process`, kind: 'CONSUMER', parent: pub, start: 0, durationMs: 5, attributes: attrs('process') });
  return [pub, del];
}

const now = Date.now();
const spans: Span[] = [];
for (let i = 0; i < 10; i++) {
  const t0 = now - 30 * 60_000 + i * 2 * 60_000;
  spans.push(...step(`e2e-o-${i}`, 0, t0), ...step(`e2e-o-${i}`, 1, t0 + 1000), ...step(`e2e-o-${i}`, 2, t0 + 3000));
}
spans.push(...step('e2e-stuck', 0, now - 5 * 60_000), ...step('e2e-stuck', 1, now - 5 * 60_000 + 1000));

before(async () => {
  es = await startApp('flows', { env: { EVENTSCOPE_BUSINESS_KEYS: 'order.id', EVENTSCOPE_STUCK_MIN_SECONDS: '5' } });
  base = es.uiUrl!;
  await sendAndPair(es, spans);
  ({ browser, page } = await openPage({ width: 1400, height: 950 }));
});

after(async () => {
  await browser?.close();
  await es?.stop();
});

describe('flows', () => {
  it('shows the usual steps and the stuck order with its missing step and the group that should have acted', async () => {
    const flows = new FlowsPage(page);
    await flows.open();
    const flow = flows.flow('order.id:FlowStart');
    assert.deepEqual(await flow.getByTestId('flow-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-step'))), ['FlowStart', 'ChargeCard', 'CardCharged']);
    assert.match(await flow.innerText(), /11 transactions: 10 went the whole way, 0 on the way,\s*1 stuck/);
    const rows = flows.stuckRows();
    assert.equal(await rows.count(), 1);
    const text = (await rows.first().innerText()).replace(/\s+/g, ' ');
    assert.match(text, /order\.id=e2e-stuck .*step 2: ChargeCard .*step 3: CardCharged .*orchestrator-replies .*usually sent by e2e-card/);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'flows.png'), fullPage: true });
    await rows.first().getByRole('link', { name: 'order.id=e2e-stuck' }).click();
    await page.getByTestId('transaction-steps').waitFor();
    assert.equal(new URL(page.url()).pathname, '/transactions/order.id/e2e-stuck');
  });

  it('a flow filter in the URL narrows both lists; an unknown one says so', async () => {
    const flows = new FlowsPage(page);
    await flows.open(`from=now-1h&flow=${encodeURIComponent('order.id:FlowStart')}`);
    assert.equal(await flows.stuckRows().count(), 1);
    await flows.open(`from=now-1h&flow=${encodeURIComponent('order.id:Nope')}`);
    assert.equal(await flows.stuckRows().count(), 0);
    assert.match(await page.getByTestId('stuck-none').innerText(), /No transaction is stuck/);
    assert.match(await page.locator('main').innerText(), /No flow "order\.id:Nope" in this range/);
  });
});
