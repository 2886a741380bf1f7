// Business transactions in a real Chromium against a real Eventscope fed through OTLP/HTTP: an order
// whose trace context broke twice (three traces, no links) — its transaction page shows every step
// in order and both breaks; it is reached from a span's detail on the request timeline and from an
// attribute search on the requests page. Screenshots: TX_SCREENSHOTS=<folder>.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Eventscope } from '../../scripts/eventscope.js';
import { openPage, sendAndPair, startApp } from './app.js';
import { clock, messaging, type Attributes, type Span } from '../support/otlp.js';
import { TimelinePage } from './pages.js';

const SHOTS = process.env.TX_SCREENSHOTS;
const ORDER = 'e2e-o-7';

let es: Eventscope;
let browser: Browser;
let page: Page;
let base: string;

/** The transaction page, as a user reads it. */
class TransactionPage {
  constructor(private readonly page: Page) {}
  async open(key: string, value: string) {
    await this.page.goto(`${base}/transactions/${encodeURIComponent(key)}/${encodeURIComponent(value)}`);
    await this.steps().first().waitFor();
  }
  steps() {
    return this.page.getByTestId('transaction-step');
  }
  breaks() {
    return this.page.getByTestId('transaction-break');
  }
}

const c = clock(Date.now() - 120_000);
const typed = (type: string, m: Parameters<typeof messaging>[0], extra: Attributes = {}): Attributes => ({ ...messaging(m), 'cloudevents.event_type': type, ...extra });
const order = { 'order.id': ORDER };
const checkout = c.span({ service: 'e2e-checkout', name: 'POST /checkout', kind: 'SERVER', start: 0, durationMs: 10, attributes: order });
const placed = c.span({ service: 'e2e-checkout', name: 'orders send', kind: 'PRODUCER', parent: checkout, start: 2, durationMs: 1, attributes: typed('OrderPlaced', { destination: 'e2e-orders', operation: 'send', messageId: 'e2e-m1' }, order) });
const payment = c.span({ service: 'e2e-payment', name: 'orders process', kind: 'CONSUMER', start: 20, durationMs: 8, attributes: typed('OrderPlaced', { destination: 'e2e-orders', operation: 'process', group: 'payment', messageId: 'e2e-m1' }, order) });
const taken = c.span({ service: 'e2e-payment', name: 'payments send', kind: 'PRODUCER', parent: payment, start: 25, durationMs: 1, attributes: typed('PaymentTaken', { destination: 'e2e-payments', operation: 'send', messageId: 'e2e-m2' }, order) });
const job = c.span({ service: 'e2e-shipping', name: 'ship batch', kind: 'INTERNAL', start: 300, durationMs: 20, resource: order });
const shipped = c.span({ service: 'e2e-shipping', name: 'payments process', kind: 'CONSUMER', parent: job, start: 305, durationMs: 5, resource: order, attributes: typed('PaymentTaken', { destination: 'e2e-payments', operation: 'process', group: 'shipping', messageId: 'e2e-m2' }) });
const other = c.span({ service: 'e2e-checkout', name: 'POST /checkout', kind: 'SERVER', start: 50, durationMs: 5, attributes: { 'order.id': 'e2e-o-8' } });
const spans: Span[] = [checkout, placed, payment, taken, job, shipped, other];

before(async () => {
  es = await startApp('tx', { env: { EVENTSCOPE_BUSINESS_KEYS: 'order.id' } });
  base = es.uiUrl!;
  await sendAndPair(es, spans);
  ({ browser, page } = await openPage());
});

after(async () => {
  await browser?.close();
  await es?.stop();
});

describe('business transactions', () => {
  it('the transaction page shows every step in order and marks both breaks in the trace context', async () => {
    const tx = new TransactionPage(page);
    await tx.open('order.id', ORDER);
    const steps = await tx.steps().allInnerTexts();
    assert.equal(steps.length, 6, steps.join('\n'));
    const expected = [
      ['entry', 'POST /checkout', 'e2e-checkout'],
      ['publish', 'OrderPlaced', 'e2e-checkout'],
      ['deliver', 'OrderPlaced', 'e2e-payment'],
      ['publish', 'PaymentTaken', 'e2e-payment'],
      ['entry', 'ship batch', 'e2e-shipping'],
      ['deliver', 'PaymentTaken', 'e2e-shipping'],
    ];
    const texts = steps.map((s) => s.replace(/\s+/g, ' '));
    let at = 0;
    for (const [kind, label, service] of expected) {
      at = texts.findIndex((s, i) => i >= at && s.includes(kind!) && s.includes(label!) && s.includes(service!));
      assert.ok(at >= 0, `${kind} ${label} by ${service} in order: ${texts.join(' | ')}`);
    }
    const breaks = await tx.breaks().allInnerTexts();
    assert.equal(breaks.length, 2);
    assert.match(breaks[0]!, /trace context broken.*e2e-payment started a new trace with no parent and no link/);
    assert.match(breaks[1]!, /e2e-shipping started a new trace/);
    assert.match(await page.getByTestId('transaction-breaks').innerText(), /^2\s+context breaks$/);
    assert.ok(!(await page.getByTestId('transaction-steps').innerText()).includes('e2e-o-8'));
    await page.getByTestId('timeline').waitFor();
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'transaction.png'), fullPage: true });
  });

  it('a span carrying the key links to its transaction from the request timeline', async () => {
    const tl = new TimelinePage(page, base);
    await tl.open(payment.traceId);
    await tl.row(payment.spanId).click();
    const link = tl.detail().getByTestId('transaction-link');
    assert.equal(await link.innerText(), `transaction order.id=${ORDER}`);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'timeline-transaction-link.png') });
    await link.click();
    await page.getByTestId('transaction-steps').waitFor();
    assert.equal(new URL(page.url()).pathname, `/transactions/order.id/${ORDER}`);
  });

  it('an attribute search on a business key from the requests page leads to the transaction', async () => {
    await page.goto(`${base}/requests?from=now-1h&attribute=${encodeURIComponent(`order.id=${ORDER}`)}`);
    const hint = page.getByTestId('transaction-hint');
    await hint.waitFor();
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'requests-transaction-hint.png') });
    await hint.getByRole('link').click();
    await page.getByTestId('transaction-steps').waitFor();
    assert.equal(await new TransactionPage(page).steps().count(), 6);
  });
});
