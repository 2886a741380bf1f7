// Alerts in a real Chromium against a real Eventscope fed through OTLP/HTTP: a consumer group that
// stopped; a user creates a rule for it on the alerts page, sees it fire there (and the webhook,
// a test HTTP server, receives the firing message), and sees the firing mark on its flow-map edge.
// Screenshots: ALERTS_SCREENSHOTS=<folder>.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { Eventscope } from '../../scripts/eventscope.js';
import { openPage, sendAndPair, startApp } from './app.js';
import { clock, messaging, type Span } from '../support/otlp.js';

const DEST = 'e2e-orders';
const GROUP = 'e2e-billing';
const SHOTS = process.env.ALERTS_SCREENSHOTS;

let es: Eventscope;
let browser: Browser;
let page: Page;
let base: string;
let hook: http.Server;
let hookUrl: string;
const received: any[] = [];

/** The alerts page, as a user drives it. */
class AlertsPage {
  constructor(private readonly page: Page) {}
  async open() {
    await this.page.goto(`${base}/alerts`);
    await this.page.getByRole('heading', { name: 'Alerts' }).waitFor();
  }
  async create(rule: { name: string; destination: string; group: string; for: string; webhook: string }) {
    const form = this.page.getByTestId('alert-form');
    if (!(await form.isVisible())) await this.page.getByTestId('alert-new').click();
    await form.locator('input[name=name]').fill(rule.name);
    await form.locator('select[name=kind]').selectOption('consumer_status');
    await form.locator('input[name=destination]').fill(rule.destination);
    await form.locator('input[name=consumerGroup]').fill(rule.group);
    await form.locator('input[name=for]').fill(rule.for);
    await form.locator('input[name=webhookUrl]').fill(rule.webhook);
    await this.page.getByTestId('alert-save').click();
  }
  rule(name: string) {
    return this.page.getByTestId('alert-rule').filter({ hasText: name });
  }
}

function stoppedConsumer(): Span[] {
  // published every 10 s over the last 10 minutes; the group consumed the first 3 minutes, then stopped
  const t = clock(Date.now() - 600_000);
  const spans: Span[] = [];
  for (let s = 0; s < 59; s++) {
    const p = t.span({ service: 'e2e-shop', name: `${DEST} send`, kind: 'PRODUCER', start: s * 10_000, attributes: messaging({ destination: DEST, operation: 'send' }) });
    spans.push(p);
    if (s < 18) spans.push(t.span({ service: 'e2e-billing-svc', name: `${DEST} process`, kind: 'CONSUMER', parent: p, start: s * 10_000 + 50, attributes: messaging({ destination: DEST, operation: 'process', group: GROUP }) }));
  }
  return spans;
}

before(async () => {
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;
  es = await startApp('alerts', { env: { EVENTSCOPE_ALERT_INTERVAL_MS: '300' } });
  base = es.uiUrl!;
  const spans = stoppedConsumer();
  await sendAndPair(es, spans);
  ({ browser, page } = await openPage());
});

after(async () => {
  await browser?.close();
  await es?.stop();
  await new Promise((r) => hook?.close(r));
});

describe('alerts', () => {
  it('a rule created on the alerts page fires, and its state shows there', async () => {
    const alerts = new AlertsPage(page);
    await alerts.open();
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'alerts-empty.png'), fullPage: true });
    // a bad webhook is refused with the API's message, nothing is created
    await alerts.create({ name: 'billing stopped', destination: DEST, group: GROUP, for: 'soon', webhook: hookUrl });
    await assert.doesNotReject(page.getByTestId('alert-form-error').filter({ hasText: 'for: expected a duration like 90s, 2m, 1h, got "soon"' }).waitFor());
    await alerts.create({ name: 'billing stopped', destination: DEST, group: GROUP, for: '0', webhook: hookUrl });
    const row = alerts.rule('billing stopped');
    await row.waitFor();
    assert.match(await row.innerText(), /status is STOP or STALL/);
    // the page refreshes itself: the rule turns firing without a reload
    await row.and(page.locator('[data-state=firing]')).waitFor({ timeout: 30_000 });
    const instance = row.getByTestId('alert-instance');
    assert.match(await instance.first().innerText(), new RegExp(`${DEST} → ${GROUP} — STOP`));
    await page.getByTestId('alert-event').filter({ hasText: 'billing stopped' }).first().waitFor();
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'alerts-firing.png'), fullPage: true });
    const deadline = Date.now() + 10_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(received.length, 1);
    assert.equal(received[0].status, 'firing');
    assert.deepEqual([received[0].instance.destination, received[0].instance.consumerGroup], [DEST, GROUP]);
    assert.equal(received[0].url, `${base}/lag?destination=${DEST}&group=${GROUP}`);
  });

  it('the flow map marks the edge of the firing rule', async () => {
    await page.goto(`${base}/?from=now-15m`);
    const edge = page.locator(`[data-testid=flow-edge-label][data-kind=deliver][data-group="${GROUP}"]`);
    await edge.waitFor();
    const mark = edge.getByTestId('flow-edge-alert');
    await mark.waitFor();
    assert.equal(await mark.getAttribute('title'), 'firing alert: billing stopped');
    // the publish edge of the same destination carries no mark
    assert.equal(await page.locator('[data-testid=flow-edge-label][data-kind=publish] [data-testid=flow-edge-alert]').count(), 0);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'flowmap-alert.png') });
  });
});
