// npx tsx bench/ui.ts (or npm run bench -- ui): how fast the dashboard feels on the demo data, in
// Chromium, through the browser's own Performance APIs — Largest Contentful Paint of every page
// (PerformanceObserver 'largest-contentful-paint') and the time from a click to its panel
// (performance.now() around a click on a map node until the side panel is painted; the same for a
// timeline row and its span detail). Measured and reported, not asserted; results go to
// docs/benchmarks.md between the ui-bench markers. Goals: LCP ≤ 1.5 s, interaction ≤ 100 ms.
//   npx tsx bench/ui.ts [--warmup-seconds 25] [--runs 5] [--out docs/benchmarks.md]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { ensureBuild, startEventscope } from '../scripts/eventscope.js';
import { launchChromium } from '../test/support/browser.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'ui'),
  options: {
    'warmup-seconds': { type: 'string', default: '25' },
    runs: { type: 'string', default: '5' },
    out: { type: 'string', default: path.join(ROOT, 'docs/benchmarks.md') },
  },
});
const RUNS = Math.max(1, Number(args.runs));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** LCP of one fresh load of `url` (ms since navigation start). */
async function lcp(page: Page, url: string, ready: string): Promise<number> {
  await page.goto(url);
  await page.locator(ready).first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(500); // let the streamed sections land
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          resolve(entries[entries.length - 1]!.startTime);
        }).observe({ type: 'largest-contentful-paint', buffered: true });
      }),
  );
}

/** ms from a click on `target` until `panel` is in the DOM and a frame has been painted with it. */
async function clickToPanel(page: Page, target: string, panel: string, index: number): Promise<number> {
  // a string, not a function: tsx's helpers (__name) do not exist in the page
  const script = `new Promise((resolve, reject) => {
    const els = document.querySelectorAll(${JSON.stringify(target)});
    const el = els[${index} % els.length];
    if (!el) return reject(new Error('nothing matches ' + ${JSON.stringify(target)}));
    const t0 = performance.now();
    el.click();
    (function check() {
      const p = document.querySelector(${JSON.stringify(panel)});
      if (p && p.offsetParent !== null) requestAnimationFrame(() => resolve(performance.now() - t0));
      else requestAnimationFrame(check);
    })();
  })`;
  return page.evaluate(script) as Promise<number>;
}

async function main() {
  ensureBuild();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-bench-ui-'));
  const es = await startEventscope({
    env: { ...process.env, EVENTSCOPE_DATA_DIR: dataDir, PORT: '0', EVENTSCOPE_OTLP_HTTP_PORT: '0', EVENTSCOPE_OTLP_GRPC_PORT: '0' },
    demoArgs: [],
    log: () => {},
  });
  const browser = await launchChromium();
  try {
    console.log(`demo running; letting it send traffic for ${args['warmup-seconds']} s…`);
    await new Promise((r) => setTimeout(r, Number(args['warmup-seconds']) * 1000));
    await es.collector.pairing?.sync();
    const base = es.uiUrl!;
    const [row] = await es.store.query<{ t: string }>(
      `SELECT trace_id AS t FROM ${es.store.database}.spans WHERE span_kind = 'PRODUCER' ORDER BY timestamp DESC LIMIT 1`,
      { name: 'bench:ui:trace' },
    );
    const pages: [string, string, string][] = [
      ['flow map', '/', '[data-testid="flow-node"]'],
      ['requests', '/requests', '[data-testid="request-row"]'],
      ['consumer lag', '/lag', '[data-testid="lag-row"]'],
      ['anomalies', '/anomalies', 'h1'],
      ['request timeline', `/requests/${row?.t ?? ''}`, '[data-testid="span-row"]'],
    ];
    const lcps: Record<string, number[]> = {};
    for (let i = 0; i < RUNS + 1; i++) {
      for (const [name, p, ready] of pages) {
        // a fresh context each time: no cached scripts beyond what a first visit has
        const ctx = await browser.newContext({ viewport: { width: 1500, height: 950 } });
        const page = await ctx.newPage();
        const v = await lcp(page, base + p, ready);
        if (i > 0) (lcps[name] ??= []).push(v); // the first round warms the server
        await ctx.close();
      }
    }
    const ctx = await browser.newContext({ viewport: { width: 1500, height: 950 } });
    const page = await ctx.newPage();
    await page.goto(base + '/');
    await page.locator('[data-testid="flow-node"]').first().waitFor();
    const nodeClicks: number[] = [];
    for (let i = 0; i < RUNS * 2; i++) {
      await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } }); // close the panel
      await page.getByTestId('side-panel').waitFor({ state: 'detached' }).catch(() => {});
      nodeClicks.push(await clickToPanel(page, '.react-flow__node', '[data-testid="side-panel"]', i));
    }
    await page.goto(`${base}/requests/${row?.t ?? ''}`);
    await page.locator('[data-testid="span-row"]').first().waitFor();
    const spanClicks: number[] = [];
    for (let i = 0; i < RUNS * 2; i++) spanClicks.push(await clickToPanel(page, '[data-testid="span-row"]', '[data-testid="span-detail"]', i));
    await ctx.close();

    const fmt = (ms: number) => `${Math.round(ms)} ms`;
    const lines = [
      `\`npx tsx bench/ui.ts\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores, demo traffic for ${args['warmup-seconds']} s, Chromium headless, 1500×950; medians of ${RUNS} fresh loads (after one warm-up round) and ${RUNS * 2} clicks.`,
      '',
      '| page | Largest Contentful Paint (median) | worst | goal |',
      '|---|---:|---:|---|',
      ...pages.map(([name]) => `| ${name} | ${fmt(median(lcps[name]!))} | ${fmt(Math.max(...lcps[name]!))} | ≤ 1500 ms ${median(lcps[name]!) <= 1500 ? '✓' : '✗'} |`),
      '',
      '| interaction | click → panel painted (median) | worst | goal |',
      '|---|---:|---:|---|',
      `| flow map: node → side panel | ${fmt(median(nodeClicks))} | ${fmt(Math.max(...nodeClicks))} | ≤ 100 ms ${median(nodeClicks) <= 100 ? '✓' : '✗'} |`,
      `| request timeline: span row → span detail | ${fmt(median(spanClicks))} | ${fmt(Math.max(...spanClicks))} | ≤ 100 ms ${median(spanClicks) <= 100 ? '✓' : '✗'} |`,
    ];
    const section = lines.join('\n');
    console.log(section);
    const out = args.out!;
    const BEGIN = '<!-- ui-bench:begin (generated by npx tsx bench/ui.ts; edit outside the markers) -->';
    const END = '<!-- ui-bench:end -->';
    const doc = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    const block = `${BEGIN}\n${section}\n${END}`;
    const next = doc.includes(BEGIN) ? doc.replace(new RegExp(`${BEGIN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?${END}`), block) : `${doc.trimEnd()}\n\n## Dashboard responsiveness\n\n${block}\n`;
    fs.writeFileSync(out, next);
    console.log(`written to ${path.relative(ROOT, out)}`);
  } finally {
    await browser.close();
    await es.stop();
  }
}

await main();
