// The dashboard behind a password in a real Chromium against a real Eventscope (store, collector,
// Next.js build): redirect to the login page, a wrong and a right password, the session cookie,
// every page working under the Content-Security-Policy (no violation reported), a span named with
// HTML shown as text without running, and logout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureBuild, startEventscope, type Eventscope } from '../../scripts/eventscope.js';
import { launchChromium } from '../support/browser.js';
import { clock, messaging, request, type Span } from '../support/otlp.js';
import { FlowMapPage, TimelinePage } from './pages.js';
import { noteWrite } from '../../lib/status.js';

const PASSWORD = 'e2e dashboard password';
const API_TOKEN = 'e2e-script-token-0123456789';
const HOSTILE_NAME = '<img src=x onerror=window.__pwned=1>';
const HOSTILE_VALUE = '"><script>window.__pwned=2</script><svg onload=window.__pwned=3>';

let es: Eventscope;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let dataDir: string;
const s: Record<string, Span> = {};
/** CSP violations and console errors the browser reported, with the page they came from */
const problems: string[] = [];

function scenario(): Span[] {
  const t = clock(Date.now() - 60_000);
  s.root = t.span({ service: 'shop', name: HOSTILE_NAME, kind: 'SERVER', start: 0, durationMs: 20, attributes: { 'order.note': HOSTILE_VALUE } });
  s.pub = t.span({
    service: 'shop', name: 'orders send', kind: 'PRODUCER', parent: s.root, start: 5, durationMs: 2,
    attributes: messaging({ destination: 'orders', operation: 'send', partition: 0, offset: 1, messageId: 'm-access-1' }),
  });
  s.deliver = t.span({
    service: 'billing', name: 'orders process', kind: 'CONSUMER', parent: s.pub, start: 30, durationMs: 5,
    attributes: messaging({ destination: 'orders', operation: 'process', partition: 0, offset: 1, group: 'billing' }),
  });
  return Object.values(s);
}

