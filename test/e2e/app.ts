// What every browser test starts with: a real Eventscope (store, collector, Next.js dashboard built
// when stale) on ephemeral ports in a fresh data folder, spans sent through OTLP/HTTP and paired,
// and a Chromium page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ensureBuild, startEventscope, type Eventscope } from '../../scripts/eventscope.js';
import { launchChromium } from '../support/browser.js';
import { request, type Span } from '../support/otlp.js';

/** Eventscope with the dashboard; `env` adds to (or overrides) the test defaults. */
export async function startApp(name: string, opts: { env?: Record<string, string>; demoArgs?: string[] } = {}): Promise<Eventscope> {
  ensureBuild(() => {});
  return startEventscope({
    env: {
      EVENTSCOPE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), `es-e2e-${name}-`)),
      PORT: '0',
      EVENTSCOPE_OTLP_HTTP_PORT: '0',
      EVENTSCOPE_OTLP_GRPC_PORT: '0',
      EVENTSCOPE_BATCH_INTERVAL_MS: '20',
      ...opts.env,
    },
    demoArgs: opts.demoArgs,
    log: () => {},
  });
}

/** One OTLP/JSON export request (acknowledged after commit), then a pairing pass over it. */
export async function sendAndPair(es: Eventscope, spans: Span[]): Promise<void> {
  const res = await fetch(`${es.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request(spans)) });
  assert.equal(res.status, 200, await res.text());
  await es.collector.pairing?.sync();
}

/** Chromium with one page of the given size, 20 s for every wait. */
export async function openPage(viewport = { width: 1500, height: 950 }): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(20_000);
  return { browser, page };
}