before(async () => {
  ensureBuild(() => {});
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-e2e-access-'));
  es = await startEventscope({
    env: {
      EVENTSCOPE_DATA_DIR: dataDir,
      PORT: '0',
      EVENTSCOPE_OTLP_HTTP_PORT: '0',
      EVENTSCOPE_OTLP_GRPC_PORT: '0',
      EVENTSCOPE_BATCH_INTERVAL_MS: '20',
      EVENTSCOPE_DASHBOARD_PASSWORD: PASSWORD,
      EVENTSCOPE_API_TOKENS: `ci:${API_TOKEN}`,
    },
    log: () => {},
  });
  base = es.uiUrl!;
  const res = await fetch(`${es.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request(scenario())) });
  assert.equal(res.status, 200, await res.text());
  await es.collector.pairing?.sync();

  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      ((window as any).__csp ??= []).push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console on ${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`error on ${page.url()}: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await es?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function cspViolations(): Promise<string[]> {
  return page.evaluate(() => ((window as any).__csp as string[] | undefined) ?? []);
}

describe('login', () => {
  it('a page without a session goes to the login page, which says what it is for', async () => {
    const res = await page.goto(`${base}/requests?range=15m`);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/requests?range=15m');
    assert.equal(res?.status(), 200);
    assert.equal(await page.locator('h1').innerText(), 'Sign in to Eventscope');
    await page.getByLabel('Dashboard password').waitFor();
    assert.deepEqual(await cspViolations(), []);
  });

  it('a wrong password shows an error and sets no cookie', async () => {
    await page.getByLabel('Dashboard password').fill('not it at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(await page.getByTestId('login-error').innerText(), 'Wrong password. Try again.');
    assert.deepEqual(await context.cookies(), []);
  });

  it('the right password sets an HttpOnly, SameSite cookie and opens the page asked for', async () => {
    await page.getByLabel('Dashboard password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/requests?range=15m`);
    await page.getByTestId('request-row').first().waitFor();
    const [cookie, ...more] = await context.cookies();
    assert.equal(more.length, 0);
    assert.equal(cookie!.name, 'eventscope_session');
    assert.equal(cookie!.httpOnly, true);
    assert.equal(cookie!.sameSite, 'Lax');
    assert.equal(cookie!.secure, false); // plain HTTP here; Secure under TLS (test/integration/dashboard-tls.test.ts)
    assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read the session');
    assert.match(await page.getByTestId('health').innerText(), /^3 spans stored · embedded chDB$/);
    await page.getByTestId('logout').waitFor();
  });

  it('the API answers the browser session, and scripts with a token only', async () => {
    assert.equal(await page.evaluate(() => fetch('/api/health').then((r) => r.status)), 200);
    const anon = await fetch(`${base}/api/health`);
    assert.equal(anon.status, 401);
    assert.match(((await anon.json()) as { error: string }).error, /^authentication required/);
    assert.equal((await fetch(`${base}/api/health`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status, 200);
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status, 200);
  });
});

describe('the header badge', () => {
  it('shows degraded with its reason while span writes fail, and ok again after', async () => {
    // what the store's writer records when an insert fails (lib/status.ts, shared with Next's bundle)
    noteWrite(new Error('disk I/O error (e2e)'));
    try {
      await page.goto(`${base}/lag`);
      const badge = page.getByTestId('health');
      assert.equal(await badge.getAttribute('data-status'), 'degraded');
      assert.match(await badge.innerText(), /^degraded/);
      assert.match(await page.getByTestId('health-reason').innerText(), /^Spans cannot be written to the store: exporters are told to retry .*disk I\/O error \(e2e\)/);
    } finally {
      noteWrite();
    }
    await page.goto(`${base}/lag`);
    assert.equal(await page.getByTestId('health').getAttribute('data-status'), 'ok');
    assert.match(await page.getByTestId('health').innerText(), /^3 spans stored/);
  });
});

describe('under the Content-Security-Policy', () => {
  it('every page renders and hydrates with no violation reported, and the headers are there', async () => {
    problems.length = 0; // the wrong password's 401 above is logged by Chromium as a failed load
    for (const p of ['/?range=15m', '/requests?range=15m', '/lag?range=15m', '/anomalies?range=15m', `/requests/${s.root!.traceId}`]) {
      const res = await page.goto(`${base}${p}`);
      assert.equal(res?.status(), 200, p);
      const h = await res!.allHeaders();
      assert.match(h['content-security-policy'] ?? '', /script-src 'self' 'nonce-[^']+' 'strict-dynamic'; .*frame-ancestors 'none'/, p);
      assert.equal(h['x-content-type-options'], 'nosniff', p);
      assert.equal(h['referrer-policy'], 'same-origin', p);
      assert.equal(h['x-powered-by'], undefined, p);
      // hydrated: Next's client router is up (its inline scripts ran under the nonce)
      await page.waitForFunction(() => !!(window as any).next?.router, undefined, { timeout: 15_000 });
      assert.deepEqual(await cspViolations(), [], p);
    }
    assert.deepEqual(problems, []);
  });

  it('client-side navigation (RSC requests) works with the session', async () => {
    const map = new FlowMapPage(page, base);
    await map.open();
    await page.getByRole('link', { name: 'Consumer lag' }).click();
    await page.waitForURL(/\/lag\?range=15m$/);
    await page.locator('h1', { hasText: 'Consumer lag' }).waitFor();
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no full page load');
    assert.deepEqual(await cspViolations(), []);
  });

  it('a span named with HTML shows as text on the timeline and runs nothing', async () => {
    const tl = new TimelinePage(page, base);
    await tl.open(s.root!.traceId);
    const row = tl.row(s.root!.spanId);
    assert.match(await row.innerText(), new RegExp(HOSTILE_NAME.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await row.click();
    assert.ok((await tl.detail().innerText()).includes(HOSTILE_VALUE), 'the attribute value shows as written');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined);
    assert.deepEqual(await cspViolations(), []);
  });
});

describe('logout', () => {
  it('clears the session and the pages ask for the login again', async () => {
    await page.goto(`${base}/lag`);
    await page.getByTestId('logout').click();
    await page.waitForURL(`${base}/login`);
    assert.deepEqual(await context.cookies(), []);
    await page.goto(`${base}/anomalies`);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/anomalies');
  });
});
